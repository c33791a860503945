//! Vendor refusals as a client sees them over a real socket: the OBShell agent resets
//! connections while "Restart obshell" restarts it (scenario `obshell.faults.restart_refusal`).

use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use upgrade_sim::server::{serve_on, Listeners};

use crate::support::{get, post_json, send, sim_from};

const SCENARIO: &str = "
name: restart-refusal
obshell:
  faults:
    restart_refusal: 60s
  packages:
    - {name: obshell, version: 4.2.0.0, release: 20240109191841.el7}
timeline:
  - {at: 0s, do: obshell.upgrade_agent, with: {version: 4.2.0.0, release: 20240109191841.el7}}
";

#[tokio::test]
async fn an_agent_restarting_during_an_upgrade_resets_connections_then_answers_again() {
    let sim = sim_from(SCENARIO);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (_stop, rx) = oneshot::channel::<()>();
    tokio::spawn(serve_on(
        sim.clone(),
        Listeners {
            http: Some(listener),
            ..Default::default()
        },
        async {
            let _ = rx.await;
        },
    ));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");

    // Before the restart stage the agent answers.
    let r = client
        .get(format!("{base}/api/v1/info"))
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 200);

    // Step a second at a time until the agent starts refusing.
    let mut refused_at = None;
    for second in 1..=600 {
        send(
            &sim,
            post_json("/_sim/clock/advance", &json!({"seconds": 1})),
        )
        .await;
        if client
            .get(format!("{base}/api/v1/info"))
            .send()
            .await
            .is_err()
        {
            refused_at = Some(second);
            break;
        }
    }
    let refused_at = refused_at.expect("the agent never refused a connection during the upgrade");

    // The refusal lasts the scenario's window, then the agent answers again.
    send(
        &sim,
        post_json("/_sim/clock/advance", &json!({"seconds": 61})),
    )
    .await;
    let r = client
        .get(format!("{base}/api/v1/info"))
        .send()
        .await
        .expect("answer after the restart");
    assert_eq!(
        r.status(),
        200,
        "refused from {refused_at}s, still refusing 61s later"
    );

    let j = send(&sim, get("/_sim/journal?kind=fault&vendor=obshell"))
        .await
        .json();
    let refusals = j["entries"]
        .as_array()
        .map(|es| es.iter().filter(|e| e["resource"] == "refusal").count())
        .unwrap_or_default();
    assert!(refusals >= 1, "each refusal is journalled: {j}");
}
