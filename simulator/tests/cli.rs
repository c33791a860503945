//! The `upgrade-sim` binary as a user starts it.

use std::process::Command;

#[test]
fn serving_beyond_loopback_without_an_admin_token_is_refused_with_one_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_upgrade-sim"))
        .args(["serve", "--listen", "0.0.0.0:0", "--speed", "0"])
        .env_remove("UPGRADE_SIM_ADMIN_TOKEN")
        .output()
        .expect("run upgrade-sim");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--admin-token"), "{err}");
    assert!(err.contains("0.0.0.0"), "{err}");
    assert!(out.stdout.is_empty(), "nothing listened");
}
