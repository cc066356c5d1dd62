//! Privacy mode's pseudonyms: stable, one-to-one, per session, and what
//! masking changes and keeps.

use super::*;
use crate::fixture::event;
use crate::{EventKind, Outcome, Source};

fn table() -> Pseudonyms {
    Pseudonyms::new([7; 32])
}

#[test]
fn the_same_value_always_gets_the_same_pseudonym_and_another_key_another_one() {
    let mut one = table();
    let first = one.pseudonym(PersonKind::User, "ana@example.com");
    assert!(first.starts_with("user-") && first.len() == 5 + SHORT_DIGITS);
    assert_eq!(one.pseudonym(PersonKind::User, "ana@example.com"), first);
    assert_eq!(
        Pseudonyms::new([7; 32]).pseudonym(PersonKind::User, "ana@example.com"),
        first,
        "the same key, the same pseudonym"
    );
    assert_ne!(
        Pseudonyms::new([8; 32]).pseudonym(PersonKind::User, "ana@example.com"),
        first,
        "another session cannot be correlated"
    );
    assert!(one
        .pseudonym(PersonKind::Address, "10.1.2.3")
        .starts_with("ip-"));
}

#[test]
fn ten_thousand_people_never_share_a_pseudonym() {
    let mut one = table();
    let names: Vec<String> = (0..10_000)
        .map(|i| format!("person{i}@example.com"))
        .collect();
    let pseudonyms: std::collections::HashSet<String> = names
        .iter()
        .map(|name| one.pseudonym(PersonKind::User, name))
        .collect();
    assert_eq!(pseudonyms.len(), names.len());
    for name in &names {
        let pseudonym = one.pseudonym(PersonKind::User, name);
        assert_eq!(one.real(&pseudonym), Some(name.as_str()));
    }
}

#[test]
fn a_collision_on_the_short_form_gets_a_longer_pseudonym() {
    let mut one = table();
    let taken = one.pseudonym(PersonKind::User, "a");
    // Force the clash: another value whose short form is taken.
    let digest = one.digest(PersonKind::User, "b");
    one.by_pseudonym.insert(
        format!("user-{}", &digest[..SHORT_DIGITS]),
        (PersonKind::User, "someone else".into()),
    );
    let longer = one.pseudonym(PersonKind::User, "b");
    assert_eq!(longer, format!("user-{}", &digest[..SHORT_DIGITS + 2]));
    assert_ne!(longer, taken);
    assert_eq!(one.real(&longer), Some("b"));
}

#[test]
fn addresses_inside_text_are_found_and_masked() {
    let mut one = table();
    let text = "Invalid password for raj.kim@example.com from 203.0.113.9:8443, then 2001:db8::7 and cafe: ok.";
    let masked = one.mask_text(text);
    assert!(!masked.contains("raj.kim@example.com"), "{masked}");
    assert!(!masked.contains("203.0.113.9"), "{masked}");
    assert!(!masked.contains("2001:db8::7"), "{masked}");
    assert!(masked.contains(":8443"), "{masked}");
    assert!(masked.contains("cafe: ok."), "{masked}");
    assert!(masked.starts_with("Invalid password for user-"), "{masked}");
    let (back, unresolved) = one.unmask_text(&masked);
    assert_eq!(back, text);
    assert!(unresolved.is_empty());
}

