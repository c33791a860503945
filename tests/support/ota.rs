//! Request builders shared by the ota tests (signed with the conformance crate's clients).
