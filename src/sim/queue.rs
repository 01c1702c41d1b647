//! The event queue: everything that will happen, ordered by `(time, seq)`.
//! `seq` is a global insertion counter, so two events at the same tick always
//! run in the order they were scheduled.

use super::Tick;
use std::collections::BTreeMap;

/// An event with its place in the order.
#[derive(Debug, Clone, PartialEq)]
pub struct Scheduled<E> {
    /// When it happens.
    pub at: Tick,
    /// Tie-breaker: order of scheduling.
    pub seq: u64,
    /// What happens.
    pub event: E,
}

/// A priority queue of events ordered by `(time, seq)`.
#[derive(Debug, Clone)]
pub struct EventQueue<E> {
    items: BTreeMap<(Tick, u64), E>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            items: BTreeMap::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at`; returns its sequence number.
    pub fn push(&mut self, at: Tick, event: E) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.items.insert((at, seq), event);
        seq
    }

    /// Time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<Tick> {
        self.items.keys().next().map(|(t, _)| *t)
    }

    /// Removes and returns the earliest event if it happens at or before `until`.
    pub fn pop_until(&mut self, until: Tick) -> Option<Scheduled<E>> {
        let entry = self.items.first_entry()?;
        if entry.key().0 > until {
            return None;
        }
        let ((at, seq), event) = entry.remove_entry();
        Some(Scheduled { at, seq, event })
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_insertion() {
        let mut q = EventQueue::default();
        q.push(5, "c");
        q.push(1, "a");
        q.push(5, "d");
        q.push(1, "b");
        let mut out = vec![];
        while let Some(s) = q.pop_until(10) {
            out.push(s.event);
        }
        assert_eq!(out, vec!["a", "b", "c", "d"]);
    }

    #[test]
    fn pop_until_respects_the_bound() {
        let mut q = EventQueue::default();
        q.push(3, 1);
        q.push(7, 2);
        assert_eq!(q.pop_until(2), None);
        assert_eq!(q.pop_until(3).map(|s| s.event), Some(1));
        assert_eq!(q.pop_until(6), None);
        assert_eq!(q.peek_time(), Some(7));
        assert_eq!(q.len(), 1);
    }
}
