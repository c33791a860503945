//! The vendor's domain type, [`Model`]: one array, its users and login sessions, the uploaded
//! candidate, the upgrade sessions with their twelve tasks, asynchronous jobs and the armed
//! domain faults; built from the scenario section, and driven by the engine through
//! [`VendorModel`] (timers, timeline actions, refusals while an SP reboots, the snapshot).
//!
//! What each part does lives next door: `array` (the system and its candidate), `logins`,
//! `lifecycle` (a session's moves), `scheduler` (its timer and checkpoints), `failures` (armed
//! faults), `jobs`, `render` (the instances as Unisphere shows them) and `ops` (the operations
//! requests and timeline actions share).

use serde_json::{json, Value};

use super::alerts::Alert;
use super::array::Array;
use super::array::Candidate;
use super::config::{Config, Settings, UserConfig};
use super::failures::Faults;
use super::jobs::Job;
use super::lifecycle::Session;
use super::logins::Login;
use super::ops::Operation;
use crate::engine::{Refusal, VendorModel};
use crate::kernel::{Core, Invalid, Millis, TimerQueue};

pub(super) const VENDOR: &str = "unity";

/// This vendor's resources and timers.
#[derive(Debug)]
pub struct Model {
    pub settings: Settings,
    pub array: Array,
    pub users: Vec<UserConfig>,
    pub candidate: Option<Candidate>,
    pub(super) candidate_seq: u32,
    pub sessions: Vec<Session>,
    /// Each session's one timer, as (session index, generation).
    pub(super) timers: TimerQueue<(usize, u64)>,
    pub logins: Vec<Login>,
    pub jobs: Vec<Job>,
    pub alerts: Vec<Alert>,
    pub(super) faults: Faults,
    /// The wall-clock instant this instance started (RFC 3339): with the seed it seeds the
    /// login sessions' tokens and cookies, so each instance has its own.
    pub(super) started: String,
}

/// Unix milliseconds of the virtual instant `at`.
pub fn unix_ms(core: &Core, at: Millis) -> i64 {
    core.clock.datetime_at(at).timestamp_millis()
}

/// Unix milliseconds of virtual now: the stamp of every answer.
pub fn now_unix_ms(core: &Core) -> i64 {
    unix_ms(core, core.now())
}

impl Model {
    pub fn build(cfg: &Config, core: &mut Core) -> Result<Self, Invalid> {
        let settings = cfg.validate()?;
        let mut m = Model {
            array: Array::from_config(&cfg.array, settings.installed_release_ms),
            users: cfg.users.clone(),
            candidate: None,
            candidate_seq: 0,
            sessions: Vec::new(),
            timers: TimerQueue::default(),
            logins: Vec::new(),
            jobs: Vec::new(),
            alerts: Vec::new(),
            started: core
                .wall
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            faults: Faults::default(),
            settings,
        };
        if let Some(c) = &cfg.candidate {
            let release = m.settings.release_date_ms.unwrap_or(0);
            m.install_candidate(core, &c.version, c.build, release);
        }
        m.faults = Faults::from_config(&cfg.faults)?;
        for (c, h) in m.array.unhealthy() {
            m.raise_component_alert(core, &c, &h);
        }
        let now = now_unix_ms(core);
        let expired: Vec<String> = (m.settings.equipment.licenses.iter())
            .filter(|l| l.expires_ms.is_some_and(|e| e <= now))
            .map(|l| l.name.clone())
            .collect();
        for l in expired {
            m.raise_license_alert(core, &l);
        }
        Ok(m)
    }

    /// The session that is not over yet, if any.
    pub fn active_session(&self) -> Option<&Session> {
        self.sessions.iter().find(|s| !s.status.is_final())
    }

    pub fn session_index(&self, id: &str) -> Option<usize> {
        self.sessions.iter().position(|s| s.id == id)
    }

    pub fn snapshot(&self, core: &Core) -> Value {
        let now = core.now();
        let sessions: Vec<Value> = self
            .sessions
            .iter()
            .map(|s| {
                json!({
                    "id": s.id,
                    "status": s.status.to_string(),
                    "statusCode": s.status.code(),
                    "percentComplete": s.percent(now),
                    "currentTask": s.tasks[s.current].caption,
                    "currentTaskIndex": s.current,
                    "pauseBeforeReboot": s.pause_before_reboot,
                    "candidate": s.candidate.full_version(),
                    "tasks": s.tasks.iter().map(|t| json!({"caption": t.caption, "status": t.status.to_string()})).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "array": {
                "model": self.array.product,
                "softwareVersion": self.array.version,
                "softwareFullVersion": self.array.full_version(),
                "components": self.array.components,
                "rebooting": self.rebooting(now).is_some(),
            },
            "candidate": self.candidate.as_ref().map(|c| json!({"id": c.id, "version": c.version, "fullVersion": c.full_version()})),
            "sessions": sessions,
            "logins": self.logins.iter().filter(|l| l.live(now)).count(),
            "jobs": self.jobs.len(),
        })
    }
}

impl VendorModel for Model {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn next_due(&self) -> Option<Millis> {
        self.timers.next_due()
    }

    fn fire_due(&mut self, core: &mut Core) {
        self.fire(core);
    }

    fn snapshot(&self, core: &Core) -> Value {
        Model::snapshot(self, core)
    }

    fn actions(&self) -> &'static [&'static str] {
        Operation::ACTIONS
    }

    fn refusal(&self, core: &Core, _method: &str, _path: &str) -> Option<Refusal> {
        self.rebooting(core.now()).map(|sp| Refusal::Error {
            status: 503,
            message: format!(
                "The system is temporarily unavailable: storage processor {sp} is rebooting and management services are failing over. Try again in a few minutes."
            ),
        })
    }

    /// A timeline action builds the same [`Operation`] a request would and runs it.
    fn apply(&mut self, core: &mut Core, action: &str, args: &Value) -> Result<(), String> {
        let op = Operation::from_action(action, args)?;
        self.execute(core, op)
            .map(|_| ())
            .map_err(|e| e.messages.join(" "))
    }
}
