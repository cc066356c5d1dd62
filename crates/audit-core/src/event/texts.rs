//! Texts held once: what a load's interner and its records' templates
//! keep, each found again by a hash of its bytes and compared eight bytes
//! at a step.
//!
//! In the app's wasm, comparing two texts with `==` goes through a
//! `memcmp` that reads one byte at a step; a record's template is a few
//! hundred bytes and is compared with the one held alike at every record
//! of a load, which made those comparisons the largest part of holding
//! templates. Here a text is looked up by its 64-bit hash (eight bytes a
//! step too) and compared as words.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::SharedText;

/// Texts, each held once.
#[derive(Default)]
pub(crate) struct TextSet {
    /// Each held text by its hash.
    by_hash: HashMap<u64, SharedText, BuildHasherDefault<Hashed>>,
    /// Texts whose hash a different text held before them has (a 64-bit
    /// hash makes these rare; they are searched in turn).
    collided: Vec<SharedText>,
}

impl TextSet {
    /// The held text equal to `text`, held now if there was none.
    pub fn held(&mut self, text: &str) -> SharedText {
        match self.by_hash.entry(word_hash(text.as_bytes())) {
            Entry::Vacant(vacant) => vacant.insert(SharedText::from(text)).clone(),
            Entry::Occupied(held) if same_bytes(held.get().as_bytes(), text.as_bytes()) => {
                held.get().clone()
            }
            Entry::Occupied(_) => {
                if let Some(held) = self
                    .collided
                    .iter()
                    .find(|held| same_bytes(held.as_bytes(), text.as_bytes()))
                {
                    return held.clone();
                }
                let held = SharedText::from(text);
                self.collided.push(held.clone());
                held
            }
        }
    }

    /// How many texts are held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.by_hash.len() + self.collided.len()
    }
}

/// Whether `a` and `b` hold the same bytes, compared eight at a step.
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut a_words, mut b_words) = (a.chunks_exact(8), b.chunks_exact(8));
    let words_equal = a_words
        .by_ref()
        .zip(b_words.by_ref())
        .all(|(x, y)| word(x) == word(y));
    words_equal && tail(a_words.remainder()) == tail(b_words.remainder())
}

/// Eight bytes as one number (one load; `copy_from_slice` into an array
/// was a call per word in the wasm).
fn word(eight: &[u8]) -> u64 {
    <[u8; 8]>::try_from(eight).map_or(0, u64::from_le_bytes)
}

/// The last bytes (fewer than eight) as one number, the first lowest.
fn tail(rest: &[u8]) -> u64 {
    rest.iter()
        .rev()
        .fold(0, |last, byte| (last << 8) | u64::from(*byte))
}

/// A hash of `bytes` that reads eight of them at a step. Like
/// [`super::Fnv`], not resistant to flooding, which would only slow the
/// person's own tab.
pub(crate) fn word_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |hash: u64, word: u64| (hash.rotate_left(5) ^ word).wrapping_mul(K);
    let mut words = bytes.chunks_exact(8);
    let hash = words
        .by_ref()
        .fold(0, |hash, eight| step(hash, word(eight)));
    let rest = words.remainder();
    step(hash, tail(rest) ^ ((rest.len() as u64) << 56))
}

/// The hasher of a map whose keys are hashes already: it keeps the key.
#[derive(Default)]
struct Hashed(u64);

impl Hasher for Hashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = word_hash(bytes);
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_is_equality_at_every_length_and_offset() {
        let base: Vec<u8> = (0..40u8).map(|at| b'a' + at % 26).collect();
        for length in 0..base.len() {
            let a = &base[..length];
            assert!(same_bytes(a, a));
            assert!(!same_bytes(a, &base[..length + 1]));
            for differs in 0..length {
                let mut b = a.to_vec();
                b[differs] ^= 0x20;
                assert!(!same_bytes(a, &b), "{length} {differs}");
            }
        }
    }

    #[test]
    fn a_text_is_held_once_even_where_hashes_collide() {
        let mut set = TextSet::default();
        let first = set.held("ALTER TABLE ops.incidents ADD COLUMNS (note STRING)");
        let again = set.held(&String::from(first.as_str()));
        assert!(SharedText::ptr_eq(&first, &again));
        assert_eq!(set.len(), 1);
        // Another text under a held text's hash (as a collision would put
        // it) is held beside it, and found again.
        let hash = word_hash(b"hive1");
        set.by_hash.insert(hash, SharedText::from("not hive1"));
        let hive = set.held("hive1");
        assert_eq!(hive, "hive1");
        assert!(SharedText::ptr_eq(&hive, &set.held("hive1")));
        assert_eq!(set.len(), 3);
        assert_eq!(set.held("not hive1"), "not hive1");
    }

    #[test]
    fn texts_of_different_lengths_hash_apart() {
        // The remainder's length is mixed in: trailing zero bytes count.
        assert_ne!(word_hash(b"abc"), word_hash(b"abc\0"));
        assert_ne!(word_hash(b""), word_hash(b"\0"));
        assert_ne!(word_hash(b"12345678"), word_hash(b"12345678\0"));
    }
}
