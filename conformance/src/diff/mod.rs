//! `diff`: the same cases run against two targets (a simulator and a staging backend, two
//! versions of one implementation), compared step by step where it matters to a client: the
//! status, the shape of the body (which fields there are and their JSON types, arrays folded
//! to `*`), error codes, and the trajectory of every tracked state. Values that differ run to
//! run (ids, timestamps, trace ids, durations) are never compared, only their types.

use crate::report::{CaseResult, RunResult, StepResult};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// One place where the two targets disagree.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Difference {
    /// The case id (`file: name`).
    pub case: String,
    /// 1-based step number, 0 for the case as a whole.
    pub step: usize,
    pub step_name: String,
    /// What differs, naming the field: `status: 200 (a) vs 202 (b)`.
    pub what: String,
}

/// The comparison of two runs of the same cases.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    pub cases: usize,
    pub differences: Vec<Difference>,
}

impl Comparison {
    pub fn agree(&self) -> bool {
        self.differences.is_empty()
    }

    /// For people: one block per case that differs, a summary line.
    pub fn terminal(&self) -> String {
        let mut out = String::new();
        let mut last = None;
        for d in &self.differences {
            if last != Some(&d.case) {
                let _ = writeln!(out, "DIFF {}", d.case);
                last = Some(&d.case);
            }
            if d.step == 0 {
                let _ = writeln!(out, "  {}", d.what);
            } else {
                let _ = writeln!(out, "  step {} '{}': {}", d.step, d.step_name, d.what);
            }
        }
        let differing: BTreeSet<&str> = self.differences.iter().map(|d| d.case.as_str()).collect();
        let _ = writeln!(
            out,
            "\n{} cases: {} agree, {} differ ({} differences) between a = {} and b = {}",
            self.cases,
            self.cases - differing.len(),
            differing.len(),
            self.differences.len(),
            self.a,
            self.b
        );
        out
    }
}

/// Compares two runs of the same cases, case by case (by id) and step by step.
pub fn compare(a: &RunResult, b: &RunResult) -> Comparison {
    let mut differences = Vec::new();
    let by_id: BTreeMap<&str, &CaseResult> = b.cases.iter().map(|c| (c.id.as_str(), c)).collect();
    for ca in &a.cases {
        let Some(cb) = by_id.get(ca.id.as_str()) else {
            differences.push(whole(ca, "ran on a only".into()));
            continue;
        };
        compare_case(ca, cb, &mut differences);
    }
    for cb in &b.cases {
        if !a.cases.iter().any(|c| c.id == cb.id) {
            differences.push(whole(cb, "ran on b only".into()));
        }
    }
    Comparison {
        a: a.target.clone(),
        b: b.target.clone(),
        cases: a.cases.len(),
        differences,
    }
}

fn whole(c: &CaseResult, what: String) -> Difference {
    Difference {
        case: c.id.clone(),
        step: 0,
        step_name: String::new(),
        what,
    }
}

fn outcome(c: &CaseResult) -> String {
    match &c.outcome {
        crate::Outcome::Passed => "passed".into(),
        crate::Outcome::Failed { message } => format!("failed at {message}"),
        crate::Outcome::Skipped { reason } => format!("skipped ({reason})"),
    }
}

fn compare_case(a: &CaseResult, b: &CaseResult, out: &mut Vec<Difference>) {
    if std::mem::discriminant(&a.outcome) != std::mem::discriminant(&b.outcome) {
        out.push(whole(
            a,
            format!("outcome: {} (a) vs {} (b)", outcome(a), outcome(b)),
        ));
    }
    for (i, (sa, sb)) in a.steps.iter().zip(&b.steps).enumerate() {
        for what in compare_step(sa, sb) {
            out.push(Difference {
                case: a.id.clone(),
                step: i + 1,
                step_name: sa.name.clone(),
                what,
            });
        }
    }
    if a.steps.len() != b.steps.len() {
        out.push(whole(
            a,
            format!("steps run: {} (a) vs {} (b)", a.steps.len(), b.steps.len()),
        ));
    }
}

/// What differs between two answers to the same step.
pub fn compare_step(a: &StepResult, b: &StepResult) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some((status_a, body_a)), Some((status_b, body_b))) = (&a.answer, &b.answer) {
        if status_a != status_b {
            out.push(format!("status: {status_a} (a) vs {status_b} (b)"));
        }
        let (shape_a, shape_b) = (shape(body_a.as_ref()), shape(body_b.as_ref()));
        for (ptr, ta) in &shape_a {
            match shape_b.get(ptr) {
                None => out.push(format!("field {ptr}: {} on a, absent on b", join(ta))),
                Some(tb) if tb != ta => {
                    out.push(format!("field {ptr}: {} (a) vs {} (b)", join(ta), join(tb)))
                }
                _ => {}
            }
        }
        for (ptr, tb) in &shape_b {
            if !shape_a.contains_key(ptr) {
                out.push(format!("field {ptr}: absent on a, {} on b", join(tb)));
            }
        }
        let (codes_a, codes_b) = (codes(body_a.as_ref()), codes(body_b.as_ref()));
        for ptr in codes_a
            .keys()
            .chain(codes_b.keys())
            .collect::<BTreeSet<_>>()
        {
            let (x, y) = (codes_a.get(ptr), codes_b.get(ptr));
            if let (Some(x), Some(y)) = (x, y) {
                if x != y {
                    out.push(format!("error code {ptr}: {x} (a) vs {y} (b)"));
                }
            }
        }
    } else if a.answer.is_some() != b.answer.is_some()
        && a.failures.is_empty()
        && b.failures.is_empty()
    {
        // A side that failed before any answer came (the request could not be sent) says so
        // in the case's outcome line; "none" would only repeat it.
        out.push(format!(
            "answer: {} (a) vs {} (b)",
            if a.answer.is_some() { "one" } else { "none" },
            if b.answer.is_some() { "one" } else { "none" }
        ));
    }
    for (track, ta) in &a.states {
        let tb = b.states.get(track);
        if tb != Some(ta) {
            out.push(format!(
                "states {track}: {} (a) vs {} (b)",
                ta.join(" → "),
                tb.map_or("not observed".to_string(), |t| t.join(" → "))
            ));
        }
    }
    for track in b.states.keys() {
        if !a.states.contains_key(track) {
            out.push(format!("states {track}: not observed on a, observed on b"));
        }
    }
    out
}

