//! Protective state shared by every replica, in Redis (`--redis-url`):
//! revoked sessions, accounts whose sessions an administrator ended, login
//! attempts and each session's upstream slots.
//!
//! Each entry expires on its own (a revocation when the session would have
//! ended, attempts when they leave the window, a slot lease after the
//! upstream timeout), so nothing grows without bound and a replica that dies
//! holding a slot cannot keep it. Times come from Redis's own clock, so
//! replicas whose clocks differ still count one window.
//!
//! What happens when Redis cannot be reached (docs/security.md): logins and
//! logouts fail closed ([`SharedError`], answered 503); a session already
//! open keeps reading (its revocation check counts as "not revoked", and
//! its slots fall back to this process's own).

use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use sha2::{Digest, Sha256};

use crate::config::RedisConfig;

/// Redis did not answer, or answered an error.
#[derive(Debug, Clone)]
pub struct SharedError(pub String);

impl std::fmt::Display for SharedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<redis::RedisError> for SharedError {
    fn from(error: redis::RedisError) -> Self {
        SharedError(error.to_string())
    }
}

/// Every key the gateway writes starts with this.
const PREFIX: &str = "audit-gateway:";

/// Counts an attempt on every key, unless one of them is at its limit;
/// returns 0, or how many milliseconds until the oldest attempt on a full
/// key leaves the window. KEYS: one per counted thing; ARGV: window (ms),
/// one limit per key, then a unique member for this attempt.
const LOGIN_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local member = ARGV[#ARGV]
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= tonumber(ARGV[i + 1]) then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local left = tonumber(oldest[2]) + window - now
    if left > wait then wait = left end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
end
return 0
";

/// Takes one of a session's slots for `lease` milliseconds, if fewer than
/// the limit are held. KEYS[1]: the session's slots; ARGV: limit, lease
/// (ms), a unique member. Returns 1 when taken.
const SLOT_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0
";

/// Records the instant before which an account's logins are refused,
/// unless a later one is recorded. KEYS[1]: the account's key; ARGV: the
/// instant (ms), how long to keep it (s).
const END_ACCOUNT_SCRIPT: &str = r"
local held = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('TTL', KEYS[1])
local keep = tonumber(ARGV[2])
if ttl > keep then keep = ttl end
redis.call('SET', KEYS[1], math.max(held, tonumber(ARGV[1])), 'EX', keep)
return 0
";

/// The connection to Redis and the scripts run on it.
#[derive(Clone)]
pub struct Shared {
    connection: ConnectionManager,
    login: Script,
    slot: Script,
    end_account: Script,
    /// Where it is, for messages (without credentials).
    url: String,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("url", &self.url).finish()
    }
}

fn hashed(kind: &str, text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{PREFIX}{kind}:{hex}")
}

