//! Benchmark for unity (filled in by its issue).
fn main() {}
