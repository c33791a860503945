//! The engine with a toy vendor: no real vendor is needed to test time, timers, faults,
//! refusals and the one-lock exchange.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{json, Value};

use super::*;
use crate::faults::HttpFaultSpec;
use crate::kernel::{Core, EntryKind, JournalQuery, Millis, WallClock};

/// Ticks at every whole virtual second until `until`, counting; refuses while `down`.
struct Ticker {
    name: &'static str,
    next: Option<Millis>,
    until: Millis,
    ticks: u64,
    down: bool,
}

impl VendorModel for Ticker {
    fn vendor(&self) -> &'static str {
        self.name
    }
    fn next_due(&self) -> Option<Millis> {
        self.next
    }
    fn fire_due(&mut self, core: &mut Core) {
        self.ticks += 1;
        core.event(self.name, "tick", json!({"n": self.ticks}));
        self.next = self.next.map(|t| t + 1000).filter(|t| *t <= self.until);
    }
    fn snapshot(&self, _: &Core) -> Value {
        json!({"ticks": self.ticks})
    }
    fn actions(&self) -> &'static [&'static str] {
        &["down"]
    }
    fn refusal(&self, _: &Core, _: &str, _: &str) -> Option<Refusal> {
        self.down.then(|| Refusal::Error {
            status: 503,
            message: "ticking elsewhere".into(),
        })
    }
    fn apply(&mut self, _: &mut Core, action: &str, _: &Value) -> Result<(), String> {
        match action {
            "down" => {
                self.down = true;
                Ok(())
            }
            other => Err(format!("no action {other}")),
        }
    }
}

struct Toys {
    faults: Vec<HttpFaultSpec>,
    timeline: Vec<TimelineEvent>,
}

impl Blueprint for Toys {
    fn seed(&self) -> u64 {
        7
    }
    fn build(&self, seed: u64, wall: WallClock) -> anyhow::Result<World> {
        let setup = Setup {
            name: "toys",
            epoch: chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")?,
            journal_capacity: 1000,
            http_faults: &self.faults,
            timeline: &self.timeline,
        };
        World::build(setup, seed, wall, |_| {
            let ticker = |name, until| -> Box<dyn VendorModel> {
                Box::new(Ticker {
                    name,
                    next: Some(1000),
                    until,
                    ticks: 0,
                    down: false,
                })
            };
            Ok(vec![ticker("a", 3000), ticker("b", 2000)])
        })
    }
    fn into_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync> {
        self
    }
}

fn toys(faults: &str, timeline: Vec<TimelineEvent>) -> Sim {
    let faults = serde_yaml_ng::from_str(faults).unwrap_or_else(|e| panic!("{e}"));
    Sim::new(Toys { faults, timeline }, SimOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn info(vendor: &'static str, path: &str) -> RequestInfo {
    RequestInfo {
        vendor,
        method: axum::http::Method::GET,
        uri: path.parse().unwrap_or_else(|e| panic!("{path}: {e}")),
        render_error: |_, status, message| {
            (status, format!("toy error: {message}")).into_response()
        },
        not_found: |_, _| StatusCode::NOT_FOUND.into_response(),
    }
}

fn ticks(sim: &Sim) -> Vec<(String, Millis)> {
    let w = sim.lock();
    w.core
        .journal
        .query(&JournalQuery::default())
        .into_iter()
        .filter(|e| e.resource == "tick")
        .map(|e| (e.vendor, e.at_ms))
        .collect()
}

#[test]
fn timers_fire_in_time_order_and_in_model_order_at_one_instant() {
    let sim = toys("[]", vec![]);
    let _ = sim.run_until_idle();
    let seen = ticks(&sim);
    let want: Vec<(String, Millis)> = [
        ("a", 1000),
        ("b", 1000),
        ("a", 2000),
        ("b", 2000),
        ("a", 3000),
    ]
    .iter()
    .map(|(v, t)| (v.to_string(), *t))
    .collect();
    assert_eq!(seen, want);
    assert_eq!(
        sim.lock().vendor::<Ticker>().ticks,
        3,
        "the first model, by type"
    );
}

#[test]
fn advance_stops_at_its_target_and_fires_nothing_beyond() {
    let sim = toys("[]", vec![]);
    let _ = sim.advance(1500);
    assert_eq!(ticks(&sim).len(), 2);
    assert_eq!(sim.lock().core.now(), 1500);
}

#[test]
fn an_exchange_answers_a_fault_in_the_owners_shape_and_journals_once() {
    let sim = toys(
        "[{route: GET /a/x, vendor: a, error: {status: 502, message: nope}}]",
        vec![],
    );
    let mut handled = false;
    let r = sim.exchange(&info("a", "/a/x"), |_| {
        handled = true;
        StatusCode::OK.into_response()
    });
    assert_eq!(r.status(), 502);
    assert!(!handled, "a stopping fault keeps the handler from running");
    let r = sim.exchange(&info("b", "/a/x"), |_| StatusCode::OK.into_response());
    assert_eq!(r.status(), 200, "the fault is a's only");
    let w = sim.lock();
    let requests = w.core.journal.query(&JournalQuery {
        kind: Some(EntryKind::Request),
        ..Default::default()
    });
    let statuses: Vec<u64> = requests
        .iter()
        .map(|e| e.detail["status"].as_u64().unwrap_or_default())
        .collect();
    assert_eq!(statuses, vec![502, 200], "one request entry per exchange");
}

#[test]
fn a_timeline_action_makes_the_vendor_refuse_requests() {
    let down = TimelineEvent {
        at_ms: 500,
        vendor: "b".into(),
        action: "down".into(),
        args: Value::Null,
    };
    let sim = toys("[]", vec![down]);
    assert_eq!(
        sim.exchange(&info("b", "/b"), |_| StatusCode::OK.into_response())
            .status(),
        200
    );
    let _ = sim.advance(600);
    let r = sim.exchange(&info("b", "/b"), |_| StatusCode::OK.into_response());
    assert_eq!(r.status(), 503);
    assert_eq!(
        sim.exchange(&info("a", "/a"), |_| StatusCode::OK.into_response())
            .status(),
        200
    );
}
