//! End-to-end tests, one binary, one module per topic (as ripgrep's tests/tests.rs).
//! Each test builds the app with `upgrade_sim::router` and calls it without a socket, stepping
//! the virtual clock; none sleeps.

mod support;

mod chaos;
mod conformance;
mod engine;
mod fuzz;
mod obshell;
mod ota;
mod schema;
mod taurusdb;
mod unity;
