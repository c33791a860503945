//! What more than one bench binary needs (a folder, so cargo does not take it for a bench).

use upgrade_sim::{Scenario, Sim, SimOptions};

/// The default scenario with the agent offering v1 auth beside v2 (its default, 4.2.6's, is
/// v2 only): the OBShell benches seal their headers the v1 way.
#[allow(dead_code)] // not every bench binary that includes this module calls it
pub fn obshell_v1_sim() -> Sim {
    let text = upgrade_sim::scenario::DEFAULT_SCENARIO.replace(
        "\n  version_profile: legacy\n",
        "\n  version_profile: legacy\n  auth: [v1, v2]\n",
    );
    assert!(
        text.contains("auth: [v1, v2]"),
        "the default scenario changed"
    );
    let scenario = Scenario::parse(&text, "bench").expect("bench scenario");
    Sim::new(scenario, SimOptions::default()).expect("sim")
}

/// Sends `req` to the app and reads the whole answer: status, headers, body.
#[allow(dead_code)] // not every bench binary that includes this module calls it
pub async fn call(
    app: &upgrade_sim::http::App,
    req: axum::http::Request<axum::body::Body>,
) -> (u16, axum::http::HeaderMap, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let resp = app
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    (status, headers, body)
}
