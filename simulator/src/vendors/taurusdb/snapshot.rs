//! How the engine sees TaurusDB: its timers, its timeline actions (parsed into the same
//! operations a request builds) and the JSON picture `/_sim/state` shows.

use serde_json::{json, Value};

use super::fleet::{JobKind, Model, VENDOR};
use super::ops::{Operation, ACTIONS};
use crate::engine::VendorModel;
use crate::kernel::{self, Core, Millis};

impl VendorModel for Model {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn next_due(&self) -> Option<Millis> {
        self.timers.next_due()
    }

    fn fire_due(&mut self, core: &mut Core) {
        while let Some((_, (idx, wake))) = self.timers.pop_due(core.now()) {
            self.fire(core, idx, wake);
        }
    }

    fn snapshot(&self, core: &Core) -> Value {
        let now = core.now();
        let instances: serde_json::Map<String, Value> = self
            .instances
            .values()
            .map(|i| {
                (
                    i.id.clone(),
                    json!({
                        "project_id": i.project_id,
                        "name": i.name,
                        "status": i.status.to_string(),
                        "version": i.version,
                        "nodes": i.nodes,
                        "maintenance_window": i.maintenance_window,
                        "job": i.job.and_then(|j| self.jobs.get(j)).map(|j| j.id.clone()),
                    }),
                )
            })
            .collect();
        let jobs: Vec<Value> = self
            .jobs
            .iter()
            .map(|j| {
                json!({
                    "id": j.id,
                    "instance_id": j.instance_id,
                    "kind": match j.kind { JobKind::Immediate => "immediate", JobKind::Scheduled => "scheduled" },
                    "status": j.status.to_string(),
                    "progress": j.progress(now),
                    "from_version": j.from_version,
                    "target_version": j.target_version,
                    "created_at": kernel::rfc3339_at(core, j.created_ms),
                    "run_at": kernel::rfc3339_at(core, j.run_at),
                    "ended_at": j.ended_ms.map(|e| kernel::rfc3339_at(core, e)),
                    "fail_reason": j.fail_reason,
                })
            })
            .collect();
        json!({
            "latest_version": self.latest,
            "projects": self.projects,
            "instances": instances,
            "jobs": jobs,
        })
    }

    fn actions(&self) -> &'static [&'static str] {
        ACTIONS
    }

    fn apply(&mut self, core: &mut Core, action: &str, args: &Value) -> Result<(), String> {
        Operation::from_action(self, action, args)?
            .apply(core, self)
            .map(|_| ())
            .map_err(|e| e.describe())
    }
}
