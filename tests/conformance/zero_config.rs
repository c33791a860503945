//! Zero configuration: against the simulator, credentials nobody gave come from the simulator
//! itself (`GET /_sim/credentials`, or its running scenario when the route is not there) and
//! the run says where they came from; against any other target, a run whose cases need a
//! value nobody gave stops before the first vendor request, naming the config key and the
//! environment variable.

use super::{run_at, serve_app, serve_sim, suite};
use axum::routing::get;
use upgrade_conformance::{runner, Credentials, Target};
use wiremock::MockServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_without_credentials_against_the_simulator_takes_them_from_it_and_says_so() {
    let url = serve_sim(super::super::support::default_sim_on_system_clock()).await;
    let target = Target::connect(&url, Credentials::default())
        .await
        .expect("connect");
    assert!(target.simulator);
    for v in ["obshell", "ota", "taurusdb", "unity"] {
        assert!(
            target.creds.missing(v).is_empty(),
            "{v}: {:?}",
            target.creds
        );
    }
    assert!(
        target
            .notes
            .iter()
            .any(|n| n.contains("from the simulator")),
        "{:?}",
        target.notes
    );
    let r = run_at(&url, Credentials::default(), &suite("ota"), None).await;
    let (passed, failed, _) = r.counts();
    assert!(passed > 0 && failed == 0, "{}", r.terminal(false));
    assert!(r.terminal(false).contains("note: credentials for"));
}

/// A simulator-like target serving `/_sim/health`, `/_sim/scenario` and, when `route`,
/// `/_sim/credentials`: the route and the scenario give different OTA tokens.
async fn fake_simulator(route: bool) -> String {
    let mut app = axum::Router::new()
        .route("/_sim/health", get(|| async { r#"{"status":"ready"}"# }))
        .route(
            "/_sim/scenario",
            get(|| async { "ota:\n  tokens:\n    - {token: from-scenario, user: admin}\n" }),
        );
    if route {
        app = app.route(
            "/_sim/credentials",
            get(|| async {
                axum::Json(serde_json::json!({"ota": {"token": "from-route"},
                    "unity": {"username": "admin", "password": "pw"}}))
            }),
        );
    }
    serve_app(app).await
}

#[tokio::test]
async fn the_credentials_route_is_read_first_and_the_scenario_only_without_it() {
    let with_route = Target::connect(&fake_simulator(true).await, Credentials::default())
        .await
        .expect("connect");
    assert_eq!(with_route.creds.ota.token.as_deref(), Some("from-route"));
    assert_eq!(with_route.creds.unity.password.as_deref(), Some("pw"));
    assert!(
        with_route.notes[0].contains("GET /_sim/credentials"),
        "{:?}",
        with_route.notes
    );
    let without = Target::connect(&fake_simulator(false).await, Credentials::default())
        .await
        .expect("connect");
    assert_eq!(without.creds.ota.token.as_deref(), Some("from-scenario"));
    assert!(
        without.notes[0].contains("GET /_sim/scenario"),
        "{:?}",
        without.notes
    );
    // A value the user gave is never replaced.
    let mut mine = Credentials::default();
    mine.ota.token = Some("mine".into());
    let t = Target::connect(&fake_simulator(true).await, mine)
        .await
        .expect("connect");
    assert_eq!(t.creds.ota.token.as_deref(), Some("mine"));
}

#[tokio::test]
async fn missing_credentials_elsewhere_stop_the_run_before_any_vendor_request() {
    let server = MockServer::start().await;
    let target = Target::connect(&server.uri(), Credentials::default())
        .await
        .expect("connect");
    assert!(!target.simulator);
    let cases = suite("ota");
    let chosen: Vec<_> = cases.iter().collect();
    let line = runner::missing_credentials(&chosen, &target.creds, target.simulator)
        .expect("the OTA suite needs a token");
    assert!(!line.contains('\n'), "one line: {line}");
    for want in [
        "ota",
        "credentials.ota.token",
        "UPGRADE_CONFORMANCE_OTA_TOKEN",
    ] {
        assert!(line.contains(want), "{want} not in: {line}");
    }
    let requests = server.received_requests().await.unwrap_or_default();
    let paths: Vec<String> = requests.iter().map(|r| r.url.path().to_string()).collect();
    assert_eq!(paths, vec!["/_sim/health"], "only the probe went out");
    // With the token given, nothing is missing.
    let mut creds = Credentials::default();
    creds.ota.token = Some("t".into());
    assert_eq!(runner::missing_credentials(&chosen, &creds, false), None);
}
