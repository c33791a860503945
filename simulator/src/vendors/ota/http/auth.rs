//! Bearer-token auth. [`Bearer`] reads the `Authorization` header without the world (an
//! extractor that never rejects); [`Bearer::user`] checks the token against `ota.tokens`
//! inside the handler's one acquisition of it. Every handler checks it first, so it runs only
//! on matched routes (unknown paths stay 404). The token's user is the default `createdBy`.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header::AUTHORIZATION, StatusCode};

use super::super::error::ApiError;
use super::super::model::Model;

/// The token a request presents, or why it presents none.
pub struct Bearer(Result<String, ApiError>);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Bearer(token(parts)))
    }
}

fn token(parts: &Parts) -> Result<String, ApiError> {
    let Some(header) = parts.headers.get(AUTHORIZATION) else {
        return Err(unauthorized(
            "missing Authorization header: send 'Authorization: Bearer <token>'",
        ));
    };
    let header = header.to_str().unwrap_or_default().trim();
    match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            Ok(token.trim().to_string())
        }
        _ => Err(unauthorized(
            "the Authorization header must use the Bearer scheme: 'Authorization: Bearer <token>'",
        )),
    }
}

impl Bearer {
    /// The user the token belongs to, or the service's 401.
    pub fn user(self, model: &Model) -> Result<String, ApiError> {
        let token = self.0?;
        model
            .user_of(&token)
            .map(str::to_string)
            .ok_or_else(|| unauthorized("invalid bearer token"))
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, message)
}
