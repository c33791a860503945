//! Benchmark for taurusdb (filled in by its issue).
fn main() {}
