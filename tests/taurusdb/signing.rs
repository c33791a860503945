//! SDK-HMAC-SHA256, checked against the worked example captured from huaweicloudsdkcore
//! 3.1.219 (vendor notes §4): fixed AK/SK, date, headers and the 139-byte body it sends.

use axum::http::{HeaderMap, HeaderValue, Method};
use chrono::{DateTime, Utc};
use upgrade_sim::vendors::taurusdb::{
    canonical_request, payload_hash, sha256_hex, signature, string_to_sign, verify_signature,
};

const PATH: &str = "/v3/0123456789abcdef0123456789abcdef/instances/database-version/upgrade";
const UA: &str = "huaweicloud-usdk-python/3.0; test-agent";
const DATE: &str = "20240101T000000Z";

fn body() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/taurusdb/sdk-batch-upgrade-body.json"
    ))
    .unwrap_or_default()
}

fn headers() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("content-type", b"application/json;charset=utf-8"),
        ("host", b"127.0.0.1:18080"),
        ("user-agent", UA.as_bytes()),
        ("x-project-id", b"0123456789abcdef0123456789abcdef"),
        ("x-sdk-date", DATE.as_bytes()),
    ]
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.to_utc())
        .unwrap_or_default()
}

fn header_map(sig: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in headers() {
        h.insert(
            k,
            HeaderValue::from_bytes(v).unwrap_or(HeaderValue::from_static("")),
        );
    }
    let auth = format!(
        "SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature={sig}"
    );
    h.insert(
        "authorization",
        HeaderValue::from_str(&auth).unwrap_or(HeaderValue::from_static("")),
    );
    h
}

const WORKED_SIGNATURE: &str = "28caa13aaba9a80ac15af68e439a574ba088ae53866be506c94cedaa1b4aa242";

#[test]
fn the_signature_matches_the_sdks_worked_example_byte_for_byte() {
    let body = body();
    assert_eq!(body.len(), 139);
    let hash = payload_hash(&body);
    assert_eq!(
        hash,
        "8b4d2eff4016353dfc0e0c7eeff0c14bbef6f1e3d33cdeebdf6b6a777f48daf2"
    );
    let canonical = canonical_request("POST", PATH, None, &headers(), &hash);
    assert_eq!(
        sha256_hex(&canonical),
        "b93d0c85ed7a66f00e638753e8fb8b34d7b2f79b8637f756af08ec5f0f0bc132"
    );
    let sig = signature("SKEXAMPLE", &string_to_sign(DATE, &canonical));
    assert_eq!(sig, WORKED_SIGNATURE);
}

#[test]
fn the_worked_example_verifies_within_the_skew_window_and_not_outside_it() {
    let keys = vec![("AKEXAMPLE".to_string(), "SKEXAMPLE".to_string())];
    let ok = |wall: &str| {
        verify_signature(
            &keys,
            &Method::POST,
            PATH,
            None,
            &header_map(WORKED_SIGNATURE),
            &body(),
            at(wall),
            15 * 60_000,
        )
    };
    assert_eq!(ok("2024-01-01T00:00:00Z"), Ok(()));
    assert_eq!(ok("2024-01-01T00:14:59Z"), Ok(()));
    assert_eq!(ok("2023-12-31T23:45:30Z"), Ok(()));
    let late = ok("2024-01-01T00:16:00Z").err().unwrap_or_default();
    assert!(late.contains("960s away"), "{late}");
}

#[test]
fn a_changed_body_key_or_header_breaks_the_signature() {
    let keys = vec![("AKEXAMPLE".to_string(), "SKEXAMPLE".to_string())];
    let wall = at("2024-01-01T00:00:00Z");
    let mut tampered = body();
    tampered[130] ^= 1;
    assert!(verify_signature(
        &keys,
        &Method::POST,
        PATH,
        None,
        &header_map(WORKED_SIGNATURE),
        &tampered,
        wall,
        900_000
    )
    .is_err());
    let other_key = vec![("AKEXAMPLE".to_string(), "SKWRONG".to_string())];
    assert!(verify_signature(
        &other_key,
        &Method::POST,
        PATH,
        None,
        &header_map(WORKED_SIGNATURE),
        &body(),
        wall,
        900_000
    )
    .is_err());
    let mut h = header_map(WORKED_SIGNATURE);
    h.insert("user-agent", HeaderValue::from_static("curl/8"));
    assert!(
        verify_signature(&keys, &Method::POST, PATH, None, &h, &body(), wall, 900_000).is_err()
    );
    assert!(verify_signature(
        &keys,
        &Method::PUT,
        PATH,
        None,
        &header_map(WORKED_SIGNATURE),
        &body(),
        wall,
        900_000
    )
    .is_err());
}