fn join(s: &BTreeSet<&'static str>) -> String {
    s.iter().copied().collect::<Vec<_>>().join("|")
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Visits every value of `v` with its concrete pointer, its pointer with array indices
/// folded to `*`, and the key it sits under (empty for array elements and the root).
fn walk(v: &Value, at: &str, folded: &str, key: &str, f: &mut dyn FnMut(&str, &str, &str, &Value)) {
    f(at, folded, key, v);
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let k_esc = k.replace('~', "~0").replace('/', "~1");
                walk(
                    x,
                    &format!("{at}/{k_esc}"),
                    &format!("{folded}/{k_esc}"),
                    k,
                    f,
                );
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, &format!("{at}/{i}"), &format!("{folded}/*"), "", f);
            }
        }
        _ => {}
    }
}

/// Every pointer of `body` (array elements folded to `*`) with the JSON types found there.
pub fn shape(body: Option<&Value>) -> BTreeMap<String, BTreeSet<&'static str>> {
    let mut out: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    if let Some(v) = body {
        walk(v, "", "", "", &mut |_, folded, _, x| {
            out.entry(folded.to_string()).or_default().insert(kind(x));
        });
    }
    out
}

/// The error codes of a body: the values of fields named `code`, `error_code` or `errorCode`
/// (any case), by concrete pointer.
pub fn codes(body: Option<&Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(v) = body {
        walk(v, "", "", "", &mut |at, _, key, x| {
            let name = key.to_ascii_lowercase().replace('_', "");
            if (name == "code" || name == "errorcode") && !x.is_object() && !x.is_array() {
                out.insert(at.to_string(), x.to_string());
            }
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(status: u16, body: Value, states: &[(&str, &[&str])]) -> StepResult {
        StepResult {
            answer: Some((status, Some(body))),
            states: states
                .iter()
                .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect(),
            ..StepResult::default()
        }
    }

    #[test]
    fn ids_and_timestamps_differing_is_agreement() {
        let a = step(
            200,
            json!({"id": "plan-1", "at": "2024-01-01T00:00:00Z", "n": 1}),
            &[],
        );
        let b = step(
            200,
            json!({"id": "plan-9", "at": "2025-06-01T10:00:00Z", "n": 7}),
            &[],
        );
        assert_eq!(compare_step(&a, &b), Vec::<String>::new());
    }

    #[test]
    fn a_step_that_failed_before_an_answer_on_one_side_adds_no_answer_line() {
        let a = step(200, json!({"x": 1}), &[]);
        let b = StepResult {
            failures: vec!["POST http://127.0.0.1:1/x: connection refused".into()],
            ..StepResult::default()
        };
        assert_eq!(compare_step(&a, &b), Vec::<String>::new());
        assert_eq!(compare_step(&b, &a), Vec::<String>::new());
        let silent = StepResult::default();
        assert_eq!(
            compare_step(&a, &silent),
            vec!["answer: one (a) vs none (b)".to_string()]
        );
    }

    #[test]
    fn a_status_a_field_a_type_an_error_code_and_a_trajectory_are_each_named() {
        let a = step(
            400,
            json!({"error_code": "DBS.200001", "items": [{"x": 1}], "gone": true}),
            &[("ota.plan /status", &["running", "completed"])],
        );
        let b = step(
            409,
            json!({"error_code": "DBS.200011", "items": [{"x": "1"}]}),
            &[("ota.plan /status", &["running", "paused"])],
        );
        let d = compare_step(&a, &b);
        assert!(
            d.contains(&"status: 400 (a) vs 409 (b)".to_string()),
            "{d:?}"
        );
        assert!(
            d.contains(&"field /items/*/x: number (a) vs string (b)".to_string()),
            "{d:?}"
        );
        assert!(
            d.contains(&"field /gone: boolean on a, absent on b".to_string()),
            "{d:?}"
        );
        assert!(
            d.contains(
                &"error code /error_code: \"DBS.200001\" (a) vs \"DBS.200011\" (b)".to_string()
            ),
            "{d:?}"
        );
        assert!(
            d.contains(
                &"states ota.plan /status: running → completed (a) vs running → paused (b)"
                    .to_string()
            ),
            "{d:?}"
        );
    }
}
