//! Benchmark for ota (filled in by its issue).
fn main() {}
