//! The public agent endpoints' operations: `GET /api/v1/info` (what the SDK negotiates auth
//! from), `GET|POST /api/v1/status` and `GET /api/v1/secret` (the RSA public key).

use serde_json::{Map, Value};

use super::super::auth::public_key_b64;
use super::super::model::Model;
use crate::kernel::Core;

/// The agent process id the simulator reports (fixed, so runs are identical).
const PID: u32 = 24_866;

/// When the agent started: the epoch of virtual time, as Go's UnixNano.
fn start_at(core: &Core) -> i64 {
    core.clock.epoch().timestamp_nanos_opt().unwrap_or(0)
}

/// `GET /api/v1/info`.
pub fn info(m: &Model, core: &Core) -> Value {
    let s = m.master();
    let mut o = Map::new();
    o.insert("pid".into(), PID.into());
    o.insert("state".into(), 2.into());
    o.insert("startAt".into(), start_at(core).into());
    o.insert("homePath".into(), "/home/admin/oceanbase".into());
    o.insert("obVersion".into(), m.ob_full_version().into());
    o.insert("architecture".into(), m.arch.clone().into());
    o.insert("ip".into(), s.ip.clone().into());
    o.insert("port".into(), s.port.into());
    o.insert("zone".into(), m.zones[s.zone].clone().into());
    o.insert("identity".into(), "CLUSTER AGENT".into());
    o.insert("version".into(), m.agent_full_version().into());
    o.insert("isObproxyAgent".into(), false.into());
    o.insert("security".into(), true.into());
    o.insert(
        "supportedAuth".into(),
        Value::from(m.auth.iter().map(|a| a.wire()).collect::<Vec<_>>()),
    );
    Value::Object(o)
}

/// `GET|POST /api/v1/status`.
pub fn status(m: &Model, core: &Core) -> Value {
    let s = m.master();
    let mut agent = Map::new();
    agent.insert("ip".into(), s.ip.clone().into());
    agent.insert("port".into(), s.port.into());
    agent.insert("identity".into(), "CLUSTER AGENT".into());
    let mut o = Map::new();
    o.insert("agent".into(), Value::Object(agent));
    o.insert("state".into(), 2.into());
    o.insert("version".into(), m.agent_full_version().into());
    o.insert("pid".into(), PID.into());
    o.insert("startAt".into(), start_at(core).into());
    o.insert("port".into(), s.port.into());
    o.insert("obState".into(), (if s.observer_up { 3 } else { 1 }).into());
    o.insert(
        "underMaintenance".into(),
        m.maintenance.holder().is_some().into(),
    );
    Value::Object(o)
}

/// `GET /api/v1/secret`.
pub fn secret(m: &Model) -> Value {
    let s = m.master();
    let mut o = Map::new();
    o.insert("ip".into(), s.ip.clone().into());
    o.insert("port".into(), s.port.into());
    o.insert("public_key".into(), public_key_b64().into());
    Value::Object(o)
}
