//! The real DAG templates (obshell `executor/ob/upgrade_agent.go`, `upgrade_ob.go`,
//! `upgrade_*_check.go`): node names, parallel or serial, per-zone steps and each node's
//! operator flags. Agent upgrade: 9 stages; OB rolling: 10 + R·(5 + 5Z) (30 for one route step
//! on 3 zones); OB stop-service: 10 + 8R; the check DAGs: 5 and 6.

use super::state::Flags;

/// Which template a DAG was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DagKind {
    Agent,
    AgentCheck,
    ObRolling,
    ObStopService,
    ObCheck,
}

impl DagKind {
    pub fn name(self, version: &str, release: &str) -> String {
        let vr = format!("{version}-{release}");
        match self {
            Self::Agent => format!("Upgrade obshell {vr}"),
            Self::AgentCheck => format!("Upgrade check obshell {vr}"),
            Self::ObRolling => format!("OB rolling upgrade {vr}"),
            Self::ObStopService => format!("OB stop service upgrade {vr}"),
            Self::ObCheck => format!("Upgrade check OB {vr}"),
        }
    }

    /// Upgrade DAGs take the global maintenance lock; check DAGs do not.
    pub fn takes_lock(self) -> bool {
        matches!(self, Self::Agent | Self::ObRolling | Self::ObStopService)
    }

    pub fn is_agent(self) -> bool {
        matches!(self, Self::Agent | Self::AgentCheck)
    }

    pub fn is_ob(self) -> bool {
        !self.is_agent()
    }
}

/// One node of a template.
#[derive(Debug, Clone)]
pub struct NodeSpec {
    pub name: String,
    /// One sub task per agent (of the zone, if `zone` is set) instead of one on the master.
    pub parallel: bool,
    pub zone: Option<usize>,
    pub flags: Flags,
}

fn p(name: &str, flags: Flags) -> NodeSpec {
    NodeSpec {
        name: name.into(),
        parallel: true,
        zone: None,
        flags,
    }
}

fn s(name: &str, flags: Flags) -> NodeSpec {
    NodeSpec {
        name: name.into(),
        parallel: false,
        zone: None,
        flags,
    }
}

fn zs(name: &str, zone: usize, parallel: bool) -> NodeSpec {
    NodeSpec {
        name: name.into(),
        parallel,
        zone: Some(zone),
        flags: Flags::R,
    }
}

const PYTHON: &str = "Check the python environment";
const REMOVE_DIR: &str = "Remove upgrade check task dir";
const HEALTH: &str = "Execute upgrade health checker script";

/// The first 8 agent-upgrade nodes (the agent upgrade's 9th is the dir removal).
fn agent_steps() -> Vec<NodeSpec> {
    vec![
        p("Create upgrade dir", Flags::ALL),
        p("Download all required packages", Flags::ALL),
        p("Check all required packages", Flags::ALL),
        p("Unpack all required packages", Flags::ALL),
        p("Backup for upgrade", Flags::ALL),
        p("Install new obshell", Flags::ALL),
        p("Restart obshell", Flags::RC),
        p("Upgrade post table maintain", Flags::RC),
    ]
}

/// The parts of an OB upgrade's template a request decides: HEAD's `freeze_server`, and the
/// route's R (one "Upgrade process" template per step after the running version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub freeze: bool,
    pub steps: usize,
}

impl Default for Shape {
    fn default() -> Self {
        Self {
            freeze: false,
            steps: 1,
        }
    }
}

