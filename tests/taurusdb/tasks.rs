//! The calls an upgrade workflow makes beyond the upgrade itself: several instances' details,
//! the task center's detail with sub-tasks on stepped time, the maintenance window (which
//! moves a delayed upgrade), the scheduled-task check and cancel by instance, deleting a job
//! record, and the reserved path words that are never an instance id.

use serde_json::{json, Value};

use super::*;
use crate::support::{default_sim, send, Reply};

async fn call(sim: &upgrade_sim::Sim, method: &str, uri: &str, body: Value) -> Reply {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    send(sim, token_req(method, uri, &body)).await
}

async fn delayed_upgrade(sim: &upgrade_sim::Sim, id: &str) -> String {
    let r = upgrade_one(sim, id, r#"{"delay": true}"#).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["job_id"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn instance_details_answer_the_ids_asked_for_in_order_and_skip_unknown_ones() {
    let sim = default_sim();
    let uri = format!("/v3/{PROJECT}/instances/details?instance_ids={BILLING},ffffin07,{ORDERS}");
    let r = read(&sim, &uri).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let ids: Vec<Value> = r.json()["instances"]
        .as_array()
        .map(|a| a.iter().map(|i| i["id"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(ids, [json!(BILLING), json!(ORDERS)]);
    assert_eq!(
        r.json()["instances"][0]["nodes"].as_array().map(Vec::len),
        Some(3)
    );
    let unified = read(
        &sim,
        &format!("/v3.1/{PROJECT}/instances/details?instance_ids={ARCHIVE}"),
    )
    .await;
    assert_eq!(unified.json()["instances"][0]["status"], "abnormal");
    let none = read(&sim, &format!("/v3/{PROJECT}/instances/details")).await;
    assert_eq!(none.status, 400);
    assert_eq!(none.json()["error_code"], "DBS.200001");
    let many: Vec<String> = (0..21).map(|n| format!("{n:032}in07")).collect();
    let many = read(
        &sim,
        &format!(
            "/v3/{PROJECT}/instances/details?instance_ids={}",
            many.join(",")
        ),
    )
    .await;
    assert_eq!(many.status, 400);
    assert!(many.json()["error_msg"]
        .as_str()
        .unwrap_or_default()
        .contains("1 to 20"));
}

#[tokio::test]
async fn reserved_words_after_instances_never_read_as_an_instance_id() {
    let sim = default_sim();
    for word in ["details", "database-version", "batch", "restore"] {
        let r = read(
            &sim,
            &format!("/v3/{PROJECT}/instances/{word}/database-version"),
        )
        .await;
        assert_eq!(r.status, 404, "{word}: {}", r.text());
        assert_eq!(r.json()["error_code"], "APIGW.0101", "{word}");
    }
    let r = read(&sim, &format!("/v3/{PROJECT}/instances/database-version")).await;
    assert_eq!(r.json()["error_code"], "APIGW.0101");
    let r = call(
        &sim,
        "POST",
        &format!("/v3/{PROJECT}/instances/details"),
        json!({}),
    )
    .await;
    assert_eq!(r.json()["error_code"], "APIGW.0101", "{}", r.text());
}

#[tokio::test]
async fn the_task_center_detail_shows_one_sub_task_per_node_moving_on_virtual_time() {
    let sim = default_sim();
    let r = upgrade_one(&sim, ORDERS, "").await;
    let job = r.json()["job_id"].as_str().unwrap_or_default().to_string();
    let uri = format!("/v3/{PROJECT}/instances/{ORDERS}/task-center-detail?job_id={job}");
    let d = read(&sim, &uri).await.json();
    assert_eq!(d["status"], "Pending");
    assert_eq!(d["job_name"], "UpgradeGaussDBforMySQLDatabaseVersion");
    assert_eq!(d["instance_name"], "taurus-orders");
    let statuses = |d: &Value| -> Vec<(String, String)> {
        d["sub_task_list"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| {
                        (
                            s["status"].as_str().unwrap_or("").into(),
                            s["percent"].as_str().unwrap_or("").into(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let p = |s: &str, n: &str| (s.to_string(), n.to_string());
    assert_eq!(statuses(&d), [p("Pending", "0"), p("Pending", "0")]);
    // 5s queue, then 12 minutes over two nodes: at 9 minutes in, 75%.
    sim.advance(5_000 + 9 * 60_000).unwrap_or_default();
    let d = read(&sim, &uri).await.json();
    assert_eq!(d["status"], "Running");
    assert_eq!(statuses(&d), [p("Completed", "100"), p("Running", "50")]);
    assert_eq!(d["sub_task_list"][1]["remaining_time"], "180");
    assert!(d["sub_task_list"][1]["sub_task_name"]
        .as_str()
        .unwrap_or("")
        .contains("primary"));
    sim.advance(4 * 60_000).unwrap_or_default();
    let d = read(&sim, &uri).await.json();
    assert_eq!(d["status"], "Completed");
    assert_eq!(statuses(&d), [p("Completed", "100"), p("Completed", "100")]);
    // Without job_id: the instance's newest job.
    let newest = read(
        &sim,
        &format!("/v3/{PROJECT}/instances/{ORDERS}/task-center-detail"),
    )
    .await;
    assert_eq!(newest.json()["job_id"], job.as_str());
    let other = read(
        &sim,
        &format!("/v3/{PROJECT}/instances/{BILLING}/task-center-detail?job_id={job}"),
    )
    .await;
    assert_eq!(other.status, 400);
    assert_eq!(other.json()["error_code"], "DBS.200001");
}

#[tokio::test]
async fn moving_the_ops_window_moves_when_a_delayed_upgrade_starts() {
    let sim = default_sim();
    // 00:00 now; the 18:00-22:00 window would start it at 18:00.
    let job = delayed_upgrade(&sim, ORDERS).await;
    let uri = format!("/v3/{PROJECT}/instances/{ORDERS}/ops-window");
    let r = call(
        &sim,
        "PUT",
        &uri,
        json!({"start_time": "02:00", "end_time": "06:00"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({}));
    assert_eq!(
        instance(&sim, ORDERS).await["maintenance_window"],
        "02:00-06:00"
    );
    let listed = read(&sim, &format!("/v3/{PROJECT}/scheduled-jobs"))
        .await
        .json();
    assert_eq!(
        listed["schedules"][0]["start_time"],
        "2026-01-01T02:00:00+0000"
    );
    sim.advance(2 * 3_600_000 - 1).unwrap_or_default();
    assert_eq!(show_job(&sim, &job).await["status"], "Pending");
    sim.advance(1).unwrap_or_default();
    assert_eq!(show_job(&sim, &job).await["status"], "Running");
    for bad in [
        json!({"start_time": "02:30", "end_time": "06:30"}),
        json!({"start_time": "02:00", "end_time": "05:00"}),
        json!({"start_time": "25:00", "end_time": "05:00"}),
        json!({"end_time": "05:00"}),
    ] {
        let r = call(&sim, "PUT", &uri, bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.json()["error_code"], "DBS.200001", "{bad}");
    }
    // Wrapping midnight is four hours too.
    let r = call(
        &sim,
        "PUT",
        &uri,
        json!({"start_time": "22:00", "end_time": "02:00"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn the_scheduled_task_check_and_the_cancel_by_instance_agree() {
    let sim = default_sim();
    let exist = format!("/v3/{PROJECT}/instances/{ORDERS}/schedule-tasks/exist");
    let body = json!({"schedule_type": "VERSION_UPGRADE"});
    let r = call(&sim, "POST", &exist, body.clone()).await;
    assert_eq!(r.json(), json!({"exist": false, "scheduled_tasks": []}));
    let job = delayed_upgrade(&sim, ORDERS).await;
    let r = call(&sim, "POST", &exist, body.clone()).await.json();
    assert_eq!(r["exist"], true);
    let task = &r["scheduled_tasks"][0];
    assert_eq!(task["task_id"], job.as_str());
    assert_eq!(task["task_status"], "WAITING");
    assert_eq!(task["instance_status"], "NORMAL");
    // 2026-01-01T18:00:00Z and 22:00:00Z in epoch milliseconds.
    assert_eq!(task["start_time"], 1_767_290_400_000_i64);
    assert_eq!(task["end_time"], 1_767_304_800_000_i64);
    let other = call(
        &sim,
        "POST",
        &exist,
        json!({"schedule_type": "RESIZE_FLAVOR"}),
    )
    .await;
    assert_eq!(other.json()["exist"], false);
    let bad = call(&sim, "POST", &exist, json!({"schedule_type": "UPGRADE"})).await;
    assert_eq!(bad.json()["error_code"], "DBS.200001");

    let del = format!("/v3/{PROJECT}/instance/{BILLING}/scheduled-jobs");
    let wrong = call(&sim, "DELETE", &del, json!({"job_id": job})).await;
    assert_eq!(wrong.status, 400, "{}", wrong.text());
    let del = format!("/v3/{PROJECT}/instance/{ORDERS}/scheduled-jobs");
    let r = call(&sim, "DELETE", &del, json!({"job_id": job})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"result": true}));
    assert_eq!(show_job(&sim, &job).await["status"], "Canceled");
    let r = call(&sim, "POST", &exist, body).await;
    assert_eq!(r.json()["exist"], false);
    let again = call(&sim, "DELETE", &del, json!({"job_id": job})).await;
    assert_eq!(again.json()["error_code"], "DBS.200001");
}

#[tokio::test]
async fn a_job_record_can_be_deleted_once_the_job_ended() {
    let sim = default_sim();
    let r = upgrade_one(&sim, ORDERS, "").await;
    let job = r.json()["job_id"].as_str().unwrap_or_default().to_string();
    let uri = format!("/v3/{PROJECT}/jobs/{job}");
    let early = call(&sim, "DELETE", &uri, Value::Null).await;
    assert_eq!(early.status, 400);
    assert!(early.json()["error_msg"]
        .as_str()
        .unwrap_or("")
        .contains("Pending"));
    sim.run_until_idle().unwrap_or_default();
    let r = call(&sim, "DELETE", &uri, Value::Null).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(immediate_jobs(&sim).await["total_count"], 0);
    let gone = read(&sim, &format!("/v3/{PROJECT}/jobs?id={job}")).await;
    assert_eq!(gone.json()["error_code"], "DBS.200001");
    let again = call(&sim, "DELETE", &uri, Value::Null).await;
    assert_eq!(again.status, 400);
}
