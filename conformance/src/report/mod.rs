//! Reports: the results of a run for people (the terminal: per case and per step what was
//! sent, expected and got, with a diff) and for CI (JUnit XML, JSON), plus the coverage
//! report: each model's states and transitions, and each API's endpoints, exercised or not.

mod html;

use crate::models;
use indexmap::IndexMap;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What happened to a case.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "outcome", rename_all = "lowercase")]
pub enum Outcome {
    Passed,
    Failed { message: String },
    Skipped { reason: String },
}

/// One step's evidence.
#[derive(Debug, Clone, Serialize, Default)]
pub struct StepResult {
    pub name: String,
    pub passed: bool,
    /// The request as sent (method, URL, notable headers, body cut).
    pub sent: Option<String>,
    /// What the step expected, one line per check.
    pub expected: Vec<String>,
    /// Status and body that came back (cut).
    pub got: Option<String>,
    pub failures: Vec<String>,
    pub diff: Option<String>,
    /// Requests sent for this step (more than one when polling).
    pub attempts: u32,
    pub notes: Vec<String>,
    pub millis: u128,
    /// Per track (`model pointer`), the values its fields took over the step's answers,
    /// consecutive repeats folded: the state trajectory `diff` compares.
    pub states: IndexMap<String, Vec<String>>,
    /// The last answer's status and JSON body, whole (for `diff`).
    #[serde(skip)]
    pub answer: Option<(u16, Option<serde_json::Value>)>,
}

/// One case's result.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub id: String,
    pub suite: String,
    pub name: String,
    pub file: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub steps: Vec<StepResult>,
    pub millis: u128,
}

impl CaseResult {
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Failed { .. })
    }
}

/// What the run exercised.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    /// model → states observed.
    pub states: BTreeMap<String, BTreeSet<String>>,
    /// model → "A -> B" seen directly from one observation to the next.
    pub transitions: BTreeMap<String, BTreeSet<String>>,
    /// model → "A -> B" edges crossed between two observations that skipped states.
    pub inferred: BTreeMap<String, BTreeSet<String>>,
    /// "METHOD /template" hit at least once.
    pub endpoints: BTreeSet<String>,
}

impl Coverage {
    pub fn merge(&mut self, other: &Coverage) {
        for (k, v) in &other.states {
            self.states
                .entry(k.clone())
                .or_default()
                .extend(v.iter().cloned());
        }
        for (k, v) in &other.transitions {
            self.transitions
                .entry(k.clone())
                .or_default()
                .extend(v.iter().cloned());
        }
        for (k, v) in &other.inferred {
            self.inferred
                .entry(k.clone())
                .or_default()
                .extend(v.iter().cloned());
        }
        self.endpoints.extend(other.endpoints.iter().cloned());
    }