#[test]
fn an_event_is_masked_in_every_person_field_and_keeps_its_resource() {
    let mut one = table();
    let mut audit = event(
        "x",
        Source::ClouderaManager,
        "2026-11-02T10:00:00Z",
        EventKind::Operation,
        Outcome::Denied,
    )
    .by("hive")
    .from_ip("10.20.1.10");
    audit.target = Some("/user/hive/warehouse".into());
    let audit = audit.with_raw_json(r#"{"username":"hive","impersonator":"ana","ipAddress":"10.20.1.10","resource":"/user/hive/warehouse","operationText":"GRANT to ana@example.com from 10.9.9.9","serviceValues":{"client":"10.20.1.10"}}"#);
    let masked = one.mask_event(&audit);
    assert!(masked.actor.starts_with("user-"));
    assert!(masked.ip.as_deref().unwrap().starts_with("ip-"));
    assert_eq!(masked.target.as_deref(), Some("/user/hive/warehouse"));
    for real in [
        "\"hive\"",
        "\"ana\"",
        "10.20.1.10",
        "ana@example.com",
        "10.9.9.9",
    ] {
        assert!(
            !masked.raw_json().contains(real),
            "{real} in {}",
            masked.raw_json()
        );
    }
    assert!(masked.raw_json().contains("/user/hive/warehouse"));
    assert_eq!(
        (masked.id, masked.at, masked.kind, masked.outcome),
        (audit.id, audit.at, audit.kind, audit.outcome)
    );
}

#[test]
fn detections_and_counts_are_the_same_masked() {
    use crate::detect::{detect_with, Thresholds};
    let at = |minute: u32| format!("2026-11-02T10:{:02}:00Z", minute);
    let mut events = Vec::new();
    for i in 0..12 {
        events.push(
            event(
                &format!("f{i}"),
                Source::Octopai,
                &at(i),
                EventKind::Login,
                Outcome::Failed,
            )
            .by(&format!("u{}@example.com", i % 6))
            .from_ip(if i % 2 == 0 {
                "10.0.0.5"
            } else {
                "198.51.100.23"
            }),
        );
    }
    for i in 0..30 {
        events.push(
            event(
                &format!("s{i}"),
                Source::Octopai,
                &at(20 + i),
                EventKind::Login,
                Outcome::Succeeded,
            )
            .by("u1@example.com")
            .from_ip(match i {
                0..20 => "10.0.0.5",
                // A new internal address is not flagged by default:
                // only the real address can say it is internal.
                20..25 => "192.168.3.3",
                _ => "203.0.113.3",
            }),
        );
    }
    let thresholds = Thresholds::default();
    let plain = detect_with(&events, &thresholds, &crate::detect::is_internal_address);
    let mut one = table();
    let masked_events = one.mask_events(&events);
    let masked = detect_with(&masked_events, &thresholds, &|ip| one.is_internal(ip));
    assert!(plain
        .iter()
        .any(|flag| flag.kind == crate::detect::DetectionKind::FirstSeenIp));
    assert_eq!(plain.len(), masked.len());
    for (a, b) in plain.iter().zip(&masked) {
        assert_eq!(
            (a.kind, a.first_at, &a.event_ids),
            (b.kind, b.first_at, &b.event_ids)
        );
        assert!(!b.reason.contains("example.com") && !b.reason.contains("10.0.0.5"));
    }
    assert_eq!(
        crate::analytics::totals(&events),
        crate::analytics::totals(&masked_events)
    );
}

#[test]
fn entries_travel_between_page_loads_and_unknown_pseudonyms_are_named() {
    let mut one = table();
    let who = one.pseudonym(PersonKind::User, "lucas.kim@example.com");
    let query = format!("username=={who};ip_address!=ip-0123456789");
    let entries = one.entries_in(&query);
    assert_eq!(entries.len(), 1);
    let mut later = table();
    later.remember(&entries);
    let (real, unresolved) = later.unmask_text(&query);
    assert_eq!(
        real,
        "username==lucas.kim@example.com;ip_address!=ip-0123456789"
    );
    assert_eq!(unresolved, vec!["ip-0123456789".to_owned()]);
}

#[test]
fn a_typed_query_is_masked_and_a_pattern_on_a_person_refused() {
    let mut one = table();
    let masked = one
        .mask_query("username==ana@example.com;ip_address=in=(10.0.0.1, 198.51.100.7)||operation_text==*203.0.113.9*;service==HIVE")
        .unwrap();
    assert!(
        !masked.contains("ana@") && !masked.contains("10.0.0.1"),
        "{masked}"
    );
    assert!(
        !masked.contains("198.51.100.7") && !masked.contains("203.0.113.9"),
        "{masked}"
    );
    assert!(
        masked.contains("service==HIVE") && masked.contains("||operation_text==*ip-"),
        "{masked}"
    );
    let (back, unresolved) = one.unmask_text(&masked);
    assert_eq!(back, "username==ana@example.com;ip_address=in=(10.0.0.1,198.51.100.7)||operation_text==*203.0.113.9*;service==HIVE");
    assert!(unresolved.is_empty());
    assert_eq!(
        one.mask_query(&masked).unwrap(),
        masked,
        "masking twice changes nothing"
    );
    let refused = one.mask_query("username==*kim*").unwrap_err();
    assert!(refused.contains("privacy mode"), "{refused}");
    assert_eq!(one.mask_query("").unwrap(), "");
}

#[test]
fn a_pseudonym_stands_for_itself() {
    let mut one = table();
    let made = one.pseudonym(PersonKind::User, "x@example.com");
    let mut other = Pseudonyms::new([9; 32]);
    assert_eq!(other.pseudonym(PersonKind::User, &made), made);
    assert_eq!(other.pseudonym_of_typed(&format!(" {made} ")), made);
    assert!(other.pseudonym_of_typed("10.1.1.1").starts_with("ip-"));
}
