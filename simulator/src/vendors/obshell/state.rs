//! The state enums of OBShell's resources (DAG, node, sub task, the cluster's maintenance
//! lock), each with its one table of legal moves next to it, plus the operator enum and the
//! per-node operator flags. Wire names are the real server's (`READY`, `RUNNING`, `SUCCEED`).
//! The model moves a resource only by an operation of its table ([`move_by`]); a client's
//! operator is refused (in the vendor's words) where the table does not permit it.

use std::fmt;

use serde_json::Value;

use crate::kernel::{table_allows, Core, Resource, StateMachine, StateTable};

/// Writes the `Display` (the wire name) of a state enum and its `allows`, which follows from
/// the table: some operation leads from one state to a different one.
macro_rules! wire_states {
    ($ty:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(match self {
                    $(Self::$variant => $wire),+
                })
            }
        }

        impl StateMachine for $ty {
            fn allows(self, to: Self) -> bool {
                self != to && table_allows(self, to)
            }
        }
    };
}

/// A DAG's state. Real DAGs are created READY and never show PENDING.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DagState {
    Ready,
    Running,
    Failed,
    Succeed,
}

wire_states!(DagState { Ready => "READY", Running => "RUNNING", Failed => "FAILED", Succeed => "SUCCEED" });

/// What moves a DAG: the scheduler's events and the client's operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DagOp {
    /// The scheduler's tick starts (or restarts) a READY DAG.
    Start,
    /// The last node (the first, rolling back) finished.
    Finish,
    /// A node failed.
    Fail,
    /// The cancelled DAG ends at the scheduler's next tick.
    EndCancelled,
    /// The client's operators (`POST /task/dag/{id}`).
    Retry,
    Rollback,
    Cancel,
    Pass,
    /// `POST /task/node/{id}` PASS on the failed node: the DAG runs on.
    PassNode,
}

impl StateTable for DagState {
    type Op = DagOp;
    const MOVES: &'static [(Self, DagOp, Self)] = &[
        (Self::Ready, DagOp::Start, Self::Running),
        (Self::Running, DagOp::Finish, Self::Succeed),
        (Self::Running, DagOp::Fail, Self::Failed),
        // CANCEL puts a live DAG back to READY (a READY one stays so), then it ends FAILED.
        (Self::Running, DagOp::Cancel, Self::Ready),
        (Self::Ready, DagOp::Cancel, Self::Ready),
        (Self::Ready, DagOp::EndCancelled, Self::Failed),
        // RETRY and ROLLBACK restart a failed DAG; PASS ends it; a node PASS resumes it.
        (Self::Failed, DagOp::Retry, Self::Ready),
        (Self::Failed, DagOp::Rollback, Self::Ready),
        (Self::Failed, DagOp::Pass, Self::Succeed),
        (Self::Failed, DagOp::PassNode, Self::Ready),
    ];
}

/// A node's (stage's) state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    Pending,
    Running,
    Failed,
    Succeed,
}

wire_states!(NodeState { Pending => "PENDING", Running => "RUNNING", Failed => "FAILED", Succeed => "SUCCEED" });

/// What moves a node or a sub task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOp {
    /// A sub task is scheduled (PENDING → READY); nodes skip it.
    Prepare,
    Start,
    Succeed,
    Fail,
    /// CANCEL stops a running one.
    Cancel,
    /// A cancelled node ends failed.
    EndCancelled,
    /// RETRY or ROLLBACK sets a finished one back to PENDING.
    Reset,
    /// PASS marks a failed one (a sub task: one that did not succeed) as succeeded.
    Pass,
    /// A DAG's PASS marks a node that never ran as succeeded.
    Skip,
}

impl StateTable for NodeState {
    type Op = StepOp;
    const MOVES: &'static [(Self, StepOp, Self)] = &[
        (Self::Pending, StepOp::Start, Self::Running),
        (Self::Running, StepOp::Succeed, Self::Succeed),
        (Self::Running, StepOp::Fail, Self::Failed),
        (Self::Running, StepOp::Cancel, Self::Pending),
        (Self::Pending, StepOp::EndCancelled, Self::Failed),
        (Self::Failed, StepOp::Reset, Self::Pending),
        (Self::Succeed, StepOp::Reset, Self::Pending),
        (Self::Failed, StepOp::Pass, Self::Succeed),
        (Self::Pending, StepOp::Skip, Self::Succeed),
    ];
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

