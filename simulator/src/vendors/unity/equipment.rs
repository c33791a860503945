//! The array's equipment and configuration that storops users read around an upgrade, as the
//! scenario describes it under `unity.array`: the disk processor enclosure (`dpe`), the
//! Ethernet ports each SP has (`ethernet_ports`, besides its management port), the management
//! interface's address (`mgmt_interface`), the pools' sizes (`pools`) and the installed
//! licenses (`licenses`). Raw serde types with believable defaults (the recorded array's,
//! from storops 1.2.12's `storops_test/unity/rest_data/`), then [`validate`] into
//! [`Equipment`], which `inventory` and `hardware` render.

use std::net::Ipv4Addr;

use indexmap::IndexMap;
use serde::Deserialize;

use super::config::ArrayConfig;
use crate::kernel::Invalid;

/// The disk processor enclosure that holds both SPs.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DpeConfig {
    /// The enclosure's model (default "OBERON 25 DRIVE CHASSIS", a 25-drive 380F DPE).
    #[serde(default = "default_dpe_model")]
    pub model: String,
    /// Its EMC serial number (default "CF2CV150500005").
    #[serde(default = "default_dpe_serial")]
    pub serial_number: String,
}

impl Default for DpeConfig {
    fn default() -> Self {
        Self {
            model: default_dpe_model(),
            serial_number: default_dpe_serial(),
        }
    }
}

/// An Ethernet port that both SPs have (`spa_eth<port>`, `spb_eth<port>`: Unity's SPs are
/// symmetric, and storops' `get_peer` relies on it).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortConfig {
    /// The port number, 0-15 (`eth2` is port 2).
    pub port: u8,
    /// Link speed in Mbps when the link is up: 100, 1000 or 10000 (default 10000).
    #[serde(default = "default_speed")]
    pub speed: u32,
    /// MTU: 1500 or 9000 (default 1500).
    #[serde(default = "default_mtu")]
    pub mtu: u32,
    /// Whether a cable is connected and the link is up (default true).
    #[serde(default = "default_true")]
    pub link_up: bool,
}

/// The management interface (IPv4).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MgmtInterfaceConfig {
    /// The management address (default 10.245.101.39, the recorded array's).
    #[serde(default = "default_mgmt_ip")]
    pub ip_address: String,
    /// Default 255.255.255.0.
    #[serde(default = "default_netmask")]
    pub netmask: String,
    /// Default 10.245.101.1.
    #[serde(default = "default_gateway")]
    pub gateway: String,
}

impl Default for MgmtInterfaceConfig {
    fn default() -> Self {
        Self {
            ip_address: default_mgmt_ip(),
            netmask: default_netmask(),
            gateway: default_gateway(),
        }
    }
}

/// A size: a number of bytes, or a number with a binary unit ("8.4TiB", "500G", "1.5 PiB").
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Size {
    Bytes(u64),
    Text(String),
}

/// A pool's sizes.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolConfig {
    /// The pool's name (default: its id).
    #[serde(default)]
    pub name: Option<String>,
    /// Total space (default 9251627991040 bytes, about 8.4 TiB, the recorded pool_1's).
    #[serde(default = "default_pool_total")]
    pub size_total: Size,
    /// Used space (default 91268055040 bytes, about 85 GiB).
    #[serde(default = "default_pool_used")]
    pub size_used: Size,
    /// Space its storage resources asked for, thin provisioning included (default
    /// 1392106274816 bytes, about 1.3 TiB).
    #[serde(default = "default_pool_subscribed")]
    pub size_subscribed: Size,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            name: None,
            size_total: default_pool_total(),
            size_used: default_pool_used(),
            size_subscribed: default_pool_subscribed(),
        }
    }
}

/// An installed license: its name (enabling the feature of that name), and when it expires
/// (RFC 3339; none: permanent).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum LicenseConfig {
    /// A permanent license, by name.
    Name(String),
    Full {
        name: String,
        #[serde(default)]
        expires: Option<String>,
    },
}

