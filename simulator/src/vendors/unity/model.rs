//! The Unity world: one array, its users and login sessions, the uploaded candidate, the
//! upgrade sessions with their twelve tasks, asynchronous jobs, and the armed domain faults.
//!
//! A session runs on virtual time. Only stops need timers: each session has at most one
//! timer, at its next checkpoint (a task's end, a health check's verdict at the middle of a
//! health-check task, an armed failure point, a lock's release). Progress, `percentComplete`,
//! `elapsedTime` and `estRemainTime` are computed from the clock when read.

use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use super::config::{
    self, health_is_ok, resolve_task, Config, Settings, UserConfig, DEFAULT_TASKS,
    HEALTH_CHECK_TASKS, NO_RETURN_TASK, PAUSE_TASK, PRIMARY_REBOOT_TASK,
};
use super::error::{self, UnityError};
use super::state::{JobState, TaskStatus, UpgradeStatus};
use super::wire::{format_datetime, format_interval};
use crate::engine::Refusal;
use crate::kernel::clock::parse_duration;
use crate::kernel::Invalid;
use crate::kernel::{transition, Core, Millis, TimerQueue};

const VENDOR: &str = "unity";
/// Idle timeout of a login session, seconds (as recorded).
pub const IDLE_TIMEOUT_S: u64 = 3600;

#[derive(Debug, Clone)]
pub struct Array {
    pub model: String,
    pub name: String,
    pub serial_number: String,
    pub version: String,
    pub build: u32,
    pub sp_model: String,
    pub components: IndexMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: String,
    pub version: String,
    pub build: u32,
    pub release_ms: i64,
}

impl Candidate {
    pub fn full_version(&self) -> String {
        format!("{}.0.5.{:03}", self.version, self.build)
    }
}

#[derive(Debug, Clone)]
pub struct Task {
    pub caption: &'static str,
    pub duration: Millis,
    pub status: TaskStatus,
    pub started_at: Option<Millis>,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub candidate: Candidate,
    pub pause_before_reboot: bool,
    pub status: UpgradeStatus,
    pub created_at: Millis,
    pub tasks: Vec<Task>,
    /// The task the session is at (running, stopped before, or failed in).
    pub current: usize,
    /// When the current task's run began.
    pub run_from: Millis,
    /// The offset into the current task of the last checkpoint evaluated.
    pub passed: Option<Millis>,
    pub paused_for_reboot: bool,
    pub ended_at: Option<Millis>,
    pub lock_until: Option<Millis>,
    pub messages: Vec<Value>,
    /// Bumped on every change; a timer set for an older generation is stale.
    pub generation: u64,
}

impl Session {
    fn resource(&self) -> String {
        format!("session/{}", self.id)
    }
}

#[derive(Debug, Clone)]
pub struct Login {
    pub user: String,
    pub role: String,
    pub cookie: String,
    pub token: String,
    pub last_used: Millis,
    pub alive: bool,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    pub method: String,
    pub description: String,
    pub submitted: Millis,
    pub outcome: Result<Value, UnityError>,
}

#[derive(Debug, Clone)]
struct FailFault {
    task: usize,
    percent: u8,
    remaining: u32,
}

/// This vendor's resources and timers.
#[derive(Debug)]
pub struct Model {
    pub settings: Settings,
    pub array: Array,
    pub users: Vec<UserConfig>,
    pub candidate: Option<Candidate>,
    candidate_seq: u32,
    pub sessions: Vec<Session>,
    timers: TimerQueue<(usize, u64)>,
    pub logins: Vec<Login>,
    pub jobs: Vec<Job>,
    fails: Vec<FailFault>,
    locks: Vec<(usize, Millis)>,
    waits: Vec<usize>,
    reboot_windows: Vec<(Millis, Millis)>,
}

/// What a timer checks within the current task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Fault(usize),
    Health,
    End,
}

/// Unix milliseconds of the virtual instant `at`.
pub fn unix_ms(core: &Core, at: Millis) -> i64 {
    core.clock.datetime_at(at).timestamp_millis()
}

