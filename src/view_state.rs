//! What the dashboard is showing, as it lives in the URL: every field of
//! [`DashboardView`]. Reload, back/forward and a pasted link all restore the
//! view from this, so it is parsed and printed in one place.
//!
//! - the time range: `?range=24h` (a preset ending now) or `?from=…&to=…`
//!   (ISO 8601);
//! - the sources shown: `&sources=octopai` or `cloudera` (both when absent);
//! - the query: `&q=<query>`;
//! - the display zone: `&tz=utc` (local when absent);
//! - the detection thresholds when they differ from the defaults
//!   (`&bf=10/10`: count/minutes; `&spray`, `&fts`, `&denied` likewise;
//!   `&newip=5`, `&newip_internal=1`);
//! - the flag whose events alone are shown: `&flag=<key>`;
//! - a summary tile's narrowing: `&show=failed-logins`;
//! - the most events held per source: `&cap=<n>`;
//! - a support lookup: `&who=<person or address>` and `&alias=<CM user>`;
//! - the pause that ends a usage session: `&idle=<minutes>`;
//! - the table's columns, once chosen: `&cols=time,user,raw.userAgent`.

use audit_core::calendar::Zone;
use audit_core::cloudera::percent_encode;
use audit_core::columns::{parse_columns, print_columns, EventColumn};
use audit_core::detect::{Rule, Thresholds};
use audit_core::funnel::Funnel;
use audit_core::page_routes::RouteRule;
use audit_core::retention::Lookback;
use audit_core::segment::Segment;
use audit_core::time::{format_iso, parse_iso};
use audit_core::{Source, TimeWindow};
use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Utc};

/// The preset ranges offered, as they appear in the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangePreset {
    FifteenMinutes,
    Hour,
    Day,
    Week,
    Month,
}

impl RangePreset {
    pub const ALL: [RangePreset; 5] = [
        RangePreset::FifteenMinutes,
        RangePreset::Hour,
        RangePreset::Day,
        RangePreset::Week,
        RangePreset::Month,
    ];

    pub fn from_query(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|preset| preset.as_query() == value)
    }

    pub fn as_query(self) -> &'static str {
        match self {
            RangePreset::FifteenMinutes => "15m",
            RangePreset::Hour => "1h",
            RangePreset::Day => "24h",
            RangePreset::Week => "7d",
            RangePreset::Month => "30d",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RangePreset::FifteenMinutes => "Last 15 minutes",
            RangePreset::Hour => "Last hour",
            RangePreset::Day => "Last 24 hours",
            RangePreset::Week => "Last 7 days",
            RangePreset::Month => "Last 30 days",
        }
    }

    pub fn length(self) -> Duration {
        match self {
            RangePreset::FifteenMinutes => Duration::minutes(15),
            RangePreset::Hour => Duration::hours(1),
            RangePreset::Day => Duration::hours(24),
            RangePreset::Week => Duration::days(7),
            RangePreset::Month => Duration::days(30),
        }
    }
}

/// A time range: relative to now, or fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeRange {
    Preset(RangePreset),
    Absolute {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
}

impl TimeRange {
    /// The window to load, with its end pinned at `now` for presets.
    pub fn window(self, now: DateTime<Utc>) -> Result<TimeWindow, String> {
        match self {
            TimeRange::Preset(preset) => Ok(TimeWindow::ending_at(now, preset.length())),
            TimeRange::Absolute { start, end } => TimeWindow::new(start, end),
        }
    }
}

/// Which sources the view shows (hidden ones stay loaded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceFilter {
    pub octopai: bool,
    pub cloudera: bool,
}

impl SourceFilter {
    pub const BOTH: SourceFilter = SourceFilter {
        octopai: true,
        cloudera: true,
    };

    pub fn from_query(value: Option<&str>) -> Self {
        let Some(value) = value else {
            return Self::BOTH;
        };
        let filter = SourceFilter {
            octopai: value.split(',').any(|name| name == "octopai"),
            cloudera: value.split(',').any(|name| name == "cloudera"),
        };
        if filter.octopai || filter.cloudera {
            filter
        } else {
            Self::BOTH
        }
    }

