//! The DAG lifecycle's resources: a DAG, its nodes (stages) and their sub tasks (one per agent
//! the stage runs on), each a journalled [`Resource`] with its state from `state`; how a DAG is
//! made from a template under the maintenance lock; and how a client's generic id finds one.
//! The scheduler (`scheduler`) and the operators (`operators`) move what this file makes.

use serde_json::json;

use super::error::ObError;
use super::model::{Model, TICK_MS, VENDOR};
use super::state::{DagState, Flags, NodeState, Operator, TaskState};
use super::templates::{self, DagKind, NodeSpec};
use crate::kernel::{Core, EntryKind, Millis, Resource};

/// A DTO time: Go's zero, `time.Unix(0,0)` after an operator reset, or a virtual instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Time {
    Unix0,
    At(Millis),
}

#[derive(Debug, Clone)]
pub struct SubTask {
    pub task_id: u64,
    /// The journal path of its node.
    node_path: String,
    pub server: usize,
    pub state: TaskState,
    pub operator: Operator,
    pub start: Time,
    pub end: Time,
    pub execute_times: u32,
    /// `None` until the sub task first runs (the DTO shows `null`).
    pub logs: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub node_id: u64,
    /// The journal path of its DAG.
    dag_path: String,
    pub name: String,
    pub flags: Flags,
    /// The zone a per-zone node concerns.
    pub zone: Option<usize>,
    pub state: NodeState,
    pub operator: Operator,
    pub start: Time,
    pub end: Time,
    pub tasks: Vec<SubTask>,
}

#[derive(Debug, Clone)]
pub struct Dag {
    pub dag_id: u64,
    pub kind: DagKind,
    pub name: String,
    pub version: String,
    pub release: String,
    pub state: DagState,
    pub operator: Operator,
    pub stage: usize,
    pub nodes: Vec<Node>,
    pub start: Time,
    pub end: Time,
    pub maintenance: bool,
    /// Bumped by every operator, so that a timer set before it is ignored.
    pub generation: u64,
    /// The target package is absent (current servers find out at "Check all required packages").
    pub missing_package: Option<String>,
}

impl Dag {
    pub fn generic_id(&self) -> String {
        format!("1{}", self.dag_id)
    }

    /// The server's `is_finished` column (`service/task/dag.go` `updateDagState`,
    /// `updateDagOperator`): set when the DAG succeeds or is passed, and when it fails only if
    /// it is not a maintenance DAG; RETRY and ROLLBACK clear it. So a failed or cancelled
    /// upgrade (holding the lock) is unfinished, a failed check DAG is finished.
    pub fn is_finished(&self) -> bool {
        match self.state {
            DagState::Succeed => true,
            DagState::Failed => !self.maintenance,
            _ => false,
        }
    }

    /// The index of the current node.
    pub fn current(&self) -> usize {
        self.stage - 1
    }
}

/// Names a resource's state field and its journal path (`dag/2`, `dag/2/node/5/task/9`).
macro_rules! resource {
    ($ty:ty, $state:ty, |$r:ident| $path:expr) => {
        impl Resource for $ty {
            type State = $state;
            const VENDOR: &'static str = VENDOR;
            fn resource(&self) -> String {
                let $r = self;
                $path
            }
            fn state_mut(&mut self) -> &mut $state {
                &mut self.state
            }
        }
    };
}

resource!(Dag, DagState, |d| format!("dag/{}", d.dag_id));
resource!(Node, NodeState, |n| format!(
    "{}/node/{}",
    n.dag_path, n.node_id
));
resource!(SubTask, TaskState, |t| format!(
    "{}/task/{}",
    t.node_path, t.task_id
));

impl Model {
    /// The DAG holding the maintenance lock, if any.
    pub fn maintenance_holder(&self) -> Option<&Dag> {
        self.maintenance.holder().and_then(|d| self.dags.get(d))
    }

