//! TaurusDB end to end: the doc's example verbatim, SDK-HMAC-SHA256 against the SDK's worked
//! example, every refusal with its code, jobs on stepped time, maintenance-window scheduling,
//! the companion endpoints, timeline faults, and "no 5xx on random input".

mod companions;
mod credentials;
mod errors;
mod filters;
mod openapi;
mod properties;
mod signing;
mod tasks;
mod upgrade;

pub use crate::support::taurusdb::*;
