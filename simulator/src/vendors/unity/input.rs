//! Reading a request's input before the world is touched: the path (Unity's 404 when it does
//! not parse or names an unknown type), and a body as Unity reads it (an empty body is `{}`,
//! 400 when it is not JSON, 422 for a parameter the operation does not take or a value of the
//! wrong kind, Unisphere's lenient Booleans). Parse errors are answered after authentication.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::error::{self, UnityError};
use super::types::{self, TypeDef};

/// The path's parameters, or Unity's 404.
pub fn path_or_404<T>(p: Result<Path<T>, PathRejection>) -> Result<T, UnityError> {
    p.map(|Path(t)| t).map_err(|_| UnityError::not_found())
}

/// The type, or Unity's 404 for an unknown one.
pub fn known_type(name: &str) -> Result<&'static TypeDef, UnityError> {
    types::find(name).ok_or_else(UnityError::not_found)
}

/// The body as a JSON object (an empty body is `{}`); 400 when it is not JSON, 422 when it is
/// not an object or has a parameter the operation does not take.
pub fn body_object(body: &Bytes, allowed: &[&str]) -> Result<Map<String, Value>, UnityError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| UnityError::malformed_body(&format!("it is not JSON ({e})")))?;
    let Value::Object(map) = value else {
        return Err(UnityError::incorrect_body(
            "The body must be a JSON object.",
        ));
    };
    for k in map.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(UnityError::incorrect_body(&format!(
                "Unknown parameter [{k}]; this operation takes: {}.",
                if allowed.is_empty() {
                    "no parameters".to_string()
                } else {
                    allowed.join(", ")
                }
            )));
        }
    }
    Ok(map)
}

pub fn invalid_value(name: &str, want: &str) -> UnityError {
    UnityError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        error::INCORRECT_BODY,
        format!("The value of parameter [{name}] is not valid: it must be {want}."),
    )
}

/// Unity's Boolean input: true/false, or "t", "yes", "1" and the like.
pub fn boolean(map: &Map<String, Value>, name: &str) -> Result<Option<bool>, UnityError> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) if n.as_u64() == Some(0) || n.as_u64() == Some(1) => {
            Ok(Some(n.as_u64() == Some(1)))
        }
        Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" | "t" | "yes" | "y" | "1" => Ok(Some(true)),
            "false" | "f" | "no" | "n" | "0" => Ok(Some(false)),
            _ => Err(invalid_value(name, "a Boolean (true or false)")),
        },
        Some(_) => Err(invalid_value(name, "a Boolean (true or false)")),
    }
}
