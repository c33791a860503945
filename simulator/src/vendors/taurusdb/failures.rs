//! What a scenario does to an instance that no client can: fail it, freeze it (an account in
//! arrears), bring it back, or make its upgrade stick at a percentage. A running upgrade on
//! an instance that goes FAILED or FROZEN fails with the scenario's reason. The instance
//! table decides which of these moves is legal.

use serde_json::json;

use super::config::FaultKind;
use super::fleet::{Fault, Model, VENDOR};
use super::lifecycle::step;
use super::state::{InstanceOp, InstanceStatus};
use crate::kernel::{Core, Resource, StateTable};

impl Model {
    /// Moves an instance to FAILED/FROZEN/ACTIVE; a running upgrade fails with `reason`.
    pub fn set_status(
        &mut self,
        core: &mut Core,
        instance: &str,
        to: InstanceStatus,
        reason: Option<String>,
    ) -> Result<(), String> {
        let Some(inst) = self.instances.get(instance) else {
            return Err(format!("no instance '{instance}'"));
        };
        if inst.status == to {
            return Ok(());
        }
        let Some(op) = InstanceOp::toward(to) else {
            return Err(
                "an instance becomes UPGRADING only by an upgrade; use upgrade_instance".into(),
            );
        };
        if !inst.status.permits(op) {
            return Err(format!(
                "instance '{instance}' is upgrading; fail or finish its job first"
            ));
        }
        let running = self.running_job_of(instance);
        if let Some(idx) = running {
            self.timers.cancel(|k| k.0 == idx);
        }
        let now = core.now();
        if let Some(inst) = self.instances.get_mut(instance) {
            // A running upgrade's instance goes straight from UPGRADING to `to`; then its
            // job fails.
            step(core, inst, op, json!({"by": "scenario"}));
            inst.updated_ms = now;
        }
        if let Some(idx) = running {
            let reason = reason.unwrap_or_else(|| format!("The DB instance is abnormal ({to})."));
            self.finish(core, idx, Some(reason));
        }
        Ok(())
    }

    /// Freezes a running upgrade's progress where it is, or makes the next one stick.
    pub fn stick(&mut self, core: &mut Core, instance: &str, at: Option<u8>) -> Result<(), String> {
        if !self.instances.contains_key(instance) {
            return Err(format!("no instance '{instance}'"));
        }
        let now = core.now();
        if let Some(idx) = self.running_job_of(instance) {
            self.timers.cancel(|k| k.0 == idx);
            let job = &mut self.jobs[idx];
            let pct = job.progress(now).unwrap_or(0);
            job.stuck_at = Some(at.map_or(pct, |a| a.min(pct)));
            core.fault(
                VENDOR,
                &job.resource(),
                json!({"fault": "stuck", "at_percent": job.stuck_at}),
            );
        } else if let Some(inst) = self.instances.get_mut(instance) {
            inst.fault = Some(Fault {
                kind: FaultKind::Stuck,
                reason: String::new(),
                at_percent: at.unwrap_or(50),
            });
        }
        Ok(())
    }
}
