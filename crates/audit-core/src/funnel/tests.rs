//! Funnels on crafted users: order matters, a step named twice needs two
//! events, a session boundary ends a chain unless minutes are asked for,
//! and steps at one instant count in the events' order.

use super::*;
use crate::event::Outcome;
use crate::fixture::event;

/// An Octopai event of `user` `minutes` after 10:00: `login`, `logout` or
/// a page load of `page`.
fn did(user: &str, minutes: i64, what: &str, id: &str) -> AuditEvent {
    let at = crate::time::parse_iso("2026-11-18T10:00:00Z").unwrap() + Duration::minutes(minutes);
    let kind = match what {
        "login" => EventKind::Login,
        "logout" => EventKind::Logout,
        _ => EventKind::PageLoad,
    };
    let mut e = event(
        id,
        Source::Octopai,
        &crate::time::format_iso(at),
        kind,
        Outcome::Succeeded,
    );
    e.actor = user.into();
    if kind == EventKind::PageLoad {
        e.target = Some(what.into());
    }
    e
}

fn counts(events: &[AuditEvent], steps: &str, within: Within) -> Vec<usize> {
    let funnel = Funnel {
        steps: Funnel::parse_steps(steps).unwrap(),
        within,
    };
    super::funnel(
        events,
        &funnel,
        &RouteRule::default(),
        Duration::minutes(30),
    )
    .iter()
    .map(|step| step.users.len())
    .collect()
}

#[test]
fn order_matters_and_routes_group_records() {
    let events = vec![
        // mia: login, a lineage graph, a report: all three.
        did("mia", 0, "login", "m1"),
        did("mia", 2, "/lineage/8812", "m2"),
        did(
            "mia",
            5,
            "/reports/3f2a9c1e-0b4d-4c5e-9f00-1234567890ab/edit",
            "m3",
        ),
        // raj: the report before the lineage: only two steps.
        did("raj", 0, "login", "r1"),
        did(
            "raj",
            1,
            "/reports/00000000-0b4d-4c5e-9f00-1234567890ab/edit",
            "r2",
        ),
        did("raj", 3, "/lineage/9013", "r3"),
        // noah never logs in here: not in the funnel at all.
        did("noah", 1, "/lineage/1", "n1"),
    ];
    let steps = "login > /lineage/:id > /reports/:id/edit";
    assert_eq!(counts(&events, steps, Within::Session), [2, 2, 1]);
    let funnel = Funnel::from_query(steps, Some("session")).unwrap();
    let found = super::funnel(
        &events,
        &funnel,
        &RouteRule::default(),
        Duration::minutes(30),
    );
    assert_eq!(found[2].users, ["mia"]);
    assert_eq!(
        found[1].median_from_previous,
        Some(Duration::minutes(3)),
        "mia 2, raj 3: of two, the later (as the usage panel's median session)"
    );
    assert_eq!(found[0].median_from_previous, None);
}

#[test]
fn a_step_named_twice_needs_two_events() {
    let once = vec![did("mia", 0, "login", "a"), did("mia", 1, "/help", "b")];
    assert_eq!(counts(&once, "/help > /help", Within::Session), [1, 0]);
    let twice = vec![
        did("mia", 0, "login", "a"),
        did("mia", 1, "/help", "b"),
        did("mia", 2, "/help", "c"),
    ];
    assert_eq!(counts(&twice, "/help > /help", Within::Session), [1, 1]);
}

#[test]
fn two_sessions_break_a_chain_unless_minutes_are_asked_for() {
    let events = vec![
        did("mia", 0, "login", "a"),
        did("mia", 1, "/lineage/1", "b"),
        did("mia", 2, "logout", "c"),
        // A new session 10 minutes later.
        did("mia", 12, "login", "d"),
        did("mia", 13, "/reports", "e"),
    ];
    let steps = "/lineage/:id > /reports";
    assert_eq!(counts(&events, steps, Within::Session), [1, 0]);
    assert_eq!(counts(&events, steps, Within::Minutes(15)), [1, 1]);
    assert_eq!(
        counts(&events, steps, Within::Minutes(11)),
        [1, 0],
        "12 minutes apart"
    );
    assert_eq!(
        counts(&events, steps, Within::Minutes(12)),
        [1, 1],
        "inclusive"
    );
}

#[test]
fn steps_at_one_instant_count_in_the_events_order() {
    // Same minute: the login (id "a") comes before the page (id "b").
    let events = vec![did("mia", 0, "/help", "b"), did("mia", 0, "login", "a")];
    assert_eq!(counts(&events, "login > /help", Within::Minutes(5)), [1, 1]);
    assert_eq!(counts(&events, "/help > login", Within::Minutes(5)), [1, 0]);
}

#[test]
fn a_later_start_is_tried_when_the_first_goes_nowhere() {
    let events = vec![
        did("mia", 0, "/lineage/1", "a"),
        // Far too late for the first lineage visit, right after the second.
        did("mia", 100, "/lineage/2", "b"),
        did("mia", 101, "/reports", "c"),
    ];
    assert_eq!(
        counts(&events, "/lineage/:id > /reports", Within::Minutes(5)),
        [1, 1]
    );
}

#[test]
fn funnels_are_read_from_the_url_with_reasons() {
    let funnel = Funnel::from_query("login > /lineage/:id", Some("30")).unwrap();
    assert_eq!(funnel.within, Within::Minutes(30));
    assert_eq!(funnel.steps_text(), "login > /lineage/:id");
    assert_eq!(
        Funnel::from_query(&funnel.steps_text(), Some(&funnel.within_text())),
        Ok(funnel)
    );
    assert!(Funnel::parse_steps("login")
        .unwrap_err()
        .contains("2 to 5 steps"));
    assert!(Funnel::parse_steps("login > lineage")
        .unwrap_err()
        .contains("`lineage`"));
    assert!(Funnel::from_query("login > /a", Some("0"))
        .unwrap_err()
        .contains("1 to 10080"));
    assert_eq!(Funnel::parse_steps("login → /a").unwrap().len(), 2);
}
