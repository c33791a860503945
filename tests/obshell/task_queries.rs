//! The six maintenance / unfinished DAG queries, with the real server's semantics (4.2.6 and
//! HEAD `executor/task/dag.go`, `service/task/dag.go`): `maintain/ob` and `ob/unfinish` read the
//! cluster task service (agent upgrades included); `maintain/agent`, `agent/unfinish` and
//! `maintain/agents` read the agent's local one, which never holds an upgrade; "unfinished"
//! is the `is_finished` flag.

use serde_json::{json, Value};
use upgrade_sim::Sim;

use super::{current_sim, legacy_with, start_agent_upgrade};
use crate::support::obshell::{dag_operator, v2};
use crate::support::{default_sim, send, Reply};

async fn query(sim: &Sim, path: &str) -> Reply {
    send(sim, v2("GET", &format!("{path}?show_details=True"), None)).await
}

/// The ids in a `{"contents":[…]}` answer.
async fn ids(sim: &Sim, path: &str) -> Vec<String> {
    let r = query(sim, path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    r.json()["data"]["contents"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: no contents: {}", r.text()))
        .iter()
        .map(|d| d["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn sims() -> [(&'static str, Sim); 2] {
    [("legacy", default_sim()), ("current", current_sim(""))]
}

#[tokio::test]
async fn with_no_dag_yet_the_cluster_and_the_agent_are_not_under_maintenance() {
    for (profile, sim) in sims() {
        let r = query(&sim, "/api/v1/task/dag/maintain/ob").await;
        let want = match profile {
            "legacy" => {
                json!({"code": 2300, "message": "Task not found: Cluster is not under maintenance"})
            }
            _ => {
                json!({"errCode": "Task.NotFound", "message": "Task not found: Cluster is not under maintenance"})
            }
        };
        assert_eq!(
            (r.status.as_u16(), r.json()["error"].clone()),
            (404, want),
            "{profile}"
        );
        let r = query(&sim, "/api/v1/task/dag/maintain/agent").await;
        assert_eq!(r.status, 404, "{profile}");
        assert_eq!(
            r.json()["error"]["message"],
            "Task not found: Agent is not under maintenance"
        );
        for path in [
            "/api/v1/task/dag/maintain/agents",
            "/api/v1/task/dag/unfinish",
            "/api/v1/task/dag/ob/unfinish",
            "/api/v1/task/dag/agent/unfinish",
        ] {
            assert_eq!(
                ids(&sim, path).await,
                Vec::<String>::new(),
                "{profile} {path}"
            );
        }
    }
}

#[tokio::test]
async fn a_running_agent_upgrade_is_a_cluster_dag_and_never_a_local_one() {
    for (profile, sim) in sims() {
        let created = send(
            &sim,
            v2(
                "POST",
                "/api/v1/agent/upgrade",
                Some(&json!({"version": "4.2.0.0", "release": "20240109191841.el7"})),
            ),
        )
        .await;
        assert_eq!(created.status, 200, "{profile}: {}", created.text());
        sim.advance(7_000).unwrap();
        let r = query(&sim, "/api/v1/task/dag/maintain/ob").await;
        assert_eq!(r.status, 200, "{profile}: {}", r.text());
        let d = r.json()["data"].clone();
        // One DAG object, not a list.
        assert_eq!(
            (d["id"].clone(), d["state"].clone()),
            (json!("12"), json!("RUNNING"))
        );
        assert!(d.get("contents").is_none());
        assert_eq!(ids(&sim, "/api/v1/task/dag/ob/unfinish").await, ["12"]);
        assert_eq!(ids(&sim, "/api/v1/task/dag/unfinish").await, ["12"]);
        assert_eq!(
            query(&sim, "/api/v1/task/dag/maintain/agent").await.status,
            404
        );
        assert!(ids(&sim, "/api/v1/task/dag/agent/unfinish")
            .await
            .is_empty());
        assert!(ids(&sim, "/api/v1/task/dag/maintain/agents")
            .await
            .is_empty());
        // Finished, it is no longer unfinished, but is still the last maintenance DAG.
        sim.run_until_idle().unwrap();
        assert!(ids(&sim, "/api/v1/task/dag/unfinish").await.is_empty());
        let d = query(&sim, "/api/v1/task/dag/maintain/ob").await.json()["data"].clone();
        assert_eq!(
            (d["id"].clone(), d["state"].clone()),
            (json!("12"), json!("SUCCEED"))
        );
    }
}

#[tokio::test]
async fn a_failed_check_is_finished_but_a_failed_upgrade_is_not() {
    let sim =
        legacy_with("\n  faults:\n    fail_nodes:\n      - {dag: any, stage: 1, attempts: []}");
    let check = send(
        &sim,
        v2(
            "POST",
            "/api/v1/agent/upgrade/check",
            Some(&json!({"version": "4.2.0.0", "release": "20240109191841.el7"})),
        ),
    )
    .await;
    assert_eq!(check.status, 200, "{}", check.text());
    sim.run_until_idle().unwrap();
    let check_id = check.json()["data"]["id"].as_str().unwrap().to_string();
    let d = query(&sim, &format!("/api/v1/task/dag/{check_id}"))
        .await
        .json()["data"]
        .clone();
    assert_eq!(d["state"], "FAILED");
    // A check DAG takes no lock: failed, it is finished, and not a maintenance DAG.
    assert!(ids(&sim, "/api/v1/task/dag/unfinish").await.is_empty());
    assert_eq!(
        query(&sim, "/api/v1/task/dag/maintain/ob").await.status,
        404
    );

    let up = start_agent_upgrade(&sim).await;
    sim.run_until_idle().unwrap();
    let up_id = up["id"].as_str().unwrap().to_string();
    // The failed upgrade keeps the lock, so it stays unfinished.
    assert_eq!(
        ids(&sim, "/api/v1/task/dag/ob/unfinish").await,
        std::slice::from_ref(&up_id)
    );
    let last: Value = query(&sim, "/api/v1/task/dag/maintain/ob").await.json()["data"].clone();
    assert_eq!(
        (last["id"].clone(), last["state"].clone()),
        (json!(up_id), json!("FAILED"))
    );
}

#[tokio::test]
async fn a_cancelled_upgrade_stays_unfinished_and_a_rolled_back_one_is_finished() {
    let sim = default_sim();
    start_agent_upgrade(&sim).await;
    sim.advance(3_000).unwrap();
    assert_eq!(send(&sim, dag_operator("CANCEL")).await.status, 200);
    sim.run_until_idle().unwrap();
    assert_eq!(ids(&sim, "/api/v1/task/dag/unfinish").await, ["12"]);
    let r = send(&sim, dag_operator("ROLLBACK")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(ids(&sim, "/api/v1/task/dag/unfinish").await, ["12"]);
    sim.run_until_idle().unwrap();
    assert!(ids(&sim, "/api/v1/task/dag/unfinish").await.is_empty());
}
