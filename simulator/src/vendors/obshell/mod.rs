//! OceanBase OBShell: the agent's upgrade API (agent upgrade, OB rolling and stop-service
//! upgrades, package upload, the task/DAG API), byte-faithful to the real server: the
//! `OcsAgentResponse` envelope, both error generations (legacy numeric `code`, current
//! `errCode`), v1 `X-OCS-Auth` and v2 `X-OCS-Header` hybrid encryption, the real DAG templates
//! and operators, and the global maintenance lock. docs/obshell.md is the user's guide.
//!
//! Files: `config` (scenario section), `wire` (envelope, Go JSON and times), `error`
//! (catalogue), `auth` (middleware), `state` (state enums), `templates` (DAG templates),
//! `model` (cluster + task engine), `dto` (task DTOs), `info`, `upgrade`, `task` (handlers).

pub mod auth;
pub mod config;
pub mod dto;
pub mod error;
pub mod info;
pub mod model;
pub mod state;
pub mod task;
pub mod templates;
pub mod upgrade;
pub mod wire;

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, MethodRouter};
use axum::Router;
use serde_json::Value;

pub use config::Config;
pub use model::Model;

use crate::kernel::{Core, Millis};

use crate::engine::{Refusal, RequestInfo};
use crate::Sim;
use error::ObError;
use wire::Stamp;

/// This vendor's name in the journal, the state snapshot and the registry.
pub const VENDOR: &str = "obshell";

const ACTIONS: &[&str] = &[
    "upgrade_agent",
    "upgrade_ob",
    "operate_dag",
    "observer_down",
    "observer_up",
    "agent_down",
    "agent_up",
    "fail_node",
];

fn arg<'a>(args: &'a Value, key: &str) -> Option<&'a str> {
    args.get(key).and_then(Value::as_str)
}

impl crate::engine::VendorModel for Model {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
    fn vendor(&self) -> &'static str {
        VENDOR
    }
    fn next_due(&self) -> Option<Millis> {
        self.next_timer()
    }
    fn fire_due(&mut self, core: &mut Core) {
        self.fire(core);
    }
    fn snapshot(&self, _core: &Core) -> Value {
        self.snapshot_json()
    }
    fn actions(&self) -> &'static [&'static str] {
        ACTIONS
    }
    fn refusal(&self, core: &Core, _method: &str, path: &str) -> Option<Refusal> {
        // While "Restart obshell" restarts the agent, connections are reset.
        let _ = path;
        (core.now() < self.refusing_until).then_some(Refusal::Reset)
    }
    fn apply(&mut self, core: &mut Core, action: &str, args: &Value) -> Result<(), String> {
        let who = || {
            arg(args, "server")
                .or_else(|| arg(args, "zone"))
                .or_else(|| arg(args, "agent"))
                .ok_or_else(|| format!("{action} needs `server: ip:port` or `zone: <name>`"))
        };
        let err =
            |e: ObError| format!("{} {}", e.current.err_code.unwrap_or(""), e.current.message);
        match action {
            "upgrade_agent" | "upgrade_ob" => {
                let ob = action == "upgrade_ob";
                let mut body = args.clone();
                if ob && body.get("mode").is_none() {
                    if let Value::Object(o) = &mut body {
                        o.insert("mode".into(), "rolling".into());
                    }
                }
                let p = upgrade::bind(body.to_string().as_bytes(), ob).map_err(err)?;
                if ob {
                    upgrade::ob_upgrade(self, core, &p, false).map_err(err)?;
                } else {
                    upgrade::agent_upgrade(self, core, &p, false).map_err(err)?;
                }
                Ok(())
            }
            "operate_dag" => {
                let d = match args.get("dag_id").and_then(Value::as_u64) {
                    Some(id) => self
                        .dags
                        .iter()
                        .position(|d| d.dag_id == id)
                        .ok_or_else(|| format!("no DAG with dag_id {id}"))?,
                    None => self
                        .dags
                        .len()
                        .checked_sub(1)
                        .ok_or("operate_dag: no DAG yet")?,
                };
                let op = arg(args, "operator").ok_or("operate_dag needs `operator`")?;
                self.operate(core, d, op).map_err(err)
            }
            "observer_down" => self.set_observer(who()?, false),
            "observer_up" => self.set_observer(who()?, true),
            "agent_down" => self.set_agent(who()?, false),
            "agent_up" => self.set_agent(who()?, true),
            "fail_node" => {
                let f: config::FailNode =
                    serde_json::from_value(args.clone()).map_err(|e| format!("fail_node: {e}"))?;
                f.validate("fail_node").map_err(|e| e.to_string())?;
                self.fail_nodes.push(f);
                Ok(())
            }
            other => Err(format!(
                "obshell has no action '{other}'; its actions are: {}",
                ACTIONS.join(", ")
            )),
        }
    }
}

