//! Variables: `${name}` substitution in everything a step sends or expects, from the case's
//! `vars`, earlier captures and the target's public values, with the error that lists the
//! known names when one is missing.

use super::Ctx;
use crate::matchers;
use serde_json::Value;

impl Ctx<'_> {
    /// `${name}` substitution: a string that is exactly one reference takes the variable's
    /// value with its type; references inside a longer string are spliced in as text.
    pub(super) fn interp(&self, v: &Value) -> Result<Value, String> {
        Ok(match v {
            Value::String(s) => {
                if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                    if !name.contains("${") && !name.contains('}') {
                        return self.var(name).cloned();
                    }
                }
                Value::String(self.interp_str(s)?)
            }
            Value::Array(a) => {
                Value::Array(a.iter().map(|x| self.interp(x)).collect::<Result<_, _>>()?)
            }
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, x)| Ok((k.clone(), self.interp(x)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }

    pub(super) fn var(&self, name: &str) -> Result<&Value, String> {
        self.vars.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.vars.keys().map(String::as_str).collect();
            format!(
                "unknown variable ${{{name}}} (known here: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )
        })
    }

    pub(super) fn interp_str(&self, s: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in '{s}'"))?;
            let v = self.var(&after[..end])?;
            match v {
                Value::String(t) => out.push_str(t),
                other => out.push_str(&other.to_string()),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    pub(super) fn matcher(&self, spec: &Value) -> Result<matchers::BoxMatcher, String> {
        let v = self.interp(spec)?;
        matchers::parse(&v, &|x| x.clone())
    }
}
