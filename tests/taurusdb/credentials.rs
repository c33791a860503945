//! Credentials as IAM and the API gateway treat them: IAM's `GET /v3/projects?name=<region>`
//! (what huaweicloudsdkcore calls for `BasicCredentials(ak, sk)` without a project id),
//! access keys that belong to projects, `X-Project-Id` agreeing with the path, temporary keys
//! with `X-Security-Token` (and their expiry), and every signing algorithm of the SDK
//! (SDK-HMAC-SHA256, SDK-HMAC-SM3, SDK-ECDSA-P256-SHA256, SDK-SM2-SM3) verified, signed by the
//! conformance crate's independent client; the derived-key signer named in its refusal.

use serde_json::Value;
use upgrade_conformance::auth::huawei;

use super::*;
use crate::support::{default_sim, send, sim_from, Reply};

const OTHER: &str = "0c3b5d7e9f1a4b6c8d0e2f4a6b8c0d2e";

const TWO_ACCOUNTS: &str = r#"
name: two-accounts
seed: 1
taurusdb:
  credentials:
    access_keys:
      - {ak: SIMULATORACCESSKEY00, sk: simulator-secret-key, projects: [054e292c9880d4992f02c0196d3ea468]}
      - {ak: OTHERACCOUNTKEY00000, sk: other-secret, projects: [0c3b5d7e9f1a4b6c8d0e2f4a6b8c0d2e]}
      - {ak: TEMPORARYKEY0000000A, sk: temp-secret, security_token: sts-token-1, expires_at: "2026-01-01T01:00:00Z"}
      - {ak: EXPIREDKEY000000000A, sk: old-secret, security_token: sts-token-0, expires_at: "2025-12-31T23:00:00Z"}
  projects:
    - id: 054e292c9880d4992f02c0196d3ea468
      region: cn-north-4
      instances: [{id: 6754902da1f447269c6979b0590102a5in07}]
    - id: 0c3b5d7e9f1a4b6c8d0e2f4a6b8c0d2e
      region: ap-southeast-1
"#;

/// A signed GET as the SDK sends it, with `extra` headers signed too and `project` as
/// X-Project-Id (none when `None`, as for IAM).
async fn signed_get(
    sim: &upgrade_sim::Sim,
    uri: &str,
    project: Option<&str>,
    extra: &[(&str, &str)],
    (ak, sk): (&str, &str),
) -> Reply {
    let mut headers: Vec<(String, String)> = sdk_headers(NOW)
        .into_iter()
        .filter(|(k, _)| k != "x-project-id")
        .collect();
    if let Some(p) = project {
        headers.push(("x-project-id".into(), p.into()));
    }
    for (k, v) in extra {
        headers.push((k.to_string(), v.to_string()));
    }
    headers.sort();
    send(
        sim,
        request_signed_as("GET", "GET", uri, &headers, b"", (ak, sk, NOW)),
    )
    .await
}

