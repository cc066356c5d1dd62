//! The staged attacks on top of the everyday rhythm (a brute-force burst, a
//! password spray, a failure streak that ends in success, a Cloudera Manager
//! brute force and a burst of denied operations), and the hostile records
//! `--demo-hostile` adds.

use super::*;

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

pub(super) fn attacks(
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
            ("source".to_owned(), format!("{db}:{table}")),
            ("database_name".to_owned(), db.to_owned()),
            ("table_name".to_owned(), table.to_owned()),
            ("object_type".to_owned(), "TABLE".to_owned()),
            ("operation_text".to_owned(), text),
        ]));
        cloudera.push(record);
    }
}

/// One event per hostile value in each source, every text field hostile.
pub(super) fn hostile(
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