/// The nodes of a `kind` DAG on a cluster with these zones.
pub fn build(kind: DagKind, zones: &[String], shape: Shape) -> Vec<NodeSpec> {
    let Shape { freeze, steps } = shape;
    let check = || {
        vec![
            p("Create upgrade dir", Flags::ALL),
            p("Download all required packages", Flags::ALL),
            p("Check all required packages", Flags::ALL),
            p("Unpack all required packages", Flags::ALL),
            p(REMOVE_DIR, Flags::RCP),
        ]
    };
    match kind {
        DagKind::Agent => {
            let mut v = agent_steps();
            v.push(p(REMOVE_DIR, Flags::RCP));
            v
        }
        DagKind::AgentCheck => check(),
        DagKind::ObCheck => {
            let mut v = vec![p(PYTHON, Flags::ALL)];
            v.extend(check());
            v
        }
        DagKind::ObRolling => {
            let mut v = vec![p(PYTHON, Flags::ALL)];
            v.extend(agent_steps());
            for _ in 0..steps.max(1) {
                v.push(s("Backup parameters", Flags::RC));
                v.push(s("Execute upgrade checker script", Flags::R));
                v.push(s("Execute upgrade pre script", Flags::R));
                for (z, name) in zones.iter().enumerate() {
                    v.push(zs(HEALTH, z, false));
                    v.push(zs(&format!("Stop {name}"), z, false));
                    if freeze {
                        v.push(zs("Minor freeze before stop server", z, false));
                    }
                    v.push(zs("Reinstall and restart observer", z, true));
                    v.push(zs("Execute upgrade zone health checker script", z, false));
                    v.push(zs(&format!("Start {name}"), z, false));
                }
                v.push(s("Execute upgrade post script", Flags::R));
                v.push(s("Restore parameters", Flags::R));
            }
            v.push(p(REMOVE_DIR, Flags::RCP));
            v
        }
        DagKind::ObStopService => {
            let mut v = vec![p(PYTHON, Flags::ALL)];
            v.extend(agent_steps());
            for _ in 0..steps.max(1) {
                v.push(s("Backup parameters", Flags::RC));
                v.push(s("Execute upgrade checker script", Flags::R));
                if freeze {
                    v.push(s("Minor freeze before stop server", Flags::R));
                }
                v.push(s("Execute upgrade pre script", Flags::R));
                v.push(s(HEALTH, Flags::R));
                v.push(p("Reinstall and restart observer", Flags::R));
                v.push(s(HEALTH, Flags::R));
                v.push(s("Execute upgrade post script", Flags::R));
                v.push(s("Restore parameters", Flags::R));
            }
            v.push(p(REMOVE_DIR, Flags::RCP));
            v
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zones(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("zone{i}")).collect()
    }

    fn steps(steps: usize) -> Shape {
        Shape {
            freeze: false,
            steps,
        }
    }

    #[test]
    fn stage_counts_match_the_real_templates() {
        let one = Shape::default();
        assert_eq!(build(DagKind::Agent, &zones(3), one).len(), 9);
        assert_eq!(build(DagKind::ObRolling, &zones(3), one).len(), 30);
        assert_eq!(build(DagKind::ObRolling, &zones(4), one).len(), 35);
        assert_eq!(build(DagKind::ObStopService, &zones(3), one).len(), 18);
        assert_eq!(build(DagKind::AgentCheck, &zones(3), one).len(), 5);
        assert_eq!(build(DagKind::ObCheck, &zones(3), one).len(), 6);
    }

    #[test]
    fn a_route_of_r_steps_repeats_the_upgrade_process_r_times() {
        // 10 + R·(5 + 5Z) rolling, 10 + 8R stop-service (HEAD `upgrade_ob.go`).
        for r in 1..=3 {
            assert_eq!(
                build(DagKind::ObRolling, &zones(3), steps(r)).len(),
                10 + r * 20
            );
            assert_eq!(
                build(DagKind::ObStopService, &zones(3), steps(r)).len(),
                10 + 8 * r
            );
        }
        let v = build(DagKind::ObRolling, &zones(3), steps(2));
        assert_eq!(v[28].name, "Restore parameters");
        assert_eq!(v[29].name, "Backup parameters");
    }

    #[test]
    fn rolling_stages_go_zone_by_zone() {
        let v = build(DagKind::ObRolling, &zones(3), Shape::default());
        assert_eq!(v[13].name, "Stop zone1");
        assert_eq!(v[18].name, "Stop zone2");
        assert_eq!(v[26].name, "Start zone3");
        assert_eq!(v[29].name, "Remove upgrade check task dir");
    }
}
