//! Tests of the query language: parsing, diagnostics, evaluation.
use super::*;

#[test]
fn each_selector_reads_back_by_its_name_and_the_alias_as_operation() {
    for selector in Selector::ALL {
        assert_eq!(Selector::from_name(selector.name()), Some(selector));
    }
    assert_eq!(Selector::from_name("command"), Some(Selector::Operation));
    assert_eq!(Selector::from_name("usr"), None);
    let parsed = parse("command==listStatus").unwrap();
    assert_eq!(parsed.constraints[0].selector, Selector::Operation);
    assert_eq!(
        parsed.to_query_string(),
        "command==listStatus",
        "sent as written"
    );
}
use std::collections::BTreeMap;

fn check_error(query: &str, span: (usize, usize), message: &str) {
    let diagnostics = parse(query).expect_err(query);
    let first = &diagnostics[0];
    assert_eq!(
        (first.span.start, first.span.end),
        span,
        "{query}: {first:?}"
    );
    assert!(
        first.message.contains(message),
        "{query}: {}",
        first.message
    );
}

#[test]
fn seed_examples_parse_and_print_back() {
    for query in [
        "command==listStatus",
        "command==listStatus;username!=foo",
        "command==listStatus;source==*oozie*",
        "operation==listStatus",
    ] {
        let parsed = parse(query).unwrap();
        assert_eq!(parsed.to_query_string(), query);
    }
    assert_eq!(parse("").unwrap(), Query::default());
}

#[test]
fn malformed_queries_are_positioned() {
    check_error(
        "usr==bob",
        (0, 3),
        "unknown selector `usr`; did you mean `username`?",
    );
    check_error(
        "comand==ls",
        (0, 6),
        "unknown selector `comand`; did you mean `command`?",
    );
    check_error("servce==x", (0, 6), "did you mean `service`?");
    check_error(
        "username=bob",
        (8, 12),
        "expected `==` or `!=` after `username`",
    );
    check_error("username==", (8, 10), "needs a value");
    check_error("username==bob;", (14, 14), "empty constraint");
    check_error("username == bob", (8, 9), "spaces are not allowed");
    check_error("username==a||username==b", (11, 12), "OR is not supported");
    check_error("username==a,b", (11, 12), "OR is not supported");
    check_error("allowed==maybe", (9, 14), "`allowed` is `true` or `false`");
    check_error("==x", (0, 2), "selector is missing");
    check_error("username==a==b", (11, 13), "second comparator");
}

#[test]
fn evaluator_follows_documented_semantics() {
    let audit = ApiAudit {
        timestamp: "t".into(),
        service: Some("hdfs1".into()),
        username: Some("etl_batch".into()),
        command: Some("listStatus".into()),
        allowed: Some(false),
        service_values: Some(BTreeMap::from([(
            "src".to_owned(),
            "/user/oozie/x".to_owned(),
        )])),
        ..ApiAudit::default()
    };
    let check = |query: &str, expected: bool| {
        assert_eq!(parse(query).unwrap().matches(&audit), expected, "{query}");
    };
    check("operation==listStatus", true);
    check("operation==listStatus;username!=foo", true);
    check("command==listStatus;source==*oozie*", true);
    check("operation==listStatus;username!=etl_batch", false);
    check("operation==listStatus;source==*oozie*", true);
    check("source==*hive*", false);
    check("allowed==false", true);
    check("username==etl%*", true);
    check("username==etl%", false);
    check("impersonator!=hue", false);
    check("service==HDFS1", false);
}

#[test]
fn octopai_events_filter_over_their_mapped_fields() {
    let page = crate::octopai::UserEventsPage::decode(
        r#"[{"id":"1","userName":"mia@example.com","eventType":"LoginFailed","reason":"Wrong password",
             "timestamp":"2026-11-21T08:00:00Z","ipAddress":"203.0.113.9"},
            {"id":"2","userName":"mia@example.com","eventType":"PageLoad","page":"/lineage",
             "timestamp":"2026-11-21T08:01:00Z","ipAddress":"10.0.0.4"}]"#,
    )
    .unwrap();
    let events: Vec<AuditEvent> = page.events.into_iter().map(AuditEvent::from).collect();
    let ids = |query: &str| -> Vec<String> {
        let query = parse(query).unwrap();
        events
            .iter()
            .filter(|e| query.matches_event(e))
            .map(|e| e.id.to_string())
            .collect()
    };
    assert_eq!(ids("operation==LoginFailed"), ["oct:1"]);
    assert_eq!(ids("allowed==false"), ["oct:1"]);
    assert_eq!(ids("source==/lin*"), ["oct:2"]);
    assert_eq!(ids("username==*@example.com;ip_address!=10.*"), ["oct:1"]);
    assert_eq!(ids("service==octopai").len(), 2);
    assert!(
        ids("table_name==x").is_empty(),
        "a selector with no mapped field matches nothing"
    );
    assert_eq!(ids("operation_text==*password*"), ["oct:1"]);
}

#[test]
fn wildcard_edges() {
    assert!(value_matches("*", ""));
    assert!(value_matches("a*b*c", "aXbYc"));
    assert!(!value_matches("a*b*c", "aXbY"));
    assert!(value_matches("**a", "a"));
    assert!(value_matches("*aab", "aaab"));
}
