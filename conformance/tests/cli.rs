//! The command line's exit codes, run as a user would run it.

use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_upgrade-conformance"));
    c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    for (k, _) in std::env::vars() {
        if k.starts_with("UPGRADE_CONFORMANCE_") || k.starts_with("HUAWEICLOUD_SDK_") {
            c.env_remove(k);
        }
    }
    c
}

#[test]
fn run_without_credentials_against_a_target_that_is_not_the_simulator_exits_2_with_one_line() {
    // Nothing listens on a port we bound and closed: the target is not the simulator.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let out = bin()
        .args(["run", "--target", &format!("http://127.0.0.1:{port}")])
        .arg("conformance/suites/ota")
        .output()
        .expect("run the binary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains("credentials.ota.token")
            && stderr.contains("UPGRADE_CONFORMANCE_OTA_TOKEN"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "no case ran: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}
