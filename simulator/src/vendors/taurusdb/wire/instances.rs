//! The instance models: MysqlInstanceInfoDetail (v3 `GET /instances/{id}`, and the
//! `instances/details` list) with MysqlInstanceInfoDetailUnifyStatus's two extra fields for
//! v3.1, MysqlInstanceListInfo (the instance list), InstanceDatabaseVersionInfo
//! (`database-version`), MysqlEngineVersionInfo (`datastores/gaussdb-mysql`), and IAM's
//! KeystoneListProjectsResult (`GET /v3/projects`).

use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;

use super::super::fleet::{Instance, Model};
use super::{One, Stamp, Text, ENGINE_VERSION, MYSQL_VERSION};
use crate::kernel::rng::stable_hash;
use crate::kernel::Core;

const SECURITY_GROUP: &str = "fc577a1a-f202-424a-977f-24faec3fdd55";
const FLAVOR_REF: &str = "gaussdb.mysql.xlarge.x86.4";
const BACKUP: MysqlBackupStrategy = MysqlBackupStrategy {
    start_time: "19:00-20:00",
    keep_days: "7",
};

/// Node `n`'s address: `192.168.x.y` from the instance id's hash (as `Instance::node_ip`).
#[derive(Debug, Clone, Copy)]
pub struct Ip {
    hash: u64,
    n: u32,
}

impl fmt::Display for Ip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "192.168.{}.{}",
            (self.hash % 250) + 1,
            (self.n + 10) % 255
        )
    }
}

/// A node id: the instance id's hash, the node number, `no07`.
#[derive(Debug, Clone, Copy)]
pub struct NodeId {
    hash: u64,
    n: u32,
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `{:016x}{:016x}no07`, without core::fmt's padding machinery.
        let mut id = *b"00000000000000000000000000000000no07";
        let _ = hex::encode_to_slice(self.hash.to_be_bytes(), &mut id[..16]);
        let _ = hex::encode_to_slice(u64::from(self.n).to_be_bytes(), &mut id[16..32]);
        f.write_str(std::str::from_utf8(&id).unwrap_or_default())
    }
}

/// A node name: `<instance name>_node0<n+1>`.
#[derive(Debug, Clone, Copy)]
pub struct NodeName<'a> {
    instance: &'a str,
    n: u32,
}

impl fmt::Display for NodeName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_node0{}", self.instance, self.n + 1)
    }
}

/// MysqlInstanceChargeInfo.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlInstanceChargeInfo {
    charge_mode: &'static str,
    order_id: &'static str,
}

/// MysqlDatastoreWithKernelVersion.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlDatastoreWithKernelVersion<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    version: &'static str,
    kernel_version: &'a str,
}

impl<'a> MysqlDatastoreWithKernelVersion<'a> {
    fn of(inst: &'a Instance) -> Self {
        Self {
            kind: "gaussdb-mysql",
            version: MYSQL_VERSION,
            kernel_version: &inst.version,
        }
    }
}

/// MysqlBackupStrategy.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlBackupStrategy {
    start_time: &'static str,
    keep_days: &'static str,
}

/// MysqlInstanceNodeVolumeInfo.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlInstanceNodeVolumeInfo {
    #[serde(rename = "type")]
    kind: &'static str,
    used: &'static str,
    size: u32,
}

/// MysqlInstanceNodeInfo.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlInstanceNodeInfo<'a> {
    id: Text<NodeId>,
    name: Text<NodeName<'a>>,
    /// master or slave.
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    port: u16,
    private_read_ips: One<Text<Ip>>,
    volume: MysqlInstanceNodeVolumeInfo,
    az_code: &'static str,
    region_code: &'static str,
    created: Stamp,
    updated: Stamp,
    flavor_id: &'static str,
    flavor_ref: &'static str,
    max_connections: &'static str,
    vcpus: &'static str,
    ram: &'static str,
    need_restart: bool,
    priority: u8,
}

/// MysqlTags (the detail) and InstanceTagItem (the list): one scenario tag.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlTags<'a> {
    key: &'a str,
    value: &'a str,
}

fn tags(inst: &Instance) -> Vec<MysqlTags<'_>> {
    inst.tags
        .iter()
        .map(|(key, value)| MysqlTags { key, value })
        .collect()
}

/// MysqlProxyInfo (no instance lists a proxy here).
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlProxyInfo {
    pool_id: String,
    name: String,
    address: String,
}

