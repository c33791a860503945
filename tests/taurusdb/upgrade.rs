//! The batch and single upgrades on virtual time: the doc's example verbatim, jobs from
//! Pending through Running to Completed, the instance's status and version, all-or-nothing
//! batches, maintenance-window scheduling, cancellation, and the domain faults.

use serde_json::json;

use super::*;
use crate::support::{default_sim, send, sim_from};

#[tokio::test]
async fn the_docs_example_request_verbatim_answers_success() {
    let sim = default_sim();
    let body = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/taurusdb/batch-upgrade-request.json"
    ))
    .unwrap_or_default();
    let uri = "/v3/054e292c9880d4992f02c0196d3ea468/instances/database-version/upgrade";
    let r = send(&sim, token_req("POST", uri, &body)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), r#"{"resp":"success"}"#);
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/taurusdb/batch-upgrade-response.json"
        ))
        .unwrap_or_default(),
    )
    .unwrap_or_default();
    assert_eq!(r.json(), expected);
    assert_eq!(r.headers.get("x-request-id").map(|v| v.len()), Some(32));
}

#[tokio::test]
async fn a_batch_job_goes_pending_running_completed_and_the_version_moves_at_the_end() {
    let sim = default_sim();
    let body = batch_body(
        &[(ORDERS, "2.0.48.231200"), (BILLING, "2.0.45.230900")],
        json!(false),
    );
    assert_eq!(post_batch(&sim, &body).await.status, 200);

    let jobs = immediate_jobs(&sim).await;
    assert_eq!(jobs["total_count"], 2);
    assert_eq!(
        jobs["jobs"][0]["job_name"],
        "UpgradeGaussDBforMySQLDatabaseVersion"
    );
    assert_eq!(jobs["jobs"][0]["status"], "Pending");
    assert_eq!(instance(&sim, ORDERS).await["status"], "ACTIVE");

    // After the 5s queue it runs: 2 nodes take 10m + 2m.
    sim.advance(5_000).unwrap_or_default();
    let orders_job = immediate_jobs(&sim).await["jobs"]
        .as_array()
        .and_then(|a| a.iter().find(|j| j["instance_id"] == ORDERS).cloned())
        .unwrap_or_default();
    assert_eq!(orders_job["status"], "Running");
    assert_eq!(orders_job["process"], "0%");
    let inst = instance(&sim, ORDERS).await;
    assert_eq!(inst["status"], "UPGRADING");
    assert_eq!(inst["datastore"]["kernel_version"], "2.0.48.231200");

    sim.advance(6 * 60_000).unwrap_or_default();
    let id = orders_job["job_id"].as_str().unwrap_or_default();
    let job = show_job(&sim, id).await;
    assert_eq!(job["status"], "Running");
    assert_eq!(job["process"], "50%");
    assert_eq!(job["instance"]["id"], ORDERS);

    sim.advance(6 * 60_000).unwrap_or_default();
    let job = show_job(&sim, id).await;
    assert_eq!(job["status"], "Completed");
    assert_eq!(job["process"], "");
    assert_eq!(job["ended"], "2026-01-01T00:12:05+0000");
    let inst = instance(&sim, ORDERS).await;
    assert_eq!(inst["status"], "ACTIVE");
    assert_eq!(inst["datastore"]["kernel_version"], "2.0.57.240900");

    // Billing has 3 nodes: 14 minutes; still running at 12m05s.
    assert_eq!(instance(&sim, BILLING).await["status"], "UPGRADING");
    sim.run_until_idle().unwrap_or_default();
    assert_eq!(kernel_version(&sim, BILLING).await, "2.0.57.240900");
    let v = database_version(&sim, BILLING).await;
    assert_eq!(v["upgrade_flag"], false);
}

