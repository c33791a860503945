//! Request builders shared by the obshell tests (signed with the conformance crate's clients).
