//! The case format: YAML files of cases, each a list of steps (a request and what to expect
//! of its answer, captures, polling, transition tracking, or a simulator action). Files parse
//! into raw serde types (unknown keys are errors with a line number), then validate into
//! [`Case`]s; matchers are checked at load time so that `validate` catches a typo before a run.
//! conformance/README.md is the reference for users.

mod raw;

use crate::auth::AuthSpec;
use crate::matchers;
use anyhow::{anyhow, Context};
use indexmap::IndexMap;
use serde_json::Value;
use std::path::{Path, PathBuf};

use raw::{RawFile, RawPart, RawStep};

/// One case, validated.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub description: Option<String>,
    /// The file it came from.
    pub file: PathBuf,
    /// `obshell`, `ota`, `taurusdb`, `unity`, or `none` (no auth).
    pub vendor: String,
    pub requires: Vec<String>,
    pub tags: Vec<String>,
    pub auth: AuthSpec,
    pub vars: IndexMap<String, Value>,
    /// Scenario YAML to load (PUT /_sim/scenario) before the case.
    pub scenario: Option<String>,
    pub steps: Vec<Step>,
}

impl Case {
    /// `file: case name`, the id `list` prints and `--filter` matches.
    pub fn id(&self) -> String {
        format!("{}: {}", self.file.display(), self.name)
    }
    /// The suite: the directory the file is in.
    pub fn suite(&self) -> String {
        self.file
            .parent()
            .and_then(|p| p.file_name())
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "cases".into())
    }
}

/// One step.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub action: Action,
    pub expect: Expect,
    /// Variable name → JSON pointer into the body, or `header:Name`.
    pub capture: IndexMap<String, String>,
    pub poll: Option<Poll>,
    pub track: Vec<Track>,
    /// The model operation this step performs, when the request does not say it itself.
    pub does: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Action {
    Request(Box<Request>),
    /// A simulator action: `advance` (ms), `run_until_idle`, `reset`, `scenario` (YAML).
    Sim(SimAction),
    /// Let time pass: step the simulator's clock, or sleep on other targets.
    Wait(u64),
}

#[derive(Debug, Clone)]
pub enum SimAction {
    Advance(u64),
    RunUntilIdle,
    Reset,
    Scenario(String),
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: IndexMap<String, Value>,
    pub headers: IndexMap<String, String>,
    pub json: Option<Value>,
    pub body: Option<String>,
    /// A multipart/form-data body (empty: none).
    pub multipart: Vec<Part>,
    /// A raw body read from this file when the request is built.
    pub body_file: Option<PathBuf>,
    pub auth: Option<AuthSpec>,
}

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// A file part: its bytes are read from `path` when the request is built.
    File {
        name: String,
        path: PathBuf,
        filename: String,
        content_type: Option<String>,
    },
    Text {
        name: String,
        value: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub status: Option<Value>,
    pub headers: IndexMap<String, Value>,
    pub body: Option<Value>,
    pub text: Option<Value>,
    pub json: IndexMap<String, Value>,
    pub snapshot: Option<Snapshot>,
}

impl Expect {
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.headers.is_empty()
            && self.body.is_none()
            && self.text.is_none()
            && self.json.is_empty()
            && self.snapshot.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub name: String,
    /// JSON pointers (with `*`) whose values vary run to run and are masked.
    pub ignore: Vec<String>,
    /// Where the snapshot file lives.
    pub file: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Poll {
    pub every_ms: u64,
    pub timeout_ms: u64,
    pub until: IndexMap<String, Value>,
}

#[derive(Debug, Clone)]
pub struct Track {
    pub model: String,
    /// One pointer, or several whose values join with `/` (e.g. state and operator).
    pub paths: Vec<String>,
    pub entity: Option<String>,
    pub key: Option<String>,
    /// `increasing` or `decreasing` (non-strict) for numeric fields such as a stage.
    pub monotonic: Option<String>,
}

/// The case file's JSON Schema (draft 2020-12), derived from the raw types [`parse`] reads;
/// `upgrade-conformance schema case` prints it and schemas/case.schema.json is its copy.
pub fn case_schema() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<RawFile>();
    schema.insert("title".into(), "upgrade-conformance case file".into());
    schema.to_value()
}

