//! The `upgrade-conformance` command line.
fn main() {
    println!("upgrade-conformance: not built yet");
}
