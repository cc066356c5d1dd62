//! The columns a person reads events in: the event's own fields, or any
//! top-level field of the upstream's record by name (Octopai's fields
//! beyond the known ones included). The table shows them, the URL keeps
//! them (`&cols=`), and a CSV export follows them.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::event::{AuditEvent, EventKind};
use crate::time::format_iso;

/// One column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventColumn {
    Time,
    Source,
    User,
    Address,
    Kind,
    Action,
    Service,
    Target,
    Outcome,
    Detail,
    Id,
    /// A top-level field of the upstream's record, by its name there.
    Raw(String),
}

/// What a raw field's key starts with in the URL (`raw.userAgent`).
const RAW: &str = "raw.";

/// The table's columns until a person chooses.
pub const TABLE_COLUMNS: [EventColumn; 7] = [
    EventColumn::Time,
    EventColumn::Source,
    EventColumn::User,
    EventColumn::Action,
    EventColumn::Target,
    EventColumn::Outcome,
    EventColumn::Address,
];

/// A CSV export's columns until a person chooses (the format exports
/// have always had).
pub const CSV_DEFAULT: [EventColumn; 10] = [
    EventColumn::Time,
    EventColumn::Source,
    EventColumn::User,
    EventColumn::Address,
    EventColumn::Kind,
    EventColumn::Action,
    EventColumn::Target,
    EventColumn::Outcome,
    EventColumn::Detail,
    EventColumn::Id,
];

impl EventColumn {
    /// Every column of the event's own fields.
    pub const OWN: [EventColumn; 11] = [
        EventColumn::Time,
        EventColumn::Source,
        EventColumn::User,
        EventColumn::Address,
        EventColumn::Kind,
        EventColumn::Action,
        EventColumn::Service,
        EventColumn::Target,
        EventColumn::Outcome,
        EventColumn::Detail,
        EventColumn::Id,
    ];

    /// Its name in the URL.
    pub fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(match self {
            EventColumn::Time => "time",
            EventColumn::Source => "source",
            EventColumn::User => "user",
            EventColumn::Address => "ip",
            EventColumn::Kind => "kind",
            EventColumn::Action => "action",
            EventColumn::Service => "service",
            EventColumn::Target => "target",
            EventColumn::Outcome => "outcome",
            EventColumn::Detail => "detail",
            EventColumn::Id => "id",
            EventColumn::Raw(name) => return Cow::Owned(format!("{RAW}{name}")),
        })
    }

    /// The column a URL's key names, if any.
    pub fn from_key(key: &str) -> Option<Self> {
        if let Some(name) = key.strip_prefix(RAW) {
            return raw_name_ok(name).then(|| EventColumn::Raw(name.to_owned()));
        }
        Self::OWN.into_iter().find(|column| column.key() == key)
    }

    /// Its heading in the table.
    pub fn label(&self) -> Cow<'_, str> {
        Cow::Borrowed(match self {
            EventColumn::Time => "Time",
            EventColumn::Source => "Source",
            EventColumn::User => "User",
            EventColumn::Address => "IP address",
            EventColumn::Kind => "Kind",
            EventColumn::Action => "Action",
            EventColumn::Service => "Service",
            EventColumn::Target => "Target",
            EventColumn::Outcome => "Outcome",
            EventColumn::Detail => "Detail",
            EventColumn::Id => "Id",
            EventColumn::Raw(name) => return Cow::Borrowed(name),
        })
    }

    /// Its heading in a CSV export.
    pub fn csv_heading(&self) -> Cow<'_, str> {
        Cow::Borrowed(match self {
            EventColumn::Address => "ip_address",
            EventColumn::Raw(name) => return Cow::Borrowed(name),
            own => return own.key(),
        })
    }

    /// `event`'s text in this column (a time as ISO 8601 UTC; the table
    /// writes times in its own zone). A raw field is read from the record
    /// (`raw`: the record's fields, read once per event by the caller).
    pub fn text<'e>(
        &self,
        event: &'e AuditEvent,
        raw: &mut Option<Vec<(String, String)>>,
    ) -> Cow<'e, str> {
        match self {
            EventColumn::Time => Cow::Owned(format_iso(event.at)),
            EventColumn::Source => Cow::Borrowed(event.source.label()),
            EventColumn::User => Cow::Borrowed(&event.actor),
            EventColumn::Address => Cow::Borrowed(event.ip.as_deref().unwrap_or_default()),
            EventColumn::Kind => Cow::Borrowed(kind_word(event.kind)),
            EventColumn::Action => Cow::Borrowed(&event.action),
            EventColumn::Service => Cow::Borrowed(event.service.as_deref().unwrap_or_default()),
            EventColumn::Target => Cow::Borrowed(event.target.as_deref().unwrap_or_default()),
            EventColumn::Outcome => Cow::Borrowed(event.outcome.label()),
            EventColumn::Detail => Cow::Borrowed(event.detail.as_deref().unwrap_or_default()),
            EventColumn::Id => Cow::Owned(event.id.to_string()),
            EventColumn::Raw(name) => Cow::Owned(
                field_value(raw.get_or_insert_with(|| event.raw_fields()), name).to_owned(),
            ),
        }
    }

    /// Whether the table offers to sort by this column.
    pub fn sortable(&self) -> bool {
        !matches!(self, EventColumn::Raw(_))
    }

    /// The order of two events by this column, where the table can sort
    /// by it (a raw field is read from each record: not offered).
    pub fn compare(&self, a: &AuditEvent, b: &AuditEvent) -> Option<Ordering> {
        Some(match self {
            EventColumn::Time => a.at.cmp(&b.at),
            EventColumn::Source => a.source.cmp(&b.source),
            EventColumn::User => a.actor.cmp(&b.actor),
            EventColumn::Address => a.ip.cmp(&b.ip),
            EventColumn::Kind => kind_word(a.kind).cmp(kind_word(b.kind)),
            EventColumn::Action => a.action.cmp(&b.action),
            EventColumn::Service => a.service.cmp(&b.service),
            EventColumn::Target => a.target.cmp(&b.target),
            EventColumn::Outcome => a.outcome.label().cmp(b.outcome.label()),
            EventColumn::Detail => a.detail.cmp(&b.detail),
            EventColumn::Id => a.id.cmp(&b.id),
            EventColumn::Raw(_) => return None,
        })
    }
}

