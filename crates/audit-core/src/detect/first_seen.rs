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

/// An account's first event from an address (failures aside: they are
/// someone trying the account, which brute force and spray cover), and how
/// many of the account's events with an address came before it.
#[derive(Debug, Clone, Copy)]
pub(super) struct FirstPair {
    at: u32,
    before: u32,
}

/// Every [`FirstPair`] of the index, oldest first: one pass in time order,
/// whatever the thresholds ([`DetectIndex::first_pairs`] keeps it).
pub(super) fn first_pairs(index: &DetectIndex) -> Vec<FirstPair> {
    let mut pairs = Vec::new();
    let mut count: Vec<u32> = vec![0; index.actor_count()];
    let mut seen_from = SeenPairs::new(index.actor_count(), index.ip_count());
    for at in (0..index.len()).filter(|at| !index.has(*at, FAILURE)) {
        let Some(ip) = index.ip(at) else {
            continue;
        };
        let user = index.actor(at);
        let before = count[user as usize];
        count[user as usize] = before.saturating_add(1);
        if seen_from.insert(user, ip) {
            pairs.push(FirstPair {
                at: u32::try_from(at).unwrap_or(u32::MAX),
                before,
            });
        }
    }
    pairs
}

pub(super) fn first_seen_ips(
    index: &DetectIndex,
    history: u32,
    internal_too: bool,
    is_internal: &dyn Fn(&str) -> bool,
) -> Vec<Detection> {
    let mut found = Vec::new();
    // Whether each address may be flagged, asked once per address.
    let mut may_flag: Vec<Option<bool>> = vec![None; index.ip_count()];
    // The flags come from each account's first event from each address
    // (kept with the index: a change of these thresholds reads only
    // those). Only the accounts flagged then have their events gathered
    // (grouping every event by account held a position for each: 4 MB at a
    // million events).
    let mut flagged: Vec<Vec<u32>> = vec![Vec::new(); index.actor_count()];
    // Only what the account did counts: failures from an address are
    // someone trying the account (brute force and spray cover those).
    let kept = |at: usize| !index.has(at, FAILURE) && index.ip(at).is_some();
    for pair in index.first_pairs() {
        let at = pair.at as usize;
        let (Some(ip), user) = (index.ip(at), index.actor(at)) else {
            continue;
        };
        if pair.before >= history.max(1)
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
    // Each flagged account's events are read once, whatever the number of
    // its flagged addresses: what came from each, and what came before
    // each was first seen (the first three distinct addresses are enough
    // to name them; more are counted).
    const NO_SLOT: u32 = u32::MAX;
    let mut slot: Vec<u32> = vec![NO_SLOT; index.ip_count()];
    let mut seen_by: Vec<u32> = vec![NO_SLOT; index.ip_count()];
    for (user_id, seen) in groups {
        let user = index.actor_name(user_id);
        let flagged = std::mem::take(&mut flagged[user_id as usize]);
        for (at, ip) in flagged.iter().enumerate() {
            slot[*ip as usize] = u32::try_from(at).unwrap_or(NO_SLOT);
        }
        let mut from: Vec<Vec<usize>> = vec![Vec::new(); flagged.len()];
        // For each flagged address: the events before its first, the
        // distinct addresses among them, and the first three of those.
        let mut before: Vec<Option<(usize, usize, [u32; 3])>> = vec![None; flagged.len()];
        let (mut distinct, mut first_three) = (0usize, [0u32; 3]);
        for (position, &at) in seen.iter().enumerate() {
            let Some(ip) = index.ip(at) else {
                continue;
            };
            let flagged_at = slot[ip as usize];
            if seen_by[ip as usize] != user_id {
                seen_by[ip as usize] = user_id;
                if let Some(entry) = before.get_mut(flagged_at as usize) {
                    *entry = Some((position, distinct, first_three));
                }
                if let Some(first) = first_three.get_mut(distinct) {
                    *first = ip;
                }
                distinct += 1;
            }
            if let Some(from) = from.get_mut(flagged_at as usize) {
                from.push(at);
            }
        }
        for ip in &flagged {
            slot[*ip as usize] = NO_SLOT;
        }
        for ((ip, from_ip), before) in flagged.into_iter().zip(from).zip(before) {
            let Some((earlier_count, earlier_distinct, first_three)) = before else {
                continue;
            };
            let from_ip = index.events(&from_ip);
            let earlier_words = match first_three.get(..earlier_distinct) {
                Some(ips) => {
                    let mut texts: Vec<&str> = ips.iter().map(|ip| index.ip_text(*ip)).collect();
                    texts.sort_unstable();
                    texts.join(", ")
                }
                None => format!("{earlier_distinct} other addresses"),
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
