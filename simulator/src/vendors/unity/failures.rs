//! The domain faults armed on the array: tasks that fail part-way, locks past the point of no
//! return, waits for the user, and storage-processor reboot windows, from the scenario section
//! and from timeline actions (`ops::faults`). The session driver asks them at each task; the
//! engine asks [`Model::rebooting`] before any request.

use super::config::{resolve_task, FaultsConfig, PRIMARY_REBOOT_TASK};
use super::model::Model;
use super::state::{TaskStatus, UpgradeStatus};
use crate::kernel::clock::parse_duration;
use crate::kernel::{Invalid, Millis};

/// A task that fails at `percent` of its run, the next `remaining` times it runs.
#[derive(Debug, Clone)]
pub struct FailFault {
    pub task: usize,
    pub percent: u8,
    pub remaining: u32,
}

/// Everything armed, in the order it was armed.
#[derive(Debug, Default)]
pub struct Faults {
    pub fails: Vec<FailFault>,
    /// (task, how long the lock holds).
    pub locks: Vec<(usize, Millis)>,
    pub waits: Vec<usize>,
    /// [from, to) windows of virtual time in which SP A reboots.
    pub reboot_windows: Vec<(Millis, Millis)>,
}

fn invalid(e: String) -> Invalid {
    Invalid::new("unity.faults", &e)
}

impl Faults {
    pub fn from_config(cfg: &FaultsConfig) -> Result<Self, Invalid> {
        let mut f = Faults::default();
        for x in &cfg.fail_task {
            f.fails.push(FailFault {
                task: resolve_task(&x.task).map_err(invalid)?,
                percent: x.at_percent,
                remaining: x.times,
            });
        }
        for l in &cfg.lock {
            let task = resolve_task(&l.task).map_err(invalid)?;
            f.locks
                .push((task, parse_duration(&l.duration).map_err(invalid)?));
        }
        for w in &cfg.wait_for_user {
            f.waits.push(resolve_task(&w.task).map_err(invalid)?);
        }
        for w in &cfg.sp_reboot {
            let at = parse_duration(&w.at).map_err(invalid)?;
            let d = parse_duration(&w.duration).map_err(invalid)?;
            f.reboot_windows.push((at, at.saturating_add(d)));
        }
        Ok(f)
    }

    /// Takes the first lock armed at `task`: how long it holds.
    pub fn take_lock(&mut self, task: usize) -> Option<Millis> {
        let k = self.locks.iter().position(|(t, _)| *t == task)?;
        Some(self.locks.remove(k).1)
    }

    /// Takes the first wait armed at `task`.
    pub fn take_wait(&mut self, task: usize) -> bool {
        match self.waits.iter().position(|t| *t == task) {
            Some(k) => {
                self.waits.remove(k);
                true
            }
            None => false,
        }
    }
}

impl Model {
    /// The SP-reboot window in force now, if any (scenario windows, timeline reboots, and the
    /// primary SP's reboot during an upgrade).
    pub fn rebooting(&self, now: Millis) -> Option<&'static str> {
        if self
            .faults
            .reboot_windows
            .iter()
            .any(|(from, to)| *from <= now && now < *to)
        {
            return Some("SP A");
        }
        let outage = self.settings.outage_ms;
        if outage > 0
            && self.sessions.iter().any(|s| {
                s.status == UpgradeStatus::InProgress
                    && s.current == PRIMARY_REBOOT_TASK
                    && s.tasks[PRIMARY_REBOOT_TASK].status == TaskStatus::InProgress
                    && now.saturating_sub(s.run_from) < outage
            })
        {
            return Some("SP A");
        }
        None
    }
}
