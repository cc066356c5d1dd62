//! Property tests of the Cloudera Manager query language: the parser never
//! panics, printing and parsing round-trip, and the evaluator agrees with a
//! plain reference implementation on random audits.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)] // Tests: a failure must stop the test loudly.

use std::collections::BTreeMap;

use audit_core::alternatives;
use audit_core::cloudera::ApiAudit;
use audit_core::query::{self, audit_field, Comparator, Selector};
use proptest::prelude::*;

/// Reference LIKE: a regex-free recursive match over `*` (and `%` when the
/// pattern has a `*`), written for clarity, not speed.
fn reference_like(pattern: &[char], value: &[char]) -> bool {
    match pattern.split_first() {
        None => value.is_empty(),
        Some(('*', rest)) => (0..=value.len()).any(|skip| reference_like(rest, &value[skip..])),
        Some((c, rest)) => value.first() == Some(c) && reference_like(rest, &value[1..]),
    }
}

fn reference_matches(pattern: &str, value: &str) -> bool {
    if pattern.contains('*') {
        let pattern: Vec<char> = pattern
            .chars()
            .map(|c| if c == '%' { '*' } else { c })
            .collect();
        reference_like(&pattern, &value.chars().collect::<Vec<_>>())
    } else {
        pattern == value
    }
}

fn value_text() -> impl Strategy<Value = String> {
    // A small alphabet so that wildcards and equalities actually hit.
    proptest::collection::vec(
        prop_oneof![
            Just("a"),
            Just("b"),
            Just("*"),
            Just("%"),
            Just("_"),
            Just("x")
        ],
        1..6,
    )
    .prop_map(|parts| parts.concat())
}

fn plain_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![Just("a"), Just("b"), Just("_"), Just("x"), Just("%")],
        0..6,
    )
    .prop_map(|parts| parts.concat())
}

fn constraint() -> impl Strategy<Value = (String, Comparator, String)> {
    let selector = proptest::sample::select(
        Selector::ALL
            .iter()
            .map(|s| s.name())
            .filter(|s| *s != "allowed")
            .collect::<Vec<_>>(),
    );
    (
        selector,
        prop_oneof![Just(Comparator::Equal), Just(Comparator::NotEqual)],
        value_text(),
    )
        .prop_map(|(selector, comparator, value)| (selector.to_owned(), comparator, value))
}

/// The query string of generated constraints.
fn query_text(constraints: &[(String, Comparator, String)]) -> String {
    constraints
        .iter()
        .map(|(selector, comparator, value)| format!("{selector}{}{value}", comparator.as_str()))
        .collect::<Vec<_>>()
        .join(";")
}

fn audit() -> impl Strategy<Value = ApiAudit> {
    (
        proptest::option::of(plain_text()),
        proptest::option::of(plain_text()),
        proptest::option::of(plain_text()),
        proptest::option::of(any::<bool>()),
        proptest::collection::btree_map(
            proptest::sample::select(vec![
                "src",
                "dest",
                "table_name",
                "database_name",
                "family",
                "role",
            ]),
            plain_text(),
            0..4,
        ),
    )
        .prop_map(|(service, username, command, allowed, values)| ApiAudit {
            timestamp: "2026-11-21T00:00:00Z".into(),
            service,
            username,
            command,
            allowed,
            service_values: Some(
                values
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect::<BTreeMap<_, _>>(),
            ),
            ..ApiAudit::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parser_never_panics_and_spans_stay_inside_the_input(text in "\\PC{0,40}") {
        if let Err(diagnostics) = query::parse(&text) {
            prop_assert!(!diagnostics.is_empty());
            for diagnostic in diagnostics {
                prop_assert!(diagnostic.span.start <= diagnostic.span.end && diagnostic.span.end <= text.len());
                prop_assert!(text.is_char_boundary(diagnostic.span.start) && text.is_char_boundary(diagnostic.span.end));
                prop_assert!(!diagnostic.message.is_empty());
            }
        }
    }

    #[test]
    fn parser_never_panics_on_query_like_noise(text in "[a-z_=!;*%, |]{0,30}") {
        let _ = query::parse(&text);
    }

    #[test]
    fn query_bar_parser_never_panics_and_spans_stay_inside_the_input(text in "(\\PC|=in=\\(|=out=\\(|\\)|,|\\|\\||;){0,30}") {
        if let Err(diagnostics) = alternatives::parse_alternatives(&text) {
            prop_assert!(!diagnostics.is_empty());
            for diagnostic in diagnostics {
                prop_assert!(diagnostic.span.start <= diagnostic.span.end && diagnostic.span.end <= text.len(), "{:?} in {:?}", diagnostic, text);
                prop_assert!(text.is_char_boundary(diagnostic.span.start) && text.is_char_boundary(diagnostic.span.end), "{:?} in {:?}", diagnostic, text);
            }
        }
    }

    #[test]
    fn every_branch_of_a_valid_query_bar_text_is_a_valid_cm_query(constraints in proptest::collection::vec(constraint(), 1..4)) {
        // The same constraints as alternatives: each branch is sendable.
        let text = constraints
            .iter()
            .map(|c| query_text(std::slice::from_ref(c)))
            .collect::<Vec<_>>()
            .join("||");
        let branches = alternatives::parse_alternatives(&text).unwrap();
        prop_assert!(!branches.is_empty() && branches.len() <= constraints.len());
        for branch in branches {
            prop_assert!(query::parse(&branch.to_query_string()).is_ok());
        }
    }

    #[test]
    fn printing_then_parsing_gives_the_same_query(constraints in proptest::collection::vec(constraint(), 1..5)) {
        let text = query_text(&constraints);
        let parsed = query::parse(&text).unwrap();
        prop_assert_eq!(parsed.to_query_string(), text.clone());
        let reparsed = query::parse(&parsed.to_query_string()).unwrap();
        prop_assert_eq!(reparsed.constraints.len(), parsed.constraints.len());
    }

    #[test]
    fn evaluator_agrees_with_the_reference(constraints in proptest::collection::vec(constraint(), 1..4), audit in audit()) {
        let text = query_text(&constraints);
        let parsed = query::parse(&text).unwrap();
        let expected = constraints.iter().all(|(selector, comparator, value)| {
            match Selector::from_name(selector).and_then(|selector| audit_field(&audit, selector)) {
                None => false,
                Some(field) => (reference_matches(value, &field)) == (*comparator == Comparator::Equal),
            }
        });
        prop_assert_eq!(parsed.matches(&audit), expected, "{}", text);
    }
}

/// Regressions found by the properties above, kept as plain tests.
#[test]
fn regression_multibyte_input_spans_are_char_boundaries() {
    // Found by `parser_never_panics_and_spans_stay_inside_the_input`: a
    // multibyte space (U+2000) gave a span ending inside the character.
    for text in [
        "\u{2000}",
        "username==a\u{3000}b",
        "ü==x",
        "username==é;;",
        "sérvice==1",
        "usér name==x",
    ] {
        if let Err(diagnostics) = query::parse(text) {
            for diagnostic in diagnostics {
                assert!(
                    text.is_char_boundary(diagnostic.span.start)
                        && text.is_char_boundary(diagnostic.span.end),
                    "{text}"
                );
            }
        }
    }
}
