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
    /// Multiplies the ordinary volume (1.0: tens of thousands of events a week).
    pub scale: f64,
    /// Adds events whose every text field is hostile ([`hostile_values`]),
    /// in the last hour, to test that the app renders them inert.
    pub hostile: bool,
}

/// What an attacker who can write audit records might put in them: markup,
/// event handlers, script URLs, a spreadsheet formula, control characters,
/// bidirectional overrides, and a megabyte of text.
pub fn hostile_values() -> Vec<String> {
    vec![
        "<script>window.__pwned = 'script'</script>".into(),
        "<img src=x onerror=\"window.__pwned='img'\">".into(),
        "javascript:window.__pwned='url'".into(),
        "\"><svg onload=\"window.__pwned='svg'\">".into(),
        "=HYPERLINK(\"http://evil.example\",\"click\")".into(),
        "ctrl\u{0}\u{7}\u{1b}[31mred\r\nnext".into(),
        "\u{202e}gpj.exe\u{202c} admin".into(),
        "x".repeat(1_000_000),
    ]
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
            scale: 1.0,
            hostile: false,
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
const ATTACKER_AGENT: &str = "python-requests/2.32.3";

/// The account the seeded brute-force burst targets.
pub const BRUTE_FORCE_TARGET: &str = "raj.kim@example.com";
/// The unfamiliar address of the brute force (Octopai and Cloudera Manager).
pub const BRUTE_FORCE_IP: &str = "203.0.113.66";
/// Failed Octopai logins in the seeded brute force.
pub const BRUTE_FORCE_ATTEMPTS: usize = 40;
/// Failed Cloudera Manager logins the same address then makes as `admin`.
pub const CM_BRUTE_FORCE_ATTEMPTS: usize = 15;
/// Accounts the seeded password spray tries once each (every other person).
pub const SPRAYED_ACCOUNTS: usize = 25;
/// Failures in the seeded streak that ends in a success.
pub const STREAK_FAILURES: usize = 6;
/// Every failed login the seeded attacks make, both sources.
pub const ATTACK_FAILED_LOGINS: usize =
    BRUTE_FORCE_ATTEMPTS + CM_BRUTE_FORCE_ATTEMPTS + SPRAYED_ACCOUNTS + STREAK_FAILURES;
/// The address of the seeded password spray.
pub const SPRAY_IP: &str = "198.51.100.23";
/// The account whose failure streak ends in a success.
pub const STREAK_ACCOUNT: &str = "lucas.kim@example.com";
/// The address of that streak.
pub const STREAK_IP: &str = "192.0.2.44";
/// The Cloudera Manager user with a burst of denied operations.
pub const DENIED_BURST_USER: &str = "tariq.kim";

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
        page: Some(page.to_owned()),
        reason: None,
        ip: ip.to_owned(),
        user_agent: person.user_agent.to_owned(),
    }
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
            octopai.push(page_event(person, at, &ip, PAGES[index]));
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

fn cm_login(user: &str, at: DateTime<Utc>, ip: &str, allowed: bool) -> ClouderaRecord {
    ClouderaRecord {
        at,
        audit: ApiAudit {
            timestamp: format_iso(at),
            service: Some("ClouderaManager".into()),
            username: Some(user.to_owned()),
            ip_address: Some(ip.to_owned()),
            command: Some(
                if allowed {
                    "LOGIN_SUCCESS"
                } else {
                    "LOGIN_FAILURE"
                }
                .into(),
            ),
            operation_text: Some(if allowed {
                format!("User {user} logged in successfully")
            } else {
                format!("Failed login attempt for user {user}")
            }),
            allowed: Some(allowed),
            ..ApiAudit::default()
        },
    }
}

const TABLES: [(&str, &str); 8] = [
    ("sales", "orders"),
    ("sales", "customers"),
    ("finance", "ledger"),
    ("finance", "payroll"),
    ("marketing", "campaigns"),
    ("web", "clickstream"),
    ("hr", "employees"),
    ("ops", "incidents"),
];

