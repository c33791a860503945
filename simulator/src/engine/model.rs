//! The one trait through which the engine drives a vendor: its timers, its timeline actions,
//! its refusals and its snapshot. The engine holds `Vec<Box<dyn VendorModel>>` in the order the
//! registry built it (the order timers due at one instant fire in) and never names a vendor; a
//! vendor's own handlers get their model back by type with [`World::vendor`](super::World).

use std::any::Any;

use serde_json::Value;

use crate::kernel::{Core, Millis};

/// What a vendor model offers the engine: when its next timer is due, a way to fire what is
/// due, and a snapshot for `/_sim/state`.
pub trait VendorModel: AsAny + Send {
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

/// A vendor model as `Any`, so its own handlers get the concrete type back
/// ([`World::vendor`](super::World::vendor)); every `'static` type has it.
pub trait AsAny: Any {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
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
