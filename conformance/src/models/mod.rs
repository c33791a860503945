//! Models: each API's resources with their legal states and transitions, and each API's
//! documented endpoints. Written from the vendor docs and vendor notes under `shared/`, never
//! from the simulator's code, so that a bug in one shows in the other (DESIGN principle 6).
//!
//! A transition is labelled `auto` (the implementation moves on its own, on time) or with the
//! client operation that allows it (`retry`, `rollback`, `cancel`, `pass`, `pause`, `resume`,
//! `acknowledge`). The runner learns which operations a case performed from each request
//! ([`Model::triggers`], or a step's `does:`), and accepts an observed change `a → b` only when
//! the model has a path from `a` to `b` that uses `auto` edges plus the operations performed
//! since the entity was last observed. Polling may skip states; it can never excuse a move the
//! model has no path for (a stage that goes backwards, SUCCEED back to RUNNING, a retry of a
//! DAG nobody retried).

pub mod catalogue;

use std::collections::{BTreeSet, VecDeque};

pub use catalogue::{all, endpoints, get, Endpoint};

/// One resource's state machine.
#[derive(Debug, Clone)]
pub struct Model {
    /// `vendor.resource`, e.g. `obshell.dag`.
    pub name: &'static str,
    /// What is observed: which field(s) make up the state.
    pub about: &'static str,
    /// Where the rules come from.
    pub source: &'static str,
    pub states: Vec<String>,
    /// States a fresh resource may be observed in first.
    pub initial: Vec<String>,
    /// (from, to, label).
    pub edges: Vec<(String, String, String)>,
    /// (method, path regex, label, body field whose lowercased value is the label instead).
    pub triggers: Vec<Trigger>,
}

/// How a request tells the runner which operation it performed.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub method: &'static str,
    pub path: regex::Regex,
    /// The label, or `None` to take it from `field` in the JSON body (lowercased).
    pub label: Option<&'static str>,
    pub field: Option<&'static str>,
}

