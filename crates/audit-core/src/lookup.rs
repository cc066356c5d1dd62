//! Support lookups: one person's story across both sources, or everything
//! seen from one address.
//!
//! A person is named by the identities the user chose: an Octopai e-mail
//! and, only when asked, the Cloudera Manager user name it maps to. The
//! mapping is explicit ([`cloudera_name_for`] only proposes one); nothing is
//! joined silently.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::event::{EventKind, Events, Outcome, Source};

/// The Cloudera Manager user name an Octopai e-mail proposes: its local
/// part (`raj.kim@example.com` → `raj.kim`). Only a proposal: the view shows
/// it and the user turns it on.
pub fn cloudera_name_for(email: &str) -> Option<&str> {
    let (local, domain) = email.split_once('@')?;
    (!local.is_empty() && !domain.is_empty()).then_some(local)
}

/// Where a person came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressSeen {
    pub ip: String,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    pub events: u32,
    pub failed_logins: u32,
}

/// One person's story in the loaded events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    /// Ids of every event by any of the person's identities, newest first.
    pub event_ids: Vec<String>,
    pub octopai_events: u32,
    pub cloudera_events: u32,
    /// Addresses, most recently seen first.
    pub addresses: Vec<AddressSeen>,
    /// Ids of their failed logins, newest first.
    pub failed_logins: Vec<String>,
    pub denied_operations: u32,
    /// Octopai pages they loaded most, with counts.
    pub top_pages: Vec<(String, u32)>,
    /// Cloudera Manager services and resources they used most, with counts.
    pub top_targets: Vec<(String, u32)>,
}

fn ranked(counts: HashMap<String, u32>, n: usize) -> Vec<(String, u32)> {
    let mut ranked: Vec<(String, u32)> = counts.into_iter().collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(n);
    ranked
}

/// The profile of the person acting as any of `identities` (compared
/// exactly). `events` arrive newest first.
pub fn profile(events: &(impl Events + ?Sized), identities: &[&str]) -> Profile {
    let mut profile = Profile::default();
    let mut addresses: HashMap<String, AddressSeen> = HashMap::new();
    let mut pages: HashMap<String, u32> = HashMap::new();
    let mut targets: HashMap<String, u32> = HashMap::new();
    for event in events
        .iter()
        .filter(|e| identities.contains(&e.actor.as_str()))
    {
        profile.event_ids.push(event.id.to_string());
        match event.source {
            Source::Octopai => profile.octopai_events += 1,
            Source::ClouderaManager => profile.cloudera_events += 1,
        }
        if event.is_failed_login() {
            profile.failed_logins.push(event.id.to_string());
        }
        if event.is_denied_operation() {
            profile.denied_operations += 1;
        }
        if let Some(ip) = &event.ip {
            let seen = addresses.entry(ip.to_string()).or_insert(AddressSeen {
                ip: ip.to_string(),
                first: event.at,
                last: event.at,
                events: 0,
                failed_logins: 0,
            });
            seen.first = seen.first.min(event.at);
            seen.last = seen.last.max(event.at);
            seen.events += 1;
            seen.failed_logins += u32::from(event.is_failed_login());
        }
        match (event.source, event.kind, &event.target) {
            (Source::Octopai, EventKind::PageLoad, Some(page)) => {
                *pages.entry(page.to_string()).or_default() += 1
            }
            (Source::ClouderaManager, EventKind::Operation, Some(target)) => {
                *targets.entry(target.to_string()).or_default() += 1
            }
            _ => {}
        }
    }
    profile.addresses = addresses.into_values().collect();
    profile
        .addresses
        .sort_by(|a, b| b.last.cmp(&a.last).then_with(|| a.ip.cmp(&b.ip)));
    profile.top_pages = ranked(pages, 10);
    profile.top_targets = ranked(targets, 10);
    profile
}

/// One account seen from an address, with its outcomes there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountSeen {
    pub account: String,
    pub source: Option<Source>,
    pub succeeded: u32,
    pub failed: u32,
    pub allowed: u32,
    pub denied: u32,
    pub last: Option<DateTime<Utc>>,
}

