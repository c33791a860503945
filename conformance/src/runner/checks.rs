//! Checks: a step's expectations (status, headers, JSON pointers, whole body, raw text,
//! snapshots) against the answer, their one-line descriptions for the report, and feeding
//! every answer's tracked fields to the tracker (the state models).

use super::{pretty, Ctx};
use crate::auth::Incoming;
use crate::matchers::{cut, json_eq, select};
use crate::report::{diff, StepResult};
use crate::script::{Expect, Step, Track};
use serde_json::Value;

impl Ctx<'_> {
    pub(super) fn describe(&self, e: &Expect) -> Vec<String> {
        let mut out = Vec::new();
        let show = |spec: &Value| match self.matcher(spec) {
            Ok(m) => m.describe(),
            Err(e) => format!("(bad matcher: {e})"),
        };
        if let Some(s) = &e.status {
            out.push(format!("status {}", show(s)));
        }
        for (h, m) in &e.headers {
            out.push(format!("header {h}: {}", show(m)));
        }
        if let Some(b) = &e.body {
            out.push(format!("body equal to {}", cut(&b.to_string(), 300)));
        }
        if let Some(t) = &e.text {
            out.push(format!("raw body {}", show(t)));
        }
        for (p, m) in &e.json {
            out.push(format!("json {p}: {}", show(m)));
        }
        if let Some(s) = &e.snapshot {
            out.push(format!("body matching snapshot '{}'", s.name));
        }
        out
    }

    pub(super) fn check(
        &self,
        e: &Expect,
        resp: &Incoming,
        body: Option<&Value>,
        r: &mut StepResult,
    ) {
        let mut fail = |what: String, err: String| r.failures.push(format!("{what}: {err}"));
        if let Some(s) = &e.status {
            match self.matcher(s) {
                Ok(m) => {
                    if let Err(err) = m.check(Some(&Value::from(resp.status))) {
                        fail("status".into(), err);
                    }
                }
                Err(err) => fail("status".into(), err),
            }
        }
        for (h, spec) in &e.headers {
            let got = resp.header(h).map(|s| Value::String(s.to_string()));
            match self.matcher(spec) {
                Ok(m) => {
                    if let Err(err) = m.check(got.as_ref()) {
                        fail(format!("header {h}"), err);
                    }
                }
                Err(err) => fail(format!("header {h}"), err),
            }
        }
        if let Some(t) = &e.text {
            let got = Value::String(String::from_utf8_lossy(&resp.body).into_owned());
            match self.matcher(t) {
                Ok(m) => {
                    if let Err(err) = m.check(Some(&got)) {
                        fail("raw body".into(), err);
                    }
                }
                Err(err) => fail("raw body".into(), err),
            }
        }
        let needs_json = e.body.is_some() || !e.json.is_empty() || e.snapshot.is_some();
        if needs_json && body.is_none() {
            fail(
                "body".into(),
                format!(
                    "expected JSON, got {}",
                    if resp.body.is_empty() {
                        "an empty body".to_string()
                    } else {
                        format!("'{}'", cut(&String::from_utf8_lossy(&resp.body), 200))
                    }
                ),
            );
            return;
        }
        for (ptr, spec) in &e.json {
            let m = match self.matcher(spec) {
                Ok(m) => m,
                Err(err) => {
                    fail(format!("json {ptr}"), err);
                    continue;
                }
            };
            let hits = select(body, ptr);
            if hits.is_empty() {
                if let Err(err) = m.check(None) {
                    fail(
                        format!("json {ptr}"),
                        format!("nothing matched the wildcard; {err}"),
                    );
                }
            }
            for (at, v) in hits {
                if let Err(err) = m.check(v) {
                    fail(format!("json {at}"), err);
                }
            }
        }
        let mut diff_text = None;
        if let Some(want) = &e.body {
            match self.interp(want) {
                Ok(want) => {
                    if let Some(got) = body {
                        if !json_eq(&want, got) {
                            fail(
                                "body".into(),
                                "the whole body differs (see the diff)".into(),
                            );
                            diff_text = Some(diff(&pretty(&want), &pretty(got)));
                        }
                    }
                }
                Err(err) => fail("body".into(), err),
            }
        }
        if let (Some(snap), Some(got)) = (&e.snapshot, body) {
            let masked = mask(got, &snap.ignore);
            let text = pretty(&masked);
            let stored = std::fs::read_to_string(&snap.file).ok();
            match stored {
                Some(s) if !self.opts.update_snapshots => {
                    let want: Option<Value> = serde_json::from_str(&s).ok();
                    if want.as_ref().is_none_or(|w| !json_eq(w, &masked)) {
                        fail(
                            format!("snapshot '{}'", snap.name),
                            format!(
                                "the body differs from {} (see the diff; rerun with \
                                 --update-snapshots if the change is intended)",
                                snap.file.display()
                            ),
                        );
                        diff_text = Some(diff(s.trim_end(), &text));
                    }
                }
                _ => {
                    let written = snap
                        .file
                        .parent()
                        .map(std::fs::create_dir_all)
                        .transpose()
                        .and_then(|_| std::fs::write(&snap.file, format!("{text}\n")));
                    match written {
                        Ok(()) => r
                            .notes
                            .push(format!("snapshot written to {}", snap.file.display())),
                        Err(err) => fail(
                            format!("snapshot '{}'", snap.name),
                            format!("cannot write {}: {err}", snap.file.display()),
                        ),
                    }
                }
            }
        }
        if diff_text.is_some() {
            r.diff = diff_text;
        }
    }

    /// Feeds the tracked fields of one answer to the tracker, and adds their values to the
    /// step's state trajectory (`r.states`, one entry per track, consecutive repeats folded).
    pub(super) fn observe(
        &mut self,
        step: &Step,
        body: Option<&Value>,
        r: &mut StepResult,
    ) -> Result<(), String> {
        // A step may name the entity after a value it captures from this very answer.
        if !step.track.is_empty() {
            for (var, from) in &step.capture {
                if from.starts_with('/') {
                    if let Some(v) = body.and_then(|b| b.pointer(from)) {
                        self.vars.insert(var.clone(), v.clone());
                    }
                }
            }
        }
        for t in &step.track {
            if let Some(now) = tracked_values(t, body) {
                let trail = r
                    .states
                    .entry(format!("{} {}", t.model, t.paths.join(" + ")))
                    .or_default();
                if trail.last() != Some(&now) {
                    trail.push(now);
                }
            }
            let entity = match &t.entity {
                Some(e) => match self.interp_str(e) {
                    Ok(e) => e,
                    // An error answer without the captured id has nothing to track either.
                    Err(_) if select(body, &t.paths[0]).iter().all(|(_, v)| v.is_none()) => {
                        continue
                    }
                    Err(err) => return Err(err),
                },
                None => t.model.clone(),
            };
            self.tracker
                .observe(t, &entity, body, &step.name, &mut self.coverage)?;
        }
        Ok(())
    }
}

/// The values a track's fields hold in `body`, one per element of its `*`s joined by ", "
/// (parts of a multi-field track joined by `/`); `None` when the answer does not hold them.
fn tracked_values(t: &Track, body: Option<&Value>) -> Option<String> {
    let columns: Vec<Vec<String>> = t
        .paths
        .iter()
        .map(|p| {
            select(body, p)
                .into_iter()
                .filter_map(|(_, v)| v.map(text))
                .collect()
        })
        .collect();
    let n = columns.first().map_or(0, Vec::len);
    if n == 0 {
        return None;
    }
    let rows: Vec<String> = (0..n)
        .map(|i| {
            columns
                .iter()
                .filter_map(|c| c.get(i).cloned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    Some(rows.join(", "))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Replaces the values at `ignore` pointers with "<ignored>" (snapshots).
pub fn mask(v: &Value, ignore: &[String]) -> Value {
    let mut out = v.clone();
    for p in ignore {
        let hits: Vec<String> = select(Some(v), p)
            .into_iter()
            .filter(|(_, v)| v.is_some())
            .map(|(at, _)| at)
            .collect();
        for at in hits {
            if let Some(slot) = out.pointer_mut(&at) {
                *slot = Value::String("<ignored>".into());
            }
        }
    }
    out
}
