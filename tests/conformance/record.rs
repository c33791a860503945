//! `record`: a client's session through the recording proxy becomes a case file that replays
//! green against a fresh simulator, writes no secret, and fails when a proxy spoils a state.

use super::proxy::{start_proxy, Mutation};
use super::{failure, run_at, serve_sim, sim_credentials};
use serde_json::{json, Value};
use upgrade_conformance::record;

/// A running recorder: stop it to get what it recorded.
struct Recorder {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Vec<record::Exchange>>,
}

impl Recorder {
    async fn finish(self) -> Vec<record::Exchange> {
        let _ = self.stop.send(());
        self.task.await.expect("the recorder stopped")
    }
}

/// Starts the recording proxy in front of `upstream`; its URL and its handle.
async fn recorder(upstream: &str) -> (String, Recorder) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let proxy = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let up = upstream.to_string();
    let task = tokio::spawn(async move {
        record::serve(&up, listener, record::Options::default(), async {
            let _ = stopped.await;
        })
        .await
        .expect("recorder")
    });
    (proxy, Recorder { stop, task })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_ota_session_replays_green_and_fails_when_a_state_is_spoilt() {
    let sim = super::super::support::default_sim_on_system_clock();
    if !super::vendor_present(&sim, "ota") {
        return;
    }
    let upstream = serve_sim(sim).await;
    let (proxy, stop) = recorder(&upstream).await;

    // The user's own client: create a plan, poll it to completed (the clock stepped on the
    // simulator directly, as the SDK tests do), then ask for a plan that does not exist.
    let http = reqwest::Client::new();
    let plans = format!("{proxy}/api/v1/lifecycle/upgrade-plans");
    let created: Value = http
        .post(&plans)
        .bearer_auth("sim-token")
        .json(
            &json!({"name": "recorded", "fromVersion": "1.2.0", "toVersion": "1.3.0",
            "toRelease": "221", "agentIds": "item1,item2", "batchSize": 10}),
        )
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let id = created["id"].as_str().expect("plan id").to_string();
    for _ in 0..40 {
        let plan: Value = http
            .get(format!("{plans}/{id}"))
            .bearer_auth("sim-token")
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        if plan["status"] == "completed" {
            break;
        }
        http.post(format!("{upstream}/_sim/clock/advance"))
            .json(&json!({"seconds": 60}))
            .send()
            .await
            .expect("advance");
    }
    let missing = http
        .get(format!("{plans}/plan-nope"))
        .bearer_auth("sim-token")
        .send()
        .await
        .expect("get");
    assert_eq!(missing.status(), 404);
    let exchanges = stop.finish().await;
    assert!(exchanges.len() >= 4, "{exchanges:?}");

    let yaml = record::case::case_file(&exchanges, None, "recorded plan", &upstream);
    assert!(
        !yaml.contains("sim-token") && !yaml.contains("Bearer"),
        "{yaml}"
    );
    assert!(yaml.contains("vendor: ota"), "{yaml}");
    assert!(
        yaml.contains("${id}"),
        "the plan id is captured and reused:\n{yaml}"
    );
    assert!(
        yaml.contains("poll:"),
        "the repeated reads fold into a poll:\n{yaml}"
    );
    let cases = upgrade_conformance::script::parse(&yaml, std::path::Path::new("recorded.yaml"))
        .unwrap_or_else(|e| panic!("{e}\n{yaml}"));

    let fresh = serve_sim(super::super::support::default_sim_on_system_clock()).await;
    let r = run_at(&fresh, sim_credentials(), &cases, None).await;
    assert_eq!(r.counts(), (1, 0, 0), "{}\n{yaml}", r.terminal(true));

    let (spoilt, _) = start_proxy(&fresh, Mutation::CompletedBatchRunsAgain).await;
    let r = run_at(&spoilt, sim_credentials(), &cases, None).await;
    let f = failure(&r);
    assert!(f.contains("ota.batch") && f.contains("→ running"), "{f}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn obshell_v1_and_v2_pass_through_the_recorder_and_their_bodies_are_recorded_plain() {
    let sim = super::super::support::default_sim_on_system_clock();
    if !super::vendor_present(&sim, "obshell") {
        return;
    }
    let upstream = serve_sim(sim).await;
    let (proxy, stop) = recorder(&upstream).await;
    // The harness's own OBShell adapter is the client: it seals with the key the proxy hands
    // out, so every sealed request only passes if the proxy re-seals it for the agent.
    let cases = super::suite("obshell");
    let r = run_at(
        &proxy,
        sim_credentials(),
        &cases,
        Some("v2 hybrid encryption"),
    )
    .await;
    assert_eq!(r.counts().1, 0, "{}", r.terminal(false));
    let exchanges = stop.finish().await;
    let sealed: Vec<_> = exchanges
        .iter()
        .filter(|x| {
            x.method == "POST"
                && x.headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("x-ocs-header"))
        })
        .collect();
    assert!(!sealed.is_empty(), "a v2 request went through");
    for x in sealed {
        if !x.body.is_empty() {
            let v: Result<Value, _> = serde_json::from_slice(&x.body);
            assert!(
                v.is_ok(),
                "recorded plain: {}",
                String::from_utf8_lossy(&x.body)
            );
        }
    }
}
