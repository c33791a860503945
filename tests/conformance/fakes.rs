//! Defective implementations played by wiremock: each must fail its case with a message that
//! names the step and says what was wrong.

use super::{cases, failure, run_at};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use upgrade_conformance::Credentials;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

fn ota_creds() -> Credentials {
    let mut c = Credentials::default();
    c.ota.token = Some("t".into());
    c
}

const PLAN_CASE: &str = r#"
vendor: ota
cases:
  - name: a plan is created and runs to completed
    steps:
      - name: create the plan
        request: {method: POST, path: /api/v1/lifecycle/upgrade-plans, json: {name: n}}
        expect:
          status: 200
          json:
            /id: {type: string, regex: "^plan-"}
            /status: {one_of: [pending, running]}
            /currentBatch: {type: integer}
        capture: {plan: /id}
        track: [{model: ota.plan, path: /status, entity: "${plan}"}]
      - name: poll the plan
        request: {method: GET, path: "/api/v1/lifecycle/upgrade-plans/${plan}"}
        poll: {every: 10ms, timeout: 2s, until: {/status: {one_of: [completed, cancelled]}}}
        track:
          - {model: ota.plan, path: /status, entity: "${plan}"}
          - {model: ota.plan, path: /currentBatch, entity: "${plan}", monotonic: increasing}
        expect: {json: {/status: completed}}
"#;

async fn fake_plan(
    create: serde_json::Value,
    create_status: u16,
    polls: Vec<serde_json::Value>,
) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/lifecycle/upgrade-plans"))
        .respond_with(ResponseTemplate::new(create_status).set_body_json(create))
        .mount(&server)
        .await;
    if !polls.is_empty() {
        Mock::given(method("GET"))
            .and(path("/api/v1/lifecycle/upgrade-plans/plan-1"))
            .respond_with(Sequence {
                bodies: polls,
                next: AtomicUsize::new(0),
            })
            .mount(&server)
            .await;
    }
    server
}

/// Answers each body of a sequence in turn, then repeats the last.
struct Sequence {
    bodies: Vec<serde_json::Value>,
    next: AtomicUsize,
}

impl Respond for Sequence {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let i = self
            .next
            .fetch_add(1, Ordering::SeqCst)
            .min(self.bodies.len() - 1);
        ResponseTemplate::new(200).set_body_json(self.bodies[i].clone())
    }
}

fn plan(status: &str, batch: i64) -> serde_json::Value {
    json!({"id": "plan-1", "status": status, "currentBatch": batch})
}

#[tokio::test]
async fn a_correct_fake_passes_the_plan_case() {
    let server = fake_plan(
        plan("running", 0),
        200,
        vec![plan("running", 0), plan("running", 1), plan("completed", 1)],
    )
    .await;
    let r = run_at(&server.uri(), ota_creds(), &cases(PLAN_CASE), None).await;
    assert_eq!(r.counts(), (1, 0, 0), "{}", r.terminal(true));
}

#[tokio::test]
async fn a_wrong_status_fails_naming_the_step() {
    let server = fake_plan(plan("running", 0), 201, vec![]).await;
    let r = run_at(&server.uri(), ota_creds(), &cases(PLAN_CASE), None).await;
    let m = failure(&r);
    assert!(
        m.contains("step 1 'create the plan'") && m.contains("status: expected 200, got 201"),
        "{m}"
    );
}

#[tokio::test]
async fn a_missing_field_fails_naming_the_step_and_field() {
    let server = fake_plan(json!({"id": "plan-1", "status": "running"}), 200, vec![]).await;
    let m = failure(&run_at(&server.uri(), ota_creds(), &cases(PLAN_CASE), None).await);
    assert!(
        m.contains("step 1 'create the plan'")
            && m.contains("/currentBatch")
            && m.contains("absent"),
        "{m}"
    );
}

#[tokio::test]
async fn a_wrong_type_fails_naming_both_types() {
    let server = fake_plan(
        json!({"id": 7, "status": "running", "currentBatch": 0}),
        200,
        vec![],
    )
    .await;
    let m = failure(&run_at(&server.uri(), ota_creds(), &cases(PLAN_CASE), None).await);
    assert!(
        m.contains("step 1 'create the plan'")
            && m.contains("json /id: expected a string, got a integer"),
        "{m}"
    );
}

