//! OBShell's errors in both of the real server's layouts: the 4.2.x era's
//! `{"code":<int>,"message":…}` (legacy catalogue: 1000, 1001, 1002, 1010, 10008, 2300, 2301)
//! and the current `{"code"?, "errCode":"Dotted.Name","message":…}`. Every error is built
//! once with both renderings; the scenario's profile picks one when the envelope is written.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::config::Profile;
use super::wire::{envelope, Stamp, GO_ZERO_TIME};

/// Why `utils.CheckPathValid` refused a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadPath {
    Relative,
    Pattern,
    Escapes,
}

/// The pattern as Go renders it in the message (its `\u4e00-\u9fa5` are the characters).
const PATH_PATTERN: &str = "^[a-zA-Z0-9\u{4e00}-\u{9fa5}\\-_:@/\\.]*$";

/// One rendering of an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub status: u16,
    /// The numeric code (legacy: always; current: only the few legacy numbers kept).
    pub code: Option<i64>,
    /// The dotted code (current only).
    pub err_code: Option<&'static str>,
    pub message: String,
}

/// An error a client gets, in both generations' shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObError {
    pub legacy: Layout,
    pub current: Layout,
    /// Raised before `PreHandlers` (header/body decryption): no trace id, gin's content type.
    pub early: bool,
}

