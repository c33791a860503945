//! How Unisphere shows this vendor's resources: every instance of each type served, in full
//! (`basicSystemInfo`, `system`, the software versions, the upgrade sessions, jobs, the
//! caller's login session, users). The read handlers filter these and cut them down to the
//! asked fields.

use serde_json::{json, Map, Value};

use super::config::health_value;
use super::lifecycle::Session;
use super::logins::IDLE_TIMEOUT_S;
use super::model::{unix_ms, Model};
use super::state::{TaskStatus, UpgradeStatus};
use super::wire::{format_datetime, format_interval};
use crate::kernel::Core;

/// Every instance of `type_name`, in full, with its id.
pub fn instances(
    model: &Model,
    core: &Core,
    type_name: &str,
    login: Option<usize>,
) -> Vec<(String, Map<String, Value>)> {
    let one = |v: Value| vec![("0".to_string(), v.as_object().cloned().unwrap_or_default())];
    let a = &model.array;
    match type_name {
        "basicSystemInfo" => one(json!({
            "id": "0",
            "model": a.product,
            "name": a.name,
            "softwareVersion": a.version,
            "softwareFullVersion": a.software_full_version(),
            "apiVersion": a.api_version(),
            "earliestApiVersion": "4.0",
        })),
        "system" => {
            let bad = a.unhealthy();
            let worst = a
                .components
                .values()
                .filter_map(|h| health_value(h))
                .max()
                .unwrap_or(5);
            let health = if bad.is_empty() {
                json!({"value": worst, "descriptionIds": ["ALRT_SYSTEM_OK"], "descriptions": ["The system is operating normally."]})
            } else {
                json!({
                    "value": worst,
                    "descriptionIds": ["ALRT_SYSTEM_MAJOR_FAILURE"],
                    "descriptions": [format!(
                        "The system has experienced one or more failures: {}. Check related alerts and fix the underlying problems.",
                        bad.iter().map(|(c, h)| format!("{c} is {h}")).collect::<Vec<_>>().join(", ")
                    )],
                    "resolutionIds": ["fix_problems"],
                    "resolutions": ["/help/webhelp/en_US/index.htm?#vxeuni_t_fix_underlying_problems.html"],
                })
            };
            one(json!({
                "instanceId": "root/emc:EMC_UEM_StorageSystemLeaf%Tag=00:00:00:00",
                "id": "0",
                "operationalStatus": [if bad.is_empty() { 2 } else { 3 }],
                "health": health,
                "name": a.name,
                "model": a.product,
                "serialNumber": a.serial_number,
                "licenseType": 1,
                "internalModel": "OBERON 25 DRIVE CHASSIS",
                "platform": "Oberon_DualSP",
                "macAddress": "08:00:1B:FF:EA:CD",
                "isEULAAccepted": true,
                "isUpgradeComplete": model.active_session().is_none(),
                "isAutoFailbackEnabled": true,
                "currentPower": 469,
                "avgPower": 474,
            }))
        }
        "installedSoftwareVersion" => one(json!({
            "id": "0",
            "version": a.version,
            "revision": a.build,
            "releaseDate": format_datetime(a.release_ms),
            "fullVersion": a.full_version(),
        })),
        "candidateSoftwareVersion" => model
            .candidate
            .iter()
            .map(|c| {
                let v = json!({
                    "id": c.id,
                    "version": c.version,
                    "fullVersion": c.full_version(),
                    "revision": c.build,
                    "releaseDate": format_datetime(c.release_ms),
                    "type": 0,
                    "rebootRequired": true,
                    "canPauseBeforeReboot": true,
                });
                (c.id.clone(), v.as_object().cloned().unwrap_or_default())
            })
            .collect(),
        "softwareUpgradeSession" | "upgradeSession" => model
            .sessions
            .iter()
            .map(|s| (s.id.clone(), session_content(core, s)))
            .collect(),
        "job" => model
            .jobs
            .iter()
            .map(|j| (j.id.clone(), model.job_content(core, j)))
            .collect(),
        "loginSessionInfo" => login
            .and_then(|i| model.logins.get(i))
            .map(|l| {
                let v = json!({
                    "id": l.user,
                    "domain": "local",
                    "user": {"id": format!("user_{}", l.user)},
                    "roles": [{"id": l.role}],
                    "idleTimeout": IDLE_TIMEOUT_S,
                    "isPasswordChangeRequired": false,
                });
                (l.user.clone(), v.as_object().cloned().unwrap_or_default())
            })
            .into_iter()
            .collect(),
        "user" => model
            .users
            .iter()
            .map(|u| {
                let id = format!("user_{}", u.name);
                let v = json!({"id": id, "name": u.name, "role": {"id": u.role}});
                (id, v.as_object().cloned().unwrap_or_default())
            })
            .collect(),
        other => model.inventory(core, other).unwrap_or_default(),
    }
}

/// An upgrade session as Unisphere shows it.
pub fn session_content(core: &Core, s: &Session) -> Map<String, Value> {
    session_fields(core, s, |_| true)
}

/// The attributes of an upgrade session that `wanted` names, in Unisphere's order (an
/// instance GET renders only what its `fields` ask for: without `fields`, only the id).
pub fn session_fields(
    core: &Core,
    s: &Session,
    wanted: impl Fn(&str) -> bool,
) -> Map<String, Value> {
    let now = core.now();
    let mut m = Map::new();
    if wanted("id") {
        m.insert("id".into(), json!(s.id));
    }
    if wanted("type") {
        m.insert("type".into(), json!(0));
    }
    if wanted("candidate") {
        m.insert("candidate".into(), json!({"id": s.candidate.id}));
    }
    if wanted("caption") {
        m.insert("caption".into(), json!(s.id));
    }
    if wanted("status") {
        m.insert("status".into(), json!(s.status.code()));
    }
    if wanted("messages") {
        m.insert("messages".into(), Value::Array(s.messages.clone()));
    }
    let (with_created, with_tasks) = (wanted("creationTime"), wanted("tasks"));
    if !(with_created || with_tasks || wanted("elapsedTime") || wanted("percentComplete")) {
        return m;
    }
    let created = format_datetime(unix_ms(core, s.created_at));
    if with_created {
        m.insert("creationTime".into(), json!(created));
    }
    if wanted("elapsedTime") {
        let elapsed = s.ended_at.unwrap_or(now).saturating_sub(s.created_at);
        m.insert("elapsedTime".into(), json!(format_interval(elapsed)));
    }
    if wanted("percentComplete") {
        m.insert("percentComplete".into(), json!(s.percent(now)));
    }
    if with_tasks {
        m.insert(
            "tasks".into(),
            Value::Array(session_tasks(core, s, &created)),
        );
    }
    m
}

fn session_tasks(core: &Core, s: &Session, created: &str) -> Vec<Value> {
    let now = core.now();
    s.tasks
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let est = if i == s.current
                && t.status == TaskStatus::InProgress
                && s.status == UpgradeStatus::InProgress
            {
                t.duration
                    .saturating_sub(now.saturating_sub(s.run_from))
            } else {
                t.duration
            };
            json!({
                "status": t.status.code(),
                "type": 0,
                "caption": t.caption,
                "creationTime": t.started_at.map_or(created.to_string(), |a| format_datetime(unix_ms(core, a))),
                "estRemainTime": format_interval(est),
            })
        })
        .collect()
}
