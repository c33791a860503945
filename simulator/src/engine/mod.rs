//! The deterministic engine: virtual clock, seeded per-entity randomness, the journal, the timer
//! queue and the generic state-machine primitive every vendor model is built from.
//!
//! A [`World`] is everything that can change: the [`Core`] (clock, journal, seed) and the vendor
//! models. [`Sim`] is the cheap-clone handle the HTTP layer holds. It keeps the world behind a
//! std `Mutex` (never held across an `.await`; every operation is short and CPU-bound, so an
//! async lock would only add cost) and lazily catches virtual time up with the real-time driver
//! whenever someone looks, so an idle simulator does no work at all.

pub mod clock;
pub mod journal;
pub mod rng;
pub mod timers;

use std::fmt::{Debug, Display};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{json, Value};

pub use clock::{Clock, Driver, Millis, WallClock};
pub use journal::{Entry, EntryKind, Journal, JournalQuery};
pub use timers::TimerQueue;

use crate::scenario::Scenario;
use crate::vendors::Vendors;

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
    pub fn new(clock: Clock, journal: Journal, seed: u64, wall: WallClock) -> Self {
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
        let entry = Entry {
            seq: 0,
            at_ms: self.clock.now(),
            at: self.clock.datetime().to_rfc3339(),
            wall: self.wall.now().to_rfc3339(),
            kind,
            vendor: vendor.to_string(),
            resource: resource.to_string(),
            from,
            to,
            detail,
        };
        self.journal.push(entry)
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

/// A resource state: a named enum whose legal moves are written down in `allows`.
pub trait StateMachine: Copy + Eq + Debug + Display {
    fn allows(self, to: Self) -> bool;
}

/// Moves `state` to `to`, journalling the move. An illegal move is a simulator bug, never a
/// client's fault (clients get their vendor's error before the engine is asked), so it panics
/// loudly, naming the resource and both states; `serve` turns that into a 500 in the journal.
pub fn transition<S: StateMachine>(
    core: &mut Core,
    vendor: &str,
    resource: &str,
    state: &mut S,
    to: S,
    detail: Value,
) {
    let from = *state;
    assert!(
        from.allows(to),
        "illegal transition of {vendor} {resource}: {from} -> {to}"
    );
    *state = to;
    core.record(
        EntryKind::Transition,
        vendor,
        resource,
        Some(from.to_string()),
        Some(to.to_string()),
        detail,
    );
}

/// What a vendor model offers the engine: when its next timer is due, a way to fire what is
/// due, and a snapshot for `/_sim/state`.
pub trait Model: Send {
    /// The vendor's name as it appears in the journal and the state snapshot.
    fn vendor(&self) -> &'static str;
    /// The earliest virtual instant at which this model has something to do.
    fn next_due(&self) -> Option<Millis>;
    /// Fires everything due at or before `core.now()`.
    fn fire_due(&mut self, core: &mut Core);
    /// A JSON picture of every resource this model holds.
    fn snapshot(&self, core: &Core) -> Value;
    /// The actions a scenario timeline may call on this vendor ("upgrade_ob", "observer_down").
    fn actions(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether this vendor refuses `method path` right now, the way the real system would
    /// (an agent restarting resets connections, a rebooting storage processor answers 503).
    /// Asked before the request reaches a handler; the refusal is journalled as a fault.
    fn refusal(&self, core: &Core, method: &str, path: &str) -> Option<Refusal> {
        let _ = (core, method, path);
        None
    }
    /// Carries out a timeline action (a domain fault, or a client call made by the scenario
    /// itself). An error is journalled; it does not stop the run.
    fn apply(&mut self, core: &mut Core, action: &str, args: &Value) -> Result<(), String> {
        let _ = (core, args);
        Err(format!("{} has no action '{action}'", self.vendor()))
    }
}

/// How a vendor turns a request away while it cannot serve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Close the connection without an answer (the client sees a connection error).
    Reset,
    /// Answer with this status, in the vendor's own error shape.
    Error { status: u16, message: String },
}

/// Everything that can change in a run.
pub struct World {
    pub core: Core,
    pub vendors: Vendors,
    /// HTTP faults in force (from the scenario, plus any added live).
    pub faults: crate::faults::FaultSet,
    /// The scenario's timeline, fired in virtual time like any other timer.
    timeline: Vec<crate::scenario::TimelineEvent>,
    timeline_timers: TimerQueue<usize>,
}

/// Why the engine refused to move time.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(
        "run-until-idle gave up at virtual time {at} ms after {steps} steps: something keeps \
         scheduling work (a task that never ends?); step the clock with advance instead"
    )]
    Runaway { at: Millis, steps: u64 },
}

