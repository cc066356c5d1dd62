//! Time as the project handles it: instants are UTC, windows are half-open
//! `[start, end)`, and upstream timestamps are decoded tolerantly.

use chrono::{DateTime, Duration, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde_json::Value;

use crate::wire::{kind_of, WireError};

/// A half-open time window `[start, end)` with `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl TimeWindow {
    /// Builds a window, refusing an empty or reversed one with a message a
    /// person can act on.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, String> {
        if start >= end {
            return Err(format!(
                "the time range is empty or reversed: it starts at {} and ends at {}; pick a start before the end",
                format_iso(start),
                format_iso(end)
            ));
        }
        Ok(Self { start, end })
    }

    /// The window of `length` ending at `end` (the usual "last 24 hours").
    pub fn ending_at(end: DateTime<Utc>, length: Duration) -> Self {
        let length = length.max(Duration::milliseconds(1));
        Self {
            start: end - length,
            end,
        }
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    pub fn length(&self) -> Duration {
        self.end - self.start
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

/// Formats an instant as ISO 8601 with millisecond precision and an explicit
/// `Z` offset, the form sent to both APIs.
pub fn format_iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses an ISO 8601 instant. With an offset it is honoured; without one the
/// time is taken as UTC (the project's documented assumption).
pub fn parse_iso(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Some(at) = utc_millis(text) {
        return Ok(at);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(Utc.from_utc_datetime(&naive));
        }
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        if let Some(midnight) = date.and_hms_opt(0, 0, 0) {
            return Ok(Utc.from_utc_datetime(&midnight));
        }
    }
    Err(format!(
        "`{text}` is not an ISO 8601 time; write it like 2026-11-22T09:30:00Z"
    ))
}

/// `text` read as `2026-11-20T16:00:00.000Z` exactly, the form
/// [`format_iso`] writes and upstreams send on every record: read digit by
/// digit, without the general parser's work (the same instant it gives).
/// Anything else, a leap second included, is `None`.
fn utc_millis(text: &str) -> Option<DateTime<Utc>> {
    let bytes: &[u8; 24] = text.as_bytes().try_into().ok()?;
    let separators = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ];
    if separators.iter().any(|&(at, byte)| bytes[at] != byte) {
        return None;
    }
    let number = |from: usize, to: usize| {
        bytes[from..to].iter().try_fold(0u32, |value, byte| {
            byte.is_ascii_digit()
                .then(|| value * 10 + u32::from(byte - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(number(0, 4)?).ok()?,
        number(5, 7)?,
        number(8, 10)?,
    )?;
    let time = date.and_hms_milli_opt(
        number(11, 13)?,
        number(14, 16)?,
        number(17, 19)?,
        number(20, 23)?,
    )?;
    Some(Utc.from_utc_datetime(&time))
}

/// [`parse_timestamp`] of a timestamp written as a JSON string whose text
/// is `text`: epoch milliseconds when it is all digits, ISO 8601 otherwise.
pub fn parse_timestamp_text(text: &str) -> Result<DateTime<Utc>, WireError> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<i64>()
            .ok()
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
            .ok_or_else(|| WireError::new(format!("timestamp {text} is out of range")));
    }
    parse_iso(text).map_err(WireError::new)
}

/// Decodes an upstream timestamp: an ISO 8601 string (with or without
/// offset), epoch milliseconds as a number, or epoch milliseconds as a string
/// of digits.
pub fn parse_timestamp(value: &Value) -> Result<DateTime<Utc>, WireError> {
    match value {
        Value::Number(number) => number
            .as_i64()
            .or_else(|| number.as_f64().map(|ms| ms as i64))
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
            .ok_or_else(|| WireError::new(format!("timestamp {number} is out of range"))),
        Value::String(text) => parse_timestamp_text(text),
        other => Err(WireError::new(format!(
            "expected a timestamp (ISO 8601 text or epoch milliseconds), found {}",
            kind_of(other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_form_reads_as_the_general_parser_reads_it() {
        // Every day of a leap year and of the years around, at times
        // through each field's range, and texts that look alike but are
        // not that form (or are no time at all).
        let mut texts = Vec::new();
        for (year, month, day) in [(2024, 2, 29), (2023, 2, 29), (2026, 11, 30), (2026, 11, 31)] {
            for (hour, minute, second, millis) in [
                (0, 0, 0, 0),
                (23, 59, 59, 999),
                (12, 30, 60, 0),
                (24, 0, 0, 0),
                (9, 5, 7, 42),
            ] {
                texts.push(format!(
                    "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z"
                ));
            }
        }
        for month in 0..=13 {
            texts.push(format!("2026-{month:02}-15T10:00:00.000Z"));
        }
        texts.extend(
            [
                "2026-11-20T16:00:00.000z",
                "2026-11-20 16:00:00.000Z",
                "2026-11-20T16:00:00,000Z",
                "2026-11-2OT16:00:00.000Z",
                "+026-11-20T16:00:00.000Z",
                "2026-11-20T16:00:00.00Z",
                "2026-11-20T16:00:00Z",
            ]
            .map(str::to_owned),
        );
        let mut read = 0;
        for text in &texts {
            let general = DateTime::parse_from_rfc3339(text).map(|at| at.with_timezone(&Utc));
            // Anything else is left to the general parser, as ever.
            if let Some(at) = utc_millis(text) {
                read += 1;
                assert_eq!(Ok(at), general, "{text}");
                assert_eq!(format_iso(at), *text);
            }
        }
        // Three times of day are real on each real date (not 24:00 or a
        // leap second): two such dates, and twelve real months.
        assert_eq!(read, 3 + 3 + 12, "of {}", texts.len());
    }
    use serde_json::json;

    fn check(value: Value, expected: &str) {
        let at = parse_timestamp(&value).expect("timestamp should parse");
        assert_eq!(format_iso(at), expected, "for {value}");
    }

    #[test]
    fn timestamps_in_every_documented_form() {
        check(json!("2026-11-21T10:15:30Z"), "2026-11-21T10:15:30.000Z");
        check(
            json!("2026-11-21T10:15:30.250+02:00"),
            "2026-11-21T08:15:30.250Z",
        );
        check(json!("2026-11-21T10:15:30"), "2026-11-21T10:15:30.000Z");
        check(json!("2026-11-21T10:15:30.5"), "2026-11-21T10:15:30.500Z");
        check(json!(1_763_720_130_000_i64), "2025-11-21T10:15:30.000Z");
        check(json!("1763720130000"), "2025-11-21T10:15:30.000Z");
    }

    #[test]
    fn malformed_timestamps_say_what_was_wrong() {
        let error = parse_timestamp(&json!("yesterday")).unwrap_err();
        assert!(
            error
                .message
                .contains("`yesterday` is not an ISO 8601 time"),
            "{error}"
        );
        let error = parse_timestamp(&json!(true)).unwrap_err();
        assert!(error.message.contains("found a boolean"), "{error}");
        let error = parse_timestamp(&json!("2026-13-45T99:00:00Z")).unwrap_err();
        assert!(error.message.contains("not an ISO 8601 time"), "{error}");
    }

    #[test]
    fn reversed_window_is_refused_with_both_ends_named() {
        let end = parse_iso("2026-11-21T00:00:00Z").unwrap();
        let start = parse_iso("2026-11-22T00:00:00Z").unwrap();
        let error = TimeWindow::new(start, end).unwrap_err();
        assert!(error.contains("empty or reversed"), "{error}");
        assert!(error.contains("2026-11-22T00:00:00.000Z"), "{error}");
        assert!(TimeWindow::new(end, start).is_ok());
    }

    #[test]
    fn window_is_half_open() {
        let end = parse_iso("2026-11-22T00:00:00Z").unwrap();
        let window = TimeWindow::ending_at(end, Duration::hours(24));
        assert!(window.contains(window.start()));
        assert!(!window.contains(window.end()));
        assert_eq!(window.length(), Duration::hours(24));
    }
}
