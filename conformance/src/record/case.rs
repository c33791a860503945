//! Turning recorded exchanges into a case file. Each exchange becomes a step: its request as
//! the client sent it minus auth (the vendor adapter signs it again on replay), its
//! expectations the stable parts of the answer (the status, error codes, booleans and states
//! exactly; timestamps by pattern; everything else by JSON type), ids captured from the answer
//! that first held them and spliced into later requests as `${var}`, and the states tracked
//! against the vendor's models. Repeated GETs of one resource fold into one `poll` step.

use super::Exchange;
use crate::models;
use indexmap::IndexMap;
use serde_json::{json, Map, Value};

/// Request headers never written: auth, what the adapters add, and the connection's own.
const DROPPED: [&str; 16] = [
    "authorization",
    "x-ocs-header",
    "x-ocs-auth",
    "x-ocs-agent-header",
    "x-auth-token",
    "x-sdk-date",
    "x-project-id",
    "cookie",
    "emc-csrf-token",
    "x-emc-rest-client",
    "content-type",
    "user-agent",
    "accept",
    "host",
    "content-length",
    "accept-encoding",
];

/// The fields each vendor's models read: (model, pointers, key pointer for `*`s, path part
/// the request must contain).
fn tracks(
    vendor: &str,
) -> Vec<(
    &'static str,
    Vec<&'static str>,
    Option<&'static str>,
    &'static str,
)> {
    match vendor {
        "obshell" => vec![
            (
                "obshell.dag",
                vec!["/data/state", "/data/operator"],
                None,
                "",
            ),
            (
                "obshell.node",
                vec!["/data/nodes/*/state", "/data/nodes/*/operator"],
                Some("/data/nodes/*/id"),
                "",
            ),
        ],
        "ota" => vec![
            ("ota.plan", vec!["/status"], None, "upgrade-plans"),
            (
                "ota.batch",
                vec!["/batches/*/status"],
                None,
                "upgrade-plans",
            ),
            (
                "ota.task",
                vec!["/batches/*/tasks/*/status"],
                None,
                "upgrade-plans",
            ),
        ],
        "taurusdb" => vec![
            ("taurusdb.job", vec!["/job/status"], None, ""),
            ("taurusdb.instance", vec!["/instance/status"], None, ""),
        ],
        "unity" => vec![
            (
                "unity.session",
                vec!["/content/status"],
                None,
                "pgradeSession",
            ),
            (
                "unity.task",
                vec!["/content/tasks/*/status"],
                None,
                "pgradeSession",
            ),
            ("unity.job", vec!["/content/state"], None, "/instances/job/"),
        ],
        _ => vec![],
    }
}

/// The vendor whose API `path` belongs to.
pub fn vendor_of(path: &str) -> &'static str {
    if path.starts_with("/api/v1/lifecycle/") {
        "ota"
    } else if path.starts_with("/api/v1/") {
        "obshell"
    } else if path.starts_with("/v3/") || path.starts_with("/v3.1/") {
        "taurusdb"
    } else if path.starts_with("/api/") {
        "unity"
    } else {
        "none"
    }
}

/// Drops Unity's CSRF dance, which the replaying adapter does on its own: a request refused
/// 401, the `GET /api/types/user/instances` that fetched the token, and the same request
/// sent again are recorded as the one request that got through.
fn without_csrf_dance(xs: Vec<&Exchange>) -> Vec<&Exchange> {
    let token_fetch = |x: &Exchange| {
        x.method == "GET" && x.target.split('?').next() == Some("/api/types/user/instances")
    };
    let mut out = Vec::with_capacity(xs.len());
    let mut i = 0;
    while i < xs.len() {
        let dance = xs[i].status == 401
            && xs.get(i + 1).is_some_and(|x| token_fetch(x))
            && xs
                .get(i + 2)
                .is_some_and(|x| x.method == xs[i].method && x.target == xs[i].target);
        if dance {
            i += 2;
        } else {
            out.push(xs[i]);
            i += 1;
        }
    }
    out
}

/// One step under construction.
struct Draft {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    json: Option<Value>,
    body: Option<String>,
    status: u16,
    answers: Vec<Option<Value>>,
    capture: IndexMap<String, String>,
}