fn service_operation(
    rng: &mut Rng,
    user: &str,
    impersonator: Option<&str>,
    at: DateTime<Utc>,
    ip: &str,
) -> ClouderaRecord {
    let denied = rng.chance(0.03);
    let mut values = BTreeMap::new();
    let (service, command, resource, text) = match rng.below(10) {
        0..=3 => {
            let command = *rng.pick(&[
                "listStatus",
                "getfileinfo",
                "open",
                "create",
                "delete",
                "rename",
                "mkdirs",
            ]);
            let (db, table) = *rng.pick(&TABLES);
            let path = format!(
                "/user/hive/warehouse/{db}.db/{table}/part-{:05}",
                rng.below(400)
            );
            values.insert("src".to_owned(), path.clone());
            if command == "rename" {
                values.insert("dest".to_owned(), format!("{path}.bak"));
            }
            values.insert(
                "permissions".to_owned(),
                "hdfs:supergroup:rw-r--r--".to_owned(),
            );
            ("hdfs1", command.to_owned(), path, None)
        }
        4..=5 => hive_like(rng, "hive1", &mut values),
        6..=7 => hive_like(rng, "impala1", &mut values),
        8 => {
            let command = *rng.pick(&["get", "put", "scan", "delete"]);
            let table = *rng.pick(&["events", "profiles", "sessions"]);
            let family = *rng.pick(&["d", "meta"]);
            values.insert("table_name".to_owned(), table.to_owned());
            values.insert("family".to_owned(), family.to_owned());
            values.insert(
                "qualifier".to_owned(),
                (*rng.pick(&["ts", "status", "payload"])).to_owned(),
            );
            (
                "hbase1",
                command.to_owned(),
                format!("{table}:{family}"),
                None,
            )
        }
        _ => {
            let command = *rng.pick(&[
                "GRANT_PRIVILEGE",
                "REVOKE_PRIVILEGE",
                "CREATE_ROLE",
                "ADD_ROLE_TO_GROUP",
            ]);
            let (db, _) = *rng.pick(&TABLES);
            values.insert("database_name".to_owned(), db.to_owned());
            values.insert("object_type".to_owned(), "DATABASE".to_owned());
            let text = format!(
                "{} ON DATABASE {db} TO ROLE analyst_{db}",
                command.replace('_', " ").to_lowercase()
            );
            ("sentry1", command.to_owned(), db.to_owned(), Some(text))
        }
    };
    ClouderaRecord {
        at,
        audit: ApiAudit {
            timestamp: format_iso(at),
            service: Some(service.to_owned()),
            username: Some(user.to_owned()),
            impersonator: impersonator.map(str::to_owned),
            ip_address: Some(ip.to_owned()),
            command: Some(command),
            resource: Some(resource),
            operation_text: text,
            allowed: Some(!denied),
            service_values: Some(values),
            ..ApiAudit::default()
        },
    }
}

fn hive_like(
    rng: &mut Rng,
    service: &'static str,
    values: &mut BTreeMap<String, String>,
) -> (&'static str, String, String, Option<String>) {
    let (db, table) = *rng.pick(&TABLES);
    let (command, text) = match rng.below(6) {
        0 => (
            "QUERY",
            format!(
                "SELECT COUNT(*) FROM {db}.{table} WHERE dt = '2026-11-{:02}'",
                1 + rng.below(28)
            ),
        ),
        1 => ("QUERY", format!("SELECT * FROM {db}.{table} LIMIT 100")),
        2 => (
            "INSERT",
            format!("INSERT INTO {db}.{table} SELECT * FROM staging.{table}"),
        ),
        3 => (
            "DDL",
            format!("ALTER TABLE {db}.{table} ADD COLUMNS (note STRING)"),
        ),
        4 => (
            "QUERY",
            format!("SELECT region, SUM(amount) FROM {db}.{table} GROUP BY region"),
        ),
        _ => ("SWITCHDATABASE", format!("USE {db}")),
    };
    values.insert("database_name".to_owned(), db.to_owned());
    values.insert("table_name".to_owned(), table.to_owned());
    values.insert("object_type".to_owned(), "TABLE".to_owned());
    values.insert("operation_text".to_owned(), text.clone());
    (
        service,
        command.to_owned(),
        format!("{db}:{table}"),
        Some(text),
    )
}

