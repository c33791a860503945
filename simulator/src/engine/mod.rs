//! The engine: the [`World`] (the kernel's core, the vendor models behind one trait in a fixed
//! firing order, the HTTP faults in force, the scenario's timeline), the [`Sim`] handle with its
//! real-time driver, and the [`Exchange`] through which one vendor request is admitted (faults,
//! refusals), handled, and journalled under a single acquisition of the world.
//!
//! The engine never names a vendor, the scenario format or the server: vendors are registered
//! from above (the registry builds the models; a `Blueprint` builds the world), as turmoil's
//! world never names the software running on its hosts.

mod exchange;
mod model;
mod sim;
mod world;

pub use exchange::{
    plain_error, plain_not_found, AbortConnection, ErrorRenderer, Exchange, Exchanged, RequestInfo,
    WireEffects,
};
pub use model::{AsAny, Refusal, VendorModel};
pub use sim::{Arrived, Blueprint, Sim, SimOptions, WorldGuard};
pub use world::{clock_json, EngineError, Setup, TimelineEvent, World};

#[cfg(test)]
mod toy;
