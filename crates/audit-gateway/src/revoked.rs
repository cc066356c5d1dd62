//! Sessions refused before their end, held by this gateway process: those
//! logged out (by session id), and those of an account whose sessions an
//! administrator ended (every login of it up to that instant). Each entry
//! is kept only until the sessions it refuses would have ended anyway. With
//! `--redis-url` the shared copy ([`crate::shared`]) is consulted too.

use std::collections::HashMap;
use std::sync::Mutex;

use audit_core::Source;
use sha2::{Digest, Sha256};

use crate::session::SessionClaims;

/// The name an account's sessions are ended under: its source and its
/// name, in lower case (an e-mail's case does not matter, and ending one
/// spelling too many is the safe side).
pub fn account_key(source: Source, account: &str) -> String {
    format!("{}:{}", source.id(), account.trim().to_lowercase())
}

/// The accounts a session is logged in as, each as [`account_key`] names it.
pub fn accounts_of(claims: &SessionClaims) -> Vec<String> {
    let octopai = claims
        .octopai
        .iter()
        .map(|login| account_key(Source::Octopai, &login.user_name));
    let cloudera = claims
        .cloudera
        .iter()
        .map(|login| account_key(Source::ClouderaManager, &login.username));
    octopai.chain(cloudera).collect()
}

/// What this process refuses (see the module's text). Names are held as
/// digests, so its memory holds no session id or account name.
#[derive(Debug, Default)]
pub struct Revoked {
    /// Logged-out session ids, each until its session's end (Unix seconds).
    sessions: Mutex<HashMap<[u8; 32], i64>>,
    /// Accounts: logins up to this instant (Unix milliseconds) are refused,
    /// until then (Unix seconds).
    accounts: Mutex<HashMap<[u8; 32], (i64, i64)>>,
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Revoked {
    /// Refuses session `sid` from now until `expires` (Unix seconds).
    pub fn revoke(&self, sid: &str, expires: i64, now: i64) {
        let mut sessions = locked(&self.sessions);
        sessions.retain(|_, until| *until > now);
        sessions.insert(digest(sid), expires);
    }

    pub fn is_revoked(&self, sid: &str) -> bool {
        locked(&self.sessions).contains_key(&digest(sid))
    }

    /// Refuses every session of account `key` logged in up to `before_ms`,
    /// until `until` (Unix seconds). A later call with an earlier instant
    /// does not undo a later one.
    pub fn end_account(&self, key: &str, before_ms: i64, until: i64, now: i64) {
        let mut accounts = locked(&self.accounts);
        accounts.retain(|_, (_, kept)| *kept > now);
        let entry = accounts.entry(digest(key)).or_insert((before_ms, until));
        *entry = (entry.0.max(before_ms), entry.1.max(until));
    }

    /// Whether a session `sid`, logged in as `accounts` at `issued_ms`, is
    /// refused here.
    pub fn is_refused(&self, sid: &str, accounts: &[String], issued_ms: i64) -> bool {
        if self.is_revoked(sid) {
            return true;
        }
        let ended = locked(&self.accounts);
        accounts.iter().any(|key| {
            ended
                .get(&digest(key))
                .is_some_and(|(before_ms, _)| issued_ms <= *before_ms)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_ended_refuses_its_logins_up_to_then_and_no_other() {
        let revoked = Revoked::default();
        let mia = account_key(Source::Octopai, " Mia@Example.com");
        assert_eq!(mia, "octopai:mia@example.com");
        revoked.end_account(&mia, 1_000, 500, 100);
        let accounts = [mia.clone()];
        assert!(revoked.is_refused("a", &accounts, 999));
        assert!(
            revoked.is_refused("a", &accounts, 1_000),
            "at the instant itself"
        );
        assert!(
            !revoked.is_refused("a", &accounts, 1_001),
            "a login after it"
        );
        let other = [account_key(Source::ClouderaManager, "mia@example.com")];
        assert!(
            !revoked.is_refused("a", &other, 0),
            "the same name elsewhere"
        );
        // An earlier instant given later does not shorten it.
        revoked.end_account(&mia, 10, 500, 200);
        assert!(revoked.is_refused("a", &accounts, 1_000));
        // Once the sessions it refused have all ended, it goes.
        revoked.end_account(&account_key(Source::Octopai, "raj"), 5, 900, 600);
        assert!(!revoked.is_refused("a", &accounts, 999));
    }

    #[test]
    fn a_logged_out_session_is_refused_whoever_it_is() {
        let revoked = Revoked::default();
        revoked.revoke("sid-1", 100, 0);
        assert!(revoked.is_refused("sid-1", &[], i64::MAX));
        assert!(!revoked.is_refused("sid-2", &[], 0));
    }
}
