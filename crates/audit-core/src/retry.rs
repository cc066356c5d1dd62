//! When to try a failed read again, and after how long.
//!
//! Only idempotent reads (a page of events or audits) are retried, and only
//! after failures that another try can mend: the upstream or the gateway
//! could not be reached, timed out, failed (5xx), was busy (429/503), or
//! answered something that is not JSON (a proxy's maintenance page, an answer
//! cut short). A refusal (400), a session that needs a new login (401) or a
//! cancelled request is never retried.
//!
//! Waits grow exponentially with "equal jitter" (half fixed, half random),
//! so many clients failing together do not come back together; a server's
//! `Retry-After` is honoured when it is longer, and a server asking for more
//! than [`RetryPolicy::longest_wait`] ends the retrying, so the person is
//! told instead of left waiting.

use std::time::Duration;

/// The gateway's error codes that another try can mend.
const TRANSIENT_CODES: &[&str] = &[
    "upstream_unreachable",
    "upstream_timeout",
    "upstream_error",
    "upstream_busy",
    "upstream_malformed",
    "session_busy",
    "network",
    "gateway_error",
];

/// Whether a failed read with this status and error code is worth another
/// try (status 0: no answer arrived).
pub fn is_transient(status: u16, code: &str) -> bool {
    if status == 400 || status == 401 || status == 403 || status == 404 {
        return false;
    }
    TRANSIENT_CODES.contains(&code) || status == 429 || status >= 500
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// The wait before the second try (before jitter).
    pub first_wait: Duration,
    /// No computed wait is longer than this.
    pub max_wait: Duration,
    /// A `Retry-After` longer than this ends the retrying.
    pub longest_wait: Duration,
}

impl Default for RetryPolicy {
    /// Four tries, waiting about 0.5, 1 and 2 seconds between them.
    fn default() -> Self {
        Self {
            attempts: 4,
            first_wait: Duration::from_millis(500),
            max_wait: Duration::from_secs(8),
            longest_wait: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// How long to wait before the next try, after `tries` tries (at least
    /// one) the last of which failed transiently, or `None` to give up.
    /// `jitter` is a random number in `[0, 1)`; `retry_after` is the
    /// server's `Retry-After`, if it gave one.
    pub fn wait_before_next(
        &self,
        tries: u32,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Option<Duration> {
        if tries == 0 || tries >= self.attempts {
            return None;
        }
        if retry_after.is_some_and(|asked| asked > self.longest_wait) {
            return None;
        }
        let doubling = 2u32.saturating_pow(tries - 1);
        let full = self.first_wait.saturating_mul(doubling).min(self.max_wait);
        let jitter = jitter.clamp(0.0, 1.0);
        let wait = full / 2 + full.mul_f64(jitter / 2.0);
        Some(retry_after.map_or(wait, |asked| asked.max(wait)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failures_another_try_can_mend_are_retried() {
        for (status, code) in [
            (502, "upstream_unreachable"),
            (504, "upstream_timeout"),
            (502, "upstream_error"),
            (503, "upstream_busy"),
            (502, "upstream_malformed"),
            (429, "session_busy"),
            (0, "network"),
            (500, "gateway_error"),
        ] {
            assert!(is_transient(status, code), "{status} {code}");
        }
        for (status, code) in [
            (401, "session_expired"),
            (401, "upstream_unauthorized"),
            (400, "upstream_rejected"),
            (400, "bad_request"),
            (0, "aborted"),
            (0, "malformed"),
            (404, "not_found"),
            (409, "not_connected"),
        ] {
            assert!(!is_transient(status, code), "{status} {code}");
        }
    }

    #[test]
    fn waits_double_with_equal_jitter_up_to_the_last_try() {
        let policy = RetryPolicy::default();
        let ms = |tries, jitter| {
            policy
                .wait_before_next(tries, None, jitter)
                .map(|wait| wait.as_millis())
        };
        assert_eq!(ms(1, 0.0), Some(250));
        assert_eq!(ms(1, 0.999_999), Some(499));
        assert_eq!(ms(2, 0.0), Some(500));
        assert_eq!(ms(3, 0.5), Some(1500));
        assert_eq!(ms(4, 0.5), None, "four tries in all");
        assert_eq!(ms(0, 0.5), None);
        let long = RetryPolicy {
            attempts: 10,
            ..policy
        };
        assert_eq!(
            long.wait_before_next(9, None, 1.0),
            Some(Duration::from_secs(8)),
            "capped"
        );
    }

    #[test]
    fn retry_after_is_honoured_when_longer_and_too_long_ends_the_retrying() {
        let policy = RetryPolicy::default();
        let asked = |secs| Some(Duration::from_secs(secs));
        assert_eq!(
            policy.wait_before_next(1, asked(3), 0.0),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            policy.wait_before_next(3, asked(0), 1.0),
            Some(Duration::from_secs(2)),
            "a shorter Retry-After does not shorten the backoff"
        );
        assert_eq!(policy.wait_before_next(1, asked(31), 0.0), None);
        assert_eq!(
            policy.wait_before_next(1, asked(30), 0.0),
            Some(Duration::from_secs(30))
        );
    }
}
