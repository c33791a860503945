//! Reading a create-plan body (and a retry body) into a [`PlanRequest`], field by field, so
//! that every mistake is answered with a 400 naming the field. The doc's own example is
//! accepted verbatim: `agentIds` as a comma-separated string as well as a list, numbers as
//! JSON numbers or numeric strings, and `observeDuration` as a duration string ("90s", "5m",
//! "1h30m") where the doc's placeholder "value" means "not given".

use serde_json::{Map, Value};

use super::body::{AgentIds, Body, Document};
use super::error::ApiError;
use crate::kernel::clock::parse_duration;
use crate::kernel::Millis;

/// A create request, shape-checked (the fleet checks come later, in the model).
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    pub name: String,
    pub from_version: String,
    pub to_version: String,
    pub to_release: String,
    pub agent_ids: AgentIds,
    pub tunables: Tunables,
}

/// The optional fields the doc's example sends beyond the listed ones.
#[derive(Debug, Clone, Default)]
pub struct Tunables {
    pub batch_size: Option<u64>,
    pub failure_threshold: Option<f64>,
    pub concurrency: Option<u64>,
    pub created_by: Option<String>,
    /// (the text as sent, milliseconds); None when absent or a placeholder.
    pub observe: Option<(String, Millis)>,
}

/// Parses the body bytes of a request into a JSON object (empty bodies are `{}` when
/// `empty_ok`).
pub fn object(body: &[u8], empty_ok: bool) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        if empty_ok {
            return Ok(Map::new());
        }
        return Err(empty());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(ApiError::invalid(
            "body",
            format!(
                "the request body must be a JSON object, not {}",
                kind(&other)
            ),
        )),
        Err(e) => Err(ApiError::invalid(
            "body",
            format!("the request body is not valid JSON: {e}"),
        )),
    }
}

fn empty() -> ApiError {
    ApiError::invalid(
        "body",
        "the request body is empty; send a JSON object with name, fromVersion, toVersion, toRelease and agentIds",
    )
}

/// Reads a create body in one pass (body.rs): the same answers as [`object`] with
/// `empty_ok` false, without a `Value` tree for `agentIds`.
pub fn create_body(body: &[u8]) -> Result<Body, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(empty());
    }
    match serde_json::from_slice::<Document>(body) {
        Ok(Document::Object(b)) => Ok(b),
        Ok(Document::Other(k)) => Err(ApiError::invalid(
            "body",
            format!("the request body must be a JSON object, not {k}"),
        )),
        Err(e) => Err(ApiError::invalid(
            "body",
            format!("the request body is not valid JSON: {e}"),
        )),
    }
}

pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn required_string(m: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    match m.get(field) {
        None | Some(Value::Null) => Err(ApiError::invalid(field, format!("{field} is required"))),
        Some(v) => {
            let s = scalar_string(field, v)?;
            if s.trim().is_empty() {
                Err(ApiError::invalid(
                    field,
                    format!("{field} must not be empty"),
                ))
            } else {
                Ok(s.trim().to_string())
            }
        }
    }
}

/// A string, or a number written where a string was expected (releases are often sent as
/// numbers).
fn scalar_string(field: &str, v: &Value) -> Result<String, ApiError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(ApiError::invalid(
            field,
            format!("{field} must be a string, not {}", kind(other)),
        )),
    }
}

fn optional_string(m: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => Ok(Some(scalar_string(field, v)?)),
    }
}

fn optional_number(m: &Map<String, Value>, field: &str) -> Result<Option<f64>, ApiError> {
    let v = match m.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => v,
    };
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n.is_finite() => Ok(Some(n)),
        _ => Err(ApiError::invalid(
            field,
            format!("{field} must be a number, not {}", shown(v)),
        )),
    }
}