impl Draft {
    fn key(&self) -> String {
        format!(
            "{} {} {:?} {:?} {:?}",
            self.method, self.path, self.query, self.json, self.body
        )
    }
    fn last(&self) -> Option<&Value> {
        self.answers.last().and_then(Option::as_ref)
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn draft(x: &Exchange) -> Draft {
    let (path, query) = x.target.split_once('?').unwrap_or((&x.target, ""));
    let query = query
        .split('&')
        .filter(|q| !q.is_empty())
        .map(|q| {
            let (k, v) = q.split_once('=').unwrap_or((q, ""));
            (decode(k), decode(v))
        })
        .collect();
    let json: Option<Value> = if x.body.is_empty() {
        None
    } else {
        serde_json::from_slice(&x.body).ok()
    };
    let body = (json.is_none() && !x.body.is_empty())
        .then(|| String::from_utf8_lossy(&x.body).into_owned());
    Draft {
        method: x.method.clone(),
        path: path.to_string(),
        query,
        headers: x
            .headers
            .iter()
            .filter(|(k, _)| !DROPPED.contains(&k.to_ascii_lowercase().as_str()))
            .cloned()
            .collect(),
        json,
        body,
        status: x.status,
        answers: vec![serde_json::from_slice(&x.response).ok()],
        capture: IndexMap::new(),
    }
}

/// Whether a key names an id.
fn id_key(k: &str) -> bool {
    let l = k.to_ascii_lowercase();
    l == "id" || l.ends_with("_id") || l.ends_with("id") && k.ends_with("Id") || l == "uuid"
}

/// The id-like string leaves of `v`: (concrete pointer, key, value).
fn ids(v: &Value, at: &str, out: &mut Vec<(String, String, String)>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let here = format!("{at}/{k}");
                match x {
                    Value::String(s) if id_key(k) && !s.is_empty() => {
                        out.push((here, k.clone(), s.clone()))
                    }
                    Value::Number(n) if id_key(k) && n.to_string().len() >= 3 => {
                        out.push((here, k.clone(), n.to_string()))
                    }
                    _ => ids(x, &here, out),
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                ids(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Replaces every string equal to `value` inside `v` by `${var}`; whether any was.
fn splice_json(v: &mut Value, value: &str, var: &str) -> bool {
    match v {
        Value::String(s) if s == value => {
            *s = format!("${{{var}}}");
            true
        }
        Value::Array(a) => a
            .iter_mut()
            .fold(false, |hit, x| splice_json(x, value, var) | hit),
        Value::Object(o) => o
            .values_mut()
            .fold(false, |hit, x| splice_json(x, value, var) | hit),
        _ => false,
    }
}

/// Splices `${var}` for `value` into a draft's path segments, query values and body.
fn splice(d: &mut Draft, value: &str, var: &str) -> bool {
    let mut hit = false;
    let segs: Vec<String> = d
        .path
        .split('/')
        .map(|s| {
            if s == value {
                hit = true;
                format!("${{{var}}}")
            } else {
                s.to_string()
            }
        })
        .collect();
    d.path = segs.join("/");
    for (_, v) in d.query.iter_mut() {
        if v == value {
            *v = format!("${{{var}}}");
            hit = true;
        }
    }
    if let Some(j) = &mut d.json {
        hit |= splice_json(j, value, var);
    }
    hit
}

/// A variable name from a JSON key: `id` → `id`, `jobId` → `job_id`, unique in `taken`.
fn var_name(key: &str, taken: &[String]) -> String {
    let mut base = String::new();
    for (i, c) in key.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            base.push('_');
        }
        if c.is_ascii_alphanumeric() {
            base.push(c.to_ascii_lowercase());
        } else {
            base.push('_');
        }
    }
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// The matcher for the values found at one (folded) pointer of an answer.
fn matcher(ptr: &str, values: &[&Value], exact: bool) -> Option<Value> {
    let first = values.first()?;
    let all_same = values.iter().all(|v| v == first);
    let last = ptr
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
        .replace('_', "");
    let code = last == "code" || last == "errorcode";
    if all_same && (exact || code || first.is_boolean()) {
        return Some(match *first {
            Value::Array(_) | Value::Object(_) => json!({"equals": first}),
            other => other.clone(),
        });
    }
    let kinds: std::collections::BTreeSet<&str> = values
        .iter()
        .map(|v| match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        })
        .collect();
    if kinds.len() != 1 {
        return None;
    }
    let kind = *kinds.iter().next()?;
    let stamp = regex::Regex::new(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d").ok()?;
    if kind == "string"
        && values
            .iter()
            .all(|v| v.as_str().is_some_and(|s| stamp.is_match(s)))
    {
        return Some(json!({"type": "string", "regex": "^\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:\\d\\d"}));
    }
    Some(json!({"type": kind}))
}

/// The leaves (and empty containers) of `body`, by folded pointer, with their values.
fn leaves(body: &Value) -> IndexMap<String, Vec<&Value>> {
    fn walk<'a>(v: &'a Value, at: String, out: &mut IndexMap<String, Vec<&'a Value>>) {
        match v {
            Value::Object(o) if !o.is_empty() => {
                for (k, x) in o {
                    walk(
                        x,
                        format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        out,
                    );
                }
            }
            Value::Array(a) if !a.is_empty() => {
                for x in a {
                    walk(x, format!("{at}/*"), out);
                }
            }
            _ => out.entry(at).or_default().push(v),
        }
    }
    let mut out = IndexMap::new();
    walk(body, String::new(), &mut out);
    out
}

/// The case file (YAML) for `exchanges`, recorded from `upstream`.
pub fn case_file(
    exchanges: &[Exchange],
    vendor: Option<&str>,
    name: &str,
    upstream: &str,
) -> String {
    let kept: Vec<&Exchange> = exchanges
        .iter()
        .filter(|x| {
            let path = x.target.split('?').next().unwrap_or("");
            let plumbing = x.method == "GET" && path == "/api/v1/secret";
            !(path.starts_with("/_sim/") || plumbing)
        })
        .collect();
    let kept = without_csrf_dance(kept);
    let vendor = vendor.map(str::to_string).unwrap_or_else(|| {
        let mut counts: IndexMap<&str, usize> = IndexMap::new();
        for x in &kept {
            *counts.entry(vendor_of(&x.target)).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(v, _)| v.to_string())
            .unwrap_or_else(|| "none".into())
    });
    let mut drafts: Vec<Draft> = kept.iter().map(|x| draft(x)).collect();
    if vendor == "taurusdb" {
        let re = regex::Regex::new(r"^/v3(\.1)?/[^/]+/").ok();
        for d in &mut drafts {
            if let Some(re) = &re {
                d.path = re
                    .replace(&d.path, |c: &regex::Captures| {
                        format!(
                            "/v3{}/${{taurusdb.project_id}}/",
                            c.get(1).map_or("", |m| m.as_str())
                        )
                    })
                    .into_owned();
            }
        }
    }
    // Ids: captured from the answer that first held them, when a later request uses them.
    let mut taken: Vec<String> = Vec::new();
    let mut known: Vec<String> = Vec::new();
    for i in 0..drafts.len() {
        let mut found = Vec::new();
        if let Some(a) = drafts[i].last() {
            ids(a, "", &mut found);
        }
        for (ptr, key, value) in found {
            if known.contains(&value) {
                continue;
            }
            let var = var_name(&key, &taken);
            let mut used = false;
            for later in drafts.iter_mut().skip(i + 1) {
                used |= splice(later, &value, &var);
            }
            if used {
                known.push(value);
                taken.push(var.clone());
                drafts[i].capture.insert(var, ptr);
            }
        }
    }
    // Repeated reads of one resource fold into one poll.
    let mut folded: Vec<Draft> = Vec::new();
    for d in drafts {
        match folded.last_mut() {
            Some(prev) if prev.method == "GET" && prev.key() == d.key() && d.capture.is_empty() => {
                prev.status = d.status;
                prev.answers.extend(d.answers);
            }
            _ => folded.push(d),
        }
    }
    let steps: Vec<Value> = folded.iter().map(|d| step(d, &vendor)).collect();
    let file = json!({
        "vendor": vendor,
        "cases": [{
            "name": name,
            "description": format!("recorded by upgrade-conformance record from {upstream}: {} exchanges", kept.len()),
            "steps": steps,
        }],
    });
    let yaml = serde_yaml_ng::to_string(&file).unwrap_or_default();
    format!(
        "# Recorded by `upgrade-conformance record` in front of {upstream}.\n\
         # Auth is the vendor adapter's on replay; no secret is written here.\n{yaml}"
    )
}

/// What names the resource a step reads or acts on, so that every step about it tracks one
/// entity: the last id variable in its path (not the project), else one in its query, else
/// the id it captures, else the path.
fn resource(d: &Draft) -> String {
    let re = regex::Regex::new(r"\$\{([a-z0-9_]+)\}").ok();
    let vars = |text: &str| -> Vec<String> {
        re.as_ref()
            .map(|re| {
                re.captures_iter(text)
                    .map(|c| c[0].to_string())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    vars(&d.path)
        .pop()
        .or_else(|| d.query.iter().flat_map(|(_, v)| vars(v)).next())
        .or_else(|| d.capture.keys().next().map(|v| format!("${{{v}}}")))
        .unwrap_or_else(|| d.path.clone())
}

fn step(d: &Draft, vendor: &str) -> Value {
    let mut req = Map::new();
    req.insert("method".into(), Value::from(d.method.clone()));
    req.insert("path".into(), Value::from(d.path.clone()));
    for (key, pairs) in [("query", &d.query), ("headers", &d.headers)] {
        if !pairs.is_empty() {
            let m: Map<String, Value> = pairs
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.clone())))
                .collect();
            req.insert(key.into(), Value::Object(m));
        }
    }
    if let Some(j) = &d.json {
        req.insert("json".into(), j.clone());
    } else if let Some(b) = &d.body {
        req.insert("body".into(), Value::from(b.clone()));
    }
    // Tracks: a model's fields, when every value this step saw is one of its states.
    let ok = (200..300).contains(&d.status);
    let mut track = Vec::new();
    let mut states: Vec<String> = Vec::new();
    for (model, paths, key, part) in tracks(vendor) {
        let Some(m) = models::get(model) else {
            continue;
        };
        if !ok || !d.path.contains(part) {
            continue;
        }
        let mut seen = false;
        let all_states = d.answers.iter().flatten().all(|a| {
            let cols: Vec<Vec<String>> = paths
                .iter()
                .map(|p| {
                    crate::matchers::select(Some(a), p)
                        .into_iter()
                        .filter_map(|(_, v)| {
                            v.map(|v| v.as_str().map_or(v.to_string(), str::to_string))
                        })
                        .collect()
                })
                .collect();
            let n = cols[0].len();
            seen |= n > 0;
            (0..n).all(|i| {
                let s: Vec<String> = cols.iter().filter_map(|c| c.get(i).cloned()).collect();
                m.has_state(&s.join("/"))
            })
        });
        if seen && all_states {
            let mut t = json!({"model": model, "path": if paths.len() == 1 { Value::from(paths[0]) } else { json!(paths) }, "entity": format!("{model} {}", resource(d))});
            if let Some(k) = key {
                t["key"] = Value::from(k);
            }
            track.push(t);
            states.extend(paths.iter().map(|p| p.to_string()));
        }
    }
    // Expectations from the last answer.
    let mut expect = Map::new();
    expect.insert("status".into(), Value::from(d.status));
    if let Some(last) = d.last() {
        let mut j = Map::new();
        for (ptr, values) in leaves(last) {
            if ptr.is_empty() {
                continue;
            }
            if let Some(m) = matcher(&ptr, &values, states.contains(&ptr)) {
                j.insert(ptr, m);
            }
        }
        if !j.is_empty() {
            expect.insert("json".into(), Value::Object(j));
        }
    }
    let mut s = Map::new();
    let polled = d.answers.len();
    s.insert(
        "name".into(),
        Value::from(if polled > 1 {
            format!("{} {} (read {polled} times)", d.method, d.path)
        } else {
            format!("{} {}", d.method, d.path)
        }),
    );
    s.insert("request".into(), Value::Object(req));
    // A read of a tracked state waits for the state the recording ended in (the target may
    // be behind: on the simulator, time passes only while polling).
    if d.method == "GET" && !track.is_empty() {
        if let Some(last) = d.last() {
            let mut until = Map::new();
            for p in &states {
                if !p.contains('*') {
                    if let Some(v) = last.pointer(p) {
                        until.insert(p.clone(), v.clone());
                    }
                }
            }
            if until.is_empty() {
                until.insert("status".into(), Value::from(d.status));
            }
            s.insert(
                "poll".into(),
                json!({"every": "10s", "timeout": "2h", "until": until}),
            );
        }
    }
    s.insert("expect".into(), Value::Object(expect));
    if !d.capture.is_empty() {
        s.insert("capture".into(), json!(d.capture));
    }
    if !track.is_empty() {
        s.insert("track".into(), Value::Array(track));
    }
    Value::Object(s)
}
