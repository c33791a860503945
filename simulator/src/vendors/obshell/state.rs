//! The state enums of OBShell's task engine (DAG, node, sub task) and the operator enum, with
//! their legal moves. Wire names are the real server's (`READY`, `RUNNING`, `SUCCEED`, ...).

use std::fmt;

use crate::kernel::StateMachine;

/// A DAG's state. Real DAGs are created READY and never show PENDING.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DagState {
    Ready,
    Running,
    Failed,
    Succeed,
}

impl StateMachine for DagState {
    fn allows(self, to: Self) -> bool {
        use DagState::*;
        matches!(
            (self, to),
            (Ready, Running)
                | (Running, Succeed)
                | (Running, Failed)
                // CANCEL puts a live DAG back to READY, then it ends FAILED.
                | (Running, Ready)
                | (Ready, Failed)
                // RETRY and ROLLBACK restart a failed DAG; PASS ends it.
                | (Failed, Ready)
                | (Failed, Succeed)
        )
    }
}

impl fmt::Display for DagState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Ready => "READY",
            Self::Running => "RUNNING",
            Self::Failed => "FAILED",
            Self::Succeed => "SUCCEED",
        })
    }
}

/// A node's (stage's) state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    Pending,
    Running,
    Failed,
    Succeed,
}

impl StateMachine for NodeState {
    fn allows(self, to: Self) -> bool {
        use NodeState::*;
        matches!(
            (self, to),
            (Pending, Running)
                | (Running, Succeed)
                | (Running, Failed)
                | (Running, Pending) // cancel
                | (Pending, Failed) // a cancelled node ends failed
                | (Failed, Pending) // retry
                | (Succeed, Pending) // rollback
                | (Failed, Succeed) // pass
                | (Pending, Succeed) // pass of a node that never ran
        )
    }
}

impl fmt::Display for NodeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pending => "PENDING",
            Self::Running => "RUNNING",
            Self::Failed => "FAILED",
            Self::Succeed => "SUCCEED",
        })
    }
}

/// A sub task's state: PENDING → READY → RUNNING → SUCCEED | FAILED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    Pending,
    Ready,
    Running,
    Failed,
    Succeed,
}

impl StateMachine for TaskState {
    fn allows(self, to: Self) -> bool {
        use TaskState::*;
        matches!(
            (self, to),
            (Pending, Ready)
                | (Ready, Running)
                | (Running, Succeed)
                | (Running, Failed)
                | (Running, Pending)
                | (Failed, Pending)
                | (Succeed, Pending)
                | (Failed, Succeed)
                | (Pending, Succeed)
                | (Pending, Failed)
        )
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pending => "PENDING",
            Self::Ready => "READY",
            Self::Running => "RUNNING",
            Self::Failed => "FAILED",
            Self::Succeed => "SUCCEED",
        })
    }
}

/// What a DAG, node or sub task is doing: running forward, or one of the operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Run,
    Retry,
    Rollback,
    Cancel,
    Pass,
}

impl Operator {
    /// Case-insensitive, as the real server reads it.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "RUN" => Some(Self::Run),
            "RETRY" => Some(Self::Retry),
            "ROLLBACK" => Some(Self::Rollback),
            "CANCEL" => Some(Self::Cancel),
            "PASS" => Some(Self::Pass),
            _ => None,
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Run => "RUN",
            Self::Retry => "RETRY",
            Self::Rollback => "ROLLBACK",
            Self::Cancel => "CANCEL",
            Self::Pass => "PASS",
        })
    }
}

/// What a node's tasks allow (drives operator legality).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    pub retry: bool,
    pub rollback: bool,
    pub cancel: bool,
    pub pass: bool,
}

impl Flags {
    /// Retry, rollback, cancel, pass.
    pub const ALL: Flags = Flags {
        retry: true,
        rollback: true,
        cancel: true,
        pass: true,
    };
    /// Retry and cancel.
    pub const RC: Flags = Flags {
        retry: true,
        rollback: false,
        cancel: true,
        pass: false,
    };
    /// Retry, cancel, pass.
    pub const RCP: Flags = Flags {
        retry: true,
        rollback: false,
        cancel: true,
        pass: true,
    };
    /// Retry only.
    pub const R: Flags = Flags {
        retry: true,
        rollback: false,
        cancel: false,
        pass: false,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_dag_cannot_start_running_again_without_an_operator() {
        assert!(!DagState::Succeed.allows(DagState::Running));
        assert!(!DagState::Failed.allows(DagState::Running));
        assert!(DagState::Failed.allows(DagState::Ready));
    }

    #[test]
    fn operators_are_read_case_insensitively() {
        assert_eq!(Operator::parse("retry"), Some(Operator::Retry));
        assert_eq!(Operator::parse("Rollback"), Some(Operator::Rollback));
        assert_eq!(Operator::parse("bogus"), None);
    }
}
