//! The pre-checks each profile really makes. `legacy` is obshell 4.2.6 (`737982a`): no agent or
//! observer status before an agent upgrade, an OB upgrade or an OB check
//! (`upgrade_agent_check.go` `preCheckForAgentUpgrade`, `upgrade_ob.go` `preCheckForObUpgrade`,
//! `upgrade_ob_check.go` `preCheckForObUpgradeCheck`), package failures `ErrUnexpected`.
//! `current` (HEAD) checks no status on `/ob/upgrade/check` either, and a missing target
//! `oceanbase-ce` fails the upgrade_dep lookup first.

use serde_json::json;

use super::{current_sim, error_of, legacy_with};
use crate::support::obshell::v2;
use crate::support::send;

const AGENT: &str = r#"{"version": "4.2.0.0", "release": "20240109191841.el7"}"#;
const OB: &str =
    r#"{"version": "4.2.1.1", "release": "101000062023110109.el7", "mode": "rolling"}"#;

fn post(path: &str, body: &str) -> axum::http::Request<axum::body::Body> {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    v2("POST", path, Some(&v))
}

#[tokio::test]
async fn legacy_starts_upgrades_and_checks_whatever_the_agents_and_observers_say() {
    let sim = legacy_with("\n  faults:\n    agents_down: [zone2]\n    observers_down: [zone3]");
    for (path, body) in [
        ("/api/v1/agent/upgrade/check", AGENT),
        ("/api/v1/ob/upgrade/check", OB),
        ("/api/v1/agent/upgrade", AGENT),
    ] {
        let r = send(&sim, post(path, body)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert_eq!(r.json()["data"]["state"], "READY");
    }
    let sim = legacy_with("\n  faults:\n    observers_down: [zone3]");
    let r = send(&sim, post("/api/v1/ob/upgrade", OB)).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn current_still_refuses_an_agent_upgrade_with_an_agent_down() {
    let sim = current_sim("\n  faults:\n    agents_down: [zone2]");
    let (status, e) = error_of(&send(&sim, post("/api/v1/agent/upgrade", AGENT)).await);
    assert_eq!(
        (status, e["errCode"].clone()),
        (500, json!("Agent.Unavailable"))
    );
    // ... but its OB upgrade check does not look.
    let r = send(&sim, post("/api/v1/ob/upgrade/check", OB)).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn a_missing_target_package_fails_the_ob_check_as_each_release_words_it() {
    let body = r#"{"version": "4.3.0.0", "release": "1.el7"}"#;
    let ce = "oceanbase-ce-4.3.0.0-1.el7.x86_64.rpm: record not found";
    let r = send(&current_sim(""), post("/api/v1/ob/upgrade/check", body)).await;
    assert_eq!(
        error_of(&r),
        (
            500,
            // HEAD: a plain gorm error, its own text as the message (`buildErrorResponse`).
            json!({"errCode": "Common.Unexpected", "message": ce})
        )
    );
    let r = send(&legacy_with(""), post("/api/v1/ob/upgrade/check", body)).await;
    assert_eq!(
        error_of(&r),
        (
            500,
            json!({"code": 1002, "message": format!("Unexpected error: {ce}")})
        )
    );
}

#[tokio::test]
async fn legacy_wraps_a_bad_upgrade_dir_of_an_ob_check_twice() {
    let body =
        r#"{"version": "4.2.1.1", "release": "101000062023110109.el7", "upgradeDir": "relative"}"#;
    let (status, e) =
        error_of(&send(&legacy_with(""), post("/api/v1/ob/upgrade/check", body)).await);
    assert_eq!((status, e["code"].clone()), (500, json!(1002)));
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.starts_with(
            "Unexpected error: OcsAgentError: code = 1001, message = Illegal argument: "
        ),
        "{msg}"
    );
    let body = r#"{"version": "4.2.1.1", "release": "101000062023110109.el7", "mode": "rolling", "upgradeDir": "relative"}"#;
    let (status, e) = error_of(&send(&legacy_with(""), post("/api/v1/ob/upgrade", body)).await);
    assert_eq!((status, e["code"].clone()), (400, json!(1001)));
}

#[tokio::test]
async fn legacy_has_no_node_operator_route_and_ignores_freeze_server() {
    let sim = legacy_with("");
    // gin's 404 comes before Verify: no credential needed to get it.
    let r = send(
        &sim,
        crate::support::post_json("/api/v1/task/node/11", &json!({"operator": "PASS"})),
    )
    .await;
    assert_eq!(
        error_of(&r),
        (
            400,
            json!({"code": 1000, "message": "Bad request: 404 not found"})
        )
    );
    let body = r#"{"version": "4.2.1.1", "release": "101000062023110109.el7", "mode": "rolling", "freeze_server": true}"#;
    let r = send(&sim, post("/api/v1/ob/upgrade", body)).await;
    assert_eq!(r.json()["data"]["max_stage"], 30, "{}", r.text());
    let r = send(&current_sim(""), post("/api/v1/ob/upgrade", body)).await;
    assert_eq!(r.json()["data"]["max_stage"], 33, "{}", r.text());
}

#[tokio::test]
async fn a_header_that_does_not_decrypt_is_10008_in_legacy() {
    let req = axum::http::Request::builder()
        .uri("/api/v1/task/dag/unfinish")
        .header("X-OCS-Header", "bm90IHJzYQ==")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = send(&legacy_with(""), req).await;
    assert_eq!(
        error_of(&r),
        (
            401,
            json!({"code": 10008, "message": "Verification failed: header decrypt failed"})
        )
    );
    assert_eq!(r.json()["traceId"], "");
}

#[tokio::test]
async fn legacy_is_v2_only_unless_the_scenario_brings_back_the_docs_x_ocs_auth() {
    use crate::support::obshell::v1;
    let r = send(
        &legacy_with(""),
        v1("GET", "/api/v1/task/dag/unfinish", None),
    )
    .await;
    assert_eq!(
        error_of(&r),
        (
            401,
            json!({"code": 10008, "message": "Verification failed: header not found"})
        )
    );
    let sim = legacy_with("\n  auth: [v1, v2]");
    let info = send(&sim, crate::support::get("/api/v1/info")).await.json();
    assert_eq!(info["data"]["supportedAuth"], json!(["v1", "v2"]));
    let r = send(&sim, v1("GET", "/api/v1/task/dag/unfinish", None)).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn dot_dot_is_refused_only_when_it_escapes_and_the_dir_is_checked_untrimmed() {
    let with = |dir: &str| {
        post(
            "/api/v1/agent/upgrade/check",
            &json!({"version": "4.2.0.0", "release": "20240109191841.el7", "upgradeDir": dir})
                .to_string(),
        )
    };
    let r = send(&legacy_with(""), with("/data/../tmp/up")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = send(&current_sim(""), with("/../etc")).await;
    assert_eq!(r.json()["error"]["message"], "Path '/../etc' is not valid: should not lead to directory traversal issues when joined with a generated parent path");
    let r = send(&legacy_with(""), with(" /tmp")).await;
    assert_eq!(
        r.json()["error"]["message"],
        "Illegal argument: path ' /tmp' should start with '/'"
    );
    let r = send(&legacy_with(""), with("   ")).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn agent_unavailable_joins_the_agents_with_commas() {
    let sim = current_sim("\n  faults:\n    agents_down: [zone1, zone3]");
    let (_, e) = error_of(&send(&sim, post("/api/v1/agent/upgrade", AGENT)).await);
    assert_eq!(
        e["message"],
        "Agent 10.0.0.1:2886,10.0.0.3:2886 is not available"
    );
}
