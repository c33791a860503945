//! The built-in models and endpoint lists, one block per API, each citing the doc or vendor
//! note it was written from. Where the docs are silent the choice is marked "(inferred)".

use super::Model;

/// Every built-in model, built (and its trigger patterns compiled) once per process: the
/// runner asks for them on every answer it checks.
pub fn all() -> &'static [Model] {
    static ALL: std::sync::LazyLock<Vec<Model>> = std::sync::LazyLock::new(build_all);
    &ALL
}

fn build_all() -> Vec<Model> {
    vec![
        obshell_dag(),
        obshell_node(),
        obshell_sub_task(),
        ota_plan(),
        ota_batch(),
        ota_task(),
        taurusdb_job(),
        taurusdb_instance(),
        unity_session(),
        unity_task(),
        unity_job(),
    ]
}

/// The model called `name`.
pub fn get(name: &str) -> Option<&'static Model> {
    all().iter().find(|m| m.name == name)
}

const DAG_OP: &str = r"^/api/v1/task/dag/[^/]+$";
const NODE_OP: &str = r"^/api/v1/task/node/[^/]+$";

/// OBShell DAG, observed as `state/operator` (`/data/state` and `/data/operator`).
/// Vendor notes obshell.md §6: created READY/RUN, RUNNING on the first tick, SUCCEED or
/// FAILED; RETRY → READY with operator RUN; ROLLBACK → READY/ROLLBACK … SUCCEED/ROLLBACK;
/// CANCEL (READY/RUNNING only) → READY/CANCEL … FAILED/CANCEL; PASS (FAILED only) →
/// SUCCEED/PASS; a node PASS puts the DAG back to READY/RUN.
fn obshell_dag() -> Model {
    Model::parse(
        "obshell.dag",
        "an OBShell DAG's `state/operator` (GET /api/v1/task/dag/{id})",
        "vendor-notes/obshell.md §5, §6; api-docs obshell-upgrade-*.md",
        &["READY/RUN"],
        "
        READY/RUN -> RUNNING/RUN
        RUNNING/RUN -> SUCCEED/RUN, FAILED/RUN
        FAILED/RUN, FAILED/ROLLBACK, FAILED/CANCEL -> READY/RUN : retry|pass
        FAILED/RUN, FAILED/ROLLBACK, FAILED/CANCEL -> READY/ROLLBACK : rollback
        READY/ROLLBACK -> RUNNING/ROLLBACK
        RUNNING/ROLLBACK -> SUCCEED/ROLLBACK, FAILED/ROLLBACK
        READY/RUN, RUNNING/RUN, READY/ROLLBACK, RUNNING/ROLLBACK -> READY/CANCEL : cancel
        READY/CANCEL -> RUNNING/CANCEL, FAILED/CANCEL
        RUNNING/CANCEL -> FAILED/CANCEL
        FAILED/RUN, FAILED/ROLLBACK, FAILED/CANCEL -> SUCCEED/PASS : pass
        ",
    )
    .trigger("POST", DAG_OP, None, Some("operator"))
    .trigger("POST", NODE_OP, None, Some("operator"))
}

