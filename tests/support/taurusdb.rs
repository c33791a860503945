//! Request builders shared by the taurusdb tests (signed with the conformance crate's clients).
