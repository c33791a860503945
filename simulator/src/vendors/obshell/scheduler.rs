//! The task engine's scheduler: one timer per DAG for its next state change, on virtual time.
//! A tick starts a READY DAG (or ends a cancelled one), a running node's timer finishes it
//! (each sub task succeeds or fails, see `failures`), and the DAG moves to the next node, the
//! previous one while rolling back, or its end, where the upgraded version takes over and the
//! maintenance lock is given back.

use serde_json::{json, Value};

use super::lifecycle::Time;
use super::model::{Model, VENDOR};
use super::state::{move_by, DagOp, DagState, NodeState, Operator, StepOp, TaskState};
use super::templates::DagKind;
use crate::kernel::{Core, Millis, Resource};

impl Model {
    pub fn next_timer(&self) -> Option<Millis> {
        self.timers.next_due()
    }

    /// Fires every DAG timer due now; a timer an operator made stale is ignored.
    pub fn fire(&mut self, core: &mut Core) {
        while let Some((_, (d, gen))) = self.timers.pop_due(core.now()) {
            if self.dags.get(d).is_some_and(|dag| dag.generation == gen) {
                self.step(core, d);
            }
        }
    }

    fn step(&mut self, core: &mut Core, d: usize) {
        let now = core.now();
        let dag = &mut self.dags[d];
        match dag.state {
            DagState::Ready if dag.operator == Operator::Cancel => {
                let cancel = json!({"operator": Operator::Cancel.to_string()});
                move_by(core, dag, DagOp::EndCancelled, cancel.clone());
                dag.end = Time::At(now);
                let s = dag.current();
                let node = &mut dag.nodes[s];
                if node.state == NodeState::Pending {
                    move_by(core, node, StepOp::EndCancelled, cancel);
                    node.operator = Operator::Cancel;
                    node.end = Time::At(now);
                }
            }
            DagState::Ready => {
                let op = dag.operator;
                move_by(core, dag, DagOp::Start, json!({"operator": op.to_string()}));
                dag.start = Time::At(now);
                if dag.nodes[dag.current()].state == NodeState::Succeed {
                    self.advance(core, d);
                } else {
                    self.start_node(core, d);
                }
            }
            DagState::Running => self.finish_node(core, d),
            DagState::Failed | DagState::Succeed => {}
        }
    }

    fn start_node(&mut self, core: &mut Core, d: usize) {
        let now = core.now();
        let dag = &mut self.dags[d];
        let s = dag.current();
        let rollback = dag.operator == Operator::Rollback;
        let gen = dag.generation;
        let node = &mut dag.nodes[s];
        let detail = json!({"stage": s + 1, "name": node.name});
        move_by(core, node, StepOp::Start, detail);
        node.start = Time::At(now);
        let verb = if rollback { "rollback" } else { "start" };
        for t in &mut node.tasks {
            if t.state != TaskState::Pending {
                continue;
            }
            move_by(core, t, StepOp::Prepare, Value::Null);
            move_by(core, t, StepOp::Start, Value::Null);
            t.start = Time::At(now);
            t.execute_times += 1;
            t.logs
                .get_or_insert_with(Vec::new)
                .push(format!("{verb} task '{}'", node.name));
        }
        if node.name == "Restart obshell" && self.restart_refusal > 0 && !rollback {
            self.refusing_until = self.refusing_until.max(now + self.restart_refusal);
            core.fault(
                VENDOR,
                &Resource::resource(node),
                json!({"agent_restarting_until_ms": self.refusing_until}),
            );
        }
        let at = now + self.duration_of(&self.dags[d].nodes[s].name);
        self.timers.schedule(at, (d, gen));
    }

    fn finish_node(&mut self, core: &mut Core, d: usize) {
        let now = core.now();
        let s = self.dags[d].current();
        let failures: Vec<Option<String>> = (0..self.dags[d].nodes[s].tasks.len())
            .map(|t| {
                if self.dags[d].nodes[s].tasks[t].state == TaskState::Running {
                    self.failure_of(d, t)
                } else {
                    None
                }
            })
            .collect();
        let dag = &mut self.dags[d];
        let node = &mut dag.nodes[s];
        let mut failed = false;
        for (t, why) in node.tasks.iter_mut().zip(failures) {
            if t.state != TaskState::Running {
                continue;
            }
            t.end = Time::At(now);
            match why {
                Some(line) => {
                    failed = true;
                    t.logs.get_or_insert_with(Vec::new).push(line.clone());
                    let path = Resource::resource(t);
                    core.fault(VENDOR, &path, json!({"log": line}));
                    move_by(core, t, StepOp::Fail, json!({"log": line}));
                }
                None => {
                    t.logs
                        .get_or_insert_with(Vec::new)
                        .push(format!("task '{}' succeed", node.name));
                    move_by(core, t, StepOp::Succeed, Value::Null);
                }
            }
        }
        node.end = Time::At(now);
        if failed {
            move_by(core, node, StepOp::Fail, Value::Null);
            let detail = json!({"stage": s + 1, "node": node.name});
            move_by(core, dag, DagOp::Fail, detail);
            dag.end = Time::At(now);
        } else {
            move_by(core, node, StepOp::Succeed, Value::Null);
            self.advance(core, d);
        }
    }

    /// Moves past a finished node: the next (or previous, rolling back) node, or the end.
    fn advance(&mut self, core: &mut Core, d: usize) {
        let now = core.now();
        let dag = &mut self.dags[d];
        let rollback = dag.operator == Operator::Rollback;
        let done = if rollback {
            dag.stage == 1
        } else {
            dag.stage == dag.nodes.len()
        };
        if !done {
            if rollback {
                dag.stage -= 1;
            } else {
                dag.stage += 1;
            }
            if dag.nodes[dag.current()].state == NodeState::Succeed && !rollback {
                return self.advance(core, d);
            }
            return self.start_node(core, d);
        }
        let op = dag.operator;
        move_by(
            core,
            dag,
            DagOp::Finish,
            json!({"operator": op.to_string()}),
        );
        dag.end = Time::At(now);
        if !rollback {
            let (v, r) = (dag.version.clone(), dag.release.clone());
            match dag.kind {
                DagKind::Agent => {
                    self.agent_version = v;
                    self.agent_release = r;
                }
                DagKind::ObRolling | DagKind::ObStopService => {
                    self.ob_version = v;
                    self.ob_release = r;
                }
                _ => {}
            }
        }
        self.maintenance.release(d);
    }

    fn duration_of(&self, node: &str) -> Millis {
        self.durations
            .get(&node.to_lowercase())
            .copied()
            .unwrap_or(self.default_duration)
    }
}
