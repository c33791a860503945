//! SDK-HMAC-SHA256, checked against the worked example captured from huaweicloudsdkcore
//! 3.1.219 (vendor notes §4): fixed AK/SK, date, headers and the 139-byte body it sends. The
//! conformance crate's independent client must produce the SDK's signature byte for byte, and
//! the simulator must accept the SDK's request as captured, within its clock-skew window
//! only, and refuse it once anything signed changes.

use axum::body::Body;
use axum::http::Request;
use upgrade_conformance::auth::huawei;
use upgrade_sim::{Scenario, Sim, SimOptions, WallClock};

use super::request_signed_as;
use crate::support::send;

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const PATH: &str = "/v3/0123456789abcdef0123456789abcdef/instances/database-version/upgrade";
const UA: &str = "huaweicloud-usdk-python/3.0; test-agent";
const DATE: &str = "20240101T000000Z";
const NAMES: &str = "content-type;host;user-agent;x-project-id;x-sdk-date";
const WORKED_SIGNATURE: &str = "28caa13aaba9a80ac15af68e439a574ba088ae53866be506c94cedaa1b4aa242";

fn body() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/taurusdb/sdk-batch-upgrade-body.json"
    ))
    .unwrap_or_default()
}

fn headers() -> Vec<(String, String)> {
    [
        ("content-type", "application/json;charset=utf-8"),
        ("host", "127.0.0.1:18080"),
        ("user-agent", UA),
        ("x-project-id", PROJECT),
        ("x-sdk-date", DATE),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The SDK's request exactly as captured: its headers, body and Authorization.
fn captured(headers: &[(String, String)], body: Vec<u8>) -> Request<Body> {
    let mut b = Request::builder().method("POST").uri(PATH);
    for (k, v) in headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.header(
        "authorization",
        format!(
            "SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders={NAMES}, Signature={WORKED_SIGNATURE}"
        ),
    )
    .body(Body::from(body))
    .unwrap_or_default()
}

/// A simulator holding the worked example's key pair, project and instance, its wall clock at
/// `wall`.
fn sim_at(wall: &str, sk: &str) -> Sim {
    let yaml = format!(
        "name: worked example\ntaurusdb:\n  credentials:\n    access_keys: [{{ak: AKEXAMPLE, sk: {sk}}}]\n  \
         projects:\n    - id: {PROJECT}\n      instances:\n        - {{id: 6754902da1f447269c6979b0590102a5in07, version: 2.0.48.231200}}\n"
    );
    let scenario = Scenario::parse(&yaml, "worked example").unwrap_or_else(|e| panic!("{e}"));
    let at = chrono::DateTime::parse_from_rfc3339(wall)
        .map(|d| d.to_utc())
        .unwrap_or_else(|e| panic!("{wall}: {e}"));
    Sim::new(
        scenario,
        SimOptions {
            speed: 0.0,
            seed: None,
            wall: WallClock::fixed(at),
        },
    )
    .unwrap_or_else(|e| panic!("{e:#}"))
}

#[test]
fn the_conformance_client_signs_the_worked_example_as_the_sdk_does_byte_for_byte() {
    let body = body();
    assert_eq!(body.len(), 139);
    let (canonical, names) = huawei::canonical_request("POST", PATH, &headers(), &body);
    assert_eq!(names, NAMES);
    assert!(
        canonical.ends_with("\n8b4d2eff4016353dfc0e0c7eeff0c14bbef6f1e3d33cdeebdf6b6a777f48daf2"),
        "{canonical}"
    );
    let auth = huawei::authorization(
        "AKEXAMPLE",
        "SKEXAMPLE",
        DATE,
        "POST",
        PATH,
        &headers(),
        &body,
    );
    assert_eq!(
        auth,
        format!(
            "SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders={NAMES}, Signature={WORKED_SIGNATURE}"
        )
    );
}

#[tokio::test]
async fn the_worked_example_is_accepted_within_the_skew_window_and_not_outside_it() {
    for wall in [
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:14:59Z",
        "2023-12-31T23:45:30Z",
    ] {
        let r = send(&sim_at(wall, "SKEXAMPLE"), captured(&headers(), body())).await;
        assert_eq!(r.status, 200, "at {wall}: {}", r.text());
    }
    let r = send(
        &sim_at("2024-01-01T00:16:00Z", "SKEXAMPLE"),
        captured(&headers(), body()),
    )
    .await;
    assert_eq!(r.status, 401, "{}", r.text());
    let msg = r.json()["error_msg"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(msg.contains("960s away"), "{msg}");
}

#[tokio::test]
async fn a_changed_body_key_header_or_method_breaks_the_signature() {
    let wall = "2024-01-01T00:00:00Z";
    let refused = |r: crate::support::Reply, what: &str| {
        assert_eq!(r.status, 401, "{what}: {}", r.text());
        assert_eq!(r.json()["error_code"], "APIGW.0301", "{what}");
    };
    let mut tampered = body();
    tampered[130] ^= 1;
    refused(
        send(&sim_at(wall, "SKEXAMPLE"), captured(&headers(), tampered)).await,
        "a changed body",
    );
    refused(
        send(&sim_at(wall, "SKWRONG"), captured(&headers(), body())).await,
        "another secret key",
    );
    let mut h = headers();
    h[2].1 = "curl/8".into();
    refused(
        send(&sim_at(wall, "SKEXAMPLE"), captured(&h, body())).await,
        "a changed signed header",
    );
    let put = request_signed_as(
        "PUT",
        "POST",
        PATH,
        &headers(),
        &body(),
        ("AKEXAMPLE", "SKEXAMPLE", DATE),
    );
    refused(
        send(&sim_at(wall, "SKEXAMPLE"), put).await,
        "signed for another method",
    );
}