/// The recorded array's licenses, each enabling the feature of the same name.
const LICENSES: [&str; 12] = [
    "ANTIVIRUS",
    "BASE_OE_V4_0",
    "CIFS",
    "FAST_CACHE",
    "FAST_VP",
    "INLINE_COMPRESSION",
    "ISCSI",
    "LOCAL_COPIES",
    "NFS",
    "REPLICATION",
    "THIN_PROVISIONING",
    "UNISPHERE",
];

pub fn default_licenses() -> Vec<LicenseConfig> {
    LICENSES
        .iter()
        .map(|l| LicenseConfig::Name(l.to_string()))
        .collect()
}
pub fn default_ports() -> Vec<PortConfig> {
    vec![
        PortConfig {
            port: 2,
            speed: 10_000,
            mtu: 1500,
            link_up: true,
        },
        PortConfig {
            port: 3,
            speed: 10_000,
            mtu: 1500,
            link_up: false,
        },
    ]
}
pub fn default_pools() -> IndexMap<String, PoolConfig> {
    IndexMap::from([("pool_1".to_string(), PoolConfig::default())])
}
defaults! {
    default_dpe_model: String = "OBERON 25 DRIVE CHASSIS";
    default_dpe_serial: String = "CF2CV150500005";
    default_speed: u32 = 10_000;
    default_mtu: u32 = 1500;
    default_true: bool = true;
    default_mgmt_ip: String = "10.245.101.39";
    default_netmask: String = "255.255.255.0";
    default_gateway: String = "10.245.101.1";
}
fn default_pool_total() -> Size {
    Size::Bytes(9_251_627_991_040)
}
fn default_pool_used() -> Size {
    Size::Bytes(91_268_055_040)
}
fn default_pool_subscribed() -> Size {
    Size::Bytes(1_392_106_274_816)
}

/// A validated pool.
#[derive(Debug, Clone)]
pub struct Pool {
    pub id: String,
    pub name: String,
    pub total: u64,
    pub used: u64,
    pub subscribed: u64,
}

#[derive(Debug, Clone)]
pub struct License {
    pub name: String,
    /// Unix ms; `None`: permanent.
    pub expires_ms: Option<i64>,
}

/// Everything above, validated.
#[derive(Debug, Clone)]
pub struct Equipment {
    pub dpe: DpeConfig,
    pub ports: Vec<PortConfig>,
    pub mgmt: [Ipv4Addr; 3],
    pub pools: Vec<Pool>,
    pub licenses: Vec<License>,
}

