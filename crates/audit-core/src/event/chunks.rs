//! Where a load's events live: appended in chunks of a fixed size, never
//! moved once stored.
//!
//! A vector that grows by doubling copies everything it holds at each
//! step, holds the old copy and the new one at once while it does, and
//! leaves up to half of its last allocation unused: at 766,000 audits, a
//! 40 MB vector became an 80 MB one with both alive, and a tab's wasm
//! memory never gives back what it once held. Chunks grow by one chunk at
//! a time and are full but for the last.

use super::AuditEvent;

const CHUNK_BITS: usize = 10;
/// Events a chunk holds: 1,024 (about 76 KB on wasm32).
const CHUNK: usize = 1 << CHUNK_BITS;
const IN_CHUNK: usize = CHUNK - 1;

/// Events in order, stored in chunks that are never moved.
#[derive(Debug, Default, Clone)]
pub struct Chunks {
    chunks: Vec<Vec<AuditEvent>>,
    len: usize,
}

impl Chunks {
    pub fn push(&mut self, event: AuditEvent) {
        if self.len & IN_CHUNK == 0 {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        if let Some(last) = self.chunks.last_mut() {
            last.push(event);
            self.len += 1;
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    pub fn get(&self, at: usize) -> Option<&AuditEvent> {
        self.chunks.get(at >> CHUNK_BITS)?.get(at & IN_CHUNK)
    }

    /// The event at `at`; past the end a panic, as indexing a slice.
    #[inline]
    pub fn event_at(&self, at: usize) -> &AuditEvent {
        &self.chunks[at >> CHUNK_BITS][at & IN_CHUNK]
    }

    /// The events put in `order`: the event at `order[i]` moves to `i`.
    /// `order` holds each position below `len` once (as a sort of the
    /// positions gives). In place, each event moved once, by swaps.
    pub fn permute(&mut self, mut order: Vec<u32>) {
        assert_eq!(order.len(), self.len, "an order of every event");
        for start in 0..order.len() {
            // Follow the cycle through `start`: each step brings the
            // event its position is waiting for, and marks it placed.
            let mut at = start;
            while order[at] as usize != start {
                let from = order[at] as usize;
                assert!(from != at, "a position twice in the order");
                self.swap(at, from);
                order[at] = at as u32;
                at = from;
            }
            order[at] = at as u32;
        }
    }

    /// Swaps the events at `a` and `b`.
    fn swap(&mut self, a: usize, b: usize) {
        let (ca, cb) = (a >> CHUNK_BITS, b >> CHUNK_BITS);
        if ca == cb {
            self.chunks[ca].swap(a & IN_CHUNK, b & IN_CHUNK);
            return;
        }
        let (low, high, low_at, high_at) = match ca < cb {
            true => (ca, cb, a, b),
            false => (cb, ca, b, a),
        };
        let (before, after) = self.chunks.split_at_mut(high);
        std::mem::swap(
            &mut before[low][low_at & IN_CHUNK],
            &mut after[0][high_at & IN_CHUNK],
        );
    }

    /// Keeps the first `len` events; the chunks past them are given back.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let chunks = len.div_ceil(CHUNK);
        self.chunks.truncate(chunks);
        if let Some(last) = self.chunks.last_mut() {
            last.truncate(len - (chunks - 1) * CHUNK);
        }
        self.len = len;
    }

    /// The events from `range.start` up to `range.end`, in order.
    pub(super) fn stretch(&self, range: std::ops::Range<usize>) -> Stretch<'_> {
        assert!(range.end <= self.len, "{range:?} of {}", self.len);
        Stretch {
            chunks: &self.chunks,
            front: range.start,
            back: range.end.max(range.start),
        }
    }
}

impl FromIterator<AuditEvent> for Chunks {
    fn from_iter<I: IntoIterator<Item = AuditEvent>>(events: I) -> Self {
        let mut chunks = Chunks::default();
        for event in events {
            chunks.push(event);
        }
        chunks
    }
}

/// A stretch of [`Chunks`], walked from either end.
#[derive(Debug, Clone)]
pub(super) struct Stretch<'a> {
    chunks: &'a [Vec<AuditEvent>],
    front: usize,
    back: usize,
}

impl<'a> Iterator for Stretch<'a> {
    type Item = &'a AuditEvent;

    #[inline]
    fn next(&mut self) -> Option<&'a AuditEvent> {
        if self.front >= self.back {
            return None;
        }
        let at = self.front;
        self.front += 1;
        Some(&self.chunks[at >> CHUNK_BITS][at & IN_CHUNK])
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.back - self.front;
        (len, Some(len))
    }
}

