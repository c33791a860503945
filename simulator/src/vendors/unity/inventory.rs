//! The resources storops users read around an upgrade, beside the upgrade itself:
//! `storageProcessor` (SP A and SP B, whose health shows each SP's reboot during an upgrade),
//! `alert`, `systemTime`, `pool`, `license`, `feature`, `mgmtInterface`, `systemCapacity`,
//! and (from `hardware`) `dpe` and `ethernetPort`. Shapes follow storops 1.2.12's recorded
//! Unity responses (`storops_test/unity/rest_data/<type>/`); health comes from the scenario's
//! components (`spa`, `spb`, `pool_*`) and the sessions' progress on virtual time; pool sizes,
//! licenses and the management address from the scenario's equipment (`equipment`); what has
//! no source in the scenario (part numbers, firmware revisions) is the recorded array's.

use serde_json::{json, Map, Value};

use super::alerts::alert_content;
use super::config::{health_value, NO_RETURN_TASK, PRIMARY_REBOOT_TASK};
use super::model::{now_unix_ms, Model};
use super::state::{TaskStatus, UpgradeStatus};
use super::wire::format_datetime;
use crate::kernel::{Core, Millis};

/// The primary SP (A) and its peer (B): (id, name, slot, serial).
const SPS: [(&str, &str, u32, &str); 2] = [
    ("spa", "SP A", 0, "CF2HF150300001"),
    ("spb", "SP B", 1, "CF2HF150500023"),
];

