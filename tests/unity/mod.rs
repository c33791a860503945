//! Dell Unity end to end: Unisphere's conventions (auth, CSRF, envelopes, fields, filters,
//! paging, metadata, errors, jobs), the candidate upload, and every upgrade-session operation
//! and status on virtual time. The router is called without a socket; time is stepped.

mod around;
mod equipment;
mod metadata;
mod openapi;
mod properties;
mod statuses;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use upgrade_sim::Sim;

use crate::support::unity::*;
use crate::support::{default_sim, send, sim_from};

// ----- conventions -------------------------------------------------------------------------

#[tokio::test]
async fn basic_system_info_answers_without_credentials() {
    let sim = default_sim();
    let r = send(
        &sim,
        Request::get(
            "/api/types/basicSystemInfo/instances?fields=model,softwareVersion,apiVersion",
        )
        .header("host", "10.0.0.1")
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    assert_eq!(body["entries"][0]["content"]["softwareVersion"], "5.2.0");
    assert_eq!(body["entries"][0]["content"]["model"], "Unity 380F");
    assert_eq!(body["entries"][0]["content"]["apiVersion"], "12.0");
    assert!(r.headers.get("emc-csrf-token").is_none());
}

#[tokio::test]
async fn a_request_without_the_rest_client_header_is_redirected_to_the_login_page() {
    let sim = default_sim();
    let r = send(
        &sim,
        Request::get("/api/types/system/instances")
            .header("authorization", AUTH)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert!(r.headers.get("location").is_some());
}

#[tokio::test]
async fn bad_or_missing_credentials_get_401_in_the_unity_error_shape() {
    let sim = default_sim();
    let bad = send(
        &sim,
        bare(Method::GET, "/api/types/system/instances")
            .header("authorization", BAD_AUTH)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_unity_error(&bad, 401, 0x7d13001);
    let none = send(
        &sim,
        Request::get("/api/types/system/instances")
            .header("x-emc-rest-client", "true")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_unity_error(&none, 401, 0x7d13001);
    insta::assert_json_snapshot!("unauthorized", bad.json());
}

#[tokio::test]
async fn the_first_get_issues_a_csrf_token_and_the_session_cookie() {
    let sim = default_sim();
    let r = uget(&sim, "/api/types/loginSessionInfo/instances?fields=id,user,roles,idleTimeout,domain,isPasswordChangeRequired").await;
    assert_eq!(r.status, StatusCode::OK);
    let token = r.headers["emc-csrf-token"].to_str().unwrap();
    assert_eq!(
        token.len(),
        88,
        "an 88-character base64 token like a real array's"
    );
    let cookie = r.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("mod_sec_emc=value3&1&value1&"),
        "{cookie}"
    );
    assert!(cookie.contains("secure; HttpOnly"));
    let content = &r.json()["entries"][0]["content"];
    assert_eq!(content["id"], "admin");
    assert_eq!(content["user"]["id"], "user_admin");
    assert_eq!(content["roles"][0]["id"], "administrator");
    assert_eq!(content["idleTimeout"], 3600);
    // The same user's later requests join the session: same token, no new cookie.
    let again = uget(&sim, "/api/instances/system/0").await;
    assert_eq!(again.headers["emc-csrf-token"].to_str().unwrap(), token);
    assert!(again.headers.get("set-cookie").is_none());
}

#[tokio::test]
async fn a_post_without_the_csrf_token_gets_401_and_the_same_post_with_it_succeeds() {
    let sim = default_sim();
    let path = "/api/types/softwareUpgradeSession/action/verifyUpgradeEligibility?compact=True";
    let without = send(&sim, unity(Method::POST, path).body(Body::empty()).unwrap()).await;
    assert_unity_error(&without, 401, 0x7d13002);
    insta::assert_json_snapshot!("csrf_missing", without.json());
    let with = upost(&sim, path, None).await;
    assert_eq!(with.status, StatusCode::OK, "{}", with.text());
}

#[tokio::test]
async fn the_session_cookie_alone_authenticates_and_logout_ends_it() {
    let sim = default_sim();
    let first = uget(&sim, "/api/types/user/instances").await;
    let cookie = first.headers["set-cookie"].to_str().unwrap();
    let pair = cookie.split(';').next().unwrap().to_string();
    let token = first.headers["emc-csrf-token"]
        .to_str()
        .unwrap()
        .to_string();
    let by_cookie = || {
        Request::get("/api/types/system/instances")
            .header("x-emc-rest-client", "true")
            .header("cookie", pair.clone())
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(&sim, by_cookie()).await.status, StatusCode::OK);
    let logout = send(
        &sim,
        unity(Method::POST, "/api/types/loginSessionInfo/action/logout")
            .header("emc-csrf-token", &token)
            .body(Body::from(r#"{"localCleanupOnly":"true"}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert!(logout.body.is_empty());
    assert_unity_error(&send(&sim, by_cookie()).await, 401, 0x7d13001);
    // The old token is stale: a POST with it gets 401, a fresh one works.
    let stale = send(
        &sim,
        unity(
            Method::POST,
            "/api/types/softwareUpgradeSession/action/verifyUpgradeEligibility",
        )
        .header("emc-csrf-token", &token)
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    assert_unity_error(&stale, 401, 0x7d13002);
    let fresh = token_after(&sim).await;
    assert_ne!(fresh, token);
}

async fn token_after(sim: &Sim) -> String {
    token(sim).await
}

#[tokio::test]
async fn the_session_expires_after_an_hour_idle() {
    let sim = default_sim();
    let t1 = token(&sim).await;
    advance(&sim, 3599);
    assert_eq!(
        token(&sim).await,
        t1,
        "used within the hour: still the same session"
    );
    advance(&sim, 3600);
    assert_ne!(
        token(&sim).await,
        t1,
        "idle an hour: a new session and token"
    );
}

#[tokio::test]
async fn without_fields_only_ids_are_returned() {
    let sim = default_sim();
    let r = uget(&sim, "/api/types/system/instances?compact=true").await;
    assert_eq!(r.json()["entries"], json!([{"content": {"id": "0"}}]));
    let r = uget(&sim, "/api/instances/system/0?compact=True&fields=").await;
    assert_eq!(r.json(), json!({"content": {"id": "0"}}));
}

#[tokio::test]
async fn an_unknown_field_gets_422_with_the_real_code() {
    let sim = default_sim();
    let r = uget(
        &sim,
        "/api/types/system/instances?fields=name,operationalStatuss",
    )
    .await;
    assert_unity_error(&r, 422, 0x7d13105);
    assert!(r.json()["error"]["messages"][0]["en-US"]
        .as_str()
        .unwrap()
        .contains("[operationalStatuss]"));
    insta::assert_json_snapshot!("invalid_field", r.json());
    let r = uget(
        &sim,
        &format!("/api/instances/softwareUpgradeSession/{SESSION}?fields=percent"),
    )
    .await;
    assert_unity_error(&r, 422, 0x7d13105);
}

#[tokio::test]
async fn unknown_types_ids_and_paths_get_404_with_code_0x7d13005() {
    let sim = default_sim();
    for path in [
        "/api/types/users/instances",
        "/api/instances/softwareUpgradeSession/nope",
        "/api/instances/job/N-999",
        "/api/types/nonesuch",
        "/api/nothing/here",
    ] {
        assert_unity_error(&uget(&sim, path).await, 404, 0x7d13005);
    }
    let r = uget(&sim, "/api/types/users/instances").await;
    insta::assert_json_snapshot!("not_found", r.json());
}

#[tokio::test]
async fn filters_select_entries_and_bad_filter_syntax_gets_400() {
    let sim = default_sim();
    let q = |f: &str| {
        format!(
            "/api/types/user/instances?compact=true&fields=name&filter={}",
            f.replace(' ', "%20").replace('"', "%22")
        )
    };
    let r = uget(&sim, &q(r#"name eq "ADMIN""#)).await;
    assert_eq!(
        r.json()["entries"].as_array().unwrap().len(),
        1,
        "eq is case-insensitive"
    );
    let r = uget(&sim, &q(r#"name eq "x" or id eq "user_admin""#)).await;
    assert_eq!(r.json()["entries"].as_array().unwrap().len(), 1);
    let r = uget(&sim, &q(r#"name eq "admin" and id eq "user_other""#)).await;
    assert_eq!(r.json()["entries"], json!([]));
    for bad in [r#"name eq"#, r#"name is "admin""#, r#"(name eq "admin""#] {
        assert_unity_error(&uget(&sim, &q(bad)).await, 400, 0x7d13004);
    }
    assert_unity_error(&uget(&sim, &q(r#"nickname eq "a""#)).await, 422, 0x7d13105);
}

fn multi_user_sim() -> Sim {
    let mut users = String::from("    - {name: admin, password: \"Password123#\"}\n");
    for i in 0..5 {
        users.push_str(&format!(
            "    - {{name: op{i}, password: pw, role: operator}}\n"
        ));
    }
    sim_from(&format!("unity:\n  users:\n{users}"))
}

#[tokio::test]
async fn paging_links_use_page_hrefs_and_entry_count_only_when_asked() {
    let sim = multi_user_sim();
    let r = uget(
        &sim,
        "/api/types/user/instances?per_page=2&page=2&with_entrycount=true&compact=true",
    )
    .await;
    let body = r.json();
    assert_eq!(body["entryCount"], 6);
    assert_eq!(body["entries"].as_array().unwrap().len(), 2);
    assert_eq!(
        body["links"],
        json!([
            {"rel": "self", "href": "&page=2"},
            {"rel": "first", "href": "&page=1"},
            {"rel": "prev", "href": "&page=1"},
            {"rel": "next", "href": "&page=3"},
            {"rel": "last", "href": "&page=3"},
        ])
    );
    let last = uget(&sim, "/api/types/user/instances?per_page=2&page=3")
        .await
        .json();
    assert!(last.get("entryCount").is_none());
    assert!(
        !last["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "next"),
        "the last page has no next link, or storops would loop forever"
    );
    assert_unity_error(
        &uget(&sim, "/api/types/user/instances?per_page=0").await,
        400,
        0x7d13004,
    );
    assert_unity_error(
        &uget(&sim, "/api/types/user/instances?page=x").await,
        400,
        0x7d13004,
    );
}

#[tokio::test]
async fn collection_and_instance_envelopes_have_the_unisphere_shape() {
    let sim = default_sim();
    let full = uget(
        &sim,
        "/api/types/basicSystemInfo/instances?fields=model,softwareVersion",
    )
    .await;
    insta::assert_json_snapshot!("basic_system_info_collection", full.json());
    let inst = uget(
        &sim,
        "/api/instances/system/0?fields=name,model,health,isUpgradeComplete",
    )
    .await;
    insta::assert_json_snapshot!("system_instance", inst.json());
    assert_eq!(
        full.headers["content-type"],
        "application/json; version=1.0;charset=UTF-8"
    );
}

#[tokio::test]
async fn type_metadata_is_served_for_the_types_storops_reads() {
    let sim = default_sim();
    for t in [
        "system",
        "basicSystemInfo",
        "job",
        "softwareUpgradeSession",
        "upgradeSession",
        "candidateSoftwareVersion",
        "upgradeTask",
        "upgradeMessage",
        "loginSessionInfo",
    ] {
        let r = uget(&sim, &format!("/api/types/{t}?compact=True&fields=attributes.description,attributes.displayValue,attributes.initialValue,attributes.name,attributes.type,description,documentation,name,type")).await;
        assert_eq!(r.status, StatusCode::OK, "{t}");
        let c = &r.json()["content"];
        assert_eq!(c["name"], t);
        assert!(c["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "id" || t.starts_with("upgrade")));
    }
    let r = uget(&sim, "/api/types/softwareUpgradeSession?compact=True").await;
    insta::assert_json_snapshot!("session_type", r.json());
}

#[tokio::test]
async fn unsupported_methods_and_actions_get_405() {
    let sim = default_sim();
    let t = token(&sim).await;
    let del = send(
        &sim,
        unity(Method::DELETE, "/api/instances/system/0")
            .header("emc-csrf-token", &t)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_unity_error(&del, 405, 0x7d1300c);
    let r = upost(&sim, "/api/types/system/action/reboot", None).await;
    assert_unity_error(&r, 405, 0x7d1300c);
    let put = send(
        &sim,
        unity(Method::PUT, "/api/types/system/instances")
            .header("emc-csrf-token", &t)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_unity_error(&put, 405, 0x7d1300c);
}

// ----- candidates ----------------------------------------------------------------------------

#[tokio::test]
async fn an_uploaded_candidate_is_listed_and_replaces_the_previous_one() {
    let sim = sim_from("unity:\n  candidate: null\n");
    let list = "/api/types/candidateSoftwareVersion/instances?compact=true&fields=version,fullVersion,revision,type,rebootRequired,canPauseBeforeReboot,releaseDate";
    assert_eq!(uget(&sim, list).await.json()["entries"], json!([]));
    let r = upload(&sim, "Unity-5.3.0.0.5.120.tgz.bin.gpg").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.is_empty(),
        "the upload answers 200 with an empty body"
    );
    let entries = uget(&sim, list).await.json()["entries"].clone();
    assert_eq!(entries.as_array().unwrap().len(), 1);
    assert_eq!(entries[0]["content"]["version"], "5.3.0");
    assert_eq!(entries[0]["content"]["fullVersion"], "5.3.0.0.5.120");
    assert_eq!(entries[0]["content"]["revision"], 120);
    assert_eq!(entries[0]["content"]["canPauseBeforeReboot"], true);
    let header = image_header("5.4.0", 7, "2024-02-01T08:30:00Z");
    let r = upload_content(&sim, "Unity-5.4.0.0.5.007.tgz.bin.gpg", &header).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let entries = uget(&sim, list).await.json()["entries"].clone();
    assert_eq!(
        entries.as_array().unwrap().len(),
        1,
        "one candidate at a time"
    );
    assert_eq!(entries[0]["content"]["version"], "5.4.0");
}

#[tokio::test]
async fn an_upload_that_is_not_a_candidate_image_is_refused() {
    let sim = default_sim();
    assert_unity_error(&upload(&sim, "holiday.jpg").await, 422, 0x6101006);
    let r = upost(
        &sim,
        "/upload/files/types/candidateSoftwareVersion",
        Some(json!({})),
    )
    .await;
    assert_unity_error(&r, 400, 0x7d13003);
}

// ----- upgrade operations ------------------------------------------------------------------

#[tokio::test]
async fn the_doc_collection_query_answers_200() {
    let sim = default_sim();
    let r = uget(&sim, "/api/types/softwareUpgradeSession/instances").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["entries"], json!([]));
}

#[tokio::test]
async fn verify_upgrade_eligibility_answers_200_with_messages_on_a_healthy_array() {
    let sim = default_sim();
    let r = verify(&sim, "softwareUpgradeSession", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    insta::assert_json_snapshot!("eligibility_ok", r.json());
    let m = &r.json()["content"]["messages"][0];
    assert!(m["messages"][0]["en-US"]
        .as_str()
        .unwrap()
        .contains("5.3.0"));
}

#[tokio::test]
async fn verify_upgrade_eligibility_names_each_unhealthy_component() {
    let sim = sim_from("unity:\n  array:\n    components: {spa: OK, spb: DEGRADED, dpe: MAJOR}\n");
    let r = verify(&sim, "upgradeSession", "?compact=True").await;
    assert_unity_error(&r, 422, 0x6101001);
    let msgs = r.json()["error"]["messages"].clone();
    assert_eq!(msgs.as_array().unwrap().len(), 2);
    assert!(msgs[0]["en-US"]
        .as_str()
        .unwrap()
        .contains("spb is DEGRADED"));
    assert!(msgs[1]["en-US"].as_str().unwrap().contains("dpe is MAJOR"));
    insta::assert_json_snapshot!("eligibility_unhealthy", r.json());
}

#[tokio::test]
async fn verify_upgrade_eligibility_without_a_candidate_says_to_upload_one() {
    let sim = sim_from("unity:\n  candidate: null\n");
    let r = verify(&sim, "softwareUpgradeSession", "").await;
    assert_unity_error(&r, 422, 0x6101002);
    assert!(r.text().contains("Upload an upgrade candidate"));
}

#[tokio::test]
async fn create_answers_201_with_the_new_session_id() {
    let sim = default_sim();
    let r = upost(
        &sim,
        "/api/types/softwareUpgradeSession/instances",
        Some(json!({"candidate": {"id": "candidate_1"}, "selectedModel": 11, "pauseBeforeReboot": true})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    insta::assert_json_snapshot!("create", r.json());
    assert_eq!(r.json()["content"]["id"], SESSION);
    let listed = uget(
        &sim,
        "/api/types/upgradeSession/instances?fields=status&compact=true",
    )
    .await;
    assert_eq!(
        listed.json()["entries"][0]["content"],
        json!({"id": SESSION, "status": 0}),
        "the same session is served under upgradeSession"
    );
}

#[tokio::test]
async fn create_while_a_session_is_active_gets_409() {
    let sim = default_sim();
    create(&sim, json!({})).await;
    assert_unity_error(&create(&sim, json!({})).await, 409, 0x6101003);
}

#[tokio::test]
async fn create_with_bad_input_gets_the_unity_error_body() {
    let sim = default_sim();
    assert_unity_error(
        &create(&sim, json!({"pauseBeforeReboots": true})).await,
        422,
        0x7d13035,
    );
    assert_unity_error(
        &create(&sim, json!({"pauseBeforeReboot": [1]})).await,
        422,
        0x7d13035,
    );
    assert_unity_error(
        &create(&sim, json!({"pauseBeforeReboot": "perhaps"})).await,
        422,
        0x7d13035,
    );
    assert_unity_error(
        &create(&sim, json!({"candidate": "candidate_1"})).await,
        422,
        0x7d13035,
    );
    assert_unity_error(
        &create(&sim, json!({"candidate": {"id": "candidate_9"}})).await,
        422,
        0x7d13028,
    );
    assert_unity_error(
        &create(&sim, json!({"selectedModel": 99})).await,
        422,
        0x7d13035,
    );
    assert_unity_error(
        &create(&sim, json!({"selectedModel": 3})).await,
        422,
        0x6101007,
    );
    assert_unity_error(&create(&sim, json!([1, 2])).await, 422, 0x7d13035);
    let t = token(&sim).await;
    let r = send(
        &sim,
        unity(Method::POST, "/api/types/softwareUpgradeSession/instances")
            .header("emc-csrf-token", t)
            .body(Body::from("{not json"))
            .unwrap(),
    )
    .await;
    assert_unity_error(&r, 400, 0x7d13003);
    insta::assert_json_snapshot!("malformed_body", r.json());
    // Unity's lenient booleans are accepted.
    assert_eq!(
        create(&sim, json!({"pauseBeforeReboot": "yes"}))
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn create_without_a_candidate_or_with_an_older_one_gets_422() {
    let sim = sim_from("unity:\n  candidate: null\n");
    assert_unity_error(&create(&sim, json!({})).await, 422, 0x6101002);
    let sim = sim_from("unity:\n  candidate: {version: 5.1.0, build: 5}\n");
    assert_unity_error(&create(&sim, json!({})).await, 422, 0x6101005);
}

#[tokio::test]
async fn a_session_runs_its_tasks_and_the_array_reports_the_new_version() {
    let sim = default_sim();
    create(&sim, json!({})).await;
    let s = session(&sim).await;
    assert_eq!(
        s["status"], 0,
        "Upgrade_Not_Started until the first task begins"
    );
    assert_eq!(s["tasks"].as_array().unwrap().len(), 12);
    assert_eq!(s["tasks"][0]["caption"], "Preparing system");
    assert_eq!(s["tasks"][0]["estRemainTime"], "00:03:30.000");
    advance(&sim, 120 + 60);
    let s = session(&sim).await;
    assert_eq!(s["status"], 1);
    assert_eq!(s["tasks"][0]["status"], 1);
    assert_eq!(
        s["tasks"][0]["estRemainTime"], "00:02:30.000",
        "the running task counts down"
    );
    assert_eq!(s["elapsedTime"], "00:03:00.000");
    let mut last = 0;
    // Polls at 13m, 23m, ... 83m: none falls in the primary SP's reboot outage (73m35s-74m35s).
    for _ in 0..8 {
        advance(&sim, 600);
        let p = session(&sim).await["percentComplete"].as_u64().unwrap();
        assert!(p >= last, "percentComplete never goes down");
        last = p;
    }
    assert!(last > 50 && last < 100, "{last}");
    sim.run_until_idle().unwrap();
    let s = session(&sim).await;
    assert_eq!(s["status"], 2);
    assert_eq!(s["percentComplete"], 100);
    assert!(s["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["status"] == 2));
    let info = uget(
        &sim,
        "/api/instances/basicSystemInfo/0?fields=softwareVersion,apiVersion",
    )
    .await;
    assert_eq!(info.json()["content"]["softwareVersion"], "5.3.0");
    assert_eq!(info.json()["content"]["apiVersion"], "13.0");
    let cands = uget(&sim, "/api/types/candidateSoftwareVersion/instances").await;
    assert_eq!(
        cands.json()["entries"],
        json!([]),
        "the installed candidate is gone"
    );
}

#[tokio::test]
async fn resume_of_a_session_that_is_not_paused_or_failed_gets_409_action_not_allowed() {
    let sim = default_sim();
    create(&sim, json!({})).await;
    advance(&sim, 600);
    let r = upost(
        &sim,
        &format!("/api/instances/softwareUpgradeSession/{SESSION}/action/resume"),
        None,
    )
    .await;
    assert_unity_error(&r, 409, 0x7d1300c);
    insta::assert_json_snapshot!("resume_not_allowed", r.json());
    let r = upost(
        &sim,
        "/api/instances/softwareUpgradeSession/nope/action/resume",
        None,
    )
    .await;
    assert_unity_error(&r, 404, 0x7d13005);
}

#[tokio::test]
async fn software_upgrade_session_has_no_cancel_but_upgrade_session_does() {
    let sim = default_sim();
    create(&sim, json!({})).await;
    let r = upost(
        &sim,
        &format!("/api/instances/softwareUpgradeSession/{SESSION}/action/cancel"),
        None,
    )
    .await;
    assert_unity_error(&r, 405, 0x7d1300c);
    let r = upost(
        &sim,
        &format!("/api/instances/upgradeSession/{SESSION}/action/cancel"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn an_action_with_timeout_0_answers_202_with_a_job_that_completes() {
    let sim = sim_from("unity:\n  faults:\n    fail_task: [{task: 2, at_percent: 10}]\n");
    create(&sim, json!({})).await;
    sim.run_until_idle().unwrap();
    assert_eq!(session(&sim).await["status"], 3);
    let r = upost(
        &sim,
        &format!(
            "/api/instances/softwareUpgradeSession/{SESSION}/action/resume?compact=True&timeout=0"
        ),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let job = r.json();
    assert_eq!(job["state"], 2, "the job itself, at top level, running");
    assert_eq!(job["methodName"], "softwareUpgradeSession.resume");
    let id = job["id"].as_str().unwrap().to_string();
    advance(&sim, 2);
    let j = uget(
        &sim,
        &format!(
            "/api/instances/job/{id}?compact=true&fields=state,progressPct,elapsedTime,messageOut"
        ),
    )
    .await;
    assert_eq!(j.json()["content"]["state"], 4);
    assert_eq!(j.json()["content"]["progressPct"], 100);
    assert_eq!(j.json()["content"]["elapsedTime"], "00:00:02.000");
    let f = uget(
        &sim,
        &format!("/api/types/job/instances?compact=True&fields=state&filter=id%20eq%20%22{id}%22"),
    )
    .await;
    assert_eq!(f.json()["entries"][0]["content"]["state"], 4);
    // A job whose action is refused fails, with the reason in messageOut.
    let r = upost(
        &sim,
        &format!("/api/instances/softwareUpgradeSession/{SESSION}/action/resume?timeout=0"),
        None,
    )
    .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    advance(&sim, 5);
    let j = uget(
        &sim,
        &format!("/api/instances/job/{id}?compact=true&fields=state,messageOut"),
    )
    .await;
    assert_eq!(j.json()["content"]["state"], 5);
    assert!(j.json()["content"]["messageOut"]["messages"][0]["message"]
        .as_str()
        .unwrap()
        .contains("resumed"));
}

#[tokio::test]
async fn dates_are_utc_with_millis_and_intervals_are_hh_mm_ss() {
    let sim = default_sim();
    create(&sim, json!({})).await;
    advance(&sim, 3 * 3600);
    let s = session(&sim).await;
    let created = s["creationTime"].as_str().unwrap();
    assert_eq!(
        created, "2026-01-01T00:00:00.000Z",
        "the epoch 08:00+08:00 in UTC"
    );
    assert_eq!(
        s["elapsedTime"], "01:33:25.000",
        "2m waiting + 1h31m25s of tasks, frozen at completion"
    );
}

#[tokio::test]
async fn while_the_primary_sp_reboots_requests_get_503_then_work_again() {
    let sim = default_sim();
    create(&sim, json!({})).await;
    // Start delay plus tasks 0-8: 2m + 1h12m0s.
    advance(
        &sim,
        120 + 210 + 70 + 970 + 5 + 65 + 1010 + 855 + 300 + 810 + 10,
    );
    let r = uget(&sim, "/api/types/system/instances").await;
    assert_unity_error(&r, 503, 0x7d13010);
    assert!(r.text().contains("rebooting"));
    let open = uget(&sim, "/api/instances/basicSystemInfo/0").await;
    assert_eq!(open.status, StatusCode::SERVICE_UNAVAILABLE);
    advance(&sim, 60);
    assert_eq!(
        uget(&sim, "/api/types/system/instances").await.status,
        StatusCode::OK
    );
    assert_eq!(session(&sim).await["tasks"][9]["status"], 1);
}

#[tokio::test]
async fn an_sp_reboot_window_from_the_scenario_refuses_requests_in_it() {
    let sim = sim_from("unity:\n  faults:\n    sp_reboot: [{at: 5m, for: 2m}]\n");
    assert_eq!(
        uget(&sim, "/api/types/system/instances").await.status,
        StatusCode::OK
    );
    advance(&sim, 300);
    assert_unity_error(
        &uget(&sim, "/api/types/system/instances").await,
        503,
        0x7d13010,
    );
    advance(&sim, 120);
    assert_eq!(
        uget(&sim, "/api/types/system/instances").await.status,
        StatusCode::OK
    );
    let j = sim.lock().core.journal.query(&Default::default());
    assert!(j
        .iter()
        .any(|e| e.resource == "refusal" && e.detail.to_string().contains("is rebooting")));
}

#[tokio::test]
async fn the_system_reports_is_upgrade_complete_false_while_a_session_runs() {
    let sim = default_sim();
    let f = "/api/instances/system/0?compact=true&fields=isUpgradeComplete";
    assert_eq!(
        uget(&sim, f).await.json()["content"]["isUpgradeComplete"],
        true
    );
    create(&sim, json!({})).await;
    assert_eq!(
        uget(&sim, f).await.json()["content"]["isUpgradeComplete"],
        false
    );
    sim.run_until_idle().unwrap();
    assert_eq!(
        uget(&sim, f).await.json()["content"]["isUpgradeComplete"],
        true
    );
}

#[tokio::test]
async fn the_same_requests_give_the_same_bytes() {
    async fn run() -> Vec<u8> {
        let sim = default_sim();
        create(&sim, json!({"pauseBeforeReboot": true})).await;
        advance(&sim, 5000);
        let mut out = uget(&sim, "/api/types/upgradeSession/instances?fields=status,percentComplete,tasks,creationTime,elapsedTime").await.body;
        out.extend(token(&sim).await.into_bytes());
        out
    }
    assert_eq!(run().await, run().await);
}

#[test]
fn scenario_mistakes_are_reported_at_their_key() {
    for (yaml, want) in [
        (
            "unity:\n  faults:\n    lock: [{task: 2}]\n",
            "point of no return",
        ),
        (
            "unity:\n  faults:\n    fail_task: [{task: Defragmenting}]\n",
            "no task captioned",
        ),
        (
            "unity:\n  array:\n    components: {spa: SHINY}\n",
            "unity.array.components.spa",
        ),
        ("unity:\n  task_durations: [1s]\n", "exactly 12"),
        (
            "unity:\n  images:\n    - {file: a.bin, version: 5.4.0, build: 1, release_date: soon}\n",
            "unity.images[0].release_date",
        ),
        (
            "unity:\n  images:\n    - {file: a.bin, version: 5.4.0, build: 1, release_date: 2024-01-01T00:00:00Z}\n    - {file: a.bin, version: 5.4.1, build: 2, release_date: 2024-01-01T00:00:00Z}\n",
            "declared twice",
        ),
        (
            "unity:\n  array:\n    software_release_date: yesterday\n",
            "unity.array.software_release_date",
        ),
        ("unity:\n  users: []\n", "at least one user"),
        (
            "unity:\n  array:\n    sofware_version: 5.2.0\n",
            "software_version",
        ),
    ] {
        let err = upgrade_sim::Scenario::parse(yaml, "t.yaml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(want), "{yaml}: {err}");
        assert!(err.starts_with("t.yaml: line"), "{err}");
    }
}
