//! Session tokens: the gateway's sealed sessions, and the keys that seal them.
//!
//! A token is `base64url(nonce || ChaCha20-Poly1305(claims))` under a key
//! only gateways hold ([`SessionKeys`]: one current key that seals, and
//! previous ones that still open tokens sealed before a rotation). The
//! claims carry the session's id, its two limits (an idle deadline that each
//! renewal moves, and an absolute end that nothing moves) and each connected
//! source's upstream session: the Octopai access token, and the Cloudera
//! Manager session cookie the password was traded for at login. No password
//! is sealed unless the operator allows it for an upstream that gives no
//! session ([`ClouderaCredential::Password`]).

use std::path::Path;
use std::sync::{Arc, RwLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};

/// What a session token carries.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The session's id: every token renewed from one login shares it, and
    /// logging out revokes it.
    pub sid: String,
    /// The absolute end, Unix seconds; renewal never moves it.
    pub exp: i64,
    /// The idle deadline, Unix seconds: a request after it is refused; each
    /// renewal moves it (never past [`SessionClaims::exp`]).
    pub idle: i64,
    /// When the session's login was, Unix milliseconds (renewal keeps it):
    /// an administrator ending an account's sessions ends those logged in
    /// before then. A token from before this field reads 0: ended by any.
    #[serde(default)]
    pub issued_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub octopai: Option<OctopaiSession>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudera: Option<ClouderaSession>,
}

impl SessionClaims {
    /// When the token stops working unless renewed: the idle deadline or
    /// the absolute end, whichever comes first.
    pub fn ends(&self) -> i64 {
        self.idle.min(self.exp)
    }

    /// The same session with its idle deadline moved to `now + idle_secs`,
    /// capped at the absolute end.
    pub fn renewed(&self, now: i64, idle_secs: i64) -> SessionClaims {
        SessionClaims {
            idle: (now + idle_secs).min(self.exp),
            ..self.clone()
        }
    }
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OctopaiSession {
    pub access_token: String,
    pub user_name: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClouderaSession {
    pub username: String,
    pub credential: ClouderaCredential,
}

/// How the gateway authenticates to Cloudera Manager for a session.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClouderaCredential {
    /// The `CLOUDERA_MANAGER_SESSIONID` the password was traded for at login
    /// (the password itself was forgotten at once).
    Cookie { session_id: String },
    /// The password itself, only with `--seal-cloudera-password` and only
    /// when the upstream gave no session cookie.
    Password { password: String },
}

impl std::fmt::Debug for SessionClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionClaims")
            .field("sid", &self.sid)
            .field("exp", &self.exp)
            .field("idle", &self.idle)
            .field("octopai", &self.octopai.as_ref().map(|o| &o.user_name))
            .field("cloudera", &self.cloudera.as_ref().map(|c| &c.username))
            .finish()
    }
}

/// A fresh session id: 128 random bits, hex.
pub fn new_session_id() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|error| format!("no randomness for a session id: {error}"))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Invalid,
    Expired,
}

/// Seals and opens session tokens with one key.
#[derive(Clone)]
pub struct SessionKey {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(<redacted>)")
    }
}

impl SessionKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(bytes)),
        }
    }

    /// A fresh random key (sessions then end when the gateway restarts).
    pub fn random() -> Result<Self, String> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes)
            .map_err(|error| format!("no randomness for the session key: {error}"))?;
        Ok(Self::from_bytes(&bytes))
    }

    /// A key given as 64 hex digits or base64 of 32 bytes. A key whose bytes
    /// are all the same (a placeholder, not a secret) is refused.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| "the session key is not valid hex".to_owned())?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| {
                    "a session key must be 64 hex digits or base64 of 32 bytes".to_owned()
                })?
        };
        let length = bytes.len();
        let array: [u8; 32] = bytes.try_into().map_err(|_| {
            format!("a session key must be exactly 32 bytes (this one is {length}); make one with `openssl rand -hex 32`")
        })?;
        if array.iter().all(|byte| *byte == array[0]) {
            return Err("the session key is one byte repeated, a placeholder rather than a secret; make one with `openssl rand -hex 32`".into());
        }
        Ok(Self::from_bytes(&array))
    }

    pub fn seal(&self, claims: &SessionClaims) -> Result<String, String> {
        let mut nonce = [0u8; 12];
        getrandom::getrandom(&mut nonce)
            .map_err(|error| format!("no randomness for a nonce: {error}"))?;
        let plain = serde_json::to_vec(claims).map_err(|error| error.to_string())?;
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_slice())
            .map_err(|_| "sealing the session failed".to_owned())?;
        let mut token = nonce.to_vec();
        token.extend(sealed);
        Ok(URL_SAFE_NO_PAD.encode(token))
    }

    /// Opens a token and checks both its limits against `now` (Unix seconds).
    pub fn open(&self, token: &str, now: i64) -> Result<SessionClaims, TokenError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| TokenError::Invalid)?;
        if bytes.len() < 12 + 16 {
            return Err(TokenError::Invalid);
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| TokenError::Invalid)?;
        let claims: SessionClaims =
            serde_json::from_slice(&plain).map_err(|_| TokenError::Invalid)?;
        if claims.ends() <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

