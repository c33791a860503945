//! The two state machines of a TaurusDB upgrade: the instance's status and the job's status,
//! each with its one table of legal moves (`MOVES`: in which state an operation is legal and
//! where it leads). The domain asks the table before it moves anything, and the refusal a
//! client or a timeline action gets comes from the same answer. `Display` is the wire name.

use std::fmt;

use crate::kernel::{table_allows, StateMachine, StateTable};

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

impl InstanceStatus {
    /// The v3 wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Upgrading => "UPGRADING",
            Self::Failed => "FAILED",
            Self::Frozen => "FROZEN",
        }
    }
}

impl fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What moves an instance: its upgrade job starting and ending, and the scenario's domain
/// faults (an instance failing, an account frozen in arrears, either one recovering).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceOp {
    StartUpgrade,
    EndUpgrade,
    Fail,
    Freeze,
    Recover,
}

impl InstanceOp {
    /// The scenario operation that leads to `to` (`None` for UPGRADING, which only an upgrade
    /// reaches).
    pub fn toward(to: InstanceStatus) -> Option<Self> {
        match to {
            InstanceStatus::Active => Some(Self::Recover),
            InstanceStatus::Failed => Some(Self::Fail),
            InstanceStatus::Frozen => Some(Self::Freeze),
            InstanceStatus::Upgrading => None,
        }
    }
}

impl StateMachine for InstanceStatus {
    fn allows(self, to: Self) -> bool {
        table_allows(self, to)
    }
}

impl StateTable for InstanceStatus {
    type Op = InstanceOp;
    const MOVES: &'static [(Self, InstanceOp, Self)] = {
        use InstanceOp::*;
        use InstanceStatus::*;
        &[
            (Active, StartUpgrade, Upgrading),
            (Upgrading, EndUpgrade, Active),
            (Active, Fail, Failed),
            (Upgrading, Fail, Failed),
            (Frozen, Fail, Failed),
            (Active, Freeze, Frozen),
            (Upgrading, Freeze, Frozen),
            (Failed, Freeze, Frozen),
            (Failed, Recover, Active),
            (Frozen, Recover, Active),
        ]
    };
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

impl JobStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Completed => "Completed",
            Self::Failed => "Failed",
            Self::Canceled => "Canceled",
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What moves a job: its timers (start, complete, fail), a client's cancel, and an abort when
/// its instance turned abnormal while it waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOp {
    Start,
    Abort,
    Cancel,
    Complete,
    Fail,
}

impl StateMachine for JobStatus {
    fn allows(self, to: Self) -> bool {
        table_allows(self, to)
    }
}

impl StateTable for JobStatus {
    type Op = JobOp;
    const MOVES: &'static [(Self, JobOp, Self)] = {
        use JobOp::*;
        use JobStatus::*;
        &[
            (Pending, Start, Running),
            (Pending, Abort, Failed),
            (Pending, Cancel, Canceled),
            (Running, Complete, Completed),
            (Running, Fail, Failed),
        ]
    };
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
    fn only_a_pending_job_can_be_cancelled_by_the_table() {
        assert_eq!(
            JobStatus::Pending.next(JobOp::Cancel),
            Some(JobStatus::Canceled)
        );
        assert!(!JobStatus::Running.permits(JobOp::Cancel));
    }

    #[test]
    fn an_upgrading_instance_cannot_recover_before_its_job_ends() {
        assert!(!InstanceStatus::Upgrading.permits(InstanceOp::Recover));
        assert_eq!(InstanceOp::toward(InstanceStatus::Upgrading), None);
    }

    #[test]
    fn only_an_active_instance_starts_upgrading() {
        assert!(InstanceStatus::Active.allows(InstanceStatus::Upgrading));
        assert!(!InstanceStatus::Failed.allows(InstanceStatus::Upgrading));
        assert!(!InstanceStatus::Frozen.allows(InstanceStatus::Upgrading));
    }
}
