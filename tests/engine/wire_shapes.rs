//! Failures axum or the server decide before a vendor handler runs are answered in the owning
//! vendor's own shape (issue 17, "Why", fourth and fifth bullets): an unrouted method, an
//! undecodable path or query, a body over the vendor's limit (refused from its
//! `Content-Length`, before a byte is read), a large body without credentials, and unknown
//! paths under a vendor prefix however they are spelled.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use serde_json::Value;

use crate::support::{default_sim, send, sim_from, Reply};

const PROJECT: &str = "054e292c9880d4992f02c0196d3ea468";

/// Where each vendor's error body keeps its message or code: the mark of its shape.
fn shape_mark(vendor: &str) -> &'static str {
    match vendor {
        "obshell" => "/error/message",
        "ota" => "/message",
        "taurusdb" => "/error_msg",
        _ => "/error/errorCode",
    }
}

/// Where each vendor's error body keeps its error code.
fn code_of(vendor: &str) -> &'static str {
    match vendor {
        "obshell" => "/error/code",
        "ota" => "/code",
        "taurusdb" => "/error_code",
        _ => "/error/errorCode",
    }
}

#[track_caller]
fn assert_vendor_shape(vendor: &str, what: &str, r: &Reply) -> Value {
    let ct = r.headers.get("content-type").and_then(|v| v.to_str().ok());
    assert!(
        ct.is_some_and(|t| t.starts_with("application/json")),
        "{what}: content type {ct:?}, body {}",
        r.text()
    );
    let v: Value = serde_json::from_slice(&r.body)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", r.text()));
    assert!(
        v.pointer(shape_mark(vendor)).is_some(),
        "{what}: not {vendor}'s error shape: {v}"
    );
    v
}

/// A bodiless request; Unity's carries what storops sends (else Unity answers a 302).
fn req(vendor: &str, method: &str, uri: &str) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri);
    if vendor == "unity" {
        b = b
            .header("x-emc-rest-client", "true")
            .header("authorization", crate::support::unity::AUTH);
    }
    b.body(Body::empty()).unwrap_or_default()
}

#[tokio::test]
async fn an_unrouted_method_gets_405_in_the_vendor_shape_with_allow() {
    let sim = default_sim();
    // TaurusDB's gateway knows an API by method and path, so it answers APIGW.0101 (404) and
    // is checked with the unknown paths below; OBShell's gin answers like an unknown path too.
    for (vendor, uri) in [
        ("ota", "/api/v1/lifecycle/upgrade-plans"),
        ("ota", "/api/v1/lifecycle/agents/a-1"),
        ("unity", "/api/types/softwareUpgradeSession/instances"),
    ] {
        let r = send(&sim, req(vendor, "PATCH", uri)).await;
        assert_eq!(r.status, 405, "{vendor}: {}", r.text());
        assert_vendor_shape(vendor, &format!("PATCH {uri}"), &r);
        let allow = r.headers.get("allow").and_then(|a| a.to_str().ok());
        assert!(
            allow.is_some_and(|a| a.contains("GET") || a.contains("POST")),
            "{vendor}: Allow {allow:?}"
        );
    }
}

#[tokio::test]
async fn an_undecodable_path_parameter_gets_the_vendor_shape_not_text() {
    let sim = default_sim();
    for (vendor, uri) in [
        ("ota", "/api/v1/lifecycle/upgrade-plans/%FF%FE".to_string()),
        ("ota", "/api/v1/lifecycle/agents/%C3%28".into()),
        ("obshell", "/api/v1/task/dag/%FF".into()),
        ("unity", "/api/instances/softwareUpgradeSession/%FF".into()),
        ("taurusdb", format!("/v3/{PROJECT}/jobs?id=%FF")),
    ] {
        let r = send(&sim, req(vendor, "GET", &uri)).await;
        assert!(r.status.is_client_error(), "{uri}: {}", r.status);
        assert_vendor_shape(vendor, &uri, &r);
    }
}

#[tokio::test]
async fn a_content_length_over_the_vendor_limit_is_refused_before_the_body_is_read() {
    let sim = default_sim();
    for (vendor, uri, auth, limit) in [
        (
            "obshell",
            "/api/v1/ob/upgrade".to_string(),
            "x-ocs-header",
            256,
        ),
        (
            "ota",
            "/api/v1/lifecycle/upgrade-plans".into(),
            "authorization",
            64,
        ),
        (
            "taurusdb",
            format!("/v3/{PROJECT}/instances/database-version/upgrade"),
            "x-auth-token",
            12,
        ),
        (
            "unity",
            "/api/types/softwareUpgradeSession/instances".into(),
            "authorization",
            1024,
        ),
    ] {
        let declared = (limit + 1) * 1024 * 1024;
        // The body never comes: only the head can have decided the answer.
        let never = Body::from_stream(futures_util::stream::pending::<
            Result<bytes::Bytes, std::io::Error>,
        >());
        let r = Request::post(uri.as_str())
            .header("content-length", declared.to_string())
            .header(auth, "x")
            .body(never)
            .unwrap_or_default();
        let r = tokio::time::timeout(Duration::from_secs(5), send(&sim, r))
            .await
            .unwrap_or_else(|_| panic!("{vendor}: waited for a body it will refuse"));
        assert_eq!(r.status, 413, "{vendor}: {}", r.text());
        let v = assert_vendor_shape(vendor, &uri, &r);
        let limit_bytes = (limit * 1024 * 1024).to_string();
        assert!(
            v.to_string().contains(&limit_bytes),
            "{vendor} names its limit: {v}"
        );
    }
}

