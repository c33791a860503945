//! A timer queue: the next-event list every vendor model keeps. Ordered by (instant, insertion
//! sequence) so that two timers due at the same instant fire in the order they were set, on
//! every run (mini-redis keeps its expirations the same way).

use std::collections::BTreeSet;

use super::clock::Millis;

#[derive(Debug, Clone)]
pub struct TimerQueue<K: Ord + Clone> {
    timers: BTreeSet<(Millis, u64, K)>,
    seq: u64,
}

impl<K: Ord + Clone> Default for TimerQueue<K> {
    fn default() -> Self {
        Self {
            timers: BTreeSet::new(),
            seq: 0,
        }
    }
}

impl<K: Ord + Clone> TimerQueue<K> {
    pub fn schedule(&mut self, at: Millis, key: K) {
        self.seq += 1;
        self.timers.insert((at, self.seq, key));
    }

    /// When the earliest timer is due.
    pub fn next_due(&self) -> Option<Millis> {
        self.timers.first().map(|(at, _, _)| *at)
    }

    /// Removes and returns the earliest timer if it is due at or before `now`.
    pub fn pop_due(&mut self, now: Millis) -> Option<(Millis, K)> {
        match self.timers.first() {
            Some((at, _, _)) if *at <= now => self.timers.pop_first().map(|(at, _, k)| (at, k)),
            _ => None,
        }
    }

    /// Drops every timer whose key matches (a cancelled task's wake-ups).
    pub fn cancel(&mut self, mut matches: impl FnMut(&K) -> bool) {
        self.timers.retain(|(_, _, k)| !matches(k));
    }

    pub fn len(&self) -> usize {
        self.timers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_due_together_fire_in_the_order_they_were_set() {
        let mut q = TimerQueue::default();
        q.schedule(10, "b");
        q.schedule(5, "a");
        q.schedule(10, "c");
        assert_eq!(q.next_due(), Some(5));
        assert_eq!(q.pop_due(4), None);
        assert_eq!(q.pop_due(10), Some((5, "a")));
        assert_eq!(q.pop_due(10), Some((10, "b")));
        assert_eq!(q.pop_due(10), Some((10, "c")));
        assert!(q.is_empty());
    }
}