/// OBShell DAG node, observed as `state/operator` (`/data/nodes/*`).
/// obshell.md §6: PENDING → RUNNING → SUCCEED | FAILED; RETRY puts the failed node to
/// PENDING/RETRY; ROLLBACK puts finished nodes to PENDING/ROLLBACK and runs them downward;
/// CANCEL puts the current node to PENDING/CANCEL and the DAG ends FAILED/CANCEL; PASS marks
/// the non-succeeded nodes SUCCEED/PASS.
fn obshell_node() -> Model {
    Model::parse(
        "obshell.node",
        "an OBShell DAG node's `state/operator`",
        "vendor-notes/obshell.md §6",
        &["PENDING/RUN"],
        "
        PENDING/RUN -> RUNNING/RUN
        RUNNING/RUN -> SUCCEED/RUN, FAILED/RUN
        FAILED/RUN, FAILED/RETRY, FAILED/CANCEL, FAILED/ROLLBACK -> PENDING/RETRY : retry
        PENDING/RETRY -> RUNNING/RETRY
        RUNNING/RETRY -> SUCCEED/RETRY, FAILED/RETRY
        SUCCEED/RUN, SUCCEED/RETRY, FAILED/RUN, FAILED/RETRY, FAILED/CANCEL, FAILED/ROLLBACK -> PENDING/ROLLBACK : rollback
        PENDING/ROLLBACK -> RUNNING/ROLLBACK
        RUNNING/ROLLBACK -> SUCCEED/ROLLBACK, FAILED/ROLLBACK
        PENDING/RUN, RUNNING/RUN, PENDING/RETRY, RUNNING/RETRY, PENDING/ROLLBACK, RUNNING/ROLLBACK -> PENDING/CANCEL : cancel
        PENDING/CANCEL -> FAILED/CANCEL, RUNNING/CANCEL
        RUNNING/CANCEL -> FAILED/CANCEL
        PENDING/RUN, FAILED/RUN, FAILED/RETRY, FAILED/CANCEL, FAILED/ROLLBACK, PENDING/CANCEL -> SUCCEED/PASS : pass
        ",
    )
    .trigger("POST", DAG_OP, None, Some("operator"))
    .trigger("POST", NODE_OP, None, Some("operator"))
}

/// OBShell sub task (`/data/nodes/*/sub_tasks/*/state`, or GET /api/v1/task/sub_task/{id}).
/// obshell.md §6: PENDING → READY → RUNNING → SUCCEED | FAILED; operators reset it to PENDING
/// (retry, rollback, cancel) or mark it SUCCEED (pass).
fn obshell_sub_task() -> Model {
    Model::parse(
        "obshell.sub_task",
        "an OBShell sub task's `state`",
        "vendor-notes/obshell.md §5, §6",
        &["PENDING"],
        "
        PENDING -> READY
        READY -> RUNNING
        RUNNING -> SUCCEED, FAILED
        FAILED -> PENDING : retry|rollback|cancel
        SUCCEED -> PENDING : rollback
        PENDING, READY, RUNNING -> FAILED : cancel
        PENDING, READY, FAILED -> SUCCEED : pass
        ",
    )
    .trigger("POST", DAG_OP, None, Some("operator"))
    .trigger("POST", NODE_OP, None, Some("operator"))
}

const PLAN_OP: &str = r"^/api/v1/lifecycle/upgrade-plans/[^/]+/";

fn with_plan_ops(m: Model) -> Model {
    m.trigger("POST", &format!("{PLAN_OP}pause$"), Some("pause"), None)
        .trigger("POST", &format!("{PLAN_OP}resume$"), Some("resume"), None)
        .trigger("POST", &format!("{PLAN_OP}cancel$"), Some("cancel"), None)
        .trigger("POST", &format!("{PLAN_OP}retry$"), Some("retry"), None)
}

/// OTA graduated plan (`/status`). api-docs ota-create-graduated-plan.md (statuses "running",
/// "completed"; pausedAt/pauseReason "Failure threshold exceeded") and issue 3: batch after
/// batch; auto-pause when failures exceed the threshold; resume continues; cancel ends it;
/// completed when all batches are done. A retry creates a *new* plan, so the old one does not
/// move. "pending" before the first batch starts (inferred).
fn ota_plan() -> Model {
    with_plan_ops(Model::parse(
        "ota.plan",
        "an OTA graduated plan's `status`",
        "api-docs/ota-create-graduated-plan.md; issue 3",
        &["pending", "running"],
        "
        pending -> running
        running -> completed
        running -> paused : auto|pause
        pending -> paused : pause
        paused -> running : resume
        pending, running, paused -> cancelled : cancel
        running -> failed
        ",
    ))
}

/// OTA batch (`/batches/*/status`): pending → running → (observing →) completed, or failed
/// when its failures passed the threshold; a paused plan pauses its running batch (inferred);
/// cancel cancels batches that have not finished.
fn ota_batch() -> Model {
    with_plan_ops(Model::parse(
        "ota.batch",
        "an OTA plan batch's `status`",
        "api-docs/ota-create-graduated-plan.md (batch status example \"completed\"); issue 3",
        &["pending", "running"],
        "
        pending -> running
        running -> observing, completed, failed
        observing -> completed, failed
        running -> paused : auto|pause
        paused -> running : resume
        paused -> observing, completed : resume
        pending, running, observing, paused -> cancelled : cancel
        ",
    ))
}