pub(super) fn shown(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(40).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// An integer of at least 1.
fn optional_count(m: &Map<String, Value>, field: &str) -> Result<Option<u64>, ApiError> {
    match optional_number(m, field)? {
        None => Ok(None),
        Some(n) if n < 1.0 => Err(ApiError::invalid(
            field,
            format!("{field} must be at least 1, got {n}"),
        )),
        Some(n) if n.fract() != 0.0 => Err(ApiError::invalid(
            field,
            format!("{field} must be a whole number, got {n}"),
        )),
        Some(n) if n > 1e12 => Err(ApiError::invalid(
            field,
            format!("{field} is too large ({n})"),
        )),
        Some(n) => Ok(Some(n as u64)),
    }
}

/// `agentIds`, as body.rs read it: a list of strings, or one comma-separated string.
fn agent_ids(ids: Result<AgentIds, String>) -> Result<AgentIds, ApiError> {
    const F: &str = "agentIds";
    let ids = ids.map_err(|m| ApiError::invalid(F, m))?;
    if ids.is_empty() {
        return Err(ApiError::invalid(
            F,
            "agentIds must name at least one agent",
        ));
    }
    Ok(ids)
}

/// The optional fields, shared by create and retry.
pub fn tunables(m: &Map<String, Value>, placeholders: &[String]) -> Result<Tunables, ApiError> {
    let batch_size = optional_count(m, "batchSize")?;
    let concurrency = optional_count(m, "concurrency")?;
    let failure_threshold = match optional_number(m, "failureThreshold")? {
        Some(t) if !(0.0..=1.0).contains(&t) => {
            return Err(ApiError::invalid(
                "failureThreshold",
                format!("failureThreshold must be a fraction between 0 and 1, got {t}"),
            ))
        }
        t => t,
    };
    let created_by = optional_string(m, "createdBy")?.filter(|s| !s.trim().is_empty());
    let observe = match m.get("observeDuration") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_f64() {
            Some(secs) if secs >= 0.0 && secs.is_finite() && secs < 1e9 => {
                Some((n.to_string(), (secs * 1000.0).round() as Millis))
            }
            _ => {
                return Err(ApiError::invalid(
                    "observeDuration",
                    format!("observeDuration must be a non-negative duration, got {n}"),
                ))
            }
        },
        Some(Value::String(s)) => {
            let t = s.trim();
            if t.is_empty() || placeholders.iter().any(|p| p.eq_ignore_ascii_case(t)) {
                None
            } else {
                match parse_duration(t) {
                    Ok(ms) if ms <= 366 * 86_400_000 => Some((t.to_string(), ms)),
                    Ok(_) => {
                        return Err(ApiError::invalid(
                            "observeDuration",
                            format!("observeDuration '{t}' is longer than a year"),
                        ))
                    }
                    Err(e) => {
                        return Err(ApiError::invalid(
                            "observeDuration",
                            format!(
                                "observeDuration is not a duration: {e} (write it like 90s, 5m or 1h30m)"
                            ),
                        ))
                    }
                }
            }
        }
        Some(other) => {
            return Err(ApiError::invalid(
                "observeDuration",
                format!(
                    "observeDuration must be a duration string like 90s, 5m or 1h30m, not {}",
                    kind(other)
                ),
            ))
        }
    };
    Ok(Tunables {
        batch_size,
        failure_threshold,
        concurrency,
        created_by,
        observe,
    })
}

/// Reads a create body.
pub fn plan_request(body: Body, placeholders: &[String]) -> Result<PlanRequest, ApiError> {
    let Body {
        fields: m,
        agent_ids: ids,
    } = body;
    let m = &m;
    let name = required_string(m, "name")?;
    let from_version = required_string(m, "fromVersion")?;
    let to_version = required_string(m, "toVersion")?;
    let to_release = required_string(m, "toRelease")?;
    let agent_ids = agent_ids(ids)?;
    let tunables = tunables(m, placeholders)?;
    Ok(PlanRequest {
        name,
        from_version,
        to_version,
        to_release,
        agent_ids,
        tunables,
    })
}

/// Compares dotted versions part by part, numerically where both parts are numbers
/// ("1.10.0" > "1.9.2"); other parts compare as text.
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let split =
        |s: &str| -> Vec<String> { s.split(['.', '-', '+', '_']).map(str::to_string).collect() };
    let (pa, pb) = (split(a), split(b));
    for i in 0..pa.len().max(pb.len()) {
        let x = pa.get(i).map(String::as_str).unwrap_or("0");
        let y = pb.get(i).map(String::as_str).unwrap_or("0");
        let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(m), Ok(n)) => m.cmp(&n),
            _ => x.cmp(y),
        };
        if ord != std::cmp::Ordering::Equal {
            return ord;
        }
    }
    std::cmp::Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_versions("1.10.0", "1.9.2"), Ordering::Greater);
        assert_eq!(compare_versions("1.3.0", "1.2.0"), Ordering::Greater);
        assert_eq!(compare_versions("1.2", "1.2.0"), Ordering::Equal);
        assert_eq!(compare_versions("1.2.0", "1.3.0"), Ordering::Less);
    }
}