#[tokio::test]
async fn a_batch_with_one_bad_instance_starts_none_of_them() {
    let sim = default_sim();
    let body = batch_body(
        &[(ORDERS, "2.0.48.231200"), (ARCHIVE, "2.0.48.231200")],
        json!(false),
    );
    let r = post_batch(&sim, &body).await;
    assert_eq!(r.status, 409);
    assert_eq!(immediate_jobs(&sim).await["total_count"], 0);
    sim.run_until_idle().unwrap_or_default();
    assert_eq!(kernel_version(&sim, ORDERS).await, "2.0.48.231200");
}

#[tokio::test]
async fn delay_as_the_string_true_schedules_the_upgrade_into_the_maintenance_window() {
    let sim = default_sim();
    let body = batch_body(&[(ORDERS, "2.0.48.231200")], json!("true"));
    assert_eq!(post_batch(&sim, &body).await.status, 200);
    let s = read(&sim, &format!("/v3/{PROJECT}/scheduled-jobs"))
        .await
        .json();
    assert_eq!(s["total_count"], 1);
    let task = &s["schedules"][0];
    assert_eq!(task["job_name"], "VERSION_UPGRADE");
    assert_eq!(task["job_status"], "Pending");
    assert_eq!(task["instance_id"], ORDERS);
    // The default window is 18:00-22:00 UTC; the clock starts at 00:00 UTC.
    assert_eq!(task["start_time"], "2026-01-01T18:00:00+0000");
    assert_eq!(immediate_jobs(&sim).await["total_count"], 0);

    sim.advance((17 * 60 + 59) * 60_000).unwrap_or_default();
    assert_eq!(instance(&sim, ORDERS).await["status"], "ACTIVE");
    // A second upgrade while one is scheduled is refused.
    let r = post_batch(&sim, &body).await;
    assert_eq!(r.json()["error_code"], "DBS.200019");

    sim.advance(2 * 60_000).unwrap_or_default();
    assert_eq!(instance(&sim, ORDERS).await["status"], "UPGRADING");
    let s = read(
        &sim,
        &format!("/v3/{PROJECT}/scheduled-jobs?instance_id={ORDERS}"),
    )
    .await
    .json();
    assert_eq!(s["schedules"][0]["job_status"], "Running");
    sim.run_until_idle().unwrap_or_default();
    let s = read(
        &sim,
        &format!("/v3/{PROJECT}/scheduled-jobs?status=Completed"),
    )
    .await
    .json();
    assert_eq!(s["total_count"], 1);
    assert_eq!(kernel_version(&sim, ORDERS).await, "2.0.57.240900");
}

#[tokio::test]
async fn a_pending_scheduled_job_can_be_cancelled_and_then_never_runs() {
    let sim = default_sim();
    let r = upgrade_one(&sim, ORDERS, r#"{"delay": true}"#).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let job_id = r.json()["job_id"].as_str().unwrap_or_default().to_string();
    assert_eq!(job_id.len(), 36);
    let r = cancel_scheduled(&sim, &job_id).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["job_ids"][0], job_id.as_str());
    sim.run_until_idle().unwrap_or_default();
    let job = show_job(&sim, &job_id).await;
    assert_eq!(job["status"], "Canceled");
    assert_eq!(kernel_version(&sim, ORDERS).await, "2.0.48.231200");
    // Cancelling it again is a parameter error.
    let r = cancel_scheduled(&sim, &job_id).await;
    assert_eq!(r.json()["error_code"], "DBS.200001");
}

