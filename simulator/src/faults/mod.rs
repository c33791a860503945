//! HTTP-level faults on routes: latency (fixed, uniform, log-normal), an error status in the
//! vendor's own shape, a connection reset, an empty reply, a truncated or malformed body, a
//! slowly dribbled body, and rate limiting (429 in the vendor's shape). Declared in a scenario's
//! `http_faults` or added live through `/_sim/faults`; every firing goes in the journal.
//!
//! Randomness (whether a fault fires, how long a latency is) comes from one stream per fault,
//! derived from the seed and the fault's id, so the same scenario, seed and requests fire the
//! same faults on the same requests.

use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::kernel::rng::{self, EntityRng};
use crate::kernel::{parse_duration, Millis};

/// One fault as a scenario or `POST /_sim/faults` declares it. Exactly one action key
/// (`latency`, `error`, `reset`, `empty_reply`, `truncate`, `malformed`, `dribble`, `rate_limit`).
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpFaultSpec {
    /// A name for the journal and for `DELETE /_sim/faults/{id}` (default `fault-<n>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// "[METHOD ]/path/pattern": `*` matches one segment, a final `**` any rest.
    pub route: String,
    /// Only requests of this vendor (by its name: obshell, ota, taurusdb, unity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// The chance a matching request is hit (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Active from this virtual time on ("5m").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Active until this virtual time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Fires at most this many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencySpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_reply: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub malformed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dribble: Option<DribbleSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitSpec>,
}

/// `{fixed: 200ms}`, `{uniform: [100ms, 2s]}` or `{lognormal: {median: 200ms, sigma: 0.5}}`:
/// exactly one key.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencySpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniform: Option<[String; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lognormal: Option<LogNormalSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogNormalSpec {
    pub median: String,
    pub sigma: f64,
}

/// `{status: 503, message: "..."}`: answered in the vendor's own error shape.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorSpec {
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `{chunk: 16, every: 100ms}`: the real body, `chunk` bytes at a time.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DribbleSpec {
    pub chunk: usize,
    pub every: String,
}

/// `{requests: 10, per: 1s}`: past that many requests per window, 429 in the vendor's shape.
/// Windows are measured in virtual time when the clock runs, so a stepped test sees them move.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSpec {
    pub requests: u64,
    pub per: String,
}

/// What a fault does, resolved from its spec.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Latency(LatencyDist),
    Error { status: u16, message: String },
    Reset,
    EmptyReply,
    Truncate,
    Malformed,
    Dribble { chunk: usize, every: Duration },
    RateLimit { requests: u64, per_ms: Millis },
}

#[derive(Debug, Clone, PartialEq)]
pub enum LatencyDist {
    Fixed(Millis),
    Uniform(Millis, Millis),
    LogNormal { median: Millis, sigma: f64 },
}

