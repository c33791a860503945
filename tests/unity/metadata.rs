//! Type metadata and instance content agree: for every type served, every attribute that
//! `GET /api/types/<type>` advertises (storops asks for exactly those with `fields=`) is
//! rendered by some instance, or is in the one list of deliberate gaps (`NOT_RENDERED`).

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{json, Value};
use upgrade_sim::vendors::unity::types::{NOT_RENDERED, TYPES};

use crate::support::sim_from;
use crate::support::unity::*;

/// What `GET /api/types/<t>` advertises, by name.
async fn advertised(sim: &upgrade_sim::Sim, t: &str) -> Vec<String> {
    let r = uget(sim, &format!("/api/types/{t}?compact=True")).await;
    assert_eq!(r.status, StatusCode::OK, "{t}: {}", r.text());
    r.json()["content"]["attributes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn keys(objects: &[Value]) -> BTreeSet<String> {
    objects
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|o| o.keys().cloned())
        .collect()
}

fn missing(t: &str, names: &[String], rendered: &BTreeSet<String>) -> Vec<String> {
    names
        .iter()
        .filter(|n| !rendered.contains(*n))
        .filter(|n| !NOT_RENDERED.iter().any(|(ty, a, _)| *ty == t && a == n))
        .map(|n| format!("{t}.{n}"))
        .collect()
}

#[tokio::test]
async fn every_advertised_attribute_of_every_type_is_rendered_or_listed_as_absent() {
    // A world with one of everything: a failed session (its message, an alert), an
    // asynchronous job that has finished, the candidate, a pool, the caller's login, and an
    // expired license (its `expires`, its feature's `reason`).
    let sim = sim_from(
        "unity:\n  array:\n    licenses: [NFS, {name: CIFS, expires: 2025-06-01T00:00:00Z}]\n  faults:\n    fail_task: [{task: 2, at_percent: 10}]\n",
    );
    create(&sim, json!({})).await;
    sim.run_until_idle().unwrap();
    let job = upost(
        &sim,
        &format!("/api/instances/softwareUpgradeSession/{SESSION}/action/resume?timeout=0"),
        None,
    )
    .await;
    assert_eq!(job.status, StatusCode::ACCEPTED);
    advance(&sim, 60);

    let mut gaps = Vec::new();
    let mut walked = 0;
    for t in TYPES.iter().filter(|t| t.has_instances) {
        let names = advertised(&sim, t.name).await;
        assert!(!names.is_empty(), "{} advertises no attributes", t.name);
        let r = uget(
            &sim,
            &format!(
                "/api/types/{}/instances?compact=True&fields={}",
                t.name,
                names.join(",")
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.name, r.text());
        let entries: Vec<Value> = r.json()["entries"]
            .as_array()
            .map(|a| a.iter().map(|e| e["content"].clone()).collect())
            .unwrap_or_default();
        assert!(!entries.is_empty(), "{} has no instance to check", t.name);
        gaps.extend(missing(t.name, &names, &keys(&entries)));
        walked += 1;
    }
    // The embedded types, inside the session.
    let s = session(&sim).await;
    for (t, objects) in [
        ("upgradeTask", &s["tasks"]),
        ("upgradeMessage", &s["messages"]),
    ] {
        let objects = objects.as_array().cloned().unwrap_or_default();
        assert!(!objects.is_empty(), "the session has no {t}");
        gaps.extend(missing(t, &advertised(&sim, t).await, &keys(&objects)));
        walked += 1;
    }
    assert_eq!(walked, TYPES.len(), "every type served was walked");
    assert!(gaps.is_empty(), "advertised but never rendered: {gaps:?}");
    // And the list of gaps names only attributes that are advertised.
    for (t, a, why) in NOT_RENDERED {
        assert!(
            advertised(&sim, t).await.iter().any(|n| n == a),
            "NOT_RENDERED lists {t}.{a} ({why}), which is not advertised"
        );
    }
}

#[tokio::test]
async fn the_types_storops_reads_around_an_upgrade_are_all_served() {
    let sim = sim_from("unity: {}\n");
    for t in [
        "storageProcessor",
        "alert",
        "systemTime",
        "pool",
        "license",
        "feature",
        "mgmtInterface",
        "systemCapacity",
        "dpe",
        "ethernetPort",
    ] {
        assert!(!advertised(&sim, t).await.is_empty(), "{t}");
    }
}
