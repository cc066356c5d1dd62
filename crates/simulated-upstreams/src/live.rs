//! The demo's upstreams keep recording (`--demo-live`): after the seeded
//! history, both sources go on producing events in real time at the
//! ordinary rate for the hour, the way the generator would have made them
//! (the next day is generated from the same rhythm, a day at a time, just
//! before it is needed). Some records arrive a few seconds after they
//! happened, as real upstreams record them; and every ten minutes someone
//! tries one account's password a dozen times from an unfamiliar address,
//! so a person watching a live view sees a brute force appear.
//!
//! [`LiveFeed`] decides what is due when (pure, tested with a given clock);
//! [`spawn`] hands it the real clock and the records to [`SimState`].

use std::sync::Arc;

use audit_core::octopai::OctopaiEventType;
use audit_core::Source;
use chrono::{DateTime, Duration, Utc};

use crate::data::{self, ClouderaRecord, DataConfig, OctopaiRecord};
use crate::rng::Rng;
use crate::SimState;

/// How often a burst of failed logins comes, and the first after the start.
pub const BURST_EVERY: Duration = Duration::minutes(10);
pub const FIRST_BURST_AFTER: Duration = Duration::minutes(3);
/// Failed logins in each burst, eight seconds apart.
pub const BURST_ATTEMPTS: i64 = 12;
/// The share of records that arrive late, and by how much at most.
const LATE_SHARE: f64 = 0.15;
const MOST_LATE_SECONDS: i64 = 20;

/// What is still to come, each record with when it arrives.
pub struct LiveFeed {
    config: DataConfig,
    /// Generated up to here (the start of the next day to make).
    horizon: DateTime<Utc>,
    days: u64,
    octopai: Vec<(DateTime<Utc>, OctopaiRecord)>,
    cloudera: Vec<(DateTime<Utc>, ClouderaRecord)>,
    rng: Rng,
    next_id: u64,
    next_burst: DateTime<Utc>,
    bursts: u64,
}

impl LiveFeed {
    /// The feed after the history `config` generated (which ends at
    /// `config.end`, the live part's start).
    pub fn new(config: &DataConfig) -> Self {
        Self {
            config: config.clone(),
            horizon: config.end,
            days: 0,
            octopai: Vec::new(),
            cloudera: Vec::new(),
            rng: Rng::new(config.seed ^ 0x6c69_7665),
            next_id: 1,
            next_burst: config.end + FIRST_BURST_AFTER,
            bursts: 0,
        }
    }

    /// Every record that has arrived by `now` and was not given before,
    /// newest first (as the upstreams hold them).
    pub fn due(&mut self, now: DateTime<Utc>) -> (Vec<OctopaiRecord>, Vec<ClouderaRecord>) {
        // A day ahead is always made, so a record due now is never missing.
        while self.horizon <= now + Duration::hours(1) {
            self.make_next_day();
        }
        while self.next_burst <= now {
            self.add_burst();
        }
        let mut octopai = take_due(&mut self.octopai, now);
        let mut cloudera = take_due(&mut self.cloudera, now);
        octopai.sort_by_key(|record| std::cmp::Reverse(record.at));
        cloudera.sort_by_key(|record| std::cmp::Reverse(record.at));
        (octopai, cloudera)
    }

    /// When a record made for `at` arrives.
    fn arrival(&mut self, at: DateTime<Utc>) -> DateTime<Utc> {
        match self.rng.chance(LATE_SHARE) {
            true => at + Duration::seconds(self.rng.between(2, MOST_LATE_SECONDS)),
            false => at,
        }
    }

    fn make_next_day(&mut self) {
        self.days += 1;
        let end = self.horizon + Duration::days(1);
        let day = data::generate(&DataConfig {
            seed: self
                .config
                .seed
                .wrapping_add(self.days.wrapping_mul(0x9e37_79b9)),
            end,
            // The rhythm continues: the day after the reference's.
            reference: self.config.reference + (end - self.config.end),
            days: 1,
            history_weeks: 0,
            scale: self.config.scale,
            hostile: false,
            silenced: Vec::new(),
        });
        let start = self.config.end;
        let silenced = self.config.silenced.clone();
        let quiet = |source, at| silenced.iter().any(|s| s.hides(source, at, start));
        for mut record in day.octopai {
            if record.at < self.horizon || quiet(Source::Octopai, record.at) {
                continue;
            }
            record.id = format!("ev-live-{:07}", self.next_id);
            self.next_id += 1;
            let arrives = self.arrival(record.at);
            self.octopai.push((arrives, record));
        }
        for record in day.cloudera {
            if record.at < self.horizon || quiet(Source::ClouderaManager, record.at) {
                continue;
            }
            let arrives = self.arrival(record.at);
            self.cloudera.push((arrives, record));
        }
        self.octopai
            .sort_by_key(|(arrives, _)| std::cmp::Reverse(*arrives));
        self.cloudera
            .sort_by_key(|(arrives, _)| std::cmp::Reverse(*arrives));
        self.horizon = end;
    }

    fn add_burst(&mut self) {
        let target = match self.bursts % 2 {
            0 => data::BRUTE_FORCE_TARGET,
            _ => data::STREAK_ACCOUNT,
        };
        let ip = format!("203.0.113.{}", 100 + self.bursts % 100);
        for attempt in 0..BURST_ATTEMPTS {
            let at = self.next_burst + Duration::seconds(attempt * 8);
            let record = OctopaiRecord {
                id: format!("ev-live-{:07}", self.next_id),
                at,
                user: target.to_owned(),
                event_type: OctopaiEventType::LoginFailed,
                page: None,
                reason: Some("Wrong password".to_owned()),
                ip: ip.clone(),
                user_agent: "python-requests/2.32.3".to_owned(),
            };
            self.next_id += 1;
            if !self
                .config
                .silenced
                .iter()
                .any(|s| s.hides(Source::Octopai, at, self.config.end))
            {
                self.octopai.push((at, record));
            }
        }
        self.octopai
            .sort_by_key(|(arrives, _)| std::cmp::Reverse(*arrives));
        self.bursts += 1;
        self.next_burst += BURST_EVERY;
    }
}

/// Takes the records that have arrived by `now` from `pending` (latest
/// arrival first, so the due ones are at its end).
fn take_due<T>(pending: &mut Vec<(DateTime<Utc>, T)>, now: DateTime<Utc>) -> Vec<T> {
    let first_due = pending.partition_point(|(arrives, _)| *arrives > now);
    pending
        .drain(first_due..)
        .map(|(_, record)| record)
        .collect()
}

/// Feeds `state` from a [`LiveFeed`] for `config`'s history every half
/// second, on the state's own clock, until the process ends.
pub fn spawn(state: Arc<SimState>, config: &DataConfig) -> tokio::task::JoinHandle<()> {
    let mut feed = LiveFeed::new(config);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
        loop {
            tick.tick().await;
            let (octopai, cloudera) = feed.due((state.clock)());
            state.arrive(octopai, cloudera);
        }
    })
}

#[cfg(test)]
mod tests;
