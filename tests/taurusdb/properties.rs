//! Properties: whatever a client sends (bodies, headers, query strings), TaurusDB answers in
//! its own shape and never with a 5xx.

use axum::body::Body;
use axum::http::Request;
use proptest::prelude::*;

use super::*;
use crate::support::{default_sim, send};

fn any_body() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,80}",
        Just(String::new()),
        Just(r#"{"databases_instance_infos": null, "delay": null}"#.to_string()),
        (
            any::<bool>(),
            "[0-9.]{0,16}",
            "[a-z0-9]{0,40}",
            prop_oneof![
                Just("true"),
                Just("\"false\""),
                Just("1"),
                Just("[]"),
                Just("{}")
            ]
        )
            .prop_map(|(two, v, id, delay)| {
                let item = format!(r#"{{"current_version": "{v}", "instance_id": "{id}"}}"#);
                let items = if two { format!("{item}, {item}") } else { item };
                format!(r#"{{"databases_instance_infos": [{items}], "delay": {delay}}}"#)
            }),
    ]
}

fn any_path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(batch_uri()),
        Just(format!("/v3/{PROJECT}/instances/{ORDERS}/db-upgrade")),
        Just(format!(
            "/v3/{PROJECT}/instances/database-version/upgrade/pre-check"
        )),
        Just(format!("/v3/{PROJECT}/scheduled-jobs")),
        "[a-zA-Z0-9]{0,40}(%21)?"
            .prop_map(|p| format!("/v3/{p}/instances/database-version/upgrade")),
        "[a-z_0-9=&]{0,30}(%2B)?".prop_map(|q| format!("/v3/{PROJECT}/immediate-jobs?{q}")),
        "[a-z_0-9=&]{0,30}(%2B)?".prop_map(|q| format!("/v3/{PROJECT}/jobs?{q}")),
        "[a-z_0-9=&]{0,30}(%2B)?".prop_map(|q| format!("/v3.1/{PROJECT}/instances?{q}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_bodies_headers_and_queries_never_get_a_5xx(
        method in prop_oneof![Just("POST"), Just("GET"), Just("DELETE")],
        path in any_path(),
        body in any_body(),
        auth in prop_oneof![Just(0u8), Just(1), Just(2), Just(3)],
        language in prop_oneof![Just(None), Just(Some("zh-cn")), Just(Some("xx")), Just(Some(""))],
        garbage_auth in "[ -~]{0,60}",
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let reply = rt.block_on(async {
            let sim = default_sim();
            let mut req = match auth {
                0 => token_req(method, &path, &body),
                1 => signed_req(method, &path, &body, AK, SK, NOW),
                2 => Request::builder().method(method).uri(&path).header("authorization", garbage_auth.as_str()).body(Body::from(body.clone())).unwrap_or_default(),
                _ => Request::builder().method(method).uri(&path).body(Body::from(body.clone())).unwrap_or_default(),
            };
            if let Some(l) = language {
                if let Ok(v) = axum::http::HeaderValue::from_str(l) {
                    req.headers_mut().insert("x-language", v);
                }
            }
            send(&sim, req).await
        });
        prop_assert!(reply.status.as_u16() < 500, "{} {} -> {} {}", method, path, reply.status, reply.text());
        prop_assert!(reply.headers.contains_key("x-request-id"), "{} {} has no X-Request-Id", method, path);
        if reply.status.as_u16() >= 400 {
            let v = reply.json();
            prop_assert!(v["error_code"].is_string() && v["error_msg"].is_string(), "{}", reply.text());
        }
    }
}