impl Model {
    pub fn build(cfg: &Config, core: &mut Core) -> Result<Self, Invalid> {
        let settings = cfg.validate()?;
        let mut m = Model {
            array: Array {
                model: cfg.array.model.clone(),
                name: cfg.array.name.clone(),
                serial_number: cfg.array.serial_number.clone(),
                version: cfg.array.software_version.clone(),
                build: cfg.array.software_build,
                sp_model: cfg.array.sp_model.clone(),
                components: cfg.array.components.clone(),
            },
            users: cfg.users.clone(),
            candidate: None,
            candidate_seq: 0,
            sessions: Vec::new(),
            timers: TimerQueue::default(),
            logins: Vec::new(),
            jobs: Vec::new(),
            fails: Vec::new(),
            locks: Vec::new(),
            waits: Vec::new(),
            reboot_windows: Vec::new(),
            settings,
        };
        if let Some(c) = &cfg.candidate {
            let release = m.settings.release_date_ms.unwrap_or(0);
            m.install_candidate(core, &c.version, c.build, release);
        }
        for f in &cfg.faults.fail_task {
            let task = resolve_task(&f.task).map_err(|e| Invalid::new("unity.faults", &e))?;
            m.fails.push(FailFault {
                task,
                percent: f.at_percent,
                remaining: f.times,
            });
        }
        for l in &cfg.faults.lock {
            let task = resolve_task(&l.task).map_err(|e| Invalid::new("unity.faults", &e))?;
            let ms = parse_duration(&l.duration).map_err(|e| Invalid::new("unity.faults", &e))?;
            m.locks.push((task, ms));
        }
        for w in &cfg.faults.wait_for_user {
            let task = resolve_task(&w.task).map_err(|e| Invalid::new("unity.faults", &e))?;
            m.waits.push(task);
        }
        for w in &cfg.faults.sp_reboot {
            let at = parse_duration(&w.at).map_err(|e| Invalid::new("unity.faults", &e))?;
            let d = parse_duration(&w.duration).map_err(|e| Invalid::new("unity.faults", &e))?;
            m.reboot_windows.push((at, at.saturating_add(d)));
        }
        Ok(m)
    }

    // ----- the array -------------------------------------------------------------------

    /// Components whose health blocks an upgrade, with their health.
    pub fn unhealthy(&self) -> Vec<(String, String)> {
        self.array
            .components
            .iter()
            .filter(|(_, h)| !health_is_ok(h))
            .map(|(c, h)| (c.clone(), h.clone()))
            .collect()
    }

    pub fn api_version(&self) -> String {
        let k = config::version_key(&self.array.version);
        match (k.first(), k.get(1)) {
            (Some(5), Some(minor)) => format!("{}.0", 10 + minor),
            (Some(major), Some(minor)) => format!("{major}.{minor}"),
            _ => "4.0".into(),
        }
    }

    pub fn full_version(&self) -> String {
        format!("{}.0.5.{:03}", self.array.version, self.array.build)
    }

    /// The session that is not over yet, if any.
    pub fn active_session(&self) -> Option<usize> {
        self.sessions.iter().position(|s| !s.status.is_final())
    }

    /// Uploads (or replaces) the candidate: there is at most one on the system.
    pub fn install_candidate(&mut self, core: &mut Core, version: &str, build: u32, release: i64) {
        self.candidate_seq += 1;
        let c = Candidate {
            id: format!("candidate_{}", self.candidate_seq),
            version: version.to_string(),
            build,
            release_ms: release,
        };
        core.event(
            VENDOR,
            &format!("candidate/{}", c.id),
            json!({"uploaded": c.full_version(), "replaces": self.candidate.as_ref().map(|o| o.id.clone())}),
        );
        self.candidate = Some(c);
    }

    // ----- login sessions --------------------------------------------------------------

    pub fn user(&self, name: &str, password: &str) -> Option<&UserConfig> {
        self.users
            .iter()
            .find(|u| u.name == name && u.password == password)
    }

    fn live(&self, l: &Login, now: Millis) -> bool {
        l.alive && now.saturating_sub(l.last_used) < IDLE_TIMEOUT_S * 1000
    }

    pub fn login_by_cookie(&self, cookie: &str, now: Millis) -> Option<usize> {
        self.logins
            .iter()
            .position(|l| l.cookie == cookie && self.live(l, now))
    }

