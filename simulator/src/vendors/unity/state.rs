//! The state machines of an upgrade session, of its tasks and of an asynchronous job, each
//! with its one table of legal moves ([`StateTable::MOVES`]) next to its enum. The sessions'
//! driver and the HTTP operations both ask these tables: a client operation the table does not
//! permit gets Unity's refusal, and a move it does not list is a simulator bug. Sessions and
//! tasks carry UpgradeStatusEnum on the wire (tasks use a subset); `Display` is the enum's wire
//! name, `code` its number.

use std::fmt;

use crate::kernel::{table_allows, StateMachine, StateTable};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpgradeStatus {
    NotStarted,
    InProgress,
    Completed,
    Failed,
    FailedLock,
    Cancelled,
    Paused,
    Acknowledged,
    WaitingForUser,
    PausedLock,
}

impl UpgradeStatus {
    pub const ALL: [UpgradeStatus; 10] = [
        Self::NotStarted,
        Self::InProgress,
        Self::Completed,
        Self::Failed,
        Self::FailedLock,
        Self::Cancelled,
        Self::Paused,
        Self::Acknowledged,
        Self::WaitingForUser,
        Self::PausedLock,
    ];

    /// The UpgradeStatusEnum number on the wire.
    pub fn code(self) -> u32 {
        match self {
            Self::NotStarted => 0,
            Self::InProgress => 1,
            Self::Completed => 2,
            Self::Failed => 3,
            Self::FailedLock => 4,
            Self::Cancelled => 5,
            Self::Paused => 6,
            Self::Acknowledged => 7,
            Self::WaitingForUser => 8,
            Self::PausedLock => 9,
        }
    }

    /// Whether the session is over (no new session may start while one is not).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled | Self::Acknowledged)
    }
}

/// What moves a session: the client's Resume, Cancel and Acknowledge, and the driver's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOp {
    /// The start delay is over: the first task begins.
    Start,
    /// pauseBeforeReboot: the session stops before the first SP reboot.
    PauseBeforeReboot,
    /// The system holds a lock past the point of no return.
    Lock,
    /// The lock was released.
    Release,
    /// A task needs the user's acknowledgement before it runs.
    WaitForUser,
    /// A task failed before the point of no return.
    Fail,
    /// A task failed past the point of no return.
    FailLock,
    /// The last task is done.
    Complete,
    /// Client: Resume (the doc: "paused, failed, or failed_lock").
    Resume,
    /// Client: Cancel (upgradeSession only).
    Cancel,
    /// Client: Acknowledge (upgradeSession only).
    Acknowledge,
}

impl SessionOp {
    /// The client operations, by their action name in the URL.
    pub fn from_action(action: &str) -> Option<Self> {
        match action {
            "resume" => Some(Self::Resume),
            "cancel" => Some(Self::Cancel),
            "acknowledge" => Some(Self::Acknowledge),
            _ => None,
        }
    }

    /// The action's name in the URL and in job names.
    pub fn action(self) -> &'static str {
        match self {
            Self::Resume => "resume",
            Self::Cancel => "cancel",
            Self::Acknowledge => "acknowledge",
            _ => "internal",
        }
    }

    /// What the refusal of a client operation tells the user, after the session's status.
    pub fn refusal(self) -> &'static str {
        match self {
            Self::Resume => "only a paused, failed or failed-locked session can be resumed.",
            Self::Cancel => "only a session that has not started, is paused, or failed before the point of no return can be cancelled.",
            _ => "only a completed or cancelled session, or one waiting for the user, can be acknowledged.",
        }
    }
}

impl StateTable for UpgradeStatus {
    type Op = SessionOp;
    const MOVES: &'static [(Self, SessionOp, Self)] = {
        use SessionOp as O;
        use UpgradeStatus as S;
        &[
            (S::NotStarted, O::Start, S::InProgress),
            (S::NotStarted, O::Cancel, S::Cancelled),
            (S::InProgress, O::PauseBeforeReboot, S::Paused),
            (S::InProgress, O::Lock, S::PausedLock),
            (S::InProgress, O::WaitForUser, S::WaitingForUser),
            (S::InProgress, O::Fail, S::Failed),
            (S::InProgress, O::FailLock, S::FailedLock),
            (S::InProgress, O::Complete, S::Completed),
            (S::Paused, O::Resume, S::InProgress),
            (S::Paused, O::Cancel, S::Cancelled),
            (S::Failed, O::Resume, S::InProgress),
            (S::Failed, O::Cancel, S::Cancelled),
            (S::FailedLock, O::Resume, S::InProgress),
            (S::PausedLock, O::Release, S::InProgress),
            (S::WaitingForUser, O::Acknowledge, S::InProgress),
            (S::Completed, O::Acknowledge, S::Acknowledged),
            (S::Cancelled, O::Acknowledge, S::Acknowledged),
        ]
    };
}

impl fmt::Display for UpgradeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotStarted => "Upgrade_Not_Started",
            Self::InProgress => "Upgrade_In_Progress",
            Self::Completed => "Upgrade_Completed",
            Self::Failed => "Upgrade_Failed",
            Self::FailedLock => "Upgrade_Failed_Lock",
            Self::Cancelled => "Upgrade_Cancelled",
            Self::Paused => "Upgrade_Paused",
            Self::Acknowledged => "Upgrade_Acknowledged",
            Self::WaitingForUser => "Upgrade_Waiting_For_User",
            Self::PausedLock => "Upgrade_Paused_Lock",
        })
    }
}

