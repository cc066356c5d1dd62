//! Privacy mode in the page: this browser session's pseudonyms
//! ([`audit_core::privacy`]), and a view's person fields moved between real
//! and masked.
//!
//! The key is random per browser session and kept in `sessionStorage`
//! (through [`crate::storage`]) with the people the pseudonyms in this
//! tab's links stand for, so a reload, back and forward, and logging in
//! again after an expired session resolve them; a link opened in another
//! session cannot, and the page says so. Nothing is stored until privacy
//! mode is first used, and logging out clears it with the session.

use audit_core::detect::{DetectIndex, Detection, Part};
use audit_core::lookup::cloudera_name_for;
use audit_core::privacy::{looks_like_pseudonym, Entry, PersonKind, Pseudonyms};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use audit_core::segment::Segment;

use crate::view_state::DashboardView;

#[derive(Serialize, Deserialize)]
struct Kept {
    key: String,
    entries: Vec<Entry>,
}

/// This session's pseudonyms. Copy it freely.
#[derive(Clone, Copy)]
pub struct Privacy {
    table: StoredValue<Pseudonyms>,
    key: [u8; 32],
    /// Whether the key is kept in this session's storage yet: only once
    /// privacy mode is used, so a session that never uses it stores nothing.
    kept: StoredValue<bool>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<[u8; 32]> {
    let mut key = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(key)
}

/// 32 random bytes from the browser's cryptographic generator.
fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut key).is_ok());
    if !filled {
        // No Web Crypto (never in a supported browser): still per session.
        for byte in key.iter_mut() {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    key
}

impl Privacy {
    /// This session's pseudonyms: the kept key and entries, or a new key.
    pub fn of_this_session() -> Self {
        let kept = crate::storage::load_privacy()
            .and_then(|text| serde_json::from_str::<Kept>(&text).ok())
            .and_then(|kept| Some((from_hex(&kept.key)?, kept.entries)));
        let (key, entries, stored) = match kept {
            Some((key, entries)) => (key, entries, true),
            None => (random_key(), Vec::new(), false),
        };
        let mut table = Pseudonyms::new(key);
        table.remember(&entries);
        Self {
            table: StoredValue::new(table),
            key,
            kept: StoredValue::new(stored),
        }
    }

    /// Keeps the key from the first use on, so pseudonyms stay the same
    /// across this session's reloads.
    fn keep_key(self) {
        if !self.kept.get_value() {
            save(&self.key, &[]);
            self.kept.set_value(true);
        }
    }

    pub fn mask_events(self, events: &(impl audit_core::Events + ?Sized)) -> audit_core::Rows {
        self.keep_key();
        self.table
            .try_update_value(|table| table.mask_events(events))
            .unwrap_or_default()
    }

    /// One kind of detection over masked events: the same flags as
    /// unmasked, since whether an address is internal is asked of the real
    /// one.
    pub fn detect_part(self, index: &DetectIndex, part: Part) -> Vec<Detection> {
        self.table
            .with_value(|table| index.detect_part(part, &|ip| table.is_internal(ip)))
    }

    /// Whether an address (or the address behind its pseudonym) is
    /// internal.
    pub fn is_internal(self, ip: &str) -> bool {
        self.table.with_value(|table| table.is_internal(ip))
    }

    /// `text` with this session's pseudonyms resolved, and those it could
    /// not resolve.
    pub fn unmask(self, text: &str) -> (String, Vec<String>) {
        self.table.with_value(|table| table.unmask_text(text))
    }

    /// The text with e-mail and IP addresses masked.
    pub fn mask_text(self, text: &str) -> String {
        self.table
            .try_update_value(|table| table.mask_text(text))
            .unwrap_or_default()
    }

    /// The pseudonym of a person or address as typed (or as a session
    /// names its user).
    pub fn person(self, typed: &str) -> String {
        self.table
            .try_update_value(|table| table.pseudonym_of_typed(typed))
            .unwrap_or_default()
    }

    /// The Cloudera Manager user a (masked) Octopai person proposes, masked.
    pub fn alias_proposal(self, who: &str) -> Option<String> {
        let (real, _) = self.unmask(who);
        let local = cloudera_name_for(&real)?.to_owned();
        self.table
            .try_update_value(|table| table.pseudonym(PersonKind::User, &local))
    }

    /// `view` with every person in it masked (privacy on), or resolved
    /// back (privacy off). A filter on a person by pattern cannot be
    /// masked: the error says so, and the view is not changed.
    pub fn fit(self, mut view: DashboardView) -> Result<DashboardView, String> {
        if view.private {
            view.query = self
                .table
                .try_update_value(|table| table.mask_query(&view.query))
                .unwrap_or_else(|| Ok(String::new()))?;
            view.who = view.who.map(|who| self.person(&who));
            view.alias = view.alias.map(|alias| self.person(&alias));
            view.flag = view.flag.map(|flag| self.mask_flag(&flag));
            // A pasted list names real people or their pseudonyms.
            if let Some(Segment::Users(users)) = &mut view.split {
                for user in users.iter_mut() {
                    if !looks_like_pseudonym(user) {
                        *user = self.person(user);
                    }
                }
            }
            self.keep(&view);
        } else {
            view.query = self.unmask(&view.query).0;
            for field in [&mut view.who, &mut view.alias, &mut view.flag] {
                *field = field.take().map(|text| self.unmask(&text).0);
            }
            if let Some(Segment::Users(users)) = &mut view.split {
                for user in users.iter_mut() {
                    *user = self.unmask(user).0;
                }
            }
        }
        Ok(view)
    }

    /// A flag's key (`slug:subject:millis`, the subject an account, an
    /// address, or `account from address`) with its subject masked.
    fn mask_flag(self, key: &str) -> String {
        let (Some((slug, rest)), Some(last)) = (key.split_once(':'), key.rfind(':')) else {
            return self.mask_text(key);
        };
        if last <= slug.len() {
            return self.mask_text(key);
        }
        let subject = &rest[..last - slug.len() - 1];
        let masked: Vec<String> = subject
            .split(" from ")
            .map(|part| {
                if looks_like_pseudonym(part) {
                    part.to_owned()
                } else {
                    self.person(part)
                }
            })
            .collect();
        format!("{slug}:{}{}", masked.join(" from "), &key[last..])
    }

    /// The pseudonyms a masked view names that this session cannot resolve.
    pub fn unresolved(self, view: &DashboardView) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for text in person_fields(view) {
            for pseudonym in self.unmask(text).1 {
                if !found.contains(&pseudonym) {
                    found.push(pseudonym);
                }
            }
        }
        found
    }

    /// Keeps who the view's pseudonyms stand for, for this session's later
    /// page loads.
    fn keep(self, view: &DashboardView) {
        self.keep_key();
        let text = person_fields(view)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        let Some(kept) = crate::storage::load_privacy()
            .and_then(|text| serde_json::from_str::<Kept>(&text).ok())
        else {
            return;
        };
        let mut entries = kept.entries;
        let before = entries.len();
        for entry in self.table.with_value(|table| table.entries_in(&text)) {
            if !entries.iter().any(|e| e.pseudonym == entry.pseudonym) {
                entries.push(entry);
            }
        }
        if entries.len() != before {
            save(&self.key, &entries);
        }
    }
}

/// The view's fields that can name a person: the query, who is looked up,
/// their alias, the flag shown and the users a split lists.
fn person_fields(view: &DashboardView) -> impl Iterator<Item = &String> {
    let listed: &[String] = match &view.split {
        Some(Segment::Users(users)) => users,
        _ => &[],
    };
    [
        Some(&view.query),
        view.who.as_ref(),
        view.alias.as_ref(),
        view.flag.as_ref(),
    ]
    .into_iter()
    .flatten()
    .chain(listed)
}

fn save(key: &[u8; 32], entries: &[Entry]) {
    let kept = Kept {
        key: hex(key),
        entries: entries.to_vec(),
    };
    if let Ok(text) = serde_json::to_string(&kept) {
        crate::storage::save_privacy(&text);
    }
}
