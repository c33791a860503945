//! The domain faults a scenario's timeline arms on the array (the scenario section arms the
//! same ones at load, see `failures`): a task that fails part-way, a lock past the point of no
//! return, a wait for the user, an SP reboot window, and a component's health.

use serde_json::{json, Value};

use super::super::config::{self, health_is_ok, resolve_task, NO_RETURN_TASK};
use super::super::failures::FailFault;
use super::super::model::{Model, VENDOR};
use crate::kernel::clock::parse_duration;
use crate::kernel::{Core, Millis};

#[derive(Debug, Clone)]
pub enum DomainFault {
    FailTask(FailFault),
    Lock { task: usize, hold: Millis },
    WaitForUser { task: usize },
    SpReboot { duration: Millis },
    SetHealth { component: String, health: String },
}

fn arg_task(args: &Value) -> Result<usize, String> {
    let sel: config::TaskSel = serde_json::from_value(
        args.get("task")
            .cloned()
            .ok_or("needs 'task' (an index 0-11 or a caption)")?,
    )
    .map_err(|e| format!("task: {e}"))?;
    resolve_task(&sel)
}

fn arg_duration(args: &Value, key: &str, default: &str) -> Result<Millis, String> {
    let text = match args.get(key) {
        None | Some(Value::Null) => default.to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => return Err(format!("'{key}' must be a duration like 5m, got {other}")),
    };
    parse_duration(&text)
}

fn arg_text<'a>(args: &'a Value, key: &str, hint: &str) -> Result<&'a str, String> {
    args.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("needs '{key}'{hint}"))
}

impl DomainFault {
    /// The fault a timeline action arms.
    pub fn from_action(action: &str, args: &Value) -> Result<Self, String> {
        Ok(match action {
            "fail_task" => {
                let task = arg_task(args)?;
                let percent = args.get("at_percent").and_then(Value::as_u64).unwrap_or(50);
                if percent > 99 {
                    return Err("at_percent must be 0 to 99".into());
                }
                let remaining = args.get("times").and_then(Value::as_u64).unwrap_or(1) as u32;
                DomainFault::FailTask(FailFault {
                    task,
                    percent: percent as u8,
                    remaining,
                })
            }
            "lock_session" => {
                let task = arg_task(args)?;
                if task < NO_RETURN_TASK {
                    return Err(format!(
                        "a lock only happens past the point of no return (task {NO_RETURN_TASK} or later)"
                    ));
                }
                let hold = arg_duration(args, "for", "10m")?;
                DomainFault::Lock { task, hold }
            }
            "wait_for_user" => DomainFault::WaitForUser {
                task: arg_task(args)?,
            },
            "sp_reboot" => DomainFault::SpReboot {
                duration: arg_duration(args, "for", "5m")?,
            },
            "set_component_health" => {
                let component = arg_text(args, "component", "")?;
                let health = arg_text(args, "health", " (OK, DEGRADED, MAJOR...)")?;
                if config::health_value(health).is_none() {
                    return Err(format!("'{health}' is not a health (OK, OK_BUT, DEGRADED, MINOR, MAJOR, CRITICAL, NON_RECOVERABLE, UNKNOWN)"));
                }
                DomainFault::SetHealth {
                    component: component.to_string(),
                    health: health.to_string(),
                }
            }
            other => return Err(format!("unity has no action '{other}'")),
        })
    }
}

impl Model {
    pub(super) fn arm_fault(&mut self, core: &mut Core, f: DomainFault) {
        match f {
            DomainFault::FailTask(fail) => {
                self.faults.fails.push(fail);
                self.rearm_running();
            }
            DomainFault::Lock { task, hold } => self.faults.locks.push((task, hold)),
            DomainFault::WaitForUser { task } => self.faults.waits.push(task),
            DomainFault::SpReboot { duration } => {
                let now = core.now();
                self.faults.reboot_windows.push((now, now + duration));
            }
            DomainFault::SetHealth { component, health } => {
                let from = self
                    .array
                    .components
                    .insert(component.clone(), health.to_ascii_uppercase());
                core.event(
                    VENDOR,
                    &format!("array/component/{component}"),
                    json!({"health": {"from": from, "to": health}}),
                );
                let was_ok = from.as_deref().is_none_or(health_is_ok);
                if was_ok && !health_is_ok(&health) {
                    self.raise_component_alert(core, &component, &health.to_ascii_uppercase());
                }
            }
        }
    }
}
