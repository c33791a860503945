//! Uploads judged as the real server judges them (4.2.6 and HEAD
//! `executor/ob/upgrade_pkg_upload.go`): real RPMs built with the `rpm` crate, their header,
//! digest and files read back, each profile's refusals; HEAD's package list and delete; the
//! multi-step upgrade routes of a package's upgrade_dep YAML (`upgrade_route.go`); HEAD's
//! sub-task logs; 4.2.6's words for an expired header and a wrong password.

use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};
use upgrade_sim::vendors::obshell::rpm;
use upgrade_sim::Sim;

use super::{current_sim, error_of, start_agent_upgrade};
use crate::support::obshell::{seal, v2, v2_header, v2_with, PASSWORD, WALL};
use crate::support::{default_sim, send, sim_from, Reply};

fn spec(name: &str, version: &str, release: &str) -> rpm::Spec {
    rpm::Spec {
        name: name.into(),
        version: version.into(),
        release: release.into(),
        arch: "x86_64".into(),
        upgrade_dep: None,
        bare: false,
    }
}

fn built(s: &rpm::Spec) -> Vec<u8> {
    rpm::build(s).unwrap_or_else(|e| panic!("{e}"))
}

/// `POST /api/v1/upgrade/package` with `bytes` as the multipart field `file`, v2-signed.
pub(super) fn upload_request(bytes: &[u8]) -> Request<Body> {
    let boundary = "SimBoundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.rpm\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let uri = "/api/v1/upgrade/package";
    let (h, enc) = v2_header(
        PASSWORD,
        &(WALL + 60).to_string(),
        uri,
        [3; 32],
        Some(&body),
    );
    Request::post(uri)
        .header("X-OCS-Header", h)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(enc.unwrap_or_default()))
        .unwrap_or_default()
}

async fn upload(sim: &Sim, bytes: &[u8]) -> Reply {
    send(sim, upload_request(bytes)).await
}

#[tokio::test]
async fn an_uploaded_rpm_is_read_from_its_header_and_answered_as_the_stored_row() {
    let bytes = built(&spec("obshell", "4.3.0.0", "100.el7"));
    let read = rpm::read(&bytes).unwrap();
    for (sim, chunk) in [
        (default_sim(), 16 * 1024 * 1024 - 1),
        (current_sim(""), 8 * 1024 * 1024 - 1),
    ] {
        let r = upload(&sim, &bytes).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let d = r.json()["data"].clone();
        assert_eq!(d["Name"], "obshell");
        assert_eq!(d["Version"], "4.3.0.0");
        assert_eq!(d["ReleaseDistribution"], "100.el7");
        assert_eq!(
            (d["Release"].clone(), d["Distribution"].clone()),
            (json!("100"), json!("el7"))
        );
        assert_eq!(d["Architecture"], "x86_64");
        assert_eq!(d["Md5"], read.md5.as_str());
        assert_eq!(d["PayloadSize"], read.payload_size);
        assert_eq!(d["Size"], read.size);
        assert_eq!(d["ChunkCount"], read.payload_size.div_ceil(chunk));
        assert_eq!(d["GmtModify"], "0001-01-01T00:00:00Z");
        let up = send(
            &sim,
            v2(
                "POST",
                "/api/v1/agent/upgrade",
                Some(&json!({"version": "4.3.0.0", "release": "100.el7"})),
            ),
        )
        .await;
        assert_eq!(up.status, 200, "{}", up.text());
    }
}

#[tokio::test]
async fn content_that_is_not_an_rpm_is_refused_with_the_go_librarys_words() {
    let r = upload(&default_sim(), &[b'x'; 300]).await;
    assert_eq!(
        error_of(&r),
        (
            500,
            json!({"code": 1010, "message": "Known error: rpm: invalid file descriptor"})
        )
    );
    let r = upload(&current_sim(""), b"RPMDATA").await;
    assert_eq!(
        error_of(&r),
        (
            500,
            json!({"errCode": "Common.Unexpected", "message": "unexpected EOF"})
        )
    );
    // A damaged payload fails the MD5 check of the signature header.
    let mut bytes = built(&spec("obshell", "4.3.0.0", "100.el7"));
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let r = upload(&current_sim(""), &bytes).await;
    assert_eq!(
        r.json()["error"]["message"],
        "MD5 checksum validation failed"
    );
}