pub(super) fn object(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// A component's `health`: OK, or the scenario's health with what it means.
pub(super) fn component_health(health: &str) -> Value {
    match health_value(health) {
        Some(5) | None => json!({
            "value": 5,
            "descriptionIds": ["ALRT_COMPONENT_OK"],
            "descriptions": ["The component is operating normally. No action is required."],
        }),
        Some(v) => json!({
            "value": v,
            "descriptionIds": ["ALRT_COMPONENT_FAULTED"],
            "descriptions": [format!("The component is {health}. Check related alerts and fix the underlying problems.")],
            "resolutionIds": ["fix_problems"],
            "resolutions": ["/help/webhelp/en_US/index.htm?#vxeuni_t_fix_underlying_problems.html"],
        }),
    }
}

impl Model {
    /// The SP an upgrade (or a scenario reboot window) is rebooting now, by id: the peer SP B
    /// through "Rebooting peer SP", the primary SP A through "Rebooting the primary SP".
    pub fn sp_rebooting(&self, now: Millis) -> Option<&'static str> {
        let in_task = |task: usize| {
            self.sessions.iter().any(|s| {
                s.status == UpgradeStatus::InProgress
                    && s.current == task
                    && s.tasks[task].status == TaskStatus::InProgress
            })
        };
        if in_task(PRIMARY_REBOOT_TASK) || self.rebooting(now).is_some() {
            Some("spa")
        } else if in_task(NO_RETURN_TASK) {
            Some("spb")
        } else {
            None
        }
    }

    fn storage_processor(
        &self,
        now: Millis,
        (id, name, slot, serial): (&str, &str, u32, &str),
    ) -> Map<String, Value> {
        let health = self.array.components.get(id).map_or("OK", String::as_str);
        let rebooting = self.sp_rebooting(now) == Some(id);
        let (health, status) = if rebooting {
            (
                json!({
                    "value": 10,
                    "descriptionIds": ["ALRT_SP_REBOOTING"],
                    "descriptions": [format!("{name} is rebooting to install new software. No action is required.")],
                }),
                json!([8]),
            )
        } else {
            let ok = matches!(health_value(health), Some(5 | 7) | None);
            (component_health(health), json!([if ok { 2 } else { 3 }]))
        };
        object(json!({
            "instanceId": format!("root/emc:EMC_UEM_StorageProcessorLeaf%Tag=06:00:00:00:05:00:00:00:0{slot}:00:00:00:00:00:00:02"),
            "id": id,
            "parent": {"id": "dpe", "resource": "dpe"},
            "health": health,
            "operationalStatus": status,
            "needsReplacement": false,
            "isRescueMode": false,
            "model": "OBERON CANISTER 10C 105W 2.6G",
            "slotNumber": slot,
            "name": name,
            "emcPartNumber": "110-297-008C-04",
            "emcSerialNumber": serial,
            "manufacturer": "",
            "vendorPartNumber": "",
            "vendorSerialNumber": "",
            "sasExpanderVersion": "2.7.1",
            "biosFirmwareRevision": "30.89",
            "postFirmwareRevision": "21.2",
            "memorySize": 65536,
            "parentDpe": {"id": "dpe"},
        }))
    }

    /// The scenario's pools, with the health of the component of the same id.
    fn pools(&self, core: &Core) -> Vec<(String, Map<String, Value>)> {
        self.settings
            .equipment
            .pools
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let c = &p.id;
                let h = self.array.components.get(c).map_or("OK", String::as_str);
                let (total, used, subscribed) = (p.total, p.used, p.subscribed);
                let ok = matches!(health_value(h), Some(5 | 7));
                let v = json!({
                    "instanceId": format!("root/emc:EMC_UEM_MappedStoragePoolLeaf%InstanceID={c}"),
                    "id": c,
                    "objectId": 12_884_901_890_u64 + i as u64,
                    "health": component_health(h),
                    "name": p.name,
                    "operationalStatus": [if ok { 2 } else { 3 }],
                    "description": "",
                    "raidType": 12,
                    "sizeFree": total.saturating_sub(used),
                    "sizeTotal": total,
                    "sizeUsed": used,
                    "sizeSubscribed": subscribed,
                    "alertThreshold": 70,
                    "isFASTCacheEnabled": false,
                    "creationTime": format_datetime(core.clock.datetime_at(0).timestamp_millis() - 400 * 86_400_000),
                    "isEmpty": false,
                    "isHarvestEnabled": true,
                    "harvestState": 0,
                    "isSnapHarvestEnabled": false,
                    "type": 1,
                    "isAllFlash": true,
                });
                (c.clone(), object(v))
            })
            .collect()
    }

    fn system_capacity(&self, core: &Core) -> Map<String, Value> {
        let pools = self.pools(core);
        let sum = |k: &str| pools.iter().filter_map(|(_, p)| p[k].as_u64()).sum::<u64>();
        let (total, used, free) = (sum("sizeTotal"), sum("sizeUsed"), sum("sizeFree"));
        object(json!({
            "instanceId": "root/emc:EMC_UIS_UEM_SystemCapacityLeaf.InstanceID=1",
            "id": "0",
            "sizeFree": free,
            "sizeTotal": total,
            "sizeUsed": used,
            "compressionSizeSaved": 0,
            "compressionPercent": 0,
            "compressionRatio": 1,
            "dataReductionSizeSaved": 0,
            "dataReductionPercent": 0,
            "dataReductionRatio": 1,
            "sizeSubscribed": sum("sizeSubscribed"),
            "tiers": [
                {"tierType": 10, "sizeFree": free, "sizeTotal": total, "sizeUsed": used},
                {"tierType": 20, "sizeFree": 0, "sizeTotal": 0, "sizeUsed": 0},
                {"tierType": 30, "sizeFree": 0, "sizeTotal": 0, "sizeUsed": 0},
            ],
        }))
    }

    /// The scenario's licenses: valid until they expire (a permanent one has no `expires`),
    /// issued with the installed software.
    fn licenses(&self, core: &Core) -> Vec<(String, Map<String, Value>)> {
        let now = now_unix_ms(core);
        let issued = format_datetime(self.array.release_ms);
        self.settings
            .equipment
            .licenses
            .iter()
            .map(|l| {
                let mut m = object(json!({
                    "isValid": l.expires_ms.is_none_or(|e| now < e),
                    "version": "1.0",
                    "issued": issued,
                    "feature": {"id": l.name},
                    "isInstalled": true,
                    "id": l.name,
                    "name": l.name,
                    "isPermanent": l.expires_ms.is_none(),
                }));
                if let Some(e) = l.expires_ms {
                    m.insert("expires".into(), json!(format_datetime(e)));
                }
                (l.name.clone(), m)
            })
            .collect()
    }

    /// One feature per license: enabled (2) while the license is valid, else disabled (1)
    /// with reason 2, FeatureReasonExpiredLicense.
    fn features(&self, core: &Core) -> Vec<(String, Map<String, Value>)> {
        let now = now_unix_ms(core);
        self.settings
            .equipment
            .licenses
            .iter()
            .map(|l| {
                let mut m = object(
                    json!({"name": l.name, "id": l.name, "license": {"id": l.name}, "state": 2}),
                );
                if l.expires_ms.is_some_and(|e| now >= e) {
                    m.insert("state".into(), json!(1));
                    m.insert("reason".into(), json!(2));
                }
                (l.name.clone(), m)
            })
            .collect()
    }

    /// Every instance of one of this module's types, with its id; `None` for another type.
    pub fn inventory(
        &self,
        core: &Core,
        type_name: &str,
    ) -> Option<Vec<(String, Map<String, Value>)>> {
        let now = core.now();
        let with_id = |m: Map<String, Value>| {
            let id = m
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            (id, m)
        };
        Some(match type_name {
            "storageProcessor" => SPS
                .iter()
                .map(|sp| with_id(self.storage_processor(now, *sp)))
                .collect(),
            "alert" => self
                .alerts
                .iter()
                .map(|a| with_id(alert_content(core, a)))
                .collect(),
            "systemTime" => vec![with_id(object(json!({
                "instanceId": "root/emc:EMC_DateTime%InstanceID=DateTime",
                "id": "0",
                "time": format_datetime(core.clock.datetime().timestamp_millis()),
            })))],
            "pool" => self.pools(core),
            "systemCapacity" => vec![with_id(self.system_capacity(core))],
            "license" => self.licenses(core),
            "feature" => self.features(core),
            "dpe" => vec![with_id(self.dpe())],
            "ethernetPort" => self.ethernet_ports(now).into_iter().map(with_id).collect(),
            "mgmtInterface" => {
                // The management address moves to SP B while SP A reboots.
                let port = if self.sp_rebooting(now) == Some("spa") {
                    "spb_mgmt"
                } else {
                    "spa_mgmt"
                };
                let [ip, netmask, gateway] = self.settings.equipment.mgmt;
                vec![with_id(object(json!({
                    "instanceId": "root/emc:EMC_UEM_MgmtInterfaceLeaf%InstanceID=if_41",
                    "id": "mgmt_ipv4",
                    "ethernetPort": {"id": port},
                    "ipAddress": ip.to_string(),
                    "protocolVersion": 4,
                    "gateway": gateway.to_string(),
                    "netmask": netmask.to_string(),
                    "configMode": 1,
                })))]
            }
            _ => return None,
        })
    }
}