/// MysqlTdeInfo (v3.1 only).
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlTdeInfo {
    enable_tde: bool,
    encryption_type: &'static str,
}

/// MysqlInstanceInfoDetail (v3), or MysqlInstanceInfoDetailUnifyStatus (v3.1: the unified
/// status, plus `tde_info` and `eos_tag`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlInstanceInfoDetail<'a> {
    id: &'a str,
    name: &'a str,
    project_id: &'a str,
    /// v3: ACTIVE, UPGRADING, FAILED, FROZEN; v3.1: normal, abnormal.
    status: &'static str,
    port: &'static str,
    alias: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    charge_info: MysqlInstanceChargeInfo,
    node_count: u32,
    datastore: MysqlDatastoreWithKernelVersion<'a>,
    backup_used_space: f64,
    created: Stamp,
    updated: Stamp,
    private_write_ips: One<Text<Ip>>,
    private_dns_names: Vec<String>,
    public_ips: &'static str,
    db_user_name: &'static str,
    vpc_id: &'a str,
    subnet_id: &'a str,
    security_group_id: &'static str,
    configuration_id: &'static str,
    backup_strategy: MysqlBackupStrategy,
    nodes: Vec<MysqlInstanceNodeInfo<'a>>,
    enterprise_project_id: &'static str,
    time_zone: &'static str,
    az_mode: &'static str,
    master_az_code: &'static str,
    maintenance_window: &'a str,
    tags: Vec<MysqlTags<'a>>,
    dedicated_resource_id: &'static str,
    proxies: Vec<MysqlProxyInfo>,
    /// v3.1 only.
    #[serde(skip_serializing_if = "Option::is_none")]
    tde_info: Option<MysqlTdeInfo>,
    /// v3.1 only.
    #[serde(skip_serializing_if = "Option::is_none")]
    eos_tag: Option<bool>,
}

fn status(inst: &Instance, unified: bool) -> &'static str {
    if unified {
        inst.status.unified()
    } else {
        inst.status.as_str()
    }
}

impl<'a> MysqlInstanceInfoDetail<'a> {
    pub fn new(core: &Core, inst: &'a Instance, unified: bool) -> Self {
        let hash = stable_hash(inst.id.as_bytes());
        let status = status(inst, unified);
        let created = Stamp::created(core);
        let updated = Stamp::at(core, inst.updated_ms);
        let nodes = (0..inst.nodes)
            .map(|n| MysqlInstanceNodeInfo {
                id: Text(NodeId { hash, n }),
                name: Text(NodeName {
                    instance: &inst.name,
                    n,
                }),
                kind: if n == 0 { "master" } else { "slave" },
                status,
                port: 3306,
                private_read_ips: One(Text(Ip { hash, n })),
                volume: MysqlInstanceNodeVolumeInfo {
                    kind: "POOL",
                    used: "0.5",
                    size: 10,
                },
                az_code: "cn-north-4a",
                region_code: "cn-north-4",
                created,
                updated,
                flavor_id: "8e5a2a1c-0f7a-3cb1-8e6e-2ea9c4b5e1c1",
                flavor_ref: FLAVOR_REF,
                max_connections: "1500",
                vcpus: "4",
                ram: "16",
                need_restart: false,
                priority: u8::from(n != 0),
            })
            .collect();
        Self {
            id: &inst.id,
            name: &inst.name,
            project_id: &inst.project_id,
            status,
            port: "3306",
            alias: "",
            kind: "Cluster",
            charge_info: MysqlInstanceChargeInfo {
                charge_mode: "postPaid",
                order_id: "",
            },
            node_count: inst.nodes,
            datastore: MysqlDatastoreWithKernelVersion::of(inst),
            backup_used_space: 0.0,
            created,
            updated,
            private_write_ips: One(Text(Ip { hash, n: 0 })),
            private_dns_names: Vec::new(),
            public_ips: "",
            db_user_name: "root",
            vpc_id: &inst.vpc_id,
            subnet_id: &inst.subnet_id,
            security_group_id: SECURITY_GROUP,
            configuration_id: "43570e0de32e40c5a15f831aa5ce4176pr07",
            backup_strategy: BACKUP,
            nodes,
            enterprise_project_id: "0",
            time_zone: "UTC",
            az_mode: "single",
            master_az_code: "cn-north-4a",
            maintenance_window: &inst.maintenance_window,
            tags: tags(inst),
            dedicated_resource_id: "",
            proxies: Vec::new(),
            tde_info: unified.then_some(MysqlTdeInfo {
                enable_tde: false,
                encryption_type: "",
            }),
            eos_tag: unified.then_some(false),
        }
    }
}

