//! First-seen addresses: an account seen from an address it had not used
//! before in the window, after enough events from others.

use super::index::{DetectIndex, FAILURE};
use super::{flag, Detection, DetectionKind};
use crate::event::FnvSet;
use crate::time::format_iso;

/// The (account, address) pairs seen so far: a bit for each possible pair
/// while there are few enough of them (2 MB of bits at most), else a set.
pub(super) enum SeenPairs {
    Bits { bits: Vec<u64>, ips: usize },
    Set(FnvSet<u64>),
}

impl SeenPairs {
    pub(super) fn new(actors: usize, ips: usize) -> Self {
        match actors.checked_mul(ips) {
            Some(pairs) if pairs <= 1 << 24 => SeenPairs::Bits {
                bits: vec![0; pairs.div_ceil(64)],
                ips,
            },
            _ => SeenPairs::Set(FnvSet::default()),
        }
    }

    /// Whether `actor` had not been seen from `ip` before; it now has.
    pub(super) fn insert(&mut self, actor: u32, ip: u32) -> bool {
        match self {
            SeenPairs::Bits { bits, ips } => {
                let at = actor as usize * *ips + ip as usize;
                let (word, bit) = (at / 64, 1u64 << (at % 64));
                let new = bits[word] & bit == 0;
                bits[word] |= bit;
                new
            }
            SeenPairs::Set(set) => set.insert((u64::from(actor) << 32) | u64::from(ip)),
        }
    }
}

pub(super) fn first_seen_ips(
    index: &DetectIndex,
    history: u32,
    internal_too: bool,
    is_internal: &dyn Fn(&str) -> bool,
) -> Vec<Detection> {
    let history = usize::try_from(history).unwrap_or(usize::MAX);
    let mut found = Vec::new();
    // Whether each address may be flagged, asked once per address.
    let mut may_flag: Vec<Option<bool>> = vec![None; index.ip_count()];
    // One pass in time order finds the flags: each account's events so
    // far, and the addresses it was seen from. Only the accounts flagged
    // then have their events gathered (grouping every event by account
    // held a position for each: 4 MB at a million events).
    let mut count: Vec<usize> = vec![0; index.actor_count()];
    let mut seen_from = SeenPairs::new(index.actor_count(), index.ip_count());
    let mut flagged: Vec<Vec<u32>> = vec![Vec::new(); index.actor_count()];
    // Only what the account did counts: failures from an address are
    // someone trying the account (brute force and spray cover those).
    let kept = |at: usize| !index.has(at, FAILURE) && index.ip(at).is_some();
    for at in (0..index.len()).filter(|at| !index.has(*at, FAILURE)) {
        let Some(ip) = index.ip(at) else {
            continue;
        };
        let user = index.actor(at);
        let before = count[user as usize];
        count[user as usize] += 1;
        if !seen_from.insert(user, ip) {
            continue;
        }
        if before >= history.max(1)
            && *may_flag[ip as usize]
                .get_or_insert_with(|| internal_too || !is_internal(index.ip_text(ip)))
        {
            flagged[user as usize].push(ip);
        }
    }
    let groups = index.groups(
        index.actor_count(),
        |at| kept(at) && !flagged[index.actor(at) as usize].is_empty(),
        |at| Some(index.actor(at)),
    );
    for (user_id, seen) in groups {
        let user = index.actor_name(user_id);
        let flagged = std::mem::take(&mut flagged[user_id as usize]);
        for ip in flagged {
            let from_ip: Vec<usize> = seen
                .iter()
                .copied()
                .filter(|at| index.ip(*at) == Some(ip))
                .collect();
            let earlier = seen.iter().take_while(|at| index.ip(**at) != Some(ip));
            let mut earlier_ips: Vec<u32> =
                earlier.clone().filter_map(|at| index.ip(*at)).collect();
            earlier_ips.sort_unstable();
            earlier_ips.dedup();
            let earlier_count = earlier.count();
            let from_ip = index.events(&from_ip);
            let earlier_words = if earlier_ips.len() <= 3 {
                let mut texts: Vec<&str> =
                    earlier_ips.iter().map(|ip| index.ip_text(*ip)).collect();
                texts.sort_unstable();
                texts.join(", ")
            } else {
                format!("{} other addresses", earlier_ips.len())
            };
            let ip = index.ip_text(ip);
            found.push(flag(
                DetectionKind::FirstSeenIp,
                &format!("{user} from {ip}"),
                &from_ip,
                format!(
                    "{user} was first seen from {ip} at {}, after {earlier_count} events from {earlier_words} earlier in the window; {} events came from {ip}.",
                    from_ip.first().map(|e| format_iso(e.at)).unwrap_or_default(),
                    from_ip.len()
                ),
            ));
        }
    }
    found
}
