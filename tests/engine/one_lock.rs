//! One lock per request (issue 10): a vendor request is stamped, authenticated, executed,
//! rendered and journalled under a single acquisition of the world, whatever the vendor, and
//! whether it succeeds, fails auth, hits an injected fault or matches no route.

use axum::body::Body;
use axum::http::{Method, Request};
use upgrade_sim::Sim;

use crate::support::{default_sim, get, obshell, ota, send, sim_from, taurusdb, unity};

async fn acquisitions_for(sim: &Sim, req: Request<Body>) -> (u16, u64) {
    let before = sim.acquisitions();
    let r = send(sim, req).await;
    (r.status.as_u16(), sim.acquisitions() - before)
}

#[tokio::test]
async fn every_vendor_request_locks_the_world_once() {
    let sim = default_sim();
    let cases: Vec<(&str, Request<Body>)> = vec![
        ("obshell status", get("/api/v1/status")),
        ("obshell v1 info", obshell::v1("GET", "/api/v1/info", None)),
        (
            "obshell unauthenticated",
            get("/api/v1/task/dag/maintain/ob"),
        ),
        ("obshell unknown route", get("/api/v1/nowhere")),
        ("ota list", ota::authed("GET", ota::PLANS, None)),
        ("ota bad token", get(ota::PLANS)),
        (
            "ota unrouted method",
            ota::authed("DELETE", ota::PLANS, None),
        ),
        (
            "taurusdb token",
            taurusdb::token_req("GET", "/v3/054e292c9880d4992f02c0196d3ea468/instances", ""),
        ),
        ("taurusdb unknown", get("/v3/x/nowhere")),
        (
            "unity session",
            unity::unity(Method::GET, "/api/types/softwareUpgradeSession/instances")
                .body(Body::empty())
                .unwrap_or_default(),
        ),
        ("unity unauthenticated", get("/api/types/system/instances")),
        ("no vendor", get("/nowhere")),
    ];
    for (name, req) in cases {
        let (status, locks) = acquisitions_for(&sim, req).await;
        assert_eq!(
            locks, 1,
            "{name} (status {status}) locked the world {locks} times"
        );
    }
}

#[tokio::test]
async fn a_request_stopped_by_an_injected_fault_locks_the_world_once() {
    let sim = sim_from(
        "name: f\nhttp_faults:\n  - route: GET /api/v1/status\n    error: {status: 503}\n  \
         - route: GET /api/v1/info\n    latency: {fixed: 1ms}\n",
    );
    assert_eq!(
        acquisitions_for(&sim, get("/api/v1/status")).await,
        (503, 1)
    );
    assert_eq!(acquisitions_for(&sim, get("/api/v1/info")).await, (200, 1));
}
