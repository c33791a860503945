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
