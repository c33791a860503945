//! The two state machines of a TaurusDB upgrade: the instance's status and the job's status.
//! `Display` is the wire name. Every move goes through `kernel::transition`.

use std::fmt;

use crate::kernel::StateMachine;

/// An instance's v3 `status`. Huawei documents no API value for "upgrading minor version"
/// (the console shows 小版本升级中); the simulator reports `UPGRADING` while a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceStatus {
    Active,
    Upgrading,
    Failed,
    Frozen,
}

impl InstanceStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ACTIVE" => Some(Self::Active),
            "UPGRADING" => Some(Self::Upgrading),
            "FAILED" => Some(Self::Failed),
            "FROZEN" => Some(Self::Frozen),
            _ => None,
        }
    }

    /// The v3.1 unified status: creating / normal / abnormal / createfail.
    pub fn unified(self) -> &'static str {
        match self {
            Self::Active | Self::Upgrading => "normal",
            Self::Failed | Self::Frozen => "abnormal",
        }
    }
}

impl fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Active => "ACTIVE",
            Self::Upgrading => "UPGRADING",
            Self::Failed => "FAILED",
            Self::Frozen => "FROZEN",
        })
    }
}

impl StateMachine for InstanceStatus {
    fn allows(self, to: Self) -> bool {
        use InstanceStatus::*;
        matches!(
            (self, to),
            (Active, Upgrading | Failed | Frozen)
                | (Upgrading, Active | Failed | Frozen)
                | (Failed, Active | Frozen)
                | (Frozen, Active | Failed)
        )
    }
}

/// A job's status (GetJobInfoDetail.status, ScheduleTask.job_status). `Canceled` is what a
/// cancelled scheduled job shows (the zh doc lists it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Pending,
    Running,
    Completed,
    Failed,
    Canceled,
}

impl JobStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Pending" => Some(Self::Pending),
            "Running" => Some(Self::Running),
            "Completed" => Some(Self::Completed),
            "Failed" => Some(Self::Failed),
            "Canceled" => Some(Self::Canceled),
            _ => None,
        }
    }

    pub fn is_done(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Canceled)
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Completed => "Completed",
            Self::Failed => "Failed",
            Self::Canceled => "Canceled",
        })
    }
}

impl StateMachine for JobStatus {
    fn allows(self, to: Self) -> bool {
        use JobStatus::*;
        matches!(
            (self, to),
            (Pending, Running | Failed | Canceled) | (Running, Completed | Failed)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_job_never_moves_again() {
        for done in [JobStatus::Completed, JobStatus::Failed, JobStatus::Canceled] {
            for to in [
                JobStatus::Pending,
                JobStatus::Running,
                JobStatus::Completed,
                JobStatus::Failed,
                JobStatus::Canceled,
            ] {
                assert!(!done.allows(to), "{done} -> {to}");
            }
        }
    }

    #[test]
    fn a_running_job_cannot_be_cancelled() {
        assert!(!JobStatus::Running.allows(JobStatus::Canceled));
        assert!(JobStatus::Pending.allows(JobStatus::Canceled));
    }

    #[test]
    fn only_an_active_instance_starts_upgrading() {
        assert!(InstanceStatus::Active.allows(InstanceStatus::Upgrading));
        assert!(!InstanceStatus::Failed.allows(InstanceStatus::Upgrading));
        assert!(!InstanceStatus::Frozen.allows(InstanceStatus::Upgrading));
    }
}
