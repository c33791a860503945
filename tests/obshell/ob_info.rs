//! `GET /api/v1/ob/info` (4.2.6 and HEAD `api/obcluster_handler.go` `obInfoHandler`,
//! `executor/ob/info.go`, `param/obcluster.go`): authenticated, every agent of the cluster and
//! the cluster's topology by zone, from the scenario.

use serde_json::json;

use super::{current_sim, legacy_with};
use crate::support::obshell::v2;
use crate::support::{default_sim, get, send};

#[tokio::test]
async fn ob_info_lists_every_agent_and_the_topology_by_zone_in_both_profiles() {
    for (profile, sim) in [("legacy", default_sim()), ("current", current_sim(""))] {
        let r = send(&sim, v2("GET", "/api/v1/ob/info", None)).await;
        assert_eq!(r.status, 200, "{profile}: {}", r.text());
        let d = r.json()["data"].clone();
        let agents = d["agent_info"].as_array().unwrap();
        assert_eq!(agents.len(), 3, "{profile}");
        assert_eq!(
            agents[1],
            json!({"ip": "10.0.0.2", "port": 2886, "zone": "zone2", "identity": "CLUSTER AGENT", "version": "4.2.0.0-20231130120000"})
        );
        let c = &d["obcluster_info"];
        assert_eq!(
            (c["id"].clone(), c["name"].clone(), c["version"].clone()),
            (json!(1), json!("obcluster"), json!("4.2.1.0"))
        );
        let zones: Vec<&String> = c["topology"].as_object().unwrap().keys().collect();
        assert_eq!(zones, ["zone1", "zone2", "zone3"]);
        assert_eq!(
            c["topology"]["zone1"][0],
            json!({"svr_ip": "10.0.0.1", "svr_port": 2882, "sql_port": 2881, "agent_port": 2886,
                   "with_rootserver": "YES", "status": "ACTIVE", "build_version": "4.2.1.0_100000102023092807"})
        );
        assert_eq!(c["topology"]["zone3"][0]["with_rootserver"], "NO");
        assert_eq!(c.get("is_shared_storage").is_some(), profile == "current");
    }
}

#[tokio::test]
async fn ob_info_needs_a_credential() {
    let r = send(&default_sim(), get("/api/v1/ob/info")).await;
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], 10008);
}

#[tokio::test]
async fn ob_info_follows_the_scenario_and_the_observers_health() {
    let sim = legacy_with("\n  faults:\n    observers_down: [zone2]");
    let d = send(&sim, v2("GET", "/api/v1/ob/info", None)).await.json()["data"].clone();
    assert_eq!(
        d["obcluster_info"]["topology"]["zone2"][0]["status"],
        "INACTIVE"
    );
    assert_eq!(
        d["obcluster_info"]["topology"]["zone1"][0]["status"],
        "ACTIVE"
    );
}

#[tokio::test]
async fn an_agent_header_needs_an_agent_password_set() {
    use crate::support::obshell::v2_header;
    let agent_req = |sim_pw: &str| {
        let (h, _) = v2_header(sim_pw, "1999999999", "/api/v1/ob/info", [7u8; 32], None);
        axum::http::Request::builder()
            .uri("/api/v1/ob/info")
            .header("X-OCS-Agent-Header", h)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let sim = default_sim();
    let info = send(&sim, get("/api/v1/info")).await.json();
    assert_eq!(info["data"]["security"], false);
    let r = send(&sim, agent_req("sim-password")).await;
    assert_eq!(
        (r.status.as_u16(), r.json()["error"]["message"].clone()),
        (401, json!("Verification failed: agent password is not initialized, use oceanbase password to verify"))
    );
    let sim = legacy_with("\n  agent_password: agent-secret");
    assert_eq!(
        send(&sim, get("/api/v1/info")).await.json()["data"]["security"],
        true
    );
    assert_eq!(send(&sim, agent_req("agent-secret")).await.status, 200);
    let r = send(&sim, agent_req("sim-password")).await;
    assert_eq!(
        r.json()["error"]["message"],
        "Verification failed: access denied: agent password is incorrect"
    );
}
