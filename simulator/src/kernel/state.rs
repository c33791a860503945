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