impl StateMachine for UpgradeStatus {
    fn allows(self, to: Self) -> bool {
        table_allows(self, to)
    }
}

/// A task's status: the same enum, used the way the recorded array used it (0 not started,
/// 1 running, 2 done) plus the stop the session made at this task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    NotStarted,
    InProgress,
    Completed,
    Failed,
    FailedLock,
    Paused,
    PausedLock,
    WaitingForUser,
    Cancelled,
}

impl TaskStatus {
    /// The same status as the session's enum: tasks share UpgradeStatusEnum on the wire.
    fn wire(self) -> UpgradeStatus {
        match self {
            Self::NotStarted => UpgradeStatus::NotStarted,
            Self::InProgress => UpgradeStatus::InProgress,
            Self::Completed => UpgradeStatus::Completed,
            Self::Failed => UpgradeStatus::Failed,
            Self::FailedLock => UpgradeStatus::FailedLock,
            Self::Cancelled => UpgradeStatus::Cancelled,
            Self::Paused => UpgradeStatus::Paused,
            Self::WaitingForUser => UpgradeStatus::WaitingForUser,
            Self::PausedLock => UpgradeStatus::PausedLock,
        }
    }

    pub fn code(self) -> u32 {
        self.wire().code()
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.wire().fmt(f)
    }
}

/// What moves a task: the session's driver, and the session's Resume, Acknowledge or Cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOp {
    /// The task (re)starts running.
    Run,
    /// The session stops before this task (pauseBeforeReboot).
    Pause,
    /// The session is locked at this task.
    Lock,
    /// The session waits for the user before this task.
    WaitForUser,
    Complete,
    Fail,
    FailLock,
    /// The session is cancelled while stopped at this task.
    Cancel,
}

impl StateTable for TaskStatus {
    type Op = TaskOp;
    const MOVES: &'static [(Self, TaskOp, Self)] = {
        use TaskOp as O;
        use TaskStatus as S;
        &[
            (S::NotStarted, O::Run, S::InProgress),
            (S::NotStarted, O::Pause, S::Paused),
            (S::NotStarted, O::Lock, S::PausedLock),
            (S::NotStarted, O::WaitForUser, S::WaitingForUser),
            (S::InProgress, O::Complete, S::Completed),
            (S::InProgress, O::Fail, S::Failed),
            (S::InProgress, O::FailLock, S::FailedLock),
            (S::Paused, O::Run, S::InProgress),
            (S::Paused, O::Cancel, S::Cancelled),
            (S::PausedLock, O::Run, S::InProgress),
            (S::PausedLock, O::Cancel, S::Cancelled),
            (S::WaitingForUser, O::Run, S::InProgress),
            (S::WaitingForUser, O::Cancel, S::Cancelled),
            (S::Failed, O::Run, S::InProgress),
            (S::Failed, O::Cancel, S::Cancelled),
            (S::FailedLock, O::Run, S::InProgress),
            (S::FailedLock, O::Cancel, S::Cancelled),
        ]
    };
}

impl StateMachine for TaskStatus {
    fn allows(self, to: Self) -> bool {
        table_allows(self, to)
    }
}

/// JobStateEnum. A job's state follows from virtual time (it runs for the job duration) and
/// its outcome; the table says where a running job may end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Running,
    Completed,
    Failed,
}

/// How a job ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOp {
    Succeed,
    Fail,
}

impl JobState {
    pub fn code(self) -> u32 {
        match self {
            Self::Running => 2,
            Self::Completed => 4,
            Self::Failed => 5,
        }
    }

    /// The state of the job's one task (UpgradeStatusEnum-like: 1 running, 2 done, 3 failed).
    pub fn task_code(self) -> u32 {
        match self {
            Self::Running => 1,
            Self::Completed => 2,
            Self::Failed => 3,
        }
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl StateTable for JobState {
    type Op = JobOp;
    const MOVES: &'static [(Self, JobOp, Self)] = &[
        (JobState::Running, JobOp::Succeed, JobState::Completed),
        (JobState::Running, JobOp::Fail, JobState::Failed),
    ];
}

impl StateMachine for JobState {
    fn allows(self, to: Self) -> bool {
        table_allows(self, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_is_allowed_from_exactly_the_states_the_doc_names() {
        let resumable: Vec<_> = UpgradeStatus::ALL
            .into_iter()
            .filter(|s| s.permits(SessionOp::Resume))
            .collect();
        assert_eq!(
            resumable,
            vec![
                UpgradeStatus::Failed,
                UpgradeStatus::FailedLock,
                UpgradeStatus::Paused
            ]
        );
        for s in resumable {
            assert!(s.allows(UpgradeStatus::InProgress));
        }
    }

    #[test]
    fn a_completed_session_never_runs_again() {
        assert!(!UpgradeStatus::Completed.allows(UpgradeStatus::InProgress));
        assert_eq!(UpgradeStatus::Completed.next(SessionOp::Resume), None);
        assert!(!UpgradeStatus::Acknowledged.allows(UpgradeStatus::InProgress));
    }
}
