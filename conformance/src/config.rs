//! The target config file (`--config FILE`): where to run and the credentials per vendor.
//! Credentials live here or in the environment, never in case files.
//!
//! ```yaml
//! target: http://127.0.0.1:8080
//! credentials:
//!   obshell: {password: sim-password, auth: v2}
//!   ota: {token: sim-token}
//!   taurusdb: {project_id: 054e292c9880d4992f02c0196d3ea468, ak: AK, sk: SK, token: sim-token}
//!   unity: {username: admin, password: "Password123#"}
//! ```

use crate::auth::Credentials;
use anyhow::anyhow;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// Base URL; `--target` wins over it.
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub credentials: Credentials,
}

impl TargetConfig {
    pub fn load(path: &Path) -> anyhow::Result<TargetConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))?;
        serde_yaml_ng::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
    }
}