/// gin answers a known path with the wrong method like an unknown path.
fn route(m: MethodRouter<Sim>) -> MethodRouter<Sim> {
    m.fallback(unknown)
}

/// This vendor's routes. Auth runs as an extractor in each handler (see `auth`), so it only
/// ever sees matched routes; a catch-all answers other `/api/v1/...` paths in the profile's
/// shape with the request's own stamp.
pub fn routes() -> Router<Sim> {
    Router::new()
        .route("/api/v1/info", route(get(info::info)))
        .route(
            "/api/v1/status",
            route(get(info::status).post(info::status)),
        )
        .route("/api/v1/secret", route(get(info::secret)))
        .route("/api/v1/agent/upgrade", route(post(upgrade::agent)))
        .route(
            "/api/v1/agent/upgrade/check",
            route(post(upgrade::agent_check)),
        )
        .route("/api/v1/ob/upgrade", route(post(upgrade::ob)))
        .route("/api/v1/ob/upgrade/check", route(post(upgrade::ob_check)))
        .route("/api/v1/upgrade/package", route(post(upgrade::upload)))
        .route(
            "/api/v1/task/dag/{id}",
            route(get(task::get_dag).post(task::operate_dag)),
        )
        .route(
            "/api/v1/task/node/{id}",
            route(get(task::get_node).post(task::operate_node)),
        )
        .route("/api/v1/task/sub_task/{id}", route(get(task::get_sub_task)))
        .route(
            "/api/v1/task/dag/maintain/agent",
            route(get(task::maintain_agent)),
        )
        .route(
            "/api/v1/task/dag/maintain/ob",
            route(get(task::maintain_ob)),
        )
        .route(
            "/api/v1/task/dag/maintain/agents",
            route(get(task::maintain_agents)),
        )
        .route("/api/v1/task/dag/unfinish", route(get(task::unfinished)))
        .route(
            "/api/v1/task/dag/ob/unfinish",
            route(get(task::ob_unfinished)),
        )
        .route(
            "/api/v1/task/dag/agent/unfinish",
            route(get(task::agent_unfinished)),
        )
        .route("/api/v1/{*rest}", any(unknown))
}

/// The answer to an `/api/v1/...` path no route matches, in the profile's shape.
async fn unknown(
    State(sim): State<Sim>,
    info: Option<Extension<RequestInfo>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let w = &mut *sim.lock();
    // `/api/v1/{*rest}` also catches the paths of a vendor nested under `/api/v1`.
    if let Some(Extension(info)) = info.filter(|i| i.vendor != VENDOR) {
        return (info.not_found)(w, uri.path());
    }
    let stamp = Stamp::new(&mut w.core, &headers);
    ObError::route_not_found().render(w.vendor::<Model>().profile, &stamp)
}

/// The answer to a path under this vendor's prefix that no route matches (outside a request's
/// context: the legacy shape, Go's zero time, no trace id).
pub fn not_found(_path: &str) -> Response {
    ObError::route_not_found().into_response()
}

/// An error in this vendor's own shape, for injected faults and fallbacks.
pub fn error_response(status: StatusCode, message: &str) -> Response {
    error::from_status(status, message).into_response()
}