#[tokio::test]
async fn a_large_body_without_credentials_is_refused_and_never_buffered() {
    let sim = default_sim();
    // Four 100 MB unauthenticated posts used to be read whole before OBShell checked auth.
    let declared = Request::post("/api/v1/ob/upgrade")
        .header("content-length", (100 * 1024 * 1024).to_string())
        .body(Body::from_stream(futures_util::stream::pending::<
            Result<bytes::Bytes, std::io::Error>,
        >()))
        .unwrap_or_default();
    let r = tokio::time::timeout(Duration::from_secs(5), send(&sim, declared))
        .await
        .expect("answered from the head");
    assert_eq!(r.status, 413, "{}", r.text());
    let v = assert_vendor_shape("obshell", "unauthenticated 100 MB", &r);
    assert!(v.to_string().contains("without credentials"), "{v}");
    // Without a length, the body is cut at the limit: an endless stream still gets an answer.
    let chunk = bytes::Bytes::from(vec![b'{'; 64 * 1024]);
    let endless = futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
    let streamed = Request::post("/api/v1/ob/upgrade")
        .body(Body::from_stream(endless))
        .unwrap_or_default();
    let r = tokio::time::timeout(Duration::from_secs(10), send(&sim, streamed))
        .await
        .expect("the endless body was not read to its end");
    assert!(r.status.is_client_error(), "{}: {}", r.status, r.text());
    assert_vendor_shape("obshell", "endless unauthenticated body", &r);
}

#[tokio::test]
async fn unknown_paths_under_a_vendor_prefix_get_its_404_however_spelled() {
    let sim = default_sim();
    for (vendor, plainly_unknown, spellings) in [
        (
            "obshell",
            "/api/v1/nope",
            &["//api/v1/info", "/API/V1/INFO", "/api//v1/status"][..],
        ),
        (
            "ota",
            "/api/v1/lifecycle/nope",
            &[
                "/API/v1/Lifecycle/upgrade-plans",
                "/api/v1//lifecycle/agents",
            ][..],
        ),
        (
            "taurusdb",
            "/v3/x/nope",
            &["//v3/x/jobs", "/V3/x/jobs", "/v3//x/jobs"][..],
        ),
        (
            "unity",
            "/api/nope",
            &[
                "/Api/types/system/instances",
                "/%61pi//types/system/instances",
            ][..],
        ),
    ] {
        let expected = send(&sim, req(vendor, "GET", plainly_unknown)).await;
        let shape = assert_vendor_shape(vendor, plainly_unknown, &expected);
        for uri in spellings {
            let r = send(&sim, req(vendor, "GET", uri)).await;
            assert_eq!(r.status, expected.status, "{uri}: {}", r.text());
            let v = assert_vendor_shape(vendor, uri, &r);
            assert_eq!(
                v.pointer(code_of(vendor)),
                shape.pointer(code_of(vendor)),
                "{uri}: the same error as {plainly_unknown}"
            );
        }
    }
}

#[tokio::test]
async fn a_fleet_over_the_total_cap_is_refused_before_any_agent_is_built() {
    // Ten ranges of 1,000,000 agents drove the process past 3 GB before any answer.
    let mut yaml = String::from("name: huge\nota:\n  fleet:\n    generate:\n");
    for i in 0..10 {
        yaml.push_str(&format!("      - {{prefix: r{i}-, count: 1000000}}\n"));
    }
    let started = std::time::Instant::now();
    let err = upgrade_sim::Scenario::parse(&yaml, "huge.yaml")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("1000000 agents in all") && err.contains("generate[1]"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let sim = sim_from("name: small\n");
    let put = Request::put("/_sim/scenario")
        .body(Body::from(yaml))
        .unwrap_or_default();
    let r = send(&sim, put).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text().contains("line 4"),
        "the generate list's line: {}",
        r.text()
    );
}

#[tokio::test]
async fn an_unrouted_admin_method_gets_a_json_405_with_allow() {
    let sim = default_sim();
    let r = send(&sim, req("admin", "GET", "/_sim/clock/advance")).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.headers["allow"], "POST");
    assert!(
        r.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("GET is not a method of /_sim/clock/advance")),
        "{}",
        r.text()
    );
}