    /// The `sources` parameter, or `None` for both.
    pub fn as_query(self) -> Option<&'static str> {
        match (self.octopai, self.cloudera) {
            (true, false) => Some("octopai"),
            (false, true) => Some("cloudera"),
            _ => None,
        }
    }

    pub fn shows(self, source: Source) -> bool {
        match source {
            Source::Octopai => self.octopai,
            Source::ClouderaManager => self.cloudera,
        }
    }

    /// The filter with `source` switched; never both off.
    pub fn toggled(self, source: Source) -> Self {
        let mut next = self;
        match source {
            Source::Octopai => next.octopai = !next.octopai,
            Source::ClouderaManager => next.cloudera = !next.cloudera,
        }
        if next.octopai || next.cloudera {
            next
        } else {
            self
        }
    }
}

/// Which clock times are shown in (everywhere at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisplayZone {
    Local,
    Utc,
}

/// The browser's zone with its daylight-saving rules (the offset is looked
/// up for each instant, so October times show October's offset), or UTC.
impl Zone for DisplayZone {
    fn offset_at(&self, at: DateTime<Utc>) -> FixedOffset {
        match self {
            DisplayZone::Local => chrono::Local.offset_at(at),
            DisplayZone::Utc => Utc.offset_at(at),
        }
    }

    fn instant_of(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            DisplayZone::Local => chrono::Local.instant_of(local),
            DisplayZone::Utc => Utc.instant_of(local),
        }
    }
}

/// Everything the URL says about the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardView {
    pub range: TimeRange,
    pub sources: SourceFilter,
    /// The query as typed (checked separately, so a bad one can be shown).
    pub query: String,
    pub zone: DisplayZone,
    /// The detections' thresholds.
    pub thresholds: Thresholds,
    /// The key of the detection whose events alone are shown.
    pub flag: Option<String>,
    /// A summary tile's narrowing of the loaded events.
    pub focus: Option<Focus>,
    /// The most events held per source (`&cap=`); the newest are kept.
    pub cap: usize,
    /// The person (e-mail or user name) or address looked up (`&who=`).
    pub who: Option<String>,
    /// The Cloudera Manager user name the person also acts as, when the
    /// user has said so (`&alias=`): the mapping is never guessed.
    pub alias: Option<String>,
    /// The pause, in minutes, that ends a usage session (`&idle=`).
    pub idle_minutes: u32,
    /// Privacy mode (`&private=1`): people and addresses are shown, and
    /// named in this URL, as pseudonyms.
    pub private: bool,
    /// The table's columns, in order, once a person has chosen them
    /// (`&cols=time,user,raw.userAgent`); a CSV export follows them.
    pub columns: Option<Vec<EventColumn>>,
    /// A live tail's poll interval in seconds (`&live=15`), when the view
    /// follows its sources as they record; only a window that ends now
    /// (a preset) can.
    pub live: Option<u32>,
    /// How the usage figures group pages into routes (`&routes=num,uuid,hex8`).
    pub routes: RouteRule,
    /// A funnel over the usage (`&funnel=login > /lineage/:id&within=30`).
    pub funnel: Option<Funnel>,
    /// Only these people's events (`&people=a,b`): a funnel step's users.
    pub people: Option<Vec<String>>,
    /// Retention over a lookback loaded for it (`&retention=week:8`).
    pub retention: Option<Lookback>,
    /// The usage charts split in two (`&split=address`, `&split=users:a,b`).
    pub split: Option<Segment>,
}

/// A live view polls this often unless the URL says otherwise.
pub const DEFAULT_LIVE_SECONDS: u32 = 15;
/// The shortest and longest poll interval a link may set (5 s to an hour).
pub const LIVE_RANGE: std::ops::RangeInclusive<u32> = 5..=3600;

