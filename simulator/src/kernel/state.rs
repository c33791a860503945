//! Resource states and their legal moves. Each resource (a DAG, a plan, a job, a session) has a
//! named state enum implementing [`StateMachine`]; [`transition`] moves one and journals the
//! move. An illegal move is a simulator bug, not a client's fault: clients get their vendor's
//! refusal before a move is attempted.

use std::fmt::{Debug, Display};

use serde_json::Value;

use super::{Core, EntryKind};

/// A resource state: a named enum whose legal moves are written down in `allows`.
pub trait StateMachine: Copy + Eq + Debug + Display {
    fn allows(self, to: Self) -> bool;
}

/// Moves `state` to `to`, journalling the move. An illegal move is a simulator bug, never a
/// client's fault (clients get their vendor's error before the engine is asked), so it panics
/// loudly, naming the resource and both states; `serve` turns that into a 500 in the journal.
pub fn transition<S: StateMachine>(
    core: &mut Core,
    vendor: &str,
    resource: &str,
    state: &mut S,
    to: S,
    detail: Value,
) {
    let from = *state;
    assert!(
        from.allows(to),
        "illegal transition of {vendor} {resource}: {from} -> {to}"
    );
    *state = to;
    core.record(
        EntryKind::Transition,
        vendor,
        resource,
        Some(from.to_string()),
        Some(to.to_string()),
        detail,
    );
}

/// A state enum with one table of its legal moves, next to the enum: `(from, op, to)` says
/// that operation `op` is legal in `from` and leads to `to` (as stateright's `next_state`).
/// The vendor's model and its handlers both ask the table, so a refusal and a move can never
/// disagree; `allows` (what [`transition`] checks) follows from it with [`table_allows`].
pub trait StateTable: StateMachine + 'static {
    /// What moves the resource: a client operation or an internal event.
    type Op: Copy + Eq + Debug + 'static;
    /// Every legal move.
    const MOVES: &'static [(Self, Self::Op, Self)];

    /// Where `op` leads from `self`, or `None` where it is not legal.
    fn next(self, op: Self::Op) -> Option<Self> {
        Self::MOVES
            .iter()
            .find(|(from, o, _)| *from == self && *o == op)
            .map(|(_, _, to)| *to)
    }

    /// Whether `op` is legal in `self`.
    fn permits(self, op: Self::Op) -> bool {
        self.next(op).is_some()
    }
}

/// `allows` for a [`StateTable`]: some operation leads from `from` to `to`.
pub fn table_allows<S: StateTable>(from: S, to: S) -> bool {
    S::MOVES.iter().any(|(f, _, t)| *f == from && *t == to)
}

/// A resource with a state, named in the journal: lets [`Core::set_state`] take one argument
/// where [`transition`] takes six.
pub trait Resource {
    type State: StateMachine;
    /// The vendor's name in the journal.
    const VENDOR: &'static str;
    /// The resource's journal path ("dag/12", "plan/p-1/batch/0").
    fn resource(&self) -> String;
    fn state_mut(&mut self) -> &mut Self::State;
}

impl Core {
    /// Moves `r` to `to` and journals the move (see [`transition`]).
    pub fn set_state<R: Resource>(&mut self, r: &mut R, to: R::State, detail: Value) {
        let resource = r.resource();
        transition(self, R::VENDOR, &resource, r.state_mut(), to, detail);
    }

    /// Moves `r` where its state's table sends `op`, journalling the move; an operation that
    /// leaves the state as it was journals nothing. Callers ask the table first (a client gets
    /// the vendor's refusal), so an operation the table does not permit here is a simulator
    /// bug: it panics, naming the resource, the operation and the state.
    pub fn apply<R>(&mut self, r: &mut R, op: <R::State as StateTable>::Op, detail: Value)
    where
        R: Resource,
        R::State: StateTable,
    {
        let from = *r.state_mut();
        let Some(to) = from.next(op) else {
            panic!("illegal {op:?} of {} {} in {from}", R::VENDOR, r.resource())
        };
        if to != from {
            self.set_state(r, to, detail);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{Clock, Journal, JournalQuery, WallClock};

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Door {
        Shut,
        Open,
    }

    impl std::fmt::Display for Door {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{self:?}")
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Push {
        Open,
        Close,
    }

    impl StateMachine for Door {
        fn allows(self, to: Self) -> bool {
            table_allows(self, to)
        }
    }

    impl StateTable for Door {
        type Op = Push;
        const MOVES: &'static [(Self, Push, Self)] = &[
            (Door::Shut, Push::Open, Door::Open),
            (Door::Open, Push::Close, Door::Shut),
        ];
    }

    struct Gate(Door);

    impl Resource for Gate {
        type State = Door;
        const VENDOR: &'static str = "toy";
        fn resource(&self) -> String {
            "gate/1".into()
        }
        fn state_mut(&mut self) -> &mut Door {
            &mut self.0
        }
    }

    #[test]
    fn the_table_says_where_an_operation_leads_and_refuses_the_rest() {
        assert_eq!(Door::Shut.next(Push::Open), Some(Door::Open));
        assert_eq!(Door::Shut.next(Push::Close), None);
        assert!(!Door::Open.permits(Push::Open));
        assert!(Door::Open.allows(Door::Shut) && !Door::Open.allows(Door::Open));
    }

    #[test]
    fn set_state_moves_the_resource_and_journals_the_move() {
        let epoch =
            chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap_or_default();
        let mut core = Core::new(Clock::new(epoch), Journal::new(8), 0, WallClock::system());
        let mut gate = Gate(Door::Shut);
        core.set_state(&mut gate, Door::Open, Value::Null);
        assert_eq!(gate.0, Door::Open);
        let e = core.journal.query(&JournalQuery::default());
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].from.as_deref(), e[0].to.as_deref()),
            (Some("Shut"), Some("Open"))
        );
        assert_eq!(
            (e[0].vendor.as_str(), e[0].resource.as_str()),
            ("toy", "gate/1")
        );
    }
}
