//! Benchmark for obshell (filled in by its issue).
fn main() {}
