//! Credentials per vendor and where they come from: the target config file, the environment,
//! or (against the simulator only) the simulator itself, which serves its running scenario's
//! test credentials at `GET /_sim/credentials` to loopback clients. [`Credentials::missing`]
//! names, per vendor, the config key and environment variable of each value a case would need
//! and nobody gave, so that a run can stop before its first request.

use serde::Deserialize;
use serde_json::Value;

/// Credentials per vendor, from the target config file (`credentials:`) or the environment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    #[serde(default)]
    pub obshell: ObshellCreds,
    #[serde(default)]
    pub ota: OtaCreds,
    #[serde(default)]
    pub taurusdb: TaurusCreds,
    #[serde(default)]
    pub unity: UnityCreds,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObshellCreds {
    /// The root@sys password (env UPGRADE_CONFORMANCE_OBSHELL_PASSWORD).
    pub password: Option<String>,
    /// `v1`, `v2` or `auto` (ask /api/v1/info's supportedAuth, as the SDK does). Default auto.
    pub auth: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtaCreds {
    /// Bearer token (env UPGRADE_CONFORMANCE_OTA_TOKEN).
    pub token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaurusCreds {
    /// env UPGRADE_CONFORMANCE_TAURUSDB_PROJECT_ID or HUAWEICLOUD_SDK_PROJECT_ID.
    pub project_id: Option<String>,
    /// env UPGRADE_CONFORMANCE_TAURUSDB_AK or HUAWEICLOUD_SDK_AK.
    pub ak: Option<String>,
    /// env UPGRADE_CONFORMANCE_TAURUSDB_SK or HUAWEICLOUD_SDK_SK.
    pub sk: Option<String>,
    /// IAM token for `X-Auth-Token` (env UPGRADE_CONFORMANCE_TAURUSDB_TOKEN).
    pub token: Option<String>,
    /// `aksk` (default when AK/SK are known) or `token`.
    pub mode: Option<String>,
    /// A temporary key's `X-Security-Token` (env UPGRADE_CONFORMANCE_TAURUSDB_SECURITY_TOKEN
    /// or HUAWEICLOUD_SDK_SECURITY_TOKEN).
    pub security_token: Option<String>,
    /// The signing algorithm: SDK-HMAC-SHA256 (default), SDK-HMAC-SM3,
    /// SDK-ECDSA-P256-SHA256 or SDK-SM2-SM3.
    pub algorithm: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnityCreds {
    /// env UPGRADE_CONFORMANCE_UNITY_USERNAME.
    pub username: Option<String>,
    /// env UPGRADE_CONFORMANCE_UNITY_PASSWORD.
    pub password: Option<String>,
}

fn env(names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| std::env::var(n).ok())
}

impl Credentials {
    /// Fills what the file left out from the environment.
    pub fn with_env(mut self) -> Credentials {
        let o = &mut self.obshell;
        o.password = o
            .password
            .take()
            .or_else(|| env(&["UPGRADE_CONFORMANCE_OBSHELL_PASSWORD"]));
        o.auth = o
            .auth
            .take()
            .or_else(|| env(&["UPGRADE_CONFORMANCE_OBSHELL_AUTH"]));
        self.ota.token = self
            .ota
            .token
            .take()
            .or_else(|| env(&["UPGRADE_CONFORMANCE_OTA_TOKEN"]));
        let t = &mut self.taurusdb;
        t.project_id = t.project_id.take().or_else(|| {
            env(&[
                "UPGRADE_CONFORMANCE_TAURUSDB_PROJECT_ID",
                "HUAWEICLOUD_SDK_PROJECT_ID",
            ])
        });
        t.ak =
            t.ak.take()
                .or_else(|| env(&["UPGRADE_CONFORMANCE_TAURUSDB_AK", "HUAWEICLOUD_SDK_AK"]));
        t.sk =
            t.sk.take()
                .or_else(|| env(&["UPGRADE_CONFORMANCE_TAURUSDB_SK", "HUAWEICLOUD_SDK_SK"]));
        t.token = t
            .token
            .take()
            .or_else(|| env(&["UPGRADE_CONFORMANCE_TAURUSDB_TOKEN"]));
        t.security_token = t.security_token.take().or_else(|| {
            env(&[
                "UPGRADE_CONFORMANCE_TAURUSDB_SECURITY_TOKEN",
                "HUAWEICLOUD_SDK_SECURITY_TOKEN",
            ])
        });
        let u = &mut self.unity;
        u.username = u
            .username
            .take()
            .or_else(|| env(&["UPGRADE_CONFORMANCE_UNITY_USERNAME"]));
        u.password = u
            .password
            .take()
            .or_else(|| env(&["UPGRADE_CONFORMANCE_UNITY_PASSWORD"]));
        self
    }

    /// Values cases may read as `${taurusdb.project_id}` and the like (no secrets).
    pub fn public_vars(&self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        if let Some(p) = &self.taurusdb.project_id {
            out.push(("taurusdb.project_id".to_string(), Value::from(p.clone())));
        }
        if let Some(u) = &self.unity.username {
            out.push(("unity.username".to_string(), Value::from(u.clone())));
        }
        out
    }
}

/// Where credentials the config and environment left out were found (simulator targets only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialsSource {
    /// `GET /_sim/credentials`: the running scenario's credentials, served to loopback clients.
    Route,
    /// Read from the running scenario (`GET /_sim/scenario`), for simulators without the route.
    Scenario,
}

impl std::fmt::Display for CredentialsSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CredentialsSource::Route => "the simulator (GET /_sim/credentials)",
            CredentialsSource::Scenario => "the simulator's running scenario (GET /_sim/scenario)",
        })
    }
}

