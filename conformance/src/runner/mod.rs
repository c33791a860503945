//! The runner: sends each case's requests to a target with the vendor's auth, checks every
//! answer against the step's expectations, captures variables, polls, and checks that every
//! value a tracked field takes follows its model. On a simulator target (one that answers
//! `GET /_sim/health`) each case starts from its scenario, and waiting steps the virtual clock
//! instead of sleeping; cases that need the simulator are skipped elsewhere, saying so.

mod track;

use crate::auth::{self, AuthSpec, Credentials, Http, Incoming, Outgoing, Session};
use crate::matchers::{self, cut, json_eq, select};
use crate::report::{diff, CaseResult, Coverage, Outcome, RunResult, StepResult};
use crate::script::{Action, Case, Expect, SimAction, Step};
use indexmap::IndexMap;
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub use track::Tracker;

/// Where cases run.
#[derive(Debug)]
pub struct Target {
    pub http: Http,
    pub creds: Credentials,
    /// The target answers the simulator's admin API.
    pub simulator: bool,
    /// The scenario the simulator was running when the run began, restored before each case.
    pub home_scenario: Option<String>,
}

impl Target {
    /// Connects to `base`, probing `/_sim/health` to learn whether it is the simulator.
    pub async fn connect(base: &str, creds: Credentials) -> anyhow::Result<Target> {
        let http = Http::new(base)?;
        let probe = http
            .send(&Outgoing {
                method: "GET".into(),
                target: "/_sim/health".into(),
                ..Outgoing::default()
            })
            .await;
        let simulator = matches!(&probe, Ok(r) if r.status == 200
            && r.json().is_some_and(|v| v["status"] == "ready"));
        let mut home_scenario = None;
        if simulator {
            let r = http
                .send(&Outgoing {
                    method: "GET".into(),
                    target: "/_sim/scenario".into(),
                    ..Outgoing::default()
                })
                .await?;
            if r.status == 200 {
                home_scenario = Some(String::from_utf8_lossy(&r.body).into_owned());
            }
        }
        Ok(Target {
            http,
            creds,
            simulator,
            home_scenario,
        })
    }
}

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Run only cases whose id (`file: name`) contains this text, or matches it as a regex.
    pub filter: Option<String>,
    /// Cases at once (always 1 on a simulator target: each case owns the simulator's world).
    pub jobs: usize,
    pub fail_fast: bool,
    /// Rewrite snapshot files with what came back.
    pub update_snapshots: bool,
    /// Print a progress line on stderr while running.
    pub progress: bool,
}

/// Whether `case` passes `filter`.
pub fn selected(case: &Case, filter: Option<&str>) -> bool {
    let Some(f) = filter else { return true };
    let id = case.id();
    if id.contains(f) {
        return true;
    }
    regex::Regex::new(f).is_ok_and(|re| re.is_match(&id))
}

/// Runs `cases` against `target`.
pub async fn run(cases: &[Case], target: Arc<Target>, opts: &Options) -> RunResult {
    let started = Instant::now();
    let chosen: Vec<Case> = cases
        .iter()
        .filter(|c| selected(c, opts.filter.as_deref()))
        .cloned()
        .collect();
    let total = chosen.len();
    let jobs = if target.simulator {
        1
    } else {
        opts.jobs.max(1)
    };
    let coverage = Arc::new(Mutex::new(Coverage::default()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let sem = Arc::new(tokio::sync::Semaphore::new(jobs));
    let progress = opts.progress && std::io::stderr().is_terminal();
    let mut handles = Vec::new();
    for case in chosen {
        let (target, coverage, stop, done, sem) = (
            target.clone(),
            coverage.clone(),
            stop.clone(),
            done.clone(),
            sem.clone(),
        );
        let opts = opts.clone();
        handles.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await;
            if stop.load(std::sync::atomic::Ordering::SeqCst) {
                return skipped(
                    &case,
                    "not run: --fail-fast stopped the run after a failure",
                );
            }
            if progress {
                let n = done.load(std::sync::atomic::Ordering::SeqCst);
                eprint!("\r\x1b[K[{}/{total}] {}", n + 1, cut(&case.id(), 100));
                let _ = std::io::stderr().flush();
            }
            let (result, cov) = run_case(&case, &target, &opts).await;
            if let Ok(mut c) = coverage.lock() {
                c.merge(&cov);
            }
            if result.failed() && opts.fail_fast {
                stop.store(true, std::sync::atomic::Ordering::SeqCst);
            }
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            result
        }));
    }
    let mut results = Vec::new();
    for h in handles {
        match h.await {
            Ok(r) => results.push(r),
            Err(e) => results.push(CaseResult {
                id: "(runner)".into(),
                suite: "runner".into(),
                name: "(runner)".into(),
                file: String::new(),
                outcome: Outcome::Failed {
                    message: format!("a case task stopped: {e}"),
                },
                steps: vec![],
                millis: 0,
            }),
        }
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    // Leave the simulator on the scenario it ran before, so that the next run starts there.
    if let Some(home) = &target.home_scenario {
        let restore = Outgoing {
            method: "PUT".into(),
            target: "/_sim/scenario".into(),
            headers: vec![("Content-Type".into(), "application/yaml".into())],
            body: home.clone().into_bytes(),
        };
        let _ = target.http.send(&restore).await;
    }
    let coverage = coverage.lock().map(|c| c.clone()).unwrap_or_default();
    RunResult {
        target: target.http.base.clone(),
        simulator: target.simulator,
        cases: results,
        coverage,
        millis: started.elapsed().as_millis(),
    }
}

