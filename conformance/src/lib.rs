//! upgrade-conformance: replays scripted interactions against any implementation of the
//! upgrade APIs (the simulator, a staging backend, a vendor's real endpoint) and checks every
//! response and every sequence of states it walks through against models written from the
//! vendor docs.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use std::sync::Arc;
//! use upgrade_conformance::{load_paths, run, Credentials, Options, Target};
//! let cases = load_paths(&["conformance/suites".into()])?;
//! let target = Target::connect("http://127.0.0.1:8080", Credentials::default().with_env()).await?;
//! let result = run(&cases, Arc::new(target), &Options::default()).await;
//! println!("{}", result.terminal(false));
//! # Ok(()) }
//! ```

pub mod auth;
pub mod config;
pub mod diff;
pub mod matchers;
pub mod models;
pub mod record;
pub mod report;
pub mod runner;
pub mod script;

pub use auth::Credentials;
pub use config::TargetConfig;
pub use report::{CaseResult, Outcome, RunResult};
pub use runner::{run, Options, Target};
pub use script::{load_paths, Case};
