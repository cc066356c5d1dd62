//! Cloudera Manager's own side of the demo data: its logins, and the
//! managed services' operations (HDFS, Hive, Impala, HBase, Sentry) through
//! each working day, some of them denied.

use super::*;

pub(super) fn cm_login(user: &str, at: DateTime<Utc>, ip: &str, allowed: bool) -> ClouderaRecord {
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

pub(super) fn service_operation(
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
    // Every managed service's audit names its source resource (the seed's
    // table gives `source` to all five): HDFS's as `src`, the others' as
    // `source`.
    if !values.contains_key("src") {
        values.insert("source".to_owned(), resource.clone());
    }
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

pub(super) fn hive_like(
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

pub(super) fn services_day(
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
