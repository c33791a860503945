//! Transition tracking: the values each tracked field takes across a case, per entity,
//! checked against the field's model. A change `a → b` passes only when the model has a path
//! from `a` to `b` over `auto` edges and the operations the case performed since `a` was seen.

use crate::matchers::select;
use crate::models::{self, Model};
use crate::report::Coverage;
use crate::script::Track;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Clone)]
struct Seen {
    value: String,
    step: String,
    seq: u64,
    /// Index of the case step that saw it (to re-read it later).
    reader: usize,
}

/// The observations and operations of one case.
#[derive(Debug, Default)]
pub struct Tracker {
    seq: u64,
    /// (seq, model or None for any, operation).
    ops: Vec<(u64, Option<String>, String)>,
    seen: HashMap<(String, String), Seen>,
    /// Index of the case step whose answers are being observed.
    pub reader: usize,
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The values the `*` segments of `pattern` took in `concrete`.
fn stars(pattern: &str, concrete: &str) -> Vec<String> {
    pattern
        .split('/')
        .zip(concrete.split('/'))
        .filter(|(p, _)| *p == "*")
        .map(|(_, c)| c.to_string())
        .collect()
}

/// `pattern` with its `*` segments replaced, in order, by `subst`.
fn fill(pattern: &str, subst: &[String]) -> String {
    let mut i = 0;
    pattern
        .split('/')
        .map(|seg| {
            if seg == "*" {
                let s = subst.get(i).cloned().unwrap_or_else(|| "*".into());
                i += 1;
                s
            } else {
                seg.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl Tracker {
    /// The case performed `op` on `model`'s resources (a 2xx answer to an operation).
    pub fn performed(&mut self, model: &str, op: &str) {
        self.seq += 1;
        self.ops
            .push((self.seq, Some(model.to_string()), op.to_string()));
    }

    /// The case performed `op` (a step's `does:`), on whatever model knows it.
    pub fn performed_any(&mut self, op: &str) {
        self.seq += 1;
        self.ops.push((self.seq, None, op.to_string()));
    }

    fn enabled(&self, model: &str, since: u64) -> BTreeSet<String> {
        self.ops
            .iter()
            .filter(|(s, m, _)| *s > since && m.as_deref().is_none_or(|m| m == model))
            .map(|(_, _, op)| op.clone())
            .collect()
    }

    /// The steps that last saw an entity in a resting state (one it cannot leave on its own),
    /// with those entities: re-reading them after more time must find them where they were.
    pub fn resting(&self) -> BTreeMap<usize, Vec<String>> {
        let mut out: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for ((model, id), seen) in &self.seen {
            if model.ends_with("#monotonic") {
                continue;
            }
            if models::get(model).is_some_and(|m| m.resting(&seen.value)) {
                out.entry(seen.reader)
                    .or_default()
                    .push(format!("{model} '{id}' {}", seen.value));
            }
        }
        for v in out.values_mut() {
            v.sort();
        }
        out
    }

    /// Checks the fields `t` names in `body`, for every entity its `*`s expand to.
    pub fn observe(
        &mut self,
        t: &Track,
        entity: &str,
        body: Option<&Value>,
        step: &str,
        cov: &mut Coverage,
    ) -> Result<(), String> {
        let Some(model) = models::get(&t.model) else {
            return Err(format!("unknown model '{}'", t.model));
        };
        let first = &t.paths[0];
        for (concrete, _) in select(body, first) {
            let subst = stars(first, &concrete);
            let mut parts = Vec::new();
            for p in &t.paths {
                match body.and_then(|b| b.pointer(&fill(p, &subst))) {
                    Some(v) => parts.push(text(v)),
                    None => break,
                }
            }
            if parts.len() != t.paths.len() {
                // The field is not in this answer (an error body, say): nothing observed.
                continue;
            }
            let suffix = match &t.key {
                Some(k) => body
                    .and_then(|b| b.pointer(&fill(k, &subst)))
                    .map(|v| format!(" {}", text(v)))
                    .unwrap_or_default(),
                None if !subst.is_empty() => format!(" {}", subst.join("/")),
                None => String::new(),
            };
            let id = format!("{entity}{suffix}");
            let value = parts.join("/");
            if let Some(dir) = &t.monotonic {
                self.monotonic(model, &id, &value, dir, step, &fill(first, &subst))?;
            } else {
                self.check(model, &id, &value, step, &fill(first, &subst), cov)?;
            }
        }
        Ok(())
    }

    fn monotonic(
        &mut self,
        model: &Model,
        id: &str,
        value: &str,
        dir: &str,
        step: &str,
        at: &str,
    ) -> Result<(), String> {
        let key = (format!("{}#monotonic", model.name), format!("{id} {at}"));
        let Ok(now) = value.parse::<f64>() else {
            return Err(format!(
                "{at} of {} '{id}' is '{value}', not a number, so it cannot be {dir}",
                model.name
            ));
        };
        if let Some(prev) = self.seen.get(&key) {
            let operated = !self.enabled(model.name, prev.seq).is_empty()
                || self
                    .ops
                    .iter()
                    .any(|(_, m, _)| m.as_deref().is_none_or(|m| m == model.name));
            if let Ok(before) = prev.value.parse::<f64>() {
                let wrong = if dir == "increasing" {
                    now < before
                } else {
                    now > before
                };
                if wrong && !operated {
                    return Err(format!(
                        "{at} of {} '{id}' went {} from {before} (step '{}') to {now} (step \
                         '{step}'), but it must be {dir} while no operation was performed",
                        model.name,
                        if dir == "increasing" {
                            "backwards"
                        } else {
                            "up"
                        },
                        prev.step
                    ));
                }
            }
        }
        self.seen.insert(
            key,
            Seen {
                value: value.to_string(),
                step: step.to_string(),
                seq: self.seq,
                reader: self.reader,
            },
        );
        Ok(())
    }

    /// Checks one observed value of entity `id` against `model`, recording coverage.
    pub fn check(
        &mut self,
        model: &Model,
        id: &str,
        value: &str,
        step: &str,
        at: &str,
        cov: &mut Coverage,
    ) -> Result<(), String> {
        if !model.has_state(value) {
            return Err(format!(
                "{at} of {} '{id}' is '{value}', which is not a state of model {} (states: {})",
                model.name,
                model.name,
                model.states.join(", ")
            ));
        }
        cov.states
            .entry(model.name.to_string())
            .or_default()
            .insert(value.to_string());
        let key = (model.name.to_string(), id.to_string());
        if let Some(prev) = self.seen.get(&key).cloned() {
            if prev.value != value {
                let enabled = self.enabled(model.name, prev.seq);
                match model.path(&prev.value, value, &enabled) {
                    Some(path) => {
                        let set = if path.len() == 1 {
                            cov.transitions.entry(model.name.to_string()).or_default()
                        } else {
                            cov.inferred.entry(model.name.to_string()).or_default()
                        };
                        for (a, b, _) in &path {
                            set.insert(format!("{a} -> {b}"));
                        }
                    }
                    None => {
                        let allowed: Vec<String> = model
                            .edges
                            .iter()
                            .filter(|e| e.0 == prev.value)
                            .map(|e| format!("{} ({})", e.1, e.2))
                            .collect();
                        return Err(format!(
                            "illegal transition of {} '{id}': {} (seen at step '{}') → {value} \
                             (seen at step '{step}', {at}); operations performed in between: \
                             {}; model {} allows from {}: {}",
                            model.name,
                            prev.value,
                            prev.step,
                            if enabled.is_empty() {
                                "none".to_string()
                            } else {
                                enabled.into_iter().collect::<Vec<_>>().join(", ")
                            },
                            model.name,
                            prev.value,
                            if allowed.is_empty() {
                                "nothing (a final state)".to_string()
                            } else {
                                allowed.join(", ")
                            }
                        ));
                    }
                }
            }
        }
        self.seen.insert(
            key,
            Seen {
                value: value.to_string(),
                step: step.to_string(),
                seq: self.seq,
                reader: self.reader,
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn track(model: &str, paths: &[&str]) -> Track {
        Track {
            model: model.into(),
            paths: paths.iter().map(|s| s.to_string()).collect(),
            entity: None,
            key: None,
            monotonic: None,
        }
    }

    #[test]
    fn a_dag_that_goes_from_succeed_back_to_running_fails_naming_both_states_and_steps() {
        let mut t = Tracker::default();
        let mut cov = Coverage::default();
        let tr = track("obshell.dag", &["/data/state", "/data/operator"]);
        let a = json!({"data": {"state": "SUCCEED", "operator": "RUN"}});
        let b = json!({"data": {"state": "RUNNING", "operator": "RUN"}});
        t.observe(&tr, "dag", Some(&a), "poll", &mut cov).unwrap();
        let e = t
            .observe(&tr, "dag", Some(&b), "poll again", &mut cov)
            .unwrap_err();
        assert!(
            e.contains("SUCCEED/RUN") && e.contains("RUNNING/RUN"),
            "{e}"
        );
        assert!(e.contains("'poll'") && e.contains("'poll again'"), "{e}");
    }

    #[test]
    fn a_retry_allows_failed_to_running() {
        let mut t = Tracker::default();
        let mut cov = Coverage::default();
        let tr = track("obshell.dag", &["/data/state", "/data/operator"]);
        let a = json!({"data": {"state": "FAILED", "operator": "RUN"}});
        let b = json!({"data": {"state": "RUNNING", "operator": "RUN"}});
        t.observe(&tr, "dag", Some(&a), "s1", &mut cov).unwrap();
        t.performed("obshell.dag", "retry");
        t.observe(&tr, "dag", Some(&b), "s2", &mut cov).unwrap();
    }

    #[test]
    fn array_elements_are_separate_entities() {
        let mut t = Tracker::default();
        let mut cov = Coverage::default();
        let tr = track("ota.task", &["/batches/*/tasks/*/status"]);
        let a = json!({"batches": [{"tasks": [{"status": "pending"}, {"status": "running"}]}]});
        let b = json!({"batches": [{"tasks": [{"status": "running"}, {"status": "succeeded"}]}]});
        t.observe(&tr, "plan", Some(&a), "s1", &mut cov).unwrap();
        t.observe(&tr, "plan", Some(&b), "s2", &mut cov).unwrap();
        let c = json!({"batches": [{"tasks": [{"status": "pending"}, {"status": "succeeded"}]}]});
        let e = t
            .observe(&tr, "plan", Some(&c), "s3", &mut cov)
            .unwrap_err();
        assert!(
            e.contains("'plan 0/0'") && e.contains("running (seen at step 's2') → pending"),
            "{e}"
        );
    }

    #[test]
    fn a_stage_that_goes_backwards_fails_unless_an_operation_happened() {
        let mut t = Tracker::default();
        let mut cov = Coverage::default();
        let mut tr = track("obshell.dag", &["/data/stage"]);
        tr.monotonic = Some("increasing".into());
        t.observe(
            &tr,
            "dag",
            Some(&json!({"data": {"stage": 5}})),
            "a",
            &mut cov,
        )
        .unwrap();
        let e = t
            .observe(
                &tr,
                "dag",
                Some(&json!({"data": {"stage": 3}})),
                "b",
                &mut cov,
            )
            .unwrap_err();
        assert!(
            e.contains("went backwards from 5 (step 'a') to 3 (step 'b')"),
            "{e}"
        );
    }
}
