//! [`Sim`], the cheap-clone handle the HTTP layer, the admin API and tests hold. It keeps the
//! world behind a std `Mutex` (never held across an `.await`; every operation is short and
//! CPU-bound, so an async lock would only add cost) and lazily catches virtual time up with the
//! real-time driver whenever someone looks, so an idle simulator does no work at all.
//!
//! A `Sim` is built from a [`Blueprint`] (the scenario layer's `Scenario` is one), which it
//! keeps so that `reset` can rebuild the same world; the engine never looks inside it.

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::json;

use super::world::{EngineError, World};
use crate::kernel::{Driver, Millis, Sink, WallClock};

/// What a world is built from. The engine only asks it for a seed and a world; the layer that
/// made it (the scenario format) gets it back with [`Sim::blueprint`] and `into_any`.
pub trait Blueprint: Send + Sync + 'static {
    /// The seed the world is built with unless `--seed` overrides it.
    fn seed(&self) -> u64;
    /// A fresh world at time zero.
    fn build(&self, seed: u64, wall: WallClock) -> anyhow::Result<World>;
    /// The blueprint as `Any`, to get the concrete type back.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
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
    blueprint: Arc<dyn Blueprint>,
    options: SimOptions,
    /// Where every journal entry also goes, across resets and loads.
    sink: Option<Sink>,
}

/// The handle the HTTP layer and tests hold. Cheap to clone: one `Arc` (a request clones and
/// drops the handle a few times, and each is an atomic both cores contend for).
#[derive(Clone)]
pub struct Sim(Arc<Shared>);

struct Shared {
    inner: Mutex<Inner>,
    /// How many times the world has been locked: one per vendor request is the design, and a
    /// test holds it to that.
    acquisitions: AtomicU64,
    /// The order in which inputs (vendor requests, admin steps) reached the world: what a
    /// state file replays them in.
    arrivals: AtomicU64,
}

/// When an input reached the world: its place in the order of arrivals, the virtual instant
/// and the wall time. Vendor responses carry it as an extension (set under the request's one
/// lock); `serve --state-file` records it.
#[derive(Debug, Clone)]
pub struct Arrived {
    pub order: u64,
    pub at_ms: Millis,
    pub wall: chrono::DateTime<chrono::Utc>,
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
    /// What this world was built from.
    pub fn blueprint(&self) -> Arc<dyn Blueprint> {
        self.0.blueprint.clone()
    }
}

impl Sim {
    /// A simulator on `blueprint` (a scenario, usually).
    pub fn new(blueprint: impl Blueprint, options: SimOptions) -> anyhow::Result<Self> {
        let seed = options.seed.unwrap_or(blueprint.seed());
        let world = blueprint.build(seed, options.wall.clone())?;
        let driver = Driver::new(options.speed, world.core.now());
        Ok(Self(Arc::new(Shared {
            inner: Mutex::new(Inner {
                world,
                driver,
                blueprint: Arc::new(blueprint),
                options,
                sink: None,
            }),
            acquisitions: AtomicU64::default(),
            arrivals: AtomicU64::default(),
        })))
    }