#[tokio::test]
async fn the_single_instance_upgrade_returns_a_job_id_that_the_jobs_api_follows() {
    let sim = default_sim();
    let r = upgrade_one(&sim, ORDERS, "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let id = r.json()["job_id"].as_str().unwrap_or_default().to_string();
    sim.run_until_idle().unwrap_or_default();
    let job = show_job(&sim, &id).await;
    assert_eq!(job["status"], "Completed");
    assert_eq!(job["name"], "UpgradeGaussDBforMySQLDatabaseVersion");
    let r = read(&sim, &format!("/v3/{PROJECT}/jobs?id=no-such-job")).await;
    assert_eq!(r.json()["error_code"], "DBS.200001");
}

const FAULTY: &str = r#"
name: faulty
seed: 1
taurusdb:
  durations: {queue: 5s, upgrade: 10m, per_node: 0s}
  projects:
    - id: 054e292c9880d4992f02c0196d3ea468
      instances:
        - id: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaain07
          version: 2.0.48.231200
          upgrade_fault: {kind: fail, reason: "Replication delay is over 300s.", at_percent: 70}
        - id: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbin07
          version: 2.0.48.231200
          upgrade_fault: {kind: stuck, at_percent: 40}
        - id: ccccccccccccccccccccccccccccccccin07
          version: 2.0.48.231200
"#;

#[tokio::test]
async fn an_upgrade_fault_fails_the_job_with_its_reason_and_keeps_the_old_version() {
    let sim = sim_from(FAULTY);
    let a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaain07";
    let body = batch_body(&[(a, "2.0.48.231200")], json!(false));
    assert_eq!(post_batch(&sim, &body).await.status, 200);
    sim.run_until_idle().unwrap_or_default();
    let job = &immediate_jobs(&sim).await["jobs"][0];
    assert_eq!(job["status"], "Failed");
    assert_eq!(job["fail_reason"], "Replication delay is over 300s.");
    // 5s queue + 70% of 10m.
    assert_eq!(job["ended_time"], "2026-01-01T00:07:05+0000");
    let inst = instance(&sim, a).await;
    assert_eq!(inst["status"], "ACTIVE");
    assert_eq!(inst["datastore"]["kernel_version"], "2.0.48.231200");
}

#[tokio::test]
async fn a_stuck_upgrade_stays_running_at_its_percentage_forever() {
    let sim = sim_from(FAULTY);
    let b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbin07";
    let body = batch_body(&[(b, "2.0.48.231200")], json!(false));
    assert_eq!(post_batch(&sim, &body).await.status, 200);
    sim.run_until_idle().unwrap_or_default();
    sim.advance(24 * 3_600_000).unwrap_or_default();
    let job = &immediate_jobs(&sim).await["jobs"][0];
    assert_eq!(job["status"], "Running");
    assert_eq!(job["process"], "40%");
    assert_eq!(instance(&sim, b).await["status"], "UPGRADING");
}

#[tokio::test]
async fn timeline_faults_fail_an_instance_mid_upgrade() {
    let yaml = format!(
        "{FAULTY}timeline:\n  - {{at: 0s, do: taurusdb.batch_upgrade, with: {{instances: [ccccccccccccccccccccccccccccccccin07]}}}}\n  - {{at: 3m, do: taurusdb.fail_instance, with: {{instance: ccccccccccccccccccccccccccccccccin07, reason: disk failure}}}}\n"
    );
    let sim = sim_from(&yaml);
    sim.run_until_idle().unwrap_or_default();
    let c = "ccccccccccccccccccccccccccccccccin07";
    let job = &immediate_jobs(&sim).await["jobs"][0];
    assert_eq!(job["status"], "Failed");
    assert_eq!(job["fail_reason"], "disk failure");
    assert_eq!(instance(&sim, c).await["status"], "FAILED");
    let v31 = read(&sim, &format!("/v3.1/{PROJECT}/instances/{c}"))
        .await
        .json();
    assert_eq!(v31["instance"]["status"], "abnormal");
}

#[tokio::test]
async fn the_same_scenario_and_requests_give_the_same_journal_bytes() {
    async fn run() -> String {
        let sim = default_sim();
        let body = batch_body(&[(ORDERS, "2.0.48.231200")], json!(false));
        post_batch(&sim, &body).await;
        sim.run_until_idle().unwrap_or_default();
        let j = read(&sim, "/_sim/journal").await.text();
        let s = immediate_jobs(&sim).await.to_string();
        format!("{j}{s}")
    }
    let a = run().await;
    // Wall time is pinned in tests, so the journal's wall stamps match too.
    assert_eq!(a, run().await);
}