#[tokio::test]
async fn names_versions_and_files_are_checked_as_each_release_does() {
    let cases = [
        (
            spec("mysql", "8.0.0", "1.el7"),
            "Known error: unsupported name 'mysql', the supported name are [obshell, oceanbase-ce, oceanbase-ce-libs]",
            (400, "OB.Package.Name.NotSupport", "Unsupported name 'mysql', the supported names are [obshell, oceanbase-ce, oceanbase-ce-libs]"),
        ),
        (
            spec("obshell", "4.1.0.0", "1.el7"),
            "Known error: failed to check version and release: unsupported version '4.1.0.0', the minimum supported version is '4.2.0.0'",
            (400, "Agent.OBVersionNotSupported", "failed to check version and release: Unsupported OB version '4.1.0.0', the minimum supported version is '4.2.0.0'"),
        ),
        (
            spec("obshell", "4.3.0.0", "100"),
            "Known error: failed to check version and release: release format 100 is illegal",
            (400, "Package.ReleaseFormat.Invalid", "failed to check version and release: Release format 100 is illegal"),
        ),
        (
            rpm::Spec { bare: true, ..spec("obshell", "4.3.0.0", "1.el7") },
            "Known error: these files are missing: '[/home/admin/oceanbase/bin/obshell]'",
            (500, "OB.Package.MissingFile", "These files are missing in package 'obshell': '[/home/admin/oceanbase/bin/obshell]'"),
        ),
        (
            rpm::Spec { bare: true, ..spec("oceanbase-ce-libs", "4.3.0.0", "1.el7") },
            "Known error: dir not found",
            (500, "OB.Package.MissingFile", "These files are missing in package 'oceanbase-ce-libs': '/home/admin/oceanbase/lib'"),
        ),
    ];
    for (s, legacy, (status, code, message)) in cases {
        let bytes = built(&s);
        let r = upload(&default_sim(), &bytes).await;
        assert_eq!(
            error_of(&r),
            (500, json!({"code": 1010, "message": legacy}))
        );
        let r = upload(&current_sim(""), &bytes).await;
        assert_eq!(
            error_of(&r),
            (status, json!({"errCode": code, "message": message}))
        );
    }
}