/// Every account seen from `ip`, most events first, and the ids of its
/// events, newest first.
pub fn address_profile(
    events: &(impl Events + ?Sized),
    ip: &str,
) -> (Vec<AccountSeen>, Vec<String>) {
    let mut accounts: HashMap<(&str, Source), AccountSeen> = HashMap::new();
    let mut ids = Vec::new();
    for event in events.iter().filter(|e| e.ip.as_deref() == Some(ip)) {
        ids.push(event.id.to_string());
        let seen = accounts
            .entry((event.actor.as_str(), event.source))
            .or_insert_with(|| AccountSeen {
                account: event.actor.to_string(),
                source: Some(event.source),
                ..AccountSeen::default()
            });
        match event.outcome {
            Outcome::Succeeded => seen.succeeded += 1,
            Outcome::Failed => seen.failed += 1,
            Outcome::Allowed => seen.allowed += 1,
            Outcome::Denied => seen.denied += 1,
            Outcome::Unknown => {}
        }
        seen.last = seen.last.max(Some(event.at));
    }
    let mut accounts: Vec<AccountSeen> = accounts.into_values().collect();
    let total = |a: &AccountSeen| a.succeeded + a.failed + a.allowed + a.denied;
    accounts.sort_by(|a, b| {
        total(b)
            .cmp(&total(a))
            .then_with(|| a.account.cmp(&b.account))
    });
    (accounts, ids)
}

/// Whether `text` reads as an address rather than a user.
pub fn looks_like_address(text: &str) -> bool {
    text.trim().parse::<std::net::IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::event;
    use crate::AuditEvent;

    fn story() -> Vec<AuditEvent> {
        use EventKind::*;
        use Outcome::*;
        use Source::*;
        let mut page = event("4", Octopai, "2026-11-21T09:10:00Z", PageLoad, Succeeded)
            .by("raj.kim@example.com")
            .from_ip("10.20.1.17");
        page.target = Some("/lineage".into());
        let mut query = event(
            "3",
            ClouderaManager,
            "2026-11-21T09:05:00Z",
            Operation,
            Denied,
        )
        .by("raj.kim")
        .from_ip("10.20.1.17");
        query.target = Some("finance:payroll".into());
        // Newest first, as the view holds them.
        vec![
            page,
            query,
            event("2", Octopai, "2026-11-21T09:00:00Z", Login, Succeeded)
                .by("raj.kim@example.com")
                .from_ip("10.20.1.17"),
            event("1", Octopai, "2026-11-21T08:58:00Z", Login, Failed)
                .by("raj.kim@example.com")
                .from_ip("203.0.113.66"),
            event("0", Octopai, "2026-11-21T08:57:00Z", Login, Failed)
                .by("mia@example.com")
                .from_ip("203.0.113.66"),
        ]
    }

    #[test]
    fn the_mapping_is_only_proposed_from_the_local_part() {
        assert_eq!(cloudera_name_for("raj.kim@example.com"), Some("raj.kim"));
        assert_eq!(cloudera_name_for("admin"), None);
        assert_eq!(cloudera_name_for("@example.com"), None);
    }

    #[test]
    fn a_profile_covers_exactly_the_chosen_identities() {
        let events = story();
        let octopai_only = profile(&events, &["raj.kim@example.com"]);
        assert_eq!(octopai_only.event_ids, ["4", "2", "1"]);
        assert_eq!(octopai_only.cloudera_events, 0);
        let both = profile(&events, &["raj.kim@example.com", "raj.kim"]);
        assert_eq!(both.event_ids, ["4", "3", "2", "1"]);
        assert_eq!((both.octopai_events, both.cloudera_events), (3, 1));
        assert_eq!(both.failed_logins, ["1"]);
        assert_eq!(both.denied_operations, 1);
        assert_eq!(both.top_pages, [("/lineage".to_owned(), 1)]);
        assert_eq!(both.top_targets, [("finance:payroll".to_owned(), 1)]);
        // Addresses, most recent first, with first and last seen.
        assert_eq!(both.addresses.len(), 2);
        assert_eq!(both.addresses[0].ip, "10.20.1.17");
        assert_eq!(both.addresses[0].events, 3);
        assert_eq!(both.addresses[0].first, events[2].at);
        assert_eq!(both.addresses[0].last, events[0].at);
        assert_eq!(both.addresses[1].failed_logins, 1);
        assert!(profile(&events, &["nobody"]).event_ids.is_empty());
    }

    #[test]
    fn an_address_lists_every_account_seen_from_it_with_outcomes() {
        let (accounts, ids) = address_profile(&story(), "203.0.113.66");
        assert_eq!(ids, ["1", "0"]);
        assert_eq!(accounts.len(), 2);
        assert!(accounts.iter().all(|a| a.failed == 1 && a.succeeded == 0));
        assert_eq!(accounts[0].account, "mia@example.com", "ties by name");
        assert!(address_profile(&story(), "192.0.2.1").0.is_empty());
    }

    #[test]
    fn addresses_are_told_from_users() {
        assert!(looks_like_address("203.0.113.66"));
        assert!(looks_like_address(" 2001:db8::1 "));
        assert!(!looks_like_address("raj.kim@example.com"));
        assert!(!looks_like_address("admin"));
    }
}
