//! The vendor's picture for `/_sim/state`: profile, versions, the maintenance lock, zones and
//! servers, packages and every DAG with its nodes. What scenario `expect` blocks and tests
//! read (paths such as `/vendors/obshell/dags/0/state`), so its keys are a public format.

use serde_json::{json, Value};

use super::cluster::Package;
use super::config::Profile;
use super::model::Model;
use super::state::NodeState;

impl Model {
    pub fn snapshot_json(&self) -> Value {
        json!({
            "profile": match self.profile { Profile::Legacy => "legacy", Profile::Current => "current" },
            "agent_version": format!("{}-{}", self.agent_version, self.agent_release),
            "ob_version": format!("{}-{}", self.ob_version, self.ob_release),
            "maintenance": {
                "held": self.maintenance.holder().is_some(),
                "dag_id": self.maintenance_holder().map(|d| d.dag_id),
            },
            "zones": self.zones.iter().enumerate().map(|(z, name)| json!({
                "name": name,
                "servers": self.servers.iter().filter(|s| s.zone == z).map(|s| json!({
                    "addr": s.addr(),
                    "agent": if s.agent_up { "RUNNING" } else { "DOWN" },
                    "observer": if s.observer_up { "ACTIVE" } else { "INACTIVE" },
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "packages": self.packages.iter().map(Package::rpm).collect::<Vec<_>>(),
            "dags": self.dags.iter().map(|d| json!({
                "id": d.generic_id(),
                "dag_id": d.dag_id,
                "name": d.name,
                "state": d.state.to_string(),
                "operator": d.operator.to_string(),
                "stage": d.stage,
                "max_stage": d.nodes.len(),
                "failed_node": d.nodes.iter().find(|n| n.state == NodeState::Failed).map(|n| n.name.clone()),
                "nodes": d.nodes.iter().map(|n| json!({"name": n.name, "state": n.state.to_string(), "operator": n.operator.to_string()})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}
