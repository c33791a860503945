//! The state machines of an upgrade session and of its tasks. Both carry UpgradeStatusEnum on
//! the wire (tasks use a subset); `Display` is the enum's wire name, `code` its number.
//!
//! Session moves (anything else is an engine bug):
//!
//! | from | to |
//! |---|---|
//! | Not_Started | In_Progress, Cancelled |
//! | In_Progress | Paused, Paused_Lock, Waiting_For_User, Failed, Failed_Lock, Completed |
//! | Paused | In_Progress (resume), Cancelled (cancel) |
//! | Failed | In_Progress (resume), Cancelled (cancel) |
//! | Failed_Lock | In_Progress (resume) |
//! | Paused_Lock | In_Progress (the lock is released) |
//! | Waiting_For_User | In_Progress (acknowledge) |
//! | Completed, Cancelled | Acknowledged (acknowledge) |

use std::fmt;

use crate::kernel::StateMachine;

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

    /// What the doc allows Resume from: "paused, failed, or failed_lock".
    pub fn resumable(self) -> bool {
        matches!(self, Self::Paused | Self::Failed | Self::FailedLock)
    }
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
        use UpgradeStatus::*;
        matches!(
            (self, to),
            (NotStarted, InProgress | Cancelled)
                | (
                    InProgress,
                    Paused | PausedLock | WaitingForUser | Failed | FailedLock | Completed
                )
                | (Paused | Failed, InProgress | Cancelled)
                | (FailedLock | PausedLock | WaitingForUser, InProgress)
                | (Completed | Cancelled, Acknowledged)
        )
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
    pub fn code(self) -> u32 {
        match self {
            Self::NotStarted => 0,
            Self::InProgress => 1,
            Self::Completed => 2,
            Self::Failed => 3,
            Self::FailedLock => 4,
            Self::Cancelled => 5,
            Self::Paused => 6,
            Self::WaitingForUser => 8,
            Self::PausedLock => 9,
        }
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotStarted => "Upgrade_Not_Started",
            Self::InProgress => "Upgrade_In_Progress",
            Self::Completed => "Upgrade_Completed",
            Self::Failed => "Upgrade_Failed",
            Self::FailedLock => "Upgrade_Failed_Lock",
            Self::Cancelled => "Upgrade_Cancelled",
            Self::Paused => "Upgrade_Paused",
            Self::WaitingForUser => "Upgrade_Waiting_For_User",
            Self::PausedLock => "Upgrade_Paused_Lock",
        })
    }
}

impl StateMachine for TaskStatus {
    fn allows(self, to: Self) -> bool {
        use TaskStatus::*;
        matches!(
            (self, to),
            (
                NotStarted,
                InProgress | Paused | PausedLock | WaitingForUser | Cancelled
            ) | (InProgress, Completed | Failed | FailedLock)
                | (Paused | PausedLock | WaitingForUser, InProgress | Cancelled)
                | (Failed | FailedLock, InProgress | Cancelled)
        )
    }
}

/// JobStateEnum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Running,
    Completed,
    Failed,
}

impl JobState {
    pub fn code(self) -> u32 {
        match self {
            Self::Running => 2,
            Self::Completed => 4,
            Self::Failed => 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_is_allowed_from_exactly_the_states_the_doc_names() {
        let resumable: Vec<_> = UpgradeStatus::ALL
            .into_iter()
            .filter(|s| s.resumable())
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
        assert!(!UpgradeStatus::Acknowledged.allows(UpgradeStatus::InProgress));
    }
}
