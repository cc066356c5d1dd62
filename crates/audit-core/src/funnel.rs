//! Funnels: of the Octopai users who did the first step, how many went on
//! to do each next one, in order, within one session or within N minutes
//! of their first step; with the conversion from step to step and the
//! median time between them.
//!
//! A step is a successful `login`, a `logout`, or a page route
//! (`/lineage/:id`, [`crate::page_routes`]): a page load whose route under
//! the view's rule is that route. Steps happen in the order of a user's
//! events (by time, then id): a step may share its instant with the one
//! before it but must be another event, so a step named twice needs two
//! events. A user reaches step k when some chain of their events does
//! steps 1 to k in order within the limit; the chain kept is the earliest
//! that reaches furthest, and the times between steps are read from it.

use chrono::Duration;

use crate::event::{AuditEvent, EventKind, Events, FnvMap, Source};
use crate::page_routes::RouteRule;
use crate::usage::sessions;

/// The fewest and most steps a funnel has.
pub const STEPS: std::ops::RangeInclusive<usize> = 2..=5;

/// One step of a funnel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    Login,
    Logout,
    /// A page route, as the route rule writes it (`/lineage/:id`).
    Route(String),
}

impl Step {
    pub fn parse(text: &str) -> Result<Step, String> {
        match text.trim() {
            "login" => Ok(Step::Login),
            "logout" => Ok(Step::Logout),
            route if route.starts_with('/') => Ok(Step::Route(route.to_owned())),
            other => Err(format!(
                "`{other}` is not a step: write login, logout or a page route such as /lineage/:id"
            )),
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Step::Login => "login",
            Step::Logout => "logout",
            Step::Route(route) => route,
        }
    }

    fn matches(&self, event: &AuditEvent, rule: &RouteRule) -> bool {
        match self {
            Step::Login => event.is_successful_login(),
            Step::Logout => event.kind == EventKind::Logout,
            Step::Route(route) => {
                event.kind == EventKind::PageLoad
                    && event
                        .target
                        .as_deref()
                        .is_some_and(|page| rule.route(page) == route.as_str())
            }
        }
    }
}

/// How close a user's steps must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Within {
    /// All in one session (sessions as the usage panel rebuilds them).
    Session,
    /// The last within this many minutes of the first (inclusive).
    Minutes(u32),
}

/// A funnel as the view holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Funnel {
    pub steps: Vec<Step>,
    pub within: Within,
}

impl Funnel {
    /// Reads steps written with `>` or `→` between them (`login >
    /// /lineage/:id > /reports/:id/edit`), or says what is wrong.
    pub fn parse_steps(text: &str) -> Result<Vec<Step>, String> {
        let steps = text
            .split(['>', '→'])
            .map(str::trim)
            .filter(|step| !step.is_empty())
            .map(Step::parse)
            .collect::<Result<Vec<Step>, String>>()?;
        if !STEPS.contains(&steps.len()) {
            return Err(format!(
                "A funnel has {} to {} steps, separated by > (it has {}).",
                STEPS.start(),
                STEPS.end(),
                steps.len()
            ));
        }
        Ok(steps)
    }

    /// The steps as [`Funnel::parse_steps`] reads them.
    pub fn steps_text(&self) -> String {
        self.steps
            .iter()
            .map(Step::text)
            .collect::<Vec<_>>()
            .join(" > ")
    }

    /// The URL's `within`: `session` or minutes.
    pub fn within_text(&self) -> String {
        match self.within {
            Within::Session => "session".into(),
            Within::Minutes(minutes) => minutes.to_string(),
        }
    }

    /// Reads the URL's two parts back.
    pub fn from_query(steps: &str, within: Option<&str>) -> Result<Funnel, String> {
        let within = match within.map(str::trim) {
            None | Some("session") => Within::Session,
            Some(minutes) => Within::Minutes(
                minutes
                    .parse()
                    .ok()
                    .filter(|m| (1..=10_080).contains(m))
                    .ok_or_else(|| {
                        format!("`{minutes}`: within is `session` or minutes from 1 to 10080")
                    })?,
            ),
        };
        Ok(Funnel {
            steps: Funnel::parse_steps(steps)?,
            within,
        })
    }
}

/// How many users reached one step, who, and how long it took them from
/// the step before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepCount {
    pub step: Step,
    /// The users who reached it, sorted.
    pub users: Vec<String>,
    /// The median time from the step before (none for the first step, or
    /// when nobody reached this one).
    pub median_from_previous: Option<Duration>,
}

/// Each step's users for `funnel` over the Octopai events of `events`,
/// pages read as routes under `rule`, sessions split by `idle`.
pub fn funnel(
    events: &(impl Events + ?Sized),
    funnel: &Funnel,
    rule: &RouteRule,
    idle: Duration,
) -> Vec<StepCount> {
    // Each user's events in order, with the session each falls in.
    let mut per_user: FnvMap<&str, Vec<&AuditEvent>> = FnvMap::default();
    for event in events
        .iter()
        .filter(|e| e.source == Source::Octopai && !e.is_failed_login())
    {
        per_user
            .entry(event.actor.as_str())
            .or_default()
            .push(event);
    }
    let session_starts: FnvMap<String, Vec<chrono::DateTime<chrono::Utc>>> = match funnel.within {
        Within::Session => {
            let mut starts: FnvMap<String, Vec<_>> = FnvMap::default();
            for session in sessions(events, idle) {
                starts.entry(session.user).or_default().push(session.start);
            }
            starts
        }
        Within::Minutes(_) => FnvMap::default(),
    };
    let steps = &funnel.steps;
    let mut reached: Vec<Vec<String>> = vec![Vec::new(); steps.len()];
    let mut gaps: Vec<Vec<Duration>> = vec![Vec::new(); steps.len()];
    for (user, mut own) in per_user {
        own.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
        own.dedup_by(|a, b| a.id == b.id);
        // The session of each event: how many sessions started at or before it.
        let starts = session_starts.get(user).map_or(&[][..], Vec::as_slice);
        let session_of = |event: &AuditEvent| starts.partition_point(|start| *start <= event.at);
        let mut best: Vec<usize> = Vec::new();
        for (first, event) in own.iter().enumerate() {
            if !steps[0].matches(event, rule) {
                continue;
            }
            let mut chain = vec![first];
            for step in &steps[1..] {
                let last = chain[chain.len() - 1];
                let next = own.iter().enumerate().skip(last + 1).find(|(_, e)| {
                    step.matches(e, rule)
                        && match funnel.within {
                            Within::Session => session_of(e) == session_of(own[first]),
                            Within::Minutes(m) => {
                                e.at - own[first].at <= Duration::minutes(i64::from(m))
                            }
                        }
                });
                match next {
                    Some((at, _)) => chain.push(at),
                    None => break,
                }
            }
            if chain.len() > best.len() {
                best = chain;
            }
            if best.len() == steps.len() {
                break;
            }
        }
        for (k, &at) in best.iter().enumerate() {
            reached[k].push(user.to_owned());
            if k > 0 {
                gaps[k].push(own[at].at - own[best[k - 1]].at);
            }
        }
    }
    steps
        .iter()
        .zip(reached)
        .zip(gaps)
        .enumerate()
        .map(|(k, ((step, mut users), mut gaps))| {
            users.sort();
            gaps.sort();
            StepCount {
                step: step.clone(),
                users,
                median_from_previous: (k > 0).then(|| gaps.get(gaps.len() / 2).copied()).flatten(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
