//! Privacy mode: stable pseudonyms for people and addresses.
//!
//! Every user name and e-mail address becomes `user-…`, every IP address
//! `ip-…`, wherever it appears as a value: the unified fields, the upstream
//! record's fields, and e-mail or IP addresses inside any text. Counts,
//! charts and detections come out exactly the same, because the mapping is
//! one-to-one: a pseudonym is the start of a keyed SHA-256 of the value, and
//! where two values would share one, the later one gets a longer pseudonym
//! (so people are never merged). The key is random per browser session, so
//! the pseudonyms of two sessions cannot be correlated.
//!
//! What stays: a resource path that happens to contain a user name
//! (`/user/hive/…`) is a resource, not a user field, and user names inside
//! free text (an operation's text) are not recognised as such; e-mail and IP
//! addresses are masked wherever they appear.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::event::{AuditEvent, Events, Rows};

/// What a pseudonym stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PersonKind {
    /// A user name or an e-mail address: `user-…`.
    User,
    /// An IP address: `ip-…`.
    Address,
}

impl PersonKind {
    fn prefix(self) -> &'static str {
        match self {
            PersonKind::User => "user-",
            PersonKind::Address => "ip-",
        }
    }

    /// The kind a value has: an IP address, or a user.
    pub fn of(value: &str) -> PersonKind {
        if crate::lookup::looks_like_address(value) {
            PersonKind::Address
        } else {
            PersonKind::User
        }
    }
}

/// Hex digits a pseudonym starts with; longer only where that would merge
/// two values.
pub const SHORT_DIGITS: usize = 8;

/// Whether `text` has the shape of a pseudonym (`user-` or `ip-` and at
/// least [`SHORT_DIGITS`] lower-case hex digits).
pub fn looks_like_pseudonym(text: &str) -> bool {
    pseudonym_kind(text).is_some()
}

/// The kind a pseudonym-shaped `text` names.
pub fn pseudonym_kind(text: &str) -> Option<PersonKind> {
    let (kind, digits) = if let Some(rest) = text.strip_prefix("user-") {
        (PersonKind::User, rest)
    } else {
        (PersonKind::Address, text.strip_prefix("ip-")?)
    };
    (digits.len() >= SHORT_DIGITS
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some(kind)
}

/// One remembered pseudonym, as kept between page loads of one session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub pseudonym: String,
    pub kind: PersonKind,
    pub real: String,
}

/// The pseudonyms of one browser session.
#[derive(Debug, Clone)]
pub struct Pseudonyms {
    key: [u8; 32],
    by_real: HashMap<(PersonKind, String), String>,
    by_pseudonym: HashMap<String, (PersonKind, String)>,
}

