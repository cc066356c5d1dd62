//! What a few recent inputs gave, kept: a source hidden and shown again, or
//! a tile clicked and cleared, finds its figures here instead of counting
//! every event again. Inputs are compared cheaply (event lists by identity,
//! see [`audit_core::Rows`]), so a new load never matches an old entry.

use std::collections::VecDeque;

use leptos::prelude::*;

/// The results of the last few distinct inputs, newest first.
pub struct Recent<K, V> {
    entries: VecDeque<(K, V)>,
    keep: usize,
}

impl<K: PartialEq, V: Clone> Recent<K, V> {
    pub fn new(keep: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            keep: keep.max(1),
        }
    }

    /// What `key` gave before, or `make(&key)` now (and kept).
    pub fn get_or(&mut self, key: K, make: impl FnOnce(&K) -> V) -> V {
        if let Some(at) = self.entries.iter().position(|(k, _)| *k == key) {
            let entry = self.entries.remove(at).unwrap_or_else(|| unreachable!());
            let value = entry.1.clone();
            self.entries.push_front(entry);
            return value;
        }
        let value = make(&key);
        self.entries.push_front((key, value.clone()));
        self.entries.truncate(self.keep);
        value
    }
}

/// A memo whose value comes from `key` through `make`, remembering the last
/// `keep` results.
pub fn memo_recent<K, V>(
    keep: usize,
    key: impl Fn() -> K + Send + Sync + 'static,
    make: impl Fn(&K) -> V + Send + Sync + 'static,
) -> Memo<V>
where
    K: PartialEq + Send + Sync + 'static,
    V: Clone + PartialEq + Send + Sync + 'static,
{
    let cache = StoredValue::new(Recent::<K, V>::new(keep));
    Memo::new(move |_| {
        let key = key();
        cache
            .try_update_value(|cache| cache.get_or(key, &make))
            .unwrap_or_else(|| unreachable!("the cache lives as long as its memo"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recent_input_is_not_computed_again_and_the_oldest_goes() {
        let mut recent = Recent::new(2);
        let made = std::cell::Cell::new(0);
        let get = |recent: &mut Recent<u32, u32>, key: u32| {
            recent.get_or(key, |k| {
                made.set(made.get() + 1);
                k * 10
            })
        };
        assert_eq!(get(&mut recent, 1), 10);
        assert_eq!(get(&mut recent, 2), 20);
        assert_eq!(get(&mut recent, 1), 10);
        assert_eq!(made.get(), 2, "1 was kept");
        assert_eq!(get(&mut recent, 3), 30);
        assert_eq!(get(&mut recent, 2), 20);
        assert_eq!(made.get(), 4, "2 was the oldest and went");
    }
}
