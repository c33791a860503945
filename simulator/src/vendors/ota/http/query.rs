//! Reading a request outside the lock: the query string, paging, and a body as a JSON object.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use super::super::error::ApiError;
use super::super::request;
use super::wire::Page;

/// Query parameters as (key, value) pairs.
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn new(q: Option<&str>) -> Self {
        Self(
            q.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        )
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `key`, unless it is empty.
    pub fn filter(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    /// `page` (from 1) and `pageSize` (1..=max).
    pub fn paging(&self, default_size: usize, max: usize) -> Result<Paging, ApiError> {
        let num = |key: &str, default: usize, hi: usize| -> Result<usize, ApiError> {
            match self.get(key) {
                None => Ok(default),
                Some(v) => match v.parse::<usize>() {
                    Ok(n) if (1..=hi).contains(&n) => Ok(n),
                    _ => Err(ApiError::invalid(
                        key,
                        format!("{key} must be a whole number from 1 to {hi}, got '{v}'"),
                    )),
                },
            }
        };
        Ok(Paging {
            page: num("page", 1, usize::MAX)?,
            size: num("pageSize", default_size, max)?,
        })
    }
}

/// Which page of a list to answer.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    page: usize,
    size: usize,
}

impl Paging {
    /// The page of `matching`, each item rendered by `out`.
    pub fn page<T: Serialize>(self, matching: &[usize], out: impl Fn(usize) -> T) -> Page<T> {
        let items = matching
            .iter()
            .skip((self.page - 1).saturating_mul(self.size))
            .take(self.size)
            .map(|&i| out(i))
            .collect();
        Page {
            items,
            total: matching.len(),
            page: self.page,
            page_size: self.size,
        }
    }
}

/// A request body as a JSON object (an empty body is `{}` when `empty_ok`), or the 400 (or
/// 413) saying why it is not one.
pub fn body_object(
    body: Result<Bytes, BytesRejection>,
    empty_ok: bool,
) -> Result<Map<String, Value>, ApiError> {
    request::object(&body_bytes(body)?, empty_ok)
}

/// A request body's bytes, or the 400 (or 413) saying why they could not be read.
pub fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        let status = e.status();
        ApiError::new(
            if status.is_client_error() {
                status
            } else {
                StatusCode::BAD_REQUEST
            },
            format!("cannot read the request body: {e}"),
        )
        .with_field("body")
    })
}

/// The `{id}` of a path, as axum extracted it (or refused to).
pub type PathId = Result<Path<String>, PathRejection>;

/// The id, or axum's own answer to a path it cannot decode; asked after the token is
/// checked, so an unauthenticated request is a 401 whatever its path.
pub fn plan_id(path: PathId) -> Result<String, Response> {
    path.map(|Path(id)| id).map_err(IntoResponse::into_response)
}
