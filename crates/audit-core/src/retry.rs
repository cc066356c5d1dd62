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

use crate::contract::ErrorCode;

/// Why a call to the gateway failed, as the client sees it: the gateway's
/// own [`ErrorCode`], or one of the failures that happen on this side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The gateway answered with an [`crate::contract::ErrorBody`].
    Gateway(ErrorCode),
    /// No answer arrived (connection refused, reset, DNS).
    Network,
    /// The gateway answered an error status without an error body (a
    /// proxy's maintenance page, an answer cut short).
    Unexplained,
    /// A success answer that cannot be decoded.
    Malformed,
    /// The request could not be built (nothing was sent).
    Request,
    /// The person cancelled the load.
    Aborted,
}

impl Failure {
    /// A short machine-readable name: the gateway's code, or `network`,
    /// `gateway_error`, `malformed`, `bad_request`, `aborted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Failure::Gateway(code) => code.as_str(),
            Failure::Network => "network",
            Failure::Unexplained => "gateway_error",
            Failure::Malformed => "malformed",
            Failure::Request => "bad_request",
            Failure::Aborted => "aborted",
        }
    }

    /// Whether a failed read that ended in this, with this HTTP status (0:
    /// no answer), is worth another try.
    pub fn is_transient(self, status: u16) -> bool {
        if matches!(status, 400 | 401 | 403 | 404) {
            return false;
        }
        let by_kind = match self {
            Failure::Gateway(code) => code.is_transient(),
            Failure::Network | Failure::Unexplained => true,
            Failure::Malformed | Failure::Request | Failure::Aborted => false,
        };
        by_kind || status == 429 || status >= 500
    }
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
        use ErrorCode::*;
        for (status, failure) in [
            (502, Failure::Gateway(UpstreamUnreachable)),
            (504, Failure::Gateway(UpstreamTimeout)),
            (502, Failure::Gateway(UpstreamError)),
            (503, Failure::Gateway(UpstreamBusy)),
            (502, Failure::Gateway(UpstreamMalformed)),
            (429, Failure::Gateway(SessionBusy)),
            (503, Failure::Gateway(Unknown)),
            (0, Failure::Network),
            (500, Failure::Unexplained),
        ] {
            assert!(failure.is_transient(status), "{status} {failure:?}");
        }
        for (status, failure) in [
            (401, Failure::Gateway(SessionExpired)),
            (401, Failure::Gateway(UpstreamUnauthorized)),
            (400, Failure::Gateway(UpstreamRejected)),
            (400, Failure::Gateway(BadRequest)),
            (404, Failure::Gateway(NotFound)),
            (409, Failure::Gateway(NotConnected)),
            (409, Failure::Gateway(Unknown)),
            (404, Failure::Unexplained),
            (0, Failure::Aborted),
            (0, Failure::Malformed),
            (0, Failure::Request),
        ] {
            assert!(!failure.is_transient(status), "{status} {failure:?}");
        }
    }

    #[test]
    fn every_transient_gateway_code_is_retried_at_its_own_status() {
        for code in ErrorCode::ALL
            .into_iter()
            .filter(|code| code.is_transient())
        {
            let status = if code == ErrorCode::SessionBusy {
                429
            } else {
                502
            };
            assert!(Failure::Gateway(code).is_transient(status), "{code}");
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
