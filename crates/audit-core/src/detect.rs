//! Detections over loaded events: brute force, password spray, failures
//! followed by a success, a user's first-seen address, and bursts of denied
//! operations. Both sources count, on one time axis.
//!
//! Every detection says why it fired (in words a person can check against
//! the events) and names exactly the events it is built from, so the view
//! can show them. Thresholds are plain data ([`Thresholds`]) the user edits.
//!
//! "Within M minutes" is inclusive: events M minutes apart are within M
//! minutes of each other. Input may be in any order and hold duplicates (by
//! id); the result does not depend on either.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{AuditEvent, FnvMap};
use crate::time::format_iso;

/// "At least `count` within `minutes` minutes".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub count: u32,
    pub minutes: u32,
}

impl Rule {
    pub const fn new(count: u32, minutes: u32) -> Self {
        Self { count, minutes }
    }

    fn span(self) -> Duration {
        Duration::minutes(i64::from(self.minutes))
    }

    fn count(self) -> usize {
        usize::try_from(self.count.max(1)).unwrap_or(usize::MAX)
    }
}

/// Every threshold the detections use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Failed logins for one account.
    pub brute_force: Rule,
    /// Distinct accounts failing from one address.
    pub spray: Rule,
    /// Failed logins for one account before its next successful login.
    pub failures_then_success: Rule,
    /// Events a user must have from other addresses before a new one counts
    /// as first-seen (so a user's very first event is never flagged).
    pub new_ip_history: u32,
    /// Whether internal addresses (private, loopback, link-local) can be
    /// first-seen too. Off by default: office and VPN ranges are known
    /// networks, and a new external address is what matters.
    pub new_ip_internal: bool,
    /// Denied operations by one user.
    pub denied_burst: Rule,
}

impl Default for Thresholds {
    /// The documented defaults: in line with common lockout policies (a
    /// handful of failures in minutes is a typo; ten is not).
    fn default() -> Self {
        Self {
            brute_force: Rule::new(10, 10),
            spray: Rule::new(10, 30),
            failures_then_success: Rule::new(3, 30),
            new_ip_history: 5,
            new_ip_internal: false,
            denied_burst: Rule::new(10, 10),
        }
    }
}

/// What a detection is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DetectionKind {
    BruteForce,
    PasswordSpray,
    FailuresThenSuccess,
    DeniedBurst,
    FirstSeenIp,
}

impl DetectionKind {
    pub const ALL: [DetectionKind; 5] = [
        DetectionKind::BruteForce,
        DetectionKind::PasswordSpray,
        DetectionKind::FailuresThenSuccess,
        DetectionKind::DeniedBurst,
        DetectionKind::FirstSeenIp,
    ];

    pub fn label(self) -> &'static str {
        match self {
            DetectionKind::BruteForce => "Brute force",
            DetectionKind::PasswordSpray => "Password spray",
            DetectionKind::FailuresThenSuccess => "Failures, then a success",
            DetectionKind::DeniedBurst => "Burst of denied operations",
            DetectionKind::FirstSeenIp => "First-seen address",
        }
    }

    /// Short, stable name used in links.
    pub fn slug(self) -> &'static str {
        match self {
            DetectionKind::BruteForce => "brute-force",
            DetectionKind::PasswordSpray => "spray",
            DetectionKind::FailuresThenSuccess => "fail-then-success",
            DetectionKind::DeniedBurst => "denied-burst",
            DetectionKind::FirstSeenIp => "new-ip",
        }
    }

    /// How urgent: 3 (likely attack) down to 1 (worth a look).
    pub fn severity(self) -> u8 {
        match self {
            DetectionKind::BruteForce
            | DetectionKind::PasswordSpray
            | DetectionKind::FailuresThenSuccess => 3,
            DetectionKind::DeniedBurst => 2,
            DetectionKind::FirstSeenIp => 1,
        }
    }
}

/// One flag: what, about whom, when, why, and exactly which events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    pub kind: DetectionKind,
    /// The account, address or user the flag is about.
    pub subject: String,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    /// Why it fired, checkable against the events.
    pub reason: String,
    /// The ids of exactly the events it is built from, oldest first.
    pub event_ids: Vec<String>,
}

impl Detection {
    /// A key that names this flag in a link: the same events and thresholds
    /// give the same key.
    pub fn key(&self) -> String {
        format!(
            "{}:{}:{}",
            self.kind.slug(),
            self.subject,
            self.first_at.timestamp_millis()
        )
    }
}

