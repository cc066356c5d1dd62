//! Octopai's longer history: the weeks before the generated days
//! ([`DataConfig::history_weeks`], twelve by default), so that retention,
//! stickiness and comparisons with an earlier period have something real
//! to find.
//!
//! The regulars (the 50 people of the last days) arrive over the history:
//! a third of them (and the power users) are there from its first day,
//! the others start on a day of their own. Partners from outside the organisation (their own
//! domain and external addresses) arrive too, stay from a day to five
//! weeks and leave: they are the churn. Four regulars are power users,
//! in nearly every working day and some weekends. Lineage (the
//! `/lineage` pages) is launched four weeks into the history: people who
//! arrive after it mostly adopt it within their first week, earlier
//! people less often and later; until someone adopts it, what would have
//! been a lineage page is the discovery page.
//!
//! The history is made with its own random numbers, after the generated
//! days, so those stay exactly as they were (every test pinned on them
//! holds), and at the ordinary volume whatever the scale (a benchmark's
//! scaled week does not multiply twelve weeks with it). Its records' ids
//! are `ev-h…`.

use super::*;

/// The weeks of Octopai history before the end, by default.
pub const HISTORY_WEEKS: u32 = 12;
/// Partners who come and go over the history.
const PARTNERS: usize = 36;
/// Regulars who work nearly every day.
const POWER_USERS: [usize; 4] = [3, 11, 27, 40];
/// Lineage is launched this many days into the history.
const LAUNCH_DAY: i64 = 28;

/// One person's place in the history.
struct Member {
    person: Person,
    /// The day (counted from the history's first) of the first visit.
    arrives: i64,
    /// The day after the last visit (partners only).
    leaves: Option<i64>,
    /// The day from which lineage pages are used, if ever.
    adopts: Option<i64>,
    power: bool,
}

/// Octopai records in `[end - weeks, start)`, newest first, with their ids.
pub(super) fn octopai(
    config: &DataConfig,
    regulars: &[Person],
    start: DateTime<Utc>,
) -> Vec<OctopaiRecord> {
    let from = config.end - Duration::weeks(i64::from(config.history_weeks));
    if from >= start {
        return Vec::new();
    }
    let mut rng = Rng::new(config.seed ^ 0x0068_6973_746f_7279);
    let days = (start.date_naive() - from.date_naive()).num_days();
    let members = members(&mut rng, regulars, days);
    // The rhythm of a working day at the ordinary volume.
    let ordinary = DataConfig {
        scale: 1.0,
        ..config.clone()
    };
    let mut records = Vec::new();
    let mut ignored = Vec::new();
    for offset in 0..=days {
        let day = from.date_naive() + Duration::days(offset);
        let Some(midnight) = day.and_hms_opt(0, 0, 0).map(|naive| naive.and_utc()) else {
            continue;
        };
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        for member in &members {
            if offset < member.arrives || member.leaves.is_some_and(|leaves| offset >= leaves) {
                continue;
            }
            let presence = match (member.power, weekend) {
                _ if offset == member.arrives => 1.0,
                (true, false) => 0.98,
                (true, true) => 0.5,
                (false, false) => 0.85,
                (false, true) => 0.06,
            };
            if !rng.chance(presence) {
                continue;
            }
            let first = records.len();
            workday(
                &mut rng,
                &ordinary,
                &member.person,
                midnight,
                &mut records,
                &mut ignored,
            );
            ignored.clear();
            if member.adopts.is_none_or(|adopts| offset < adopts) {
                for record in &mut records[first..] {
                    if record.page.as_deref().is_some_and(is_lineage) {
                        record.page = Some("/discovery".to_owned());
                    }
                }
            }
        }
    }
    records.retain(|record| record.at >= from && record.at < start);
    records.sort_by_key(|record| std::cmp::Reverse(record.at));
    let total = records.len();
    for (index, record) in records.iter_mut().enumerate() {
        record.id = format!("ev-h{:07}", total - index);
    }
    records
}

fn is_lineage(page: &str) -> bool {
    page == "/lineage" || page.starts_with("/lineage/")
}

/// The regulars and the partners, each with their arrival, departure and
/// adoption of lineage, over a history of `days` days.
fn members(rng: &mut Rng, regulars: &[Person], days: i64) -> Vec<Member> {
    let last_arrival = (days - 7).max(1);
    let adoption = |rng: &mut Rng, arrives: i64| -> Option<i64> {
        if arrives >= LAUNCH_DAY {
            rng.chance(0.75).then(|| arrives + rng.between(0, 6))
        } else {
            rng.chance(0.35)
                .then(|| LAUNCH_DAY + rng.between(0, 27).min(days))
        }
    };
    let mut members: Vec<Member> = regulars
        .iter()
        .enumerate()
        .map(|(index, person)| {
            let power = POWER_USERS.contains(&index);
            let arrives = match (index % 3, power) {
                (0, _) | (_, true) => 0,
                _ => rng.between(1, last_arrival),
            };
            Member {
                person: Person {
                    email: person.email.clone(),
                    cm_name: person.cm_name.clone(),
                    office_ip: person.office_ip.clone(),
                    vpn_ip: person.vpn_ip.clone(),
                    user_agent: person.user_agent,
                    start_hour: person.start_hour,
                    is_operator: false,
                },
                adopts: adoption(rng, arrives),
                arrives,
                leaves: None,
                power,
            }
        })
        .collect();
    for index in 0..PARTNERS {
        let first = FIRST_NAMES[(index * 7 + 3) % FIRST_NAMES.len()];
        let last = LAST_NAMES[(index * 3 + 1) % LAST_NAMES.len()];
        let cm_name = format!("{first}.{last}.{}", index + 1);
        let arrives = rng.between(0, last_arrival);
        // A third try it for a day or two; the others stay up to five weeks.
        let stays = match rng.chance(0.33) {
            true => rng.between(1, 2),
            false => rng.between(7, 35),
        };
        let address = format!("198.51.100.{}", 10 + index);
        let agent: &&'static str = rng.pick(&USER_AGENTS);
        let agent = *agent;
        members.push(Member {
            person: Person {
                email: format!("{cm_name}@partner.example.net"),
                cm_name,
                office_ip: address.clone(),
                vpn_ip: address,
                user_agent: agent,
                start_hour: 8 + rng.between(0, 2),
                is_operator: false,
            },
            adopts: adoption(rng, arrives),
            arrives,
            leaves: Some((arrives + stays).min(days)),
            power: false,
        });
    }
    members
}