/// OTA task (`/batches/*/tasks/*/status`): issue 3 "each task pending → running → succeeded |
/// failed"; cancel stops tasks that have not started (inferred).
fn ota_task() -> Model {
    with_plan_ops(Model::parse(
        "ota.task",
        "an OTA plan task's `status`",
        "api-docs/ota-create-graduated-plan.md (task status example \"running\"); issue 3",
        &["pending", "running"],
        "
        pending -> running
        running -> succeeded, failed
        pending -> cancelled : cancel
        running -> cancelled : cancel
        ",
    ))
}

/// TaurusDB job (`/job/status` of GET /v3/{project_id}/jobs?id=, or immediate/scheduled job
/// lists): SDK 3.1.219 lists Pending, Running, Completed, Failed; the zh doc adds Canceled
/// (taurusdb.md §3). Terraform waits Pending/Running → Completed. A scheduled (delayed) job is
/// cancelled through DELETE /scheduled-jobs.
fn taurusdb_job() -> Model {
    Model::parse(
        "taurusdb.job",
        "a TaurusDB job's `status`",
        "vendor-notes/taurusdb.md §2, §3",
        &["Pending", "Running"],
        "
        Pending -> Running
        Running -> Completed, Failed
        Pending -> Failed
        Pending -> Canceled : cancel
        ",
    )
    .trigger(
        "DELETE",
        r"^/v3/[^/]+/scheduled-jobs$",
        Some("cancel"),
        None,
    )
}

/// TaurusDB instance (`/instance/status`, v3): ACTIVE while serving; the API has no documented
/// "upgrading" string (taurusdb.md §3, §8.6), so any of the documented busy values
/// (MODIFYING, REBOOTING, SWITCHOVER) or UPGRADING may show while it upgrades; it returns to
/// ACTIVE, or ends FAILED.
fn taurusdb_instance() -> Model {
    Model::parse(
        "taurusdb.instance",
        "a TaurusDB instance's v3 `status`",
        "vendor-notes/taurusdb.md §3",
        &["ACTIVE", "FAILED", "FROZEN", "BUILD"],
        "
        BUILD -> ACTIVE
        ACTIVE -> UPGRADING, MODIFYING, REBOOTING, SWITCHOVER, FAILED, FROZEN
        UPGRADING, MODIFYING, REBOOTING, SWITCHOVER -> ACTIVE, FAILED, FROZEN, UPGRADING, MODIFYING, REBOOTING, SWITCHOVER
        FAILED, FROZEN -> ACTIVE
        ",
    )
}

const UNITY_SESSION_OP: &str = r"^/api/instances/(software)?[uU]pgradeSession/[^/]+/action/";

fn with_session_ops(m: Model) -> Model {
    m.trigger(
        "POST",
        &format!("{UNITY_SESSION_OP}resume$"),
        Some("resume"),
        None,
    )
    .trigger(
        "POST",
        &format!("{UNITY_SESSION_OP}cancel$"),
        Some("cancel"),
        None,
    )
    .trigger(
        "POST",
        &format!("{UNITY_SESSION_OP}acknowledge$"),
        Some("acknowledge"),
        None,
    )
}

/// Unity upgrade session (`/content/status`, UpgradeStatusEnum as ints). api-docs
/// unity-software-upgrade-session.md: Resume "a session that is currently in paused, failed,
/// or failed_lock state"; unity.md §6: Cancel (upgradeSession) from paused or failed,
/// Acknowledge a successful or cancelled upgrade; pauseBeforeReboot stops in Paused;
/// Paused_Lock is "paused past the point of cancellation"; Waiting_For_User waits for the user.
fn unity_session() -> Model {
    with_session_ops(Model::parse(
        "unity.session",
        "a Unity upgrade session's `status` (0..9)",
        "api-docs/unity-software-upgrade-session.md; vendor-notes/unity.md §6",
        &["0", "1"],
        "
        0 -> 1
        1 -> 2, 3, 4, 6, 8, 9
        6, 3, 4 -> 1 : resume
        9 -> 1
        8 -> 1 : resume|acknowledge
        0, 6, 3 -> 5 : cancel
        2, 5 -> 7 : acknowledge
        ",
    ))
}

