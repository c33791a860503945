//! Request builders shared by the unity tests (signed with the conformance crate's clients).