/// How many timer firings one advance may take before it is called a runaway.
const MAX_STEPS: u64 = 50_000_000;
/// How far run-until-idle may go: a year of virtual time.
const IDLE_HORIZON: Millis = 366 * 24 * 3600 * 1000;

impl World {
    /// Builds a world from a validated scenario.
    pub fn build(scenario: &Scenario, seed: u64, wall: WallClock) -> anyhow::Result<Self> {
        let clock = Clock::new(scenario.clock.epoch);
        let journal = Journal::new(scenario.journal.capacity);
        let mut core = Core::new(clock, journal, seed, wall);
        let vendors = Vendors::build(scenario, &mut core)?;
        core.event(
            "sim",
            "scenario",
            json!({"loaded": scenario.name, "seed": seed}),
        );
        let mut timeline_timers = TimerQueue::default();
        for (i, event) in scenario.timeline.iter().enumerate() {
            timeline_timers.schedule(event.at_ms, i);
        }
        let faults = crate::faults::FaultSet::from_specs(&scenario.http_faults, seed)
            .map_err(|e| anyhow::anyhow!("http_faults: {e}"))?;
        Ok(Self {
            core,
            vendors,
            faults,
            timeline: scenario.timeline.clone(),
            timeline_timers,
        })
    }

    fn next_due(&self) -> Option<Millis> {
        self.vendors
            .models()
            .into_iter()
            .filter_map(|m| m.next_due())
            .chain(self.timeline_timers.next_due())
            .min()
    }

    /// Fires the timeline events due now, in file order.
    fn fire_timeline(&mut self) {
        while let Some((_, i)) = self.timeline_timers.pop_due(self.core.now()) {
            let Some(event) = self.timeline.get(i).cloned() else {
                continue;
            };
            let result = self.apply(&event.vendor, &event.action, &event.args);
            let detail = json!({"action": event.action, "args": event.args, "result": match &result {
                Ok(()) => "ok".to_string(),
                Err(e) => e.clone(),
            }});
            self.core.record(
                EntryKind::Fault,
                &event.vendor,
                "timeline",
                None,
                None,
                detail,
            );
        }
    }

    /// Applies a vendor action now (timeline events and live domain faults).
    pub fn apply(&mut self, vendor: &str, action: &str, args: &Value) -> Result<(), String> {
        let core = &mut self.core;
        match self.vendors.model_mut(vendor) {
            Some(model) => model.apply(core, action, args),
            None => Err(format!("no vendor '{vendor}'")),
        }
    }

    /// Fires every timer due up to `target`, in time order, then sets the clock to `target`.
    pub fn advance_to(&mut self, target: Millis) -> Result<u64, EngineError> {
        let mut steps = 0;
        while let Some(due) = self.next_due() {
            if due > target {
                break;
            }
            self.core.clock.set(due.max(self.core.now()));
            self.fire_timeline();
            for model in self.vendors.models_mut() {
                if model.next_due().is_some_and(|d| d <= self.core.now()) {
                    model.fire_due(&mut self.core);
                }
            }
            steps += 1;
            if steps > MAX_STEPS {
                return Err(EngineError::Runaway {
                    at: self.core.now(),
                    steps,
                });
            }
        }
        if target > self.core.now() {
            self.core.clock.set(target);
        }
        Ok(steps)
    }

    /// Fires timers until none is left, however far in virtual time that is.
    pub fn run_until_idle(&mut self) -> Result<u64, EngineError> {
        let start = self.core.now();
        let mut steps = 0;
        while let Some(due) = self.next_due() {
            if due > start + IDLE_HORIZON || steps > MAX_STEPS {
                return Err(EngineError::Runaway { at: due, steps });
            }
            steps += self.advance_to(due)?;
            // advance_to always fires what is due at `due`; count the step even if it fired one.
            steps += 1;
        }
        Ok(steps)
    }

    /// A snapshot of every resource, for `/_sim/state`.
    pub fn snapshot(&self) -> Value {
        let mut vendors = serde_json::Map::new();
        for model in self.vendors.models() {
            vendors.insert(model.vendor().to_string(), model.snapshot(&self.core));
        }
        json!({
            "clock": clock_json(&self.core.clock),
            "seed": self.core.seed,
            "vendors": vendors,
        })
    }
}

/// The clock as the admin API shows it.
pub fn clock_json(clock: &Clock) -> Value {
    json!({"now_ms": clock.now(), "now": clock.datetime().to_rfc3339()})
}

/// How a [`Sim`] runs: the clock speed, seed override and wall clock.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Virtual seconds per wall second; 0 means the clock moves only when stepped.
    pub speed: f64,
    /// Overrides the scenario's seed (`serve --seed N`).
    pub seed: Option<u64>,
    pub wall: WallClock,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            speed: 0.0,
            seed: None,
            wall: WallClock::system(),
        }
    }
}