#[tokio::test]
async fn an_illegal_transition_fails_naming_both_states_and_the_step() {
    let server = fake_plan(
        plan("running", 0),
        200,
        vec![plan("running", 0), plan("pending", 0), plan("completed", 1)],
    )
    .await;
    let m = failure(&run_at(&server.uri(), ota_creds(), &cases(PLAN_CASE), None).await);
    assert!(m.contains("step 2 'poll the plan'"), "{m}");
    assert!(
        m.contains("illegal transition of ota.plan 'plan-1': running") && m.contains("→ pending"),
        "{m}"
    );
}

#[tokio::test]
async fn a_batch_index_going_backwards_fails_naming_the_step() {
    let server = fake_plan(
        plan("running", 0),
        200,
        vec![plan("running", 2), plan("running", 1), plan("completed", 2)],
    )
    .await;
    let m = failure(&run_at(&server.uri(), ota_creds(), &cases(PLAN_CASE), None).await);
    assert!(
        m.contains("step 2 'poll the plan'") && m.contains("went backwards from 2"),
        "{m}"
    );
}

#[tokio::test]
async fn a_state_the_model_does_not_know_fails() {
    let server = fake_plan(plan("running", 0), 200, vec![plan("exploded", 0)]).await;
    let m = failure(&run_at(&server.uri(), ota_creds(), &cases(PLAN_CASE), None).await);
    assert!(
        m.contains("'exploded', which is not a state of model ota.plan"),
        "{m}"
    );
}

#[tokio::test]
async fn a_poll_that_never_ends_fails_with_the_last_value() {
    let server = fake_plan(plan("running", 0), 200, vec![]).await;
    Mock::given(method("GET"))
        .and(path("/api/v1/lifecycle/upgrade-plans/plan-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(plan("running", 0)))
        .mount(&server)
        .await;
    let m = failure(&run_at(&server.uri(), ota_creds(), &cases(PLAN_CASE), None).await);
    assert!(
        m.contains("step 2 'poll the plan'")
            && m.contains("poll: still not /status")
            && m.contains("\"running\""),
        "{m}"
    );
}

#[tokio::test]
async fn a_wrong_error_code_fails_naming_the_step() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(
            "/v3/054e292c9880d4992f02c0196d3ea468/instances/database-version/upgrade",
        ))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(
                json!({"error_code": "DBS.200001", "error_msg": "Parameter error."}),
            ),
        )
        .mount(&server)
        .await;
    let case = cases(
        r#"
vendor: taurusdb
cases:
  - name: an empty body is DBS.200006
    steps:
      - name: batch upgrade with no body
        request: {method: POST, path: /v3/054e292c9880d4992f02c0196d3ea468/instances/database-version/upgrade}
        expect: {status: 400, json: {/error_code: DBS.200006}}
"#,
    );
    let mut creds = Credentials::default();
    creds.taurusdb.token = Some("t".into());
    let m = failure(&run_at(&server.uri(), creds, &case, None).await);
    assert!(
        m.contains("step 1 'batch upgrade with no body'")
            && m.contains("expected \"DBS.200006\", got \"DBS.200001\""),
        "{m}"
    );
}

#[tokio::test]
async fn cases_that_need_the_simulator_are_skipped_elsewhere_saying_why() {
    let server = MockServer::start().await;
    let case = cases(
        r#"
cases:
  - name: needs the clock
    requires: [simulator]
    steps:
      - {name: tick, sim: {advance: 5m}}
"#,
    );
    let r = run_at(&server.uri(), Credentials::default(), &case, None).await;
    assert_eq!(r.counts(), (0, 0, 1));
    assert!(
        r.terminal(false).contains("needs the simulator"),
        "{}",
        r.terminal(false)
    );
}

#[tokio::test]
async fn the_junit_report_names_the_failing_step() {
    let server = fake_plan(plan("running", 0), 500, vec![]).await;
    let r = run_at(&server.uri(), ota_creds(), &cases(PLAN_CASE), None).await;
    let x = r.junit();
    assert!(x.contains("<failure message=\"step 1 &apos;create the plan&apos;: status: expected 200, got 500\""), "{x}");
}