#[tokio::test]
async fn a_newer_oceanbase_ce_must_carry_the_upgrade_scripts_and_keeps_its_route_yaml() {
    let dep = "- version: 4.2.1.0\n  can_be_upgraded_to: [4.3.0.0]\n";
    let s = rpm::Spec {
        upgrade_dep: Some(dep.into()),
        ..spec("oceanbase-ce", "4.3.0.0", "100.el7")
    };
    let r = upload(&default_sim(), &built(&s)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["data"]["UpgradeDepYaml"], dep);
    let bare = rpm::Spec { bare: true, ..s };
    let r = upload(&current_sim(""), &built(&bare)).await;
    let msg = r.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        msg.starts_with("These files are missing in package 'oceanbase-ce': '[/home/admin/oceanbase/bin/observer /home/admin/oceanbase/bin/obshell /home/admin/oceanbase/etc/upgrade_checker.py"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_request_without_a_file_gets_each_releases_form_file_error() {
    let uri = "/api/v1/upgrade/package";
    let req = |sim_body: &[u8]| {
        v2_with(
            "POST",
            uri,
            Some(sim_body),
            PASSWORD,
            &(WALL + 60).to_string(),
        )
    };
    let r = send(&default_sim(), req(b"{}")).await;
    assert_eq!(
        error_of(&r),
        (
            500,
            json!({"code": 1010, "message": "Known error: get file failed.%!(EXTRA *http.ProtocolError=request Content-Type isn't multipart/form-data)"})
        )
    );
    let r = send(&current_sim(""), req(b"{}")).await;
    assert_eq!(
        error_of(&r),
        (
            500,
            json!({"errCode": "Request.File.Missing", "message": "File 'file' in the request is missing: request Content-Type isn't multipart/form-data"})
        )
    );
}

#[tokio::test]
async fn head_lists_the_newest_package_of_each_name_and_deletes_by_id() {
    let sim = current_sim("");
    let bytes = built(&spec("obshell", "4.3.0.0", "100.el7"));
    for _ in 0..2 {
        assert_eq!(upload(&sim, &bytes).await.status, 200);
    }
    let list = send(&sim, v2("GET", "/api/v1/upgrade/package/info", None)).await;
    assert_eq!(list.status, 200, "{}", list.text());
    let rows = list.json()["data"]["contents"].clone();
    let ids: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["pkg_id"])
        .collect();
    // Default scenario: 3 packages (ids 1..3); the two uploads are 4 and 5, only 5 listed.
    assert_eq!(ids, [&json!(5), &json!(3), &json!(2), &json!(1)]);
    assert_eq!(rows[0]["md5"], rpm::read(&bytes).unwrap().md5.as_str());
    assert_eq!(rows[0]["upgrade_dep_yaml"], "");
    let del = send(&sim, v2("DELETE", "/api/v1/upgrade/package/5", None)).await;
    assert_eq!(del.status, 200, "{}", del.text());
    assert!(del.json().get("data").is_none());
    let rows = send(&sim, v2("GET", "/api/v1/upgrade/package/info", None))
        .await
        .json()["data"]["contents"]
        .clone();
    assert_eq!(rows[0]["pkg_id"], 4);
    let (status, e) = error_of(&send(&sim, v2("DELETE", "/api/v1/upgrade/package/0", None)).await);
    assert_eq!(
        (status, e["errCode"].clone()),
        (400, json!("Request.Path.Param.Empty"))
    );
    let (status, e) =
        error_of(&send(&sim, v2("DELETE", "/api/v1/upgrade/package/info", None)).await);
    assert_eq!(
        (status, e["errCode"].clone()),
        (400, json!("Request.Query.Param.Illegal"))
    );
    // 4.2.6 has neither route: gin's 404, before any auth.
    for (method, path) in [
        ("GET", "/api/v1/upgrade/package/info"),
        ("DELETE", "/api/v1/upgrade/package/1"),
        ("GET", "/api/v1/task/sub_task/11/logs"),
    ] {
        let r = send(
            &default_sim(),
            Request::builder()
                .method(method)
                .uri(path)
                .body(Body::empty())
                .unwrap_or_default(),
        )
        .await;
        assert_eq!(
            error_of(&r),
            (
                400,
                json!({"code": 1000, "message": "Bad request: 404 not found"})
            ),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn head_serves_a_sub_tasks_log_rows() {
    let sim = current_sim("");
    assert_eq!(start_agent_upgrade(&sim).await["id"], "12");
    sim.advance(600_000).unwrap();
    let dag = send(&sim, v2("GET", "/api/v1/task/dag/12", None))
        .await
        .json();
    let task = dag["data"]["nodes"][0]["sub_tasks"][0].clone();
    let id = task["id"].as_str().unwrap_or_default().to_string();
    let logs = send(
        &sim,
        v2("GET", &format!("/api/v1/task/sub_task/{id}/logs"), None),
    )
    .await;
    assert_eq!(logs.status, 200, "{}", logs.text());
    let rows = logs.json()["data"]["contents"].clone();
    let lines: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["log_content"])
        .collect();
    let want: Vec<&Value> = task["task_logs"].as_array().unwrap().iter().collect();
    assert_eq!(lines, want);
    assert_eq!(rows[0]["sub_task_id"], task["task_id"]);
    assert_eq!(rows[0]["is_sync"], false);
    // An unknown task has no rows (the server queries the log table without a lookup).
    let none = send(&sim, v2("GET", "/api/v1/task/sub_task/1999/logs", None)).await;
    assert_eq!(none.json()["data"], json!({"contents": []}));
}

/// The default scenario with `packages` replaced (the current profile).
fn routed(profile: &str, packages: &str) -> Sim {
    let base = upgrade_sim::scenario::DEFAULT_SCENARIO;
    let start = base.find("  packages:").unwrap_or(0);
    let end = base[start..]
        .find("  stage_durations:")
        .map_or(base.len(), |e| start + e);
    let text = format!("{}  packages:\n{packages}{}", &base[..start], &base[end..]).replace(
        "version_profile: legacy",
        &format!("version_profile: {profile}"),
    );
    sim_from(&text)
}

const THREE_STEPS: &str = "    - {name: obshell, version: 4.2.0.0, release: 20240109191841.el7}
    - {name: oceanbase-ce, version: 4.2.2.0, release: 100000022024010100.el7}
    - {name: oceanbase-ce-libs, version: 4.2.2.0, release: 100000022024010100.el7}
    - {name: oceanbase-ce, version: 4.2.3.0, release: 100000032024020200.el7}
    - {name: oceanbase-ce-libs, version: 4.2.3.0, release: 100000032024020200.el7}
    - name: oceanbase-ce
      version: 4.3.0.0
      release: 100000042024030300.el7
      upgrade_dep:
        - {version: 4.2.1.0, can_be_upgraded_to: [4.2.2.0]}
        - {version: 4.2.2.0, can_be_upgraded_to: [4.2.3.0], require_from_binary: {value: true, when_come_from: [4.2.1.0]}}
        - {version: 4.2.3.0, can_be_upgraded_to: [4.3.0.0], require_from_binary: {value: true, when_come_from: [4.2.2.0]}}
        - {version: 4.3.0.0}
    - {name: oceanbase-ce-libs, version: 4.3.0.0, release: 100000042024030300.el7}
";

#[tokio::test]
async fn a_route_through_two_barriers_gives_three_upgrade_processes() {
    for profile in ["legacy", "current"] {
        let sim = routed(profile, THREE_STEPS);
        let body =
            json!({"version": "4.3.0.0", "release": "100000042024030300.el7", "mode": "ROLLING"});
        let r = send(&sim, v2("POST", "/api/v1/ob/upgrade", Some(&body))).await;
        assert_eq!(r.status, 200, "{profile}: {}", r.text());
        // 10 + R·(5 + 5Z) with R = 3 and Z = 3.
        assert_eq!(r.json()["data"]["max_stage"], 70, "{profile}");
        let body = json!({"version": "4.3.0.0", "release": "100000042024030300.el7", "mode": "stopService"});
        let sim = routed(profile, THREE_STEPS);
        let r = send(&sim, v2("POST", "/api/v1/ob/upgrade", Some(&body))).await;
        assert_eq!(r.json()["data"]["max_stage"], 10 + 8 * 3, "{profile}");
    }
}

#[tokio::test]
async fn a_missing_yaml_or_path_or_step_package_is_the_servers_refusal() {
    let body =
        json!({"version": "4.3.0.0", "release": "100000042024030300.el7", "mode": "ROLLING"});
    let up = |sim: Sim| {
        let body = body.clone();
        async move { error_of(&send(&sim, v2("POST", "/api/v1/ob/upgrade", Some(&body))).await) }
    };
    let no_yaml = "    - {name: oceanbase-ce, version: 4.3.0.0, release: 100000042024030300.el7, upgrade_dep: []}\n    - {name: oceanbase-ce-libs, version: 4.3.0.0, release: 100000042024030300.el7}\n";
    assert_eq!(
        up(routed("current", no_yaml)).await,
        (
            500,
            json!({"errCode": "OB.Upgrade.DepYamlMissing", "message": "Target package upgrade dependency YAML is empty"})
        )
    );
    assert_eq!(
        up(routed("legacy", no_yaml)).await,
        (
            500,
            json!({"code": 1002, "message": "Unexpected error: target pkg upgrade dep yaml is empty"})
        )
    );
    let no_start = THREE_STEPS.replace(
        "{version: 4.2.1.0, can_be_upgraded_to: [4.2.2.0]}",
        "{version: 4.2.0.0, can_be_upgraded_to: [4.2.2.0]}",
    );
    assert_eq!(
        up(routed("current", &no_start)).await,
        (
            400,
            json!({"errCode": "OB.Upgrade.Path.NotExist", "message": "Cannot find the upgrade path from the current version 4.2.1.0 to the target version 4.3.0.0, please check the upgrade dependency YAML file"})
        )
    );
    // A target the graph does not reach: the real server indexes an empty path and panics.
    let unreachable = THREE_STEPS.replace(
        "can_be_upgraded_to: [4.3.0.0]",
        "can_be_upgraded_to: [4.2.4.0]",
    );
    assert_eq!(up(routed("current", &unreachable)).await.0, 500);
    // Every step's packages must be there, each step's name written as the server writes it.
    let no_step = THREE_STEPS.replace(
        "    - {name: oceanbase-ce-libs, version: 4.2.3.0, release: 100000032024020200.el7}\n",
        "",
    );
    assert_eq!(
        up(routed("current", &no_step)).await,
        (
            400,
            json!({"errCode": "OB.Package.NotExist", "message": "These packages are missing: '[oceanbase-ce-libs-4.2.3.0-${release}.el7.x86_64.rpm]'"})
        )
    );
}

#[tokio::test]
async fn legacy_words_an_expired_header_and_a_wrong_password_as_4_2_6_does() {
    let sim = default_sim();
    let expired = v2_with(
        "GET",
        "/api/v1/task/dag/12",
        None,
        PASSWORD,
        &(WALL - 1).to_string(),
    );
    assert_eq!(
        error_of(&send(&sim, expired).await),
        (
            401,
            json!({"code": 10008, "message": "Verification failed: auth expired"})
        )
    );
    let wrong = v2_with(
        "GET",
        "/api/v1/task/dag/12",
        None,
        "nope",
        &(WALL + 60).to_string(),
    );
    assert_eq!(
        error_of(&send(&sim, wrong).await),
        (
            401,
            json!({"code": 10008, "message": "Verification failed: access denied"})
        )
    );
    let bad_ts = v2_with("GET", "/api/v1/task/dag/12", None, PASSWORD, "soon");
    assert_eq!(
        error_of(&send(&sim, bad_ts).await),
        (
            401,
            json!({"code": 10008, "message": "Verification failed: strconv.ParseInt: parsing \"soon\": invalid syntax"})
        )
    );
}

/// Every `upgrade-sim obshell-rpm` command in fixtures/obshell/rpm/README.md, rebuilt with the
/// same builder the command runs, gives the committed file byte for byte (the builder is
/// deterministic), so the conformance suite's upload fixtures are what the README says.
#[test]
fn the_committed_upload_fixtures_rebuild_byte_for_byte() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/obshell/rpm");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let mut rebuilt = Vec::new();
    for command in readme
        .split('`')
        .filter(|c| c.starts_with("upgrade-sim obshell-rpm "))
    {
        let words: Vec<&str> = command.split_whitespace().skip(2).collect();
        let flag = |name: &str| {
            words
                .iter()
                .position(|w| *w == name)
                .and_then(|i| words.get(i + 1))
                .copied()
        };
        let out = flag("--out").unwrap_or_else(|| panic!("no --out in `{command}`"));
        let s = rpm::Spec {
            upgrade_dep: flag("--upgrade-dep")
                .map(|f| std::fs::read_to_string(dir.join(f)).unwrap()),
            bare: words.contains(&"--bare"),
            ..spec(words[0], words[1], words[2])
        };
        let committed = std::fs::read(dir.join(out)).unwrap_or_else(|e| panic!("{out}: {e}"));
        assert!(
            built(&s) == committed,
            "{out} is not what `{command}` builds"
        );
        rebuilt.push(out);
    }
    assert_eq!(rebuilt.len(), 3, "{rebuilt:?}");
    // The one that is no RPM: a whole 96-byte lead's worth, without the magic.
    let text = std::fs::read(dir.join("not-an-rpm.rpm")).unwrap();
    assert!(text.len() >= 96 && !text.starts_with(&[0xED, 0xAB, 0xEE, 0xDB]));
}

/// A committed upload fixture (fixtures/obshell/rpm/) and its `sha256sum`.
pub(super) fn rpm_fixture(name: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/obshell/rpm");
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}
const GOOD_RPM: &str = "oceanbase-ce-4.3.0.0-100000042024030300.el7.x86_64.rpm";
const GOOD_SHA256: &str = "0d5539d9e5ee87bed1aa5d8204653136fc41dd83ca5262f995d9091343924121";

/// HEAD's `POST /api/v1/package` as the web console sends it: the form unencrypted, no
/// password header, `X-OCS-File-SHA256` the sealed `sum` (none: no header).
pub(super) fn new_upload_request(bytes: &[u8], sum: Option<&str>) -> Request<Body> {
    let mut body =
        b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.rpm\"\r\n\r\n"
            .to_vec();
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--B--\r\n");
    let mut req =
        Request::post("/api/v1/package").header("content-type", "multipart/form-data; boundary=B");
    if let Some(sum) = sum {
        req = req.header("X-OCS-File-SHA256", sum);
    }
    req.body(Body::from(body)).unwrap_or_default()
}

async fn new_upload(sim: &Sim, bytes: &[u8], sum: Option<&str>) -> Reply {
    send(sim, new_upload_request(bytes, sum)).await
}

#[tokio::test]
async fn head_takes_a_plain_form_upload_checked_by_the_files_sealed_sha256() {
    let sim = current_sim("");
    let bytes = rpm_fixture(GOOD_RPM);
    let r = new_upload(&sim, &bytes, Some(&seal(GOOD_SHA256))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let d = r.json()["data"].clone();
    assert_eq!(
        (
            d["name"].clone(),
            d["md5"].clone(),
            d["chunk_count"].clone()
        ),
        (
            json!("oceanbase-ce"),
            json!("d48d87f72c177939cfec1e4ca18743a9"),
            json!(1)
        )
    );
    assert_eq!(d["upgrade_dep_yaml"], "", "ToBO leaves the YAML out");
    assert!(
        d.get("Md5").is_none(),
        "bo.UpgradePkgInfo is snake case: {d}"
    );
    // Stored like any upload: the package list has it.
    let list = send(&sim, v2("GET", "/api/v1/upgrade/package/info", None)).await;
    assert_eq!(list.json()["data"]["contents"][0]["pkg_id"], d["pkg_id"]);

    let mismatch = json!({"errCode": "Security.Authentication.File.Sha256Mismatch", "message": "File SHA256 mismatch"});
    let other = rpm_fixture("obproxy-ce-4.2.3.0-3.el7.x86_64.rpm");
    for sum in [Some(seal(GOOD_SHA256)), None] {
        let r = new_upload(&sim, &other, sum.as_deref()).await;
        let (status, e) = error_of(&r);
        assert_eq!(
            (
                status,
                json!({"errCode": e["errCode"], "message": e["message"]})
            ),
            (401, mismatch.clone())
        );
    }
    let r = new_upload(&sim, &bytes, Some("AAAA")).await;
    assert_eq!(
        (
            r.status.as_u16(),
            r.json()["error"]["errCode"].clone(),
            r.json()["error"]["message"].clone()
        ),
        (
            401,
            json!("Common.Unauthorized"),
            json!("Unauthorized: decrypt file sha256 failed: crypto/rsa: decryption error")
        )
    );
    // 4.2.6 has no such route: gin's 404, before anything else.
    let r = new_upload(&default_sim(), &bytes, Some(&seal(GOOD_SHA256))).await;
    assert_eq!(
        error_of(&r),
        (
            400,
            json!({"code": 1000, "message": "Bad request: 404 not found"})
        )
    );
}
