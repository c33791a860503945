//! The domain faults and why a sub task fails. A [`Fault`] is what the scenario's timeline
//! injects (an agent or an observer going down or coming back, a node that will fail);
//! [`Model::failure_of`] is every rule by which a running sub task fails (an agent down, an
//! observer down under a health checker, a package the current profile finds missing at
//! "Check all required packages", the `fail_nodes` list with its attempts). Kept apart from
//! the scheduler, which only asks, so that every rule of failure reads in one place.

use serde_json::Value;

use super::cluster::Server;
use super::config::FailNode;
use super::model::Model;
use super::state::Operator;

/// A domain fault a timeline action injects.
#[derive(Debug, Clone)]
pub enum Fault {
    /// `observer_down` / `observer_up` of a server (`ip:port`) or a whole zone.
    Observer { who: String, up: bool },
    /// `agent_down` / `agent_up`.
    Agent { who: String, up: bool },
    /// `fail_node`: from now on, this node fails.
    FailNode(FailNode),
}

impl Fault {
    /// Parses the timeline action `action`; `None` when it is not a fault.
    pub fn from_action(action: &str, args: &Value) -> Option<Result<Self, String>> {
        let who = || {
            ["server", "zone", "agent"]
                .iter()
                .find_map(|k| args.get(*k).and_then(Value::as_str))
                .map(str::to_string)
                .ok_or_else(|| format!("{action} needs `server: ip:port` or `zone: <name>`"))
        };
        let fault = match action {
            "observer_down" | "observer_up" => who().map(|who| Self::Observer {
                who,
                up: action == "observer_up",
            }),
            "agent_down" | "agent_up" => who().map(|who| Self::Agent {
                who,
                up: action == "agent_up",
            }),
            "fail_node" => serde_json::from_value::<FailNode>(args.clone())
                .map_err(|e| format!("fail_node: {e}"))
                .and_then(|f| {
                    f.validate("fail_node").map_err(|e| e.to_string())?;
                    Ok(Self::FailNode(f))
                }),
            _ => return None,
        };
        Some(fault)
    }

    pub fn apply(self, m: &mut Model) -> Result<(), String> {
        match self {
            Self::Observer { who, up } => m.set_observer(&who, up),
            Self::Agent { who, up } => m.set_agent(&who, up),
            Self::FailNode(f) => {
                m.fail_nodes.push(f);
                Ok(())
            }
        }
    }
}

impl Model {
    /// Why sub task `t` of DAG `d`'s current node fails now, if it does.
    pub(super) fn failure_of(&self, d: usize, t: usize) -> Option<String> {
        let dag = &self.dags[d];
        let s = dag.current();
        let node = &dag.nodes[s];
        let task = &node.tasks[t];
        let server = &self.servers[task.server];
        if dag.operator == Operator::Rollback {
            return None;
        }
        if !server.agent_up {
            return Some(format!(
                "ERROR: [Agent.Unavailable]: Agent {} is not available",
                server.addr()
            ));
        }
        if node.name.contains("health checker") {
            let down: Vec<String> = self
                .servers
                .iter()
                .filter(|sv| !sv.observer_up && node.zone.is_none_or(|z| sv.zone == z))
                .map(Server::sql_addr)
                .collect();
            if !down.is_empty() {
                return Some(format!(
                    "ERROR: [OB.Server.Unavailable]: Observer '{}' is not available",
                    down.join(",")
                ));
            }
        }
        if let Some(rpm) = &dag.missing_package {
            if node.name == "Check all required packages" && t == 0 {
                return Some(format!(
                    "ERROR: [Agent.Package.NotFound]: Package {rpm} is not found"
                ));
            }
        }
        for f in &self.fail_nodes {
            let kind_ok = match f.dag.as_str() {
                "agent" => dag.kind.is_agent(),
                "ob" => dag.kind.is_ob(),
                _ => true,
            };
            let node_ok = f.stage.is_none_or(|st| st == s + 1)
                && f.node
                    .as_deref()
                    .is_none_or(|n| n.eq_ignore_ascii_case(&node.name));
            let agent_ok = match &f.agent {
                Some(a) => server.addr() == *a || server.ip == *a,
                None => t == 0,
            };
            let attempt_ok = f.attempts.is_empty() || f.attempts.contains(&task.execute_times);
            if kind_ok && node_ok && agent_ok && attempt_ok {
                return Some(f.log.clone().unwrap_or_else(|| {
                    format!(
                        "ERROR: [Common.Unexpected]: Unexpected error: '{}' failed on {}",
                        node.name,
                        server.addr()
                    )
                }));
            }
        }
        None
    }
}
