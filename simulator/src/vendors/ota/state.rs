//! The three state machines of a graduated plan (the plan, each batch, each task), each with
//! one table of which operation is legal in which state and where it leads. Their `Display` is
//! the wire name (lower case, as the service reports them). The model moves a resource only
//! along its table; an operator's request that the table does not permit gets the service's
//! 409 from [`PlanState::admit`], built from the same table. docs/ota.md has the same tables.

use std::fmt;

use super::error::ApiError;
use crate::kernel::{table_allows, StateMachine, StateTable};

/// Writes down a state enum's table and wire names once: its [`StateTable`] (`moves`, each
/// `(from, op, to)`), its [`StateMachine`] (a move is a change of state that some operation
/// makes; a self-loop such as a retry is legal but no move), its `Display` and `parse`.
macro_rules! state_machine {
    ($state:ident by $op:ident,
     moves: [$(($from:ident, $o:ident, $to:ident)),* $(,)?],
     names: {$($variant:ident => $name:literal),* $(,)?}) => {
        impl StateTable for $state {
            type Op = $op;
            const MOVES: &'static [(Self, $op, Self)] = &[$(($state::$from, $op::$o, $state::$to)),*];
        }

        impl StateMachine for $state {
            fn allows(self, to: Self) -> bool {
                self != to && table_allows(self, to)
            }
        }

        impl $state {
            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            /// The state a wire name names.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($name => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $state {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

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

/// What moves a plan: the operator's calls and the plan's own progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanOp {
    /// The create call starts the plan.
    Start,
    /// The operator, or the failure threshold, pauses it.
    Pause,
    Resume,
    Cancel,
    /// The last batch completed.
    Complete,
    /// A new plan over the failed agents; the plan itself stays where it is.
    Retry,
}

impl PlanState {
    /// Whether the plan can still touch its agents.
    pub fn is_active(self) -> bool {
        self.permits(PlanOp::Cancel)
    }

    /// Where the operator's `op` leads plan `id` from here, or the service's 409 saying why
    /// it cannot be done now.
    pub fn admit(self, id: &str, op: PlanOp) -> Result<Self, ApiError> {
        self.next(op)
            .ok_or_else(|| ApiError::conflict(refusal(id, self, op)))
    }
}

/// Why `op` is refused on plan `id` in `state`, in the service's words.
fn refusal(id: &str, state: PlanState, op: PlanOp) -> String {
    match (op, state) {
        (PlanOp::Pause, PlanState::Paused) => format!("upgrade plan {id} is already paused"),
        (PlanOp::Pause, s) => {
            format!("upgrade plan {id} is {s}: only a running plan can be paused")
        }
        (PlanOp::Resume, PlanState::Running) => {
            format!("upgrade plan {id} is running, not paused")
        }
        (PlanOp::Resume, s) => {
            format!("upgrade plan {id} is {s}: only a paused plan can be resumed")
        }
        (PlanOp::Cancel, s) => {
            format!("upgrade plan {id} is already {s}: there is nothing to cancel")
        }
        (PlanOp::Retry, s) => format!(
            "upgrade plan {id} is {s}: retry a plan once it is paused, completed or cancelled"
        ),
        (op, s) => format!("upgrade plan {id} is {s}: {op:?} is not possible"),
    }
}

state_machine!(PlanState by PlanOp,
    moves: [
        (Pending, Start, Running),
        (Pending, Cancel, Cancelled),
        (Running, Pause, Paused),
        (Running, Complete, Completed),
        (Running, Cancel, Cancelled),
        (Paused, Resume, Running),
        (Paused, Cancel, Cancelled),
        (Paused, Retry, Paused),
        (Completed, Retry, Completed),
        (Cancelled, Retry, Cancelled),
    ],
    names: {
        Pending => "pending",
        Running => "running",
        Paused => "paused",
        Completed => "completed",
        Cancelled => "cancelled",
    }
);

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

/// What moves a batch: its plan's turn coming, pausing, resuming, cancelling, its tasks
/// finishing and its observation window closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOp {
    Start,
    Pause,
    Resume,
    /// Its tasks finished and the plan observes before the next batch.
    Observe,
    /// Its tasks finished (and the observation window, if any, closed).
    Complete,
    Cancel,
}

state_machine!(BatchState by BatchOp,
    moves: [
        (Pending, Start, Running),
        (Running, Pause, Paused),
        (Paused, Resume, Running),
        (Running, Observe, Observing),
        (Running, Complete, Completed),
        (Observing, Complete, Completed),
        (Pending, Cancel, Cancelled),
        (Running, Cancel, Cancelled),
        (Paused, Cancel, Cancelled),
        (Observing, Cancel, Cancelled),
    ],
    names: {
        Pending => "pending",
        Running => "running",
        Paused => "paused",
        Observing => "observing",
        Completed => "completed",
        Cancelled => "cancelled",
    }
);

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

/// What moves a task: starting, its outcome, or its plan's cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskOp {
    Start,
    Succeed,
    Fail,
    Cancel,
}

impl TaskState {
    /// Pending or running: the task still holds its agent.
    pub fn is_unfinished(self) -> bool {
        matches!(self, Self::Pending | Self::Running)
    }
}

state_machine!(TaskState by TaskOp,
    moves: [
        (Pending, Start, Running),
        (Pending, Cancel, Cancelled),
        (Running, Succeed, Succeeded),
        (Running, Fail, Failed),
        (Running, Cancel, Cancelled),
    ],
    names: {
        Pending => "pending",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
    }
);

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

    #[test]
    fn the_plan_table_moves_the_old_pairs_and_no_others() {
        use PlanState::*;
        let all = [Pending, Running, Paused, Completed, Cancelled];
        let old = [
            (Pending, Running),
            (Pending, Cancelled),
            (Running, Paused),
            (Running, Completed),
            (Running, Cancelled),
            (Paused, Running),
            (Paused, Cancelled),
        ];
        for from in all {
            for to in all {
                assert_eq!(from.allows(to), old.contains(&(from, to)), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn an_operator_call_the_table_refuses_is_a_409_naming_the_state() {
        let e = PlanState::Completed.admit("plan-1", PlanOp::Pause);
        let e = e.err().map(|e| (e.status.as_u16(), e.message));
        assert_eq!(
            e,
            Some((
                409,
                "upgrade plan plan-1 is completed: only a running plan can be paused".into()
            ))
        );
        assert_eq!(
            PlanState::Paused.admit("p", PlanOp::Retry).ok(),
            Some(PlanState::Paused)
        );
    }
}