/// ShowGaussMySqlInstanceInfoResponse (and its UnifyStatus twin).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ShowGaussMySqlInstanceInfoResponse<'a> {
    pub instance: MysqlInstanceInfoDetail<'a>,
}

/// ListGaussMySqlInstanceDetailInfoResponse (and its UnifyStatus twin).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListGaussMySqlInstanceDetailInfoResponse<'a> {
    pub instances: Vec<MysqlInstanceInfoDetail<'a>>,
}

/// MysqlFlavorInfo.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlFlavorInfo {
    vcpus: &'static str,
    ram: &'static str,
}

/// MysqlVolumeInfo.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlVolumeInfo {
    #[serde(rename = "type")]
    kind: &'static str,
    size: &'static str,
}

/// MysqlChargeInfo.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlChargeInfo {
    charge_mode: &'static str,
    period_type: &'static str,
    period_num: u32,
    is_auto_renew: &'static str,
    is_auto_pay: &'static str,
}

/// MysqlInstanceListInfo (v3), or MysqlInstanceListInfoUnifyStatus (v3.1: the unified
/// status, plus `eos_tag`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlInstanceListInfo<'a> {
    id: &'a str,
    name: &'a str,
    status: &'static str,
    private_ips: One<Text<Ip>>,
    proxy_ips: Vec<&'a str>,
    readonly_private_ips: Vec<Text<Ip>>,
    public_ips: Vec<String>,
    port: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    region: &'static str,
    datastore: MysqlDatastoreWithKernelVersion<'a>,
    created: Stamp,
    updated: Stamp,
    db_user_name: &'static str,
    vpc_id: &'a str,
    subnet_id: &'a str,
    security_group_id: &'static str,
    flavor_ref: &'static str,
    flavor_info: MysqlFlavorInfo,
    volume: MysqlVolumeInfo,
    backup_strategy: MysqlBackupStrategy,
    enterprise_project_id: &'static str,
    time_zone: &'static str,
    charge_info: MysqlChargeInfo,
    dedicated_resource_id: &'static str,
    tags: Vec<MysqlTags<'a>>,
    /// v3.1 only.
    #[serde(skip_serializing_if = "Option::is_none")]
    eos_tag: Option<bool>,
}

impl<'a> MysqlInstanceListInfo<'a> {
    pub fn new(core: &Core, inst: &'a Instance, unified: bool) -> Self {
        let hash = stable_hash(inst.id.as_bytes());
        Self {
            id: &inst.id,
            name: &inst.name,
            status: status(inst, unified),
            private_ips: One(Text(Ip { hash, n: 0 })),
            proxy_ips: inst.proxy_ip.iter().map(String::as_str).collect(),
            readonly_private_ips: (1..inst.nodes).map(|n| Text(Ip { hash, n })).collect(),
            public_ips: Vec::new(),
            port: "3306",
            kind: "Cluster",
            region: "cn-north-4",
            datastore: MysqlDatastoreWithKernelVersion::of(inst),
            created: Stamp::created(core),
            updated: Stamp::at(core, inst.updated_ms),
            db_user_name: "root",
            vpc_id: &inst.vpc_id,
            subnet_id: &inst.subnet_id,
            security_group_id: SECURITY_GROUP,
            flavor_ref: FLAVOR_REF,
            flavor_info: MysqlFlavorInfo {
                vcpus: "4",
                ram: "16",
            },
            volume: MysqlVolumeInfo {
                kind: "POOL",
                size: "10",
            },
            backup_strategy: BACKUP,
            enterprise_project_id: "0",
            time_zone: "UTC",
            charge_info: MysqlChargeInfo {
                charge_mode: "postPaid",
                period_type: "",
                period_num: 0,
                is_auto_renew: "false",
                is_auto_pay: "false",
            },
            dedicated_resource_id: "",
            tags: tags(inst),
            eos_tag: unified.then_some(false),
        }
    }
}

/// ListGaussMySqlInstancesResponse (and its UnifyStatus twin).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListGaussMySqlInstancesResponse<'a> {
    pub instances: Vec<MysqlInstanceListInfo<'a>>,
    pub total_count: usize,
}

