//! A proxy in front of a correct target (the simulator) that spoils its answers one way at a
//! time: a wrong status, a missing field, a wrong type, an illegal transition, a progress
//! value going backwards, a wrong error code. The vendor suites must fail under every
//! mutation, naming the step; without a mutation they must pass. The counts are printed.

use super::{run_at, serve_app, serve_sim, sim_credentials, suite, vendor_present};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mutation {
    None,
    WrongStatus,
    MissingField,
    WrongType,
    IllegalTransition,
    ProgressBackwards,
    WrongErrorCode,
    /// From the second answer on in which an OTA plan reads completed, its first batch reads
    /// running again.
    CompletedBatchRunsAgain,
    /// From the second answer on in which a TaurusDB job reads Completed, it reads Running.
    CompletedJobRunsAgain,
    /// From the second answer on in which a Unity async job reads 4 (Completed), it reads 2
    /// (Running).
    CompletedUnityJobRunsAgain,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    mutation: Mutation,
    client: reqwest::Client,
    seen: Arc<Mutex<u32>>,
    /// Per request path, the answers seen in a final state.
    finals: Arc<Mutex<HashMap<String, u32>>>,
    applied: Arc<Mutex<u32>>,
}

/// Counts one more final answer at `path`; whether an earlier one was seen.
fn seen_final_before(finals: &Mutex<HashMap<String, u32>>, path: &str) -> bool {
    let mut f = finals.lock().expect("lock");
    let n = f.entry(path.to_string()).or_default();
    *n += 1;
    *n > 1
}

/// The terminal-state mutations: a resource that read final once reads unfinished again.
fn reopen(m: Mutation, path: &str, body: &mut Value, finals: &Mutex<HashMap<String, u32>>) -> bool {
    let (state, field, was, now) = match m {
        Mutation::CompletedBatchRunsAgain => {
            ("/status", "/batches/0/status", "completed", "running")
        }
        Mutation::CompletedJobRunsAgain => ("/job/status", "/job/status", "Completed", "Running"),
        Mutation::CompletedUnityJobRunsAgain => ("/content/state", "/content/state", "4", "2"),
        _ => return false,
    };
    let read = body
        .pointer(state)
        .map(|v| v.as_str().map_or(v.to_string(), str::to_string));
    if read.as_deref() != Some(was) || !seen_final_before(finals, path) {
        return false;
    }
    match body.pointer_mut(field) {
        Some(v) => {
            *v = if v.is_number() {
                serde_json::from_str(now).unwrap_or(Value::Null)
            } else {
                Value::from(now)
            };
            true
        }
        None => false,
    }
}

/// Spoils one answer; true when it changed something.
fn mutate(m: Mutation, status: &mut u16, body: &mut Value, seen: &mut u32) -> bool {
    match m {
        Mutation::None
        | Mutation::CompletedBatchRunsAgain
        | Mutation::CompletedJobRunsAgain
        | Mutation::CompletedUnityJobRunsAgain => false,
        Mutation::WrongStatus => match *status {
            200 if body.get("resp").is_some() || body.pointer("/content/messages").is_some() => {
                *status = 202;
                true
            }
            201 => {
                *status = 200;
                true
            }
            _ => false,
        },
        Mutation::MissingField => {
            let mut hit = false;
            for (parent, key) in [
                ("/job", "status"),
                ("/instance", "status"),
                ("/content", "status"),
                ("", "resp"),
            ] {
                let target = if parent.is_empty() {
                    Some(&mut *body)
                } else {
                    body.pointer_mut(parent)
                };
                if let Some(Value::Object(o)) = target {
                    hit |= o.remove(key).is_some();
                }
            }
            hit
        }
        Mutation::WrongType => {
            let mut hit = false;
            for p in [
                "/resp",
                "/content/status",
                "/instance/node_count",
                "/job/status",
            ] {
                if let Some(v) = body.pointer_mut(p) {
                    *v = match v {
                        Value::String(_) => Value::Bool(true),
                        Value::Number(n) => Value::String(n.to_string()),
                        _ => continue,
                    };
                    hit = true;
                }
            }
            hit
        }
        Mutation::IllegalTransition => {
            let mut hit = false;
            if let Some(v) = body.pointer_mut("/job/status") {
                if v == "Completed" {
                    *v = Value::from("Pending");
                    hit = true;
                }
            }
            if let Some(v) = body.pointer_mut("/content/status") {
                if v == 2 {
                    *v = Value::from(0);
                    hit = true;
                }
            }
            hit
        }
        Mutation::ProgressBackwards => {
            let Some(v) = body.pointer_mut("/content/percentComplete") else {
                return false;
            };
            let Some(n) = v.as_u64() else { return false };
            *seen += 1;
            if n >= 20 && (*seen).is_multiple_of(3) {
                *v = Value::from(n - 15);
                return true;
            }
            false
        }
        Mutation::WrongErrorCode => {
            let mut hit = false;
            if let Some(v) = body.pointer_mut("/error_code") {
                *v = Value::from("DBS.999999");
                hit = true;
            }
            if let Some(v) = body.pointer_mut("/error/errorCode") {
                if let Some(n) = v.as_u64() {
                    *v = Value::from(n + 1);
                    hit = true;
                }
            }
            hit
        }
    }
}