/// Reads a poll interval as typed, or says what is wrong with it.
pub fn parse_live_seconds(text: &str) -> Result<u32, String> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|seconds| LIVE_RANGE.contains(seconds))
        .ok_or_else(|| {
            format!(
                "The poll interval must be a whole number of seconds from {} to {} (it is `{}`).",
                LIVE_RANGE.start(),
                LIVE_RANGE.end(),
                text.trim()
            )
        })
}

/// A pause of this many minutes ends a usage session unless the URL says
/// otherwise (the usual web-analytics convention).
pub const DEFAULT_IDLE_MINUTES: u32 = 30;
/// The shortest and longest idle timeout a link may set (a minute to a day).
pub const IDLE_RANGE: std::ops::RangeInclusive<u32> = 1..=1440;

/// Reads an idle timeout as typed, or says what is wrong with it.
pub fn parse_idle_minutes(text: &str) -> Result<u32, String> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|minutes| IDLE_RANGE.contains(minutes))
        .ok_or_else(|| {
            format!(
                "`{}` is not a number of minutes from {} to {}.",
                text.trim(),
                IDLE_RANGE.start(),
                IDLE_RANGE.end()
            )
        })
}

/// Events held per source unless the URL says otherwise: enough for a busy
/// week. A million events across both sources hold about 200 MB of the
/// tab, and every filter change is painted within 100 ms at that size
/// (docs/benchmarks.md).
pub const DEFAULT_CAP: usize = 500_000;
/// The smallest and largest cap a link may set.
pub const CAP_RANGE: std::ops::RangeInclusive<usize> = 100..=2_000_000;

/// What a summary tile narrows the view to (`&show=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    FailedLogins,
    DeniedOperations,
}

impl Focus {
    pub fn as_query(self) -> &'static str {
        match self {
            Focus::FailedLogins => "failed-logins",
            Focus::DeniedOperations => "denied",
        }
    }

    pub fn from_query(text: &str) -> Option<Self> {
        [Focus::FailedLogins, Focus::DeniedOperations]
            .into_iter()
            .find(|focus| focus.as_query() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Focus::FailedLogins => "failed logins",
            Focus::DeniedOperations => "denied operations",
        }
    }

    pub fn keeps(self, event: &audit_core::AuditEvent) -> bool {
        match self {
            Focus::FailedLogins => event.is_failed_login(),
            Focus::DeniedOperations => event.is_denied_operation(),
        }
    }
}

impl Default for DashboardView {
    fn default() -> Self {
        Self {
            range: TimeRange::Preset(RangePreset::Day),
            sources: SourceFilter::BOTH,
            query: String::new(),
            zone: DisplayZone::Local,
            thresholds: Thresholds::default(),
            flag: None,
            focus: None,
            cap: DEFAULT_CAP,
            who: None,
            alias: None,
            idle_minutes: DEFAULT_IDLE_MINUTES,
            private: false,
            columns: None,
            live: None,
            routes: RouteRule::default(),
            funnel: None,
            people: None,
            retention: None,
            split: None,
        }
    }
}

/// `10/10` as a rule; anything else (or zero) is `None`.
fn parse_rule(text: &str) -> Option<Rule> {
    let (count, minutes) = text.split_once('/')?;
    let count: u32 = count.trim().parse().ok()?;
    let minutes: u32 = minutes.trim().parse().ok()?;
    (count > 0 && minutes > 0).then_some(Rule::new(count, minutes))
}

/// Thresholds from URL parameters: each missing or unreadable one keeps its
/// default.
fn thresholds_from(param: &impl Fn(&str) -> Option<String>) -> Thresholds {
    let defaults = Thresholds::default();
    let rule = |name: &str, default: Rule| {
        param(name)
            .and_then(|text| parse_rule(&text))
            .unwrap_or(default)
    };
    Thresholds {
        brute_force: rule("bf", defaults.brute_force),
        spray: rule("spray", defaults.spray),
        failures_then_success: rule("fts", defaults.failures_then_success),
        denied_burst: rule("denied", defaults.denied_burst),
        new_ip_history: param("newip")
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(defaults.new_ip_history),
        new_ip_internal: param("newip_internal").as_deref() == Some("1"),
        silence: param("silent")
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(defaults.silence),
    }
}