/// The keys a gateway holds: the current one seals every new token; the
/// previous ones only open tokens sealed before the last rotation, until
/// those expire. Clones share the keys, so a reload of the key file
/// ([`SessionKeys::reload`]) reaches every handler at once.
#[derive(Debug, Clone)]
pub struct SessionKeys {
    ring: Arc<RwLock<Ring>>,
}

#[derive(Debug, Clone)]
struct Ring {
    current: SessionKey,
    previous: Vec<SessionKey>,
}

impl SessionKeys {
    fn of(current: SessionKey, previous: Vec<SessionKey>) -> Self {
        Self {
            ring: Arc::new(RwLock::new(Ring { current, previous })),
        }
    }

    fn ring(&self) -> std::sync::RwLockReadGuard<'_, Ring> {
        self.ring
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Just one key.
    pub fn single(key: SessionKey) -> Self {
        Self::of(key, Vec::new())
    }

    /// A current key and the previous ones, newest first.
    pub fn with_previous(current: SessionKey, previous: Vec<SessionKey>) -> Self {
        Self::of(current, previous)
    }

    /// How many previous keys still open tokens.
    pub fn previous_count(&self) -> usize {
        self.ring().previous.len()
    }

    /// Reads a key file: one key per line (64 hex digits or base64 of 32
    /// bytes), the first the current key and any after it previous ones;
    /// blank lines and lines starting with `#` are skipped.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            format!(
                "cannot read the session key file {}: {error}",
                path.display()
            )
        })?;
        Self::parse_file(&text).map_err(|problem| format!("{}: {problem}", path.display()))
    }

    /// The same, from the file's text.
    pub fn parse_file(text: &str) -> Result<Self, String> {
        let mut keys = Vec::new();
        let mut seen = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let key = SessionKey::parse(line)
                .map_err(|problem| format!("line {}: {problem}", number + 1))?;
            if seen.contains(&line) {
                return Err(format!("line {}: this key is already listed", number + 1));
            }
            seen.push(line);
            keys.push(key);
        }
        let mut keys = keys.into_iter();
        let current = keys
            .next()
            .ok_or("the session key file holds no key; put one per line, the current key first (make one with `openssl rand -hex 32`)")?;
        Ok(Self::of(current, keys.collect()))
    }

    /// Reads the key file at `path` again and, if it is good, holds its
    /// keys from now on (every clone of these keys with them); if not,
    /// keeps the keys held and says why. The number of previous keys on
    /// success.
    pub fn reload(&self, path: &Path) -> Result<usize, String> {
        let read = Self::from_file(path)?;
        let ring = read.ring().clone();
        let previous = ring.previous.len();
        *self
            .ring
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = ring;
        Ok(previous)
    }

    /// Reloads the keys from `path` ([`SessionKeys::reload`]) each time the
    /// process gets `SIGHUP`, logging what happened: a rotation without a
    /// restart.
    pub fn reload_on_hangup(&self, path: std::path::PathBuf) -> Result<(), String> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hangups = signal(SignalKind::hangup())
            .map_err(|error| format!("cannot listen for SIGHUP: {error}"))?;
        let keys = self.clone();
        tokio::spawn(async move {
            while hangups.recv().await.is_some() {
                match keys.reload(&path) {
                    Ok(previous) => tracing::info!(
                        previous,
                        "session keys reloaded on SIGHUP: the first line seals from now on"
                    ),
                    Err(error) => tracing::error!(
                        %error,
                        "session keys not reloaded on SIGHUP; the keys held before stay"
                    ),
                }
            }
        });
        Ok(())
    }

    /// Seals with the current key.
    pub fn seal(&self, claims: &SessionClaims) -> Result<String, String> {
        self.ring().current.seal(claims)
    }

    /// Opens with whichever key sealed the token.
    pub fn open(&self, token: &str, now: i64) -> Result<SessionClaims, TokenError> {
        let ring = self.ring();
        std::iter::once(&ring.current)
            .chain(&ring.previous)
            .map(|key| key.open(token, now))
            .find(|result| *result != Err(TokenError::Invalid))
            .unwrap_or(Err(TokenError::Invalid))
    }
}