async fn forward(
    State(p): State<Proxy>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    let mut req = p.client.request(method, format!("{}{target}", p.upstream));
    for (k, v) in &headers {
        if k != "content-length" {
            req = req.header(k, v);
        }
    }
    let upstream = match req.body(body).send().await {
        Ok(r) => r,
        Err(e) => {
            return Response::builder()
                .status(502)
                .body(Body::from(e.to_string()))
                .unwrap_or_default()
        }
    };
    let mut status = upstream.status().as_u16();
    let resp_headers = upstream.headers().clone();
    let bytes = upstream.bytes().await.unwrap_or_default();
    let mut out_body = bytes.to_vec();
    if !target.starts_with("/_sim") {
        if let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) {
            let changed = {
                let mut seen = p.seen.lock().expect("lock");
                mutate(p.mutation, &mut status, &mut v, &mut seen)
            } || reopen(p.mutation, uri.path(), &mut v, &p.finals);
            if changed {
                *p.applied.lock().expect("lock") += 1;
                out_body = serde_json::to_vec(&v).unwrap_or_default();
            }
        }
    }
    let mut b = Response::builder().status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
    for (k, v) in &resp_headers {
        if k != "content-length" && k != "transfer-encoding" {
            b = b.header(k, v);
        }
    }
    b.body(Body::from(out_body)).unwrap_or_default()
}

/// Starts a proxy to `upstream` with `mutation`; returns its URL and the applied counter.
pub(super) async fn start_proxy(upstream: &str, mutation: Mutation) -> (String, Arc<Mutex<u32>>) {
    let applied = Arc::new(Mutex::new(0));
    let state = Proxy {
        upstream: upstream.to_string(),
        mutation,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        seen: Arc::new(Mutex::new(0)),
        finals: Arc::new(Mutex::new(HashMap::new())),
        applied: applied.clone(),
    };
    let app = axum::Router::new().fallback(forward).with_state(state);
    (serve_app(app).await, applied)
}