impl DoubleEndedIterator for Stretch<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        Some(&self.chunks[self.back >> CHUNK_BITS][self.back & IN_CHUNK])
    }
}

impl ExactSizeIterator for Stretch<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::event;
    use crate::{EventKind, Outcome, Source};

    #[test]
    fn chunks_hold_events_in_order_across_chunk_edges() {
        let made = |n: usize| {
            event(
                &format!("e{n}"),
                Source::Octopai,
                "2026-11-21T10:00:00Z",
                EventKind::Login,
                Outcome::Failed,
            )
        };
        for count in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5] {
            let chunks: Chunks = (0..count).map(made).collect();
            assert_eq!(chunks.len(), count);
            assert_eq!(chunks.is_empty(), count == 0);
            for at in [0, CHUNK - 1, CHUNK, count.saturating_sub(1)] {
                if at < count {
                    assert_eq!(
                        chunks.get(at).map(|e| e.id.to_string()),
                        Some(format!("e{at}"))
                    );
                }
            }
            assert!(chunks.get(count).is_none());
            // Every chunk but the last is full, and none ever grew.
            assert!(chunks.chunks.iter().all(|chunk| chunk.capacity() == CHUNK));
            let from = count / 3;
            let to = count - count / 4;
            let forwards: Vec<String> =
                chunks.stretch(from..to).map(|e| e.id.to_string()).collect();
            let expected: Vec<String> = (from..to).map(|n| format!("e{n}")).collect();
            assert_eq!(forwards, expected);
            let mut backwards: Vec<String> = chunks
                .stretch(from..to)
                .rev()
                .map(|e| e.id.to_string())
                .collect();
            backwards.reverse();
            assert_eq!(backwards, expected);
            assert_eq!(chunks.stretch(from..to).len(), to - from);
        }
    }

    fn numbered(count: usize) -> Chunks {
        (0..count)
            .map(|n| {
                event(
                    &format!("e{n}"),
                    Source::Octopai,
                    "2026-11-21T10:00:00Z",
                    EventKind::Login,
                    Outcome::Failed,
                )
            })
            .collect()
    }

    fn ids(chunks: &Chunks) -> Vec<String> {
        chunks
            .stretch(0..chunks.len())
            .map(|e| e.id.to_string())
            .collect()
    }

    #[test]
    fn a_permutation_moves_each_event_to_its_place_across_chunk_edges() {
        let count = 3 * CHUNK + 5;
        // Reversed, rotated by a chunk and a bit, and shuffled by a
        // multiplier prime to the count: long cycles and short ones,
        // within a chunk and across chunks.
        let orders: Vec<Vec<u32>> = vec![
            (0..count as u32).rev().collect(),
            (0..count)
                .map(|i| ((i + CHUNK + 7) % count) as u32)
                .collect(),
            (0..count).map(|i| ((i * 7919) % count) as u32).collect(),
            (0..count as u32).collect(),
        ];
        for order in orders {
            let mut chunks = numbered(count);
            let expected: Vec<String> = order.iter().map(|n| format!("e{n}")).collect();
            chunks.permute(order);
            assert_eq!(ids(&chunks), expected);
            assert!(chunks.chunks.iter().all(|chunk| chunk.capacity() == CHUNK));
        }
    }

    #[test]
    #[should_panic(expected = "a position twice")]
    fn an_order_naming_a_position_twice_is_refused() {
        let mut chunks = numbered(4);
        chunks.permute(vec![1, 1, 2, 3]);
    }

    #[test]
    fn truncating_keeps_the_first_events_and_gives_back_the_chunks_past_them() {
        for (count, keep) in [
            (0, 0),
            (5, 9),
            (CHUNK, CHUNK),
            (2 * CHUNK + 3, CHUNK),
            (2 * CHUNK + 3, CHUNK + 1),
            (2 * CHUNK, 0),
        ] {
            let mut chunks = numbered(count);
            chunks.truncate(keep);
            let kept = keep.min(count);
            assert_eq!(chunks.len(), kept);
            assert_eq!(
                ids(&chunks),
                (0..kept).map(|n| format!("e{n}")).collect::<Vec<_>>()
            );
            assert_eq!(chunks.chunks.len(), kept.div_ceil(CHUNK));
            // Still appends where it left off.
            chunks.push(numbered(1).event_at(0).clone());
            assert_eq!(chunks.len(), kept + 1);
        }
    }
}
