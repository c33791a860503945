//! The enclosure and the ports, as storops' `UnitySystem.get_dpe()` and
//! `get_ethernet_port()` read them: `dpe` (the one disk processor enclosure, holding both SPs)
//! and `ethernetPort` (each SP's ports from `unity.array.ethernet_ports`, then its management
//! port). Shapes follow storops 1.2.12's recorded `dpe/dpe.json` and
//! `ethernetPort/{spa_eth3,spb_mgmt}.json`; health comes from the scenario's components (`dpe`,
//! a port's id, `mgmt_port` for the management ports), and while an SP reboots its ports are
//! down (*chosen*: the links drop with the SP).

use serde_json::{json, Map, Value};

use super::config::health_value;
use super::equipment::PortConfig;
use super::inventory::{component_health, object};
use super::model::Model;
use crate::kernel::Millis;

/// The SPs by id, with their names and slots.
pub const SP_NAMES: [(&str, &str, u32); 2] = [("spa", "SP A", 0), ("spb", "SP B", 1)];

/// EthernetPortStatusEnum: OK, Link Up, Link Down (not in use).
const OK: u32 = 2;
const LINK_UP: u32 = 32784;
const LINK_DOWN: u32 = 32785;

/// A port's `health`: the scenario component's if unhealthy; else link up or down.
fn port_health(component: Option<&str>, up: bool, rebooting: Option<&str>) -> Value {
    if let Some(sp) = rebooting {
        return json!({
            "value": 10,
            "descriptionIds": ["ALRT_PORT_LINK_DOWN_SP_REBOOTING"],
            "descriptions": [format!("The port link is down while {sp} reboots. No action is required.")],
        });
    }
    match component {
        Some(h) if !matches!(health_value(h), Some(5) | None) => component_health(h),
        _ if up => json!({
            "value": 5,
            "descriptionIds": ["ALRT_PORT_LINK_UP"],
            "descriptions": ["The port is operating normally."],
        }),
        _ => json!({
            "value": 5,
            "descriptionIds": ["ALRT_PORT_LINK_DOWN_NOT_IN_USE"],
            "descriptions": ["The port link is down, but not in use. No action is required."],
        }),
    }
}

impl Model {
    /// The disk processor enclosure.
    pub(super) fn dpe(&self) -> Map<String, Value> {
        let d = &self.settings.equipment.dpe;
        let health = self
            .array
            .components
            .get("dpe")
            .map_or("OK", String::as_str);
        let ok = matches!(health_value(health), Some(5 | 7) | None);
        object(json!({
            "instanceId": "root/emc:EMC_UEM_DiskProcessorEnclosureLeaf%Tag=06:00:00:00:05:00:00:00:00:00:00:00:00:00:00:01",
            "id": "dpe",
            "operationalStatus": [if ok { 2 } else { 3 }],
            "health": component_health(health),
            "needsReplacement": false,
            "parent": {"id": "0", "resource": "system"},
            "slotNumber": 0,
            "name": "DPE",
            "manufacturer": "",
            "model": d.model,
            "emcPartNumber": "100-542-901-05",
            "emcSerialNumber": d.serial_number,
            "vendorPartNumber": "",
            "vendorSerialNumber": "",
            "enclosureType": 36,
            "busId": 0,
            "driveTypes": [5, 11],
            "currentPower": 429,
            "avgPower": 397,
            "maxPower": 429,
            "currentTemperature": 26,
            "avgTemperature": 26,
            "maxTemperature": 26,
            "currentSpeed": 12_000_000_000_u64,
            "maxSpeed": 12_000_000_000_u64,
            "parentSystem": {"id": "0"},
        }))
    }

    /// Every SP's Ethernet ports, then its management port, SP A first.
    pub(super) fn ethernet_ports(&self, now: Millis) -> Vec<Map<String, Value>> {
        let rebooting = self.sp_rebooting(now);
        let mgmt = PortConfig {
            port: 0,
            speed: 1000,
            mtu: 1500,
            link_up: true,
        };
        let mut out = Vec::new();
        for (sp, sp_name, slot) in SP_NAMES {
            let down = (rebooting == Some(sp)).then_some(sp_name);
            for p in &self.settings.equipment.ports {
                out.push(self.port(p, (sp, sp_name, slot), false, down));
            }
            out.push(self.port(&mgmt, (sp, sp_name, slot), true, down));
        }
        out
    }

    fn port(
        &self,
        p: &PortConfig,
        (sp, sp_name, slot): (&str, &str, u32),
        is_mgmt: bool,
        rebooting: Option<&str>,
    ) -> Map<String, Value> {
        let (id, short, device) = if is_mgmt {
            (
                format!("{sp}_mgmt"),
                "Management Port".to_string(),
                "mgmt".to_string(),
            )
        } else {
            let n = p.port;
            (
                format!("{sp}_eth{n}"),
                format!("Ethernet Port {n}"),
                format!("eth{n}"),
            )
        };
        let component = if is_mgmt { "mgmt_port" } else { id.as_str() };
        let component = self.array.components.get(component).map(String::as_str);
        let up = p.link_up && rebooting.is_none();
        let mut m = object(json!({
            "instanceId": if is_mgmt {
                format!("root/emc:EMC_UEM_ManagementPortLeaf%Tag=00:00:0{slot}:00")
            } else {
                format!("root/emc:EMC_UEM_EthernetPortLeaf%Tag={:02}:00:00:0{}", p.port, slot + 1)
            },
            "id": id,
            "operationalStatus": if is_mgmt { json!([if up { LINK_UP } else { LINK_DOWN }]) } else { json!([OK, if up { LINK_UP } else { LINK_DOWN }]) },
            "health": port_health(component, up, rebooting),
            "storageProcessor": {"id": sp},
            "needsReplacement": false,
            "name": format!("{sp_name} {short}"),
            "portNumber": p.port,
            "mtu": p.mtu,
            "connectorType": 1,
            "bond": false,
            "isLinkUp": up,
            "macAddress": if is_mgmt { format!("08:00:1B:FF:16:F{}", 8 + slot) } else { format!("00:60:16:5C:0{}:{:02X}", 5 + 2 * slot, p.port) },
            "isRSSCapable": false,
            "isRDMACapable": false,
            "requestedSpeed": 0,
            "parentStorageProcessor": {"id": sp},
            "supportedSpeeds": if is_mgmt { json!([1000, 10, 100, 0]) } else { json!([1000, 10_000, 100, 0]) },
            "requestedMtu": if is_mgmt { 0 } else { p.mtu },
            "supportedMtus": if is_mgmt { json!([1500]) } else { json!([1500, 9000]) },
            "shortName": short,
            "cascadeNames": [short, sp_name],
            "linuxDeviceName": device,
            "parent": {"id": sp, "resource": "storageProcessor"},
            "sfpSupportedSpeeds": [],
            "sfpSupportedProtocols": [],
        }));
        // A port without link has no speed, as the recorded spa_eth3 shows.
        if up {
            m.insert("speed".into(), json!(p.speed));
        }
        m
    }
}
