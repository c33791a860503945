//! The client's operators: RETRY / ROLLBACK / CANCEL / PASS on a DAG and PASS on a failed node.
//! Whether one is legal is asked once, the same way for all ([`Model::dag_operator_refusal`]):
//! the DAG's state table, then the operator flags of the nodes it concerns; a refusal is the
//! real server's `Task.Dag.Operator.*` error. Then the operator moves the DAG, its nodes and
//! their sub tasks along their tables and sets the scheduler's next tick.

use serde_json::{json, Value};

use super::error::ObError;
use super::lifecycle::{Dag, Node, Time};
use super::model::{Model, TICK_MS, VENDOR};
use super::state::{move_by, DagOp, NodeState, Operator, StepOp, TaskState};
use crate::kernel::{Core, Resource, StateTable};

/// How the real server words the refusal of one DAG operator: the error code when the DAG's
/// state does not permit it, the code when a node's flags do not, the action's words and why
/// the state refuses.
struct Words {
    state_code: &'static str,
    node_code: &'static str,
    action: &'static str,
    why: &'static str,
}

/// The words of `op`'s refusals (RUN never gets this far: it is not supported).
fn words(op: Operator) -> Words {
    let (state_code, node_code, action, why) = match op {
        Operator::Retry => (
            "Task.Dag.Operator.RetryNotFailedDag",
            "Task.Dag.Operator.RetryNotAllowed",
            "Failed to set DAG retry",
            "DAG state is not failed",
        ),
        Operator::Rollback => (
            "Task.Dag.Operator.RollbackNotFailedDag",
            "Task.Dag.Operator.RollbackNotAllowed",
            "Failed to set DAG rollback",
            "DAG state is not failed",
        ),
        Operator::Cancel => (
            "Task.Dag.Operator.CancelFinishedDag",
            "Task.Dag.Operator.CancelNotAllowed",
            "Failed to cancel DAG",
            "DAG is finished",
        ),
        Operator::Pass | Operator::Run => (
            "Task.Dag.Operator.PassNotFailedDag",
            "Task.Dag.Operator.PassNotAllowed",
            "Failed to pass DAG",
            "DAG is not failed",
        ),
    };
    Words {
        state_code,
        node_code,
        action,
        why,
    }
}

/// The nodes whose flags must let `op` through: RETRY the current one, ROLLBACK and CANCEL
/// every one up to it, PASS every one that did not succeed.
fn concerned(dag: &Dag, op: Operator) -> impl Iterator<Item = &Node> {
    let s = dag.current();
    let upto = match op {
        Operator::Retry | Operator::Rollback | Operator::Cancel => s + 1,
        Operator::Pass | Operator::Run => dag.nodes.len(),
    };
    let from = if op == Operator::Retry { s } else { 0 };
    dag.nodes[from..upto]
        .iter()
        .filter(move |n| op != Operator::Pass || n.state != NodeState::Succeed)
}

impl Model {
    /// Why operator `op_text` may not be applied to DAG `d` now (the real server's error), or
    /// the operator and where it moves the DAG.
    pub fn dag_operator_refusal(
        &self,
        d: usize,
        op_text: &str,
    ) -> Result<(Operator, DagOp), ObError> {
        let dag = &self.dags[d];
        let Some((op, dag_op)) = Operator::parse(op_text).and_then(|o| Some((o, o.dag_op()?)))
        else {
            return Err(ObError::operator(
                "Task.Dag.Operator.NotSupport",
                format!("Operator {op_text} is not supported"),
            ));
        };
        let w = words(op);
        if !dag.state.permits(dag_op) {
            return Err(ObError::operator(
                w.state_code,
                format!("{}: {}", w.action, w.why),
            ));
        }
        if let Some(n) = concerned(dag, op).find(|n| !op.flagged(n.flags)) {
            return Err(ObError::operator(
                w.node_code,
                format!(
                    "{}: node {} cannot {}",
                    w.action,
                    n.name,
                    op.to_string().to_lowercase()
                ),
            ));
        }
        Ok((op, dag_op))
    }