/// Parses "30s", "5m", "1h30m", "250ms", or a number of seconds.
pub fn duration_ms(v: &Value) -> Result<u64, String> {
    if let Some(n) = v.as_f64() {
        if n >= 0.0 && n.is_finite() {
            return Ok((n * 1000.0).round() as u64);
        }
        return Err(format!(
            "duration {n} must be a non-negative number of seconds"
        ));
    }
    let s = v
        .as_str()
        .ok_or("a duration must be like 30s, 5m, 1h30m or 250ms")?;
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = s.trim().chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let unit = if c == 'm' && chars.peek() == Some(&'s') {
            chars.next();
            0.001
        } else {
            match c {
                'h' => 3600.0,
                'm' => 60.0,
                's' => 1.0,
                _ => {
                    return Err(format!(
                        "bad duration '{s}' (use like 30s, 5m, 1h30m, 250ms)"
                    ))
                }
            }
        };
        let n: f64 = num
            .parse()
            .map_err(|_| format!("bad duration '{s}' (use like 30s, 5m, 1h30m, 250ms)"))?;
        total += n * unit;
        num.clear();
        any = true;
    }
    if !num.is_empty() || !any {
        return Err(format!(
            "bad duration '{s}': every number needs a unit (h, m, s, ms)"
        ));
    }
    Ok((total * 1000.0).round() as u64)
}

/// Loads every case under `paths` (files, or directories searched for *.yaml / *.yml),
/// in a stable order.
pub fn load_paths(paths: &[PathBuf]) -> anyhow::Result<Vec<Case>> {
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files).with_context(|| format!("{}", p.display()))?;
    }
    let mut cases = Vec::new();
    for f in files {
        cases.extend(load_file(&f)?);
    }
    Ok(cases)
}

fn collect(p: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let meta = std::fs::metadata(p).map_err(|e| anyhow!("cannot read: {e}"))?;
    if meta.is_file() {
        out.push(p.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(p)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        let name = e.file_name().map(|n| n.to_string_lossy().into_owned());
        if name
            .as_deref()
            .is_some_and(|n| n.starts_with("__") || n.starts_with('.'))
        {
            continue;
        }
        if e.is_dir() {
            collect(&e, out)?;
        } else if e.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(e);
        }
    }
    Ok(())
}

/// Loads the cases of one file.
pub fn load_file(path: &Path) -> anyhow::Result<Vec<Case>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow!("{}: cannot read: {e}", path.display()))?;
    parse(&text, path).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Parses the text of a case file (the path is used for errors and relative files).
pub fn parse(text: &str, path: &Path) -> Result<Vec<Case>, String> {
    let raw: RawFile = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_auth = match &raw.auth {
        Some(v) => AuthSpec::parse(v).map_err(|e| format!("auth: {e}"))?,
        None => AuthSpec::default(),
    };
    let mut out = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for (ci, rc) in raw.cases.into_iter().enumerate() {
        let at = format!("case {} '{}'", ci + 1, rc.name);
        if !names.insert(rc.name.clone()) {
            return Err(format!("{at}: another case in this file has the same name"));
        }
        let vendor = rc
            .vendor
            .or_else(|| raw.vendor.clone())
            .unwrap_or_else(|| "none".into());
        if !["obshell", "ota", "taurusdb", "unity", "none"].contains(&vendor.as_str()) {
            return Err(format!(
                "{at}: unknown vendor '{vendor}' (use obshell, ota, taurusdb, unity or none)"
            ));
        }
        let mut requires = raw.requires.clone();
        requires.extend(rc.requires);
        let mut tags = raw.tags.clone();
        tags.extend(rc.tags);
        let auth = match &rc.auth {
            Some(v) => AuthSpec::parse(v)
                .map_err(|e| format!("{at}: auth: {e}"))?
                .over(&file_auth),
            None => file_auth.clone(),
        };
        let mut vars = raw.vars.clone();
        vars.extend(rc.vars);
        let scenario = match rc.scenario.or_else(|| raw.scenario.clone()) {
            Some(s) => Some(scenario_text(&s, dir).map_err(|e| format!("{at}: scenario: {e}"))?),
            None => None,
        };
        let mut steps = Vec::new();
        let mut uses_sim = scenario.is_some();
        for (si, rs) in rc.steps.into_iter().enumerate() {
            let sat = format!("{at}, step {} '{}'", si + 1, rs.name);
            let step = step(rs, dir).map_err(|e| format!("{sat}: {e}"))?;
            uses_sim |= matches!(step.action, Action::Sim(_));
            steps.push(step);
        }
        if steps.is_empty() {
            return Err(format!("{at}: a case needs at least one step"));
        }
        if uses_sim && !requires.iter().any(|r| r == "simulator") {
            return Err(format!(
                "{at}: it loads a scenario or uses `sim:` steps, so it must say \
                 `requires: [simulator]`"
            ));
        }
        out.push(Case {
            name: rc.name,
            description: rc.description,
            file: path.to_path_buf(),
            vendor,
            requires,
            tags,
            auth,
            vars,
            scenario,
            steps,
        });
    }
    Ok(out)
}