/// Unity upgrade task (`/content/tasks/*/status`): tasks reuse UpgradeStatusEnum 0, 1 and 2
/// (unity.md §6, the real 5.3 sample); a failing task shows 3 or 4 and the paused point 6
/// (inferred); resume puts it back in progress.
fn unity_task() -> Model {
    with_session_ops(Model::parse(
        "unity.task",
        "a Unity upgrade task's `status`",
        "vendor-notes/unity.md §6",
        &["0", "1", "2"],
        "
        0 -> 1, 2
        1 -> 2, 3, 4, 6, 8, 9
        0 -> 6, 8, 9
        3, 4, 6 -> 1, 2 : resume
        9 -> 1, 2
        8 -> 1, 2 : resume|acknowledge
        0, 1, 3, 6 -> 5 : cancel
        ",
    ))
}

/// Unity async job (`state`, JobStateEnum as ints: 1 Queued, 2 Running, 3 Suspended,
/// 4 Completed, 5 Failed, 6 Rolling Back, 7 Completed with Error), the 202 answer of a
/// request sent with `?timeout=0` and `GET /api/instances/job/{id}` after it. The enum is
/// storops' `JobStateEnum` (storops/unity/enums.py) and vendor-notes/unity.md "Jobs"; the
/// Programmer's Guide says a job is polled until it finishes. The edges are inferred: a
/// queued job runs, a running one finishes, is suspended (and runs again) or rolls back to
/// Failed; 4, 5 and 7 are final.
fn unity_job() -> Model {
    Model::parse(
        "unity.job",
        "a Unity async job's `state` (JobStateEnum 1..7)",
        "storops/unity/enums.py JobStateEnum; vendor-notes/unity.md §6 Jobs",
        &["1", "2"],
        "
        1 -> 2
        2 -> 3, 4, 5, 6, 7
        3 -> 2
        6 -> 5
        ",
    )
}

/// One documented endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub vendor: &'static str,
    pub method: &'static str,
    /// The path with `{param}` placeholders.
    pub template: &'static str,
}

impl Endpoint {
    /// Whether a request's method and path (no query) hit this endpoint.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if !self.method.eq_ignore_ascii_case(method) {
            return false;
        }
        let want: Vec<&str> = self.template.trim_matches('/').split('/').collect();
        let got: Vec<&str> = path.trim_matches('/').split('/').collect();
        want.len() == got.len()
            && want
                .iter()
                .zip(&got)
                .all(|(w, g)| (w.starts_with('{') && !g.is_empty()) || w == g)
    }
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

/// The documented endpoints of every API (docs and vendor notes; companions from the issues),
/// listed once per process.
pub fn endpoints() -> &'static [Endpoint] {
    static ALL: std::sync::LazyLock<Vec<Endpoint>> = std::sync::LazyLock::new(build_endpoints);
    &ALL
}

