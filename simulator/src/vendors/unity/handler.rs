//! The one way a Unity handler reaches the world. A handler parses its input first (no lock),
//! then [`serve`] takes the request's one exchange with the world: authenticate, answer a
//! parse error in Unity's shape, or handle (build the operation, execute it, render). An
//! operation sent with `?timeout=0` becomes a job instead ([`run`]).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::auth::{Caller, Presented};
use super::error::UnityError;
use super::model::Model;
use super::ops::Operation;
use super::query::Query;
use super::wire;
use crate::engine::Exchange;
use crate::kernel::Core;

/// Authenticates, then handles the parsed `input`; errors get Unity's body, stamped now.
pub fn serve<I>(
    ex: Exchange,
    who: Presented,
    input: Result<I, UnityError>,
    handle: impl FnOnce(&mut Core, &mut Model, &Caller, I) -> Result<Response, UnityError>,
) -> Response {
    ex.run(|w| {
        let (core, model) = w.split::<Model>();
        let caller = match who.authenticate(core, model) {
            Ok(c) => c,
            Err(refused) => return refused,
        };
        input
            .and_then(|i| handle(core, model, &caller, i))
            .unwrap_or_else(|e| caller.error(e))
    })
}

/// Executes `op` on `type_name`: as a job (202, the job at top level) with `?timeout=0`, or
/// now, rendering its out-parameters with `render`.
pub fn run(
    core: &mut Core,
    model: &mut Model,
    caller: &Caller,
    (type_name, q): (&str, &Query),
    op: Operation,
    render: impl FnOnce(Value) -> Response,
) -> Result<Response, UnityError> {
    if q.asynchronous {
        let label = op.job(type_name);
        let outcome = model.execute(core, op);
        let job = model.add_job(core, label, outcome);
        let content = model.job_content(core, &model.jobs[job]);
        return Ok(caller.finish(wire::json_response(
            StatusCode::ACCEPTED,
            &Value::Object(content),
        )));
    }
    let out = model.execute(core, op)?;
    Ok(caller.finish(render(out)))
}
