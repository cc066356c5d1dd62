//! Tests of the query bar's alternatives and lists, and their diagnostics.

use super::*;

fn sent(text: &str) -> Vec<String> {
    parse_alternatives(text)
        .unwrap_or_else(|d| panic!("{text}: {d:?}"))
        .iter()
        .map(Query::to_query_string)
        .collect()
}

fn problem(text: &str) -> (usize, usize, String) {
    let found = parse_alternatives(text).expect_err(text);
    (
        found[0].span.start,
        found[0].span.end,
        found[0].message.clone(),
    )
}

#[test]
fn plain_queries_are_one_branch() {
    assert_eq!(sent(""), [""]);
    assert_eq!(
        sent("username==admin;allowed==false"),
        ["username==admin;allowed==false"]
    );
}

#[test]
fn in_lists_expand_into_one_branch_per_value() {
    assert_eq!(
        sent("username=in=(admin,tariq.kim);allowed==false"),
        [
            "username==admin;allowed==false",
            "username==tariq.kim;allowed==false"
        ]
    );
    assert_eq!(
        sent("service=in=(hive1,hdfs1);username=in=(a,b)"),
        [
            "service==hive1;username==a",
            "service==hive1;username==b",
            "service==hdfs1;username==a",
            "service==hdfs1;username==b"
        ]
    );
    assert_eq!(
        sent("username=in=(a,a)"),
        ["username==a"],
        "duplicates once"
    );
}

#[test]
fn out_lists_are_all_of_their_exclusions() {
    assert_eq!(
        sent("username=out=(hive,etl_batch)"),
        ["username!=hive;username!=etl_batch"]
    );
}

#[test]
fn alternatives_are_branches_as_written() {
    assert_eq!(
        sent("username==a||ip_address==10.*"),
        ["username==a", "ip_address==10.*"]
    );
    assert_eq!(sent("username==a||username==a"), ["username==a"]);
}

#[test]
fn mistakes_keep_their_position_in_the_typed_text() {
    // Unknown selector inside a list.
    let (start, end, message) = problem("allowed==false;usr=in=(a,b)");
    assert_eq!((start, end), (15, 18), "{message}");
    assert!(message.contains("did you mean `username`"), "{message}");
    // A bad value inside a list points at that value.
    let (start, end, message) = problem("allowed=in=(true,maybe)");
    assert_eq!(&"allowed=in=(true,maybe)"[start..end], "maybe", "{message}");
    // A list without parentheses.
    assert!(problem("username=in=a,b").2.contains("in parentheses"));
    // An empty list member.
    let (start, _, message) = problem("username=in=(a,,b)");
    assert_eq!(start, 15, "{message}");
    // An empty alternative.
    assert!(problem("username==a||").2.contains("empty alternative"));
    // A comma outside a list explains the two ways to say OR.
    let (_, _, message) = problem("username==a,b");
    assert!(
        message.contains("selector=in=(a,b)") && message.contains("||"),
        "{message}"
    );
    // A mistake in the second alternative is placed there.
    let (start, _, _) = problem("username==a||usr==b");
    assert_eq!(start, 13);
}

#[test]
fn too_many_branches_is_a_clear_mistake() {
    let values: Vec<String> = (0..5).map(|i| format!("u{i}")).collect();
    let list = values.join(",");
    let text = format!("username=in=({list});ip_address=in=({list})");
    assert!(problem(&text).2.contains("more than 16 requests"));
}

#[test]
fn clauses_join_every_alternative() {
    assert_eq!(with_clause("", "allowed==false"), "allowed==false");
    assert_eq!(
        with_clause("username==a;", "allowed==false"),
        "username==a;allowed==false"
    );
    assert_eq!(
        with_clause("username==a||username==b", "allowed==false"),
        "username==a;allowed==false||username==b;allowed==false"
    );
}

#[test]
fn any_branch_matching_keeps_an_event() {
    use crate::event::{EventKind, Outcome, Source};
    let event = crate::fixture::event(
        "1",
        Source::Octopai,
        "2026-11-21T00:00:00Z",
        EventKind::Login,
        Outcome::Failed,
    )
    .by("b");
    let branches = parse_alternatives("username==a||username==b").unwrap();
    assert!(any_matches(&branches, &event));
    let branches = parse_alternatives("username=in=(a,c)").unwrap();
    assert!(!any_matches(&branches, &event));
    assert!(any_matches(&[], &event));
}

#[test]
fn chips_round_trip_with_the_text() {
    let text = "username==a;allowed==false||ip_address=in=(1.2.3.4,5.6.7.8)";
    let found = chips(text);
    assert_eq!(
        found.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(),
        [
            "username==a",
            "allowed==false",
            "ip_address=in=(1.2.3.4,5.6.7.8)"
        ]
    );
    assert_eq!(join_text(&split_text(text)), text);
    assert_eq!(
        without_chip(text, &found[1]),
        "username==a||ip_address=in=(1.2.3.4,5.6.7.8)"
    );
    assert_eq!(
        without_chip(text, &found[2]),
        "username==a;allowed==false",
        "an emptied alternative goes"
    );
    assert_eq!(
        negated_chip(text, &found[0]),
        "username!=a;allowed==false||ip_address=in=(1.2.3.4,5.6.7.8)"
    );
    assert_eq!(
        negated_chip(text, &found[2]),
        "username==a;allowed==false||ip_address=out=(1.2.3.4,5.6.7.8)"
    );
    let once = negated_chip(text, &found[0]);
    assert_eq!(
        negated_chip(&once, &chips(&once)[0]),
        text,
        "negating twice gives the text back"
    );
    assert!(chips("").is_empty());
    // Every chip's removal leaves a query that still parses.
    for chip in &found {
        assert!(parse_alternatives(&without_chip(text, chip)).is_ok());
    }
}

#[test]
fn completions_follow_the_last_constraint() {
    let users = vec!["admin".to_owned(), "alice".to_owned(), "bob".to_owned()];
    let none: Vec<String> = Vec::new();
    let values = |selector: &str| -> &[String] {
        if selector == "username" {
            &users
        } else {
            &none
        }
    };
    assert_eq!(
        completions("allowed==false;us", values, 5),
        ["allowed==false;username=="]
    );
    assert_eq!(
        completions("username==a", values, 5),
        ["username==admin", "username==alice"]
    );
    assert_eq!(completions("username!=b", values, 5), ["username!=bob"]);
    assert_eq!(
        completions("username=in=(admin,a", values, 5),
        ["username=in=(admin,admin", "username=in=(admin,alice"]
    );
    assert_eq!(completions("a==1||ip", values, 5), ["a==1||ip_address=="]);
    assert_eq!(completions("", values, 3).len(), 3, "selectors, limited");
    assert!(completions("nothing==", values, 5).is_empty());
}
