//! The world: everything that can change in a run. The kernel's [`Core`], the vendor models
//! behind [`VendorModel`] in a fixed firing order, the HTTP faults in force and the scenario's
//! timeline. Time moves only here: [`World::advance_to`] fires every timer due on the way, in
//! time order, timeline events before vendor timers at one instant, vendors in their order.

use chrono::{DateTime, FixedOffset};
use serde_json::{json, Value};

use super::model::VendorModel;
use crate::faults::{FaultSet, HttpFaultSpec};
use crate::kernel::{
    Clock, Core, EntryKind, Invalid, Journal, Millis, TimerQueue, WallClock, MAX_MILLIS,
};

/// One timeline event: at a virtual instant, call `vendor`'s `action` with `args`.
#[derive(Debug, Clone)]
pub struct TimelineEvent {
    pub at_ms: Millis,
    pub vendor: String,
    pub action: String,
    pub args: Value,
}

/// What the engine needs of a scenario to build a world (the vendor models come separately).
#[derive(Debug, Clone, Copy)]
pub struct Setup<'a> {
    /// The scenario's name, journalled when the world is built.
    pub name: &'a str,
    /// The date virtual time starts at.
    pub epoch: DateTime<FixedOffset>,
    /// How many entries the journal ring keeps.
    pub journal_capacity: usize,
    pub http_faults: &'a [HttpFaultSpec],
    pub timeline: &'a [TimelineEvent],
}

/// Everything that can change in a run.
pub struct World {
    pub core: Core,
    /// The vendor models, in firing order.
    models: Vec<Box<dyn VendorModel>>,
    /// HTTP faults in force (from the scenario, plus any added live).
    pub faults: FaultSet,
    /// The scenario's timeline, fired in virtual time like any other timer.
    timeline: Vec<TimelineEvent>,
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
    #[error(
        "virtual time goes no further than {max} ms (1000 years after the epoch); it is {now} ms \
         now, and this step would take it to {target} ms"
    )]
    OutOfRange {
        now: Millis,
        target: Millis,
        max: Millis,
    },
}

/// How many timer firings one advance may take before it is called a runaway.
const MAX_STEPS: u64 = 50_000_000;
/// How far run-until-idle may go: a year of virtual time.
const IDLE_HORIZON: Millis = 366 * 24 * 3600 * 1000;

impl World {
    /// Builds a world: a fresh core, the vendor models `models` builds on it (in the order it
    /// returns them), then the faults and the timeline of `setup`.
    pub fn build(
        setup: Setup<'_>,
        seed: u64,
        wall: WallClock,
        models: impl FnOnce(&mut Core) -> Result<Vec<Box<dyn VendorModel>>, Invalid>,
    ) -> anyhow::Result<Self> {
        let clock = Clock::new(setup.epoch);
        let journal = Journal::new(setup.journal_capacity);
        let mut core = Core::new(clock, journal, seed, wall);
        let models = models(&mut core)?;
        let names: Vec<&'static str> = models.iter().map(|m| m.vendor()).collect();
        core.event(
            "sim",
            "scenario",
            json!({"loaded": setup.name, "seed": seed}),
        );
        let mut timeline_timers = TimerQueue::default();
        for (i, event) in setup.timeline.iter().enumerate() {
            timeline_timers.schedule(event.at_ms, i);
        }
        let faults = FaultSet::from_specs(setup.http_faults, seed, &names)
            .map_err(|e| anyhow::anyhow!("http_faults: {e}"))?;
        Ok(Self {
            core,
            models,
            faults,
            timeline: setup.timeline.to_vec(),
            timeline_timers,
        })
    }

    /// The vendor models, in firing order.
    pub fn models(&self) -> impl Iterator<Item = &dyn VendorModel> {
        self.models.iter().map(|m| &**m)
    }

    /// The model of the vendor named `name` (as [`VendorModel::vendor`] spells it).
    pub fn model(&self, name: &str) -> Option<&dyn VendorModel> {
        self.models().find(|m| m.vendor() == name)
    }

    /// A vendor's own model, by type, for that vendor's handlers. The registry builds every
    /// vendor into every world, so asking for one that is missing is a simulator bug.
    pub fn vendor<M: VendorModel>(&self) -> &M {
        self.models
            .iter()
            .find_map(|m| m.as_any().downcast_ref::<M>())
            .unwrap_or_else(|| missing::<M>())
    }

    /// A vendor's own model and the core, both mutable, by type (see [`World::vendor`]).
    pub fn split<M: VendorModel>(&mut self) -> (&mut Core, &mut M) {
        let core = &mut self.core;
        let model = self
            .models
            .iter_mut()
            .find_map(|m| m.as_any_mut().downcast_mut::<M>())
            .unwrap_or_else(|| missing::<M>());
        (core, model)
    }

    fn next_due(&self) -> Option<Millis> {
        self.models
            .iter()
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
        match self.models.iter_mut().find(|m| m.vendor() == vendor) {
            Some(model) => model.apply(core, action, args),
            None => Err(format!("no vendor '{vendor}'")),
        }
    }

    /// Fires every timer due up to `target`, in time order, then sets the clock to `target`.
    pub fn advance_to(&mut self, target: Millis) -> Result<u64, EngineError> {
        if target > MAX_MILLIS {
            return Err(EngineError::OutOfRange {
                now: self.core.now(),
                target,
                max: MAX_MILLIS,
            });
        }
        let mut steps = 0;
        while let Some(due) = self.next_due() {
            if due > target {
                break;
            }
            self.core.clock.set(due.max(self.core.now()));
            self.fire_timeline();
            for model in self.models.iter_mut() {
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
        for model in &self.models {
            vendors.insert(model.vendor().to_string(), model.snapshot(&self.core));
        }
        json!({
            "clock": clock_json(&self.core.clock),
            "seed": self.core.seed,
            "vendors": vendors,
        })
    }
}

fn missing<M>() -> ! {
    panic!(
        "no {} in this world: the registry builds every vendor's model into every world",
        std::any::type_name::<M>()
    )
}

/// The clock as the admin API shows it.
pub fn clock_json(clock: &Clock) -> Value {
    json!({"now_ms": clock.now(), "now": clock.datetime().to_rfc3339()})
}
