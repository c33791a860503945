//! The domain faults a scenario injects into the fleet (timeline actions): an agent going
//! offline or coming back, an update failing now or on its next run, an agent dropping off
//! part-way through its next update. Each is journalled as a fault where it changes an agent.

use std::sync::Arc;

use serde_json::json;

use super::model::Model;
use super::plan::{Failure, VENDOR};
use crate::kernel::{Core, Millis};

impl Model {
    /// Fails a running task now, or returns false if the agent runs none.
    fn fail_running(&mut self, core: &mut Core, agent: usize, failure: Failure) -> bool {
        let Some((p, t)) = self.running_task(agent) else {
            return false;
        };
        Arc::make_mut(&mut self.plans[p].tasks)[t].failure = Some(failure);
        self.finish_task(core, p, t);
        self.pump(core, p);
        true
    }

    /// Takes an agent offline now; its running update fails.
    pub fn agent_offline(&mut self, core: &mut Core, agent: usize) {
        if !self.fail_running(core, agent, Failure::WentOffline) {
            Arc::make_mut(&mut self.agents)[agent].online = false;
        }
        self.agent_fault(core, agent, json!({"offline": true}));
    }

    pub fn agent_online(&mut self, core: &mut Core, agent: usize) {
        Arc::make_mut(&mut self.agents)[agent].online = true;
        self.agent_fault(core, agent, json!({"online": true}));
    }

    fn agent_fault(&self, core: &mut Core, agent: usize, detail: serde_json::Value) {
        let resource = format!("agent/{}", self.agents[agent].id);
        core.fault(VENDOR, &resource, detail);
    }

    /// Fails the agent's running update now, or its next one.
    pub fn fail_agent(&mut self, core: &mut Core, agent: usize, error: Option<&str>) {
        let message: Arc<str> = Arc::from(error.unwrap_or(self.settings().error.as_str()));
        let injected = Failure::Injected(Arc::make_mut(&mut self.names).intern(&message));
        if !self.fail_running(core, agent, injected) {
            let a = &mut Arc::make_mut(&mut self.agents)[agent];
            let faults = a.faults_mut();
            faults.forced_failures += 1;
            faults.forced_error = Some(message);
        }
    }

    /// Goes offline `after` into its next update (or now if it is updating).
    pub fn offline_during_next_update(
        &mut self,
        agent: usize,
        after: Millis,
        back: Option<Millis>,
    ) {
        Arc::make_mut(&mut self.agents)[agent].faults_mut().offline = Some((after, back));
    }
}