impl Pseudonyms {
    /// A table keyed by `key` (random per browser session).
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            key,
            by_real: HashMap::new(),
            by_pseudonym: HashMap::new(),
        }
    }

    /// The pseudonym of `real`, made on first use. A value that already
    /// has the shape of a pseudonym (an export made in privacy mode, opened
    /// offline) stands for itself.
    pub fn pseudonym(&mut self, kind: PersonKind, real: &str) -> String {
        if let Some(known) = self.by_real.get(&(kind, real.to_owned())) {
            return known.clone();
        }
        let chosen = if pseudonym_kind(real) == Some(kind) && !self.by_pseudonym.contains_key(real)
        {
            real.to_owned()
        } else {
            let digest = self.digest(kind, real);
            let mut digits = SHORT_DIGITS;
            loop {
                let candidate = format!("{}{}", kind.prefix(), &digest[..digits]);
                if !self.by_pseudonym.contains_key(&candidate) || digits == digest.len() {
                    break candidate;
                }
                digits += 2;
            }
        };
        self.by_real.insert((kind, real.to_owned()), chosen.clone());
        self.by_pseudonym
            .insert(chosen.clone(), (kind, real.to_owned()));
        chosen
    }

    fn digest(&self, kind: PersonKind, real: &str) -> String {
        let mut hash = Sha256::new();
        hash.update(self.key);
        hash.update([0, kind as u8, 0]);
        hash.update(real.as_bytes());
        hash.finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// The real value behind `pseudonym`, if this session made it.
    pub fn real(&self, pseudonym: &str) -> Option<&str> {
        self.by_pseudonym
            .get(pseudonym)
            .map(|(_, real)| real.as_str())
    }

    /// The pseudonym of a user or address typed by someone (an IP address
    /// is an address, anything else a user); a pseudonym stays itself.
    pub fn pseudonym_of_typed(&mut self, typed: &str) -> String {
        let typed = typed.trim();
        if looks_like_pseudonym(typed) {
            return typed.to_owned();
        }
        self.pseudonym(PersonKind::of(typed), typed)
    }

    /// Whether a (masked) address is inside the organisation's networks:
    /// answered from the real address, so detections do not change.
    pub fn is_internal(&self, address: &str) -> bool {
        let real = self.real(address).unwrap_or(address);
        crate::detect::is_internal_address(real)
    }

    /// The entries behind the pseudonyms named in `text`, to remember them.
    pub fn entries_in(&self, text: &str) -> Vec<Entry> {
        pseudonyms_in(text)
            .filter_map(|(start, end)| {
                let pseudonym = &text[start..end];
                self.by_pseudonym.get(pseudonym).map(|(kind, real)| Entry {
                    pseudonym: pseudonym.to_owned(),
                    kind: *kind,
                    real: real.clone(),
                })
            })
            .collect()
    }

    /// Takes back remembered entries (made with this same key).
    pub fn remember(&mut self, entries: &[Entry]) {
        for entry in entries {
            if self.by_pseudonym.contains_key(&entry.pseudonym) {
                continue;
            }
            self.by_real
                .insert((entry.kind, entry.real.clone()), entry.pseudonym.clone());
            self.by_pseudonym
                .insert(entry.pseudonym.clone(), (entry.kind, entry.real.clone()));
        }
    }

    /// `text` with every pseudonym this session made replaced by its real
    /// value, and the pseudonyms it could not resolve (made by another
    /// session: they match nothing here).
    pub fn unmask_text(&self, text: &str) -> (String, Vec<String>) {
        let mut out = String::with_capacity(text.len());
        let mut unresolved: Vec<String> = Vec::new();
        let mut last = 0;
        for (start, end) in pseudonyms_in(text) {
            let pseudonym = &text[start..end];
            out.push_str(&text[last..start]);
            match self.real(pseudonym) {
                Some(real) => out.push_str(real),
                None => {
                    out.push_str(pseudonym);
                    if !unresolved.iter().any(|seen| seen == pseudonym) {
                        unresolved.push(pseudonym.to_owned());
                    }
                }
            }
            last = end;
        }
        out.push_str(&text[last..]);
        (out, unresolved)
    }

    /// `text` with every e-mail address and IP address in it masked.
    pub fn mask_text(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (start, end, kind) in addresses_in(text) {
            out.push_str(&text[last..start]);
            let pseudonym = self.pseudonym(kind, &text[start..end]);
            out.push_str(&pseudonym);
            last = end;
        }
        out.push_str(&text[last..]);
        out
    }

    /// A query as typed, with every person in it masked: the values of
    /// `username`, `impersonator`, `ip_address` and `hostIpAddress` become
    /// pseudonyms, and e-mail and IP addresses inside any other value are
    /// masked. A pattern on a person (`username==*kim*`) cannot be masked
    /// without putting the name in the link, so it is refused, with why.
    pub fn mask_query(&mut self, text: &str) -> Result<String, String> {
        use crate::query::Selector;
        let mut out = String::with_capacity(text.len());
        for (i, alternative) in text.split("||").enumerate() {
            if i > 0 {
                out.push_str("||");
            }
            for (j, piece) in alternative.split(';').enumerate() {
                if j > 0 {
                    out.push(';');
                }
                let Some((at, operator)) = ["=in=", "=out=", "==", "!="]
                    .iter()
                    .filter_map(|op| piece.find(op).map(|at| (at, *op)))
                    .min_by_key(|(at, _)| *at)
                else {
                    out.push_str(&self.mask_text(piece));
                    continue;
                };
                let selector = &piece[..at];
                let value = &piece[at + operator.len()..];
                let person = Selector::from_name(selector.trim()).and_then(|s| match s {
                    Selector::Username | Selector::Impersonator => Some(PersonKind::User),
                    Selector::IpAddress | Selector::HostIpAddress => Some(PersonKind::Address),
                    _ => None,
                });
                out.push_str(selector);
                out.push_str(operator);
                match person {
                    None => out.push_str(&self.mask_text(value)),
                    Some(kind) => {
                        let listed = value.trim_start().starts_with('(');
                        let inner = value.trim().trim_start_matches('(').trim_end_matches(')');
                        let mut masked = Vec::new();
                        for member in inner.split(',') {
                            let member = member.trim();
                            if member.contains(['*', '%']) && !looks_like_pseudonym(member) {
                                return Err(format!(
                                    "In privacy mode a filter on a person takes one exact name or address (it becomes a pseudonym in the link); the pattern {}{operator}… would put a real name in the link. Use a pseudonym shown on the page, or turn privacy mode off to filter by a pattern.",
                                    selector.trim()
                                ));
                            }
                            masked.push(if member.is_empty() || looks_like_pseudonym(member) {
                                member.to_owned()
                            } else {
                                self.pseudonym(kind, member)
                            });
                        }
                        if listed {
                            out.push('(');
                            out.push_str(&masked.join(","));
                            out.push(')');
                        } else {
                            out.push_str(&masked.join(","));
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// A user field's value: the whole value is a user (or, if it is an IP
    /// address, an address).
    fn mask_user(&mut self, value: &str) -> String {
        if value.is_empty() {
            return String::new();
        }
        self.pseudonym(PersonKind::of(value), value)
    }

    /// The event with every person and address in it masked.
    pub fn mask_event(&mut self, event: &AuditEvent) -> AuditEvent {
        AuditEvent {
            id: event.id.clone(),
            source: event.source,
            at: event.at,
            actor: self.mask_user(&event.actor).into(),
            ip: event
                .ip
                .as_deref()
                .map(|ip| self.pseudonym(PersonKind::Address, ip).into()),
            kind: event.kind,
            action: event.action.clone(),
            service: event.service.clone(),
            has_source: event.has_source,
            target: event
                .target
                .as_deref()
                .map(|target| self.mask_text(target).into()),
            outcome: event.outcome,
            detail: event
                .detail
                .as_deref()
                .map(|detail| self.mask_text(detail).into()),
            record: Default::default(),
        }
        .with_raw_json(&self.mask_raw(&event.raw_json()))
    }

    /// Every event masked. People and addresses get their pseudonyms in
    /// the order they first appear, so a table built over the same events
    /// twice (a reload) names them the same.
    pub fn mask_events(&mut self, events: &(impl Events + ?Sized)) -> Rows {
        // Stored as masked, one at a time: no vector of them copied again.
        events.iter().map(|event| self.mask_event(event)).collect()
    }

    /// The upstream's record with its person fields masked, and e-mail and
    /// IP addresses masked inside every other text value.
    fn mask_raw(&mut self, raw: &str) -> String {
        let Ok(serde_json::Value::Object(mut fields)) = serde_json::from_str(raw) else {
            return self.mask_text(raw);
        };
        for (name, value) in fields.iter_mut() {
            let person = is_person_field(name);
            self.mask_value(value, person);
        }
        serde_json::Value::Object(fields).to_string()
    }

    fn mask_value(&mut self, value: &mut serde_json::Value, person: bool) {
        match value {
            serde_json::Value::String(text) if person => *text = self.mask_user(text),
            serde_json::Value::String(text) => *text = self.mask_text(text),
            serde_json::Value::Array(items) => {
                for item in items {
                    self.mask_value(item, person);
                }
            }
            serde_json::Value::Object(fields) => {
                for (name, inner) in fields.iter_mut() {
                    let person = person || is_person_field(name);
                    self.mask_value(inner, person);
                }
            }
            _ => {}
        }
    }
}

/// Whether an upstream field holds a person or an address as its value
/// (Octopai's `userName`/`ipAddress`, Cloudera Manager's `username`,
/// `impersonator`, `ipAddress`, and the like).
fn is_person_field(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    matches!(
        folded.as_str(),
        "user"
            | "username"
            | "userid"
            | "useremail"
            | "email"
            | "impersonator"
            | "ip"
            | "ipaddress"
            | "clientip"
            | "hostipaddress"
            | "remoteaddress"
    )
}

/// Byte ranges of pseudonym-shaped words in `text`.
fn pseudonyms_in(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    words(text, |c| c.is_ascii_alphanumeric() || c == '-')
        .filter(move |&(start, end)| looks_like_pseudonym(&text[start..end]))
}

/// Maximal runs of characters that `inside` accepts, as byte ranges.
fn words(text: &str, inside: impl Fn(char) -> bool) -> impl Iterator<Item = (usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        match (inside(c), start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                runs.push((from, at));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        runs.push((from, text.len()));
    }
    runs.into_iter()
}

/// E-mail and IP addresses inside `text`, in order, as byte ranges.
fn addresses_in(text: &str) -> Vec<(usize, usize, PersonKind)> {
    let mut found = Vec::new();
    let email_char = |c: char| c.is_ascii_alphanumeric() || "._%+-@".contains(c);
    for (start, end) in words(text, email_char) {
        let word = &text[start..end];
        let trimmed = word.trim_end_matches(['.', '-']);
        if let Some((local, domain)) = trimmed.split_once('@') {
            if !local.is_empty() && domain.contains('.') && !domain.contains('@') {
                found.push((start, start + trimmed.len(), PersonKind::User));
            }
        }
    }
    let ip_char = |c: char| c.is_ascii_hexdigit() || c == '.' || c == ':';
    for (start, end) in words(text, ip_char) {
        if found.iter().any(|&(s, e, _)| start < e && s < end) {
            continue;
        }
        found.extend(ips_in(text, start, end));
    }
    found.sort_unstable_by_key(|&(start, _, _)| start);
    found
}

/// IP addresses in `text[start..end]` (a run of hex digits, dots and
/// colons): the whole run (trailing punctuation aside), or else each dotted
/// quad inside it (`10.0.0.1:8080`).
fn ips_in(text: &str, start: usize, end: usize) -> Vec<(usize, usize, PersonKind)> {
    let run = &text[start..end];
    let trimmed = run.trim_end_matches(['.', ':']);
    if trimmed.contains(['.', ':']) && trimmed.parse::<std::net::IpAddr>().is_ok() {
        // Not a word that merely looks like hex ("cafe:" in a sentence).
        let before = text[..start].chars().next_back();
        if before.is_none_or(|c| !c.is_alphanumeric()) {
            return vec![(start, start + trimmed.len(), PersonKind::Address)];
        }
    }
    let mut found = Vec::new();
    for (s, e) in words(run, |c| c.is_ascii_digit() || c == '.') {
        let quad = run[s..e].trim_matches('.');
        let offset = s + run[s..e].find(quad).unwrap_or(0);
        if quad.split('.').count() == 4 && quad.parse::<std::net::Ipv4Addr>().is_ok() {
            found.push((
                start + offset,
                start + offset + quad.len(),
                PersonKind::Address,
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests;
