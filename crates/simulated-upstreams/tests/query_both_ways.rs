//! One query, both ways: the simulator's answer (the server's reading of
//! each audit, `Query::matches`) and the app's local evaluation of the
//! same audits as it decodes them from an answer and as it reads them
//! back from an exported file (`Query::matches_event`) keep exactly the
//! same audits, for every selector the simulated audits carry.
#![allow(clippy::unwrap_used)] // Tests: a failure must stop the test loudly.

use audit_core::cloudera::ApiAuditList;
use audit_core::query::parse;
use audit_core::time::parse_iso;
use audit_core::AuditEvent;
use simulated_upstreams::{data, DataConfig};

const QUERIES: [&str; 22] = [
    "source==*sales*",
    "source!=*orders*",
    "source==*warehouse*",
    "source==finance:payroll",
    "destination==*.bak",
    "destination!=*part-001*",
    "service==hive1",
    "service!=hdfs1",
    "service==ClouderaManager",
    "operation==listStatus;source==*sales*",
    "table_name==orders",
    "database_name==finance;allowed==false",
    "object_type==TABLE",
    "family==d",
    "qualifier==ts",
    "role==*SERVICE",
    "impersonator==oozie",
    "impersonator!=hue",
    "operation_text==*COUNT*",
    "ip_address==10.20.9.4",
    "username==etl_batch;allowed==true",
    "hostIpAddress==*",
];

#[test]
fn the_server_and_the_app_keep_the_same_audits_for_every_selector() {
    let dataset = data::generate(&DataConfig::new(parse_iso("2026-11-22T12:00:00Z").unwrap()));
    let audits: Vec<_> = dataset.cloudera.iter().map(|r| r.audit.clone()).collect();
    let answer = serde_json::to_string(&ApiAuditList {
        items: audits.clone(),
    })
    .unwrap();
    let decoded = audit_core::cloudera::decode_events(&answer).unwrap();
    assert_eq!(decoded.len(), audits.len());
    let exported = serde_json::to_string(&decoded).unwrap();
    let imported: Vec<AuditEvent> = serde_json::from_str(&exported).unwrap();
    for text in QUERIES {
        let query = parse(text).unwrap();
        let mut kept = 0;
        for ((audit, event), back) in audits.iter().zip(&decoded).zip(&imported) {
            let server = query.matches(audit);
            assert_eq!(query.matches_event(event), server, "{text}: {audit:?}");
            assert_eq!(
                query.matches_event(back),
                server,
                "{text}, imported: {audit:?}"
            );
            kept += usize::from(server);
        }
        // Each query keeps some audits and leaves some out (the last, no
        // simulated audit has a host address).
        if text != "hostIpAddress==*" {
            assert!(kept > 0 && kept < audits.len(), "{text} kept {kept}");
        } else {
            assert_eq!(kept, 0);
        }
    }
}
