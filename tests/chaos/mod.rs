//! Chaos: injected HTTP faults, vendor refusals, live injection, and reproduction from a seed.

mod http_faults;
mod timeline;