impl Model {
    /// Builds a model from lines `A -> B : label` (labels may be `a|b`); states are collected
    /// in order of appearance unless listed first in `states`.
    pub fn parse(
        name: &'static str,
        about: &'static str,
        source: &'static str,
        initial: &[&str],
        spec: &str,
    ) -> Model {
        let mut states: Vec<String> = Vec::new();
        let mut edges = Vec::new();
        let add = |s: &str, states: &mut Vec<String>| {
            if !states.iter().any(|x| x == s) {
                states.push(s.to_string());
            }
        };
        for line in spec.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (arrow, label) = line.split_once(':').unwrap_or((line, "auto"));
            let Some((from, to)) = arrow.split_once("->") else {
                continue;
            };
            for f in from.split(',').map(str::trim) {
                for t in to.split(',').map(str::trim) {
                    add(f, &mut states);
                    add(t, &mut states);
                    for l in label.split('|').map(str::trim) {
                        edges.push((f.to_string(), t.to_string(), l.to_string()));
                    }
                }
            }
        }
        Model {
            name,
            about,
            source,
            states,
            initial: initial.iter().map(|s| s.to_string()).collect(),
            edges,
            triggers: Vec::new(),
        }
    }

    pub fn trigger(
        mut self,
        method: &'static str,
        path: &str,
        label: Option<&'static str>,
        field: Option<&'static str>,
    ) -> Model {
        // The patterns are constants in this crate; a bad one is a bug caught by the tests.
        if let Ok(path) = regex::Regex::new(path) {
            self.triggers.push(Trigger {
                method,
                path,
                label,
                field,
            });
        }
        self
    }

    pub fn has_state(&self, s: &str) -> bool {
        self.states.iter().any(|x| x == s)
    }

    /// Whether `state` is one the resource cannot leave on its own (no `auto` edge out): a
    /// final state (SUCCEED, completed, Completed) or one only a client operation ends
    /// (FAILED until a retry, paused until a resume).
    pub fn resting(&self, state: &str) -> bool {
        self.has_state(state) && !self.edges.iter().any(|e| e.0 == state && e.2 == "auto")
    }

    /// The labels this model knows besides `auto`.
    pub fn operations(&self) -> BTreeSet<&str> {
        self.edges
            .iter()
            .map(|e| e.2.as_str())
            .filter(|l| *l != "auto")
            .collect()
    }

    /// The operation a request performed on this model's resources, if any.
    pub fn operation_of(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Option<String> {
        self.triggers.iter().find_map(|t| {
            if !t.method.eq_ignore_ascii_case(method) || !t.path.is_match(path) {
                return None;
            }
            match (t.label, t.field) {
                (Some(l), _) => Some(l.to_string()),
                (None, Some(f)) => body
                    .and_then(|b| b.get(f))
                    .and_then(|v| v.as_str())
                    .map(|s| s.to_ascii_lowercase()),
                (None, None) => None,
            }
        })
    }

    /// The shortest path `from → … → to` using `auto` edges and the `enabled` operations, as
    /// the list of edges taken; `None` when there is none.
    pub fn path(
        &self,
        from: &str,
        to: &str,
        enabled: &BTreeSet<String>,
    ) -> Option<Vec<(String, String, String)>> {
        let usable = |l: &str| l == "auto" || enabled.contains(l);
        let mut prev: Vec<Option<usize>> = vec![None; self.states.len()];
        let idx = |s: &str| self.states.iter().position(|x| x == s);
        idx(from)?;
        let goal = idx(to)?;
        let mut seen = vec![false; self.states.len()];
        let mut queue = VecDeque::new();
        // Seed with the edges out of `from` so that from == to needs a real cycle.
        for (i, e) in self.edges.iter().enumerate() {
            if e.0 == from && usable(&e.2) {
                if let Some(t) = idx(&e.1) {
                    if !seen[t] {
                        seen[t] = true;
                        prev[t] = Some(i);
                        queue.push_back(t);
                    }
                }
            }
        }
        while let Some(s) = queue.pop_front() {
            if s == goal {
                let mut out = Vec::new();
                let mut cur = goal;
                while let Some(ei) = prev[cur] {
                    let e = &self.edges[ei];
                    out.push(e.clone());
                    if e.0 == from {
                        break;
                    }
                    cur = idx(&e.0)?;
                }
                out.reverse();
                return Some(out);
            }
            for (i, e) in self.edges.iter().enumerate() {
                if e.0 == self.states[s] && usable(&e.2) {
                    if let Some(t) = idx(&e.1) {
                        if !seen[t] {
                            seen[t] = true;
                            prev[t] = Some(i);
                            queue.push_back(t);
                        }
                    }
                }
            }
        }
        None
    }

    /// The edge labels that lead from `from` to `to` directly.
    pub fn direct(&self, from: &str, to: &str) -> Vec<&str> {
        self.edges
            .iter()
            .filter(|e| e.0 == from && e.1 == to)
            .map(|e| e.2.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(l: &[&str]) -> BTreeSet<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_builtin_model_parses_with_states_and_its_triggers_compile() {
        for m in all() {
            assert!(m.states.len() >= 2, "{}", m.name);
            for i in &m.initial {
                assert!(m.has_state(i), "{}: initial {i} is not a state", m.name);
            }
        }
        assert!(all().iter().any(|m| m.name == "obshell.dag"));
    }

    #[test]
    fn a_skipped_state_is_fine_but_going_back_needs_an_operation() {
        let dag = get("obshell.dag").unwrap();
        assert!(dag.path("READY/RUN", "SUCCEED/RUN", &ops(&[])).is_some());
        assert!(dag.path("SUCCEED/RUN", "RUNNING/RUN", &ops(&[])).is_none());
        assert!(dag.path("FAILED/RUN", "RUNNING/RUN", &ops(&[])).is_none());
        assert!(dag
            .path("FAILED/RUN", "RUNNING/RUN", &ops(&["retry"]))
            .is_some());
        assert!(dag
            .path("FAILED/RUN", "SUCCEED/ROLLBACK", &ops(&["rollback"]))
            .is_some());
    }

    #[test]
    fn final_states_and_states_only_an_operation_ends_are_resting() {
        let dag = get("obshell.dag").unwrap();
        assert!(dag.resting("SUCCEED/RUN") && dag.resting("FAILED/RUN"));
        assert!(!dag.resting("RUNNING/RUN") && !dag.resting("READY/RUN"));
        let job = get("taurusdb.job").unwrap();
        assert!(job.resting("Completed") && !job.resting("Running"));
        let batch = get("ota.batch").unwrap();
        assert!(batch.resting("completed") && batch.resting("paused"));
        assert!(!batch.resting("observing"));
    }

    #[test]
    fn operations_are_read_from_requests() {
        let dag = get("obshell.dag").unwrap();
        let body = serde_json::json!({"operator": "Retry"});
        assert_eq!(
            dag.operation_of("POST", "/api/v1/task/dag/12", Some(&body)),
            Some("retry".to_string())
        );
        let plan = get("ota.plan").unwrap();
        assert_eq!(
            plan.operation_of("POST", "/api/v1/lifecycle/upgrade-plans/plan-1/pause", None),
            Some("pause".to_string())
        );
    }
}
