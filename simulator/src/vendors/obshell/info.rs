//! The public agent endpoints: GET /api/v1/info (what the SDK negotiates auth from),
//! GET|POST /api/v1/status and GET /api/v1/secret (the RSA public key).

use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, Value};

use super::auth::{public_key_b64, Public};
use super::model::Model;
use super::wire::Stamp;
use crate::Sim;

/// The agent process id the simulator reports (fixed, so runs are identical).
const PID: u32 = 24_866;

fn start_at(core: &crate::kernel::Core) -> i64 {
    // The agent started at the epoch of virtual time; Go reports UnixNano.
    core.clock.epoch().timestamp_nanos_opt().unwrap_or(0)
}

pub fn info_data(m: &Model, start_at: i64) -> Value {
    let s = m.master();
    let mut o = Map::new();
    o.insert("pid".into(), PID.into());
    o.insert("state".into(), 2.into());
    o.insert("startAt".into(), start_at.into());
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

pub async fn info(State(sim): State<Sim>, Public(a): Public) -> Response {
    let w = &mut *sim.lock();
    let stamp = a.stamp;
    let data = info_data(w.vendor::<super::Model>(), start_at(&w.core));
    stamp.ok(Some(data))
}

pub async fn status(State(sim): State<Sim>, Public(_): Public) -> Response {
    let w = &mut *sim.lock();
    let m = w.vendor::<super::Model>();
    // /api/v1/status is served before PreHandlers: its envelope has an empty trace id.
    let stamp = Stamp::untraced(&w.core);
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
    o.insert("startAt".into(), start_at(&w.core).into());
    o.insert("port".into(), s.port.into());
    o.insert("obState".into(), (if s.observer_up { 3 } else { 1 }).into());
    o.insert("underMaintenance".into(), m.maintenance.is_some().into());
    stamp.ok(Some(Value::Object(o)))
}

pub async fn secret(State(sim): State<Sim>, Public(a): Public) -> Response {
    let w = &mut *sim.lock();
    let stamp = a.stamp;
    let s = w.vendor::<super::Model>().master();
    let mut o = Map::new();
    o.insert("ip".into(), s.ip.clone().into());
    o.insert("port".into(), s.port.into());
    o.insert("public_key".into(), public_key_b64().into());
    stamp.ok(Some(Value::Object(o)))
}
