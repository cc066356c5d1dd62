//! Field facets: for one field of the events shown (the account, the
//! address, the operation, the service, the page or resource, the
//! outcome), how many distinct values it takes and its commonest values
//! with their counts.
//!
//! A facet reads its values exactly as the query language's local
//! evaluation does ([`event_field`]), so a value's count is the number
//! of events a `==` constraint on it keeps, and one facet's counts add up
//! to the events that have the field.
//!
//! Counting: the texts of a load are held once each (an event's account is
//! a pointer to the load's one copy of it), so the values are counted by
//! where their text lives, a hash of two numbers instead of the text, and
//! only then gathered by text (the same account can be held once by each
//! source's load).

use std::hash::{BuildHasherDefault, Hasher};

use crate::event::{Events, FnvMap};
use crate::query::{event_field, Selector};

/// A field a facet counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Facet {
    User,
    Address,
    Operation,
    Service,
    Resource,
    Outcome,
}

impl Facet {
    pub const ALL: [Facet; 6] = [
        Facet::User,
        Facet::Address,
        Facet::Operation,
        Facet::Service,
        Facet::Resource,
        Facet::Outcome,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Facet::User => "User",
            Facet::Address => "Address",
            Facet::Operation => "Operation or event type",
            Facet::Service => "Service",
            Facet::Resource => "Page or resource",
            Facet::Outcome => "Allowed or succeeded",
        }
    }

    /// The query language's name for the field, which a click on a value
    /// constrains.
    pub fn selector(self) -> Selector {
        match self {
            Facet::User => Selector::Username,
            Facet::Address => Selector::IpAddress,
            Facet::Operation => Selector::Operation,
            Facet::Service => Selector::Service,
            Facet::Resource => Selector::Source,
            Facet::Outcome => Selector::Allowed,
        }
    }
}

/// One facet of some events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FacetCounts {
    /// The events counted.
    pub events: usize,
    /// Of them, those that have the field.
    pub with_value: usize,
    /// How many distinct values the field takes.
    pub distinct: usize,
    /// The commonest values, most first (equal counts by value), with
    /// their counts.
    pub top: Vec<(String, usize)>,
}

impl FacetCounts {
    /// `count` as a share of the events counted, in percent.
    pub fn share(&self, count: usize) -> f64 {
        match self.events {
            0 => 0.0,
            events => count as f64 * 100.0 / events as f64,
        }
    }
}

/// Hashes the two numbers that say where a text lives.
#[derive(Default)]
struct Place(u64);

impl Hasher for Place {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*byte)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Counts of one field's values, by where their texts live.
type ByPlace<'a> =
    std::collections::HashMap<(usize, usize), (&'a str, usize), BuildHasherDefault<Place>>;

/// `facet` of `events`: the `n` commonest values and how many there are.
pub fn facet_counts(events: &(impl Events + ?Sized), facet: Facet, n: usize) -> FacetCounts {
    facets_of(events, &[facet], n).pop().unwrap_or_default()
}

/// Each of `facets` of `events`, in one pass over the events.
pub fn facets_of(events: &(impl Events + ?Sized), facets: &[Facet], n: usize) -> Vec<FacetCounts> {
    let selectors: Vec<Selector> = facets.iter().map(|facet| facet.selector()).collect();
    let mut by_place: Vec<ByPlace<'_>> = vec![ByPlace::default(); facets.len()];
    let mut with_value = vec![0; facets.len()];
    for event in events.iter() {
        for (at, selector) in selectors.iter().enumerate() {
            let Some(value) = event_field(event, *selector) else {
                continue;
            };
            with_value[at] += 1;
            by_place[at]
                .entry((value.as_ptr() as usize, value.len()))
                .or_insert((value, 0))
                .1 += 1;
        }
    }
    by_place
        .into_iter()
        .zip(with_value)
        .map(|(by_place, with_value)| gathered(by_place, with_value, events.len(), n))
        .collect()
}

/// Counts by place gathered by text, the `n` commonest kept.
fn gathered(by_place: ByPlace<'_>, with_value: usize, events: usize, n: usize) -> FacetCounts {
    let mut by_text: FnvMap<&str, usize> = FnvMap::default();
    for (text, count) in by_place.into_values() {
        *by_text.entry(text).or_insert(0) += count;
    }
    let distinct = by_text.len();
    let mut top: Vec<(&str, usize)> = by_text.into_iter().collect();
    top.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    top.truncate(n);
    FacetCounts {
        events,
        with_value,
        distinct,
        top: top
            .into_iter()
            .map(|(text, count)| (text.to_owned(), count))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::event;
    use crate::{AuditEvent, EventKind, Outcome, Source};

    fn events() -> Vec<AuditEvent> {
        use EventKind::*;
        use Outcome::*;
        use Source::*;
        vec![
            event("1", Octopai, "2026-11-21T10:00:00Z", Login, Failed)
                .by("raj")
                .from_ip("203.0.113.66"),
            event("2", ClouderaManager, "2026-11-21T10:01:00Z", Login, Failed)
                .by("raj")
                .from_ip("203.0.113.66"),
            event("3", Octopai, "2026-11-21T10:02:00Z", Login, Succeeded).by("mia"),
            event(
                "4",
                ClouderaManager,
                "2026-11-21T10:03:00Z",
                Operation,
                Denied,
            )
            .by("admin"),
            event("5", Octopai, "2026-11-21T10:04:00Z", PageLoad, Unknown).by("mia"),
        ]
    }

    #[test]
    fn a_facet_counts_each_value_once_whoever_holds_its_text() {
        // "raj" of two events made apart: two copies of the text.
        let users = facet_counts(&events(), Facet::User, 10);
        assert_eq!(users.events, 5);
        assert_eq!(users.with_value, 5);
        assert_eq!(users.distinct, 3);
        assert_eq!(
            users.top,
            [
                ("mia".to_owned(), 2),
                ("raj".to_owned(), 2),
                ("admin".to_owned(), 1)
            ]
        );
        assert_eq!(users.share(2), 40.0);
    }

    #[test]
    fn a_facet_leaves_out_events_without_the_field_and_keeps_the_top_n() {
        let addresses = facet_counts(&events(), Facet::Address, 10);
        assert_eq!((addresses.with_value, addresses.distinct), (2, 1));
        let outcomes = facet_counts(&events(), Facet::Outcome, 1);
        // The page load of unknown outcome has no `allowed`.
        assert_eq!((outcomes.with_value, outcomes.distinct), (4, 2));
        assert_eq!(outcomes.top, [("false".to_owned(), 3)]);
        let services = facet_counts(&events(), Facet::Service, 10);
        assert_eq!(services.top[0], ("octopai".to_owned(), 3));
    }

    #[test]
    fn no_events_no_values() {
        let none = facet_counts(&Vec::<AuditEvent>::new(), Facet::User, 10);
        assert_eq!(none, FacetCounts::default());
        assert_eq!(none.share(0), 0.0);
    }
}
