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
}