impl ObError {
    /// `current`: status, errCode, kept numeric code, message; `legacy`: status, code, message.
    pub fn new(cur: (u16, &'static str, Option<i64>, String), leg: (u16, i64, String)) -> Self {
        Self {
            current: Layout {
                status: cur.0,
                code: cur.2,
                err_code: Some(cur.1),
                message: cur.3,
            },
            legacy: Layout {
                status: leg.0,
                code: Some(leg.1),
                err_code: None,
                message: leg.2,
            },
            early: false,
        }
    }

    pub fn layout(&self, p: Profile) -> &Layout {
        match p {
            Profile::Legacy => &self.legacy,
            Profile::Current => &self.current,
        }
    }

    pub fn status(&self, p: Profile) -> u16 {
        self.layout(p).status
    }

    /// The `error` object.
    pub fn body(&self, p: Profile) -> Value {
        let l = self.layout(p);
        let mut m = Map::new();
        if let Some(c) = l.code {
            m.insert("code".into(), Value::from(c));
        }
        if let Some(e) = l.err_code {
            m.insert("errCode".into(), Value::from(e));
        }
        m.insert("message".into(), Value::from(l.message.clone()));
        Value::Object(m)
    }

    /// The whole envelope.
    pub fn render(&self, p: Profile, stamp: &Stamp) -> Response {
        let mut stamp = stamp.clone();
        if self.early {
            stamp.trace_id.clear();
        }
        envelope(
            &stamp,
            self.status(p),
            None::<&Value>,
            Some(self.body(p)),
            if self.early {
                "application/json; charset=utf-8"
            } else {
                "application/json"
            },
        )
    }

    fn early(mut self) -> Self {
        self.early = true;
        self
    }

    // ---- the catalogue -------------------------------------------------------------------

    pub fn bind(detail: &str) -> Self {
        Self::new(
            (
                400,
                "Common.BindJsonFailed",
                None,
                format!("Bind JSON failed: {detail}"),
            ),
            (400, 1001, format!("Illegal argument: {detail}")),
        )
    }

    pub fn route_not_found() -> Self {
        Self::new(
            (
                404,
                "Common.NotFound",
                None,
                "Element not found: 404 not found".into(),
            ),
            (400, 1000, "Bad request: 404 not found".into()),
        )
    }

    pub fn unexpected(detail: &str) -> Self {
        Self::new(
            (
                500,
                "Common.Unexpected",
                None,
                format!("Unexpected error: {detail}"),
            ),
            (500, 1002, format!("Unexpected error: {detail}")),
        )
    }

    /// A plain Go error reaching HEAD's `buildErrorResponse` (not an `OcsAgentError`):
    /// `Common.Unexpected` with the error's own text; 4.2.x wrapped it in `ErrUnexpected`.
    pub fn plain(detail: &str) -> Self {
        Self::new(
            (500, "Common.Unexpected", None, detail.to_string()),
            (500, 1002, format!("Unexpected error: {detail}")),
        )
    }

    /// HEAD `ErrObUpgradeDepYamlMissing` (`generateUpgradeRouteList`).
    pub fn dep_yaml_missing() -> Self {
        Self::new(
            (
                500,
                "OB.Upgrade.DepYamlMissing",
                None,
                "Target package upgrade dependency YAML is empty".into(),
            ),
            (
                500,
                1002,
                "Unexpected error: target pkg upgrade dep yaml is empty".into(),
            ),
        )
    }

    /// HEAD `ErrObUpgradePathNotExist` (`FindShortestUpgradePath`).
    pub fn path_not_exist(from: &str, to: &str) -> Self {
        Self::new(
            (
                400,
                "OB.Upgrade.Path.NotExist",
                None,
                format!("Cannot find the upgrade path from the current version {from} to the target version {to}, please check the upgrade dependency YAML file"),
            ),
            (
                500,
                1002,
                "Unexpected error: Can not find the upgrade path from the current version to the target version".into(),
            ),
        )
    }

    /// HEAD `ErrObUpgradeToDeprecatedVersion`.
    pub fn deprecated_target(version: &str) -> Self {
        Self::new(
            (
                400,
                "OB.Upgrade.ToDeprecatedVersion",
                None,
                format!("Target version {version} is deprecated"),
            ),
            (
                500,
                1002,
                "Unexpected error: target version is deprecated".into(),
            ),
        )
    }

    pub fn header_not_found() -> Self {
        Self::new(
            (
                400,
                "Request.Header.NotFound",
                None,
                "X-OCS-Agent-Header or X-OCS-Header not found in http request header".into(),
            ),
            (401, 10008, "Verification failed: header not found".into()),
        )
    }

    pub fn decrypt_failed(detail: &str) -> Self {
        Self::new(
            (
                401,
                "Security.Authentication.Header.DecryptFailed",
                Some(1),
                format!("Decrypt http header failed: {detail}"),
            ),
            // 4.2.6 `api/common/middleware.go` `BodyDecrypt`: `Occurf(ErrUnauthorized, "header
            // decrypt failed")`, the cause only logged.
            (
                401,
                10008,
                "Verification failed: header decrypt failed".into(),
            ),
        )
        .early()
    }

    /// A `Verify` failure: HEAD wraps the cause in Common.Unauthorized, keeping its code;
    /// 4.2.6 (`api/common/middleware.go` `VerifyObRouters`) is `Occurf(ErrUnauthorized,
    /// err.Error())` of the cause `legacy` (`secure/auth.go` `VerifyAuth`).
    fn unauthorized(err_code: &'static str, message: String, legacy: &str) -> Self {
        Self::new(
            (
                401,
                err_code,
                Some(10008),
                format!("Unauthorized: {message}"),
            ),
            (401, 10008, format!("Verification failed: {legacy}")),
        )
    }

    /// HEAD `api/common/middleware.go` `VerifyFile` (only on `POST /api/v1/package`): the
    /// decrypted `X-OCS-File-SHA256` is not the file's SHA-256 (an absent header decrypts to
    /// ""), `Occur(ErrSecurityAuthenticationFileSha256Mismatch)`.
    pub fn file_sha256_mismatch() -> Self {
        let msg = "File SHA256 mismatch".to_string();
        Self::new(
            (
                401,
                "Security.Authentication.File.Sha256Mismatch",
                Some(10008),
                msg.clone(),
            ),
            (401, 10008, msg),
        )
    }

    /// HEAD `VerifyFile`: `WrapRetain(ErrCommonUnauthorized, Wrap(err, "decrypt file sha256
    /// failed"))` of the RSA or base64 error.
    pub fn file_sha256_undecryptable(err: &str) -> Self {
        Self::unauthorized(
            "Common.Unauthorized",
            format!("decrypt file sha256 failed: {err}"),
            err,
        )
    }

    pub fn uri_mismatch() -> Self {
        Self::unauthorized(
            "Security.Authentication.Header.UriMismatch",
            "URI mismatch".into(),
            "uri mismatch",
        )
    }

    /// 4.2.6 `VerifyTimeStamp`: `errors.New("auth expired")`.
    pub fn expired() -> Self {
        Self::unauthorized(
            "Security.Authentication.Expired",
            "Authentication expired".into(),
            "auth expired",
        )
    }

    /// 4.2.6 `VerifyTimeStamp` returns strconv's error as it is.
    pub fn bad_timestamp(ts: &str, err: &str) -> Self {
        Self::unauthorized(
            "Security.Authentication.Timestamp.Invalid",
            format!("Invalid timestamp: {ts}, err: {err}"),
            err,
        )
    }

    /// 4.2.6 `VerifyAuth` on a cluster agent (an OceanBase instance exists): the password is
    /// tried against OceanBase (`VerifyOceanbasePassword`), which answers "access denied".
    pub fn wrong_password() -> Self {
        Self::unauthorized(
            "Security.Authentication.IncorrectOceanbasePassword",
            "OceanBase password is incorrect".into(),
            "access denied",
        )
    }

    pub fn agent_password_not_set() -> Self {
        Self::new(
            (
                401,
                "Security.Authentication.AgentPasswordNotInitialized",
                Some(10008),
                "Agent password is not initialized".into(),
            ),
            (
                401,
                10008,
                "Verification failed: agent password is not initialized, use oceanbase password to verify".into(),
            ),
        )
    }

    pub fn wrong_agent_password() -> Self {
        Self::new(
            (
                401,
                "Security.Authentication.IncorrectAgentPassword",
                Some(10008),
                "Agent password is incorrect".into(),
            ),
            (
                401,
                10008,
                "Verification failed: access denied: agent password is incorrect".into(),
            ),
        )
    }

    pub fn aes_length() -> Self {
        Self::new(
            (
                500,
                "Request.Body.Decrypt.AES.ContentLength.Invalid",
                None,
                "Decrypted string length is not a multiple of the block size".into(),
            ),
            (
                500,
                1002,
                "Unexpected error: decrypted string length is not a multiple of the block size"
                    .into(),
            ),
        )
        .early()
    }

    pub fn aes_key() -> Self {
        Self::new(
            (
                500,
                "Request.Body.Decrypt.AES.KeyAndIv.Invalid",
                None,
                "AES key and IV size error".into(),
            ),
            (
                500,
                1002,
                "Unexpected error: AES key and IV size error".into(),
            ),
        )
        .early()
    }

    pub fn agent_unavailable(list: &str) -> Self {
        Self::new(
            (
                500,
                "Agent.Unavailable",
                None,
                format!("Agent {list} is not available"),
            ),
            (
                500,
                1010,
                format!("Known error: agent {list} is not available"),
            ),
        )
    }

    pub fn observer_unavailable(list: &str) -> Self {
        Self::new(
            (
                500,
                "OB.Server.Unavailable",
                None,
                format!("Observer '{list}' is not available"),
            ),
            (
                500,
                1010,
                format!("Known error: observer '{list}' is not available"),
            ),
        )
    }

    /// `utils.CheckPathValid`: HEAD's `ErrCommonInvalidPath` with its reason; 4.2.6's bare
    /// errors, wrapped in `ErrIllegalArgument`.
    pub fn invalid_path(path: &str, why: BadPath) -> Self {
        let (reason, legacy) = match why {
            BadPath::Relative => (
                "should start with '/'".to_string(),
                format!("path '{path}' should start with '/'"),
            ),
            BadPath::Pattern => (
                format!("should match pattern {PATH_PATTERN}"),
                format!("{path} is not matched"),
            ),
            BadPath::Escapes => (
                "should not lead to directory traversal issues when joined with a generated parent path".to_string(),
                format!("{path} is not a valid path"),
            ),
        };
        Self::new(
            (
                400,
                "Common.InvalidPath",
                None,
                format!("Path '{path}' is not valid: {reason}"),
            ),
            (400, 1001, format!("Illegal argument: {legacy}")),
        )
    }

    pub fn release_format(release: &str) -> Self {
        Self::new(
            (
                400,
                "Package.ReleaseFormat.Invalid",
                None,
                format!("Release format {release} is illegal"),
            ),
            (
                400,
                1001,
                format!("Illegal argument: release format {release} is illegal"),
            ),
        )
    }

    pub fn lower_version(ob: bool, target: &str, current: &str) -> Self {
        let text = format!(
            "Target version {target} is not greater than current version {current}. Please verify if the parameters have been filled out correctly"
        );
        Self::new(
            (
                400,
                if ob {
                    "OB.Upgrade.ToLowerVersion"
                } else {
                    "Agent.Upgrade.ToLowerVersion"
                },
                None,
                text.clone(),
            ),
            // 4.2.6 `upgrade_agent_check.go` `checkTargetVersionSupport`.
            (
                400,
                1001,
                format!("Illegal argument: target version {target} is not greater than current version {current}. Please verify if the params have been filled out correctly"),
            ),
        )
    }

    pub fn ob_version_unsupported(v: &str) -> Self {
        Self::new(
            (
                400,
                "Agent.OBVersionNotSupported",
                None,
                format!("Unsupported OB version '{v}', the minimum supported version is '4.2.0.0'"),
            ),
            (400, 1001, format!("Illegal argument: unsupported OB version '{v}', the minimum supported version is '4.2.0.0'")),
        )
    }

    pub fn agent_package_missing(rpm: &str) -> Self {
        Self::new(
            (
                500,
                "Agent.Package.NotFound",
                None,
                format!("Package {rpm} is not found"),
            ),
            (
                400,
                1001,
                format!("Illegal argument: [{rpm}: record not found]"),
            ),
        )
    }

    pub fn ob_packages_missing(list: &[String]) -> Self {
        let joined = list.join(" ");
        Self::new(
            (
                400,
                "OB.Package.NotExist",
                None,
                format!("These packages are missing: '[{joined}]'"),
            ),
            (
                400,
                1001,
                format!(
                    "Illegal argument: [{}]",
                    list.iter()
                        .map(|p| format!("{p}: record not found"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            ),
        )
    }

    /// Both eras echo the mode upper-cased (vendor notes §8, §9.9).
    pub fn mode_not_supported(mode_upper: &str) -> Self {
        Self::new(
            (
                400,
                "OB.Upgrade.Mode.NotSupported",
                None,
                format!("Upgrade mode '{mode_upper}' is not supported"),
            ),
            (
                500,
                1010,
                format!("Known error: upgrade mode '{mode_upper}' is not supported"),
            ),
        )
    }

    pub fn rolling_needs_three_zones() -> Self {
        Self::new(
            (
                400,
                "OB.Upgrade.UnableToRollingUpgrade",
                None,
                "Rolling upgrade requires at least 3 zones (or 2 zones for shared storage mode)"
                    .into(),
            ),
            (
                500,
                1010,
                "Known error: not support rolling upgrade when zone num is lower than 3".into(),
            ),
        )
    }

    pub fn under_maintenance(new_dag: &str, holder: &str) -> Self {
        Self::new(
            (
                500,
                "OB.Cluster.UnderMaintenanceWithDag",
                None,
                format!("Create task '{new_dag}' failed: OceanBase cluster is under maintenance by DAG: {holder}, please try again later"),
            ),
            (500, 2301, format!("Create task failed: cluster is under maintenance by dag '{holder}'")),
        )
    }

    pub fn task_not_found() -> Self {
        Self::new(
            (
                404,
                "Task.NotFound",
                None,
                "Task not found: record not found".into(),
            ),
            (404, 2300, "Task not found: record not found".into()),
        )
    }

    /// `ErrTaskNotFound` (4.2.x) / `ErrTaskNotFoundWithReason` (HEAD) with the handler's reason.
    pub fn task_not_found_because(reason: &str) -> Self {
        let msg = format!("Task not found: {reason}");
        Self::new((404, "Task.NotFound", None, msg.clone()), (404, 2300, msg))
    }

    pub fn invalid_id(id: &str, suffix: bool) -> Self {
        let msg = if suffix {
            format!("Invalid ID: {id}: invalid generic id")
        } else {
            format!("Invalid ID: {id}")
        };
        Self::new(
            (400, "Task.GenericID.Invalid", None, msg.clone()),
            (
                400,
                1001,
                format!("Illegal argument: {}", lower_first(&msg)),
            ),
        )
    }

    /// DAG/node operator refusals: `Task.Dag.Operator.<what>` and its message.
    pub fn operator(what: &'static str, message: String) -> Self {
        Self::new(
            (400, what, None, message.clone()),
            (
                500,
                1010,
                format!("Known error: {}", message.to_lowercase()),
            ),
        )
    }

    /// The real server's nil-pointer panic on `GET /task/node/{id}?show_details=false`.
    pub fn panic() -> Self {
        Self::new(
            (
                500,
                "Common.Unexpected",
                None,
                "Unexpected error: Internal Server Error".into(),
            ),
            (500, 1002, "Unexpected error: Internal Server Error".into()),
        )
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Outside a request's context (injected faults): the legacy layout, no trace, Go's zero time.
impl IntoResponse for ObError {
    fn into_response(self) -> Response {
        let stamp = Stamp {
            timestamp: GO_ZERO_TIME.into(),
            trace_id: String::new(),
        };
        self.render(Profile::Legacy, &stamp)
    }
}

/// An error with a status the caller chose (injected HTTP faults), legacy codes by status.
pub fn from_status(status: StatusCode, message: &str) -> ObError {
    let s = status.as_u16();
    let (code, err) = match s {
        400 => (1000, "Common.BadRequest"),
        401 => (10008, "Common.Unauthorized"),
        404 => (2300, "Common.NotFound"),
        429 => (1010, "Common.TooManyRequests"),
        _ => (1002, "Common.Unexpected"),
    };
    ObError::new(
        (s, err, None, message.to_string()),
        (s, code, message.to_string()),
    )
}
