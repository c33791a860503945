//! Every refusal of the batch upgrade with its real code, status and X-Request-Id; the error
//! bodies are pinned with insta.

use serde_json::json;

use super::*;
use crate::support::{default_sim, send};

/// Sends a token-authenticated batch with `body`; returns (status, body, request id).
async fn batch(body: &str) -> (u16, serde_json::Value, String) {
    let sim = default_sim();
    let r = send(&sim, token_req("POST", &batch_uri(), body)).await;
    let id = r
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (r.status.as_u16(), r.json(), id)
}

async fn code_of(body: &str) -> (u16, String) {
    let (status, v, _) = batch(body).await;
    (
        status,
        v["error_code"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn an_empty_body_is_dbs_200006() {
    let (status, v, id) = batch("").await;
    assert_eq!(status, 400);
    assert_eq!(id.len(), 32, "X-Request-Id is 32 hex digits");
    insta::assert_json_snapshot!(v, @r#"
    {
      "error_code": "DBS.200006",
      "error_msg": "The request is null. Enter a request parameter."
    }
    "#);
}

#[tokio::test]
async fn malformed_or_incomplete_bodies_are_dbs_200001() {
    for body in [
        "{not json",
        "[]",
        r#"{"delay": false}"#,
        r#"{"databases_instance_infos": [], "delay": false}"#,
        r#"{"databases_instance_infos": "x", "delay": false}"#,
        r#"{"databases_instance_infos": [{"instance_id": "6754902da1f447269c6979b0590102a5in07"}], "delay": false}"#,
        r#"{"databases_instance_infos": [{"current_version": 2, "instance_id": "6754902da1f447269c6979b0590102a5in07"}], "delay": false}"#,
        r#"{"databases_instance_infos": [{"current_version": "2.0.48.231200", "instance_id": "6754902da1f447269c6979b0590102a5in07"}]}"#,
        r#"{"databases_instance_infos": [{"current_version": "2.0.48.231200", "instance_id": "6754902da1f447269c6979b0590102a5in07"}], "delay": "yes"}"#,
        r#"{"databases_instance_infos": [{"current_version": "2.0.48.231200", "instance_id": "6754902da1f447269c6979b0590102a5in07"}], "delay": ""}"#,
        r#"{"databases_instance_infos": [{"current_version": "2.0.48.231200", "instance_id": "6754902da1f447269c6979b0590102a5in07"}], "delay": null}"#,
    ] {
        assert_eq!(code_of(body).await, (400, "DBS.200001".into()), "{body}");
    }
}

#[tokio::test]
async fn a_missing_delay_says_what_to_send() {
    let (_, v, _) = batch(r#"{"databases_instance_infos": [{"current_version": "2.0.48.231200", "instance_id": "6754902da1f447269c6979b0590102a5in07"}]}"#).await;
    insta::assert_json_snapshot!(v, @r#"
    {
      "error_code": "DBS.200001",
      "error_msg": "Parameter error. delay is required: true or false."
    }
    "#);
}

#[tokio::test]
async fn a_project_id_that_is_not_32_letters_and_digits_is_dbs_200001() {
    let sim = default_sim();
    for project in [
        "054e292c9880d4992f02c0196d3ea46",
        "054e292c9880d4992f02c0196d3ea46!",
        "x",
    ] {
        let uri = format!("/v3/{project}/instances/database-version/upgrade");
        let r = send(
            &sim,
            token_req(
                "POST",
                &uri,
                &batch_body(&[(ORDERS, "2.0.48.231200")], json!(false)),
            ),
        )
        .await;
        assert_eq!(r.status, 400, "{project}");
        assert_eq!(r.json()["error_code"], "DBS.200001");
    }
}

#[tokio::test]
async fn an_unknown_instance_is_404_dbs_200002() {
    let (status, v, _) = batch(&batch_body(
        &[("ffffffffffffffffffffffffffffffffin07", "2.0.48.231200")],
        json!(false),
    ))
    .await;
    assert_eq!(status, 404);
    insta::assert_json_snapshot!(v, @r#"
    {
      "error_code": "DBS.200002",
      "error_msg": "The DB instance does not exist. Instance ffffffffffffffffffffffffffffffffin07 was not found in project 054e292c9880d4992f02c0196d3ea468."
    }
    "#);
}

#[tokio::test]
async fn a_current_version_that_does_not_match_is_dbs_200001() {
    let (status, v, _) = batch(&batch_body(&[(ORDERS, "2.0.45.230900")], json!(false))).await;
    assert_eq!(status, 400);
    insta::assert_json_snapshot!(v, @r#"
    {
      "error_code": "DBS.200001",
      "error_msg": "Parameter error. current_version 2.0.45.230900 of instance 6754902da1f447269c6979b0590102a5in07 does not match its kernel version 2.0.48.231200."
    }
    "#);
}

#[tokio::test]
async fn an_instance_on_the_latest_version_is_dbs_05000008() {
    let (status, v, _) = batch(&batch_body(&[(CATALOG, "2.0.57.240900")], json!(false))).await;
    assert_eq!(status, 400);
    insta::assert_json_snapshot!(v, @r#"
    {
      "error_code": "DBS.05000008",
      "error_msg": "The current version is the latest. No update is available. Instance 8b2e4f6a1c3d4e5f8a9b0c1d2e3f4a5bin07 runs 2.0.57.240900."
    }
    "#);
}

#[tokio::test]
async fn a_frozen_instance_is_refused_with_409_dbs_200011() {
    let (status, v, _) = batch(&batch_body(&[(ARCHIVE, "2.0.48.231200")], json!(false))).await;
    assert_eq!(status, 409);
    insta::assert_json_snapshot!(v, @r#"
    {
      "error_code": "DBS.200011",
      "error_msg": "Another operation is being performed on the DB instance or the DB instance is faulty. Instance c4d5e6f7a8b94c0d9e1f2a3b4c5d6e7fin07 is FROZEN, not ACTIVE."
    }
    "#);
}

#[tokio::test]
async fn an_instance_already_upgrading_is_refused_with_409_dbs_200019() {
    let sim = default_sim();
    let body = batch_body(&[(ORDERS, "2.0.48.231200")], json!(false));
    assert_eq!(post_batch(&sim, &body).await.status, 200);
    let r = post_batch(&sim, &body).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["error_code"], "DBS.200019");
}

#[tokio::test]
async fn a_request_without_credentials_is_401_apigw_0301_with_the_request_id_in_body_and_header() {
    let sim = default_sim();
    let req = axum::http::Request::post(batch_uri())
        .header("content-type", "application/json")
        .body(axum::body::Body::from(batch_body(
            &[(ORDERS, "2.0.48.231200")],
            json!(false),
        )))
        .unwrap_or_default();
    let r = send(&sim, req).await;
    assert_eq!(r.status, 401);
    let v = r.json();
    let header = r
        .headers
        .get("x-request-id")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    assert_eq!(v["request_id"], header);
    assert_eq!(v["error_code"], "APIGW.0301");
    assert_eq!(
        v["error_msg"],
        "Incorrect IAM authentication information: x-auth-token not found"
    );
}

#[tokio::test]
async fn a_wrong_token_a_wrong_sk_an_unknown_ak_and_a_stale_date_are_all_apigw_0301() {
    let sim = default_sim();
    let body = batch_body(&[(ORDERS, "2.0.48.231200")], json!(false));
    let mut wrong_token = token_req("POST", &batch_uri(), &body);
    wrong_token
        .headers_mut()
        .insert("x-auth-token", axum::http::HeaderValue::from_static("nope"));
    let cases = [
        ("token", wrong_token),
        (
            "sk",
            signed_req("POST", &batch_uri(), &body, AK, "wrong-secret", NOW),
        ),
        (
            "ak",
            signed_req("POST", &batch_uri(), &body, "UNKNOWNAK", SK, NOW),
        ),
        (
            "date",
            signed_req("POST", &batch_uri(), &body, AK, SK, "20251231T233000Z"),
        ),
    ];
    for (what, req) in cases {
        let r = send(&sim, req).await;
        assert_eq!(r.status, 401, "{what}");
        assert_eq!(r.json()["error_code"], "APIGW.0301", "{what}");
    }
    // Nothing was started by any of them.
    assert_eq!(immediate_jobs(&sim).await["total_count"], 0);
}

#[tokio::test]
async fn a_correctly_signed_request_is_accepted() {
    let sim = default_sim();
    let body = batch_body(&[(ORDERS, "2.0.48.231200")], json!(false));
    let r = send(&sim, signed_req("POST", &batch_uri(), &body, AK, SK, NOW)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // 14 minutes of clock skew is still inside the window.
    let r = send(
        &sim,
        signed_req(
            "GET",
            &format!("/v3/{PROJECT}/immediate-jobs?limit=10&offset=1"),
            "",
            AK,
            SK,
            "20251231T234600Z",
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["total_count"], 1);
}

#[tokio::test]
async fn x_language_zh_cn_answers_in_chinese_and_other_languages_are_refused() {
    let sim = default_sim();
    let mut req = token_req("POST", &batch_uri(), "");
    req.headers_mut()
        .insert("x-language", axum::http::HeaderValue::from_static("zh-cn"));
    let r = send(&sim, req).await;
    assert_eq!(r.json()["error_code"], "DBS.200006");
    assert_eq!(r.json()["error_msg"], "请求为空，请输入请求参数。");
    let mut req = token_req(
        "POST",
        &batch_uri(),
        &batch_body(&[(ORDERS, "2.0.48.231200")], json!(false)),
    );
    req.headers_mut()
        .insert("x-language", axum::http::HeaderValue::from_static("fr-fr"));
    let r = send(&sim, req).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error_code"], "DBS.200001");
}

#[tokio::test]
async fn an_unknown_path_or_method_is_the_gateways_404_never_a_401() {
    let sim = default_sim();
    let r = send(
        &sim,
        axum::http::Request::get(format!("/v3/{PROJECT}/no-such-thing"))
            .body(axum::body::Body::empty())
            .unwrap_or_default(),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error_code"], "APIGW.0101");
    assert!(r.headers.contains_key("x-request-id"));
    let r = send(&sim, token_req("PUT", &batch_uri(), "{}")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error_code"], "APIGW.0101");
}

#[tokio::test]
async fn injected_faults_use_the_vendor_shape_for_5xx_and_429() {
    let r = upgrade_sim::vendors::taurusdb::error_response(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "injected",
    );
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("x-request-id"));
    let body = axum::body::to_bytes(r.into_body(), 1 << 16)
        .await
        .unwrap_or_default();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(v["error_code"], "DBS.05000000");
    let r = upgrade_sim::vendors::taurusdb::error_response(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        "slow down",
    );
    let body = axum::body::to_bytes(r.into_body(), 1 << 16)
        .await
        .unwrap_or_default();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(v["error_code"], "APIGW.0308");
}