fn thresholds_to(thresholds: &Thresholds, parts: &mut Vec<String>) {
    let defaults = Thresholds::default();
    for (name, rule, default) in [
        ("bf", thresholds.brute_force, defaults.brute_force),
        ("spray", thresholds.spray, defaults.spray),
        (
            "fts",
            thresholds.failures_then_success,
            defaults.failures_then_success,
        ),
        ("denied", thresholds.denied_burst, defaults.denied_burst),
    ] {
        if rule != default {
            parts.push(format!("{name}={}%2F{}", rule.count, rule.minutes));
        }
    }
    if thresholds.new_ip_history != defaults.new_ip_history {
        parts.push(format!("newip={}", thresholds.new_ip_history));
    }
    if thresholds.new_ip_internal {
        parts.push("newip_internal=1".into());
    }
    if thresholds.silence != defaults.silence {
        parts.push(format!("silent={}", thresholds.silence));
    }
}

impl DashboardView {
    /// Reads the view from URL parameters (`param` looks one up, decoded).
    /// A range that cannot be read is an error naming what to fix; the rest
    /// falls back to defaults.
    pub fn from_params(param: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let range = match (param("from"), param("to")) {
            (Some(from), Some(to)) => {
                let start = parse_iso(&from)
                    .map_err(|problem| format!("The link's start time: {problem}"))?;
                let end =
                    parse_iso(&to).map_err(|problem| format!("The link's end time: {problem}"))?;
                TimeWindow::new(start, end)?;
                TimeRange::Absolute { start, end }
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(
                    "The link has only one end of its time range; give both `from` and `to`."
                        .into(),
                )
            }
            (None, None) => TimeRange::Preset(
                param("range")
                    .and_then(|value| RangePreset::from_query(&value))
                    .unwrap_or(RangePreset::Day),
            ),
        };
        Ok(Self {
            range,
            sources: SourceFilter::from_query(param("sources").as_deref()),
            query: param("q").unwrap_or_default(),
            zone: if param("tz").as_deref() == Some("utc") {
                DisplayZone::Utc
            } else {
                DisplayZone::Local
            },
            thresholds: thresholds_from(&param),
            flag: param("flag").filter(|key| !key.is_empty()),
            focus: param("show").and_then(|text| Focus::from_query(&text)),
            cap: param("cap")
                .and_then(|text| text.trim().parse().ok())
                .filter(|cap| CAP_RANGE.contains(cap))
                .unwrap_or(DEFAULT_CAP),
            who: param("who")
                .map(|who| who.trim().to_owned())
                .filter(|who| !who.is_empty()),
            alias: param("alias")
                .map(|alias| alias.trim().to_owned())
                .filter(|alias| !alias.is_empty()),
            idle_minutes: param("idle")
                .and_then(|text| parse_idle_minutes(&text).ok())
                .unwrap_or(DEFAULT_IDLE_MINUTES),
            private: param("private").is_some_and(|on| on == "1"),
            // Columns a link names wrongly fall back to the usual ones.
            columns: param("cols").and_then(|text| parse_columns(&text).ok()),
            // An interval a link gives wrongly keeps the view live at the usual one.
            live: param("live")
                .map(|text| parse_live_seconds(&text).unwrap_or(DEFAULT_LIVE_SECONDS)),
            // A rule a link writes wrongly falls back to the usual one.
            routes: param("routes")
                .and_then(|text| RouteRule::from_query(&text).ok())
                .unwrap_or_default(),
            funnel: param("funnel")
                .and_then(|steps| Funnel::from_query(&steps, param("within").as_deref()).ok()),
            // A split a link writes wrongly is no split.
            split: param("split").and_then(|text| Segment::from_query(&text).ok()),
            // A lookback a link writes wrongly falls back to the usual one.
            retention: param("retention").map(|text| Lookback::parse(&text).unwrap_or_default()),
            people: param("people")
                .map(|text| {
                    text.split(',')
                        .map(|person| person.trim().to_owned())
                        .filter(|person| !person.is_empty())
                        .collect::<Vec<_>>()
                })
                .filter(|people| !people.is_empty()),
        })
    }

