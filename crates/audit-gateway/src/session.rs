//! Session tokens: the gateway's stateless sessions.
//!
//! A token is `base64url(nonce || ChaCha20-Poly1305(claims))` under a key
//! only gateways hold. The claims carry the expiry and each connected
//! source's credentials (the Octopai access token, the Cloudera Manager user
//! name and password), so any replica with the key can serve the session and
//! none keeps per-session state. The browser holds only this opaque token: it
//! cannot read the Cloudera Manager password or build a Basic header from it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};

/// What a session token carries.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// Expiry, Unix seconds.
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub octopai: Option<OctopaiSession>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudera: Option<ClouderaSession>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OctopaiSession {
    pub access_token: String,
    pub user_name: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClouderaSession {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for SessionClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionClaims")
            .field("exp", &self.exp)
            .field("octopai", &self.octopai.as_ref().map(|o| &o.user_name))
            .field("cloudera", &self.cloudera.as_ref().map(|c| &c.username))
            .finish()
    }
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

    /// A key given as 64 hex digits or base64 of 32 bytes.
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
                    "the session key must be 64 hex digits or base64 of 32 bytes".to_owned()
                })?
        };
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "the session key must be exactly 32 bytes".to_owned())?;
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

    /// Opens a token and checks its expiry against `now` (Unix seconds).
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
        if claims.exp <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> SessionClaims {
        SessionClaims {
            exp,
            octopai: None,
            cloudera: Some(ClouderaSession {
                username: "admin".into(),
                password: "s3cret-pass".into(),
            }),
        }
    }

    #[test]
    fn tokens_round_trip_expire_and_hide_their_contents() {
        let key = SessionKey::from_bytes(&[7; 32]);
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
    fn tampered_foreign_and_garbage_tokens_are_invalid() {
        let key = SessionKey::from_bytes(&[7; 32]);
        let token = key.seal(&claims(100)).unwrap();
        let other = SessionKey::from_bytes(&[8; 32]);
        assert_eq!(other.open(&token, 0), Err(TokenError::Invalid));
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
    fn keys_parse_from_hex_or_base64_only_at_32_bytes() {
        assert!(SessionKey::parse(&"ab".repeat(32)).is_ok());
        assert!(
            SessionKey::parse(&base64::engine::general_purpose::STANDARD.encode([1u8; 32])).is_ok()
        );
        assert!(SessionKey::parse("short").is_err());
        assert!(
            SessionKey::parse(&base64::engine::general_purpose::STANDARD.encode([1u8; 16]))
                .is_err()
        );
    }
}
