//! The one HTTP application and the listeners that serve it: [`router`] builds the app that
//! `serve` and the tests share (`router.rs`); the chaos layer carries out what injected faults
//! do on the wire (`chaos.rs`); the accept loop runs connections on hyper-util (`listener.rs`);
//! `serve --tls` makes its certificate in `tls.rs`.

mod chaos;
mod connection;
mod listener;
mod router;
mod shape;
mod state_file;
mod tls;

pub use listener::{serve, serve_on, ConnectionLimits, Listeners};
pub use router::{router, router_with, App, AppOptions};
pub use state_file::{Restored, StateFile};
pub use tls::self_signed_tls;
