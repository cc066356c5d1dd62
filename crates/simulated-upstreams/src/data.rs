//! The seeded, deterministic generator of realistic audit data for both
//! upstreams, and the dataset it produces (kept newest first, as both APIs
//! answer).
//!
//! The rhythm: about 50 people work weekdays (a few on weekends), each
//! logging in to Octopai in the morning (sometimes after a typo), loading
//! pages through the day and logging out; Cloudera Manager records its own
//! logins, restarts and configuration changes, and the managed services'
//! operations (HDFS, Hive, Impala, HBase, Sentry), some of them denied.
//! On top, within the last day: a brute-force burst, a password spray, a
//! failure streak that ends in success, a CM brute force and a burst of
//! denied operations, so the security view has something to find.
//! Before those days, Octopai has weeks of history in which people arrive,
//! some leave and a feature is adopted (`history`).
//! Cloudera Manager's day lives in `services`, the staged attacks and the
//! hostile records in `attacks`; this module keeps the configuration, the
//! records, the people and Octopai's working day.
//!
//! The data does not depend on the hour it is made. It is generated for a
//! fixed reference instant ([`DataConfig::reference`], a Wednesday afternoon
//! unless asked otherwise) and every timestamp is then shifted so the data
//! ends at [`DataConfig::end`]. A given seed and reference therefore yield
//! the same events relative to the end, whenever the demo starts: "the last
//! 24 hours" holds the same events at midnight as at noon, and a test states
//! what it expects from [`generate`] for that reference, not from the clock.

use std::collections::BTreeMap;

use audit_core::cloudera::ApiAudit;
use audit_core::octopai::{OctopaiEventType, UserEventsPage};
use audit_core::time::format_iso;
use audit_core::AuditEvent;
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};
use serde_json::{json, Value};

use crate::rng::Rng;

mod attacks;
mod history;
mod services;

pub use attacks::*;
pub use history::HISTORY_WEEKS;
use services::*;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DataConfig {
    pub seed: u64,
    /// The newest instant; data covers `[end - days, end)`.
    pub end: DateTime<Utc>,
    /// The instant the data is generated for, before it is shifted to end at
    /// [`DataConfig::end`]: its weekday and hour decide what the last hours
    /// hold (a weekday afternoon is busy, a weekend night quiet).
    /// [`default_reference`] unless a test or `--demo-reference` asks for
    /// another.
    pub reference: DateTime<Utc>,
    pub days: u32,
    /// Octopai's history reaches this many weeks before the end, older
    /// than the `days` generated in full ([`history`]); 0 for none.
    pub history_weeks: u32,
    /// Multiplies the ordinary volume (1.0: tens of thousands of events a week).
    pub scale: f64,
    /// Adds events whose every text field is hostile ([`hostile_values`]),
    /// in the last hour, to test that the app renders them inert.
    pub hostile: bool,
    /// Stretches in which a source records nothing (`--demo-silence`), to
    /// act out an outage or a trail switched off.
    pub silenced: Vec<Silenced>,
}

/// A source that records nothing from `ago` before the data's end for
/// `length` (past the end too, for a live demo, when `length > ago`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Silenced {
    pub source: audit_core::Source,
    pub ago: Duration,
    pub length: Duration,
}

impl Silenced {
    /// Reads `SOURCE:AGO:LENGTH`, e.g. `cloudera:30h:3h` (Cloudera Manager
    /// silent from 30 hours before the end, for three hours) or
    /// `octopai:90m:2h`; the source is `octopai` or `cloudera`, the spans
    /// in minutes (`m`), hours (`h`) or days (`d`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let usage = || {
            format!("`{text}`: --demo-silence takes SOURCE:AGO:LENGTH, e.g. cloudera:30h:3h (source octopai or cloudera, spans like 90m, 3h, 2d)")
        };
        let parts: Vec<&str> = text.split(':').collect();
        let [source, ago, length] = parts.as_slice() else {
            return Err(usage());
        };
        let source = match *source {
            "octopai" => audit_core::Source::Octopai,
            "cloudera" => audit_core::Source::ClouderaManager,
            _ => return Err(usage()),
        };
        let span = |text: &str| -> Result<Duration, String> {
            let (number, unit) = text.split_at(text.len().saturating_sub(1));
            let number: i64 = number.parse().map_err(|_| usage())?;
            match unit {
                "m" => Ok(Duration::minutes(number)),
                "h" => Ok(Duration::hours(number)),
                "d" => Ok(Duration::days(number)),
                _ => Err(usage()),
            }
        };
        let (ago, length) = (span(ago)?, span(length)?);
        if length <= Duration::zero() || ago < Duration::zero() {
            return Err(usage());
        }
        Ok(Self {
            source,
            ago,
            length,
        })
    }

    /// Whether `source` records nothing at `at`, for data ending at `end`.
    pub fn hides(&self, source: audit_core::Source, at: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        let from = end - self.ago;
        source == self.source && at >= from && at < from + self.length
    }
}

