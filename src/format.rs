//! How times and numbers are shown. Every time carries its UTC offset.

use audit_core::calendar::Zone;
use chrono::{DateTime, Utc};

/// `2026-11-22 09:15:03 +01:00`: the time in `zone` with the offset it had
/// at that instant (a summer time keeps its summer offset in winter).
pub fn format_time(at: DateTime<Utc>, zone: &impl Zone) -> String {
    at.with_timezone(&zone.offset_at(at))
        .format("%Y-%m-%d %H:%M:%S %:z")
        .to_string()
}

/// `from 2026-11-21 09:00:00 +01:00 to 2026-11-22 09:00:00 +01:00`.
pub fn format_window(window: &audit_core::TimeWindow, zone: &impl Zone) -> String {
    format!(
        "from {} to {}",
        format_time(window.start(), zone),
        format_time(window.end(), zone)
    )
}

/// `12,345`.
pub fn format_count(count: u64) -> String {
    let digits = count.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// `30 minutes`, `1 hour`, `3 hours`, `1 day`.
pub fn format_duration(duration: chrono::Duration) -> String {
    if duration < chrono::Duration::minutes(1) {
        let seconds = duration.num_seconds().max(0);
        return if seconds == 1 {
            "1 second".to_owned()
        } else {
            format!("{seconds} seconds")
        };
    }
    let minutes = duration.num_minutes();
    let (value, unit) = if minutes % 1440 == 0 && minutes >= 1440 {
        (minutes / 1440, "day")
    } else if minutes % 60 == 0 && minutes >= 60 {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    if value == 1 {
        format!("1 {unit}")
    } else {
        format!("{value} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use audit_core::time::parse_iso;

    #[test]
    fn times_carry_their_offset() {
        let at = parse_iso("2026-11-22T08:15:03Z").unwrap();
        let plus_one = chrono::FixedOffset::east_opt(3600).unwrap();
        assert_eq!(format_time(at, &plus_one), "2026-11-22 09:15:03 +01:00");
        assert_eq!(format_time(at, &Utc), "2026-11-22 08:15:03 +00:00");
        let window = audit_core::TimeWindow::ending_at(at, chrono::Duration::hours(1));
        assert_eq!(
            format_window(&window, &plus_one),
            "from 2026-11-22 08:15:03 +01:00 to 2026-11-22 09:15:03 +01:00"
        );
    }

    #[test]
    fn counts_and_durations() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1000), "1,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
        assert_eq!(format_duration(chrono::Duration::minutes(30)), "30 minutes");
        assert_eq!(format_duration(chrono::Duration::minutes(60)), "1 hour");
        assert_eq!(format_duration(chrono::Duration::hours(3)), "3 hours");
        assert_eq!(format_duration(chrono::Duration::days(1)), "1 day");
        assert_eq!(format_duration(chrono::Duration::seconds(42)), "42 seconds");
    }
}