wire_states!(TaskState { Pending => "PENDING", Ready => "READY", Running => "RUNNING", Failed => "FAILED", Succeed => "SUCCEED" });

impl StateTable for TaskState {
    type Op = StepOp;
    const MOVES: &'static [(Self, StepOp, Self)] = &[
        (Self::Pending, StepOp::Prepare, Self::Ready),
        (Self::Ready, StepOp::Start, Self::Running),
        (Self::Running, StepOp::Succeed, Self::Succeed),
        (Self::Running, StepOp::Fail, Self::Failed),
        (Self::Running, StepOp::Cancel, Self::Pending),
        (Self::Failed, StepOp::Reset, Self::Pending),
        (Self::Succeed, StepOp::Reset, Self::Pending),
        (Self::Failed, StepOp::Pass, Self::Succeed),
        (Self::Pending, StepOp::Pass, Self::Succeed),
    ];
}

/// The cluster's global maintenance lock: an upgrade DAG takes it when it is made and gives
/// it back when it ends SUCCEED (a failed DAG keeps it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    Free,
    Held,
}

wire_states!(LockState { Free => "FREE", Held => "HELD" });

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockOp {
    Acquire,
    Release,
}

impl StateTable for LockState {
    type Op = LockOp;
    const MOVES: &'static [(Self, LockOp, Self)] = &[
        (Self::Free, LockOp::Acquire, Self::Held),
        (Self::Held, LockOp::Release, Self::Free),
    ];
}

/// Moves `r` by `op` along its state's table and journals the move; a move that leaves the
/// state as it was (CANCEL on a READY DAG) journals nothing. An operation the table does not
/// permit here is a simulator bug (clients were refused before): it panics, naming both.
pub fn move_by<R>(core: &mut Core, r: &mut R, op: <R::State as StateTable>::Op, detail: Value)
where
    R: Resource,
    R::State: StateTable,
{
    core.apply(r, op, detail);
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

    /// The DAG operation this client operator asks for (`RUN` is none: not supported).
    pub fn dag_op(self) -> Option<DagOp> {
        match self {
            Self::Run => None,
            Self::Retry => Some(DagOp::Retry),
            Self::Rollback => Some(DagOp::Rollback),
            Self::Cancel => Some(DagOp::Cancel),
            Self::Pass => Some(DagOp::Pass),
        }
    }

    /// Whether a node's flags let this operator through it.
    pub fn flagged(self, flags: Flags) -> bool {
        match self {
            Self::Run => true,
            Self::Retry => flags.retry,
            Self::Rollback => flags.rollback,
            Self::Cancel => flags.cancel,
            Self::Pass => flags.pass,
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

const fn flags(retry: bool, rollback: bool, cancel: bool, pass: bool) -> Flags {
    Flags {
        retry,
        rollback,
        cancel,
        pass,
    }
}

impl Flags {
    /// Retry, rollback, cancel, pass.
    pub const ALL: Flags = flags(true, true, true, true);
    /// Retry and cancel.
    pub const RC: Flags = flags(true, false, true, false);
    /// Retry, cancel, pass.
    pub const RCP: Flags = flags(true, false, true, true);
    /// Retry only.
    pub const R: Flags = flags(true, false, false, false);
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

    #[test]
    fn the_dag_table_permits_operators_only_where_the_real_server_does() {
        use DagState::*;
        for (state, retry, cancel) in [
            (Ready, false, true),
            (Running, false, true),
            (Failed, true, false),
            (Succeed, false, false),
        ] {
            assert_eq!(state.permits(DagOp::Retry), retry, "{state}");
            assert_eq!(state.permits(DagOp::Rollback), retry, "{state}");
            assert_eq!(state.permits(DagOp::Pass), retry, "{state}");
            assert_eq!(state.permits(DagOp::Cancel), cancel, "{state}");
        }
        assert!(!Ready.allows(Ready), "a self-move is no move");
    }

    #[test]
    fn the_lock_is_taken_once_and_given_back_once() {
        assert_eq!(LockState::Free.next(LockOp::Acquire), Some(LockState::Held));
        assert!(!LockState::Held.permits(LockOp::Acquire));
        assert!(!LockState::Free.permits(LockOp::Release));
    }
}
