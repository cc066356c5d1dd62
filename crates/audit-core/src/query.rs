//! The Cloudera Manager audit query language: `selector==value` and
//! `selector!=value` constraints joined by `;` (AND), no spaces, `*` as a
//! wildcard (and `%` too, in a value that already has a `*`).
//!
//! Parsing never panics; every mistake is a [`Diagnostic`] with a byte span
//! the UI can underline. Evaluation follows SQL semantics, as the server's
//! LIKE translation implies: a constraint on a field the audit does not have
//! matches neither `==` nor `!=`.

use std::borrow::Cow;

use crate::cloudera::ApiAudit;
use crate::event::{AuditEvent, Outcome, Source};

/// A documented selector of the query language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Selector {
    Service,
    Operation,
    Username,
    Impersonator,
    IpAddress,
    Allowed,
    Qualifier,
    Source,
    Destination,
    HostIpAddress,
    Role,
    Family,
    DatabaseName,
    TableName,
    ObjectType,
    OperationText,
}

/// `command` is not in the documented selector table, but the seed's own
/// examples use it (`command==listStatus`): it is accepted as an alias of
/// `operation` (the project's assumption, see ARCHITECTURE.md).
pub const SELECTOR_ALIASES: [(&str, Selector); 1] = [("command", Selector::Operation)];

impl Selector {
    /// Every documented selector, in the documentation's order.
    pub const ALL: [Selector; 16] = [
        Selector::Service,
        Selector::Operation,
        Selector::Username,
        Selector::Impersonator,
        Selector::IpAddress,
        Selector::Allowed,
        Selector::Qualifier,
        Selector::Source,
        Selector::Destination,
        Selector::HostIpAddress,
        Selector::Role,
        Selector::Family,
        Selector::DatabaseName,
        Selector::TableName,
        Selector::ObjectType,
        Selector::OperationText,
    ];

    /// Its name in a query.
    pub fn name(self) -> &'static str {
        match self {
            Selector::Service => "service",
            Selector::Operation => "operation",
            Selector::Username => "username",
            Selector::Impersonator => "impersonator",
            Selector::IpAddress => "ip_address",
            Selector::Allowed => "allowed",
            Selector::Qualifier => "qualifier",
            Selector::Source => "source",
            Selector::Destination => "destination",
            Selector::HostIpAddress => "hostIpAddress",
            Selector::Role => "role",
            Selector::Family => "family",
            Selector::DatabaseName => "database_name",
            Selector::TableName => "table_name",
            Selector::ObjectType => "object_type",
            Selector::OperationText => "operation_text",
        }
    }

    /// The selector a name (or an alias) in a query stands for.
    pub fn from_name(name: &str) -> Option<Selector> {
        Selector::ALL
            .into_iter()
            .find(|selector| selector.name() == name)
            .or_else(|| {
                SELECTOR_ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == name)
                    .map(|(_, selector)| *selector)
            })
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    Equal,
    NotEqual,
}

impl Comparator {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Equal => "==",
            Comparator::NotEqual => "!=",
        }
    }
}

/// A byte range `[start, end)` in the query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// One mistake in a query, positioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
}

/// One parsed constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub selector: Selector,
    /// The selector as written (its name, or an alias such as `command`).
    pub written: String,
    pub comparator: Comparator,
    pub value: String,
    pub span: Span,
}

/// A parsed query: the AND of its constraints (none: everything matches).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub constraints: Vec<Constraint>,
}

