//! HTTP-level faults on routes (latency, error statuses in the vendor's shape, resets,
//! malformed bodies, rate limits), seeded from the scenario. Declared in a scenario's
//! `http_faults` or added live through `/_sim/faults`.

use serde::{Deserialize, Serialize};

/// One fault as a scenario declares it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpFaultSpec {
    /// A route pattern: a path where `*` matches one segment and a trailing `**` any rest,
    /// optionally preceded by a method ("POST /api/v1/ob/upgrade").
    pub route: String,
}

impl HttpFaultSpec {
    pub fn validate(&self) -> Result<(), String> {
        if !self
            .route
            .trim_start_matches(|c: char| c.is_ascii_uppercase() || c == ' ')
            .starts_with('/')
        {
            return Err(format!(
                "route '{}' must start with '/' (optionally after a method)",
                self.route
            ));
        }
        Ok(())
    }
}