impl Size {
    /// Bytes; binary units (K = KiB = 1024 bytes).
    fn bytes(&self) -> Option<u64> {
        let text = match self {
            Size::Bytes(b) => return Some(*b),
            Size::Text(t) => t.trim(),
        };
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: f64 = number.parse().ok()?;
        let unit = unit.trim().to_ascii_uppercase();
        let power = match unit.trim_end_matches("IB").trim_end_matches('B') {
            "" => 0,
            "K" => 1,
            "M" => 2,
            "G" => 3,
            "T" => 4,
            "P" => 5,
            _ => return None,
        };
        let bytes = number * 1024_f64.powi(power);
        (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
    }
}

fn size(path: &str, s: &Size) -> Result<u64, Invalid> {
    s.bytes().ok_or_else(|| {
        Invalid::new(
            path,
            "must be a number of bytes, or a number with a unit: 9251627991040, 8.4TiB, 500G",
        )
    })
}

fn ipv4(path: &str, text: &str) -> Result<Ipv4Addr, Invalid> {
    text.parse()
        .map_err(|_| Invalid::new(path, "must be an IPv4 address, like 10.245.101.39"))
}

/// Checks the equipment keys of `unity.array`; pools are the declared ones, then every
/// `pool_*` component not declared (with the default sizes).
pub fn validate(a: &ArrayConfig) -> Result<Equipment, Invalid> {
    let mut ports: Vec<PortConfig> = Vec::new();
    for (i, p) in a.ethernet_ports.iter().enumerate() {
        let path = format!("unity.array.ethernet_ports[{i}]");
        if p.port > 15 || ports.iter().any(|o| o.port == p.port) {
            return Err(Invalid::new(
                &format!("{path}.port"),
                "must be a port number 0-15, each port once",
            ));
        }
        if ![100, 1000, 10_000].contains(&p.speed) {
            return Err(Invalid::new(
                &format!("{path}.speed"),
                "must be 100, 1000 or 10000 (Mbps)",
            ));
        }
        if ![1500, 9000].contains(&p.mtu) {
            return Err(Invalid::new(&format!("{path}.mtu"), "must be 1500 or 9000"));
        }
        ports.push(p.clone());
    }
    let m = &a.mgmt_interface;
    let mgmt = [
        ipv4("unity.array.mgmt_interface.ip_address", &m.ip_address)?,
        ipv4("unity.array.mgmt_interface.netmask", &m.netmask)?,
        ipv4("unity.array.mgmt_interface.gateway", &m.gateway)?,
    ];
    let mut pools = Vec::new();
    for (id, p) in &a.pools {
        let path = format!("unity.array.pools.{id}");
        let total = size(&format!("{path}.size_total"), &p.size_total)?;
        let used = size(&format!("{path}.size_used"), &p.size_used)?;
        let subscribed = size(&format!("{path}.size_subscribed"), &p.size_subscribed)?;
        if used > total {
            return Err(Invalid::new(
                &format!("{path}.size_used"),
                "must not be more than size_total",
            ));
        }
        pools.push(Pool {
            id: id.clone(),
            name: p.name.clone().unwrap_or_else(|| id.clone()),
            total,
            used,
            subscribed,
        });
    }
    let undeclared: Vec<String> = a
        .components
        .keys()
        .filter(|c| c.starts_with("pool_") && !a.pools.contains_key(*c))
        .cloned()
        .collect();
    for id in undeclared {
        let p = PoolConfig::default();
        pools.push(Pool {
            name: id.clone(),
            id,
            total: p.size_total.bytes().unwrap_or_default(),
            used: p.size_used.bytes().unwrap_or_default(),
            subscribed: p.size_subscribed.bytes().unwrap_or_default(),
        });
    }
    let mut licenses: Vec<License> = Vec::new();
    for (i, l) in a.licenses.iter().enumerate() {
        let path = format!("unity.array.licenses[{i}]");
        let (name, expires) = match l {
            LicenseConfig::Name(n) => (n, None),
            LicenseConfig::Full { name, expires } => (name, expires.as_ref()),
        };
        if name.is_empty() || licenses.iter().any(|o| &o.name == name) {
            return Err(Invalid::new(&path, "needs a name, each license once"));
        }
        let expires_ms = match expires {
            None => None,
            Some(d) => Some(
                chrono::DateTime::parse_from_rfc3339(d)
                    .map_err(|_| {
                        Invalid::new(
                            &format!("{path}.expires"),
                            "must be an RFC 3339 date like 2027-01-01T00:00:00Z",
                        )
                    })?
                    .timestamp_millis(),
            ),
        };
        licenses.push(License {
            name: name.clone(),
            expires_ms,
        });
    }
    Ok(Equipment {
        dpe: a.dpe.clone(),
        ports,
        mgmt,
        pools,
        licenses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_bytes_or_binary_units() {
        assert_eq!(Size::Bytes(42).bytes(), Some(42));
        assert_eq!(Size::Text("2TiB".into()).bytes(), Some(2 << 40));
        assert_eq!(Size::Text("1.5 G".into()).bytes(), Some(3 << 29));
        assert_eq!(Size::Text("500GB".into()).bytes(), Some(500 << 30));
        assert_eq!(Size::Text("lots".into()).bytes(), None);
        assert_eq!(Size::Text("5 parsecs".into()).bytes(), None);
    }
}