    /// The coverage report as text: per model the states and transitions exercised and
    /// not, then per API the endpoints.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Coverage");
        for m in models::all() {
            let seen = self.states.get(m.name).cloned().unwrap_or_default();
            let direct = self.transitions.get(m.name).cloned().unwrap_or_default();
            let inferred = self.inferred.get(m.name).cloned().unwrap_or_default();
            let edges: BTreeSet<String> = m
                .edges
                .iter()
                .map(|(a, b, _)| format!("{a} -> {b}"))
                .collect();
            let hit = edges.iter().filter(|e| direct.contains(*e)).count();
            let hit_any = edges
                .iter()
                .filter(|e| direct.contains(*e) || inferred.contains(*e))
                .count();
            let _ = writeln!(
                out,
                "  model {}: states {}/{}, transitions {}/{} observed ({} incl. skipped-over)",
                m.name,
                m.states.iter().filter(|s| seen.contains(*s)).count(),
                m.states.len(),
                hit,
                edges.len(),
                hit_any
            );
            let missing: Vec<&String> = m.states.iter().filter(|s| !seen.contains(*s)).collect();
            if !missing.is_empty() {
                let _ = writeln!(
                    out,
                    "    states not seen: {}",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let missing: Vec<&String> = edges
                .iter()
                .filter(|e| !direct.contains(*e) && !inferred.contains(*e))
                .collect();
            if !missing.is_empty() {
                let _ = writeln!(
                    out,
                    "    transitions not exercised: {}",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        let eps = models::endpoints();
        let mut vendors: Vec<&str> = eps.iter().map(|e| e.vendor).collect();
        vendors.dedup();
        for v in vendors {
            let mine: Vec<String> = eps
                .iter()
                .filter(|e| e.vendor == v)
                .map(|e| e.label())
                .collect();
            let hit = mine.iter().filter(|e| self.endpoints.contains(*e)).count();
            let _ = writeln!(out, "  endpoints {v}: {hit}/{} exercised", mine.len());
            let missing: Vec<&String> = mine
                .iter()
                .filter(|e| !self.endpoints.contains(*e))
                .collect();
            for m in missing {
                let _ = writeln!(out, "    not exercised: {m}");
            }
        }
        out
    }

    /// Coverage as JSON (for `--report json`).
    pub fn to_json(&self) -> serde_json::Value {
        let mut models_out = serde_json::Map::new();
        for m in models::all() {
            let seen = self.states.get(m.name).cloned().unwrap_or_default();
            let direct = self.transitions.get(m.name).cloned().unwrap_or_default();
            let inferred = self.inferred.get(m.name).cloned().unwrap_or_default();
            let edges: Vec<String> = m
                .edges
                .iter()
                .map(|(a, b, l)| format!("{a} -> {b} ({l})"))
                .collect();
            models_out.insert(
                m.name.to_string(),
                serde_json::json!({
                    "states": m.states,
                    "states_seen": seen,
                    "transitions": edges,
                    "transitions_observed": direct,
                    "transitions_skipped_over": inferred,
                }),
            );
        }
        let eps: Vec<serde_json::Value> = models::endpoints()
            .iter()
            .map(|e| {
                serde_json::json!({"vendor": e.vendor, "endpoint": e.label(),
                    "exercised": self.endpoints.contains(&e.label())})
            })
            .collect();
        serde_json::json!({"models": models_out, "endpoints": eps})
    }
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    pub target: String,
    pub simulator: bool,
    pub cases: Vec<CaseResult>,
    pub coverage: Coverage,
    pub millis: u128,
    /// What the run wants said besides the cases (where credentials came from).
    pub notes: Vec<String>,
}

impl RunResult {
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for r in &self.cases {
            match r.outcome {
                Outcome::Passed => c.0 += 1,
                Outcome::Failed { .. } => c.1 += 1,
                Outcome::Skipped { .. } => c.2 += 1,
            }
        }
        c
    }

    /// The terminal report: one line per case, the evidence for failures (every step with
    /// `verbose`), a summary.
    pub fn terminal(&self, verbose: bool) -> String {
        let mut out = String::new();
        for c in &self.cases {
            let tag = match &c.outcome {
                Outcome::Passed => "PASS",
                Outcome::Failed { .. } => "FAIL",
                Outcome::Skipped { .. } => "SKIP",
            };
            let _ = writeln!(out, "{tag} {} ({} ms)", c.id, c.millis);
            if let Outcome::Skipped { reason } = &c.outcome {
                let _ = writeln!(out, "     skipped: {reason}");
            }
            if c.failed() || verbose {
                for (i, s) in c.steps.iter().enumerate() {
                    if !verbose && s.passed {
                        continue;
                    }
                    let _ = writeln!(
                        out,
                        "  step {} '{}': {}{}",
                        i + 1,
                        s.name,
                        if s.passed { "ok" } else { "FAILED" },
                        if s.attempts > 1 {
                            format!(" after {} attempts", s.attempts)
                        } else {
                            String::new()
                        }
                    );
                    if let Some(sent) = &s.sent {
                        let _ = writeln!(out, "    sent:\n{}", indent(sent, 6));
                    }
                    if !s.expected.is_empty() {
                        let _ = writeln!(out, "    expected:");
                        for e in &s.expected {
                            let _ = writeln!(out, "      {e}");
                        }
                    }
                    if let Some(got) = &s.got {
                        let _ = writeln!(out, "    got:\n{}", indent(got, 6));
                    }
                    for f in &s.failures {
                        let _ = writeln!(out, "    ✗ {f}");
                    }
                    if let Some(d) = &s.diff {
                        let _ = writeln!(out, "    diff (- expected, + got):\n{}", indent(d, 6));
                    }
                    for n in &s.notes {
                        let _ = writeln!(out, "    note: {n}");
                    }
                }
            }
        }
        let (p, f, s) = self.counts();
        let _ = writeln!(
            out,
            "\n{} cases: {p} passed, {f} failed, {s} skipped in {:.1} s against {}{}",
            self.cases.len(),
            self.millis as f64 / 1000.0,
            self.target,
            if self.simulator { " (simulator)" } else { "" }
        );
        for n in &self.notes {
            let _ = writeln!(out, "note: {n}");
        }
        out
    }

    /// JUnit XML: one testsuite per suite directory, one testcase per case.
    pub fn junit(&self) -> String {
        let mut suites: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
        for c in &self.cases {
            suites.entry(c.suite.as_str()).or_default().push(c);
        }
        let (_, f, s) = self.counts();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"upgrade-conformance\" tests=\"{}\" failures=\"{f}\" skipped=\"{s}\" time=\"{:.3}\">",
            self.cases.len(),
            self.millis as f64 / 1000.0
        );
        for (suite, cases) in suites {
            let fails = cases.iter().filter(|c| c.failed()).count();
            let skips = cases
                .iter()
                .filter(|c| matches!(c.outcome, Outcome::Skipped { .. }))
                .count();
            let time: u128 = cases.iter().map(|c| c.millis).sum();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\" skipped=\"{skips}\" time=\"{:.3}\">",
                xml(suite),
                cases.len(),
                time as f64 / 1000.0
            );
            for c in cases {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"{:.3}\"",
                    xml(suite),
                    xml(&c.name),
                    xml(&c.file),
                    c.millis as f64 / 1000.0
                );
                match &c.outcome {
                    Outcome::Passed => out.push_str("/>\n"),
                    Outcome::Skipped { reason } => {
                        let _ = writeln!(
                            out,
                            ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                            xml(reason)
                        );
                    }
                    Outcome::Failed { message } => {
                        let single = RunResult {
                            target: self.target.clone(),
                            simulator: self.simulator,
                            cases: vec![(*c).clone()],
                            coverage: Coverage::default(),
                            millis: c.millis,
                            notes: vec![],
                        };
                        let _ = writeln!(
                            out,
                            ">\n      <failure message=\"{}\" type=\"conformance\">{}</failure>\n    </testcase>",
                            xml(message),
                            xml(&single.terminal(false))
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }

    /// The whole run as JSON, coverage included.
    pub fn json(&self) -> serde_json::Value {
        let (p, f, s) = self.counts();
        serde_json::json!({
            "target": self.target,
            "simulator": self.simulator,
            "passed": p, "failed": f, "skipped": s,
            "millis": self.millis,
            "notes": self.notes,
            "cases": self.cases,
            "coverage": self.coverage.to_json(),
        })
    }
}

fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    s.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A line diff of two texts (LCS), `-` for expected-only lines, `+` for got-only lines,
/// unchanged lines kept for context; long inputs are cut.
pub fn diff(expected: &str, got: &str) -> String {
    let a: Vec<&str> = expected.lines().take(400).collect();
    let b: Vec<&str> = got.lines().take(400).collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u16; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push(format!("  {}", a[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(format!("+ {}", b[j]));
            j += 1;
        } else {
            out.push(format!("- {}", a[i]));
            i += 1;
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_marks_changed_lines() {
        let d = diff("a\nb\nc", "a\nx\nc");
        assert_eq!(d, "  a\n+ x\n- b\n  c");
    }

    #[test]
    fn junit_escapes_and_counts_failures() {
        let r = RunResult {
            target: "http://x".into(),
            simulator: false,
            cases: vec![CaseResult {
                id: "s/a.yaml: <a>".into(),
                suite: "s".into(),
                name: "<a>".into(),
                file: "s/a.yaml".into(),
                outcome: Outcome::Failed {
                    message: "step 1 'x': status: expected 200, got 500".into(),
                },
                steps: vec![],
                millis: 3,
            }],
            coverage: Coverage::default(),
            millis: 3,
            notes: vec![],
        };
        let x = r.junit();
        assert!(x.contains("failures=\"1\""));
        assert!(x.contains("name=\"&lt;a&gt;\""));
        assert!(x.contains("step 1 &apos;x&apos;: status: expected 200, got 500"));
    }
}