/// A unique member for one attempt or lease.
fn member() -> String {
    let mut bytes = [0u8; 12];
    // A repeated member would only merge two entries; no randomness is
    // not a reason to refuse a login.
    let _ = getrandom::getrandom(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Shared {
    /// Connects (each command then times out after a second, and the
    /// connection is re-made in the background when it drops).
    pub async fn connect(config: &RedisConfig) -> Result<Self, String> {
        let mut info: redis::ConnectionInfo =
            config
                .url
                .as_str()
                .parse()
                .map_err(|error: redis::RedisError| {
                    format!("--redis-url `{}` is not a Redis URL: {error}", config.url)
                })?;
        if config.password.is_some() {
            info.redis.password.clone_from(&config.password);
        }
        let client = redis::Client::open(info)
            .map_err(|error| format!("cannot use Redis at {}: {error}", config.url))?;
        let manager = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(1))
            .set_response_timeout(Duration::from_secs(1))
            .set_number_of_retries(2)
            .set_max_delay(500);
        let mut connection = ConnectionManager::new_with_config(client, manager)
            .await
            .map_err(|error| format!("cannot reach Redis at {}: {error}", config.url))?;
        let _: String = redis::cmd("PING")
            .query_async(&mut connection)
            .await
            .map_err(|error| format!("Redis at {} refused PING: {error}", config.url))?;
        Ok(Self {
            connection,
            login: Script::new(LOGIN_SCRIPT),
            slot: Script::new(SLOT_SCRIPT),
            end_account: Script::new(END_ACCOUNT_SCRIPT),
            url: config.url.clone(),
        })
    }

    /// Refuses session `sid` everywhere for the next `seconds`.
    pub async fn revoke(&self, sid: &str, seconds: u64) -> Result<(), SharedError> {
        let mut connection = self.connection.clone();
        let _: () = connection
            .set_ex(hashed("revoked", sid), 1, seconds.max(1))
            .await?;
        Ok(())
    }

    /// Refuses every session of account `key` logged in up to `before_ms`
    /// (Unix milliseconds), everywhere, for the next `seconds`. A later
    /// instant already recorded stays.
    pub async fn end_account(
        &self,
        key: &str,
        before_ms: i64,
        seconds: u64,
    ) -> Result<(), SharedError> {
        let mut connection = self.connection.clone();
        let _: () = self
            .end_account
            .key(hashed("account-ended", key))
            .arg(before_ms)
            .arg(seconds.max(1))
            .invoke_async(&mut connection)
            .await?;
        Ok(())
    }

    /// Whether session `sid`, logged in as `accounts` at `issued_ms`, was
    /// logged out or had its account's sessions ended, on any replica: one
    /// round trip.
    pub async fn is_refused(
        &self,
        sid: &str,
        accounts: &[String],
        issued_ms: i64,
    ) -> Result<bool, SharedError> {
        let keys: Vec<String> = std::iter::once(hashed("revoked", sid))
            .chain(accounts.iter().map(|key| hashed("account-ended", key)))
            .collect();
        let mut connection = self.connection.clone();
        let found: Vec<Option<i64>> = connection.mget(&keys).await?;
        let revoked = found.first().is_some_and(Option::is_some);
        let ended = found
            .iter()
            .skip(1)
            .any(|before_ms| before_ms.is_some_and(|before_ms| issued_ms <= before_ms));
        Ok(revoked || ended)
    }

    /// Counts a login attempt against each `(what, limit)` over `window`,
    /// or says how long to wait when one is at its limit.
    pub async fn count_login(
        &self,
        counted: &[(String, usize)],
        window: Duration,
    ) -> Result<Result<(), Duration>, SharedError> {
        let mut invocation = self.login.prepare_invoke();
        invocation.arg(u64::try_from(window.as_millis()).unwrap_or(u64::MAX));
        for (what, limit) in counted {
            invocation.key(hashed("logins", what)).arg(*limit);
        }
        invocation.arg(member());
        let mut connection = self.connection.clone();
        let wait_ms: u64 = invocation.invoke_async(&mut connection).await?;
        Ok(if wait_ms == 0 {
            Ok(())
        } else {
            Err(Duration::from_millis(wait_ms).max(Duration::from_secs(1)))
        })
    }

    /// Waits up to `wait` for one of session `sid`'s `limit` slots, leased
    /// for `lease`; `Ok(None)` when none came free in time.
    pub async fn take_slot(
        &self,
        sid: &str,
        limit: usize,
        lease: Duration,
        wait: Duration,
    ) -> Result<Option<Lease>, SharedError> {
        let key = hashed("slots", sid);
        let member = member();
        let deadline = tokio::time::Instant::now() + wait;
        let mut pause = Duration::from_millis(5);
        loop {
            let mut connection = self.connection.clone();
            let taken: i64 = self
                .slot
                .key(&key)
                .arg(limit)
                .arg(u64::try_from(lease.as_millis()).unwrap_or(u64::MAX))
                .arg(&member)
                .invoke_async(&mut connection)
                .await?;
            if taken == 1 {
                return Ok(Some(Lease {
                    connection,
                    key,
                    member,
                }));
            }
            if tokio::time::Instant::now() + pause > deadline {
                return Ok(None);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

/// A slot held in Redis; given back when dropped (and, should that fail,
/// when its lease runs out).
pub struct Lease {
    connection: ConnectionManager,
    key: String,
    member: String,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lease")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut connection = self.connection.clone();
        let key = std::mem::take(&mut self.key);
        let member = std::mem::take(&mut self.member);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _: Result<i64, _> = connection.zrem(key, member).await;
            });
        }
    }
}