/// Runs every detection. Flags come most severe first, then newest first.
pub fn detect(events: &[AuditEvent], thresholds: &Thresholds) -> Vec<Detection> {
    detect_with(events, thresholds, &is_internal_address)
}

/// [`detect`], with the test for an internal address given: privacy mode
/// answers it from the real address behind a pseudonym, so masked events
/// give exactly the same flags.
pub fn detect_with(
    events: &[AuditEvent],
    thresholds: &Thresholds,
    is_internal: &dyn Fn(&str) -> bool,
) -> Vec<Detection> {
    let ordered = chronological(events);
    let mut found = Vec::new();
    found.extend(brute_force(&ordered, thresholds.brute_force));
    found.extend(password_spray(&ordered, thresholds.spray));
    found.extend(failures_then_success(
        &ordered,
        thresholds.failures_then_success,
    ));
    found.extend(denied_bursts(&ordered, thresholds.denied_burst));
    found.extend(first_seen_ips(
        &ordered,
        thresholds.new_ip_history,
        thresholds.new_ip_internal,
        is_internal,
    ));
    found.sort_by(|a, b| {
        b.kind
            .severity()
            .cmp(&a.kind.severity())
            .then_with(|| b.first_at.cmp(&a.first_at))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    found
}

/// The events oldest first (ties by id), each id once (an id names one
/// event, so its copies carry the same time).
fn chronological(events: &[AuditEvent]) -> Vec<&AuditEvent> {
    let mut ordered: Vec<&AuditEvent> = events.iter().collect();
    let newest_first = events.windows(2).all(|pair| {
        pair[0].at > pair[1].at || (pair[0].at == pair[1].at && pair[0].id <= pair[1].id)
    });
    if newest_first {
        // As the page holds them (newest first, ties by id): reversed,
        // with each run of one instant put back in id order. Linear.
        ordered.reverse();
        for run in ordered.chunk_by_mut(|a, b| a.at == b.at) {
            run.reverse();
        }
    } else {
        ordered.sort_unstable_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    }
    // Copies of one event share its time, so after the sort they are
    // neighbours.
    ordered.dedup_by(|a, b| a.id == b.id);
    ordered
}

/// Groups events (already oldest first) by a key, keeping the order.
fn group_by<'a>(
    events: &[&'a AuditEvent],
    key: impl Fn(&'a AuditEvent) -> Option<&'a str>,
) -> Vec<(&'a str, Vec<&'a AuditEvent>)> {
    let mut groups: FnvMap<&str, Vec<&AuditEvent>> = FnvMap::default();
    for event in events {
        if let Some(key) = key(event) {
            groups.entry(key).or_default().push(event);
        }
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_unstable_by(|a, b| a.0.cmp(b.0));
    groups
}

/// The maximal runs of `events` (oldest first) where some window of `span`
/// satisfies `enough` (fed by `add` and `remove` as events enter
/// and leave the window): each run as the index range of its events.
/// Overlapping qualifying windows merge into one run. Linear in the events.
fn bursts<'a>(
    events: &[&'a AuditEvent],
    span: Duration,
    mut add: impl FnMut(&'a AuditEvent),
    mut remove: impl FnMut(&'a AuditEvent),
    mut enough: impl FnMut() -> bool,
) -> Vec<std::ops::RangeInclusive<usize>> {
    let mut runs: Vec<std::ops::RangeInclusive<usize>> = Vec::new();
    let mut left = 0;
    for right in 0..events.len() {
        add(events[right]);
        while events[right].at - events[left].at > span {
            remove(events[left]);
            left += 1;
        }
        if !enough() {
            continue;
        }
        match runs.last_mut() {
            Some(run) if left <= *run.end() => *run = *run.start()..=right,
            _ => runs.push(left..=right),
        }
    }
    runs
}

/// Runs where at least `need` events fall within `span`.
fn counted_bursts(
    events: &[&AuditEvent],
    span: Duration,
    need: usize,
) -> Vec<std::ops::RangeInclusive<usize>> {
    let held = std::cell::Cell::new(0usize);
    bursts(
        events,
        span,
        |_| held.set(held.get() + 1),
        |_| held.set(held.get() - 1),
        || held.get() >= need,
    )
}

fn ids(events: &[&AuditEvent]) -> Vec<String> {
    events.iter().map(|event| event.id.clone()).collect()
}

fn minutes_between(events: &[&AuditEvent]) -> String {
    match (events.first(), events.last()) {
        (Some(first), Some(last)) => describe_span(last.at - first.at),
        _ => String::new(),
    }
}

fn describe_span(span: Duration) -> String {
    let seconds = span.num_seconds();
    if seconds < 120 {
        format!("{seconds} seconds")
    } else {
        format!("{} minutes", (seconds + 30) / 60)
    }
}

fn sources(events: &[&AuditEvent]) -> String {
    let mut labels: Vec<&str> = events.iter().map(|e| e.source.label()).collect();
    labels.sort_unstable();
    labels.dedup();
    labels.join(" and ")
}

fn addresses(events: &[&AuditEvent]) -> String {
    let mut ips: Vec<&str> = events.iter().filter_map(|e| e.ip.as_deref()).collect();
    ips.sort_unstable();
    ips.dedup();
    match ips.len() {
        0 => "no recorded address".into(),
        1..=3 => ips.join(", "),
        n => format!("{n} addresses"),
    }
}

fn flag(kind: DetectionKind, subject: &str, events: &[&AuditEvent], reason: String) -> Detection {
    // Flags are always built from at least one event.
    let at = |event: Option<&&AuditEvent>| event.map_or(DateTime::<Utc>::MIN_UTC, |e| e.at);
    Detection {
        kind,
        subject: subject.to_owned(),
        first_at: at(events.first()),
        last_at: at(events.last()),
        reason,
        event_ids: ids(events),
    }
}

/// Flags, per actor, each run of at least `rule.count` of the events `keep`
/// accepts within `rule.minutes`; `flag_of` words each one.
fn actor_bursts(
    events: &[&AuditEvent],
    rule: Rule,
    keep: impl Fn(&AuditEvent) -> bool,
    flag_of: impl Fn(&str, &[&AuditEvent]) -> Detection,
) -> Vec<Detection> {
    let kept: Vec<&AuditEvent> = events.iter().copied().filter(|e| keep(e)).collect();
    let mut found = Vec::new();
    for (actor, own) in group_by(&kept, |e| Some(e.actor.as_str())) {
        for run in counted_bursts(&own, rule.span(), rule.count()) {
            found.push(flag_of(actor, &own[run]));
        }
    }
    found
}

fn brute_force(events: &[&AuditEvent], rule: Rule) -> Vec<Detection> {
    actor_bursts(
        events,
        rule,
        AuditEvent::is_failed_login,
        |account, burst| {
            flag(
            DetectionKind::BruteForce,
            account,
            burst,
            format!(
                "{} failed logins for {account} in {} from {} ({}); the threshold is {} within {} minutes.",
                burst.len(),
                minutes_between(burst),
                addresses(burst),
                sources(burst),
                rule.count,
                rule.minutes
            ),
        )
        },
    )
}

fn distinct_accounts(window: &[&AuditEvent]) -> usize {
    window
        .iter()
        .map(|e| e.actor.as_str())
        .collect::<HashSet<_>>()
        .len()
}

fn password_spray(events: &[&AuditEvent], rule: Rule) -> Vec<Detection> {
    let failures: Vec<&AuditEvent> = events
        .iter()
        .copied()
        .filter(|e| e.is_failed_login())
        .collect();
    let mut found = Vec::new();
    for (ip, attempts) in group_by(&failures, |e| e.ip.as_deref()) {
        // Cheap pre-check: an address with fewer distinct accounts in all
        // than the threshold cannot qualify in any window.
        if distinct_accounts(&attempts) < rule.count() {
            continue;
        }
        let held: std::cell::RefCell<FnvMap<&str, usize>> = Default::default();
        let runs = bursts(
            &attempts,
            rule.span(),
            |event| *held.borrow_mut().entry(event.actor.as_str()).or_default() += 1,
            |event| {
                let mut held = held.borrow_mut();
                if let Some(count) = held.get_mut(event.actor.as_str()) {
                    *count -= 1;
                    if *count == 0 {
                        held.remove(event.actor.as_str());
                    }
                }
            },
            || held.borrow().len() >= rule.count(),
        );
        for run in runs {
            let burst = &attempts[run];
            found.push(flag(
                DetectionKind::PasswordSpray,
                ip,
                burst,
                format!(
                    "{} distinct accounts failed to log in from {ip} in {} ({} attempts, {}); the threshold is {} accounts within {} minutes.",
                    distinct_accounts(burst),
                    minutes_between(burst),
                    burst.len(),
                    sources(burst),
                    rule.count,
                    rule.minutes
                ),
            ));
        }
    }
    found
}

fn failures_then_success(events: &[&AuditEvent], rule: Rule) -> Vec<Detection> {
    let logins: Vec<&AuditEvent> = events
        .iter()
        .copied()
        .filter(|e| e.is_failed_login() || e.is_successful_login())
        .collect();
    let mut found = Vec::new();
    for (account, history) in group_by(&logins, |e| Some(e.actor.as_str())) {
        // Failures since the last success.
        let mut pending: Vec<&AuditEvent> = Vec::new();
        for login in history {
            if login.is_failed_login() {
                pending.push(login);
                continue;
            }
            let recent: Vec<&AuditEvent> = pending
                .iter()
                .copied()
                .filter(|failure| login.at - failure.at <= rule.span())
                .collect();
            if recent.len() >= rule.count() {
                let mut story = recent.clone();
                story.push(login);
                found.push(flag(
                    DetectionKind::FailuresThenSuccess,
                    account,
                    &story,
                    format!(
                        "{} failed logins for {account}, then a successful one at {} from {}; the threshold is {} failures within {} minutes before a success.",
                        recent.len(),
                        format_iso(login.at),
                        login.ip.as_deref().unwrap_or("no recorded address"),
                        rule.count,
                        rule.minutes
                    ),
                ));
            }
            pending.clear();
        }
    }
    found
}

fn denied_bursts(events: &[&AuditEvent], rule: Rule) -> Vec<Detection> {
    actor_bursts(
        events,
        rule,
        AuditEvent::is_denied_operation,
        |user, burst| {
            let mut targets: Vec<&str> = burst.iter().filter_map(|e| e.target.as_deref()).collect();
            targets.sort_unstable();
            targets.dedup();
            flag(
            DetectionKind::DeniedBurst,
            user,
            burst,
            format!(
                "{} denied operations by {user} in {} (on {}); the threshold is {} within {} minutes.",
                burst.len(),
                minutes_between(burst),
                if targets.is_empty() {
                    "no recorded target".to_owned()
                } else {
                    targets.join(", ")
                },
                rule.count,
                rule.minutes
            ),
        )
        },
    )
}

/// Private, loopback, link-local or unique-local: an address inside the
/// organisation's own networks. Anything unparsable counts as external.
pub fn is_internal_address(ip: &str) -> bool {
    match ip.trim().parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
        Ok(std::net::IpAddr::V6(v6)) => {
            let first = v6.segments()[0];
            v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
        Err(_) => false,
    }
}

fn first_seen_ips(
    events: &[&AuditEvent],
    history: u32,
    internal_too: bool,
    is_internal: &dyn Fn(&str) -> bool,
) -> Vec<Detection> {
    let history = usize::try_from(history).unwrap_or(usize::MAX);
    let mut found = Vec::new();
    // Only what the account did counts: failures from an address are
    // someone trying the account (brute force and spray cover those).
    let used: Vec<&AuditEvent> = events
        .iter()
        .copied()
        .filter(|e| !e.outcome.is_failure())
        .collect();
    for (user, seen) in group_by(&used, |e| e.ip.as_ref().map(|_| e.actor.as_str())) {
        let mut known: Vec<&str> = Vec::new();
        let mut before = 0usize;
        let mut flagged: Vec<&str> = Vec::new();
        for event in &seen {
            let Some(ip) = event.ip.as_deref() else {
                continue;
            };
            if !known.contains(&ip) {
                if before >= history.max(1) && (internal_too || !is_internal(ip)) {
                    flagged.push(ip);
                }
                known.push(ip);
            }
            before += 1;
        }
        for ip in flagged {
            let from_ip: Vec<&AuditEvent> = seen
                .iter()
                .copied()
                .filter(|e| e.ip.as_deref() == Some(ip))
                .collect();
            let earlier = seen.iter().take_while(|e| e.ip.as_deref() != Some(ip));
            let mut earlier_ips: Vec<&str> =
                earlier.clone().filter_map(|e| e.ip.as_deref()).collect();
            earlier_ips.sort_unstable();
            earlier_ips.dedup();
            let earlier_count = earlier.count();
            found.push(flag(
                DetectionKind::FirstSeenIp,
                &format!("{user} from {ip}"),
                &from_ip,
                format!(
                    "{user} was first seen from {ip} at {}, after {earlier_count} events from {} earlier in the window; {} events came from {ip}.",
                    from_ip.first().map(|e| format_iso(e.at)).unwrap_or_default(),
                    if earlier_ips.len() <= 3 { earlier_ips.join(", ") } else { format!("{} other addresses", earlier_ips.len()) },
                    from_ip.len()
                ),
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests;
