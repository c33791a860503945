//! `serve --state-file` (issue 17, "Build" 5): a rehearsal killed mid-upgrade continues where
//! it was after a restart. The file holds the inputs; a new simulator on the same scenario
//! replays them and reaches the same world.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};
use upgrade_sim::http::{router_with, AppOptions, StateFile};
use upgrade_sim::Sim;

use crate::support::ota::{authed_bytes, PLANS};
use crate::support::{call, default_sim, get, post_json};

fn state_path(test: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("upgrade-sim-{}-{test}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

/// A running simulator recording to `path`, as `serve --state-file` runs it.
async fn recording(path: &std::path::Path) -> (Sim, upgrade_sim::http::App, Arc<StateFile>) {
    let sim = default_sim();
    let (file, _) = StateFile::open(&sim, path).await.expect("state file");
    let file = Arc::new(file);
    let app = router_with(
        sim.clone(),
        AppOptions {
            state_file: Some(file.clone()),
            ..Default::default()
        },
    );
    (sim, app, file)
}

fn plans(state: &Value) -> Value {
    state["vendors"]["ota"]["plans"].clone()
}

#[tokio::test]
async fn a_rehearsal_killed_mid_upgrade_continues_where_it_was_after_a_restart() {
    let path = state_path("ota-mid-upgrade");
    let (sim, app, _file) = recording(&path).await;
    let plan = std::fs::read("fixtures/ota/create-graduated-plan.request.json").expect("fixture");
    let r = call(&app, authed_bytes("POST", PLANS, plan)).await;
    assert!(r.status.is_success(), "{}", r.text());
    let r = call(
        &app,
        post_json("/_sim/clock/advance", &json!({"duration": "30s"})),
    )
    .await;
    assert_eq!(r.status, 200);
    let before = call(&app, get("/_sim/state")).await.json();
    assert!(
        !plans(&before).as_array().is_none_or(Vec::is_empty),
        "a plan mid-upgrade: {before}"
    );
    // Killed: nothing is written on the way out.
    drop((sim, app));

    let restarted = default_sim();
    let (file, restored) = StateFile::open(&restarted, &path).await.expect("replay");
    assert_eq!(restored.inputs, 2, "the plan and the clock step");
    assert_eq!(restored.at_ms, 30_000);
    let app = router_with(
        restarted.clone(),
        AppOptions {
            state_file: Some(Arc::new(file)),
            ..Default::default()
        },
    );
    let after = call(&app, get("/_sim/state")).await.json();
    assert_eq!(
        after["clock"], before["clock"],
        "virtual time is where it was"
    );
    assert_eq!(plans(&after), plans(&before), "the plan is where it was");

    // And it goes on as the uninterrupted run does.
    let uninterrupted = default_sim();
    let u = router_with(uninterrupted, AppOptions::default());
    let plan = std::fs::read("fixtures/ota/create-graduated-plan.request.json").expect("fixture");
    call(&u, authed_bytes("POST", PLANS, plan)).await;
    call(
        &u,
        post_json("/_sim/clock/advance", &json!({"duration": "30s"})),
    )
    .await;
    for a in [&app, &u] {
        call(
            a,
            post_json("/_sim/clock/advance", &json!({"duration": "3m"})),
        )
        .await;
        call(a, post_json("/_sim/clock/run-until-idle", &json!({}))).await;
    }
    let finished = call(&app, get("/_sim/state")).await.json();
    let expected = call(&u, get("/_sim/state")).await.json();
    assert_ne!(plans(&finished), plans(&before), "the upgrade went on");
    assert_eq!(plans(&finished), plans(&expected));
    assert_eq!(finished["clock"], expected["clock"]);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn time_the_driver_moved_is_restored_from_the_last_clock_line() {
    let path = state_path("clock-line");
    let (sim, _app, file) = recording(&path).await;
    sim.replay_to(7 * 60_000, None).expect("move"); // as the real-time driver would
    file.checkpoint(&sim, 5 * 60_000);
    drop((sim, file));
    let restarted = default_sim();
    let (_, restored) = StateFile::open(&restarted, &path).await.expect("replay");
    assert_eq!(restored.at_ms, 7 * 60_000);
    assert_eq!(restarted.lock().core.now(), 7 * 60_000);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_state_file_of_another_run_is_refused_naming_both() {
    let path = state_path("other-run");
    let (sim, _app, _file) = recording(&path).await;
    drop(sim);
    let other = crate::support::sim_from("name: other\nseed: 9\n");
    let err = StateFile::open(&other, &path)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("written for another run") && err.contains("\"other\""),
        "{err}"
    );
    assert!(err.contains("--state-file"), "says what to do: {err}");
    let _ = std::fs::remove_file(&path);
}
