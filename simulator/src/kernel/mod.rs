//! The kernel: what every layer above builds on and nothing in it knows about HTTP, vendors or
//! scenario files. Virtual time ([`clock`]), seeded per-entity randomness ([`rng`]), the
//! bounded [`journal`], the timer queue ([`timers`]), resource state tables ([`state`]) and the
//! [`Invalid`] error a configuration section reports with its dotted path.
//!
//! [`Core`] bundles the clock, the journal and the seed: the part of a world that every vendor
//! model reads and writes, handed to it by the engine as `&mut Core`.

pub mod clock;
mod invalid;
pub mod journal;
pub mod rng;
pub mod state;
pub mod timers;

use serde::Serialize;
use serde_json::Value;

pub use clock::{parse_duration, Clock, Driver, Millis, WallClock, MAX_MILLIS, MAX_SPEED};
pub use invalid::Invalid;
pub use journal::{Entry, EntryKind, Journal, JournalQuery, RequestLine, Sink};
pub use state::{table_allows, transition, Resource, StateMachine, StateTable};
pub use timers::TimerQueue;

/// What every vendor model shares: time, randomness and the journal.
#[derive(Debug)]
pub struct Core {
    pub clock: Clock,
    pub journal: Journal,
    pub seed: u64,
    pub wall: WallClock,
    request_counter: u64,
}

impl Core {
    pub fn new(clock: Clock, mut journal: Journal, seed: u64, wall: WallClock) -> Self {
        journal.set_epoch(&clock);
        Self {
            clock,
            journal,
            seed,
            wall,
            request_counter: 0,
        }
    }

    /// Virtual milliseconds since the epoch.
    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    /// The random stream of one entity (see [`rng::stream`]).
    pub fn rng(&self, entity: &str) -> rng::EntityRng {
        rng::stream(self.seed, entity)
    }

    /// A fresh number per request, for trace and request ids: derived from the seed and the
    /// request's position, so the same requests in the same order get the same ids.
    pub fn next_request_number(&mut self) -> u64 {
        self.request_counter += 1;
        self.request_counter
    }

    /// A random stream for the `n`th request (trace ids, request ids).
    pub fn request_rng(&self, n: u64) -> rng::EntityRng {
        rng::stream(self.seed, &format!("request#{n}"))
    }

    /// Appends an entry stamped with virtual and wall time; returns its sequence number.
    pub fn record(
        &mut self,
        kind: EntryKind,
        vendor: &str,
        resource: &str,
        from: Option<String>,
        to: Option<String>,
        detail: Value,
    ) -> u64 {
        let names = (vendor, resource, from.as_deref(), to.as_deref());
        let (now, wall) = (self.clock.now(), self.wall.now());
        self.journal.push_value(now, wall, kind, names, &detail)
    }

    /// Appends a request entry (resource "request"; its method, path, query and status).
    pub fn record_request(&mut self, vendor: &str, request: RequestLine<'_>) -> u64 {
        let (now, wall) = (self.clock.now(), self.wall.now());
        self.journal.push_request(now, wall, vendor, request)
    }

    /// Records that something happened that is not a transition.
    pub fn event(&mut self, vendor: &str, resource: &str, detail: Value) {
        self.record(EntryKind::Event, vendor, resource, None, None, detail);
    }

    /// Records a fault firing.
    pub fn fault(&mut self, vendor: &str, resource: &str, detail: Value) {
        self.record(EntryKind::Fault, vendor, resource, None, None, detail);
    }
}

/// A virtual instant as an RFC 3339 date in the clock's zone.
pub fn rfc3339_at(core: &Core, at: Millis) -> String {
    core.clock.datetime_at(at).to_rfc3339()
}

/// For snapshot writers: serialize anything, or null if it cannot be.
pub fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
