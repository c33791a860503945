//! Request binding the way gin and Go's `encoding/json` do it, so that a bad input gets the
//! real server's words: `BindJSON` into an object (case-insensitive keys, an exact key first),
//! Go's type names in unmarshal errors, its syntax-error text, `required` tags, and the query
//! binding of `show_details` (`strconv.ParseBool`).

use serde_json::{Map, Value};

use super::error::ObError;

/// Go's name for the JSON type of `v` in an unmarshal error.
pub fn go_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Go's JSON matching: an exact key wins, else the first case-insensitive match.
pub fn field<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A Go-like syntax error text for a body serde could not read.
pub fn go_syntax(text: &str, e: &serde_json::Error) -> String {
    if e.is_eof() {
        return "unexpected EOF".into();
    }
    let offending = text
        .lines()
        .nth(e.line().saturating_sub(1))
        .and_then(|l| l.chars().nth(e.column().saturating_sub(1)))
        .unwrap_or('?');
    format!("invalid character '{offending}' looking for beginning of value")
}

/// `c.BindJSON` of `body` into a Go struct named `go_type` (`param.ObUpgradeParam`): an empty
/// body reads as `{}`; anything but an object is a type error.
pub fn bind_object(body: &[u8], go_type: &str) -> Result<Map<String, Value>, ObError> {
    let text = std::str::from_utf8(body).unwrap_or("\u{fffd}");
    let text = if text.trim().is_empty() { "{}" } else { text };
    let value: Value =
        serde_json::from_str(text).map_err(|e| ObError::bind(&go_syntax(text, &e)))?;
    match value {
        Value::Object(o) => Ok(o),
        other => Err(ObError::bind(&format!(
            "json: cannot unmarshal {} into Go value of type {go_type}",
            go_kind(&other)
        ))),
    }
}

/// The unmarshal error of a field of the wrong type.
pub fn wrong_type(v: &Value, owner: &str, key: &str, go_type: &str) -> ObError {
    ObError::bind(&format!(
        "json: cannot unmarshal {} into Go struct field {owner}.{key} of type {go_type}",
        go_kind(v)
    ))
}

/// The validator's text for a missing `required` field.
pub fn required(owner: &str, name: &str) -> String {
    format!(
        "Key: '{owner}.{name}' Error:Field validation for '{name}' failed on the 'required' tag"
    )
}

/// `{"operator": "..."}` bound into `task.{owner}` (required, case-insensitive key).
pub fn operator(body: &[u8], owner: &str) -> Result<String, ObError> {
    let o = bind_object(body, &format!("task.{owner}"))?;
    match field(&o, "operator") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        None | Some(Value::Null) | Some(Value::String(_)) => {
            Err(ObError::bind(&required(owner, "Operator")))
        }
        Some(other) => Err(wrong_type(other, owner, "operator", "string")),
    }
}

/// gin's query binding of `show_details` (Go `strconv.ParseBool`, default true); a malformed
/// pair of the query is simply skipped.
pub fn show_details(query: Option<&str>) -> Result<bool, ObError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    match pairs.iter().rev().find(|(k, _)| k == "show_details") {
        None => Ok(true),
        Some((_, v)) => match v.as_str() {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
            "" => Ok(true),
            other => Err(ObError::bind(&format!(
                "strconv.ParseBool: parsing \"{other}\": invalid syntax"
            ))),
        },
    }
}