    /// The user's live login session, or a new one. Basic auth without a cookie (storops over
    /// plain http loses the Secure cookie) joins the user's live session, so its CSRF token
    /// stays good "for the entirety of the session".
    pub fn login_for_user(&mut self, core: &mut Core, user: &UserConfig) -> (usize, bool) {
        let now = core.now();
        if let Some(i) = self
            .logins
            .iter()
            .rposition(|l| l.user == user.name && self.live(l, now))
        {
            return (i, false);
        }
        let n = self.logins.len() as u64 + 1;
        let mut rng = core.rng(&format!("login/{n}"));
        let mut bytes = [0u8; 64];
        rand::RngCore::fill_bytes(&mut rng, &mut bytes);
        let token = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
        let mut cookie_bytes = [0u8; 24];
        rand::RngCore::fill_bytes(&mut rng, &mut cookie_bytes);
        let cookie = format!(
            "value3&1&value1&{}&value2&{}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                &cookie_bytes[..12]
            ),
            hex::encode(&cookie_bytes[12..])
        );
        self.logins.push(Login {
            user: user.name.clone(),
            role: user.role.clone(),
            cookie,
            token,
            last_used: now,
            alive: true,
        });
        core.event(
            VENDOR,
            &format!("login/{n}"),
            json!({"user": user.name, "login": true}),
        );
        (self.logins.len() - 1, true)
    }

    pub fn logout(&mut self, core: &mut Core, login: usize) {
        if let Some(l) = self.logins.get_mut(login) {
            l.alive = false;
            core.event(
                VENDOR,
                &format!("login/{}", login + 1),
                json!({"user": l.user, "logout": true}),
            );
        }
    }

    // ----- upgrade sessions ------------------------------------------------------------

    /// Creates a session (the handler has checked every precondition).
    pub fn create_session(&mut self, core: &mut Core, pause_before_reboot: bool) -> Option<String> {
        let candidate = self.candidate.clone()?;
        let base = format!("Upgrade_{}.{}", candidate.version, candidate.build);
        let mut id = base.clone();
        let mut n = 1;
        while self.sessions.iter().any(|s| s.id == id) {
            n += 1;
            id = format!("{base}_{n}");
        }
        let now = core.now();
        let tasks = DEFAULT_TASKS
            .iter()
            .zip(&self.settings.task_ms)
            .map(|((caption, _), d)| Task {
                caption,
                duration: *d,
                status: TaskStatus::NotStarted,
                started_at: None,
            })
            .collect();
        let s = Session {
            id: id.clone(),
            candidate,
            pause_before_reboot,
            status: UpgradeStatus::NotStarted,
            created_at: now,
            tasks,
            current: 0,
            run_from: now,
            passed: None,
            paused_for_reboot: false,
            ended_at: None,
            lock_until: None,
            messages: Vec::new(),
            generation: 0,
        };
        core.event(
            VENDOR,
            &s.resource(),
            json!({"created": id, "candidate": s.candidate.full_version(), "pauseBeforeReboot": pause_before_reboot}),
        );
        self.sessions.push(s);
        let idx = self.sessions.len() - 1;
        let at = now + self.settings.start_delay_ms;
        self.arm(idx, at);
        Some(id)
    }

    pub fn session_index(&self, id: &str) -> Option<usize> {
        self.sessions.iter().position(|s| s.id == id)
    }

    /// Sets the session's one timer (dropping any older one by generation).
    fn arm(&mut self, idx: usize, at: Millis) {
        let s = &mut self.sessions[idx];
        s.generation += 1;
        self.timers.schedule(at, (idx, s.generation));
    }

    fn disarm(&mut self, idx: usize) {
        self.sessions[idx].generation += 1;
    }

    fn set_status(&mut self, core: &mut Core, idx: usize, to: UpgradeStatus, detail: Value) {
        let s = &mut self.sessions[idx];
        let resource = s.resource();
        transition(core, VENDOR, &resource, &mut s.status, to, detail);
    }

    fn set_task(&mut self, core: &mut Core, idx: usize, task: usize, to: TaskStatus) {
        let s = &mut self.sessions[idx];
        let resource = format!("{}/task/{task}", s.resource());
        let caption = s.tasks[task].caption;
        transition(
            core,
            VENDOR,
            &resource,
            &mut s.tasks[task].status,
            to,
            json!({"caption": caption}),
        );
    }

    /// The checkpoints of task `i`, ordered by offset (failures first at equal offsets).
    fn checkpoints(&self, i: usize, duration: Millis) -> Vec<(Millis, Check)> {
        let mut out: Vec<(Millis, Check)> = self
            .fails
            .iter()
            .enumerate()
            .filter(|(_, f)| f.task == i && f.remaining > 0)
            .map(|(k, f)| (duration * f.percent as u64 / 100, Check::Fault(k)))
            .collect();
        if HEALTH_CHECK_TASKS.contains(&i) {
            out.push((duration / 2, Check::Health));
        }
        out.push((duration, Check::End));
        out.sort_by_key(|(off, c)| (*off, matches!(c, Check::End)));
        out
    }

    /// Sets the timer at the current task's next checkpoint.
    fn arm_next_checkpoint(&mut self, idx: usize) {
        let s = &self.sessions[idx];
        let task = &s.tasks[s.current];
        let next = self
            .checkpoints(s.current, task.duration)
            .into_iter()
            .find(|(off, _)| s.passed.is_none_or(|p| *off > p));
        if let Some((off, _)) = next {
            let at = s.run_from + off;
            self.arm(idx, at);
        }
    }

    /// Starts (or restarts) task `task` at `at`, unless a stop is due before it.
    fn enter_task(&mut self, core: &mut Core, idx: usize, task: usize, at: Millis) {
        if task >= self.sessions[idx].tasks.len() {
            self.complete(core, idx, at);
            return;
        }
        self.sessions[idx].current = task;
        let fresh = self.sessions[idx].tasks[task].status == TaskStatus::NotStarted;
        if fresh {
            let s = &self.sessions[idx];
            if task == PAUSE_TASK && s.pause_before_reboot && !s.paused_for_reboot {
                self.sessions[idx].paused_for_reboot = true;
                self.set_task(core, idx, task, TaskStatus::Paused);
                self.set_status(
                    core,
                    idx,
                    UpgradeStatus::Paused,
                    json!({"reason": "pauseBeforeReboot: stopped before the first SP reboot"}),
                );
                self.disarm(idx);
                return;
            }
            if let Some(k) = self.locks.iter().position(|(t, _)| *t == task) {
                let (_, hold) = self.locks.remove(k);
                self.set_task(core, idx, task, TaskStatus::PausedLock);
                self.set_status(
                    core,
                    idx,
                    UpgradeStatus::PausedLock,
                    json!({"reason": "the system holds a lock past the point of no return", "for_ms": hold}),
                );
                self.sessions[idx].lock_until = Some(at + hold);
                self.arm(idx, at + hold);
                return;
            }
            if let Some(k) = self.waits.iter().position(|t| *t == task) {
                self.waits.remove(k);
                self.set_task(core, idx, task, TaskStatus::WaitingForUser);
                self.set_status(
                    core,
                    idx,
                    UpgradeStatus::WaitingForUser,
                    json!({"reason": "waiting for the user to acknowledge before continuing"}),
                );
                self.disarm(idx);
                return;
            }
        }
        self.set_task(core, idx, task, TaskStatus::InProgress);
        let s = &mut self.sessions[idx];
        s.tasks[task].started_at = Some(at);
        s.run_from = at;
        s.passed = None;
        self.arm_next_checkpoint(idx);
    }

    fn complete(&mut self, core: &mut Core, idx: usize, at: Millis) {
        let s = &mut self.sessions[idx];
        s.ended_at = Some(at);
        s.current = s.tasks.len() - 1;
        let version = s.candidate.version.clone();
        let build = s.candidate.build;
        let cand_id = s.candidate.id.clone();
        self.set_status(
            core,
            idx,
            UpgradeStatus::Completed,
            json!({"softwareVersion": version}),
        );
        let from = self.array.version.clone();
        self.array.version = version.clone();
        self.array.build = build;
        if self.candidate.as_ref().is_some_and(|c| c.id == cand_id) {
            self.candidate = None;
        }
        core.event(
            VENDOR,
            "array",
            json!({"softwareVersion": {"from": from, "to": version}}),
        );
        self.disarm(idx);
    }

    fn fail(&mut self, core: &mut Core, idx: usize, at_offset: Millis, reason: String) {
        let s = &mut self.sessions[idx];
        let task = s.current;
        s.passed = Some(at_offset);
        let locked = task >= NO_RETURN_TASK;
        let caption = s.tasks[task].caption;
        let text = format!("The upgrade task \"{caption}\" failed: {reason}");
        s.messages.push(json!({
            "errorCode": error::UPGRADE_TASK_FAILED.to_string(),
            "messages": [{"en-US": format!("{text} (Error Code:{:#x})", error::UPGRADE_TASK_FAILED)}],
            "severity": 3,
            "httpStatus": 500,
        }));
        let (ts, ss) = if locked {
            (TaskStatus::FailedLock, UpgradeStatus::FailedLock)
        } else {
            (TaskStatus::Failed, UpgradeStatus::Failed)
        };
        self.set_task(core, idx, task, ts);
        self.set_status(
            core,
            idx,
            ss,
            json!({"task": task, "caption": caption, "reason": reason, "past_point_of_no_return": locked}),
        );
        self.disarm(idx);
    }

    /// Runs a session's due checkpoints up to now.
    fn step(&mut self, core: &mut Core, idx: usize) {
        let now = core.now();
        match self.sessions[idx].status {
            UpgradeStatus::NotStarted => {
                self.set_status(
                    core,
                    idx,
                    UpgradeStatus::InProgress,
                    json!({"reason": "the session starts its tasks"}),
                );
                let at = self.sessions[idx].created_at + self.settings.start_delay_ms;
                self.enter_task(core, idx, 0, at.min(now));
            }
            UpgradeStatus::PausedLock => {
                if self.sessions[idx].lock_until.is_some_and(|t| t <= now) {
                    let at = self.sessions[idx].lock_until.take().unwrap_or(now);
                    self.set_status(
                        core,
                        idx,
                        UpgradeStatus::InProgress,
                        json!({"reason": "the lock was released"}),
                    );
                    let task = self.sessions[idx].current;
                    self.enter_task(core, idx, task, at);
                }
                return;
            }
            UpgradeStatus::InProgress => {}
            _ => return,
        }
        // Evaluate checkpoints in order until the session stops or the next lies ahead.
        for _ in 0..64 {
            if self.sessions[idx].status != UpgradeStatus::InProgress {
                return;
            }
            let s = &self.sessions[idx];
            let i = s.current;
            let duration = s.tasks[i].duration;
            let run_from = s.run_from;
            let next = self
                .checkpoints(i, duration)
                .into_iter()
                .find(|(off, _)| s.passed.is_none_or(|p| *off > p));
            let Some((off, check)) = next else { return };
            if run_from + off > now {
                self.arm(idx, run_from + off);
                return;
            }
            match check {
                Check::Fault(k) => {
                    self.fails[k].remaining -= 1;
                    let pct = self.fails[k].percent;
                    self.sessions[idx].passed = Some(off);
                    core.fault(
                        VENDOR,
                        &self.sessions[idx].resource(),
                        json!({"fail_task": i, "at_percent": pct}),
                    );
                    self.fail(
                        core,
                        idx,
                        off,
                        format!("an internal error occurred at {pct}% (scenario fault)"),
                    );
                }
                Check::Health => {
                    let bad = self.unhealthy();
                    if bad.is_empty() {
                        self.sessions[idx].passed = Some(off);
                    } else {
                        let list = bad
                            .iter()
                            .map(|(c, h)| format!("{c} is {h}"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        self.fail(
                            core,
                            idx,
                            off,
                            format!("the system is not healthy ({list}); all components must be healthy before an upgrade"),
                        );
                    }
                }
                Check::End => {
                    self.set_task(core, idx, i, TaskStatus::Completed);
                    self.enter_task(core, idx, i + 1, run_from + off);
                }
            }
        }
    }

    /// Resume: from Paused, Failed or Failed_Lock (the handler checked).
    pub fn resume(&mut self, core: &mut Core, idx: usize) {
        let now = core.now();
        self.set_status(
            core,
            idx,
            UpgradeStatus::InProgress,
            json!({"reason": "resumed"}),
        );
        let task = self.sessions[idx].current;
        // A stop before a task (pause) starts it; a failed task runs again from its start.
        self.enter_task_after_stop(core, idx, task, now);
    }

    fn enter_task_after_stop(&mut self, core: &mut Core, idx: usize, task: usize, at: Millis) {
        self.set_task(core, idx, task, TaskStatus::InProgress);
        let s = &mut self.sessions[idx];
        s.tasks[task].started_at = Some(at);
        s.run_from = at;
        s.passed = None;
        self.arm_next_checkpoint(idx);
    }

    /// Acknowledge: a Completed or Cancelled session is acknowledged; a session waiting for
    /// the user continues.
    pub fn acknowledge(&mut self, core: &mut Core, idx: usize) {
        let now = core.now();
        match self.sessions[idx].status {
            UpgradeStatus::WaitingForUser => {
                self.set_status(
                    core,
                    idx,
                    UpgradeStatus::InProgress,
                    json!({"reason": "the user acknowledged"}),
                );
                let task = self.sessions[idx].current;
                self.enter_task_after_stop(core, idx, task, now);
            }
            _ => self.set_status(
                core,
                idx,
                UpgradeStatus::Acknowledged,
                json!({"reason": "acknowledged"}),
            ),
        }
    }

    /// Cancel: from Not_Started, Paused or Failed; the candidate is removed.
    pub fn cancel(&mut self, core: &mut Core, idx: usize) {
        let task = self.sessions[idx].current;
        let ts = self.sessions[idx].tasks[task].status;
        if ts != TaskStatus::NotStarted && ts != TaskStatus::Completed {
            self.set_task(core, idx, task, TaskStatus::Cancelled);
        }
        self.sessions[idx].ended_at = Some(core.now());
        self.set_status(
            core,
            idx,
            UpgradeStatus::Cancelled,
            json!({"reason": "cancelled; the candidate was removed"}),
        );
        self.disarm(idx);
        let cand = self.sessions[idx].candidate.id.clone();
        if self.candidate.as_ref().is_some_and(|c| c.id == cand) {
            self.candidate = None;
            core.event(
                VENDOR,
                &format!("candidate/{cand}"),
                json!({"removed": true}),
            );
        }
    }

    // ----- reading -----------------------------------------------------------------------

    /// percentComplete: the share of task time done, 100 once completed.
    pub fn percent(&self, s: &Session, now: Millis) -> u64 {
        if s.tasks.iter().all(|t| t.status == TaskStatus::Completed) {
            return 100;
        }
        let total: Millis = s.tasks.iter().map(|t| t.duration).sum();
        let done: Millis = s
            .tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Completed)
            .map(|t| t.duration)
            .sum();
        let current = &s.tasks[s.current];
        let partial = match s.status {
            UpgradeStatus::InProgress if current.status == TaskStatus::InProgress => {
                now.saturating_sub(s.run_from).min(current.duration)
            }
            _ if matches!(current.status, TaskStatus::Failed | TaskStatus::FailedLock) => {
                s.passed.unwrap_or(0)
            }
            _ => 0,
        };
        if total == 0 {
            return 0;
        }
        ((done + partial) * 100 / total).min(99)
    }

    pub fn session_content(&self, core: &Core, s: &Session) -> Map<String, Value> {
        let now = core.now();
        let created = format_datetime(unix_ms(core, s.created_at));
        let tasks: Vec<Value> = s
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let est = if i == s.current
                    && t.status == TaskStatus::InProgress
                    && s.status == UpgradeStatus::InProgress
                {
                    t.duration
                        .saturating_sub(now.saturating_sub(s.run_from))
                } else {
                    t.duration
                };
                json!({
                    "status": t.status.code(),
                    "type": 0,
                    "caption": t.caption,
                    "creationTime": t.started_at.map_or(created.clone(), |a| format_datetime(unix_ms(core, a))),
                    "estRemainTime": format_interval(est),
                })
            })
            .collect();
        let elapsed = s.ended_at.unwrap_or(now).saturating_sub(s.created_at);
        let mut m = Map::new();
        m.insert("id".into(), json!(s.id));
        m.insert("type".into(), json!(0));
        m.insert("candidate".into(), json!({"id": s.candidate.id}));
        m.insert("caption".into(), json!(s.id));
        m.insert("status".into(), json!(s.status.code()));
        m.insert("messages".into(), Value::Array(s.messages.clone()));
        m.insert("creationTime".into(), json!(created));
        m.insert("elapsedTime".into(), json!(format_interval(elapsed)));
        m.insert("percentComplete".into(), json!(self.percent(s, now)));
        m.insert("tasks".into(), Value::Array(tasks));
        m
    }

    pub fn job_content(&self, core: &Core, j: &Job) -> Map<String, Value> {
        let now = core.now();
        let end = j.submitted + self.settings.job_ms;
        let running = now < end;
        let state = match (&j.outcome, running) {
            (_, true) => JobState::Running,
            (Ok(_), false) => JobState::Completed,
            (Err(_), false) => JobState::Failed,
        };
        let submit = format_datetime(unix_ms(core, j.submitted));
        let mut m = Map::new();
        m.insert("id".into(), json!(j.id));
        m.insert(
            "instanceId".into(),
            json!(format!(
                "root/emc:EMC_UEM_TransactionJobLeaf%InstanceID={}",
                j.id
            )),
        );
        m.insert("description".into(), json!(j.description));
        m.insert("state".into(), json!(state.code()));
        m.insert(
            "stateChangeTime".into(),
            json!(if running {
                submit.clone()
            } else {
                format_datetime(unix_ms(core, end))
            }),
        );
        m.insert("submitTime".into(), json!(submit));
        m.insert("startTime".into(), json!(submit));
        if !running {
            m.insert("endTime".into(), json!(format_datetime(unix_ms(core, end))));
        }
        m.insert(
            "elapsedTime".into(),
            json!(format_interval(now.min(end) - j.submitted)),
        );
        m.insert(
            "estRemainTime".into(),
            json!(format_interval(end.saturating_sub(now))),
        );
        m.insert("progressPct".into(), json!(if running { 0 } else { 100 }));
        let task_state = match state {
            JobState::Running => 1,
            JobState::Completed => 2,
            JobState::Failed => 3,
        };
        m.insert(
            "tasks".into(),
            json!([{"state": task_state, "name": j.method, "description": j.description}]),
        );
        m.insert("owner".into(), json!("System"));
        m.insert("requestId".into(), json!(""));
        m.insert("methodName".into(), json!(j.method));
        if !running {
            match &j.outcome {
                Ok(out) => {
                    m.insert("parametersOut".into(), out.clone());
                    m.insert(
                        "messageOut".into(),
                        json!({"errorCode": 0, "messages": [{"locale": "en_US", "message": "Success"}]}),
                    );
                    m.insert("statusCodeOut".into(), json!(0));
                }
                Err(e) => {
                    let body = e.body();
                    m.insert("parametersOut".into(), json!({}));
                    m.insert(
                        "messageOut".into(),
                        json!({"errorCode": e.code, "messages": body["error"]["messages"].as_array().map(|ms| ms.iter().map(|x| json!({"locale": "en_US", "message": x["en-US"]})).collect::<Vec<_>>())}),
                    );
                    m.insert("statusCodeOut".into(), json!(e.code));
                }
            }
        }
        m.insert("isJobCancelable".into(), json!(false));
        m.insert("isJobCancelled".into(), json!(false));
        m.insert("clientData".into(), json!(""));
        m
    }

    pub fn add_job(
        &mut self,
        core: &mut Core,
        method: &str,
        description: &str,
        outcome: Result<Value, UnityError>,
    ) -> usize {
        let id = format!("N-{}", self.jobs.len() + 1);
        core.event(
            VENDOR,
            &format!("job/{id}"),
            json!({"method": method, "ok": outcome.is_ok()}),
        );
        self.jobs.push(Job {
            id,
            method: method.to_string(),
            description: description.to_string(),
            submitted: core.now(),
            outcome,
        });
        self.jobs.len() - 1
    }

    /// The SP-reboot window in force now, if any (scenario windows, timeline reboots, and the
    /// primary SP's reboot during an upgrade).
    pub fn rebooting(&self, now: Millis) -> Option<&'static str> {
        if self
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

    // ----- timeline actions ---------------------------------------------------------------

    fn arg_session(&self, args: &Value) -> Result<usize, String> {
        match args.get("session").and_then(Value::as_str) {
            Some(id) => self
                .session_index(id)
                .ok_or_else(|| format!("no session '{id}'")),
            None => {
                if self.sessions.is_empty() {
                    Err("there is no upgrade session yet (create_session first)".into())
                } else {
                    Ok(self.sessions.len() - 1)
                }
            }
        }
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

    pub fn do_action(&mut self, core: &mut Core, action: &str, args: &Value) -> Result<(), String> {
        match action {
            "create_session" => {
                let pause = args
                    .get("pause_before_reboot")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                if let Some(i) = self.active_session() {
                    return Err(format!(
                        "session {} is still {}",
                        self.sessions[i].id, self.sessions[i].status
                    ));
                }
                self.create_session(core, pause)
                    .map(|_| ())
                    .ok_or_else(|| "no candidate is uploaded".to_string())
            }
            "resume_session" => {
                let idx = self.arg_session(args)?;
                let st = self.sessions[idx].status;
                if !st.resumable() {
                    return Err(format!(
                        "session {} is {st}, not resumable",
                        self.sessions[idx].id
                    ));
                }
                self.resume(core, idx);
                Ok(())
            }
            "acknowledge_session" => {
                let idx = self.arg_session(args)?;
                let st = self.sessions[idx].status;
                if !matches!(
                    st,
                    UpgradeStatus::Completed
                        | UpgradeStatus::Cancelled
                        | UpgradeStatus::WaitingForUser
                ) {
                    return Err(format!("session {} is {st}", self.sessions[idx].id));
                }
                self.acknowledge(core, idx);
                Ok(())
            }
            "cancel_session" => {
                let idx = self.arg_session(args)?;
                let st = self.sessions[idx].status;
                if !matches!(
                    st,
                    UpgradeStatus::NotStarted | UpgradeStatus::Paused | UpgradeStatus::Failed
                ) {
                    return Err(format!("session {} is {st}", self.sessions[idx].id));
                }
                self.cancel(core, idx);
                Ok(())
            }
            "fail_task" => {
                let task = Self::arg_task(args)?;
                let percent = args.get("at_percent").and_then(Value::as_u64).unwrap_or(50);
                if percent > 99 {
                    return Err("at_percent must be 0 to 99".into());
                }
                let times = args.get("times").and_then(Value::as_u64).unwrap_or(1) as u32;
                self.fails.push(FailFault {
                    task,
                    percent: percent as u8,
                    remaining: times,
                });
                self.rearm_running();
                Ok(())
            }
            "lock_session" => {
                let task = Self::arg_task(args)?;
                if task < NO_RETURN_TASK {
                    return Err(format!(
                        "a lock only happens past the point of no return (task {NO_RETURN_TASK} or later)"
                    ));
                }
                let hold = Self::arg_duration(args, "for", "10m")?;
                self.locks.push((task, hold));
                Ok(())
            }
            "wait_for_user" => {
                let task = Self::arg_task(args)?;
                self.waits.push(task);
                Ok(())
            }
            "sp_reboot" => {
                let d = Self::arg_duration(args, "for", "5m")?;
                let now = core.now();
                self.reboot_windows.push((now, now + d));
                Ok(())
            }
            "set_component_health" => {
                let component = args
                    .get("component")
                    .and_then(Value::as_str)
                    .ok_or("needs 'component'")?;
                let health = args
                    .get("health")
                    .and_then(Value::as_str)
                    .ok_or("needs 'health' (OK, DEGRADED, MAJOR...)")?;
                if config::health_value(health).is_none() {
                    return Err(format!("'{health}' is not a health (OK, OK_BUT, DEGRADED, MINOR, MAJOR, CRITICAL, NON_RECOVERABLE, UNKNOWN)"));
                }
                let from = self
                    .array
                    .components
                    .insert(component.to_string(), health.to_ascii_uppercase());
                core.event(
                    VENDOR,
                    &format!("array/component/{component}"),
                    json!({"health": {"from": from, "to": health}}),
                );
                Ok(())
            }
            "upload_candidate" => {
                let version = args
                    .get("version")
                    .and_then(Value::as_str)
                    .ok_or("needs 'version' (like 5.3.0)")?;
                if !config::valid_version(version) {
                    return Err("version must be major.minor.patch".into());
                }
                let build = args.get("build").and_then(Value::as_u64).unwrap_or(100) as u32;
                let release = core.clock.datetime().timestamp_millis();
                self.install_candidate(core, version, build, release);
                Ok(())
            }
            other => Err(format!("unity has no action '{other}'")),
        }
    }

    /// A fault armed mid-task moves the running task's next checkpoint earlier.
    fn rearm_running(&mut self) {
        for idx in 0..self.sessions.len() {
            if self.sessions[idx].status == UpgradeStatus::InProgress {
                self.arm_next_checkpoint(idx);
            }
        }
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
                    "percentComplete": self.percent(s, now),
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
                "model": self.array.model,
                "softwareVersion": self.array.version,
                "softwareFullVersion": self.full_version(),
                "components": self.array.components,
                "rebooting": self.rebooting(now).is_some(),
            },
            "candidate": self.candidate.as_ref().map(|c| json!({"id": c.id, "version": c.version, "fullVersion": c.full_version()})),
            "sessions": sessions,
            "logins": self.logins.iter().filter(|l| self.live(l, now)).count(),
            "jobs": self.jobs.len(),
        })
    }
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
        self.timers.next_due()
    }

    fn fire_due(&mut self, core: &mut Core) {
        while let Some((_, (idx, generation))) = self.timers.pop_due(core.now()) {
            if self
                .sessions
                .get(idx)
                .is_some_and(|s| s.generation == generation)
            {
                self.step(core, idx);
            }
        }
    }

    fn snapshot(&self, core: &Core) -> Value {
        Model::snapshot(self, core)
    }

    fn actions(&self) -> &'static [&'static str] {
        &[
            "create_session",
            "resume_session",
            "acknowledge_session",
            "cancel_session",
            "fail_task",
            "lock_session",
            "wait_for_user",
            "sp_reboot",
            "set_component_health",
            "upload_candidate",
        ]
    }

    fn refusal(&self, core: &Core, _method: &str, _path: &str) -> Option<Refusal> {
        self.rebooting(core.now()).map(|sp| Refusal::Error {
            status: 503,
            message: format!(
                "The system is temporarily unavailable: storage processor {sp} is rebooting and management services are failing over. Try again in a few minutes."
            ),
        })
    }

    fn apply(&mut self, core: &mut Core, action: &str, args: &Value) -> Result<(), String> {
        self.do_action(core, action, args)
    }
}
