//! The calls a client follows an upgrade with: instance details and lists (v3 and v3.1),
//! kernel versions, engine versions, pre-checks and job-list filters.

use serde_json::json;

use super::*;
use crate::support::{default_sim, send};

#[tokio::test]
async fn instance_details_carry_the_sdk_models_fields_in_order() {
    let sim = default_sim();
    let inst = instance(&sim, ORDERS).await;
    let keys: Vec<&str> = inst
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        &keys[..6],
        ["id", "name", "project_id", "status", "port", "alias"]
    );
    assert_eq!(inst["status"], "ACTIVE");
    assert_eq!(inst["node_count"], 2);
    assert_eq!(inst["nodes"][0]["type"], "master");
    assert_eq!(inst["nodes"][1]["type"], "slave");
    assert_eq!(inst["maintenance_window"], "18:00-22:00");
    assert_eq!(
        inst["datastore"],
        json!({"type": "gaussdb-mysql", "version": "8.0", "kernel_version": "2.0.48.231200"})
    );
    assert_eq!(inst["created"], "2025-12-02T00:00:00+0000");
    let missing = read(
        &sim,
        &format!("/v3/{PROJECT}/instances/ffffffffffffffffffffffffffffffffin07"),
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error_code"], "DBS.200002");
}

#[tokio::test]
async fn the_instance_lists_page_and_filter_and_v3_1_uses_the_unified_status() {
    let sim = default_sim();
    let all = read(&sim, &format!("/v3/{PROJECT}/instances")).await.json();
    assert_eq!(all["total_count"], 5);
    let page = read(&sim, &format!("/v3/{PROJECT}/instances?offset=1&limit=2"))
        .await
        .json();
    assert_eq!(page["instances"].as_array().map(Vec::len), Some(2));
    assert_eq!(page["instances"][0]["id"], BILLING);
    let frozen = read(&sim, &format!("/v3/{PROJECT}/instances?id={ARCHIVE}"))
        .await
        .json();
    assert_eq!(frozen["instances"][0]["status"], "FROZEN");
    let unified = read(&sim, &format!("/v3.1/{PROJECT}/instances?id={ARCHIVE}"))
        .await
        .json();
    assert_eq!(unified["instances"][0]["status"], "abnormal");
    let bad = read(&sim, &format!("/v3/{PROJECT}/instances?limit=many")).await;
    assert_eq!(bad.json()["error_code"], "DBS.200001");
    // Another well-formed project simply has no instances.
    let other = read(&sim, "/v3/ffffffffffffffffffffffffffffffff/instances")
        .await
        .json();
    assert_eq!(other["total_count"], 0);
}

#[tokio::test]
async fn database_version_tells_current_latest_and_whether_an_upgrade_exists() {
    let sim = default_sim();
    let v = database_version(&sim, ORDERS).await;
    assert_eq!(
        v,
        json!({
            "datastore": {
                "current_version": "8.0.32",
                "current_kernel_version": "2.0.48.231200",
                "latest_version": "8.0.32",
                "latest_kernel_version": "2.0.57.240900"
            },
            "upgrade_flag": true
        })
    );
    let v = database_version(&sim, CATALOG).await;
    assert_eq!(v["upgrade_flag"], false);
}

#[tokio::test]
async fn the_datastores_list_offers_every_kernel_version_and_refuses_other_engines() {
    let sim = default_sim();
    let v = read(&sim, &format!("/v3/{PROJECT}/datastores/gaussdb-mysql"))
        .await
        .json();
    let kernels: Vec<&str> = v["datastores"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d["kernel_version"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(kernels[0], "2.0.57.240900");
    assert_eq!(kernels.len(), 5);
    assert_eq!(v["datastores"][0]["name"], "8.0");
    let r = read(&sim, &format!("/v3/{PROJECT}/datastores/mongodb")).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error_code"], "DBS.280235");
}

#[tokio::test]
async fn the_pre_check_passes_a_healthy_instance_and_fails_a_frozen_one() {
    let sim = default_sim();
    let uri = format!("/v3/{PROJECT}/instances/database-version/upgrade/pre-check");
    let body = json!({"databases_instance_infos": [{"current_version": "2.0.48.231200", "instance_id": ORDERS}]}).to_string();
    let r = send(&sim, token_req("POST", &uri, &body)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["job_ids"].as_array().map(Vec::len), Some(1));
    let result = send(&sim, token_req("POST", &format!("{uri}-result"), &body))
        .await
        .json();
    assert_eq!(result["upgrade_precheck_result"], "true");
    assert_eq!(result["updated_at"], 1_767_225_600_000_i64);
    assert_eq!(
        result["upgrade_precheck_detail"].as_array().map(Vec::len),
        Some(4)
    );

    let frozen = json!({"databases_instance_infos": [{"current_version": "2.0.48.231200", "instance_id": ARCHIVE}]}).to_string();
    let result = send(&sim, token_req("POST", &format!("{uri}-result"), &frozen))
        .await
        .json();
    assert_eq!(result["upgrade_precheck_result"], "false");
    let resource = result["upgrade_precheck_detail"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|d| d["check_item"] == "Resource check")
                .cloned()
        })
        .unwrap_or_default();
    assert_eq!(resource["check_status"], "failed");
}

#[tokio::test]
async fn the_immediate_job_list_filters_by_status_and_name_and_pages() {
    let sim = default_sim();
    let body = batch_body(
        &[(ORDERS, "2.0.48.231200"), (BILLING, "2.0.45.230900")],
        json!(false),
    );
    assert_eq!(post_batch(&sim, &body).await.status, 200);
    let base = format!("/v3/{PROJECT}/immediate-jobs");
    assert_eq!(
        read(&sim, &format!("{base}?status=Pending")).await.json()["total_count"],
        2
    );
    assert_eq!(
        read(&sim, &format!("{base}?status=Running")).await.json()["total_count"],
        0
    );
    assert_eq!(
        read(
            &sim,
            &format!("{base}?job_name=CreateGaussDBforMySQLInstance")
        )
        .await
        .json()["total_count"],
        0
    );
    let page1 = read(&sim, &format!("{base}?limit=10&offset=1"))
        .await
        .json();
    assert_eq!(page1["total_count"], 2);
    assert_eq!(page1["jobs"][1]["instance_id"], ORDERS);
    let page2 = read(&sim, &format!("{base}?limit=10&offset=2"))
        .await
        .json();
    assert_eq!(page2["total_count"], 2);
    assert_eq!(page2["jobs"], serde_json::json!([]));
    // ListImmediateJobsRequest documents 10, 20 and 50 as the page sizes.
    for bad in ["1", "15", "100", "0"] {
        let refused = read(&sim, &format!("{base}?limit={bad}")).await;
        assert_eq!(refused.status, 400, "limit={bad}");
        assert_eq!(
            refused.json()["error_msg"],
            format!("Parameter error. limit must be 10, 20 or 50, not {bad}."),
        );
    }
    assert_eq!(read(&sim, &format!("{base}?limit=50")).await.status, 200);
    assert_eq!(
        read(&sim, &format!("{base}?status=Sleeping")).await.json()["error_code"],
        "DBS.200001"
    );
    let since = read(
        &sim,
        &format!("{base}?start_time=2026-01-01T00:00:01%2B0000"),
    )
    .await
    .json();
    assert_eq!(since["total_count"], 0);
}
