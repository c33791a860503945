//! Tests of the conformance harness: it must fail defective implementations, naming the step
//! (wiremock fakes, and a proxy that mutates a correct simulator's answers), its suites must
//! pass against the simulator, and random operation sequences against the simulator must
//! obey the harness's models (a proptest state machine, shrunk to the shortest failure).

mod diff;
mod fakes;
mod proxy;
mod record;
mod state_machine;
mod zero_config;

use std::sync::Arc;
use upgrade_conformance::{Case, CaseResult, Credentials, Options, Outcome, RunResult, Target};
use upgrade_sim::Sim;

/// Serves `sim` on a free loopback port; the server lives as long as the test's runtime.
pub async fn serve_sim(sim: Sim) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = upgrade_sim::serve(sim, listener, std::future::pending()).await;
    });
    format!("http://{addr}")
}

/// Serves `app` on a free loopback port for as long as the test's runtime lives.
pub async fn serve_app(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// The credentials of the default scenario (conformance/targets/simulator.yaml).
pub fn sim_credentials() -> Credentials {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/conformance/targets/simulator.yaml"
    );
    upgrade_conformance::TargetConfig::load(std::path::Path::new(path))
        .expect("targets/simulator.yaml")
        .credentials
}

/// Cases parsed from YAML text written in a test.
pub fn cases(yaml: &str) -> Vec<Case> {
    upgrade_conformance::script::parse(yaml, std::path::Path::new("tests/inline.yaml"))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The suite cases under conformance/suites/<dir>.
pub fn suite(dir: &str) -> Vec<Case> {
    let path = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/conformance/suites"))
        .join(dir);
    upgrade_conformance::load_paths(&[path]).unwrap_or_else(|e| panic!("{e:#}"))
}

/// Runs `cases` against `url`.
pub async fn run_at(
    url: &str,
    creds: Credentials,
    cases: &[Case],
    filter: Option<&str>,
) -> RunResult {
    let target = Target::connect(url, creds).await.expect("connect");
    let opts = Options {
        filter: filter.map(str::to_string),
        jobs: 1,
        ..Options::default()
    };
    upgrade_conformance::run(cases, Arc::new(target), &opts).await
}

/// The failure message of the one case of `r`, panicking if it passed.
pub fn failure(r: &RunResult) -> String {
    let c: &CaseResult = &r.cases[0];
    match &c.outcome {
        Outcome::Failed { message } => message.clone(),
        other => panic!(
            "expected the case to fail, got {other:?}\n{}",
            r.terminal(true)
        ),
    }
}

/// Whether the simulator's default scenario has the vendor (its branch merged).
pub fn vendor_present(sim: &Sim, vendor: &str) -> bool {
    let snap = sim.lock().snapshot();
    snap["vendors"][vendor]
        .as_object()
        .is_some_and(|o| !o.is_empty())
}
