//! Alerts: what the array raises while it runs, for `GET /api/types/alert/instances` (storops'
//! `UnitySystem.get_alert()`). One alert when a component becomes unhealthy (at load, for the
//! scenario's unhealthy components, or when the timeline sets one), one when an upgrade
//! session fails (Failed, or Failed_Lock past the point of no return), and one each time an
//! upgrade reboots a storage processor (SP B at "Rebooting peer SP", SP A at "Rebooting the
//! primary SP"). Alerts stay listed, as on a real array; each is journalled as an event when
//! raised.

use serde_json::{json, Map, Value};

use super::config::health_value;
use super::model::{unix_ms, Model, VENDOR};
use super::wire::format_datetime;
use crate::kernel::{Core, Millis};

/// SeverityEnum: 1 Alert, 2 Critical, 3 Error, 4 Warning.
#[derive(Debug, Clone)]
pub struct Alert {
    pub id: String,
    pub at: Millis,
    pub severity: u8,
    /// The component as a resource reference (`{"id","resource"}`).
    pub component: Value,
    pub message_id: &'static str,
    pub message: String,
    pub arguments: Vec<String>,
    pub facility: &'static str,
    pub description_id: &'static str,
    pub description: &'static str,
    pub resolution_id: &'static str,
    pub resolution: &'static str,
}

/// The resource a scenario component is: SPs, pools and the DPE by name, others by id only.
fn component_ref(component: &str) -> Value {
    let resource = match component {
        "spa" | "spb" => Some("storageProcessor"),
        "dpe" => Some("dpe"),
        c if c.starts_with("pool_") => Some("pool"),
        c if c.starts_with("spa_") || c.starts_with("spb_") => Some("ethernetPort"),
        _ => None,
    };
    // The management ports' health is one component; the alert names the primary's port.
    if component == "mgmt_port" {
        return json!({"id": "spa_mgmt", "resource": "ethernetPort"});
    }
    match resource {
        Some(r) => json!({"id": component, "resource": r}),
        None => json!({"id": component}),
    }
}

/// The severity an unhealthy component's alert carries, by its health.
fn severity_for(health: &str) -> u8 {
    match health_value(health) {
        Some(30) => 1,
        Some(25) => 2,
        Some(20) => 3,
        _ => 4,
    }
}

impl Model {
    fn raise(&mut self, core: &mut Core, mut alert: Alert) {
        alert.id = format!("alert_{}", self.alerts.len() + 1);
        core.event(
            VENDOR,
            &format!("alert/{}", alert.id),
            json!({"severity": alert.severity, "message": alert.message}),
        );
        self.alerts.push(alert);
    }

    /// A component has become unhealthy (`health` is not OK or OK_BUT).
    pub(super) fn raise_component_alert(&mut self, core: &mut Core, component: &str, health: &str) {
        let alert = Alert {
            id: String::new(),
            at: core.now(),
            severity: severity_for(health),
            component: component_ref(component),
            message_id: "14:60001",
            message: format!(
                "The component {component} is {health}. Check the component and fix the underlying problem; an upgrade is not eligible until it is healthy."
            ),
            arguments: vec![component.to_string(), health.to_string()],
            facility: "Hardware",
            description_id: "ALRT_COMPONENT_FAULTED",
            description: "A system component has a problem. Check related alerts and fix the underlying problems.",
            resolution_id: "fix_problems",
            resolution: "/help/webhelp/en_US/index.htm?#vxeuni_t_fix_underlying_problems.html",
        };
        self.raise(core, alert);
    }

    /// An upgrade session's task reboots storage processor `sp` (`spa` or `spb`) at `at`, to
    /// install the new software: an informational alert, as the array raises for a planned
    /// reboot (storops has no recorded one; id, wording and severity are *chosen*).
    pub(super) fn raise_sp_reboot_alert(
        &mut self,
        core: &mut Core,
        session: &str,
        sp: &str,
        at: Millis,
    ) {
        let name = if sp == "spa" { "SP A" } else { "SP B" };
        let alert = Alert {
            id: String::new(),
            at,
            severity: 6,
            component: component_ref(sp),
            message_id: "14:60505",
            message: format!(
                "Storage processor {name} is rebooting to install new software (upgrade session {session}). No action is required."
            ),
            arguments: vec![name.to_string(), session.to_string()],
            facility: "UpgradeService",
            description_id: "ALRT_SP_REBOOTING",
            description: "A storage processor is rebooting as part of a software upgrade. Its peer serves its storage and the management interface meanwhile.",
            resolution_id: "no_action",
            resolution: "/help/webhelp/en_US/index.htm?#unity_t_upgrade_system_software.html",
        };
        self.raise(core, alert);
    }

    /// A license has expired (one the scenario declares with an `expires` before the start),
    /// in the recorded array's words (storops' `alert/alert_180.json`).
    pub(super) fn raise_license_alert(&mut self, core: &mut Core, license: &str) {
        let alert = Alert {
            id: String::new(),
            at: core.now(),
            severity: 2,
            component: json!({"id": license, "resource": "license"}),
            message_id: "14:170002",
            message: format!(
                "The {license} license has expired, and the storage system's support for the licensed feature has been disabled. Obtain and install a new license file to ensure support for the licensed feature."
            ),
            arguments: vec![license.to_string()],
            facility: "LicensingServices",
            description_id: "ALRT_LICENSINGSERVICES_LICENSE_EXPIRED",
            description: "One of your system licenses has expired or will expire soon. Obtain and install the license file to ensure continued access to the relevant feature.",
            resolution_id: "licnse_update",
            resolution: "/help/webhelp/en_US/index.html?#unity_t_manage_licenses.html",
        };
        self.raise(core, alert);
    }

    /// An upgrade session has failed at a task; `locked` past the point of no return.
    pub(super) fn raise_session_alert(
        &mut self,
        core: &mut Core,
        session: &str,
        text: &str,
        locked: bool,
    ) {
        let alert = Alert {
            id: String::new(),
            at: core.now(),
            severity: if locked { 2 } else { 3 },
            component: json!({"id": session, "resource": "upgradeSession"}),
            message_id: "14:6110003",
            message: format!(
                "The software upgrade {session} failed. {text}. {}",
                if locked {
                    "The system is locked until the upgrade is resumed."
                } else {
                    "Resume the upgrade to retry the task, or cancel it."
                }
            ),
            arguments: vec![session.to_string()],
            facility: "UpgradeService",
            description_id: "ALRT_UPGRADE_FAILED",
            description: "The software upgrade failed. Check the upgrade session's messages, fix the problem and resume the upgrade.",
            resolution_id: "upgrade_failed",
            resolution: "/help/webhelp/en_US/index.htm?#unity_t_upgrade_system_software.html",
        };
        self.raise(core, alert);
    }
}

/// An alert as Unisphere shows it.
pub fn alert_content(core: &Core, a: &Alert) -> Map<String, Value> {
    let v = json!({
        "instanceId": format!("root/emc:C4CB_AlertEvent%AlertID={}", a.id),
        "id": a.id,
        "component": a.component,
        "resolutionId": a.resolution_id,
        "componentFacility": a.facility,
        "timestamp": format_datetime(unix_ms(core, a.at)),
        "descriptionId": a.description_id,
        "message": a.message,
        "catalogId": "CEM-CatalogService",
        "isAcknowledged": false,
        "resolution": a.resolution,
        "severity": a.severity,
        "description": a.description,
        "arguments": a.arguments,
        "messageId": a.message_id,
    });
    v.as_object().cloned().unwrap_or_default()
}