fn scenario_text(s: &str, dir: &Path) -> Result<String, String> {
    let t = s.trim();
    if !t.contains('\n') && (t.ends_with(".yaml") || t.ends_with(".yml")) {
        let p = dir.join(t);
        return std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()));
    }
    Ok(s.to_string())
}

/// Replaces `${...}` with a placeholder so that matchers can be checked before a run.
fn placeholder(v: &Value) -> Value {
    match v {
        Value::String(s) if s.contains("${") => {
            let re = regex::Regex::new(r"\$\{[^}]*\}").ok();
            Value::String(match re {
                Some(re) => re.replace_all(s, "x").into_owned(),
                None => s.clone(),
            })
        }
        Value::Array(a) => Value::Array(a.iter().map(placeholder).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), placeholder(v))).collect())
        }
        other => other.clone(),
    }
}

fn check_matcher(what: &str, v: &Value) -> Result<(), String> {
    matchers::parse(v, &placeholder)
        .map(|_| ())
        .map_err(|e| format!("{what}: {e}"))
}

fn check_pointer(what: &str, p: &str) -> Result<(), String> {
    if p.is_empty() || p.starts_with('/') {
        Ok(())
    } else {
        Err(format!(
            "{what}: '{p}' is not a JSON pointer (write it like /data/state)"
        ))
    }
}

