//! `serve --state-file FILE`: long rehearsals survive restarts. The world is deterministic given
//! its scenario, its seed and its inputs, so the file holds the inputs rather than the world:
//! a first line naming the scenario (name, seed, a hash of its text), then one JSON line per
//! input as it reaches the world (every vendor request and every admin request other than a
//! read, with its place in the order of arrivals, its virtual instant, its wall time, and its
//! method, URI, headers and body), and `clock` lines with the virtual time reached (every N
//! virtual minutes and on shutdown). Every line is written and flushed as it happens, so even
//! a killed process loses at most the time the real-time driver moved since the last line.
//!
//! On start, [`StateFile::open`] replays the file through the app: time is moved to each
//! input's instant with the wall clock pinned to its wall time (signatures and auth expiry see
//! what they saw), the input is sent, its answer dropped; then time is moved to the last clock
//! line. New inputs are appended to the same file.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

use crate::engine::{Arrived, Sim};
use crate::kernel::Millis;
use crate::{registry, Scenario};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The most of a body recorded (the largest vendor limit).
const MAX_RECORDED_BODY: usize = 256 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Line {
    Start {
        scenario: String,
        seed: u64,
        sha256: String,
    },
    Input {
        order: u64,
        at_ms: Millis,
        wall: chrono::DateTime<chrono::Utc>,
        method: String,
        uri: String,
        /// (name, base64 of the value): values need not be text.
        headers: Vec<(String, String)>,
        body: String,
    },
    Clock {
        at_ms: Millis,
    },
}

/// An open state file, appended to as inputs arrive.
pub struct StateFile {
    path: PathBuf,
    out: Mutex<std::fs::File>,
    last_clock: Mutex<Millis>,
}

/// What a state file's first line must say for the simulator it is replayed into.
fn start_line(sim: &Sim) -> Line {
    let s = Scenario::of(sim);
    Line::Start {
        scenario: s.name.clone(),
        sha256: hex::encode(Sha256::digest(s.source.as_bytes())),
        seed: sim.seed(),
    }
}

/// What replaying a state file did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Restored {
    pub inputs: usize,
    pub at_ms: Millis,
}

impl StateFile {
    /// Opens `path` for `sim`: replays what it holds (when it exists) and appends from there.
    /// A file written for another scenario or seed is refused, naming both.
    pub async fn open(sim: &Sim, path: &Path) -> anyhow::Result<(Self, Restored)> {
        let start = serde_json::to_string(&start_line(sim))?;
        let mut restored = Restored::default();
        if path.exists() {
            restored = replay(sim, path, &start).await?;
        } else {
            std::fs::write(path, format!("{start}\n"))
                .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
        }
        let out = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot append: {e}", path.display()))?;
        Ok((
            Self {
                path: path.to_path_buf(),
                out: Mutex::new(out),
                last_clock: Mutex::new(restored.at_ms),
            },
            restored,
        ))
    }

    fn append(&self, line: &Line) {
        let Ok(mut text) = serde_json::to_string(line) else {
            return;
        };
        text.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            tracing::error!("{}: cannot append: {e}", self.path.display());
        }
    }

    /// Writes the virtual time reached, if it moved `every` since the last clock line
    /// (`0`: whenever it moved at all).
    pub fn checkpoint(&self, sim: &Sim, every: Millis) {
        let now = sim.lock().core.now();
        let mut last = self.last_clock.lock().unwrap_or_else(|p| p.into_inner());
        if now > *last && now - *last >= every {
            *last = now;
            drop(last);
            self.append(&Line::Clock { at_ms: now });
        }
    }
}

