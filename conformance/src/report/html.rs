//! The HTML report (`--report html=FILE`): one self-contained page, no scripts or outside
//! files, like the timeline page. A summary, every case with its steps (the request as sent,
//! what was expected, what came back, the failures and diff, the state trajectory), then the
//! coverage of each model's states and transitions and of each API's endpoints.

use super::{xml as esc, Outcome, RunResult, StepResult};
use crate::models;
use std::fmt::Write as _;

const STYLE: &str = "
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.sum{margin:0 0 16px;color:#4a5262}.pill{display:inline-block;border-radius:9px;padding:0 8px;
font-weight:600;font-size:12px;margin-right:6px}.pass{background:#d9f2e1;color:#17693a}
.fail{background:#fbdcdc;color:#9b1c1c}.skip{background:#eceef2;color:#555}
details{background:#fff;border:1px solid #e1e4ea;border-radius:6px;margin:4px 0;padding:4px 10px}
summary{cursor:pointer}summary .ms{color:#8a91a0;font-size:12px;margin-left:6px}
.step{border-left:3px solid #d9f2e1;margin:8px 0 8px 4px;padding:2px 10px}
.step.bad{border-color:#e86b6b}.step h4{margin:4px 0;font-size:13px}
pre{background:#f4f5f7;padding:6px 8px;border-radius:4px;overflow:auto;max-height:260px;
font-size:12px;margin:4px 0}.why{color:#9b1c1c;font-weight:600}
table{border-collapse:collapse;background:#fff;margin:6px 0}td,th{border:1px solid #e1e4ea;
padding:3px 8px;font-size:12px;text-align:left;vertical-align:top}
.seen{background:#d9f2e1}.unseen{background:#fbeaea}.bar{height:8px;background:#eceef2;
border-radius:4px;width:160px;display:inline-block;vertical-align:middle}
.bar i{display:block;height:8px;border-radius:4px;background:#3aa360}
";

fn bar(hit: usize, all: usize) -> String {
    let pct = (hit * 100).checked_div(all).unwrap_or(0);
    format!("<span class=bar><i style=\"width:{pct}%\"></i></span> {hit}/{all}")
}

fn step_html(out: &mut String, i: usize, s: &StepResult) {
    let _ = write!(
        out,
        "<div class=\"step{}\"><h4>{} step {} · {}{}</h4>",
        if s.passed { "" } else { " bad" },
        if s.passed { "✓" } else { "✗" },
        i + 1,
        esc(&s.name),
        if s.attempts > 1 {
            format!(" <span class=ms>{} attempts</span>", s.attempts)
        } else {
            String::new()
        }
    );
    for f in &s.failures {
        let _ = write!(out, "<div class=why>{}</div>", esc(f));
    }
    if let Some(sent) = &s.sent {
        let _ = write!(out, "<div>sent</div><pre>{}</pre>", esc(sent));
    }
    if !s.expected.is_empty() {
        let _ = write!(
            out,
            "<div>expected</div><pre>{}</pre>",
            esc(&s.expected.join("\n"))
        );
    }
    if let Some(got) = &s.got {
        let _ = write!(out, "<div>got</div><pre>{}</pre>", esc(got));
    }
    if let Some(d) = &s.diff {
        let _ = write!(
            out,
            "<div>diff (- expected, + got)</div><pre>{}</pre>",
            esc(d)
        );
    }
    if !s.states.is_empty() {
        let lines: Vec<String> = s
            .states
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.join(" → ")))
            .collect();
        let _ = write!(
            out,
            "<div>states</div><pre>{}</pre>",
            esc(&lines.join("\n"))
        );
    }
    for n in &s.notes {
        let _ = write!(out, "<div class=ms>note: {}</div>", esc(n));
    }
    out.push_str("</div>");
}

impl RunResult {
    /// The whole run as one HTML page.
    pub fn html(&self) -> String {
        let (p, f, s) = self.counts();
        let mut out = String::new();
        let _ = write!(
            out,
            "<!doctype html><html><head><meta charset=utf-8><title>upgrade-conformance: \
             {p} passed, {f} failed</title><style>{STYLE}</style></head><body>\
             <h1>upgrade-conformance</h1><div class=sum>{} against <b>{}</b>{} · {:.1} s · \
             <span class=\"pill pass\">{p} passed</span><span class=\"pill fail\">{f} failed\
             </span><span class=\"pill skip\">{s} skipped</span></div>",
            self.cases.len(),
            esc(&self.target),
            if self.simulator { " (simulator)" } else { "" },
            self.millis as f64 / 1000.0
        );
        for n in &self.notes {
            let _ = write!(out, "<div class=sum>note: {}</div>", esc(n));
        }
        out.push_str("<h2>Cases</h2>");
        for c in &self.cases {
            let (class, tag) = match &c.outcome {
                Outcome::Passed => ("pass", "PASS"),
                Outcome::Failed { .. } => ("fail", "FAIL"),
                Outcome::Skipped { .. } => ("skip", "SKIP"),
            };
            let _ = write!(
                out,
                "<details{}><summary><span class=\"pill {class}\">{tag}</span>{}\
                 <span class=ms>{} steps · {} ms</span></summary>",
                if c.failed() { " open" } else { "" },
                esc(&c.id),
                c.steps.len(),
                c.millis
            );
            match &c.outcome {
                Outcome::Failed { message } => {
                    let _ = write!(out, "<div class=why>{}</div>", esc(message));
                }
                Outcome::Skipped { reason } => {
                    let _ = write!(out, "<div>{}</div>", esc(reason));
                }
                Outcome::Passed => {}
            }
            for (i, st) in c.steps.iter().enumerate() {
                step_html(&mut out, i, st);
            }
            out.push_str("</details>");
        }
        out.push_str(
            "<h2>Coverage: models</h2><table><tr><th>model</th><th>states</th>\
                       <th>transitions</th><th>states (seen in green)</th></tr>",
        );
        let cov = &self.coverage;
        for m in models::all() {
            let seen = cov.states.get(m.name).cloned().unwrap_or_default();
            let direct = cov.transitions.get(m.name).cloned().unwrap_or_default();
            let inferred = cov.inferred.get(m.name).cloned().unwrap_or_default();
            let edges: std::collections::BTreeSet<String> = m
                .edges
                .iter()
                .map(|(a, b, _)| format!("{a} -> {b}"))
                .collect();
            let hit = edges
                .iter()
                .filter(|e| direct.contains(*e) || inferred.contains(*e))
                .count();
            let cells: String = m
                .states
                .iter()
                .map(|st| {
                    format!(
                        "<span class={}>&nbsp;{}&nbsp;</span> ",
                        if seen.contains(st) { "seen" } else { "unseen" },
                        esc(st)
                    )
                })
                .collect();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{cells}</td></tr>",
                m.name,
                bar(
                    m.states.iter().filter(|s| seen.contains(*s)).count(),
                    m.states.len()
                ),
                bar(hit, edges.len())
            );
        }
        out.push_str(
            "</table><h2>Coverage: endpoints</h2><table><tr><th>vendor</th>\
                       <th>endpoint</th></tr>",
        );
        for e in models::endpoints() {
            let label = e.label();
            let _ = write!(
                out,
                "<tr><td>{}</td><td class={}>{}</td></tr>",
                e.vendor,
                if cov.endpoints.contains(&label) {
                    "seen"
                } else {
                    "unseen"
                },
                esc(&label)
            );
        }
        out.push_str("</table></body></html>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::{CaseResult, Coverage};
    use super::*;

    #[test]
    fn the_page_shows_a_failing_steps_evidence_escaped_and_the_coverage() {
        let step = StepResult {
            name: "poll <plan>".into(),
            passed: false,
            failures: vec!["status: expected 200, got 500".into()],
            got: Some("status 500\n\n{\"a\": \"<b>\"}".into()),
            ..StepResult::default()
        };
        let r = RunResult {
            target: "http://x".into(),
            simulator: true,
            cases: vec![CaseResult {
                id: "s/a.yaml: a".into(),
                suite: "s".into(),
                name: "a".into(),
                file: "s/a.yaml".into(),
                outcome: Outcome::Failed {
                    message: "step 1 'poll <plan>': status".into(),
                },
                steps: vec![step],
                millis: 3,
            }],
            coverage: Coverage::default(),
            millis: 3,
            notes: vec![],
        };
        let html = r.html();
        assert!(html.contains("1 failed"), "summary");
        assert!(html.contains("poll &lt;plan&gt;") && !html.contains("poll <plan>"));
        assert!(html.contains("status: expected 200, got 500"));
        assert!(html.contains("obshell.dag") && html.contains("Coverage: endpoints"));
        assert!(!html.contains("<script"), "self-contained, no scripts");
    }
}
