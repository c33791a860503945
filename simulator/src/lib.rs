//! upgrade-sim: a deterministic simulator of five vendors' software-upgrade REST APIs
//! (OceanBase OBShell agent and OB upgrades, a fleet OTA graduated-plan service, Huawei Cloud
//! TaurusDB, Dell Unity), driven by scenario files, on virtual time.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use upgrade_sim::{router, Scenario, Sim, SimOptions};
//! let sim = Sim::new(Scenario::embedded_default()?, SimOptions::default())?;
//! let app = router(sim.clone()); // a tower service: serve it, or call it with tower's oneshot
//! sim.advance(60_000)?;          // one virtual minute passes
//! # Ok(()) }
//! ```
//!
//! The modules are layers, each importing only from the ones listed before it (a test reads
//! the `use crate::` paths and keeps it so; docs/architecture.md draws them):
//! [`kernel`], [`faults`], [`engine`], [`vendors`] (one folder each, never naming another),
//! [`registry`] (the one module naming every vendor), then [`scenario`], [`admin`] and
//! [`http`], then [`rehearsal`] and [`timeline`].

// Handlers answer errors as ready-made vendor responses (`Result<T, Response>`), as axum
// examples do; boxing every one of them would buy nothing on this path.
#![allow(clippy::result_large_err)]

pub mod kernel;

pub mod faults;

pub mod engine;

pub mod vendors;

pub mod registry;

pub mod openapi;

pub mod admin;
pub mod http;
pub mod scenario;

pub mod rehearsal;
pub mod timeline;

pub use engine::{Sim, SimOptions};
pub use http::{router, serve};
pub use kernel::WallClock;
pub use scenario::{Scenario, ScenarioError};

/// The HTTP server under its former name (`upgrade_sim::server::serve_on`).
pub mod server {
    pub use crate::http::{self_signed_tls, serve, serve_on, ConnectionLimits, Listeners};
}