/// Replays `path` into `sim`; the file's first line must be `start`.
async fn replay(sim: &Sim, path: &Path, start: &str) -> anyhow::Result<Restored> {
    let name = path.display();
    let file =
        std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{name}: cannot read: {e}"))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let first = lines.next().transpose()?.unwrap_or_default();
    if first.trim() != start {
        anyhow::bail!(
            "{name}: written for another run ({}); this one is {start}: give the same \
             --scenario and --seed, or another --state-file",
            first.trim()
        );
    }
    let mut restored = Restored::default();
    let mut inputs = Vec::new();
    for (n, line) in lines.enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(&line) {
            Ok(Line::Clock { at_ms }) => restored.at_ms = restored.at_ms.max(at_ms),
            Ok(input @ Line::Input { .. }) => inputs.push(input),
            Ok(Line::Start { .. }) => {}
            // A last line cut short by a kill: the inputs before it stand.
            Err(e) => tracing::warn!("{name}: line {}: skipped ({e})", n + 2),
        }
    }
    // Lines are written as answers complete; the world saw the inputs in arrival order.
    inputs.sort_by_key(|l| match l {
        Line::Input { order, .. } => *order,
        _ => 0,
    });
    let app = super::router(sim.clone());
    let speed = sim.speed();
    sim.set_speed(0.0);
    let mut last_order = None;
    for line in inputs {
        let Line::Input {
            order,
            at_ms,
            wall,
            method,
            uri,
            headers,
            body,
        } = line
        else {
            continue;
        };
        sim.replay_to(at_ms, Some(wall))?;
        let mut req = Request::builder()
            .method(Method::from_bytes(method.as_bytes())?)
            .uri(uri);
        for (k, v) in headers {
            let v = HeaderValue::from_bytes(&B64.decode(v)?)?;
            req = req.header(HeaderName::from_bytes(k.as_bytes())?, v);
        }
        let req = req.body(Body::from(B64.decode(body)?))?;
        let response = app
            .clone()
            .oneshot(req)
            .await
            .unwrap_or_else(|e| match e {});
        drop(response);
        restored.inputs += 1;
        restored.at_ms = restored.at_ms.max(at_ms);
        last_order = Some(order);
    }
    sim.replay_to(restored.at_ms, None)?;
    restored.at_ms = sim.lock().core.now();
    sim.set_speed(speed);
    if let Some(order) = last_order {
        sim.arrivals_after(order);
    }
    Ok(restored)
}

/// The middleware that records each input (outermost: it sees the request as it came). A body
/// is read only within the owning vendor's limits (see `shape`); one refused from its head is
/// recorded without it, and refused the same way on replay.
pub async fn record(
    State((sim, file)): State<(Sim, std::sync::Arc<StateFile>)>,
    mut req: Request,
    next: Next,
) -> Response {
    let admin = req.uri().path().starts_with("/_sim");
    if admin && matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let refused = registry::vendor_of_path(req.uri().path())
        .is_some_and(|v| super::shape::refuse_early(v, &mut req).is_err());
    let input = |parts: &axum::http::request::Parts, body: &[u8], a: Arrived| Line::Input {
        order: a.order,
        at_ms: a.at_ms,
        wall: a.wall,
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), B64.encode(v.as_bytes())))
            .collect(),
        body: B64.encode(body),
    };
    let (parts, body) = req.into_parts();
    let bytes = if refused {
        None
    } else {
        match http_body_util::Limited::new(body, MAX_RECORDED_BODY)
            .collect()
            .await
        {
            Ok(b) => Some(b.to_bytes()),
            Err(e) => {
                let message = format!("the request body could not be read: {e}");
                let status = axum::http::StatusCode::BAD_REQUEST;
                return (status, axum::Json(serde_json::json!({ "error": message })))
                    .into_response();
            }
        }
    };
    let head = parts.clone();
    let before = admin.then(|| sim.arrive());
    let req = Request::from_parts(parts, bytes.clone().map(Body::from).unwrap_or_default());
    let response = next.run(req).await;
    if let Some(a) = before.or_else(|| {
        response
            .extensions()
            .get::<crate::engine::Exchanged>()
            .and_then(|e| e.arrived.clone())
    }) {
        file.append(&input(&head, bytes.as_deref().unwrap_or_default(), a));
    }
    response
}
