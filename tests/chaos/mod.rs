//! Chaos: injected HTTP faults, vendor refusals, live injection, reproduction from a seed, the
//! scenario library, and the timeline page.

mod http_faults;
mod library;
mod refusals;
mod timeline;
