//! The agent endpoints' operations: `GET /api/v1/info` (what the SDK negotiates auth from),
//! `GET|POST /api/v1/status`, `GET /api/v1/secret` (the RSA public key) and the authenticated
//! `GET /api/v1/ob/info` (agents and cluster topology).

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::super::auth::public_key_b64;
use super::super::cluster::{build_number, Server};
use super::super::config::Profile;
use super::super::model::Model;
use crate::kernel::Core;

/// The agent process id the simulator reports (fixed, so runs are identical).
const PID: u32 = 24_866;

/// When the agent started: the epoch of virtual time, as Go's UnixNano.
fn start_at(core: &Core) -> i64 {
    core.clock.epoch().timestamp_nanos_opt().unwrap_or(0)
}

/// `GET /api/v1/info`'s data (4.2.6 and HEAD `meta.AgentStatus` as `api/info_handler.go`
/// renders it), in the server's key order.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentInfo {
    pub pid: u32,
    pub state: i32,
    /// Go's UnixNano of the agent's start.
    pub start_at: i64,
    pub home_path: String,
    pub ob_version: String,
    pub architecture: String,
    pub ip: String,
    pub port: u16,
    pub zone: String,
    pub identity: String,
    pub version: String,
    pub is_obproxy_agent: bool,
    /// Whether an agent password is set.
    pub security: bool,
    /// The auth versions the SDK may pick from (`v1`, `v2`).
    pub supported_auth: Vec<String>,
}

/// `meta.AgentInfoWithIdentity`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AgentIdentity {
    pub ip: String,
    pub port: u16,
    pub identity: String,
}

/// `GET|POST /api/v1/status`'s data (`lib/http/status.go` `AgentStatus`; `sqlPort` is HEAD's,
/// omitted by 4.2.x).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentStatus {
    pub agent: AgentIdentity,
    pub state: i32,
    pub version: String,
    pub pid: u32,
    pub start_at: i64,
    pub port: u16,
    /// 3: the observer is up; 1: it is not.
    pub ob_state: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql_port: Option<u16>,
    pub under_maintenance: bool,
}

/// `GET /api/v1/secret`'s data (`api/secure_handler.go`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Secret {
    pub ip: String,
    pub port: u16,
    /// base64 of the agent's RSA public key (PKCS#1 DER).
    pub public_key: String,
}

fn to_value(v: impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// `GET /api/v1/info`.
pub fn info(m: &Model, core: &Core) -> Value {
    let s = m.master();
    to_value(AgentInfo {
        pid: PID,
        state: 2,
        start_at: start_at(core),
        home_path: "/home/admin/oceanbase".into(),
        ob_version: m.ob_full_version(),
        architecture: m.arch.clone(),
        ip: s.ip.clone(),
        port: s.port,
        zone: m.zones[s.zone].clone(),
        identity: "CLUSTER AGENT".into(),
        version: m.agent_full_version(),
        is_obproxy_agent: false,
        // `security`: whether an agent password is set (`api/info_handler.go`).
        security: m.agent_password.is_some(),
        supported_auth: m.auth.iter().map(|a| a.wire().to_string()).collect(),
    })
}

/// `GET|POST /api/v1/status`: the agent the client talks to.
pub fn status(m: &Model, core: &Core) -> Value {
    status_of(m, core, m.master())
}

/// One agent's `http.AgentStatus`.
fn status_of(m: &Model, core: &Core, s: &Server) -> Value {
    to_value(AgentStatus {
        agent: AgentIdentity {
            ip: s.ip.clone(),
            port: s.port,
            identity: "CLUSTER AGENT".into(),
        },
        state: 2,
        version: m.agent_full_version(),
        pid: PID,
        start_at: start_at(core),
        port: s.port,
        ob_state: if s.observer_up { 3 } else { 1 },
        sql_port: (m.profile == Profile::Current).then_some(s.sql_port),
        under_maintenance: m.maintenance.holder().is_some(),
    })
}

/// `GET /api/v1/agents/status` (4.2.6 and HEAD `api/info_handler.go` `GetAllAgentStatus`): a
/// Go map from `ip:port` to each agent's status, in key order; an agent that does not answer
/// its `/api/v1/status` is left out.
pub fn agents_status(m: &Model, core: &Core) -> Value {
    let mut up: Vec<&Server> = m.servers.iter().filter(|s| s.agent_up).collect();
    up.sort_by_key(|s| s.addr());
    let mut o = Map::new();
    for s in up {
        o.insert(s.addr(), status_of(m, core, s));
    }
    Value::Object(o)
}

/// `GET /api/v1/secret`.
pub fn secret(m: &Model) -> Value {
    let s = m.master();
    to_value(Secret {
        ip: s.ip.clone(),
        port: s.port,
        public_key: public_key_b64(),
    })
}

/// `GET /api/v1/ob/info` on a cluster agent (4.2.6 and HEAD `executor/ob/info.go`
/// `getClusterAndAgentsInfo`, `param/obcluster.go` `ObInfoResp`): every agent of the cluster
/// as `meta.AgentInstance`, and the cluster's id, name, `ob_version()` and its servers by zone
/// (a Go map, so zones in key order), `build_version` the part of `BUILD_VERSION` before `-`.
pub fn ob_info(m: &Model) -> Value {
    let agents: Vec<Value> = m
        .servers
        .iter()
        .map(|s| {
            let mut a = Map::new();
            a.insert("ip".into(), s.ip.clone().into());
            a.insert("port".into(), s.port.into());
            a.insert("zone".into(), m.zones[s.zone].clone().into());
            a.insert("identity".into(), "CLUSTER AGENT".into());
            a.insert("version".into(), m.agent_full_version().into());
            Value::Object(a)
        })
        .collect();
    let mut zones: Vec<usize> = (0..m.zones.len()).collect();
    zones.sort_by(|&a, &b| m.zones[a].cmp(&m.zones[b]));
    let build = format!("{}_{}", m.ob_version, build_number(&m.ob_release));
    let mut topology = Map::new();
    for z in zones {
        let servers: Vec<Value> = m
            .servers
            .iter()
            .enumerate()
            .filter(|(_, s)| s.zone == z)
            .map(|(i, s)| {
                let mut o = Map::new();
                o.insert("svr_ip".into(), s.ip.clone().into());
                o.insert("svr_port".into(), s.rpc_port.into());
                o.insert("sql_port".into(), s.sql_port.into());
                o.insert("agent_port".into(), s.port.into());
                let rs = if i == 0 { "YES" } else { "NO" };
                o.insert("with_rootserver".into(), rs.into());
                let status = if s.observer_up { "ACTIVE" } else { "INACTIVE" };
                o.insert("status".into(), status.into());
                o.insert("build_version".into(), build.clone().into());
                Value::Object(o)
            })
            .collect();
        topology.insert(m.zones[z].clone(), Value::from(servers));
    }
    let mut cluster = Map::new();
    cluster.insert("id".into(), m.cluster_id.into());
    cluster.insert("name".into(), m.cluster_name.clone().into());
    cluster.insert("version".into(), m.ob_version.clone().into());
    cluster.insert("topology".into(), Value::Object(topology));
    if m.profile == Profile::Current {
        cluster.insert("is_shared_storage".into(), false.into());
    }
    let mut o = Map::new();
    o.insert("agent_info".into(), Value::from(agents));
    o.insert("obcluster_info".into(), Value::Object(cluster));
    Value::Object(o)
}