    fn raw_lock(&self) -> MutexGuard<'_, Inner> {
        self.0.acquisitions.fetch_add(1, Ordering::Relaxed);
        // A panic inside a handler (an engine bug) poisons the lock; the world it leaves is
        // still the best picture we have, and the panic itself is already in the journal.
        self.0.inner.lock().unwrap_or_else(|p| p.into_inner())
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
        self.step(json!({"advanced_ms": ms}), |world| {
            let target = world.core.now().saturating_add(ms);
            world.advance_to(target)
        })
    }

    /// Fires timers until nothing is left to do; returns the instant reached.
    pub fn run_until_idle(&self) -> Result<Millis, EngineError> {
        self.step(json!({"ran_until_idle": true}), World::run_until_idle)
    }

    /// Moves time by `run`, re-anchors the real-time driver there and journals the step.
    fn step(
        &self,
        event: serde_json::Value,
        run: impl FnOnce(&mut World) -> Result<u64, EngineError>,
    ) -> Result<Millis, EngineError> {
        let mut inner = self.lock().0;
        let result = run(&mut inner.world);
        let now = inner.world.core.now();
        inner.driver.reanchor(now);
        inner.world.core.event("sim", "clock", event);
        result.map(|_| now)
    }

    /// Rebuilds the world from the current scenario: time back to zero, journal emptied. The
    /// world is built without the lock (a large fleet takes a while); only the swap holds it.
    pub fn reset(&self) -> anyhow::Result<()> {
        let (blueprint, seed, wall) = {
            let inner = self.raw_lock();
            let blueprint = inner.blueprint.clone();
            let seed = inner.options.seed.unwrap_or(blueprint.seed());
            (blueprint, seed, inner.options.wall.clone())
        };
        let world = blueprint.build(seed, wall)?;
        self.swap(world, None);
        Ok(())
    }

    /// Replaces the blueprint and rebuilds the world from it (without the lock, as `reset`).
    /// The `--seed` override is dropped: a scenario loaded at run time brings its own seed.
    pub fn load(&self, blueprint: impl Blueprint) -> anyhow::Result<()> {
        let wall = self.raw_lock().options.wall.clone();
        let world = blueprint.build(blueprint.seed(), wall)?;
        self.swap(world, Some(Arc::new(blueprint)));
        Ok(())
    }

    /// Puts a freshly built world in force (and its blueprint, for a load).
    fn swap(&self, mut world: World, blueprint: Option<Arc<dyn Blueprint>>) {
        let mut inner = self.raw_lock();
        if let Some(sink) = &inner.sink {
            world.core.journal.set_sink(sink.clone());
        }
        inner.world = world;
        if let Some(b) = blueprint {
            inner.options.seed = None;
            inner.blueprint = b;
        }
        let now = inner.world.core.now();
        inner.driver.reanchor(now);
    }

    /// Stamps an arrival on the world as it stands (the lock is held by the caller).
    pub(super) fn arrival(&self, world: &World) -> Arrived {
        Arrived {
            order: self.0.arrivals.fetch_add(1, Ordering::Relaxed),
            at_ms: world.core.now(),
            wall: world.core.wall.now(),
        }
    }

    /// Stamps an input that is not a vendor request (an admin step) before it runs.
    pub fn arrive(&self) -> Arrived {
        let world = self.lock();
        self.arrival(&world)
    }

    /// Continues the order of arrivals after `order` (a state file's last input).
    pub fn arrivals_after(&self, order: u64) {
        self.0
            .arrivals
            .fetch_max(order.saturating_add(1), Ordering::Relaxed);
    }

    /// Replays part of an earlier run: moves virtual time to `at` (firing timers on the way,
    /// journalling no step of its own, as the real-time driver would), re-anchors the driver
    /// there, and pins the world's wall clock to `wall` (`None`: back to the simulator's own).
    pub fn replay_to(
        &self,
        at: Millis,
        wall: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<(), EngineError> {
        let mut inner = self.raw_lock();
        let result = if at > inner.world.core.now() {
            inner.world.advance_to(at)
        } else {
            Ok(0)
        };
        let now = inner.world.core.now();
        inner.driver.reanchor(now);
        inner.world.core.wall = match wall {
            Some(w) => WallClock::fixed(w),
            None => inner.options.wall.clone(),
        };
        result.map(|_| ())
    }

    /// Sends every journal entry to `sink` from now on (those in the ring first), in this world
    /// and every one a reset or a load builds (`serve --journal-file`).
    pub fn set_journal_sink(&self, sink: Sink) {
        let mut inner = self.raw_lock();
        inner.world.core.journal.set_sink(sink.clone());
        inner.sink = Some(sink);
    }

    /// How many times the world has been locked since this simulator started.
    pub fn acquisitions(&self) -> u64 {
        self.0.acquisitions.load(Ordering::Relaxed)
    }

    /// What the world in force was built from.
    pub fn blueprint(&self) -> Arc<dyn Blueprint> {
        self.raw_lock().blueprint.clone()
    }
}
