//! The vendor API families, one folder each. Each folder imports only the layers below it (the
//! kernel, the faults, the engine) and never another vendor; `crate::registry` is the one place
//! that puts them together.

pub mod obshell;
pub mod ota;
pub mod taurusdb;
pub mod unity;