    /// Makes a DAG from a template, READY at stage 1; upgrade DAGs take the lock.
    pub fn create_dag(
        &mut self,
        core: &mut Core,
        kind: DagKind,
        version: &str,
        release: &str,
        shape: templates::Shape,
        missing_package: Option<String>,
    ) -> Result<usize, ObError> {
        let name = kind.name(version, release);
        let d = self.dags.len();
        let maintenance = kind.takes_lock();
        if maintenance {
            if let Err(holder) = self.maintenance.acquire(d) {
                let holder = &self.dags[holder].name;
                return Err(ObError::under_maintenance(&name, holder));
            }
        }
        let specs: Vec<NodeSpec> = templates::build(kind, &self.zones, shape);
        let dag_id = self.next_dag_id;
        self.next_dag_id += 1;
        let dag_path = format!("dag/{dag_id}");
        let now = core.now();
        let mut nodes = Vec::with_capacity(specs.len());
        for (n, spec) in specs.into_iter().enumerate() {
            let node_id = self.next_node_id;
            self.next_node_id += 1;
            self.node_index.insert(node_id, (d, n));
            let node_path = format!("{dag_path}/node/{node_id}");
            let agents: Vec<usize> = (0..self.servers.len())
                .filter(|&i| match (spec.parallel, spec.zone) {
                    (false, _) => i == 0,
                    (true, Some(z)) => self.servers[i].zone == z,
                    (true, None) => true,
                })
                .collect();
            let mut tasks = Vec::with_capacity(agents.len());
            for (t, server) in agents.into_iter().enumerate() {
                let task_id = self.next_task_id;
                self.next_task_id += 1;
                self.task_index.insert(task_id, (d, n, t));
                tasks.push(SubTask {
                    task_id,
                    node_path: node_path.clone(),
                    server,
                    state: TaskState::Pending,
                    operator: Operator::Run,
                    start: Time::At(now),
                    end: Time::At(now),
                    execute_times: 0,
                    logs: None,
                });
            }
            nodes.push(Node {
                node_id,
                dag_path: dag_path.clone(),
                name: spec.name,
                flags: spec.flags,
                zone: spec.zone,
                state: NodeState::Pending,
                operator: Operator::Run,
                start: Time::At(now),
                end: Time::At(now),
                tasks,
            });
        }
        let dag = Dag {
            dag_id,
            kind,
            name: name.clone(),
            version: version.into(),
            release: release.into(),
            state: DagState::Ready,
            operator: Operator::Run,
            stage: 1,
            nodes,
            start: Time::At(now),
            end: Time::At(now),
            maintenance,
            generation: 0,
            missing_package,
        };
        core.record(
            EntryKind::Transition,
            VENDOR,
            &dag_path,
            None,
            Some(DagState::Ready.to_string()),
            json!({"created": name, "max_stage": dag.nodes.len()}),
        );
        self.dags.push(dag);
        self.timers.schedule(now + TICK_MS, (d, 0));
        Ok(d)
    }

    /// Finds a DAG by generic id text (`"1" + dag_id`).
    pub fn dag_by_generic(&self, id: &str) -> Result<usize, ObError> {
        let n = parse_generic(id)?;
        self.dags
            .iter()
            .position(|d| d.dag_id == n)
            .ok_or_else(ObError::task_not_found)
    }

    /// Finds a node (DAG index, node index) by generic id text.
    pub fn node_by_generic(&self, id: &str) -> Result<(usize, usize), ObError> {
        let n = parse_generic(id)?;
        self.node_index
            .get(&n)
            .copied()
            .ok_or_else(ObError::task_not_found)
    }

    /// Finds a sub task (DAG, node and task index) by generic id text.
    pub fn task_by_generic(&self, id: &str) -> Result<(usize, usize, usize), ObError> {
        let t = parse_generic(id)?;
        self.task_index
            .get(&t)
            .copied()
            .ok_or_else(ObError::task_not_found)
    }
}

/// Parses a generic id: kind "1" (cluster tasks) + decimal id.
pub fn parse_generic(id: &str) -> Result<u64, ObError> {
    if id.len() < 2 {
        return Err(ObError::invalid_id(id, false));
    }
    if !id.starts_with('1') {
        return Err(ObError::invalid_id(id, true));
    }
    id[1..]
        .parse::<u64>()
        .map_err(|_| ObError::invalid_id(id, true))
}
