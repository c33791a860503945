//! Who may use the admin API. With an admin token (`serve --admin-token`, required to listen
//! beyond loopback), every `/_sim/` request must carry it as `Authorization: Bearer <token>`;
//! without one, the simulator listens on loopback only and every local caller is trusted.
//! The comparison takes the same time whatever the token, so it leaks nothing through timing.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::fail;

/// The admin API's token, if one is required.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    token: Option<Arc<str>>,
}

impl Guard {
    pub fn new(token: Option<String>) -> Self {
        Self {
            token: token.filter(|t| !t.is_empty()).map(Arc::from),
        }
    }

    /// Whether callers must prove who they are (a token is set).
    pub fn requires_token(&self) -> bool {
        self.token.is_some()
    }

    fn admits(&self, req: &Request) -> bool {
        let Some(want) = &self.token else {
            return true;
        };
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        constant_time_eq(given.as_bytes(), want.as_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0));
    }
    diff == 0
}

/// Refuses an admin request without the token (401, the admin API's own error shape).
pub async fn require_token(State(guard): State<Guard>, mut req: Request, next: Next) -> Response {
    if !guard.admits(&req) {
        let mut r = fail(
            StatusCode::UNAUTHORIZED,
            "the admin API needs Authorization: Bearer <token>, the token given to serve \
             --admin-token (or UPGRADE_SIM_ADMIN_TOKEN)",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer realm=\"upgrade-sim admin\""),
        );
        return r;
    }
    req.extensions_mut().insert(guard);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn tokens_compare_equal_only_when_equal() {
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        assert!(!constant_time_eq(b"s3cret", b"s3cre"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(!constant_time_eq(b"s3crex", b"s3cret"));
    }
}