impl Query {
    /// Prints the canonical query string.
    pub fn to_query_string(&self) -> String {
        self.constraints
            .iter()
            .map(|c| format!("{}{}{}", c.written, c.comparator.as_str(), c.value))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Whether `audit` satisfies every constraint (the server's semantics).
    pub fn matches(&self, audit: &ApiAudit) -> bool {
        self.matches_fields(|selector| audit_field(audit, selector))
    }

    /// Whether a unified event satisfies every constraint, over its mapped
    /// fields (see [`event_field`]); how Octopai events are filtered locally.
    ///
    /// A Cloudera Manager audit's fields the event does not hold (its
    /// table, its destination, its impersonator ...) are read from its
    /// record as the server reads them ([`audit_field`]), once per event
    /// and only when the query asks for one.
    pub fn matches_event(&self, event: &AuditEvent) -> bool {
        let record = std::cell::OnceCell::new();
        let from_record = |selector: Selector| -> Option<Cow<'_, str>> {
            let audit: &Option<ApiAudit> =
                record.get_or_init(|| serde_json::from_str(&event.raw_json()).ok());
            audit_field(audit.as_ref()?, selector).map(Cow::Owned)
        };
        self.matches_fields(|selector| match (event.source, held_by_event(selector)) {
            (Source::ClouderaManager, false) => from_record(selector),
            _ => event_field(event, selector).map(Cow::Borrowed),
        })
    }

    fn matches_fields<S: AsRef<str>>(&self, field_of: impl Fn(Selector) -> Option<S>) -> bool {
        self.constraints.iter().all(|constraint| {
            let Some(field) = field_of(constraint.selector) else {
                return false;
            };
            let equal = value_matches(&constraint.value, field.as_ref());
            match constraint.comparator {
                Comparator::Equal => equal,
                Comparator::NotEqual => !equal,
            }
        })
    }
}

/// Parses a query, returning every diagnostic found (not just the first).
pub fn parse(text: &str) -> Result<Query, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut constraints = Vec::new();
    if text.is_empty() {
        return Ok(Query::default());
    }
    let mut offset = 0;
    for part in text.split(';') {
        let span = Span {
            start: offset,
            end: offset + part.len(),
        };
        offset += part.len() + 1;
        match parse_constraint(part, span) {
            Ok(constraint) => constraints.push(constraint),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    if diagnostics.is_empty() {
        Ok(Query { constraints })
    } else {
        Err(diagnostics)
    }
}

fn at(span: Span, from: usize, to: usize, message: String) -> Diagnostic {
    Diagnostic {
        span: Span {
            start: span.start + from,
            end: span.start + to,
        },
        message,
    }
}

fn parse_constraint(part: &str, span: Span) -> Result<Constraint, Diagnostic> {
    if part.is_empty() {
        return Err(at(
            span,
            0,
            0,
            "empty constraint: remove the extra `;` or write selector==value".into(),
        ));
    }
    if let Some((index, space)) = part.char_indices().find(|(_, c)| c.is_whitespace()) {
        return Err(at(
            span,
            index,
            index + space.len_utf8(),
            "spaces are not allowed in a query: remove the space (constraints are joined by `;`)"
                .into(),
        ));
    }
    if let Some(index) = part.find("||").or_else(|| part.find(',')) {
        return Err(at(
            span,
            index,
            index + 1,
            "OR is not supported by Cloudera Manager: only `;` (AND) joins constraints".into(),
        ));
    }
    let Some((index, comparator)) = find_comparator(part) else {
        let name_end = part
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(part.len());
        return Err(at(
            span,
            name_end,
            part.len(),
            format!("expected `==` or `!=` after `{}`", &part[..name_end]),
        ));
    };
    let selector = &part[..index];
    let value = &part[index + 2..];
    if selector.is_empty() {
        return Err(at(
            span,
            0,
            2,
            "a selector is missing before the comparator".into(),
        ));
    }
    let Some(known) = Selector::from_name(selector) else {
        let suggestion = nearest_selector(selector)
            .map(|nearest| format!("; did you mean `{nearest}`?"))
            .unwrap_or_default();
        return Err(at(
            span,
            0,
            index,
            format!("unknown selector `{selector}`{suggestion}"),
        ));
    };
    if value.is_empty() {
        return Err(at(
            span,
            index,
            index + 2,
            format!("`{selector}{}` needs a value", comparator.as_str()),
        ));
    }
    if let Some(extra) = value.find("==").or_else(|| value.find("!=")) {
        let start = index + 2 + extra;
        return Err(at(
            span,
            start,
            start + 2,
            "a second comparator in one constraint: separate constraints with `;`".into(),
        ));
    }
    if known == Selector::Allowed && value != "true" && value != "false" {
        return Err(at(
            span,
            index + 2,
            part.len(),
            format!("`allowed` is `true` or `false`, not `{value}`"),
        ));
    }
    Ok(Constraint {
        selector: known,
        written: selector.to_owned(),
        comparator,
        value: value.to_owned(),
        span,
    })
}

fn find_comparator(part: &str) -> Option<(usize, Comparator)> {
    let equal = part.find("==").map(|index| (index, Comparator::Equal));
    let not_equal = part.find("!=").map(|index| (index, Comparator::NotEqual));
    match (equal, not_equal) {
        (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

fn nearest_selector(wanted: &str) -> Option<&'static str> {
    let wanted = wanted.to_ascii_lowercase();
    // An abbreviation (`usr`, `db_name`) is an in-order subsequence of its
    // selector; otherwise take the closest by edit distance.
    let candidates = || {
        Selector::ALL
            .iter()
            .map(|selector| selector.name())
            .chain(SELECTOR_ALIASES.iter().map(|(alias, _)| *alias))
    };
    let abbreviation = Selector::ALL.iter().map(|s| s.name()).find(|selector| {
        let mut letters = selector.chars().map(|c| c.to_ascii_lowercase());
        wanted.len() >= 2 && wanted.chars().all(|c| letters.any(|s| s == c))
    });
    abbreviation.or_else(|| {
        candidates()
            .map(|selector| {
                (
                    edit_distance(&wanted, &selector.to_ascii_lowercase()),
                    selector,
                )
            })
            .filter(|(distance, _)| *distance <= 3)
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, selector)| selector)
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The audit's value for `selector`, or `None` where it has none.
pub fn audit_field(audit: &ApiAudit, selector: Selector) -> Option<String> {
    let service_value = |names: &[&str]| {
        audit
            .service_values
            .as_ref()
            .and_then(|values| names.iter().find_map(|name| values.get(*name).cloned()))
    };
    match selector {
        Selector::Service => audit.service.clone(),
        Selector::Operation => audit.command.clone(),
        Selector::Username => audit.username.clone(),
        Selector::Impersonator => audit.impersonator.clone(),
        Selector::IpAddress => audit.ip_address.clone(),
        Selector::Allowed => audit.allowed.map(|allowed| allowed.to_string()),
        Selector::OperationText => audit
            .operation_text
            .clone()
            .or_else(|| service_value(&["operation_text"])),
        Selector::Source => service_value(&["src", "source"]),
        Selector::Destination => service_value(&["dest", "destination"]),
        other => service_value(&[other.name()]),
    }
}

/// A unified event's value for `selector`, where the event holds it:
/// `username` is the actor, `ip_address` the address, `operation` the
/// action (an Octopai event type such as `LoginFailed` or `PageLoad`),
/// `operation_text` the detail (a failure reason), `allowed` whether it
/// succeeded or was allowed; `service` is `octopai` or the audit's
/// service, `source` an Octopai page or the source resource an audit
/// names (none where it names none, as the server reads it). Other
/// selectors are not held by the event ([`Query::matches_event`] reads a
/// Cloudera Manager audit's record for them).
pub fn event_field(event: &AuditEvent, selector: Selector) -> Option<&str> {
    match selector {
        Selector::Username => Some(&event.actor),
        Selector::IpAddress => event.ip.as_deref(),
        Selector::Operation => Some(&event.action),
        Selector::Source => match event.source {
            Source::Octopai => event.target.as_deref(),
            Source::ClouderaManager => event.target.as_deref().filter(|_| event.has_source),
        },
        Selector::OperationText => event.detail.as_deref(),
        Selector::Allowed => match event.outcome {
            Outcome::Succeeded | Outcome::Allowed => Some("true"),
            Outcome::Failed | Outcome::Denied => Some("false"),
            Outcome::Unknown => None,
        },
        Selector::Service => match event.source {
            Source::Octopai => Some(Source::Octopai.id()),
            Source::ClouderaManager => event.service.as_deref(),
        },
        _ => None,
    }
}

/// Whether `event` holds its value for `selector` itself (see
/// [`event_field`]).
fn held_by_event(selector: Selector) -> bool {
    matches!(
        selector,
        Selector::Username
            | Selector::IpAddress
            | Selector::Operation
            | Selector::Source
            | Selector::OperationText
            | Selector::Allowed
            | Selector::Service
    )
}

/// `==` semantics: exact equality, or SQL LIKE when the pattern has `*`
/// (where `%` is a wildcard too).
pub fn value_matches(pattern: &str, value: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == value;
    }
    let pattern: Vec<char> = pattern
        .chars()
        .map(|c| if c == '%' { '*' } else { c })
        .collect();
    let value: Vec<char> = value.chars().collect();
    wildcard(&pattern, &value)
}

fn wildcard(pattern: &[char], value: &[char]) -> bool {
    // Iterative glob matching with backtracking to the last star: linear in
    // practice, no recursion, no blow-up on many stars.
    let (mut p, mut v) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, v));
            p += 1;
        } else if p < pattern.len() && pattern[p] == value[v] {
            p += 1;
            v += 1;
        } else if let Some((star_p, star_v)) = star {
            p = star_p + 1;
            v = star_v + 1;
            star = Some((star_p, star_v + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests;