/// Sets `slot` from `from` when it is empty; whether it did.
fn fill(slot: &mut Option<String>, from: &Option<String>) -> bool {
    if slot.is_none() && from.is_some() {
        *slot = from.clone();
        return true;
    }
    false
}

/// The text at `ptr` in `v`, if it is a string (or a number, written as text).
fn text_at(v: &Value, ptr: &str) -> Option<String> {
    match v.pointer(ptr)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The environment variable that gives `vendor`'s `key` (the first one read).
fn env_name(vendor: &str, key: &str) -> String {
    format!(
        "UPGRADE_CONFORMANCE_{}_{}",
        vendor.to_ascii_uppercase(),
        key.to_ascii_uppercase()
    )
}

impl Credentials {
    /// Fills every value still missing from `other`; returns the vendors that got one.
    pub fn fill_from(&mut self, other: &Credentials) -> Vec<&'static str> {
        let mut got = Vec::new();
        let o = &mut self.obshell;
        if fill(&mut o.password, &other.obshell.password) | fill(&mut o.auth, &other.obshell.auth) {
            got.push("obshell");
        }
        if fill(&mut self.ota.token, &other.ota.token) {
            got.push("ota");
        }
        let (t, ot) = (&mut self.taurusdb, &other.taurusdb);
        let key = fill(&mut t.ak, &ot.ak);
        // A security token belongs to its access key: taken only with the key.
        if key {
            fill(&mut t.security_token, &ot.security_token);
        }
        if fill(&mut t.project_id, &ot.project_id)
            | key
            | fill(&mut t.sk, &ot.sk)
            | fill(&mut t.token, &ot.token)
        {
            got.push("taurusdb");
        }
        let u = &mut self.unity;
        if fill(&mut u.username, &other.unity.username)
            | fill(&mut u.password, &other.unity.password)
        {
            got.push("unity");
        }
        got
    }

    /// Credentials in the `credentials:` shape of a target config, read leniently: keys this
    /// harness does not know are ignored (the simulator may serve more than it needs).
    pub fn from_json(v: &Value) -> Credentials {
        let mut c = Credentials::default();
        c.obshell.password = text_at(v, "/obshell/password");
        c.ota.token = text_at(v, "/ota/token");
        c.taurusdb.project_id = text_at(v, "/taurusdb/project_id");
        c.taurusdb.ak = text_at(v, "/taurusdb/ak");
        c.taurusdb.sk = text_at(v, "/taurusdb/sk");
        c.taurusdb.token = text_at(v, "/taurusdb/token");
        c.taurusdb.security_token = text_at(v, "/taurusdb/security_token");
        c.unity.username = text_at(v, "/unity/username");
        c.unity.password = text_at(v, "/unity/password");
        c
    }

    /// The test credentials a simulator scenario file declares: the OBShell password, the
    /// first OTA token, TaurusDB's first access key, first token and first project (the
    /// simulator's documented defaults when its section gives no `credentials`), and the
    /// first Unity administrator. Vendors the scenario does not have stay empty.
    pub fn from_scenario(yaml: &str) -> Credentials {
        let v: Value = serde_yaml_ng::from_str(yaml).unwrap_or(Value::Null);
        let mut c = Credentials::default();
        c.obshell.password = text_at(&v, "/obshell/password");
        c.ota.token = text_at(&v, "/ota/tokens/0/token");
        if v.get("taurusdb").is_some_and(Value::is_object) {
            let t = &mut c.taurusdb;
            t.project_id = text_at(&v, "/taurusdb/projects/0/id");
            if v.pointer("/taurusdb/credentials").is_some() {
                t.ak = text_at(&v, "/taurusdb/credentials/access_keys/0/ak");
                t.sk = text_at(&v, "/taurusdb/credentials/access_keys/0/sk");
                t.token = text_at(&v, "/taurusdb/credentials/tokens/0");
                t.security_token =
                    text_at(&v, "/taurusdb/credentials/access_keys/0/security_token");
            } else {
                t.ak = Some("SIMULATORACCESSKEY00".into());
                t.sk = Some("simulator-secret-key".into());
                t.token = Some("sim-token".into());
            }
        }
        if let Some(users) = v.pointer("/unity/users").and_then(Value::as_array) {
            let admin = users
                .iter()
                .find(|u| u["role"] == "administrator")
                .or_else(|| users.first());
            if let Some(u) = admin {
                c.unity.username = text_at(u, "/name");
                c.unity.password = text_at(u, "/password");
            }
        }
        c
    }

    /// What a case of `vendor` needs and nobody gave: (config key, environment variable) per
    /// missing value. TaurusDB needs its project and either AK and SK or a token.
    pub fn missing(&self, vendor: &str) -> Vec<(String, String)> {
        let need = |key: &str, have: &Option<String>| {
            have.is_none()
                .then(|| (format!("credentials.{vendor}.{key}"), env_name(vendor, key)))
        };
        let t = &self.taurusdb;
        let signing = (t.ak.is_some() && t.sk.is_some()) || t.token.is_some();
        let wanted: Vec<Option<(String, String)>> = match vendor {
            "obshell" => vec![need("password", &self.obshell.password)],
            "ota" => vec![need("token", &self.ota.token)],
            "taurusdb" => vec![
                need("project_id", &t.project_id),
                (!signing).then(|| need("ak", &t.ak)).flatten(),
                (!signing).then(|| need("sk", &t.sk)).flatten(),
            ],
            "unity" => vec![
                need("username", &self.unity.username),
                need("password", &self.unity.password),
            ],
            _ => vec![],
        };
        wanted.into_iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scenario_gives_every_vendor_its_credentials() {
        let yaml = include_str!("../../../scenarios/default.yaml");
        let c = Credentials::from_scenario(yaml);
        for v in ["obshell", "ota", "taurusdb", "unity"] {
            assert_eq!(c.missing(v), Vec::<(String, String)>::new(), "{v}: {c:?}");
        }
        assert_eq!(c.obshell.password.as_deref(), Some("sim-password"));
        assert_eq!(c.unity.username.as_deref(), Some("admin"));
    }

    #[test]
    fn a_missing_value_names_its_config_key_and_environment_variable() {
        let c = Credentials::default();
        assert_eq!(
            c.missing("ota"),
            vec![(
                "credentials.ota.token".to_string(),
                "UPGRADE_CONFORMANCE_OTA_TOKEN".to_string()
            )]
        );
        let mut t = Credentials::default();
        t.taurusdb.project_id = Some("p".into());
        t.taurusdb.token = Some("tok".into());
        assert!(
            t.missing("taurusdb").is_empty(),
            "a token is enough to sign"
        );
    }

    #[test]
    fn values_from_the_config_win_over_the_simulators() {
        let mut mine = Credentials::default();
        mine.ota.token = Some("mine".into());
        let sim = Credentials::from_json(&serde_json::json!({
            "ota": {"token": "sim"}, "unity": {"username": "admin", "password": "pw"},
            "extra": {"ignored": true}
        }));
        assert_eq!(mine.fill_from(&sim), vec!["unity"]);
        assert_eq!(mine.ota.token.as_deref(), Some("mine"));
        assert_eq!(mine.unity.password.as_deref(), Some("pw"));
    }
}
