//! Segments: Octopai's usage split in two, by where people work from
//! (internal or external addresses: the ranges the detections use, see
//! [`crate::detect::is_internal_address`]) or by a pasted list of users.
//! Kept in the URL as `address` or `users:a@example.com,b@example.com`.

use crate::calendar::Buckets;
use crate::event::{AuditEvent, Events};
use crate::usage::{usage_timeline_where, UsageBucket};

/// The most users a pasted list may name.
pub const MOST_USERS: usize = 500;

/// How usage is split.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// Internal addresses, then external ones (or none recorded).
    Addresses,
    /// The users listed (compared without regard to case), then everyone
    /// else.
    Users(Vec<String>),
}

impl Segment {
    /// Reads a pasted list of users: separated by commas, semicolons,
    /// spaces or lines; repeats dropped.
    pub fn users(text: &str) -> Result<Segment, String> {
        let mut users: Vec<String> = Vec::new();
        for user in text
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .map(str::trim)
            .filter(|user| !user.is_empty())
        {
            if !users.iter().any(|seen| seen.eq_ignore_ascii_case(user)) {
                users.push(user.to_owned());
            }
        }
        match users.len() {
            0 => Err("paste at least one user name, separated by commas, spaces or lines".into()),
            n if n > MOST_USERS => Err(format!(
                "{n} users are more than the {MOST_USERS} a list may name: split by fewer"
            )),
            _ => Ok(Segment::Users(users)),
        }
    }

    /// Reads the URL's form.
    pub fn from_query(text: &str) -> Result<Segment, String> {
        match text.trim() {
            "address" => Ok(Segment::Addresses),
            other => match other.strip_prefix("users:") {
                Some(list) => Segment::users(list),
                None => Err(format!(
                    "`{other}` is not a split: write address, or users:NAME,NAME"
                )),
            },
        }
    }

    pub fn to_query(&self) -> String {
        match self {
            Segment::Addresses => "address".into(),
            Segment::Users(users) => format!("users:{}", users.join(",")),
        }
    }

    /// The two parts' names.
    pub fn names(&self) -> [String; 2] {
        match self {
            Segment::Addresses => ["internal addresses".into(), "external or no address".into()],
            Segment::Users(users) => [
                match users.len() {
                    1 => "the user listed".into(),
                    n => format!("the {n} users listed"),
                },
                "everyone else".into(),
            ],
        }
    }

    /// Which part an event falls in: 0 or 1, `is_internal` telling an
    /// internal address ([`crate::detect::is_internal_address`], or privacy mode's
    /// answer for the real address behind a pseudonym).
    pub fn part(&self, event: &AuditEvent, is_internal: &dyn Fn(&str) -> bool) -> usize {
        let first = match self {
            Segment::Addresses => event.ip.as_deref().is_some_and(is_internal),
            Segment::Users(users) => users
                .iter()
                .any(|user| user.eq_ignore_ascii_case(event.actor.as_str())),
        };
        usize::from(!first)
    }
}

/// Page loads and active users per bucket in each part of `segment`
/// (`is_internal` as for [`Segment::part`]).
pub fn usage_timeline_split(
    events: &(impl Events + ?Sized),
    buckets: &Buckets,
    segment: &Segment,
    is_internal: &dyn Fn(&str) -> bool,
) -> [Vec<UsageBucket>; 2] {
    [0, 1]
        .map(|part| usage_timeline_where(events, buckets, |e| segment.part(e, is_internal) == part))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::is_internal_address;
    use crate::event::{EventKind, Outcome, Source};
    use crate::fixture::event;
    use crate::time::{parse_iso, TimeWindow};
    use crate::usage::usage_timeline;

    fn load(id: &str, user: &str, ip: Option<&str>, minutes: i64) -> AuditEvent {
        let at = parse_iso("2026-11-18T10:00:00Z").unwrap() + chrono::Duration::minutes(minutes);
        let mut e = event(
            id,
            Source::Octopai,
            &crate::time::format_iso(at),
            EventKind::PageLoad,
            Outcome::Succeeded,
        );
        e.actor = user.into();
        e.ip = ip.map(Into::into);
        e
    }

    #[test]
    fn lists_are_read_with_any_separator_and_refused_when_empty() {
        assert_eq!(
            Segment::users("mia@example.com, raj@example.com\nMIA@example.com;zoe").unwrap(),
            Segment::Users(vec![
                "mia@example.com".into(),
                "raj@example.com".into(),
                "zoe".into()
            ])
        );
        assert!(Segment::users(" ,\n ")
            .unwrap_err()
            .contains("at least one"));
        let many = (0..=MOST_USERS)
            .map(|n| format!("u{n}"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(Segment::users(&many).unwrap_err().contains("more than"));
        for segment in [Segment::Addresses, Segment::users("a,b").unwrap()] {
            assert_eq!(Segment::from_query(&segment.to_query()).unwrap(), segment);
        }
        assert!(Segment::from_query("country").is_err());
    }

    #[test]
    fn the_parts_add_up_to_the_whole() {
        let events = vec![
            load("1", "mia", Some("10.20.1.10"), 0),
            load("2", "mia", Some("10.20.1.10"), 5),
            load("3", "ann", Some("198.51.100.12"), 7),
            load("4", "bob", None, 50),
            load("5", "Mia", Some("203.0.113.9"), 55),
        ];
        let window = TimeWindow::new(
            parse_iso("2026-11-18T10:00:00Z").unwrap(),
            parse_iso("2026-11-18T11:00:00Z").unwrap(),
        )
        .unwrap();
        let buckets = Buckets::utc(window, crate::calendar::Step::Minutes(30));
        let whole = usage_timeline(&events, &buckets);
        let [internal, external] =
            usage_timeline_split(&events, &buckets, &Segment::Addresses, &is_internal_address);
        let loads =
            |series: &[UsageBucket]| series.iter().map(|b| b.page_loads).collect::<Vec<_>>();
        let users =
            |series: &[UsageBucket]| series.iter().map(|b| b.active_users).collect::<Vec<_>>();
        assert_eq!(loads(&internal), [2, 0]);
        assert_eq!(loads(&external), [1, 2]);
        assert_eq!(loads(&whole), [3, 2]);
        assert_eq!(users(&internal), [1, 0]);
        assert_eq!(users(&external), [1, 2]);
        let [listed, others] =
            usage_timeline_split(&events, &buckets, &Segment::users("MIA").unwrap(), &|_| {
                true
            });
        assert_eq!(
            loads(&listed),
            [2, 1],
            "names compared without regard to case"
        );
        assert_eq!(loads(&others), [1, 1]);
        assert_eq!(Segment::Addresses.names()[1], "external or no address");
    }
}
