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

#[test]
fn serve_runs_as_many_workers_as_asked_and_refuses_zero() {
    use std::io::{BufRead, BufReader, Read, Write};
    let refused = Command::new(env!("CARGO_BIN_EXE_upgrade-sim"))
        .args(["serve", "--listen", "127.0.0.1:0", "--workers", "0"])
        .output()
        .expect("run upgrade-sim");
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("--workers") && err.contains("1..=1024"),
        "{err}"
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_upgrade-sim"))
        .args(["serve", "--listen", "127.0.0.1:0", "--speed", "0"])
        .env("UPGRADE_SIM_WORKERS", "3")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start upgrade-sim");
    let mut first = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut first);
    }
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_string);
    let answer = addr.map(|addr| {
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        stream
            .write_all(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .expect("write");
        let mut text = String::new();
        let _ = stream.read_to_string(&mut text);
        text
    });
    // tokio names its worker threads; the blocking pool's threads carry the same name, but
    // none has started before a request needs one.
    let workers = std::fs::read_dir(format!("/proc/{}/task", child.id()))
        .map(|tasks| {
            tasks
                .flatten()
                .filter(|t| {
                    std::fs::read_to_string(t.path().join("comm"))
                        .is_ok_and(|c| c.trim() == "tokio-rt-worker")
                })
                .count()
        })
        .ok();
    let _ = child.kill();
    let _ = child.wait();
    let answer = answer.unwrap_or_else(|| panic!("no address in {first:?}"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    if let Some(n) = workers {
        assert_eq!(n, 3, "UPGRADE_SIM_WORKERS=3 runs three workers");
    }
}
