//! The journal: every request and every state transition, with virtual and wall time, in a
//! bounded ring. Unbounded request logs are what ran WireMock out of memory (WireMock #29, #51);
//! here the oldest entries fall off and `dropped` says how many did.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::clock::Millis;

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// An HTTP request and the status it got.
    Request,
    /// A resource moved from one state to another.
    Transition,
    /// A fault fired (HTTP or domain).
    Fault,
    /// Something worth knowing that is neither (a scenario load, a clock step).
    Event,
}

/// One journal line. Resources are named as paths ("dag/12", "dag/12/node/3", "plan/p-1/batch/0")
/// so that a reader can group a resource with its children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    /// Virtual milliseconds since the scenario epoch.
    pub at_ms: Millis,
    /// The same instant as a date.
    pub at: String,
    /// Wall time, for people correlating with their own logs (pinned in tests).
    pub wall: String,
    pub kind: EntryKind,
    pub vendor: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub detail: Value,
}

impl Entry {
    /// Whether this entry is about `resource` or one of its children ("dag/1" covers
    /// "dag/1/node/2" but not "dag/12").
    pub fn is_within(&self, resource: &str) -> bool {
        self.resource
            .strip_prefix(resource)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }
}

/// Which entries a reader wants.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalQuery {
    /// Only entries with a sequence number greater than this.
    pub since: Option<u64>,
    /// Only this resource and its children ("dag/12" matches "dag/12/node/3").
    pub resource: Option<String>,
    pub vendor: Option<String>,
    pub kind: Option<EntryKind>,
    /// At most this many entries (the newest ones).
    pub limit: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Journal {
    entries: VecDeque<Entry>,
    capacity: usize,
    next_seq: u64,
    dropped: u64,
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::with_capacity(capacity.min(4096)),
            capacity: capacity.max(1),
            next_seq: 1,
            dropped: 0,
        }
    }

    pub(crate) fn push(&mut self, mut entry: Entry) -> u64 {
        entry.seq = self.next_seq;
        self.next_seq += 1;
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
            self.dropped += 1;
        }
        let seq = entry.seq;
        self.entries.push_back(entry);
        seq
    }

    /// How many entries fell off the front of the ring.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    pub fn query(&self, q: &JournalQuery) -> Vec<Entry> {
        let matching = self.entries.iter().filter(|e| {
            q.since.is_none_or(|s| e.seq > s)
                && q.vendor.as_deref().is_none_or(|v| e.vendor == v)
                && q.kind.is_none_or(|k| e.kind == k)
                && q.resource.as_deref().is_none_or(|r| e.is_within(r))
        });
        let mut out: Vec<Entry> = matching.cloned().collect();
        if let Some(limit) = q.limit {
            if out.len() > limit {
                out.drain(..out.len() - limit);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(resource: &str) -> Entry {
        Entry {
            seq: 0,
            at_ms: 0,
            at: String::new(),
            wall: String::new(),
            kind: EntryKind::Event,
            vendor: "test".into(),
            resource: resource.into(),
            from: None,
            to: None,
            detail: Value::Null,
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_entries_and_counts_what_it_dropped() {
        let mut j = Journal::new(3);
        for i in 0..5 {
            j.push(entry(&format!("r/{i}")));
        }
        assert_eq!(j.len(), 3);
        assert_eq!(j.dropped(), 2);
        let seqs: Vec<u64> = j.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![3, 4, 5]);
    }

    #[test]
    fn a_resource_filter_matches_children_but_not_lookalikes() {
        let mut j = Journal::new(10);
        j.push(entry("dag/1"));
        j.push(entry("dag/1/node/2"));
        j.push(entry("dag/12"));
        let q = JournalQuery {
            resource: Some("dag/1".into()),
            ..Default::default()
        };
        let got: Vec<String> = j.query(&q).into_iter().map(|e| e.resource).collect();
        assert_eq!(got, vec!["dag/1", "dag/1/node/2"]);
    }
}