/// The default reference instant: Wednesday 18 November 2026, 15:00 UTC, a
/// busy weekday afternoon whose last 24 hours are a working day.
pub fn default_reference() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 18, 15, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

impl DataConfig {
    /// The default data (seed 42, 7 days, ordinary volume, the default
    /// reference), ending at `end`.
    pub fn new(end: DateTime<Utc>) -> Self {
        Self {
            seed: 42,
            end,
            reference: default_reference(),
            days: 7,
            history_weeks: HISTORY_WEEKS,
            scale: 1.0,
            hostile: false,
            silenced: Vec::new(),
        }
    }
}

/// One Octopai event as the simulated upstream stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct OctopaiRecord {
    pub id: String,
    pub at: DateTime<Utc>,
    pub user: String,
    pub event_type: OctopaiEventType,
    pub page: Option<String>,
    pub reason: Option<String>,
    pub ip: String,
    pub user_agent: String,
}

impl OctopaiRecord {
    /// The wire form (the project's assumed UserEvents event shape).
    pub fn to_json(&self) -> Value {
        let mut object = json!({
            "id": self.id,
            "userName": self.user,
            "eventType": self.event_type.as_wire(),
            "timestamp": format_iso(self.at),
            "ipAddress": self.ip,
            "userAgent": self.user_agent,
        });
        if let Some(map) = object.as_object_mut() {
            if let Some(page) = &self.page {
                map.insert("page".into(), json!(page));
            }
            if let Some(reason) = &self.reason {
                map.insert("reason".into(), json!(reason));
            }
        }
        object
    }
}

/// One Cloudera Manager audit with its parsed instant.
#[derive(Debug, Clone, PartialEq)]
pub struct ClouderaRecord {
    pub at: DateTime<Utc>,
    pub audit: ApiAudit,
}

/// Everything the simulated upstreams serve, each list newest first.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub octopai: Vec<OctopaiRecord>,
    pub cloudera: Vec<ClouderaRecord>,
}