    /// `POST /api/v1/task/dag/{id}` with an operator, or the timeline's `operate_dag`.
    pub fn operate(&mut self, core: &mut Core, d: usize, op_text: &str) -> Result<(), ObError> {
        let (op, dag_op) = self.dag_operator_refusal(d, op_text)?;
        let now = core.now();
        let dag = &mut self.dags[d];
        dag.generation += 1;
        let gen = dag.generation;
        let said = json!({"operator": op.to_string()});
        core.event(VENDOR, &dag.resource(), said.clone());
        let s = dag.current();
        move_by(core, dag, dag_op, said.clone());
        match op {
            Operator::Retry | Operator::Rollback => {
                let rollback = op == Operator::Rollback;
                dag.operator = if rollback { op } else { Operator::Run };
                dag.start = Time::Unix0;
                dag.end = Time::Unix0;
                let from = if rollback { 0 } else { s };
                for node in &mut dag.nodes[from..=s] {
                    if !matches!(node.state, NodeState::Failed | NodeState::Succeed) {
                        continue;
                    }
                    move_by(core, node, StepOp::Reset, said.clone());
                    node.operator = op;
                    for t in &mut node.tasks {
                        if matches!(t.state, TaskState::Failed | TaskState::Succeed)
                            && (rollback || t.state == TaskState::Failed)
                        {
                            move_by(core, t, StepOp::Reset, Value::Null);
                            t.operator = op;
                        }
                    }
                }
            }
            Operator::Cancel => {
                dag.operator = op;
                let node = &mut dag.nodes[s];
                if node.state == NodeState::Running {
                    move_by(core, node, StepOp::Cancel, said);
                }
                node.operator = op;
                for t in &mut node.tasks {
                    if t.state == TaskState::Running {
                        move_by(core, t, StepOp::Cancel, Value::Null);
                        t.operator = op;
                    }
                }
            }
            Operator::Pass | Operator::Run => {
                dag.operator = op;
                dag.end = Time::At(now);
                for node in &mut dag.nodes {
                    if node.state != NodeState::Succeed {
                        pass(core, node);
                    }
                }
                self.maintenance.release(d);
                return Ok(());
            }
        }
        self.timers.schedule(now + TICK_MS, (d, gen));
        Ok(())
    }

    /// Why the operator `op_text` may not be applied to node `n` of DAG `d`: only PASS, on a
    /// failed node of a failed DAG, whose flags allow it.
    pub fn node_operator_refusal(&self, d: usize, n: usize, op_text: &str) -> Result<(), ObError> {
        let refuse = |code, why: &str| {
            Err(ObError::operator(
                code,
                format!("Failed to pass node: {why}"),
            ))
        };
        if Operator::parse(op_text) != Some(Operator::Pass) {
            return Err(ObError::operator(
                "Task.Node.Operator.NotSupport",
                format!("Operator {op_text} is not supported"),
            ));
        }
        let dag = &self.dags[d];
        let node = &dag.nodes[n];
        if !dag.state.permits(DagOp::PassNode) {
            return refuse("Task.Node.Operator.PassNotFailedDag", "DAG is not failed");
        }
        if !node.state.permits(StepOp::Pass) {
            return refuse("Task.Node.Operator.PassNotFailedNode", "node is not failed");
        }
        if !Operator::Pass.flagged(node.flags) {
            let why = format!("node {} cannot pass", node.name);
            return refuse("Task.Node.Operator.PassNotAllowed", &why);
        }
        Ok(())
    }

    /// `POST /api/v1/task/node/{id}` PASS: the node succeeds and the DAG runs on.
    pub fn pass_node(
        &mut self,
        core: &mut Core,
        d: usize,
        n: usize,
        op_text: &str,
    ) -> Result<(), ObError> {
        self.node_operator_refusal(d, n, op_text)?;
        let now = core.now();
        let dag = &mut self.dags[d];
        dag.generation += 1;
        let gen = dag.generation;
        pass(core, &mut dag.nodes[n]);
        let run = json!({"operator": Operator::Run.to_string()});
        move_by(core, dag, DagOp::PassNode, run);
        dag.operator = Operator::Run;
        self.timers.schedule(now + TICK_MS, (d, gen));
        Ok(())
    }
}

/// PASS on one node: it and every sub task that did not succeed end SUCCEED.
fn pass(core: &mut Core, node: &mut Node) {
    let op = if node.state == NodeState::Pending {
        StepOp::Skip
    } else {
        StepOp::Pass
    };
    move_by(
        core,
        node,
        op,
        json!({"operator": Operator::Pass.to_string()}),
    );
    node.operator = Operator::Pass;
    for t in &mut node.tasks {
        if t.state != TaskState::Succeed {
            move_by(core, t, StepOp::Pass, Value::Null);
            t.operator = Operator::Pass;
        }
    }
}
