//! The three state machines of a graduated plan: the plan, each batch and each task. Their
//! `Display` is the wire name (lower case, as the service reports them). docs/ota.md has the
//! same tables; the legal moves are written once, here, and the engine refuses any other.

use std::fmt;

use crate::kernel::StateMachine;

/// A plan's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanState {
    /// Created and validated; starts at once (the create call moves it to running).
    Pending,
    /// Batches are being executed.
    Running,
    /// No new task starts; running ones finish. Manual pause or the failure threshold.
    Paused,
    /// Every batch completed (some tasks may have failed below the threshold).
    Completed,
    /// Stopped by the operator; unstarted tasks will never run.
    Cancelled,
}

impl PlanState {
    /// Whether the plan can still touch its agents.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::Running | Self::Paused)
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "running" => Self::Running,
            "paused" => Self::Paused,
            "completed" => Self::Completed,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }
}

impl StateMachine for PlanState {
    fn allows(self, to: Self) -> bool {
        use PlanState::*;
        matches!(
            (self, to),
            (Pending, Running)
                | (Pending, Cancelled)
                | (Running, Paused)
                | (Running, Completed)
                | (Running, Cancelled)
                | (Paused, Running)
                | (Paused, Cancelled)
        )
    }
}

impl fmt::Display for PlanState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        })
    }
}

/// A batch's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchState {
    /// Waiting for the batches before it.
    Pending,
    /// Its tasks are being started, at most `concurrency` at once.
    Running,
    /// The plan paused while this batch ran: no new task starts here.
    Paused,
    /// All its tasks finished; the plan watches the fleet for `observeDuration`.
    Observing,
    /// Done (its tasks succeeded or failed).
    Completed,
    /// The plan was cancelled before this batch completed.
    Cancelled,
}

impl StateMachine for BatchState {
    fn allows(self, to: Self) -> bool {
        use BatchState::*;
        matches!(
            (self, to),
            (Pending, Running)
                | (Running, Paused)
                | (Paused, Running)
                | (Running, Observing)
                | (Running, Completed)
                | (Observing, Completed)
                | (Pending, Cancelled)
                | (Running, Cancelled)
                | (Paused, Cancelled)
                | (Observing, Cancelled)
        )
    }
}

impl fmt::Display for BatchState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Observing => "observing",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        })
    }
}

/// A task's status (one task per agent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    Pending,
    Running,
    Succeeded,
    Failed,
    /// Never started (plan cancelled), or hung and abandoned by a cancel.
    Cancelled,
}

impl TaskState {
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

impl StateMachine for TaskState {
    fn allows(self, to: Self) -> bool {
        use TaskState::*;
        matches!(
            (self, to),
            (Pending, Running)
                | (Pending, Cancelled)
                | (Running, Succeeded)
                | (Running, Failed)
                | (Running, Cancelled)
        )
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_plan_can_never_move_again() {
        use PlanState::*;
        for from in [Completed, Cancelled] {
            for to in [Pending, Running, Paused, Completed, Cancelled] {
                assert!(!from.allows(to), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn a_task_only_ends_from_running_and_never_restarts() {
        use TaskState::*;
        assert!(!Pending.allows(Succeeded));
        assert!(!Pending.allows(Failed));
        for from in [Succeeded, Failed, Cancelled] {
            assert!(!from.allows(Running));
        }
    }
}