impl HttpFaultSpec {
    /// Checks the spec; `vendors` are the names a `vendor:` key may take.
    pub fn validate(&self, vendors: &[&str]) -> Result<(), String> {
        if let Some(v) = &self.vendor {
            if !vendors.contains(&v.as_str()) {
                return Err(format!(
                    "vendor: no vendor '{v}' (use {})",
                    vendors.join(", ")
                ));
            }
        }
        Route::parse(&self.route)?;
        if let Some(p) = self.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("probability {p} must be between 0 and 1"));
            }
        }
        for (name, d) in [("after", &self.after), ("until", &self.until)] {
            if let Some(d) = d {
                parse_duration(d).map_err(|e| format!("{name}: {e}"))?;
            }
        }
        self.action().map(|_| ())
    }

    /// The one action this fault takes.
    pub fn action(&self) -> Result<Action, String> {
        let mut actions = Vec::new();
        if let Some(l) = &self.latency {
            let dist = match (&l.fixed, &l.uniform, &l.lognormal) {
                (Some(d), None, None) => LatencyDist::Fixed(parse_duration(d)?),
                (None, Some([a, b]), None) => {
                    let (a, b) = (parse_duration(a)?, parse_duration(b)?);
                    if a > b {
                        return Err(format!(
                            "latency uniform: {a} ms is above {b} ms; write [low, high]"
                        ));
                    }
                    LatencyDist::Uniform(a, b)
                }
                (None, None, Some(LogNormalSpec { median, sigma })) => {
                    if !(sigma.is_finite() && *sigma >= 0.0) {
                        return Err("latency lognormal: sigma must be a non-negative number".into());
                    }
                    LatencyDist::LogNormal {
                        median: parse_duration(median)?,
                        sigma: *sigma,
                    }
                }
                _ => return Err("latency takes exactly one of fixed, uniform or lognormal".into()),
            };
            actions.push(Action::Latency(dist));
        }
        if let Some(e) = &self.error {
            if !(400..=599).contains(&e.status) {
                return Err(format!(
                    "error status {} must be between 400 and 599",
                    e.status
                ));
            }
            actions.push(Action::Error {
                status: e.status,
                message: e
                    .message
                    .clone()
                    .unwrap_or_else(|| default_message(e.status)),
            });
        }
        for (flag, action) in [
            (self.reset, Action::Reset),
            (self.empty_reply, Action::EmptyReply),
            (self.truncate, Action::Truncate),
            (self.malformed, Action::Malformed),
        ] {
            if flag == Some(true) {
                actions.push(action);
            }
        }
        if let Some(d) = &self.dribble {
            if d.chunk == 0 {
                return Err("dribble: chunk must be at least 1 byte".into());
            }
            actions.push(Action::Dribble {
                chunk: d.chunk,
                every: Duration::from_millis(parse_duration(&d.every)?),
            });
        }
        if let Some(r) = &self.rate_limit {
            let per_ms = parse_duration(&r.per)?;
            if per_ms == 0 {
                return Err("rate_limit: per must be longer than 0s".into());
            }
            actions.push(Action::RateLimit {
                requests: r.requests,
                per_ms,
            });
        }
        match actions.len() {
            1 => Ok(actions.remove(0)),
            0 => Err("a fault needs one action: latency, error, reset, empty_reply, truncate, malformed, dribble or rate_limit".into()),
            _ => Err("a fault takes exactly one action; declare two faults on the same route to combine them".into()),
        }
    }
}

fn default_message(status: u16) -> String {
    match status {
        429 => "Too many requests (injected fault)".into(),
        503 => "Service unavailable (injected fault)".into(),
        s => format!("Injected fault: HTTP {s}"),
    }
}

/// A route pattern: an optional method and path segments.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Route {
    method: Option<String>,
    segments: Vec<String>,
}

impl Route {
    fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (method, path) = match text.split_once(' ') {
            Some((m, p)) => (Some(m.trim().to_ascii_uppercase()), p.trim()),
            None => (None, text),
        };
        if !path.starts_with('/') {
            return Err(format!(
                "route '{text}' must be a path starting with '/', optionally after a method: \"POST /api/v1/ob/upgrade\", \"/v3/*/jobs\", \"/api/**\""
            ));
        }
        let segments: Vec<String> = path
            .trim_matches('/')
            .split('/')
            .map(str::to_string)
            .collect();
        if let Some(i) = segments.iter().position(|s| s == "**") {
            if i + 1 != segments.len() {
                return Err(format!("route '{text}': '**' may only end a pattern"));
            }
        }
        Ok(Self { method, segments })
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        if self
            .method
            .as_deref()
            .is_some_and(|m| !m.eq_ignore_ascii_case(method))
        {
            return false;
        }
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        for (i, seg) in self.segments.iter().enumerate() {
            if seg == "**" {
                return true;
            }
            match parts.get(i) {
                Some(p) if seg == "*" || seg == p => {}
                _ => return false,
            }
        }
        parts.len() == self.segments.len()
    }
}

/// A live fault: its spec, resolved action, random stream and counters.
#[derive(Debug, Clone)]
pub struct Fault {
    pub id: String,
    pub spec: HttpFaultSpec,
    route: Route,
    action: Action,
    after: Option<Millis>,
    until: Option<Millis>,
    rng: EntityRng,
    pub fired: u64,
    pub matched: u64,
    window: (Millis, u64),
}

