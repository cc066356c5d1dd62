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
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{AuditEvent, EventId, Events, Rows};
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
    /// Events a source's history must expect over a stretch it stayed
    /// silent for the stretch to be flagged ([`silence`]); 0 switches the
    /// watch off. Absent from thresholds written before it existed: the
    /// default.
    #[serde(default = "default_silence")]
    pub silence: u32,
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
            silence: silence::DEFAULT_SILENCE_EXPECTED,
        }
    }
}

fn default_silence() -> u32 {
    silence::DEFAULT_SILENCE_EXPECTED
}

/// What a detection is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DetectionKind {
    BruteForce,
    PasswordSpray,
    FailuresThenSuccess,
    DeniedBurst,
    FirstSeenIp,
    /// A source that recorded nothing for far longer than its history
    /// makes likely ([`silence`]).
    SilentSource,
}

impl DetectionKind {
    pub const ALL: [DetectionKind; 6] = [
        DetectionKind::BruteForce,
        DetectionKind::PasswordSpray,
        DetectionKind::FailuresThenSuccess,
        DetectionKind::DeniedBurst,
        DetectionKind::FirstSeenIp,
        DetectionKind::SilentSource,
    ];

    pub fn label(self) -> &'static str {
        match self {
            DetectionKind::BruteForce => "Brute force",
            DetectionKind::PasswordSpray => "Password spray",
            DetectionKind::FailuresThenSuccess => "Failures, then a success",
            DetectionKind::DeniedBurst => "Burst of denied operations",
            DetectionKind::FirstSeenIp => "First-seen address",
            DetectionKind::SilentSource => "Silent source",
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
            DetectionKind::SilentSource => "silent-source",
        }
    }

    /// How urgent: 3 (likely attack) down to 1 (worth a look).
    pub fn severity(self) -> u8 {
        match self {
            DetectionKind::BruteForce
            | DetectionKind::PasswordSpray
            | DetectionKind::FailuresThenSuccess
            | DetectionKind::SilentSource => 3,
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
    /// The ids of exactly the events it is built from, oldest first (held
    /// as ids: a flag of thousands of events writes no text for them;
    /// shared, so a copy of the flag copies none of them).
    pub event_ids: Arc<[EventId]>,
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
/// The events are copied into an index first; the app builds a
/// [`DetectIndex`] once per load and asks it instead.
pub fn detect(events: &(impl Events + ?Sized), thresholds: &Thresholds) -> Vec<Detection> {
    detect_with(events, thresholds, &is_internal_address)
}

/// [`detect`], with the test for an internal address given: privacy mode
/// answers it from the real address behind a pseudonym, so masked events
/// give exactly the same flags.
pub fn detect_with(
    events: &(impl Events + ?Sized),
    thresholds: &Thresholds,
    is_internal: &dyn Fn(&str) -> bool,
) -> Vec<Detection> {
    DetectIndex::new(&Rows::new(events.iter().cloned().collect()))
        .detect_with(thresholds, is_internal)
}

impl DetectIndex {
    /// Every detection over the indexed events, as [`detect`].
    pub fn detect(&self, thresholds: &Thresholds) -> Vec<Detection> {
        self.detect_with(thresholds, &is_internal_address)
    }

    /// Every detection over the indexed events, as [`detect_with`].
    pub fn detect_with(
        &self,
        thresholds: &Thresholds,
        is_internal: &dyn Fn(&str) -> bool,
    ) -> Vec<Detection> {
        let mut found: Vec<Detection> = thresholds
            .parts()
            .into_iter()
            .flat_map(|part| self.detect_part(part, is_internal))
            .collect();
        found.sort_by(flag_order);
        found
    }

    /// The flags of one kind of detection, in no particular order: what a
    /// change of that kind's thresholds alone computes again.
    pub fn detect_part(&self, part: Part, is_internal: &dyn Fn(&str) -> bool) -> Vec<Detection> {
        match part {
            Part::BruteForce(rule) => brute_force(self, rule),
            Part::Spray(rule) => password_spray(self, rule),
            Part::FailuresThenSuccess(rule) => failures_then_success(self, rule),
            Part::DeniedBurst(rule) => denied_bursts(self, rule),
            Part::FirstSeen { history, internal } => {
                first_seen_ips(self, history, internal, is_internal)
            }
        }
    }
}

/// One kind of detection over the indexed events, with the thresholds it
/// reads and no others (the silent-source watch reads the loads, not an
/// index, and is not one of these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    BruteForce(Rule),
    Spray(Rule),
    FailuresThenSuccess(Rule),
    DeniedBurst(Rule),
    FirstSeen { history: u32, internal: bool },
}

impl Thresholds {
    /// Every kind of detection over an index, each with its thresholds.
    pub fn parts(&self) -> [Part; 5] {
        [
            Part::BruteForce(self.brute_force),
            Part::Spray(self.spray),
            Part::FailuresThenSuccess(self.failures_then_success),
            Part::DeniedBurst(self.denied_burst),
            Part::FirstSeen {
                history: self.new_ip_history,
                internal: self.new_ip_internal,
            },
        ]
    }
}

/// The order flags are listed in: most severe first, then newest first.
pub fn flag_order(a: &Detection, b: &Detection) -> std::cmp::Ordering {
    b.kind
        .severity()
        .cmp(&a.kind.severity())
        .then_with(|| b.first_at.cmp(&a.first_at))
        .then_with(|| a.kind.cmp(&b.kind))
        .then_with(|| a.subject.cmp(&b.subject))
}

/// The maximal runs of `group` (positions in `index`, oldest first) where
/// some window of `span` satisfies `enough` (fed by `add` and `remove` as
/// events enter and leave the window): each run as the range of `group`
/// it covers. Overlapping qualifying windows merge into one run. Linear.
fn bursts(
    index: &DetectIndex,
    group: &[usize],
    span: Duration,
    mut add: impl FnMut(usize),
    mut remove: impl FnMut(usize),
    mut enough: impl FnMut() -> bool,
) -> Vec<std::ops::RangeInclusive<usize>> {
    let span = span_nanos(span);
    let mut runs: Vec<std::ops::RangeInclusive<usize>> = Vec::new();
    let mut left = 0;
    for right in 0..group.len() {
        add(group[right]);
        while index.at(group[right]).saturating_sub(index.at(group[left])) > span {
            remove(group[left]);
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
    index: &DetectIndex,
    group: &[usize],
    span: Duration,
    need: usize,
) -> Vec<std::ops::RangeInclusive<usize>> {
    let held = std::cell::Cell::new(0usize);
    bursts(
        index,
        group,
        span,
        |_| held.set(held.get() + 1),
        |_| held.set(held.get() - 1),
        || held.get() >= need,
    )
}

fn ids(events: &[&AuditEvent]) -> Arc<[EventId]> {
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

/// Flags, per actor, each run of at least `rule.count` of the events with
/// `traits` within `rule.minutes`; `flag_of` words each one.
fn actor_bursts(
    index: &DetectIndex,
    rule: Rule,
    traits: u8,
    flag_of: impl Fn(&str, &[&AuditEvent]) -> Detection,
) -> Vec<Detection> {
    let mut found = Vec::new();
    let groups = index.groups(
        index.actor_count(),
        |at| index.has(at, traits),
        |at| Some(index.actor(at)),
    );
    for (actor, own) in groups {
        for run in counted_bursts(index, &own, rule.span(), rule.count()) {
            found.push(flag_of(index.actor_name(actor), &index.events(&own[run])));
        }
    }
    found
}

fn brute_force(index: &DetectIndex, rule: Rule) -> Vec<Detection> {
    actor_bursts(index, rule, FAILED_LOGIN, |account, burst| {
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
    })
}

fn distinct_accounts(window: &[&AuditEvent]) -> usize {
    window
        .iter()
        .map(|e| e.actor.as_str())
        .collect::<HashSet<_>>()
        .len()
}

fn password_spray(index: &DetectIndex, rule: Rule) -> Vec<Detection> {
    let mut found = Vec::new();
    // How many of the window's attempts each account made, by account id.
    let held: std::cell::RefCell<Vec<usize>> =
        std::cell::RefCell::new(vec![0; index.actor_count()]);
    let distinct = std::cell::Cell::new(0usize);
    let groups = index.groups(
        index.ip_count(),
        |at| index.has(at, FAILED_LOGIN),
        |at| index.ip(at),
    );
    for (ip, attempts) in groups {
        // Cheap pre-check: an address with fewer distinct accounts in all
        // than the threshold cannot qualify in any window.
        let mut accounts: Vec<u32> = attempts.iter().map(|at| index.actor(*at)).collect();
        accounts.sort_unstable();
        accounts.dedup();
        if accounts.len() < rule.count() {
            continue;
        }
        let runs = bursts(
            index,
            &attempts,
            rule.span(),
            |at| {
                let count = &mut held.borrow_mut()[index.actor(at) as usize];
                if *count == 0 {
                    distinct.set(distinct.get() + 1);
                }
                *count += 1;
            },
            |at| {
                let count = &mut held.borrow_mut()[index.actor(at) as usize];
                *count -= 1;
                if *count == 0 {
                    distinct.set(distinct.get() - 1);
                }
            },
            || distinct.get() >= rule.count(),
        );
        // Ready for the next address.
        for account in accounts {
            held.borrow_mut()[account as usize] = 0;
        }
        distinct.set(0);
        let ip = index.ip_text(ip);
        for run in runs {
            let burst = index.events(&attempts[run]);
            found.push(flag(
                DetectionKind::PasswordSpray,
                ip,
                &burst,
                format!(
                    "{} distinct accounts failed to log in from {ip} in {} ({} attempts, {}); the threshold is {} accounts within {} minutes.",
                    distinct_accounts(&burst),
                    minutes_between(&burst),
                    burst.len(),
                    sources(&burst),
                    rule.count,
                    rule.minutes
                ),
            ));
        }
    }
    found
}

fn failures_then_success(index: &DetectIndex, rule: Rule) -> Vec<Detection> {
    let mut found = Vec::new();
    let groups = index.groups(
        index.actor_count(),
        |at| index.has(at, FAILED_LOGIN | GOOD_LOGIN),
        |at| Some(index.actor(at)),
    );
    for (account, history) in groups {
        let account = index.actor_name(account);
        // Failures since the last success.
        let mut pending: Vec<usize> = Vec::new();
        for login in history {
            if index.has(login, FAILED_LOGIN) {
                pending.push(login);
                continue;
            }
            let recent: Vec<usize> = pending
                .iter()
                .copied()
                .filter(|failure| {
                    index.at(login).saturating_sub(index.at(*failure)) <= span_nanos(rule.span())
                })
                .collect();
            if recent.len() >= rule.count() {
                let mut story = recent.clone();
                story.push(login);
                let login = index.event(login);
                found.push(flag(
                    DetectionKind::FailuresThenSuccess,
                    account,
                    &index.events(&story),
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

fn denied_bursts(index: &DetectIndex, rule: Rule) -> Vec<Detection> {
    actor_bursts(index, rule, DENIED, |user, burst| {
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
    })
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

mod first_seen;
mod index;
pub mod silence;

use first_seen::first_seen_ips;
#[cfg(test)]
use first_seen::SeenPairs;
pub use index::DetectIndex;
use index::{span_nanos, DENIED, FAILED_LOGIN, GOOD_LOGIN};

#[cfg(test)]
mod tests;