/// The `exp` claim of a JWT, read without checking its signature: only to
/// end a session no later than the upstream token it holds.
pub fn jwt_expiry(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()?
        .get("exp")?
        .as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> SessionClaims {
        SessionClaims {
            sid: "0123456789abcdef0123456789abcdef".into(),
            exp,
            idle: exp,
            issued_ms: 0,
            octopai: None,
            cloudera: Some(ClouderaSession {
                username: "admin".into(),
                credential: ClouderaCredential::Password {
                    password: "s3cret-pass".into(),
                },
            }),
        }
    }

    fn key(byte: u8) -> SessionKey {
        let mut bytes = [byte; 32];
        bytes[0] = byte.wrapping_add(1);
        SessionKey::from_bytes(&bytes)
    }

    #[test]
    fn tokens_round_trip_expire_and_hide_their_contents() {
        let key = key(7);
        let token = key.seal(&claims(100)).unwrap();
        assert_eq!(key.open(&token, 99).unwrap(), claims(100));
        assert_eq!(key.open(&token, 100), Err(TokenError::Expired));
        assert!(!token.contains("admin") && !token.contains("s3cret"));
        let decoded = URL_SAFE_NO_PAD.decode(&token).unwrap();
        assert!(
            !String::from_utf8_lossy(&decoded).contains("s3cret"),
            "encrypted, not encoded"
        );
        assert!(
            !format!("{:?}", claims(1)).contains("s3cret"),
            "Debug redacts"
        );
    }

    #[test]
    fn the_idle_deadline_ends_a_token_first_and_renewal_never_passes_the_end() {
        let key = key(7);
        let mut session = claims(1_000);
        session.idle = 100;
        let token = key.seal(&session).unwrap();
        assert!(key.open(&token, 99).is_ok());
        assert_eq!(key.open(&token, 100), Err(TokenError::Expired));
        let renewed = session.renewed(90, 60);
        assert_eq!(
            (renewed.idle, renewed.exp, &renewed.sid),
            (150, 1_000, &session.sid)
        );
        assert_eq!(session.renewed(980, 60).idle, 1_000, "capped at the end");
    }

    #[test]
    fn tampered_foreign_and_garbage_tokens_are_invalid() {
        let key = key(7);
        let token = key.seal(&claims(100)).unwrap();
        assert_eq!(self::key(8).open(&token, 0), Err(TokenError::Invalid));
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(
            key.open(&URL_SAFE_NO_PAD.encode(bytes), 0),
            Err(TokenError::Invalid)
        );
        assert_eq!(key.open("not a token", 0), Err(TokenError::Invalid));
        assert_eq!(key.open("", 0), Err(TokenError::Invalid));
    }

    #[test]
    fn keys_parse_from_hex_or_base64_only_at_32_bytes_and_not_as_placeholders() {
        assert!(SessionKey::parse(&("ab".repeat(30) + "0101")).is_ok());
        let mut bytes = [1u8; 32];
        bytes[5] = 9;
        assert!(
            SessionKey::parse(&base64::engine::general_purpose::STANDARD.encode(bytes)).is_ok()
        );
        assert!(SessionKey::parse("short")
            .unwrap_err()
            .contains("64 hex digits"));
        assert!(
            SessionKey::parse(&base64::engine::general_purpose::STANDARD.encode([1u8; 16]))
                .unwrap_err()
                .contains("is 16")
        );
        assert!(SessionKey::parse(&"ab".repeat(32))
            .unwrap_err()
            .contains("placeholder"));
    }

    #[test]
    fn a_key_file_names_the_current_key_first_and_previous_ones_still_open() {
        let (old, new) = ("1f".repeat(31) + "aa", "2e".repeat(31) + "bb");
        let before = SessionKeys::parse_file(&format!("{old}\n")).unwrap();
        let token = before.seal(&claims(100)).unwrap();
        let after =
            SessionKeys::parse_file(&format!("# rotated on Tuesday\n{new}\n\n{old}\n")).unwrap();
        assert_eq!(after.previous_count(), 1);
        assert_eq!(
            after.open(&token, 50).unwrap(),
            claims(100),
            "old token still opens"
        );
        assert_eq!(
            after.open(&token, 100),
            Err(TokenError::Expired),
            "until it expires"
        );
        let fresh = after.seal(&claims(100)).unwrap();
        assert_eq!(
            before.open(&fresh, 50),
            Err(TokenError::Invalid),
            "new tokens are sealed with the new key"
        );
        let dropped = SessionKeys::parse_file(&new).unwrap();
        assert_eq!(dropped.open(&token, 50), Err(TokenError::Invalid));
    }

    #[test]
    fn bad_key_files_are_refused_with_the_line() {
        for (text, expected) in [
            ("", "holds no key"),
            ("# only a comment\n", "holds no key"),
            ("abc\n", "line 1: a session key must be"),
            (&format!("{}\nshort\n", "1f".repeat(31) + "aa"), "line 2:"),
            (
                &format!("{}\n{}\n", "1f".repeat(31) + "aa", "1f".repeat(31) + "aa"),
                "already listed",
            ),
            (&"00".repeat(32), "placeholder"),
        ] {
            let error = SessionKeys::parse_file(text).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }

    #[test]
    fn a_jwt_expiry_is_read_from_its_payload() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"a","exp":1700000000}"#);
        assert_eq!(jwt_expiry(&format!("h.{payload}.s")), Some(1_700_000_000));
        assert_eq!(jwt_expiry("opaque-token"), None);
    }
}