struct Inner {
    world: World,
    driver: Driver,
    scenario: Arc<Scenario>,
    options: SimOptions,
}

/// The handle the HTTP layer and tests hold. Cheap to clone.
#[derive(Clone)]
pub struct Sim {
    inner: Arc<Mutex<Inner>>,
}

/// The world, locked, with its clock caught up.
pub struct WorldGuard<'a>(MutexGuard<'a, Inner>);

impl std::ops::Deref for WorldGuard<'_> {
    type Target = World;
    fn deref(&self) -> &World {
        &self.0.world
    }
}

impl std::ops::DerefMut for WorldGuard<'_> {
    fn deref_mut(&mut self) -> &mut World {
        &mut self.0.world
    }
}

impl WorldGuard<'_> {
    /// The scenario this world was built from.
    pub fn scenario(&self) -> Arc<Scenario> {
        self.0.scenario.clone()
    }
}

impl Sim {
    pub fn new(scenario: Scenario, options: SimOptions) -> anyhow::Result<Self> {
        let seed = options.seed.unwrap_or(scenario.seed);
        let world = World::build(&scenario, seed, options.wall.clone())?;
        let driver = Driver::new(options.speed, world.core.now());
        Ok(Self {
            inner: Arc::new(Mutex::new(Inner {
                world,
                driver,
                scenario: Arc::new(scenario),
                options,
            })),
        })
    }

    fn raw_lock(&self) -> MutexGuard<'_, Inner> {
        // A panic inside a handler (an engine bug) poisons the lock; the world it leaves is
        // still the best picture we have, and the panic itself is already in the journal.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Locks the world after catching virtual time up with the real-time driver.
    pub fn lock(&self) -> WorldGuard<'_> {
        let mut inner = self.raw_lock();
        let target = inner.driver.target(inner.world.core.now());
        if target > inner.world.core.now() {
            if let Err(e) = inner.world.advance_to(target) {
                tracing::error!("{e}");
            }
        }
        WorldGuard(inner)
    }

    /// The seed in force.
    pub fn seed(&self) -> u64 {
        self.raw_lock().world.core.seed
    }

    pub fn speed(&self) -> f64 {
        self.raw_lock().driver.speed()
    }

    pub fn set_speed(&self, speed: f64) {
        let mut inner = self.lock().0;
        let now = inner.world.core.now();
        inner.driver.set_speed(speed, now);
    }

    /// Steps virtual time forward by `ms`, firing every timer on the way.
    pub fn advance(&self, ms: Millis) -> Result<Millis, EngineError> {
        let mut inner = self.lock().0;
        let target = inner.world.core.now().saturating_add(ms);
        let result = inner.world.advance_to(target);
        let now = inner.world.core.now();
        inner.driver.reanchor(now);
        inner
            .world
            .core
            .event("sim", "clock", json!({"advanced_ms": ms}));
        result.map(|_| now)
    }

    /// Fires timers until nothing is left to do; returns the instant reached.
    pub fn run_until_idle(&self) -> Result<Millis, EngineError> {
        let mut inner = self.lock().0;
        let result = inner.world.run_until_idle();
        let now = inner.world.core.now();
        inner.driver.reanchor(now);
        inner
            .world
            .core
            .event("sim", "clock", json!({"ran_until_idle": true}));
        result.map(|_| now)
    }

    /// Rebuilds the world from the current scenario: time back to zero, journal emptied.
    pub fn reset(&self) -> anyhow::Result<()> {
        let mut inner = self.raw_lock();
        let scenario = inner.scenario.clone();
        let seed = inner.options.seed.unwrap_or(scenario.seed);
        inner.world = World::build(&scenario, seed, inner.options.wall.clone())?;
        let now = inner.world.core.now();
        inner.driver.reanchor(now);
        Ok(())
    }

    /// Replaces the scenario and rebuilds the world from it. The `--seed` override is dropped:
    /// a scenario loaded at run time brings its own seed.
    pub fn load(&self, scenario: Scenario) -> anyhow::Result<()> {
        let mut inner = self.raw_lock();
        let world = World::build(&scenario, scenario.seed, inner.options.wall.clone())?;
        inner.world = world;
        inner.options.seed = None;
        inner.scenario = Arc::new(scenario);
        let now = inner.world.core.now();
        inner.driver.reanchor(now);
        Ok(())
    }

    pub fn scenario(&self) -> Arc<Scenario> {
        self.raw_lock().scenario.clone()
    }
}

/// Helper for models: a serializable view of the clock's date at `at`, in RFC3339.
pub fn rfc3339_at(core: &Core, at: Millis) -> String {
    core.clock.datetime_at(at).to_rfc3339()
}

/// For snapshot writers: serialize anything, or null if it cannot be.
pub fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