fn services_day(
    rng: &mut Rng,
    config: &DataConfig,
    people: &[Person],
    midnight: DateTime<Utc>,
    cloudera: &mut Vec<ClouderaRecord>,
) {
    // Nightly batch jobs run through oozie on behalf of service accounts.
    let batch = (rng.between(1200, 1800) as f64 * config.scale).round() as i64;
    for _ in 0..batch {
        let at = midnight + Duration::minutes(rng.between(60, 300)) + jitter_ms(rng);
        let user = *rng.pick(&["etl_batch", "etl_batch", "reporting", "hive"]);
        cloudera.push(service_operation(rng, user, Some("oozie"), at, "10.20.9.4"));
    }
    // Operators restart services and change configuration now and then.
    let operators: Vec<&Person> = people.iter().filter(|person| person.is_operator).collect();
    for _ in 0..rng.between(2, 6) {
        let operator = *rng.pick(&operators);
        let at =
            midnight + Duration::hours(operator.start_hour + rng.between(1, 8)) + jitter_ms(rng);
        let service = *rng.pick(&["hdfs1", "hive1", "impala1", "hbase1", "sentry1", "yarn1"]);
        let (command, text) = if rng.chance(0.5) {
            ("RESTART", format!("Restart service {service}"))
        } else {
            let key = *rng.pick(&[
                "dfs_replication",
                "hive_metastore_heapsize",
                "impalad_memory_limit",
                "hbase_regionserver_handler_count",
            ]);
            (
                "UPDATE_CONFIG",
                format!("Updated configuration {key} on service {service}"),
            )
        };
        cloudera.push(ClouderaRecord {
            at,
            audit: ApiAudit {
                timestamp: format_iso(at),
                service: Some(service.to_owned()),
                username: Some(operator.cm_name.clone()),
                ip_address: Some(operator.office_ip.clone()),
                command: Some(command.to_owned()),
                resource: Some(service.to_owned()),
                operation_text: Some(text),
                allowed: Some(true),
                service_values: Some(BTreeMap::from([(
                    "role".to_owned(),
                    format!("{service}-SERVICE"),
                )])),
                ..ApiAudit::default()
            },
        });
    }
}

