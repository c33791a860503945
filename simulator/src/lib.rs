//! upgrade-sim: a deterministic simulator of five vendors' software-upgrade REST APIs
//! (OceanBase OBShell agent and OB upgrades, a fleet OTA graduated-plan service, Huawei Cloud
//! TaurusDB, Dell Unity), driven by scenario files, on virtual time.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use upgrade_sim::{router, Scenario, Sim, SimOptions};
//! let sim = Sim::new(Scenario::embedded_default()?, SimOptions::default())?;
//! let app = router(sim.clone()); // an axum Router: serve it, or call it with tower's oneshot
//! sim.advance(60_000)?;          // one virtual minute passes
//! # Ok(()) }
//! ```

// Handlers answer errors as ready-made vendor responses (`Result<T, Response>`), as axum
// examples do; boxing every one of them would buy nothing on this path.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod engine;
pub mod faults;
pub mod rehearsal;
pub mod scenario;
pub mod server;
pub mod timeline;
pub mod vendors;

pub use engine::{Sim, SimOptions, WallClock};
pub use scenario::{Scenario, ScenarioError};
pub use server::{router, serve};