fn skipped(case: &Case, reason: &str) -> CaseResult {
    CaseResult {
        id: case.id(),
        suite: case.suite(),
        name: case.name.clone(),
        file: case.file.display().to_string(),
        outcome: Outcome::Skipped {
            reason: reason.to_string(),
        },
        steps: vec![],
        millis: 0,
    }
}

/// Known capabilities a case may require.
pub const CAPABILITIES: [&str; 1] = ["simulator"];

/// Runs one case: its result and what it covered.
pub async fn run_case(case: &Case, target: &Target, opts: &Options) -> (CaseResult, Coverage) {
    let started = Instant::now();
    for r in &case.requires {
        if !CAPABILITIES.contains(&r.as_str()) {
            return (
                skipped(
                    case,
                    &format!("needs capability '{r}', which this runner does not know"),
                ),
                Coverage::default(),
            );
        }
        if r == "simulator" && !target.simulator {
            return (
                skipped(
                    case,
                    "needs the simulator (it loads a scenario, injects faults or steps the \
                     clock through /_sim/), and this target does not answer /_sim/health",
                ),
                Coverage::default(),
            );
        }
    }
    let mut ctx = Ctx {
        case,
        target,
        opts,
        vars: IndexMap::new(),
        session: Session::default(),
        tracker: Tracker::default(),
        coverage: Coverage::default(),
    };
    for (k, v) in target.creds.public_vars() {
        ctx.vars.insert(k, v);
    }
    for (k, v) in &case.vars {
        // A variable may use the ones before it (and the target's public values).
        let v = ctx.interp(v).unwrap_or_else(|_| v.clone());
        ctx.vars.insert(k.clone(), v);
    }
    let mut steps = Vec::new();
    let mut outcome = Outcome::Passed;
    if target.simulator {
        let scenario = case
            .scenario
            .clone()
            .or_else(|| target.home_scenario.clone());
        let prep = match scenario {
            Some(s) => ctx.sim(&SimAction::Scenario(s)).await,
            None => ctx.sim(&SimAction::Reset).await,
        };
        if let Err(e) = prep {
            outcome = Outcome::Failed {
                message: format!("before step 1: could not prepare the simulator: {e}"),
            };
        }
    }
    if outcome == Outcome::Passed {
        for (i, step) in case.steps.iter().enumerate() {
            let t0 = Instant::now();
            let mut r = ctx.step(step).await;
            r.millis = t0.elapsed().as_millis();
            let failed = !r.passed;
            let first = r.failures.first().cloned().unwrap_or_default();
            steps.push(r);
            if failed {
                outcome = Outcome::Failed {
                    message: format!("step {} '{}': {first}", i + 1, step.name),
                };
                break;
            }
        }
    }
    let result = CaseResult {
        id: case.id(),
        suite: case.suite(),
        name: case.name.clone(),
        file: case.file.display().to_string(),
        outcome,
        steps,
        millis: started.elapsed().as_millis(),
    };
    (result, ctx.coverage)
}