fn attacks(
    rng: &mut Rng,
    end: DateTime<Utc>,
    people: &[Person],
    octopai: &mut Vec<OctopaiRecord>,
    cloudera: &mut Vec<ClouderaRecord>,
) {
    // Brute force: 40 failures against one account in 8 minutes, from an
    // address nobody has used.
    let burst_start = end - Duration::minutes(190);
    for attempt in 0..BRUTE_FORCE_ATTEMPTS as i64 {
        let at = burst_start + Duration::milliseconds(attempt * 12_000 + rng.between(0, 900));
        octopai.push(login_event(
            BRUTE_FORCE_TARGET,
            at,
            BRUTE_FORCE_IP,
            ATTACKER_AGENT,
            Some("Wrong password"),
        ));
    }
    // The same address then tries Cloudera Manager's admin account.
    let cm_burst = end - Duration::minutes(170);
    for attempt in 0..CM_BRUTE_FORCE_ATTEMPTS as i64 {
        let at = cm_burst + Duration::milliseconds(attempt * 20_000 + rng.between(0, 900));
        cloudera.push(cm_login("admin", at, BRUTE_FORCE_IP, false));
    }
    // Password spray: one address, 25 accounts, one try each in 12 minutes.
    let spray_start = end - Duration::minutes(420);
    for (index, person) in people.iter().step_by(2).take(SPRAYED_ACCOUNTS).enumerate() {
        let at = spray_start
            + Duration::milliseconds(
                i64::try_from(index).unwrap_or(0) * 28_000 + rng.between(0, 900),
            );
        let reason = if index % 5 == 4 {
            "Unknown user"
        } else {
            "Wrong password"
        };
        octopai.push(login_event(
            &person.email,
            at,
            SPRAY_IP,
            ATTACKER_AGENT,
            Some(reason),
        ));
    }
    // Failure streak ending in success: possibly a guessed password.
    let streak_start = end - Duration::minutes(100);
    let agent = USER_AGENTS[2];
    for attempt in 0..STREAK_FAILURES as i64 {
        let at = streak_start + Duration::seconds(attempt * 45);
        octopai.push(login_event(
            STREAK_ACCOUNT,
            at,
            STREAK_IP,
            agent,
            Some("Wrong password"),
        ));
    }
    let success_at = streak_start + Duration::seconds(STREAK_FAILURES as i64 * 45 + 20);
    octopai.push(login_event(
        STREAK_ACCOUNT,
        success_at,
        STREAK_IP,
        agent,
        None,
    ));
    for (step, page) in ["/admin/users", "/admin/connections", "/data-catalog/assets"]
        .iter()
        .enumerate()
    {
        let at = success_at + Duration::seconds(30 * (i64::try_from(step).unwrap_or(0) + 1));
        octopai.push(OctopaiRecord {
            id: String::new(),
            at,
            user: STREAK_ACCOUNT.to_owned(),
            event_type: OctopaiEventType::PageLoad,
            page: Some((*page).to_owned()),
            reason: None,
            ip: STREAK_IP.to_owned(),
            user_agent: agent.to_owned(),
        });
    }
    // A burst of denied queries against sensitive tables.
    let denied_start = end - Duration::minutes(300);
    for attempt in 0..20 {
        let at = denied_start + Duration::seconds(attempt * 14 + rng.between(0, 5));
        let mut record = service_operation(rng, DENIED_BURST_USER, None, at, "10.20.2.31");
        let table = if attempt % 2 == 0 {
            "payroll"
        } else {
            "employees"
        };
        let db = if attempt % 2 == 0 { "finance" } else { "hr" };
        let text = format!("SELECT * FROM {db}.{table}");
        record.audit.service = Some("hive1".into());
        record.audit.command = Some("QUERY".into());
        record.audit.resource = Some(format!("{db}:{table}"));
        record.audit.operation_text = Some(text.clone());
        record.audit.allowed = Some(false);
        record.audit.service_values = Some(BTreeMap::from([
            ("database_name".to_owned(), db.to_owned()),
            ("table_name".to_owned(), table.to_owned()),
            ("object_type".to_owned(), "TABLE".to_owned()),
            ("operation_text".to_owned(), text),
        ]));
        cloudera.push(record);
    }
}