/// A raw field's name a URL can hold in a list: not empty, no comma.
fn raw_name_ok(name: &str) -> bool {
    !name.is_empty() && !name.contains(',')
}

fn kind_word(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Login => "login",
        EventKind::Logout => "logout",
        EventKind::PageLoad => "page_load",
        EventKind::Operation => "operation",
    }
}

/// The columns a URL's `cols` names, in its order: the time always among
/// them (it opens an event's detail), each column once. A key that names
/// no column is refused with a reason.
pub fn parse_columns(text: &str) -> Result<Vec<EventColumn>, String> {
    let mut columns: Vec<EventColumn> = Vec::new();
    for key in text.split(',').filter(|key| !key.is_empty()) {
        let column = EventColumn::from_key(key).ok_or_else(|| {
            format!(
                "`{key}` names no column: use {} or raw.<a field of the record>.",
                EventColumn::OWN.map(|c| c.key().into_owned()).join(", ")
            )
        })?;
        if !columns.contains(&column) {
            columns.push(column);
        }
    }
    if !columns.contains(&EventColumn::Time) {
        columns.insert(0, EventColumn::Time);
    }
    Ok(columns)
}

/// The columns as a URL's `cols` writes them.
pub fn print_columns(columns: &[EventColumn]) -> String {
    columns
        .iter()
        .map(|column| column.key().into_owned())
        .collect::<Vec<_>>()
        .join(",")
}

/// The value of the record's field `name` among its `fields` (as
/// [`AuditEvent::raw_fields`] reads them), or nothing if it has none.
pub fn field_value<'f>(fields: &'f [(String, String)], name: &str) -> &'f str {
    fields
        .iter()
        .find(|(field, _)| field == name)
        .map_or("", |(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::event;
    use crate::{EventKind, Outcome, Source};

    #[test]
    fn columns_read_back_as_written_the_time_always_among_them() {
        let columns = vec![
            EventColumn::User,
            EventColumn::Time,
            EventColumn::Raw("userAgent".into()),
            EventColumn::Service,
        ];
        let text = print_columns(&columns);
        assert_eq!(text, "user,time,raw.userAgent,service");
        assert_eq!(parse_columns(&text).unwrap(), columns);
        assert_eq!(
            parse_columns("user,user,ip").unwrap(),
            [EventColumn::Time, EventColumn::User, EventColumn::Address]
        );
        for own in EventColumn::OWN {
            assert_eq!(EventColumn::from_key(&own.key()), Some(own));
        }
    }

    #[test]
    fn a_key_that_names_no_column_is_refused_with_the_names_that_do() {
        let problem = parse_columns("time,usr").unwrap_err();
        assert!(
            problem.contains("`usr`") && problem.contains("raw.<"),
            "{problem}"
        );
        assert!(parse_columns("raw.").is_err());
    }

    #[test]
    fn a_raw_column_reads_the_records_field_and_is_not_sorted_by() {
        let with = event(
            "1",
            Source::Octopai,
            "2026-11-21T10:00:00Z",
            EventKind::Login,
            Outcome::Failed,
        )
        .with_raw_json(r#"{"userAgent":"curl/8","tenant":{"name":"acme"}}"#);
        let agent = EventColumn::Raw("userAgent".into());
        let tenant = EventColumn::Raw("tenant".into());
        let mut raw = None;
        assert_eq!(agent.text(&with, &mut raw), "curl/8");
        assert_eq!(tenant.text(&with, &mut raw), r#"{"name":"acme"}"#);
        assert_eq!(EventColumn::Raw("none".into()).text(&with, &mut raw), "");
        assert_eq!(agent.compare(&with, &with), None);
        assert_eq!(
            EventColumn::Time.text(&with, &mut None),
            "2026-11-21T10:00:00.000Z"
        );
        assert_eq!(EventColumn::Kind.text(&with, &mut None), "login");
    }
}