/// Which suites and cases each mutation runs against (kept small: every run steps through
/// whole upgrades).
fn plan_for(m: Mutation) -> (&'static str, Option<&'static str>) {
    match m {
        Mutation::ProgressBackwards => ("unity", Some("create with pauseBeforeReboot")),
        Mutation::IllegalTransition => ("taurusdb", Some("batch-upgrade")),
        _ => ("taurusdb", None),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutation_of_a_correct_target_is_caught_naming_the_step() {
    // The upstream per vendor: the simulator in-process, or a running one named by
    // UPGRADE_CONFORMANCE_UPSTREAM_<VENDOR> (to try the mutations against another build).
    let sim = super::super::support::default_sim_on_system_clock();
    let local = serve_sim(sim.clone()).await;
    let upstream = |vendor: &str| -> Option<String> {
        std::env::var(format!(
            "UPGRADE_CONFORMANCE_UPSTREAM_{}",
            vendor.to_ascii_uppercase()
        ))
        .ok()
        .or_else(|| vendor_present(&sim, vendor).then(|| local.clone()))
    };
    let creds = sim_credentials();
    let mutations = [
        Mutation::WrongStatus,
        Mutation::MissingField,
        Mutation::WrongType,
        Mutation::IllegalTransition,
        Mutation::ProgressBackwards,
        Mutation::WrongErrorCode,
    ];
    let (mut tried, mut caught) = (0, 0);
    let mut report = Vec::new();
    for m in mutations {
        let (dir, filter) = plan_for(m);
        let Some(upstream) = upstream(dir) else {
            report.push(format!("{m:?}: not tried, {dir} is not in this build"));
            continue;
        };
        tried += 1;
        let cases = suite(dir);
        // A clean pass first, through the same proxy without the mutation.
        let (clean, _) = start_proxy(&upstream, Mutation::None).await;
        let r = run_at(&clean, creds.clone(), &cases, filter).await;
        assert_eq!(
            r.counts().1,
            0,
            "{dir} must pass unmutated:\n{}",
            r.terminal(false)
        );
        let (url, applied) = start_proxy(&upstream, m).await;
        let r = run_at(&url, creds.clone(), &cases, filter).await;
        let failures: Vec<String> = r
            .cases
            .iter()
            .filter_map(|c| match &c.outcome {
                upgrade_conformance::Outcome::Failed { message } => Some(message.clone()),
                _ => None,
            })
            .collect();
        let n = *applied.lock().expect("lock");
        assert!(n > 0, "{m:?} never applied: the test exercises nothing");
        for f in &failures {
            assert!(
                f.starts_with("step "),
                "{m:?}: a failure must name the step: {f}"
            );
        }
        if !failures.is_empty() {
            caught += 1;
        }
        report.push(format!(
            "{m:?}: applied to {n} answers, {} of {} cases failed; first: {}",
            failures.len(),
            r.cases.len(),
            failures
                .first()
                .cloned()
                .unwrap_or_else(|| "NOT CAUGHT".into())
        ));
    }
    println!("mutations caught: {caught}/{tried}");
    for line in &report {
        println!("  {line}");
    }
    assert_eq!(caught, tried, "{}", report.join("\n"));
}

/// Runs `filter` of suite `dir` through a proxy applying `m`, after a clean pass through one
/// that applies nothing; the failure message of the one failing case.
async fn caught(m: Mutation, dir: &str, filter: &str) -> String {
    let sim = super::super::support::default_sim_on_system_clock();
    if !vendor_present(&sim, dir) {
        return format!("{dir} not in this build");
    }
    let upstream = serve_sim(sim).await;
    let cases = suite(dir);
    let (clean, _) = start_proxy(&upstream, Mutation::None).await;
    let r = run_at(&clean, sim_credentials(), &cases, Some(filter)).await;
    assert_eq!(r.counts(), (1, 0, 0), "{}", r.terminal(false));
    let (url, applied) = start_proxy(&upstream, m).await;
    let r = run_at(&url, sim_credentials(), &cases, Some(filter)).await;
    assert!(*applied.lock().expect("lock") > 0, "{m:?} never applied");
    super::failure(&r)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_plans_batch_that_reads_running_on_a_later_get_is_caught() {
    let f = caught(
        Mutation::CompletedBatchRunsAgain,
        "ota",
        "several batches run in order",
    )
    .await;
    assert!(
        f.contains("re-read of step 2") && f.contains("ota.batch") && f.contains("completed"),
        "{f}"
    );
    assert!(f.contains("→ running"), "{f}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_taurusdb_job_that_reads_running_on_a_later_get_is_caught() {
    let f = caught(
        Mutation::CompletedJobRunsAgain,
        "taurusdb",
        "the doc's example request, verbatim",
    )
    .await;
    assert!(
        f.contains("re-read of step") && f.contains("taurusdb.job") && f.contains("Completed"),
        "{f}"
    );
    assert!(f.contains("→ Running"), "{f}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_unity_job_that_reads_running_on_a_later_get_is_caught() {
    let f = caught(
        Mutation::CompletedUnityJobRunsAgain,
        "unity",
        "async actions answer 202 with a job",
    )
    .await;
    assert!(
        f.contains("re-read of step 2") && f.contains("unity.job") && f.contains("→ 2"),
        "{f}"
    );
}