struct Ctx<'a> {
    case: &'a Case,
    target: &'a Target,
    opts: &'a Options,
    vars: IndexMap<String, Value>,
    session: Session,
    tracker: Tracker,
    coverage: Coverage,
}

impl Ctx<'_> {
    /// `${name}` substitution: a string that is exactly one reference takes the variable's
    /// value with its type; references inside a longer string are spliced in as text.
    fn interp(&self, v: &Value) -> Result<Value, String> {
        Ok(match v {
            Value::String(s) => {
                if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                    if !name.contains("${") && !name.contains('}') {
                        return self.var(name).cloned();
                    }
                }
                Value::String(self.interp_str(s)?)
            }
            Value::Array(a) => {
                Value::Array(a.iter().map(|x| self.interp(x)).collect::<Result<_, _>>()?)
            }
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, x)| Ok((k.clone(), self.interp(x)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => other.clone(),
        })
    }

    fn var(&self, name: &str) -> Result<&Value, String> {
        self.vars.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.vars.keys().map(String::as_str).collect();
            format!(
                "unknown variable ${{{name}}} (known here: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )
        })
    }

    fn interp_str(&self, s: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in '{s}'"))?;
            let v = self.var(&after[..end])?;
            match v {
                Value::String(t) => out.push_str(t),
                other => out.push_str(&other.to_string()),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn matcher(&self, spec: &Value) -> Result<matchers::BoxMatcher, String> {
        let v = self.interp(spec)?;
        matchers::parse(&v, &|x| x.clone())
    }

    async fn admin(&self, method: &str, path: &str, body: Vec<u8>) -> Result<Incoming, String> {
        let mut req = Outgoing {
            method: method.into(),
            target: path.into(),
            headers: vec![],
            body,
        };
        if !req.body.is_empty() {
            req.set_header("Content-Type", "application/json");
        }
        let r = self
            .target
            .http
            .send(&req)
            .await
            .map_err(|e| format!("{e:#}"))?;
        if !(200..300).contains(&r.status) {
            return Err(format!(
                "{method} {path} answered {}: {}",
                r.status,
                cut(&String::from_utf8_lossy(&r.body), 500)
            ));
        }
        Ok(r)
    }

    async fn sim(&self, a: &SimAction) -> Result<(), String> {
        if !self.target.simulator {
            return Err("this target is not the simulator".into());
        }
        match a {
            SimAction::Advance(ms) => {
                let body = serde_json::json!({"seconds": *ms as f64 / 1000.0}).to_string();
                self.admin("POST", "/_sim/clock/advance", body.into_bytes())
                    .await?;
            }
            SimAction::RunUntilIdle => {
                self.admin("POST", "/_sim/clock/run-until-idle", vec![])
                    .await?;
            }
            SimAction::Reset => {
                self.admin("POST", "/_sim/reset", vec![]).await?;
            }
            SimAction::Scenario(yaml) => {
                let req = Outgoing {
                    method: "PUT".into(),
                    target: "/_sim/scenario".into(),
                    headers: vec![("Content-Type".into(), "application/yaml".into())],
                    body: yaml.clone().into_bytes(),
                };
                let r = self
                    .target
                    .http
                    .send(&req)
                    .await
                    .map_err(|e| format!("{e:#}"))?;
                if !(200..300).contains(&r.status) {
                    return Err(format!(
                        "PUT /_sim/scenario answered {}: {}",
                        r.status,
                        cut(&String::from_utf8_lossy(&r.body), 800)
                    ));
                }
            }
        }
        Ok(())
    }

    /// Lets `ms` of time pass: the simulator's clock, or a real sleep.
    async fn pass_time(&self, ms: u64) -> Result<(), String> {
        if self.target.simulator {
            self.sim(&SimAction::Advance(ms)).await
        } else {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            Ok(())
        }
    }

    async fn step(&mut self, step: &Step) -> StepResult {
        let mut r = StepResult {
            name: step.name.clone(),
            passed: true,
            ..StepResult::default()
        };
        match &step.action {
            Action::Sim(a) => {
                r.sent = Some(format!("simulator: {a:?}"));
                if let Err(e) = self.sim(a).await {
                    r.failures.push(e);
                }
            }
            Action::Wait(ms) => {
                r.sent = Some(format!(
                    "wait {} ms ({})",
                    ms,
                    if self.target.simulator {
                        "virtual clock stepped"
                    } else {
                        "real sleep"
                    }
                ));
                if let Err(e) = self.pass_time(*ms).await {
                    r.failures.push(e);
                }
            }
            Action::Request(_) => self.request_step(step, &mut r).await,
        }
        r.passed = r.failures.is_empty();
        r
    }

    fn build(&self, step: &Step) -> Result<(Outgoing, Option<Value>, AuthSpec), String> {
        let Action::Request(req) = &step.action else {
            return Err("not a request".into());
        };
        let path = self.interp_str(&req.path)?;
        let mut target = path;
        if !req.query.is_empty() {
            let mut parts = Vec::new();
            for (k, v) in &req.query {
                let v = self.interp(v)?;
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                parts.push(format!("{}={}", enc(k), enc(&text)));
            }
            target.push(if target.contains('?') { '&' } else { '?' });
            target.push_str(&parts.join("&"));
        }
        let mut out = Outgoing {
            method: req.method.clone(),
            target,
            headers: vec![],
            body: vec![],
        };
        let mut json = None;
        if let Some(j) = &req.json {
            let j = self.interp(j)?;
            out.body = serde_json::to_vec(&j).map_err(|e| e.to_string())?;
            out.set_header("Content-Type", "application/json");
            json = Some(j);
        } else if let Some(b) = &req.body {
            out.body = self.interp_str(b)?.into_bytes();
            json = serde_json::from_slice(&out.body).ok();
        }
        for (k, v) in &req.headers {
            out.set_header(k, self.interp_str(v)?);
        }
        let spec = match &req.auth {
            Some(a) => a.over(&self.case.auth),
            None => self.case.auth.clone(),
        };
        let spec = AuthSpec {
            overrides: match self.interp(&Value::Object(spec.overrides.clone()))? {
                Value::Object(o) => o,
                _ => spec.overrides.clone(),
            },
            ..spec
        };
        Ok((out, json, spec))
    }

    async fn send(
        &mut self,
        out: &Outgoing,
        json: Option<&Value>,
        spec: &AuthSpec,
        step: &Step,
    ) -> Result<(Outgoing, Incoming), String> {
        let (sent, resp) = auth::send(
            &self.target.http,
            &self.target.creds,
            &mut self.session,
            &self.case.vendor,
            spec,
            out.clone(),
        )
        .await
        .map_err(|e| format!("the request could not be sent: {e:#}"))?;
        let path = out.path();
        for e in crate::models::endpoints() {
            if e.matches(&out.method, path) {
                self.coverage.endpoints.insert(e.label());
            }
        }
        if (200..300).contains(&resp.status) {
            for m in crate::models::all() {
                if let Some(op) = m.operation_of(&out.method, path, json) {
                    self.tracker.performed(m.name, &op);
                }
            }
            if let Some(op) = &step.does {
                self.tracker.performed_any(op);
            }
        }
        Ok((sent, resp))
    }

    async fn request_step(&mut self, step: &Step, r: &mut StepResult) {
        let (out, json, spec) = match self.build(step) {
            Ok(x) => x,
            Err(e) => {
                r.failures.push(e);
                return;
            }
        };
        r.expected = self.describe(&step.expect);
        let mut waited = 0u64;
        let mut last;
        loop {
            r.attempts += 1;
            let (sent, resp) = match self.send(&out, json.as_ref(), &spec, step).await {
                Ok(x) => x,
                Err(e) => {
                    r.sent = Some(describe_sent(&out, &out));
                    r.failures.push(e);
                    return;
                }
            };
            r.sent = Some(describe_sent(&out, &sent));
            r.got = Some(describe_got(&resp));
            let body = resp.json();
            // Every answer is checked against the models, polled ones included.
            if let Err(e) = self.observe(step, body.as_ref()) {
                r.failures.push(e);
                return;
            }
            last = (resp, body);
            let Some(poll) = &step.poll else { break };
            let mut unmet = None;
            for (ptr, spec) in &poll.until {
                let m = match self.matcher(spec) {
                    Ok(m) => m,
                    Err(e) => {
                        r.failures.push(format!("poll.until {ptr}: {e}"));
                        return;
                    }
                };
                let values = if ptr == "status" {
                    vec![(ptr.clone(), Some(Value::from(last.0.status)))]
                } else {
                    select(last.1.as_ref(), ptr)
                        .into_iter()
                        .map(|(p, v)| (p, v.cloned()))
                        .collect()
                };
                let ok =
                    !values.is_empty() && values.iter().all(|(_, v)| m.check(v.as_ref()).is_ok());
                if !ok {
                    unmet = Some(format!(
                        "{ptr} {} (last: {})",
                        m.describe(),
                        values
                            .first()
                            .map(|(_, v)| matchers::show(v.as_ref()))
                            .unwrap_or_else(|| "nothing".into())
                    ));
                    break;
                }
            }
            let Some(unmet) = unmet else { break };
            if waited >= poll.timeout_ms {
                r.failures.push(format!(
                    "poll: still not {unmet} after {} attempts over {}",
                    r.attempts,
                    human_ms(waited)
                ));
                return;
            }
            let dt = poll.every_ms.min(poll.timeout_ms - waited).max(1);
            if let Err(e) = self.pass_time(dt).await {
                r.failures.push(format!("poll: {e}"));
                return;
            }
            waited += dt;
        }
        if step.poll.is_some() && waited > 0 {
            r.notes.push(format!(
                "polled {} times over {} ({})",
                r.attempts,
                human_ms(waited),
                if self.target.simulator {
                    "virtual time"
                } else {
                    "real time"
                }
            ));
        }
        let (resp, body) = last;
        self.check(&step.expect, &resp, body.as_ref(), r);
        if !r.failures.is_empty() {
            return;
        }
        for (var, from) in &step.capture {
            let v = if let Some(h) = from.strip_prefix("header:") {
                resp.header(h).map(|s| Value::String(s.to_string()))
            } else {
                select(body.as_ref(), from)
                    .into_iter()
                    .next()
                    .and_then(|(_, v)| v.cloned())
            };
            match v {
                Some(v) => {
                    self.vars.insert(var.clone(), v);
                }
                None => r
                    .failures
                    .push(format!("capture {var}: nothing at {from} in the answer")),
            }
        }
    }

    fn describe(&self, e: &Expect) -> Vec<String> {
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

    fn check(&self, e: &Expect, resp: &Incoming, body: Option<&Value>, r: &mut StepResult) {
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

    fn observe(&mut self, step: &Step, body: Option<&Value>) -> Result<(), String> {
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
            let entity = match &t.entity {
                Some(e) => self.interp_str(e)?,
                None => t.model.clone(),
            };
            self.tracker
                .observe(t, &entity, body, &step.name, &mut self.coverage)?;
        }
        Ok(())
    }
}

fn enc(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'_')
        .remove(b'.')
        .remove(b'-')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn human_ms(ms: u64) -> String {
    if ms >= 60_000 {
        format!("{}m{}s", ms / 60_000, (ms % 60_000) / 1000)
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
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

const SECRET_HEADERS: [&str; 6] = [
    "authorization",
    "x-ocs-header",
    "x-ocs-agent-header",
    "x-ocs-auth",
    "x-auth-token",
    "cookie",
];

fn describe_sent(plain: &Outgoing, sent: &Outgoing) -> String {
    let mut s = format!("{} {}", sent.method, sent.target);
    for (k, v) in &sent.headers {
        let v = if SECRET_HEADERS.contains(&k.to_ascii_lowercase().as_str()) {
            format!(
                "{}… ({} chars)",
                cut(v, 24).chars().take(24).collect::<String>(),
                v.len()
            )
        } else {
            v.clone()
        };
        s.push_str(&format!("\n{k}: {v}"));
    }
    if !plain.body.is_empty() {
        s.push_str(&format!(
            "\n\n{}",
            cut(&String::from_utf8_lossy(&plain.body), 1500)
        ));
        if plain.body != sent.body {
            s.push_str("\n(sent encrypted by the vendor's auth)");
        }
    }
    s
}

fn describe_got(resp: &Incoming) -> String {
    let mut s = format!("status {} ({} ms)", resp.status, resp.millis);
    for k in ["content-type", "location", "x-request-id"] {
        if let Some(v) = resp.header(k) {
            s.push_str(&format!("\n{k}: {v}"));
        }
    }
    if !resp.body.is_empty() {
        let text = match resp.json() {
            Some(v) => pretty(&v),
            None => String::from_utf8_lossy(&resp.body).into_owned(),
        };
        s.push_str(&format!("\n\n{}", cut(&text, 3000)));
    }
    s
}