/// One event per hostile value in each source, every text field hostile.
fn hostile(
    end: DateTime<Utc>,
    octopai: &mut Vec<OctopaiRecord>,
    cloudera: &mut Vec<ClouderaRecord>,
) {
    for (index, value) in hostile_values().into_iter().enumerate() {
        // The newest events of all, so they are the first rows a newest-first
        // table draws whatever the hour's traffic.
        let at =
            end - Duration::seconds(10) + Duration::milliseconds(i64::try_from(index).unwrap_or(0));
        octopai.push(OctopaiRecord {
            id: String::new(),
            at,
            user: value.clone(),
            event_type: OctopaiEventType::LoginFailed,
            page: Some(value.clone()),
            reason: Some(value.clone()),
            ip: value.clone(),
            user_agent: value.clone(),
        });
        cloudera.push(ClouderaRecord {
            at,
            audit: ApiAudit {
                timestamp: format_iso(at),
                service: Some(value.clone()),
                username: Some(value.clone()),
                impersonator: Some(value.clone()),
                ip_address: Some(value.clone()),
                command: Some(value.clone()),
                resource: Some(value.clone()),
                operation_text: Some(value.clone()),
                allowed: Some(false),
                service_values: Some(BTreeMap::from([("table_name".to_owned(), value.clone())])),
                ..ApiAudit::default()
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use audit_core::time::parse_iso;

    fn dataset() -> Dataset {
        generate(&DataConfig::new(parse_iso("2026-11-22T12:00:00Z").unwrap()))
    }

    /// A weekday afternoon (the default), a weekday evening and a weekend night.
    const REFERENCES: [&str; 3] = [
        "2026-11-18T15:00:00Z",
        "2026-11-18T21:30:00Z",
        "2026-11-22T02:00:00Z",
    ];

    fn at_reference(reference: &str, end: &str) -> Dataset {
        generate(&DataConfig {
            reference: parse_iso(reference).unwrap(),
            ..DataConfig::new(parse_iso(end).unwrap())
        })
    }

    /// Each record's distance from the end, with everything but its time.
    fn relative(data: &Dataset, end: DateTime<Utc>) -> (Vec<String>, Vec<String>) {
        let octopai = data
            .octopai
            .iter()
            .map(|r| {
                let mut r = r.clone();
                let age = (end - r.at).num_milliseconds();
                r.at = DateTime::UNIX_EPOCH;
                format!("{age} {r:?}")
            })
            .collect();
        let cloudera = data
            .cloudera
            .iter()
            .map(|r| {
                let mut audit = r.audit.clone();
                let age = (end - r.at).num_milliseconds();
                assert_eq!(parse_iso(&audit.timestamp).unwrap(), r.at);
                audit.timestamp.clear();
                format!("{age} {audit:?}")
            })
            .collect();
        (octopai, cloudera)
    }

    #[test]
    fn the_data_does_not_depend_on_the_hour_it_is_made() {
        // Just after midnight on a Wednesday, a Saturday noon and a Monday
        // evening: the same events, each as old relative to the end.
        let ends = [
            "2026-12-02T00:05:00Z",
            "2026-12-05T12:00:00.123Z",
            "2026-12-07T19:45:00Z",
        ];
        let first_end = parse_iso(ends[0]).unwrap();
        let first = relative(&at_reference(REFERENCES[0], ends[0]), first_end);
        for end in &ends[1..] {
            let at = parse_iso(end).unwrap();
            assert_eq!(
                relative(&at_reference(REFERENCES[0], end), at),
                first,
                "{end}"
            );
        }
        // And they are the events generated at the reference itself.
        let reference = parse_iso(REFERENCES[0]).unwrap();
        assert_eq!(
            relative(&at_reference(REFERENCES[0], REFERENCES[0]), reference),
            first
        );
    }

    #[test]
    fn the_reference_chooses_what_the_last_day_holds() {
        // A weekday afternoon's last 24 hours are a working day; a weekend
        // night's are a quiet Saturday. The daily rhythm is kept: the busiest
        // hour of a weekday is in the working day, not the night.
        let end = parse_iso("2026-12-02T00:05:00Z").unwrap();
        let day = |reference: &str| {
            at_reference(reference, "2026-12-02T00:05:00Z")
                .octopai_in(end - Duration::days(1), end)
                .len()
        };
        let busy = day(REFERENCES[0]);
        let quiet = day(REFERENCES[2]);
        assert!(busy > 3 * quiet, "weekday {busy}, weekend {quiet}");
        let data = at_reference(REFERENCES[0], REFERENCES[0]);
        let mut by_hour = [0usize; 24];
        for record in &data.octopai {
            by_hour[usize::try_from(chrono::Timelike::hour(&record.at)).unwrap()] += 1;
        }
        let busiest = (0..24).max_by_key(|hour| by_hour[*hour]).unwrap();
        assert!((8..=18).contains(&busiest), "{by_hour:?}");
        assert!(by_hour[3] * 10 < by_hour[busiest], "{by_hour:?}");
    }

    #[test]
    fn same_seed_same_data_and_realistic_volume() {
        let first = dataset();
        let second = dataset();
        assert_eq!(first.octopai, second.octopai);
        assert_eq!(first.cloudera, second.cloudera);
        let total = first.octopai.len() + first.cloudera.len();
        assert!((20_000..100_000).contains(&total), "{total} events");
        let users: std::collections::HashSet<&str> =
            first.octopai.iter().map(|r| r.user.as_str()).collect();
        assert!(users.len() >= 50, "{} users", users.len());
        let pages: std::collections::HashSet<&str> = first
            .octopai
            .iter()
            .filter_map(|r| r.page.as_deref())
            .collect();
        assert_eq!(pages.len(), 20);
    }

    #[test]
    fn lists_are_newest_first_and_inside_the_window() {
        let data = dataset();
        let end = parse_iso("2026-11-22T12:00:00Z").unwrap();
        assert!(data.octopai.windows(2).all(|pair| pair[0].at >= pair[1].at));
        assert!(data
            .cloudera
            .windows(2)
            .all(|pair| pair[0].at >= pair[1].at));
        assert!(data
            .octopai
            .iter()
            .all(|r| r.at < end && r.at >= end - Duration::days(7)));
        let day = data.octopai_in(end - Duration::days(1), end);
        assert!(!day.is_empty());
        assert!(day.iter().all(|r| r.at >= end - Duration::days(1)));
    }

    #[test]
    fn seeded_attacks_are_present_in_the_last_day() {
        for reference in REFERENCES {
            seeded_attacks_at(reference);
        }
    }

    fn seeded_attacks_at(reference: &str) {
        let data = at_reference(reference, "2026-11-22T12:00:00Z");
        let end = parse_iso("2026-11-22T12:00:00Z").unwrap();
        let day = data.octopai_in(end - Duration::days(1), end);
        let burst = day
            .iter()
            .filter(|r| {
                r.user == BRUTE_FORCE_TARGET
                    && r.ip == BRUTE_FORCE_IP
                    && r.event_type == OctopaiEventType::LoginFailed
            })
            .count();
        assert_eq!(burst, BRUTE_FORCE_ATTEMPTS);
        let sprayed: std::collections::HashSet<&str> = day
            .iter()
            .filter(|r| r.ip == SPRAY_IP)
            .map(|r| r.user.as_str())
            .collect();
        assert_eq!(sprayed.len(), SPRAYED_ACCOUNTS);
        assert!(day.iter().any(|r| r.user == STREAK_ACCOUNT
            && r.ip == STREAK_IP
            && r.event_type == OctopaiEventType::LoginSucceeded));
        let denied = data
            .cloudera_in(end - Duration::days(1), end)
            .iter()
            .filter(|r| {
                r.audit.username.as_deref() == Some(DENIED_BURST_USER)
                    && r.audit.allowed == Some(false)
            })
            .count();
        assert!(denied >= 20);
    }

    #[test]
    fn default_detections_flag_every_seeded_attack_and_little_else() {
        for reference in REFERENCES {
            default_detections_at(reference);
        }
    }

    fn default_detections_at(reference: &str) {
        use audit_core::detect::{detect, DetectionKind, Thresholds};
        let data = at_reference(reference, "2026-11-22T12:00:00Z");
        let end = parse_iso("2026-11-22T12:00:00Z").unwrap();
        // The whole week, so the streak account has a history to differ from.
        let events = data.audit_events(end - Duration::days(7), end);
        let flags = detect(&events, &Thresholds::default());
        let has = |kind: DetectionKind, subject: &str| {
            flags.iter().any(|f| f.kind == kind && f.subject == subject)
        };
        assert!(
            has(DetectionKind::BruteForce, BRUTE_FORCE_TARGET),
            "{flags:#?}"
        );
        assert!(
            has(DetectionKind::BruteForce, "admin"),
            "the CM admin burst"
        );
        assert!(has(DetectionKind::PasswordSpray, SPRAY_IP));
        assert!(has(DetectionKind::FailuresThenSuccess, STREAK_ACCOUNT));
        assert!(has(DetectionKind::DeniedBurst, DENIED_BURST_USER));
        let streak_ip = format!("{STREAK_ACCOUNT} from {STREAK_IP}");
        assert!(has(DetectionKind::FirstSeenIp, &streak_ip), "{flags:#?}");
        // The brute force flag holds exactly the 40 attempts.
        let brute = flags
            .iter()
            .find(|f| f.kind == DetectionKind::BruteForce && f.subject == BRUTE_FORCE_TARGET)
            .unwrap();
        assert_eq!(brute.event_ids.len(), BRUTE_FORCE_ATTEMPTS);
        // Ordinary typos and office/VPN switching raise nothing more: these
        // six flags are the whole list.
        assert_eq!(flags.len(), 6, "{flags:#?}");
    }
}
