//! Every status of UpgradeStatusEnum, each reached the way a user would reach it: through the
//! REST operations and a scenario's faults, with the clock stepped.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::unity::{
    advance, create, image_header, session, upload_content, upost, SESSION,
};
use crate::support::{default_sim, sim_from};

async fn status(sim: &upgrade_sim::Sim) -> u64 {
    session(sim).await["status"].as_u64().unwrap()
}

async fn action(sim: &upgrade_sim::Sim, kind: &str, name: &str) -> StatusCode {
    upost(
        sim,
        &format!("/api/instances/{kind}/{SESSION}/action/{name}"),
        None,
    )
    .await
    .status
}

/// A simulator on `yaml` with a session created and run until it stops: the session.
async fn stopped(yaml: &str) -> (upgrade_sim::Sim, serde_json::Value) {
    let sim = sim_from(yaml);
    create(&sim, json!({})).await;
    sim.run_until_idle().unwrap();
    let s = session(&sim).await;
    (sim, s)
}

/// `name` on `kind` answers 204, the session runs again, and it completes.
async fn completes_after(sim: &upgrade_sim::Sim, kind: &str, name: &str) {
    assert_eq!(action(sim, kind, name).await, StatusCode::NO_CONTENT);
    assert_eq!(status(sim).await, 1);
    sim.run_until_idle().unwrap();
    assert_eq!(status(sim).await, 2);
}

/// Start delay + tasks 0-2: where pauseBeforeReboot stops.
const PAUSE_POINT_S: u64 = 120 + 210 + 70 + 970;

#[tokio::test]
async fn status_0_upgrade_not_started_is_what_a_new_session_shows_first() {
    let sim = default_sim();
    create(&sim, json!({})).await;
    assert_eq!(status(&sim).await, 0);
    advance(&sim, 119);
    assert_eq!(status(&sim).await, 0);
}

#[tokio::test]
async fn status_1_upgrade_in_progress_once_the_first_task_starts() {
    let sim = default_sim();
    create(&sim, json!({})).await;
    advance(&sim, 120);
    assert_eq!(status(&sim).await, 1);
    assert_eq!(session(&sim).await["tasks"][0]["status"], 1);
}

#[tokio::test]
async fn status_2_upgrade_completed_when_every_task_is_done() {
    let sim = default_sim();
    create(&sim, json!({})).await;
    sim.run_until_idle().unwrap();
    assert_eq!(status(&sim).await, 2);
    assert_eq!(session(&sim).await["percentComplete"], 100);
}

#[tokio::test]
async fn status_3_upgrade_failed_when_a_task_fails_before_the_point_of_no_return() {
    let (sim, s) = stopped(
        "unity:\n  faults:\n    fail_task: [{task: Preparing system software, at_percent: 30}]\n",
    )
    .await;
    assert_eq!(s["status"], 3);
    assert_eq!(s["tasks"][2]["status"], 3);
    assert!(s["messages"][0]["messages"][0]["en-US"]
        .as_str()
        .unwrap()
        .contains("Preparing system software"));
    // Resume runs the failed task again; the fault fired once, so it now completes.
    completes_after(&sim, "softwareUpgradeSession", "resume").await;
}

#[tokio::test]
async fn status_3_upgrade_failed_when_a_component_is_unhealthy_at_the_health_check() {
    let (_, s) = stopped("unity:\n  array:\n    components: {spa: OK, spb: CRITICAL}\n").await;
    assert_eq!(s["status"], 3);
    assert_eq!(
        s["tasks"][1]["status"], 3,
        "Performing health checks failed"
    );
    assert!(s["messages"][0]["messages"][0]["en-US"]
        .as_str()
        .unwrap()
        .contains("spb is CRITICAL"));
}

#[tokio::test]
async fn status_4_upgrade_failed_lock_when_a_task_fails_after_the_point_of_no_return() {
    let (sim, s) = stopped(
        "unity:\n  faults:\n    fail_task: [{task: Restarting services on peer SP, at_percent: 50}]\n",
    )
    .await;
    assert_eq!(s["status"], 4);
    assert_eq!(s["tasks"][7]["status"], 4);
    assert!(s["percentComplete"].as_u64().unwrap() > 40);
    assert_eq!(
        action(&sim, "upgradeSession", "cancel").await,
        StatusCode::CONFLICT,
        "past the point of no return a session cannot be cancelled"
    );
    completes_after(&sim, "softwareUpgradeSession", "resume").await;
}

