//! Bearer-token auth. It is an extractor ([`User`]) that every OTA handler takes first, so it
//! runs only on matched routes (unknown paths stay 404, as with a `route_layer`): a layer
//! would need the `Sim` when `routes()` builds the router, and `routes()` is not given it.
//! The token's user is the default `createdBy`. Tokens come from `ota.tokens`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header::AUTHORIZATION, StatusCode};

use super::error::ApiError;
use crate::Sim;

/// The authenticated user.
#[derive(Debug, Clone)]
pub struct User(pub String);

impl FromRequestParts<Sim> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, sim: &Sim) -> Result<Self, ApiError> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Err(unauthorized(
                "missing Authorization header: send 'Authorization: Bearer <token>'",
            ));
        };
        let header = header.to_str().unwrap_or_default().trim();
        let token = match header.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => {
                return Err(unauthorized(
                    "the Authorization header must use the Bearer scheme: 'Authorization: Bearer <token>'",
                ))
            }
        };
        let user = sim
            .lock()
            .vendor::<super::Model>()
            .user_of(token)
            .map(str::to_string);
        user.map(User)
            .ok_or_else(|| unauthorized("invalid bearer token"))
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, message)
}
