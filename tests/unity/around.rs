//! What storops users read around an upgrade, beside the session itself: the storage
//! processors (whose health shows each SP's reboot), alerts, the system time, pools, licenses,
//! features, the management interface and the system's capacity; jobs whose tasks carry the
//! failure; the candidate's `prepare` and declared images; the full software version with its
//! build date; and login tokens that differ between instances.

use axum::http::StatusCode;
use serde_json::{json, Value};
use upgrade_sim::{Scenario, Sim, SimOptions, WallClock};

use crate::support::unity::*;
use crate::support::{default_sim, sim_from};

/// The entries of a collection query with `fields`, as `content` objects.
pub(super) async fn entries(sim: &Sim, type_name: &str, fields: &str) -> Vec<Value> {
    let r = uget(
        sim,
        &format!("/api/types/{type_name}/instances?compact=True&fields={fields}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{type_name}: {}", r.text());
    r.json()["entries"]
        .as_array()
        .map(|a| a.iter().map(|e| e["content"].clone()).collect())
        .unwrap_or_default()
}

/// SP id → its health value.
async fn sp_health(sim: &Sim) -> Vec<(String, u64)> {
    entries(sim, "storageProcessor", "id,name,health")
        .await
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["health"]["value"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

/// Steps the clock 30 s at a time until the session runs task `n` and answers (not 503).
pub(super) async fn advance_into_task(sim: &Sim, n: usize) {
    for _ in 0..400 {
        let r = uget(
            sim,
            &format!("/api/instances/softwareUpgradeSession/{SESSION}?compact=true&fields=tasks"),
        )
        .await;
        if r.status == StatusCode::OK && r.json()["content"]["tasks"][n]["status"] == 1 {
            return;
        }
        advance(sim, 30);
    }
    panic!("task {n} never ran");
}

#[tokio::test]
async fn storage_processors_show_the_scenario_health_and_each_reboot_during_an_upgrade() {
    let sim = default_sim();
    assert_eq!(
        sp_health(&sim).await,
        [("spa".to_string(), 5), ("spb".to_string(), 5)]
    );
    let spa = uget(
        &sim,
        "/api/instances/storageProcessor/spa?compact=True&fields=name,slotNumber,parentDpe,health",
    )
    .await;
    assert_eq!(
        spa.json()["content"],
        json!({"id": "spa", "name": "SP A", "slotNumber": 0, "parentDpe": {"id": "dpe"},
               "health": {"value": 5, "descriptionIds": ["ALRT_COMPONENT_OK"],
                          "descriptions": ["The component is operating normally. No action is required."]}})
    );
    assert_eq!(create(&sim, json!({})).await.status, StatusCode::CREATED);

    advance_into_task(&sim, 6).await; // Rebooting peer SP
    assert_eq!(
        sp_health(&sim).await,
        [("spa".to_string(), 5), ("spb".to_string(), 10)]
    );
    let spb = entries(&sim, "storageProcessor", "health,operationalStatus").await;
    assert_eq!(
        spb[1]["health"]["descriptionIds"],
        json!(["ALRT_SP_REBOOTING"])
    );
    assert!(spb[1]["health"]["descriptions"][0]
        .as_str()
        .is_some_and(|d| d.contains("SP B is rebooting")));
    let mgmt = entries(&sim, "mgmtInterface", "ethernetPort").await;
    assert_eq!(mgmt[0]["ethernetPort"], json!({"id": "spa_mgmt"}));

    advance_into_task(&sim, 9).await; // Rebooting the primary SP, once the outage is over
    assert_eq!(
        sp_health(&sim).await,
        [("spa".to_string(), 10), ("spb".to_string(), 5)]
    );
    let mgmt = entries(&sim, "mgmtInterface", "ethernetPort").await;
    assert_eq!(
        mgmt[0]["ethernetPort"],
        json!({"id": "spb_mgmt"}),
        "the management address is on SP B while SP A reboots"
    );

    sim.run_until_idle().unwrap();
    assert_eq!(
        sp_health(&sim).await,
        [("spa".to_string(), 5), ("spb".to_string(), 5)]
    );
}

#[tokio::test]
async fn an_unhealthy_sp_shows_in_its_health_and_in_one_alert() {
    let sim =
        sim_from("unity:\n  array:\n    components: {spa: OK, spb: DEGRADED, pool_1: MAJOR}\n");
    assert_eq!(
        sp_health(&sim).await,
        [("spa".to_string(), 5), ("spb".to_string(), 10)]
    );
    let alerts = entries(
        &sim,
        "alert",
        "severity,component,message,timestamp,isAcknowledged",
    )
    .await;
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert_eq!(
        alerts[0]["component"],
        json!({"id": "spb", "resource": "storageProcessor"})
    );
    assert_eq!(alerts[0]["severity"], 4, "DEGRADED is a warning");
    assert!(alerts[0]["message"]
        .as_str()
        .unwrap()
        .contains("spb is DEGRADED"));
    assert_eq!(alerts[0]["timestamp"], "2026-01-01T00:00:00.000Z");
    assert_eq!(
        alerts[1]["component"],
        json!({"id": "pool_1", "resource": "pool"})
    );
    assert_eq!(alerts[1]["severity"], 3, "MAJOR is an error");
    let pools = entries(&sim, "pool", "name,health,sizeTotal,sizeFree").await;
    assert_eq!(pools[0]["name"], "pool_1");
    assert_eq!(pools[0]["health"]["value"], 20);
}

#[tokio::test]
async fn a_failed_session_raises_an_alert_with_the_task_and_the_reason() {
    let sim = sim_from("unity:\n  faults:\n    fail_task: [{task: 2, at_percent: 10}]\n");
    assert!(entries(&sim, "alert", "id").await.is_empty());
    create(&sim, json!({})).await;
    sim.run_until_idle().unwrap();
    let alerts = entries(&sim, "alert", "severity,component,message").await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["id"], "alert_1");
    assert_eq!(alerts[0]["severity"], 3);
    assert_eq!(
        alerts[0]["component"],
        json!({"id": SESSION, "resource": "upgradeSession"})
    );
    let message = alerts[0]["message"].as_str().unwrap();
    assert!(message.contains("Preparing system software"), "{message}");
    assert!(message.contains("Resume the upgrade"), "{message}");
}

#[tokio::test]
async fn system_time_follows_the_virtual_clock() {
    let sim = default_sim();
    let time = |v: Vec<Value>| v[0]["time"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        time(entries(&sim, "systemTime", "time").await),
        "2026-01-01T00:00:00.000Z"
    );
    advance(&sim, 90);
    let r = uget(&sim, "/api/instances/systemTime/0?compact=True&fields=time").await;
    assert_eq!(r.json()["content"]["time"], "2026-01-01T00:01:30.000Z");
}

#[tokio::test]
async fn capacity_licenses_and_features_are_listed() {
    let sim =
        sim_from("unity:\n  array:\n    components: {spa: OK, spb: OK, pool_1: OK, pool_2: OK}\n");
    let pools = entries(&sim, "pool", "sizeTotal,sizeUsed").await;
    assert_eq!(pools.len(), 2);
    let cap = entries(&sim, "systemCapacity", "sizeTotal,sizeUsed,sizeFree").await;
    let total: u64 = pools.iter().filter_map(|p| p["sizeTotal"].as_u64()).sum();
    assert_eq!(cap[0]["sizeTotal"].as_u64(), Some(total));
    assert_eq!(
        cap[0]["sizeFree"].as_u64().unwrap() + cap[0]["sizeUsed"].as_u64().unwrap(),
        total
    );
    let licenses = entries(&sim, "license", "name,isValid,feature").await;
    assert!(licenses
        .iter()
        .any(|l| l["name"] == "BASE_OE_V4_0" && l["isValid"] == true));
    let features = entries(&sim, "feature", "name,state,license").await;
    assert_eq!(features.len(), licenses.len());
    assert!(features.iter().all(|f| f["state"] == 2));
}

#[tokio::test]
async fn a_failed_job_task_carries_the_error_as_messages_and_a_completed_one_none() {
    let sim = sim_from("unity:\n  faults:\n    fail_task: [{task: 2, at_percent: 10}]\n");
    create(&sim, json!({})).await;
    sim.run_until_idle().unwrap();
    let resume = format!("/api/instances/softwareUpgradeSession/{SESSION}/action/resume?timeout=0");
    let ok = upost(&sim, &resume, None).await.json()["id"].clone();
    let refused = upost(&sim, &resume, None).await.json()["id"].clone();
    advance(&sim, 5);
    let job = |id: Value| {
        let sim = sim.clone();
        async move {
            let id = id.as_str().unwrap_or_default().to_string();
            uget(
                &sim,
                &format!("/api/instances/job/{id}?compact=true&fields=state,tasks"),
            )
            .await
            .json()["content"]
                .clone()
        }
    };
    let done = job(ok).await;
    assert_eq!(done["state"], 4);
    assert_eq!(done["tasks"][0]["messages"], json!([]));
    assert_eq!(done["tasks"][0]["state"], 2);
    let failed = job(refused).await;
    assert_eq!(failed["state"], 5);
    let task = &failed["tasks"][0];
    assert_eq!(task["state"], 3);
    assert_eq!(task["object"], "softwareUpgradeSession");
    assert_eq!(task["action"], "resume");
    assert_eq!(task["messages"][0]["errorCode"], 0x7d1300c);
    let text = task["messages"][0]["messages"][0].clone();
    assert_eq!(text["locale"], "en_US");
    assert!(
        text["message"]
            .as_str()
            .unwrap()
            .contains("Upgrade_In_Progress"),
        "{text}"
    );
}

const IMAGES: &str = "unity:\n  candidate: null\n  images:\n    - {file: Unity-5.4.0.0.5.007.tgz.bin.gpg, version: 5.4.0, build: 7, release_date: 2024-02-01T08:30:00Z}\n    - {file: hotfix.bin, version: 5.3.1, build: 42, release_date: 2023-09-09T09:09:09Z}\n";

#[tokio::test]
async fn prepare_makes_the_candidate_from_a_declared_image() {
    let sim = sim_from(IMAGES);
    let r = upost(
        &sim,
        "/api/types/candidateSoftwareVersion/action/prepare?compact=True",
        Some(json!({"filename": "Unity-5.4.0.0.5.007.tgz.bin.gpg"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["content"]["id"], "candidate_1");
    let c = entries(
        &sim,
        "candidateSoftwareVersion",
        "version,revision,releaseDate,fullVersion",
    )
    .await;
    assert_eq!(
        c[0],
        json!({"id": "candidate_1", "version": "5.4.0", "revision": 7,
               "releaseDate": "2024-02-01T08:30:00.000Z", "fullVersion": "5.4.0.0.5.007"})
    );
}

#[tokio::test]
async fn prepare_of_an_unknown_image_or_without_a_filename_is_refused() {
    let sim = sim_from(IMAGES);
    let path = "/api/types/candidateSoftwareVersion/action/prepare";
    let r = upost(
        &sim,
        path,
        Some(json!({"filename": "Unity-9.9.9.0.5.001.tgz.bin.gpg"})),
    )
    .await;
    assert_unity_error(&r, 422, 0x6101006);
    assert!(
        r.text().contains("hotfix.bin"),
        "names the images there are: {}",
        r.text()
    );
    assert_unity_error(&upost(&sim, path, None).await, 422, 0x7d13035);
    assert_unity_error(
        &upost(&sim, path, Some(json!({"filename": 5}))).await,
        422,
        0x7d13035,
    );
    assert!(entries(&sim, "candidateSoftwareVersion", "id")
        .await
        .is_empty());
}

#[tokio::test]
async fn an_uploaded_declared_image_has_the_declared_identity_whatever_its_name() {
    let sim = sim_from(IMAGES);
    advance(&sim, 3600);
    assert_eq!(
        upload(&sim, "/home/me/hotfix.bin").await.status,
        StatusCode::OK
    );
    let c = entries(
        &sim,
        "candidateSoftwareVersion",
        "version,revision,releaseDate",
    )
    .await;
    assert_eq!(c[0]["version"], "5.3.1");
    assert_eq!(c[0]["revision"], 42);
    assert_eq!(
        c[0]["releaseDate"], "2023-09-09T09:09:09.000Z",
        "not the upload time"
    );
}

#[tokio::test]
async fn software_full_version_carries_the_build_date_before_and_after_an_upgrade() {
    let sim = default_sim();
    let info = || async {
        uget(
            &sim,
            "/api/instances/basicSystemInfo/0?compact=True&fields=softwareFullVersion",
        )
        .await
        .json()["content"]["softwareFullVersion"]
            .clone()
    };
    assert_eq!(
        info().await,
        "Unity 5.2.0.0 (Release, Build 173, 2022-06-24 10:14:36, 5.2.0.0.5.173)"
    );
    let installed = entries(&sim, "installedSoftwareVersion", "releaseDate").await;
    assert_eq!(installed[0]["releaseDate"], "2022-06-24T10:14:36.000Z");
    create(&sim, json!({})).await;
    sim.run_until_idle().unwrap();
    assert_eq!(
        info().await,
        "Unity 5.3.0.0 (Release, Build 120, 2023-03-18 19:02:01, 5.3.0.0.5.120)"
    );
}

fn sim_started_at(at: &str) -> Sim {
    let scenario = Scenario::parse(upgrade_sim::scenario::DEFAULT_SCENARIO, "default").unwrap();
    let wall = WallClock::fixed(chrono::DateTime::parse_from_rfc3339(at).unwrap().to_utc());
    Sim::new(
        scenario,
        SimOptions {
            speed: 0.0,
            seed: None,
            wall,
        },
    )
    .unwrap()
}

#[tokio::test]
async fn each_instance_hands_out_its_own_csrf_token_and_cookie_and_a_replay_the_same() {
    let first = sim_started_at("2026-01-01T00:00:00Z");
    let second = sim_started_at("2026-01-01T00:00:01Z");
    let replay = sim_started_at("2026-01-01T00:00:00Z");
    let login = |sim: Sim| async move {
        let r = uget(&sim, "/api/types/user/instances").await;
        let header = |n: &str| r.headers[n].to_str().unwrap_or_default().to_string();
        (header("emc-csrf-token"), header("set-cookie"))
    };
    let (a, b, c) = (
        login(first.clone()).await,
        login(second).await,
        login(replay).await,
    );
    assert_ne!(a.0, b.0, "two instances, two tokens");
    assert_ne!(a.1, b.1, "two instances, two cookies");
    assert_eq!(
        a, c,
        "the same seed and start give the same token and cookie"
    );
    let req = axum::http::Request::get("/_sim/journal?vendor=unity&limit=1000")
        .body(axum::body::Body::empty())
        .unwrap();
    let text = crate::support::send(&first, req).await.text();
    assert!(
        text.contains("\"started\":\"2026-01-01T00:00:00.000000Z\""),
        "the login's journal entry says what seeded it: {text}"
    );
}