    /// The dashboard URL of this view; values are percent-encoded.
    pub fn to_url(&self) -> String {
        let mut parts = Vec::new();
        match self.range {
            TimeRange::Preset(preset) => parts.push(format!("range={}", preset.as_query())),
            TimeRange::Absolute { start, end } => {
                parts.push(format!("from={}", percent_encode(&format_iso(start))));
                parts.push(format!("to={}", percent_encode(&format_iso(end))));
            }
        }
        if let Some(sources) = self.sources.as_query() {
            parts.push(format!("sources={sources}"));
        }
        if !self.query.is_empty() {
            parts.push(format!("q={}", percent_encode(&self.query)));
        }
        if self.zone == DisplayZone::Utc {
            parts.push("tz=utc".into());
        }
        thresholds_to(&self.thresholds, &mut parts);
        if let Some(flag) = &self.flag {
            parts.push(format!("flag={}", percent_encode(flag)));
        }
        if let Some(focus) = self.focus {
            parts.push(format!("show={}", focus.as_query()));
        }
        if self.cap != DEFAULT_CAP {
            parts.push(format!("cap={}", self.cap));
        }
        if let Some(who) = &self.who {
            parts.push(format!("who={}", percent_encode(who)));
        }
        if let Some(alias) = &self.alias {
            parts.push(format!("alias={}", percent_encode(alias)));
        }
        if self.idle_minutes != DEFAULT_IDLE_MINUTES {
            parts.push(format!("idle={}", self.idle_minutes));
        }
        if self.private {
            parts.push("private=1".into());
        }
        if let Some(columns) = &self.columns {
            parts.push(format!("cols={}", percent_encode(&print_columns(columns))));
        }
        if let Some(seconds) = self.live {
            parts.push(format!("live={seconds}"));
        }
        if self.routes != RouteRule::default() {
            parts.push(format!(
                "routes={}",
                percent_encode(&self.routes.to_query())
            ));
        }
        if let Some(funnel) = &self.funnel {
            parts.push(format!("funnel={}", percent_encode(&funnel.steps_text())));
            parts.push(format!("within={}", funnel.within_text()));
        }
        if let Some(people) = &self.people {
            parts.push(format!("people={}", percent_encode(&people.join(","))));
        }
        if let Some(lookback) = self.retention {
            parts.push(format!("retention={lookback}"));
        }
        if let Some(split) = &self.split {
            parts.push(format!("split={}", percent_encode(&split.to_query())));
        }
        format!("/dashboard?{}", parts.join("&"))
    }
}

/// Reads a `datetime-local` input (`2026-11-21T09:30`, seconds optional) as
/// a wall-clock time in `zone`.
pub fn parse_local_input(
    text: &str,
    zone: &impl Zone,
    which: &str,
) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("Enter the {which} date and time."));
    }
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .ok_or_else(|| {
        format!("The {which} time `{text}` is not a date and time like 2026-11-21 09:30.")
    })
    .and_then(|naive| {
        zone.instant_of(naive).ok_or_else(|| {
            format!(
                "The {which} time `{text}` does not exist on this clock (it falls in a daylight-saving change); pick a time an hour later or earlier."
            )
        })
    })
}

/// The value of a `datetime-local` input showing `at` in `zone`.
pub fn local_input_value(at: DateTime<Utc>, zone: &impl Zone) -> String {
    zone.local(at).format("%Y-%m-%dT%H:%M").to_string()
}

#[cfg(test)]
mod tests;