/// InstanceDatabaseVersionInfo.
#[derive(Debug, Serialize, JsonSchema)]
pub struct InstanceDatabaseVersionInfo<'a> {
    pub current_version: &'static str,
    pub current_kernel_version: &'a str,
    pub latest_version: &'static str,
    pub latest_kernel_version: &'a str,
}

/// ShowInstanceDatabaseVersionResponse.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ShowInstanceDatabaseVersionResponse<'a> {
    pub datastore: InstanceDatabaseVersionInfo<'a>,
    pub upgrade_flag: bool,
}

impl<'a> ShowInstanceDatabaseVersionResponse<'a> {
    pub fn new(inst: &'a Instance, latest: &'a str, upgrade_flag: bool) -> Self {
        Self {
            datastore: InstanceDatabaseVersionInfo {
                current_version: ENGINE_VERSION,
                current_kernel_version: &inst.version,
                latest_version: ENGINE_VERSION,
                latest_kernel_version: latest,
            },
            upgrade_flag,
        }
    }
}

/// MysqlEngineVersionInfo.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MysqlEngineVersionInfo<'a> {
    id: String,
    name: &'static str,
    version: &'static str,
    kernel_version: &'a str,
}

/// ShowGaussMySqlEngineVersionResponse: the kernel versions on offer, newest first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ShowGaussMySqlEngineVersionResponse<'a> {
    datastores: Vec<MysqlEngineVersionInfo<'a>>,
}

impl<'a> ShowGaussMySqlEngineVersionResponse<'a> {
    pub fn new(model: &'a Model) -> Self {
        let datastores = model
            .versions
            .iter()
            .rev()
            .map(|v| {
                let h = stable_hash(v.as_bytes());
                MysqlEngineVersionInfo {
                    id: format!("{h:016x}{:016x}", h.rotate_left(29)),
                    name: MYSQL_VERSION,
                    version: ENGINE_VERSION,
                    kernel_version: v,
                }
            })
            .collect();
        Self { datastores }
    }
}

/// KeystoneListProjects' `links`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Links {
    #[serde(rename = "self")]
    this: String,
    previous: Option<String>,
    next: Option<String>,
}

/// A project's `links`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectLinks {
    #[serde(rename = "self")]
    this: String,
}

/// IAM's ProjectResult.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectResult<'a> {
    is_domain: bool,
    description: &'static str,
    links: ProjectLinks,
    enabled: bool,
    id: &'a str,
    parent_id: &'a str,
    domain_id: &'a str,
    name: &'a str,
}

/// IAM's KeystoneListProjectsResponse for `GET /v3/projects?name=`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct KeystoneListProjectsResponse<'a> {
    links: Links,
    projects: Vec<ProjectResult<'a>>,
}

/// The projects the access key's account owns (every project, for a token), of region
/// `name` when given.
pub fn iam_projects<'a>(
    model: &'a Model,
    domain: &'a str,
    name: Option<&str>,
    ak: Option<&str>,
) -> KeystoneListProjectsResponse<'a> {
    let owned = |p: &str| {
        ak.is_none_or(|ak| {
            model
                .access_keys
                .iter()
                .any(|k| k.ak == ak && k.projects.iter().any(|o| o == p))
        })
    };
    let projects = model
        .regions
        .iter()
        .filter(|(id, region)| owned(id) && name.is_none_or(|n| n == region))
        .map(|(id, region)| ProjectResult {
            is_domain: false,
            description: "",
            links: ProjectLinks {
                this: format!("/v3/projects/{id}"),
            },
            enabled: true,
            id,
            parent_id: domain,
            domain_id: domain,
            name: region,
        })
        .collect();
    let query = name.map(|n| format!("?name={n}")).unwrap_or_default();
    KeystoneListProjectsResponse {
        links: Links {
            this: format!("/v3/projects{query}"),
            previous: None,
            next: None,
        },
        projects,
    }
}

/// The account's domain id, stable across runs.
pub fn domain_id() -> String {
    format!(
        "{:016x}{:016x}",
        stable_hash(b"taurusdb/domain"),
        stable_hash(b"taurusdb/domain/2")
    )
}

#[cfg(test)]
mod tests {
    use super::NodeId;

    #[test]
    fn a_node_id_is_two_zero_padded_hex_words_and_the_suffix() {
        for (hash, n) in [(0u64, 0u32), (0xdead_beef, 2), (u64::MAX, u32::MAX)] {
            let want = format!("{hash:016x}{n:016x}no07");
            assert_eq!(NodeId { hash, n }.to_string(), want);
        }
    }
}