fn build_endpoints() -> Vec<Endpoint> {
    let e = |vendor, method, template| Endpoint {
        vendor,
        method,
        template,
    };
    vec![
        // OBShell: api-docs obshell-upgrade-*.md; obshell.md §2.
        e("obshell", "GET", "/api/v1/info"),
        e("obshell", "GET", "/api/v1/status"),
        e("obshell", "GET", "/api/v1/secret"),
        e("obshell", "POST", "/api/v1/agent/upgrade"),
        e("obshell", "POST", "/api/v1/agent/upgrade/check"),
        e("obshell", "POST", "/api/v1/ob/upgrade"),
        e("obshell", "POST", "/api/v1/ob/upgrade/check"),
        e("obshell", "POST", "/api/v1/upgrade/package"),
        e("obshell", "GET", "/api/v1/task/dag/{id}"),
        e("obshell", "POST", "/api/v1/task/dag/{id}"),
        e("obshell", "GET", "/api/v1/task/node/{id}"),
        e("obshell", "POST", "/api/v1/task/node/{id}"),
        e("obshell", "GET", "/api/v1/task/sub_task/{id}"),
        e("obshell", "GET", "/api/v1/task/dag/maintain/agent"),
        e("obshell", "GET", "/api/v1/task/dag/maintain/ob"),
        e("obshell", "GET", "/api/v1/task/dag/unfinish"),
        // OTA: api-docs ota-create-graduated-plan.md; companions from issue 3.
        e("ota", "POST", "/api/v1/lifecycle/upgrade-plans"),
        e("ota", "GET", "/api/v1/lifecycle/upgrade-plans"),
        e("ota", "GET", "/api/v1/lifecycle/upgrade-plans/{id}"),
        e("ota", "POST", "/api/v1/lifecycle/upgrade-plans/{id}/pause"),
        e("ota", "POST", "/api/v1/lifecycle/upgrade-plans/{id}/resume"),
        e("ota", "POST", "/api/v1/lifecycle/upgrade-plans/{id}/cancel"),
        e("ota", "POST", "/api/v1/lifecycle/upgrade-plans/{id}/retry"),
        e("ota", "GET", "/api/v1/lifecycle/agents"),
        e("ota", "GET", "/api/v1/lifecycle/agents/{id}"),
        // TaurusDB: api-docs taurusdb-batch-minor-upgrade.md; taurusdb.md §1.
        e(
            "taurusdb",
            "POST",
            "/v3/{project_id}/instances/database-version/upgrade",
        ),
        e(
            "taurusdb",
            "POST",
            "/v3/{project_id}/instances/{instance_id}/db-upgrade",
        ),
        e(
            "taurusdb",
            "GET",
            "/v3/{project_id}/instances/{instance_id}",
        ),
        e(
            "taurusdb",
            "GET",
            "/v3.1/{project_id}/instances/{instance_id}",
        ),
        e("taurusdb", "GET", "/v3/{project_id}/instances"),
        e("taurusdb", "GET", "/v3.1/{project_id}/instances"),
        e("taurusdb", "GET", "/v3/{project_id}/jobs"),
        e("taurusdb", "GET", "/v3/{project_id}/immediate-jobs"),
        e("taurusdb", "GET", "/v3/{project_id}/scheduled-jobs"),
        e("taurusdb", "DELETE", "/v3/{project_id}/scheduled-jobs"),
        e(
            "taurusdb",
            "GET",
            "/v3/{project_id}/instances/{instance_id}/database-version",
        ),
        e(
            "taurusdb",
            "GET",
            "/v3/{project_id}/datastores/{database_name}",
        ),
        e(
            "taurusdb",
            "POST",
            "/v3/{project_id}/instances/database-version/upgrade/pre-check",
        ),
        e(
            "taurusdb",
            "POST",
            "/v3/{project_id}/instances/database-version/upgrade/pre-check-result",
        ),
        // Unity: api-docs unity-software-upgrade-session.md; unity.md §2, §6.
        e(
            "unity",
            "GET",
            "/api/types/softwareUpgradeSession/instances",
        ),
        e("unity", "GET", "/api/instances/softwareUpgradeSession/{id}"),
        e(
            "unity",
            "POST",
            "/api/types/softwareUpgradeSession/instances",
        ),
        e(
            "unity",
            "POST",
            "/api/types/softwareUpgradeSession/action/verifyUpgradeEligibility",
        ),
        e(
            "unity",
            "POST",
            "/api/instances/softwareUpgradeSession/{id}/action/resume",
        ),
        e("unity", "GET", "/api/types/upgradeSession/instances"),
        e("unity", "GET", "/api/instances/upgradeSession/{id}"),
        e(
            "unity",
            "POST",
            "/api/instances/upgradeSession/{id}/action/cancel",
        ),
        e(
            "unity",
            "POST",
            "/api/instances/upgradeSession/{id}/action/acknowledge",
        ),
        e(
            "unity",
            "GET",
            "/api/types/candidateSoftwareVersion/instances",
        ),
        e(
            "unity",
            "POST",
            "/upload/files/types/candidateSoftwareVersion",
        ),
        e("unity", "GET", "/api/types/basicSystemInfo/instances"),
        e("unity", "GET", "/api/instances/system/0"),
        e("unity", "GET", "/api/types/user/instances"),
        e("unity", "GET", "/api/types/loginSessionInfo/instances"),
        e("unity", "POST", "/api/types/loginSessionInfo/action/logout"),
        e("unity", "GET", "/api/instances/job/{id}"),
    ]
}