/// What the HTTP layer must do to one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub fault_id: String,
    pub action: Action,
    /// The latency drawn for this request, if the action is a latency.
    pub delay: Option<Duration>,
}

/// Every fault in force.
#[derive(Debug, Default)]
pub struct FaultSet {
    faults: Vec<Fault>,
    added: u64,
    /// The vendor names a fault's `vendor:` may take (the world's models).
    vendors: Vec<&'static str>,
}

impl FaultSet {
    /// The faults of `specs`, for a world whose vendors are `vendors`.
    pub fn from_specs(
        specs: &[HttpFaultSpec],
        seed: u64,
        vendors: &[&'static str],
    ) -> Result<Self, String> {
        let mut set = Self {
            vendors: vendors.to_vec(),
            ..Self::default()
        };
        for spec in specs {
            set.add(spec.clone(), seed)?;
        }
        Ok(set)
    }

    /// Adds a fault; returns its id.
    pub fn add(&mut self, spec: HttpFaultSpec, seed: u64) -> Result<String, String> {
        spec.validate(&self.vendors)?;
        self.added += 1;
        let id = spec
            .id
            .clone()
            .unwrap_or_else(|| format!("fault-{}", self.added));
        if self.faults.iter().any(|f| f.id == id) {
            return Err(format!(
                "a fault with id '{id}' already exists; delete it first or pick another id"
            ));
        }
        let route = Route::parse(&spec.route)?;
        let action = spec.action()?;
        let after = spec.after.as_deref().map(parse_duration).transpose()?;
        let until = spec.until.as_deref().map(parse_duration).transpose()?;
        self.faults.push(Fault {
            rng: rng::stream(seed, &format!("http-fault:{id}")),
            id: id.clone(),
            spec,
            route,
            action,
            after,
            until,
            fired: 0,
            matched: 0,
            window: (0, 0),
        });
        Ok(id)
    }

    pub fn remove(&mut self, id: &str) -> bool {
        let before = self.faults.len();
        self.faults.retain(|f| f.id != id);
        self.faults.len() != before
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    pub fn list(&self) -> Value {
        Value::Array(
            self.faults
                .iter()
                .map(|f| {
                    let mut v = serde_json::to_value(&f.spec).unwrap_or(Value::Null);
                    v["id"] = json!(f.id);
                    v["matched"] = json!(f.matched);
                    v["fired"] = json!(f.fired);
                    v
                })
                .collect(),
        )
    }

    /// Decides what happens to `method path` at virtual time `now`; the first fault (in
    /// declaration order) that fires wins. Latency is the exception: it delays and lets later
    /// faults act too, so "slow, then 503" is two faults.
    pub fn decide(
        &mut self,
        vendor: Option<&str>,
        method: &str,
        path: &str,
        now: Millis,
    ) -> Vec<Decision> {
        let mut out = Vec::new();
        for f in &mut self.faults {
            if f.spec.vendor.as_deref().is_some_and(|v| Some(v) != vendor)
                || !f.route.matches(method, path)
                || f.after.is_some_and(|a| now < a)
                || f.until.is_some_and(|u| now >= u)
                || f.spec.times.is_some_and(|t| f.fired >= t)
            {
                continue;
            }
            f.matched += 1;
            if let Action::RateLimit { requests, per_ms } = f.action {
                let window = now / per_ms;
                if f.window.0 != window {
                    f.window = (window, 0);
                }
                f.window.1 += 1;
                if f.window.1 <= requests {
                    continue;
                }
            } else {
                let p = f.spec.probability.unwrap_or(1.0);
                // Always draw, so that whether request N fires never depends on earlier firings.
                let roll: f64 = f.rng.random();
                if roll >= p {
                    continue;
                }
            }
            f.fired += 1;
            let delay = match &f.action {
                Action::Latency(d) => Some(draw_latency(d, &mut f.rng)),
                _ => None,
            };
            let terminal = !matches!(f.action, Action::Latency(_));
            out.push(Decision {
                fault_id: f.id.clone(),
                action: f.action.clone(),
                delay,
            });
            if terminal {
                break;
            }
        }
        out
    }
}

fn draw_latency(d: &LatencyDist, rng: &mut EntityRng) -> Duration {
    let ms = match *d {
        LatencyDist::Fixed(ms) => ms as f64,
        LatencyDist::Uniform(a, b) => {
            if a == b {
                a as f64
            } else {
                rng.random_range(a as f64..=b as f64)
            }
        }
        LatencyDist::LogNormal { median, sigma } => {
            // Box-Muller: one standard normal from two uniforms.
            let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
            let u2: f64 = rng.random();
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            (median as f64) * (sigma * z).exp()
        }
    };
    Duration::from_millis(ms.clamp(0.0, 3_600_000.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> HttpFaultSpec {
        serde_yaml_ng::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn routes_match_methods_single_segments_and_trailing_rests() {
        let r = Route::parse("GET /api/v1/task/dag/*").unwrap_or_else(|e| panic!("{e}"));
        assert!(r.matches("GET", "/api/v1/task/dag/12"));
        assert!(!r.matches("POST", "/api/v1/task/dag/12"));
        assert!(!r.matches("GET", "/api/v1/task/dag/12/x"));
        let r = Route::parse("/v3/**").unwrap_or_else(|e| panic!("{e}"));
        assert!(r.matches("POST", "/v3/p/instances/database-version/upgrade"));
        assert!(Route::parse("api/v1").is_err());
        assert!(Route::parse("/a/**/b").is_err());
    }

    #[test]
    fn a_fault_needs_exactly_one_action() {
        assert!(spec("route: /x").validate(&[]).is_err());
        assert!(spec("route: /x\nreset: true\nmalformed: true")
            .validate(&[])
            .is_err());
        assert!(spec("route: /x\nerror: {status: 503}")
            .validate(&[])
            .is_ok());
        assert!(spec("route: /x\nerror: {status: 200}")
            .validate(&[])
            .is_err());
    }

    #[test]
    fn the_same_seed_fires_on_the_same_requests() {
        let specs = vec![spec("route: /x\nprobability: 0.5\nerror: {status: 503}")];
        let run = |seed| {
            let mut set = FaultSet::from_specs(&specs, seed, &[]).unwrap_or_else(|e| panic!("{e}"));
            (0..64)
                .map(|_| !set.decide(None, "GET", "/x", 0).is_empty())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
        let fired = run(1).iter().filter(|f| **f).count();
        assert!(
            (16..=48).contains(&fired),
            "a 50% fault fired {fired} times in 64"
        );
    }

    #[test]
    fn times_after_and_until_bound_a_fault() {
        let mut set = FaultSet::from_specs(
            &[spec(
                "route: /x\nafter: 1m\nuntil: 2m\ntimes: 2\nreset: true",
            )],
            0,
            &[],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(set.decide(None, "GET", "/x", 0).is_empty());
        assert_eq!(set.decide(None, "GET", "/x", 60_000).len(), 1);
        assert_eq!(set.decide(None, "GET", "/x", 60_001).len(), 1);
        assert!(set.decide(None, "GET", "/x", 60_002).is_empty(), "times: 2");
    }

    #[test]
    fn a_rate_limit_lets_n_requests_through_per_window() {
        let mut set = FaultSet::from_specs(
            &[spec("route: /x\nrate_limit: {requests: 2, per: 1s}")],
            0,
            &[],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let hits: Vec<bool> = (0..3)
            .map(|_| !set.decide(None, "GET", "/x", 0).is_empty())
            .collect();
        assert_eq!(hits, vec![false, false, true]);
        assert!(
            set.decide(None, "GET", "/x", 1000).is_empty(),
            "a new window"
        );
    }

    #[test]
    fn latency_draws_stay_within_a_uniform_range() {
        let mut set = FaultSet::from_specs(
            &[spec("route: /x\nlatency: {uniform: [100ms, 200ms]}")],
            3,
            &[],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..50 {
            let d = set.decide(None, "GET", "/x", 0);
            let ms = d[0].delay.map(|d| d.as_millis()).unwrap_or_default();
            assert!((100..=200).contains(&ms), "{ms}");
        }
    }
}
