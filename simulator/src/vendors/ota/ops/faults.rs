//! The timeline's domain faults on agents: `agent_offline`, `agent_online`, `fail_agent`.
//! Agents are named by `agent:`, or picked from a batch: `{batch: 2, count: 1}` takes the first
//! `count` agents of batch 2 (of `plan:`, default the latest) whose updates have not finished;
//! running ones are hit now, pending ones when their update runs.

use serde_json::Value;

use super::super::error::ApiError;
use super::super::model::Model;
use super::{duration_arg, plan_arg, str_arg};
use crate::kernel::{Core, Millis};

/// What happens to the agents.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Offline now; or, for agents picked from a batch whose update has not started yet,
    /// `after` into it (default 10s), back `back` later.
    Offline {
        after: Option<Millis>,
        back: Option<Millis>,
        picked: bool,
    },
    Online,
    /// The running update fails now, or the next one does.
    Fail {
        error: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct AgentFault {
    pub agents: Vec<usize>,
    pub fault: Fault,
}

impl AgentFault {
    pub fn from_action(model: &Model, action: &str, args: &Value) -> Result<Self, String> {
        let agents = agents_arg(model, args)?;
        let fault = match action {
            "agent_offline" => Fault::Offline {
                after: duration_arg(args, "after")?,
                back: duration_arg(args, "for")?,
                picked: args.get("batch").is_some(),
            },
            "agent_online" => Fault::Online,
            _ => Fault::Fail {
                error: str_arg(args, "error").map(str::to_string),
            },
        };
        Ok(Self { agents, fault })
    }

    pub fn apply(self, model: &mut Model, core: &mut Core) -> Result<(), ApiError> {
        for n in self.agents {
            match &self.fault {
                Fault::Offline {
                    after,
                    back,
                    picked,
                } => {
                    // Asked per agent: taking one offline can start the next one's update.
                    if model.running_task(n).is_some() || !picked {
                        model.agent_offline(core, n);
                    } else {
                        model.offline_during_next_update(n, after.unwrap_or(10_000), *back);
                    }
                }
                Fault::Online => model.agent_online(core, n),
                Fault::Fail { error } => model.fail_agent(core, n, error.as_deref()),
            }
        }
        Ok(())
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
