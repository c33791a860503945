//! Timeline actions (`do: ota.<action>`): the client calls a scenario makes itself and the
//! domain faults it injects. Arguments (`with:`) are documented in docs/ota.md.
//!
//! A plan is named by `plan:` as its id, or its number in creation order (0 = the first);
//! without it, the most recent plan. Agents are named by `agent:`, or picked from a batch:
//! `{batch: 2, count: 1}` takes the first `count` agents of batch 2 whose updates have not
//! finished (running ones are hit now, pending ones when their update runs).

use serde_json::Value;

use super::model::Model;
use super::request;
use crate::kernel::clock::parse_duration;
use crate::kernel::{Core, Millis};

pub const ACTIONS: &[&str] = &[
    "create_plan",
    "pause_plan",
    "resume_plan",
    "cancel_plan",
    "retry_plan",
    "agent_offline",
    "agent_online",
    "fail_agent",
];

fn str_arg<'a>(args: &'a Value, key: &str) -> Option<&'a str> {
    args.get(key).and_then(Value::as_str)
}

fn plan_arg(model: &Model, args: &Value) -> Result<usize, String> {
    match args.get("plan") {
        None | Some(Value::Null) => model
            .plans
            .len()
            .checked_sub(1)
            .ok_or_else(|| "no plan has been created yet".to_string()),
        Some(Value::Number(n)) => {
            let i = n.as_u64().unwrap_or(u64::MAX) as usize;
            if i < model.plans.len() {
                Ok(i)
            } else {
                Err(format!(
                    "plan {n}: only {} plan(s) created so far",
                    model.plans.len()
                ))
            }
        }
        Some(Value::String(id)) => model.find_plan(id).map_err(|e| e.message),
        Some(other) => Err(format!("plan must be an id or a number, not {other}")),
    }
}

fn duration_arg(args: &Value, key: &str) -> Result<Option<Millis>, String> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_duration(s)
            .map(Some)
            .map_err(|e| format!("{key}: {e}")),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|s| *s >= 0.0)
            .map(|s| Some((s * 1000.0) as Millis))
            .ok_or_else(|| format!("{key} must be a duration")),
        Some(other) => Err(format!("{key} must be a duration, not {other}")),
    }
}

/// The agents an agent action targets: `agent:` or `{batch, plan?, count?}`.
fn agents_arg(model: &Model, args: &Value) -> Result<Vec<usize>, String> {
    if let Some(id) = str_arg(args, "agent") {
        return model.find_agent(id).map(|n| vec![n]).map_err(|e| e.message);
    }
    let Some(batch) = args.get("batch").and_then(Value::as_u64) else {
        return Err("name an agent (agent: item1) or a batch (batch: 2, count: 1)".into());
    };
    let plan = plan_arg(model, args)?;
    let count = args.get("count").and_then(Value::as_u64).unwrap_or(1) as usize;
    let p = &model.plans[plan];
    if batch as usize >= p.batches.len() {
        return Err(format!(
            "plan {} has {} batches; there is no batch {batch}",
            p.id,
            p.batches.len()
        ));
    }
    let agents: Vec<usize> = model
        .unfinished_in_batch(plan, batch as usize)
        .into_iter()
        .take(count)
        .collect();
    if agents.is_empty() {
        return Err(format!(
            "batch {batch} of plan {} has no unfinished update left",
            p.id
        ));
    }
    Ok(agents)
}

pub fn apply(model: &mut Model, core: &mut Core, action: &str, args: &Value) -> Result<(), String> {
    let user = model
        .settings()
        .tokens
        .first()
        .map(|t| t.user.clone())
        .unwrap_or_default();
    match action {
        "create_plan" => {
            let m = args
                .as_object()
                .ok_or("create_plan takes the request body as its 'with:' map")?;
            let req = request::plan_request(m, &model.settings().placeholder_durations)
                .map_err(|e| e.message)?;
            model
                .create(core, req, &user, None)
                .map(|_| ())
                .map_err(|e| e.message)
        }
        "pause_plan" => {
            let p = plan_arg(model, args)?;
            let reason = str_arg(args, "reason").map(str::to_string);
            model.pause(core, p, reason).map_err(|e| e.message)
        }
        "resume_plan" => {
            let p = plan_arg(model, args)?;
            model.resume(core, p).map_err(|e| e.message)
        }
        "cancel_plan" => {
            let p = plan_arg(model, args)?;
            model.cancel(core, p).map_err(|e| e.message)
        }
        "retry_plan" => {
            let p = plan_arg(model, args)?;
            let empty = serde_json::Map::new();
            let m = args.as_object().unwrap_or(&empty);
            let t = request::tunables(m, &model.settings().placeholder_durations)
                .map_err(|e| e.message)?;
            let name = str_arg(args, "name").map(str::to_string);
            model
                .retry(core, p, t, name, &user)
                .map(|_| ())
                .map_err(|e| e.message)
        }
        "agent_offline" => {
            let agents = agents_arg(model, args)?;
            let after = duration_arg(args, "after")?;
            let back = duration_arg(args, "for")?;
            for n in agents {
                let running = model.agents[n].claim.is_some_and(|(p, t)| {
                    model.plans[p as usize].tasks[t as usize].state
                        == super::state::TaskState::Running
                });
                if running || args.get("batch").is_none() {
                    model.agent_offline(core, n);
                } else {
                    model.offline_during_next_update(n, after.unwrap_or(10_000), back);
                }
            }
            Ok(())
        }
        "agent_online" => {
            let agents = agents_arg(model, args)?;
            for n in agents {
                model.agent_online(core, n);
            }
            Ok(())
        }
        "fail_agent" => {
            let agents = agents_arg(model, args)?;
            let error = str_arg(args, "error").map(str::to_string);
            for n in agents {
                model.fail_agent(core, n, error.clone());
            }
            Ok(())
        }
        other => Err(format!(
            "ota has no action '{other}'; its actions are: {}",
            ACTIONS.join(", ")
        )),
    }
}