fn project_ids(v: &Value) -> Vec<String> {
    v["projects"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn iam_answers_the_keys_own_project_for_a_region_as_keystone_does() {
    let sim = default_sim();
    let r = signed_get(&sim, "/v3/projects?name=cn-north-4", None, &[], (AK, SK)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(project_ids(&v), [PROJECT]);
    assert_eq!(v["projects"][0]["name"], "cn-north-4");
    assert_eq!(v["projects"][0]["enabled"], true);
    let none = signed_get(&sim, "/v3/projects?name=eu-west-0", None, &[], (AK, SK)).await;
    assert!(project_ids(&none.json()).is_empty());
    let bad = signed_get(
        &sim,
        "/v3/projects?name=cn-north-4",
        None,
        &[],
        (AK, "wrong"),
    )
    .await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.json()["error_code"], "APIGW.0301");

    let sim = sim_from(TWO_ACCOUNTS);
    let other = signed_get(
        &sim,
        "/v3/projects",
        None,
        &[],
        ("OTHERACCOUNTKEY00000", "other-secret"),
    )
    .await;
    assert_eq!(project_ids(&other.json()), [OTHER]);
}

#[tokio::test]
async fn a_project_the_key_does_not_own_is_refused_not_an_empty_list() {
    let sim = sim_from(TWO_ACCOUNTS);
    let own = signed_get(
        &sim,
        &format!("/v3/{PROJECT}/instances"),
        Some(PROJECT),
        &[],
        (AK, SK),
    )
    .await;
    assert_eq!(own.status, 200, "{}", own.text());
    assert_eq!(own.json()["total_count"], 1);
    let r = signed_get(
        &sim,
        &format!("/v3/{OTHER}/instances"),
        Some(OTHER),
        &[],
        (AK, SK),
    )
    .await;
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.json()["error_code"], "APIGW.0301");
    assert!(r.json()["error_msg"]
        .as_str()
        .unwrap_or("")
        .contains(&format!(
            "access key {AK} does not belong to project {OTHER}"
        )));
    let undeclared = "ffffffffffffffffffffffffffffffff";
    let r = signed_get(
        &sim,
        &format!("/v3/{undeclared}/instances"),
        Some(undeclared),
        &[],
        (AK, SK),
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn x_project_id_must_agree_with_the_path() {
    let sim = sim_from(TWO_ACCOUNTS);
    let r = signed_get(
        &sim,
        &format!("/v3/{PROJECT}/instances"),
        Some(OTHER),
        &[],
        (AK, SK),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["error_code"], "DBS.200001");
    assert!(r.json()["error_msg"]
        .as_str()
        .unwrap_or("")
        .contains("urlTenantId is not equal tokenTenantId"));
}

#[tokio::test]
async fn a_temporary_key_needs_its_own_unexpired_security_token() {
    let sim = sim_from(TWO_ACCOUNTS);
    let uri = format!("/v3/{PROJECT}/instances");
    let temp = ("TEMPORARYKEY0000000A", "temp-secret");
    let ok = signed_get(
        &sim,
        &uri,
        Some(PROJECT),
        &[("x-security-token", "sts-token-1")],
        temp,
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let cases = [
        (&[][..], temp, "is temporary: send its X-Security-Token"),
        (
            &[("x-security-token", "sts-token-0")][..],
            temp,
            "decrypt token fail",
        ),
        (
            &[("x-security-token", "sts-token-0")][..],
            ("EXPIREDKEY000000000A", "old-secret"),
            "token expires, expires_at: 2025-12-31T23:00:00",
        ),
        (
            &[("x-security-token", "sts-token-1")][..],
            (AK, SK),
            "is permanent",
        ),
    ];
    for (extra, key, says) in cases {
        let r = signed_get(&sim, &uri, Some(PROJECT), extra, key).await;
        assert_eq!(r.status, 401, "{says}: {}", r.text());
        assert_eq!(r.json()["error_code"], "APIGW.0301");
        assert!(
            r.json()["error_msg"].as_str().unwrap_or("").contains(says),
            "{says}: {}",
            r.text()
        );
    }
}

/// `headers` plus the Authorization `alg` computes for them.
fn signed_with(
    alg: huawei::Algorithm,
    method: &str,
    uri: &str,
    body: &[u8],
    sk: &str,
) -> axum::http::Request<axum::body::Body> {
    let headers = sdk_headers(NOW);
    let auth = huawei::authorization_with(alg, AK, sk, NOW, method, uri, &headers, body);
    let mut b = axum::http::Request::builder().method(method).uri(uri);
    for (k, v) in &headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.header("authorization", auth)
        .body(axum::body::Body::from(body.to_vec()))
        .unwrap_or_default()
}

#[tokio::test]
async fn every_sdk_signing_algorithm_is_verified_and_a_wrong_key_or_byte_is_refused() {
    let sim = default_sim();
    let list = format!("/v3/{PROJECT}/instances?name=taurus-orders");
    let check = format!("/v3/{PROJECT}/instances/database-version/upgrade/pre-check-result");
    let body = batch_body(&[(ORDERS, "2.0.48.231200")], serde_json::json!(false));
    for alg in huawei::Algorithm::ALL {
        let name = alg.name();
        let r = send(&sim, signed_with(alg, "GET", &list, b"", SK)).await;
        assert_eq!(r.status, 200, "{name}: {}", r.text());
        assert_eq!(r.json()["total_count"], 1, "{name}");
        let r = send(&sim, signed_with(alg, "POST", &check, body.as_bytes(), SK)).await;
        assert_eq!(r.status, 200, "{name} with a body: {}", r.text());
        assert_eq!(r.json()["upgrade_precheck_result"], "true", "{name}");

        let wrong = send(&sim, signed_with(alg, "GET", &list, b"", "another-secret")).await;
        assert_eq!(wrong.status, 401, "{name}: {}", wrong.text());
        assert_eq!(
            wrong.json()["error_msg"],
            "Incorrect IAM authentication information: verify aksk signature fail"
        );
        // The same signature over another body.
        let mut req = signed_with(alg, "POST", &check, body.as_bytes(), SK);
        *req.body_mut() = axum::body::Body::from(body.replace("false", "true "));
        let tampered = send(&sim, req).await;
        assert_eq!(tampered.status, 401, "{name}: {}", tampered.text());
    }
}

#[tokio::test]
async fn the_derived_key_signer_is_refused_by_name() {
    let sim = default_sim();
    let req = axum::http::Request::builder()
        .uri(format!("/v3/{PROJECT}/instances"))
        .header("x-sdk-date", NOW)
        .header(
            "authorization",
            format!("V11-HMAC-SHA256 Credential={AK}/20260101/cn-north-4/gaussdb, SignedHeaders=x-sdk-date, Signature=00"),
        )
        .body(axum::body::Body::empty())
        .unwrap_or_default();
    let r = send(&sim, req).await;
    assert_eq!(r.status, 401);
    let msg = r.json()["error_msg"].as_str().unwrap_or("").to_string();
    assert!(
        msg.contains("signing algorithm V11-HMAC-SHA256 is not supported")
            && msg.contains("SDK-SM2-SM3"),
        "{msg}"
    );
}