impl Dataset {
    /// Octopai events with `start <= at < end`, newest first.
    pub fn octopai_in(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> &[OctopaiRecord] {
        let from = self.octopai.partition_point(|record| record.at >= end);
        let to = self.octopai.partition_point(|record| record.at >= start);
        &self.octopai[from..to.max(from)]
    }

    /// Cloudera Manager audits with `start <= at < end`, newest first.
    pub fn cloudera_in(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> &[ClouderaRecord] {
        let from = self.cloudera.partition_point(|record| record.at >= end);
        let to = self.cloudera.partition_point(|record| record.at >= start);
        &self.cloudera[from..to.max(from)]
    }

    /// Both sources' events in `[start, end)` as the app sees them: through
    /// the wire form and the core's decoding and mapping.
    ///
    /// # Panics
    /// When the generator's own records do not decode (a generator bug).
    pub fn audit_events(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<AuditEvent> {
        let octopai: Vec<Value> = self
            .octopai_in(start, end)
            .iter()
            .map(OctopaiRecord::to_json)
            .collect();
        let page = json!({ "items": octopai }).to_string();
        let mut events: Vec<AuditEvent> = UserEventsPage::decode(&page)
            .expect("generated Octopai events decode")
            .events
            .into_iter()
            .map(AuditEvent::from)
            .collect();
        events.extend(self.cloudera_in(start, end).iter().map(|record| {
            AuditEvent::try_from(record.audit.clone()).expect("generated audits map")
        }));
        events
    }
}

const FIRST_NAMES: [&str; 25] = [
    "mia", "liam", "ava", "noah", "zoe", "omar", "lena", "raj", "sofia", "kenji", "amara", "lucas",
    "ines", "mateo", "hana", "david", "priya", "jonas", "elif", "samuel", "nora", "tariq", "chloe",
    "felix", "yara",
];
const LAST_NAMES: [&str; 10] = [
    "chen", "patel", "garcia", "novak", "okafor", "schmidt", "rossi", "kim", "silva", "haddad",
];
const PAGES: [&str; 20] = [
    "/dashboard",
    "/lineage",
    "/discovery",
    "/data-catalog",
    "/lineage/cross-system",
    "/discovery/search",
    "/impact-analysis",
    "/data-catalog/assets",
    "/reports",
    "/business-glossary",
    "/reports/usage",
    "/compare-versions",
    "/automated-documentation",
    "/settings",
    "/profile",
    "/admin/connections",
    "/admin/users",
    "/admin/audit",
    "/help",
    "/release-notes",
];
const USER_AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
];

struct Person {
    email: String,
    cm_name: String,
    office_ip: String,
    vpn_ip: String,
    user_agent: &'static str,
    start_hour: i64,
    is_operator: bool,
}

fn people(rng: &mut Rng) -> Vec<Person> {
    (0..50)
        .map(|index| {
            let first = FIRST_NAMES[index % FIRST_NAMES.len()];
            let last = LAST_NAMES[(index * 7 + index / FIRST_NAMES.len()) % LAST_NAMES.len()];
            let cm_name = format!("{first}.{last}");
            Person {
                email: format!("{cm_name}@example.com"),
                cm_name,
                office_ip: format!("10.20.{}.{}", 1 + index / 20, 10 + index),
                vpn_ip: format!("172.16.{}.{}", rng.between(0, 15), rng.between(2, 250)),
                user_agent: USER_AGENTS
                    [usize::try_from(rng.below(USER_AGENTS.len() as u64)).unwrap_or(0)],
                start_hour: 7 + rng.between(0, 3),
                is_operator: index % 6 == 0,
            }
        })
        .collect()
}

/// Generates the dataset for `config`: for its reference instant, then
/// shifted to end at its end.
pub fn generate(config: &DataConfig) -> Dataset {
    let at_reference = DataConfig {
        end: config.reference,
        ..config.clone()
    };
    let mut data = generate_at_end(&at_reference);
    let shift = config.end - config.reference;
    if shift != Duration::zero() {
        for record in &mut data.octopai {
            record.at += shift;
        }
        for record in &mut data.cloudera {
            record.at += shift;
            record.audit.timestamp = format_iso(record.at);
        }
    }
    for silenced in &config.silenced {
        let end = config.end;
        data.octopai
            .retain(|r| !silenced.hides(audit_core::Source::Octopai, r.at, end));
        data.cloudera
            .retain(|r| !silenced.hides(audit_core::Source::ClouderaManager, r.at, end));
    }
    data
}

/// Generates the dataset as if `config.end` were the reference instant.
fn generate_at_end(config: &DataConfig) -> Dataset {
    let mut rng = Rng::new(config.seed);
    let people = people(&mut rng);
    let mut octopai = Vec::new();
    let mut cloudera = Vec::new();
    let start = config.end - Duration::days(i64::from(config.days));
    let first_day = start.date_naive();
    for day_offset in 0..=i64::from(config.days) {
        let day = first_day + Duration::days(day_offset);
        let Some(midnight) = day.and_hms_opt(0, 0, 0).map(|naive| naive.and_utc()) else {
            continue;
        };
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        for person in &people {
            let presence = if weekend { 0.08 } else { 0.88 };
            if rng.chance(presence) {
                workday(
                    &mut rng,
                    config,
                    person,
                    midnight,
                    &mut octopai,
                    &mut cloudera,
                );
            }
        }
        services_day(&mut rng, config, &people, midnight, &mut cloudera);
    }
    attacks(&mut rng, config.end, &people, &mut octopai, &mut cloudera);
    if config.hostile {
        hostile(config.end, &mut octopai, &mut cloudera);
    }

    octopai.retain(|record| record.at >= start && record.at < config.end);
    cloudera.retain(|record| record.at >= start && record.at < config.end);
    octopai.sort_by_key(|record| std::cmp::Reverse(record.at));
    cloudera.sort_by_key(|record| std::cmp::Reverse(record.at));
    let total = octopai.len();
    for (index, record) in octopai.iter_mut().enumerate() {
        record.id = format!("ev-{:07}", total - index);
    }
    octopai.extend(history::octopai(config, &people, start));
    Dataset { octopai, cloudera }
}

fn jitter_ms(rng: &mut Rng) -> Duration {
    Duration::milliseconds(rng.between(0, 59_999))
}

fn page_event(person: &Person, at: DateTime<Utc>, ip: &str, page: &str) -> OctopaiRecord {
    OctopaiRecord {
        id: String::new(),
        at,
        user: person.email.clone(),
        event_type: OctopaiEventType::PageLoad,
        page: Some(with_record(page, at, &person.email)),
        reason: None,
        ip: ip.to_owned(),
        user_agent: person.user_agent.to_owned(),
    }
}

/// `page` as a person opens it: some pages name the record they show (a
/// lineage graph's number, a report's UUID, an asset's hex id), as real
/// page loads do, so page routes have something to group. Made from the
/// load's instant and the person, not the generator's random numbers, so
/// every other value of the data stays as it was.
fn with_record(page: &str, at: DateTime<Utc>, person: &str) -> String {
    let n = at.timestamp_millis().unsigned_abs();
    let hash = audit_core::event::fnv1a(format!("{person}{n}").as_bytes());
    match page {
        "/lineage" if !n.is_multiple_of(3) => format!("/lineage/{}", 8000 + n % 400),
        "/reports" if n.is_multiple_of(2) => format!(
            "/reports/{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}/edit",
            hash >> 32,
            (hash >> 16) & 0xffff,
            hash & 0xfff,
            0x8000 | ((hash >> 4) & 0x3fff),
            (hash ^ (n << 7)) & 0xffff_ffff_ffff
        ),
        "/data-catalog/assets" if !n.is_multiple_of(2) => {
            format!("/data-catalog/assets/{hash:016x}")
        }
        other => other.to_owned(),
    }
}

/// A third of the reports opened for editing are exported a little later:
/// the export's page load, made from the edit's instant (not the
/// generator's random numbers, so every other value stays as it was).
fn exported(edit: &OctopaiRecord) -> Option<OctopaiRecord> {
    let report = edit.page.as_deref()?.strip_suffix("/edit")?;
    let n = edit.at.timestamp_millis().unsigned_abs();
    n.is_multiple_of(3).then(|| OctopaiRecord {
        at: edit.at + Duration::seconds(20 + i64::try_from(n % 60).unwrap_or(0)),
        page: Some(format!("{report}/export")),
        ..edit.clone()
    })
}

fn login_event(
    user: &str,
    at: DateTime<Utc>,
    ip: &str,
    agent: &str,
    reason: Option<&str>,
) -> OctopaiRecord {
    OctopaiRecord {
        id: String::new(),
        at,
        user: user.to_owned(),
        event_type: if reason.is_some() {
            OctopaiEventType::LoginFailed
        } else {
            OctopaiEventType::LoginSucceeded
        },
        page: None,
        reason: reason.map(str::to_owned),
        ip: ip.to_owned(),
        user_agent: agent.to_owned(),
    }
}

fn workday(
    rng: &mut Rng,
    config: &DataConfig,
    person: &Person,
    midnight: DateTime<Utc>,
    octopai: &mut Vec<OctopaiRecord>,
    cloudera: &mut Vec<ClouderaRecord>,
) {
    let ip = if rng.chance(0.2) {
        person.vpn_ip.clone()
    } else {
        person.office_ip.clone()
    };
    let mut at = midnight
        + Duration::hours(person.start_hour)
        + Duration::minutes(rng.between(0, 75))
        + jitter_ms(rng);
    let sessions = if rng.chance(0.4) { 2 } else { 1 };
    for _ in 0..sessions {
        if rng.chance(0.08) {
            octopai.push(login_event(
                &person.email,
                at,
                &ip,
                person.user_agent,
                Some("Wrong password"),
            ));
            at += Duration::seconds(rng.between(8, 40));
        }
        octopai.push(login_event(&person.email, at, &ip, person.user_agent, None));
        let loads = (rng.between(12, 40) as f64 * config.scale).round() as i64;
        for _ in 0..loads {
            at += Duration::seconds(rng.between(20, 600));
            let index = usize::try_from(rng.below(20).min(rng.below(20))).unwrap_or(0);
            let page = page_event(person, at, &ip, PAGES[index]);
            let export = exported(&page);
            octopai.push(page);
            octopai.extend(export);
        }
        at += Duration::seconds(rng.between(30, 300));
        if rng.chance(0.7) {
            let mut logout = page_event(person, at, &ip, "");
            logout.event_type = OctopaiEventType::Logout;
            logout.page = None;
            octopai.push(logout);
        }
        at += Duration::minutes(rng.between(45, 150));
    }
    if person.is_operator {
        let login_at = midnight
            + Duration::hours(person.start_hour)
            + Duration::minutes(rng.between(5, 60))
            + jitter_ms(rng);
        cloudera.push(cm_login(&person.cm_name, login_at, &ip, true));
    }
    // Interactive queries and file browsing through the day.
    let operations = (rng.between(20, 60) as f64 * config.scale).round() as i64;
    for _ in 0..operations {
        let at = midnight
            + Duration::hours(person.start_hour)
            + Duration::minutes(rng.between(0, 9 * 60))
            + jitter_ms(rng);
        cloudera.push(service_operation(rng, &person.cm_name, None, at, &ip));
    }
}

#[cfg(test)]
mod tests;