#[tokio::test]
async fn status_5_upgrade_cancelled_by_cancel_on_upgrade_session() {
    let sim = default_sim();
    create(&sim, json!({"pauseBeforeReboot": true})).await;
    advance(&sim, PAUSE_POINT_S);
    assert_eq!(status(&sim).await, 6);
    assert_eq!(
        action(&sim, "upgradeSession", "cancel").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(status(&sim).await, 5);
    let c = super::uget(&sim, "/api/types/candidateSoftwareVersion/instances").await;
    assert_eq!(
        c.json()["entries"],
        json!([]),
        "cancel removes the candidate"
    );
    assert_eq!(
        action(&sim, "softwareUpgradeSession", "resume").await,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn status_6_upgrade_paused_before_the_first_reboot_with_pause_before_reboot() {
    let sim = default_sim();
    create(&sim, json!({"pauseBeforeReboot": true})).await;
    advance(&sim, PAUSE_POINT_S - 1);
    assert_eq!(status(&sim).await, 1);
    advance(&sim, 1);
    let s = session(&sim).await;
    assert_eq!(s["status"], 6);
    assert_eq!(s["tasks"][2]["status"], 2);
    assert_eq!(s["tasks"][3]["caption"], "Waiting for reboot command");
    assert_eq!(s["tasks"][3]["status"], 6);
    let p = s["percentComplete"].as_u64().unwrap();
    advance(&sim, 3600);
    assert_eq!(status(&sim).await, 6, "it stays paused");
    assert_eq!(session(&sim).await["percentComplete"].as_u64().unwrap(), p);
    assert_eq!(
        action(&sim, "softwareUpgradeSession", "resume").await,
        StatusCode::NO_CONTENT
    );
    sim.run_until_idle().unwrap();
    assert_eq!(status(&sim).await, 2);
}

#[tokio::test]
async fn status_7_upgrade_acknowledged_after_acknowledging_a_completed_session() {
    let sim = default_sim();
    create(&sim, json!({})).await;
    assert_eq!(
        action(&sim, "upgradeSession", "acknowledge").await,
        StatusCode::CONFLICT,
        "a running session cannot be acknowledged"
    );
    sim.run_until_idle().unwrap();
    assert_eq!(
        action(&sim, "upgradeSession", "acknowledge").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(status(&sim).await, 7);
    // An acknowledged session is over: a new one may start (if a newer candidate exists).
    assert_eq!(
        upload_content(
            &sim,
            "Unity-5.4.0.0.5.001.tgz.bin.gpg",
            &image_header("5.4.0", 1, "2024-01-01T00:00:00Z")
        )
        .await
        .status,
        StatusCode::OK
    );
    let r = create(&sim, json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["content"]["id"], "Upgrade_5.4.0.1");
}

#[tokio::test]
async fn status_8_upgrade_waiting_for_user_where_the_scenario_says_until_acknowledged() {
    let (sim, s) = stopped("unity:\n  faults:\n    wait_for_user: [{task: Final tasks}]\n").await;
    assert_eq!(s["status"], 8);
    assert_eq!(s["tasks"][11]["status"], 8);
    assert_eq!(
        action(&sim, "softwareUpgradeSession", "resume").await,
        StatusCode::CONFLICT,
        "resume is only for paused and failed sessions"
    );
    completes_after(&sim, "upgradeSession", "acknowledge").await;
}

#[tokio::test]
async fn status_9_upgrade_paused_lock_past_the_point_of_no_return_until_the_lock_lifts() {
    let sim = sim_from(
        "unity:\n  faults:\n    lock: [{task: Installing new software on primary SP, for: 20m}]\n",
    );
    create(&sim, json!({})).await;
    // Start delay + tasks 0-7.
    advance(&sim, 120 + 210 + 70 + 970 + 5 + 65 + 1010 + 855 + 300);
    let s = session(&sim).await;
    assert_eq!(s["status"], 9);
    assert_eq!(s["tasks"][8]["status"], 9);
    assert_eq!(
        action(&sim, "softwareUpgradeSession", "resume").await,
        StatusCode::CONFLICT
    );
    assert_eq!(
        action(&sim, "upgradeSession", "cancel").await,
        StatusCode::CONFLICT
    );
    advance(&sim, 20 * 60);
    assert_eq!(
        status(&sim).await,
        1,
        "the system lifts the lock and carries on"
    );
    sim.run_until_idle().unwrap();
    assert_eq!(status(&sim).await, 2);
}

#[tokio::test]
async fn timeline_actions_drive_a_whole_story() {
    let sim = sim_from(
        "timeline:\n  - {at: 0s, do: unity.create_session, with: {pause_before_reboot: true}}\n  - {at: 1h, do: unity.fail_task, with: {task: 5, at_percent: 10}}\n  - {at: 1h, do: unity.resume_session}\n  - {at: 2h, do: unity.resume_session}\n",
    );
    sim.advance(3600 * 1000 + 1).unwrap();
    assert_eq!(status(&sim).await, 1);
    sim.advance(3600 * 1000).unwrap();
    assert_eq!(
        status(&sim).await,
        1,
        "failed before the point of no return, resumed at 2h"
    );
    sim.run_until_idle().unwrap();
    assert_eq!(status(&sim).await, 2);
    let j = sim.lock().core.journal.query(&Default::default());
    assert!(j
        .iter()
        .any(|e| e.resource == format!("session/{SESSION}")
            && e.to.as_deref() == Some("Upgrade_Failed")));
}
