//! What `GET /_sim/scenario` hides: every password, secret key and token in the scenario is
//! shown as `"***"` unless the caller asks for them with `?secrets=show` (and, when an admin
//! token is set, has already proved who it is). Masking works on the parsed YAML, so a secret
//! is hidden however it is written (a scalar, a list, a flow map); the masked view is the YAML
//! re-serialized, without the file's comments.

use serde_yaml_ng::Value;

/// Keys whose values are secrets, wherever they stand.
const SECRET_KEYS: &[&str] = &[
    "password",
    "sk",
    "secret",
    "secret_key",
    "token",
    "tokens",
    "security_token",
    "agent_password",
];

/// The scenario text with every secret replaced by `"***"`.
pub fn masked(source: &str) -> String {
    let Ok(mut value) = serde_yaml_ng::from_str::<Value>(source) else {
        return String::new();
    };
    mask(&mut value, false);
    serde_yaml_ng::to_string(&value).unwrap_or_default()
}

/// Masks the scalars of `value` when `secret`, and whatever stands under a secret key below.
fn mask(value: &mut Value, secret: bool) {
    match value {
        Value::Mapping(map) => {
            for (k, v) in map.iter_mut() {
                let is_secret = k.as_str().is_some_and(|k| SECRET_KEYS.contains(&k));
                // A map under a secret key is a record (`{token, user}`): its own keys decide.
                mask(v, is_secret);
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(|v| mask(v, secret)),
        Value::Tagged(t) => mask(&mut t.value, secret),
        other if secret => *other = Value::String("***".into()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn every_secret_is_masked_however_it_is_written() {
        let text = "obshell: {password: pw1}\nota:\n  tokens:\n    - {token: t1, user: alice}\n\
                    taurusdb:\n  credentials:\n    access_keys: [{ak: AK1, sk: SK1}]\n    tokens: [t2, t3]\n\
                    unity:\n  users:\n    - name: admin\n      password: \"pw#2\"\n";
        let out = masked(text);
        for secret in ["pw1", "t1", "SK1", "t2", "t3", "pw#2"] {
            assert!(!out.contains(secret), "{secret} shows in:\n{out}");
        }
        for kept in ["alice", "AK1", "admin"] {
            assert!(out.contains(kept), "{kept} is not a secret:\n{out}");
        }
    }
}