fn step(rs: RawStep, dir: &Path) -> Result<Step, String> {
    let kinds = [rs.request.is_some(), rs.sim.is_some(), rs.wait.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    if kinds != 1 {
        return Err("a step has exactly one of `request`, `sim` or `wait`".into());
    }
    let action = if let Some(r) = rs.request {
        let method = r.method.to_ascii_uppercase();
        if !["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"].contains(&method.as_str())
        {
            return Err(format!(
                "request.method '{}' is not an HTTP method",
                r.method
            ));
        }
        if !r.path.starts_with('/') && !r.path.starts_with("${") {
            return Err(format!("request.path '{}' must start with '/'", r.path));
        }
        let bodies = [
            r.json.is_some(),
            r.body.is_some(),
            r.multipart.is_some(),
            r.body_file.is_some(),
        ];
        if bodies.iter().filter(|b| **b).count() > 1 {
            return Err(
                "request has more than one of `json`, `body`, `multipart` and `body_file`; \
                 give one"
                    .into(),
            );
        }
        let multipart = match r.multipart {
            Some(parts) if parts.is_empty() => {
                return Err("request.multipart needs at least one part".into())
            }
            Some(parts) => parts
                .into_iter()
                .enumerate()
                .map(|(i, p)| part(p, dir).map_err(|e| format!("request.multipart[{i}]: {e}")))
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let body_file = match &r.body_file {
            Some(f) => Some(case_file(f, dir).map_err(|e| format!("request.body_file: {e}"))?),
            None => None,
        };
        let auth = match &r.auth {
            Some(v) => Some(AuthSpec::parse(v).map_err(|e| format!("request.auth: {e}"))?),
            None => None,
        };
        Action::Request(Box::new(Request {
            method,
            path: r.path,
            query: r.query,
            headers: r.headers,
            json: r.json,
            body: r.body,
            multipart,
            body_file,
            auth,
        }))
    } else if let Some(s) = rs.sim {
        Action::Sim(sim_action(&s, dir)?)
    } else {
        let w = rs.wait.unwrap_or_default();
        Action::Wait(duration_ms(&w).map_err(|e| format!("wait: {e}"))?)
    };
    let is_request = matches!(action, Action::Request(_));
    let mut expect = Expect::default();
    if let Some(e) = rs.expect {
        if !is_request {
            return Err("`expect` belongs to request steps".into());
        }
        if let Some(s) = &e.status {
            check_matcher("expect.status", s)?;
        }
        for (h, m) in &e.headers {
            check_matcher(&format!("expect.headers.{h}"), m)?;
        }
        if let Some(t) = &e.text {
            check_matcher("expect.text", t)?;
        }
        for (p, m) in &e.json {
            check_pointer("expect.json", p)?;
            check_matcher(&format!("expect.json {p}"), m)?;
        }
        let snapshot = match e.snapshot {
            None => None,
            Some(Value::String(name)) => Some(Snapshot {
                file: dir.join("__snapshots__").join(format!("{name}.json")),
                name,
                ignore: Vec::new(),
            }),
            Some(Value::Object(o)) => {
                let name = o
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or("expect.snapshot needs a `name`")?
                    .to_string();
                let ignore: Vec<String> = match o.get("ignore") {
                    Some(Value::Array(a)) => a
                        .iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect::<Option<_>>()
                        .ok_or("expect.snapshot.ignore must be a list of JSON pointers")?,
                    None => Vec::new(),
                    Some(_) => return Err("expect.snapshot.ignore must be a list".into()),
                };
                for p in &ignore {
                    check_pointer("expect.snapshot.ignore", p)?;
                }
                if let Some(k) = o.keys().find(|k| *k != "name" && *k != "ignore") {
                    return Err(format!(
                        "expect.snapshot: unknown key '{k}' (use name, ignore)"
                    ));
                }
                Some(Snapshot {
                    file: dir.join("__snapshots__").join(format!("{name}.json")),
                    name,
                    ignore,
                })
            }
            Some(_) => return Err("expect.snapshot is a name or {name, ignore}".into()),
        };
        expect = Expect {
            status: e.status,
            headers: e.headers,
            body: e.body,
            text: e.text,
            json: e.json,
            snapshot,
        };
    }
    for (var, from) in &rs.capture {
        if !from.starts_with("header:") {
            check_pointer(&format!("capture.{var}"), from)?;
        }
    }
    let poll = match rs.poll {
        None => None,
        Some(p) => {
            if !is_request {
                return Err("`poll` belongs to request steps".into());
            }
            for (ptr, m) in &p.until {
                if ptr != "status" {
                    check_pointer("poll.until", ptr)?;
                }
                check_matcher(&format!("poll.until {ptr}"), m)?;
            }
            if p.until.is_empty() {
                return Err("poll.until needs at least one condition".into());
            }
            let every_ms = duration_ms(&p.every).map_err(|e| format!("poll.every: {e}"))?;
            let timeout_ms = duration_ms(&p.timeout).map_err(|e| format!("poll.timeout: {e}"))?;
            if every_ms == 0 {
                return Err("poll.every must be more than 0".into());
            }
            Some(Poll {
                every_ms,
                timeout_ms,
                until: p.until,
            })
        }
    };
    let mut track = Vec::new();
    for t in rs.track {
        if crate::models::get(&t.model).is_none() {
            let names: Vec<&str> = crate::models::all().iter().map(|m| m.name).collect();
            return Err(format!(
                "track: unknown model '{}' (models: {})",
                t.model,
                names.join(", ")
            ));
        }
        let paths: Vec<String> = match &t.path {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or("track.path must be a pointer or a list of pointers")?,
            _ => return Err("track.path must be a pointer or a list of pointers".into()),
        };
        for p in &paths {
            check_pointer("track.path", p)?;
        }
        if let Some(m) = &t.monotonic {
            if m != "increasing" && m != "decreasing" {
                return Err("track.monotonic is `increasing` or `decreasing`".into());
            }
        }
        track.push(Track {
            model: t.model,
            paths,
            entity: t.entity,
            key: t.key,
            monotonic: t.monotonic,
        });
    }
    Ok(Step {
        name: rs.name,
        action,
        expect,
        capture: rs.capture,
        poll,
        track,
        does: rs.does,
    })
}

/// A part, its file checked to be there (so that `validate` catches a wrong path).
fn part(p: RawPart, dir: &Path) -> Result<Part, String> {
    match (p.file, p.text) {
        (Some(f), None) => {
            let path = case_file(&f, dir)?;
            let filename = match p.filename {
                Some(n) => n,
                None => path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            };
            Ok(Part::File {
                name: p.name,
                path,
                filename,
                content_type: p.content_type,
            })
        }
        (None, Some(value)) => {
            if p.filename.is_some() || p.content_type.is_some() {
                return Err("`filename` and `content_type` belong to a `file` part".into());
            }
            Ok(Part::Text {
                name: p.name,
                value,
            })
        }
        _ => Err(format!(
            "part '{}' has exactly one of `file` or `text`",
            p.name
        )),
    }
}

/// A file named relative to the case file's directory, which must be a readable file.
fn case_file(f: &str, dir: &Path) -> Result<PathBuf, String> {
    let path = dir.join(f);
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => Ok(path),
        Ok(_) => Err(format!("{} is not a file", path.display())),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn sim_action(v: &Value, dir: &Path) -> Result<SimAction, String> {
    let bad = || {
        "sim is one of `reset`, `run_until_idle`, `{advance: 30s}`, `{scenario: <yaml or file>}`"
            .to_string()
    };
    match v {
        Value::String(s) if s == "reset" => Ok(SimAction::Reset),
        Value::String(s) if s == "run_until_idle" => Ok(SimAction::RunUntilIdle),
        Value::Object(o) if o.len() == 1 => {
            let (k, v) = o.iter().next().ok_or_else(bad)?;
            match k.as_str() {
                "advance" => Ok(SimAction::Advance(
                    duration_ms(v).map_err(|e| format!("sim.advance: {e}"))?,
                )),
                "scenario" => Ok(SimAction::Scenario(scenario_text(
                    v.as_str().ok_or_else(bad)?,
                    dir,
                )?)),
                _ => Err(bad()),
            }
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests;
