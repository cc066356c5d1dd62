//! Loading a whole time window from both sources.
//!
//! The window's end is pinned when the load starts, so audits arriving
//! meanwhile cannot shift the pages; pages are fetched until the source has
//! no more (an empty page, a short page after a full one, or Octopai's
//! total reached), and duplicates are
//! dropped by [`EventCollection`]. The paging decisions live in [`Pager`], a
//! plain struct with native tests; [`load_source`] only does the IO. What a
//! load shows while it goes on (progress, the events held so far) is
//! decided in `progress`.

use audit_core::analytics::EventCollection;
use audit_core::cloudera::AuditsParams;
use audit_core::octopai::UserEventsRequest;
use audit_core::plan::QueryPlan;
use audit_core::query::Query;
use audit_core::retry::RetryPolicy;
use audit_core::time::format_iso;
use audit_core::{AuditEvent, Rows, Source, TimeWindow};
use chrono::{DateTime, Utc};

use std::cell::{Cell, RefCell};
use std::time::Duration;

use crate::api::{self, ApiError};

mod progress;
pub use progress::{
    shows_first_page, Pace, Pacer, RetryNote, SourceProgress, Views, FIRST_VIEW_WHEN_MORE,
    PROGRESS_EVERY_MS, VIEW_AT_MOST, VIEW_EVERY_MS,
};

/// Page size asked of both APIs (servers may cap it; the pager copes).
pub const PAGE_SIZE: u32 = 1000;
/// Pages in flight at once, once the paging is known to be regular.
pub const IN_FLIGHT: u32 = 3;

/// What the pager wants next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextPage {
    Octopai(UserEventsRequest),
    Cloudera(AuditsParams),
    Done,
}

/// The paging state of one source's load.
#[derive(Debug, Clone)]
pub struct Pager {
    source: Source,
    window: TimeWindow,
    /// Octopai: the next 1-based page; Cloudera Manager: the next offset.
    position: u32,
    received: u64,
    total: Option<u64>,
    done: bool,
    pub pages: u32,
    /// The canonical query sent to Cloudera Manager with every page.
    cloudera_query: Option<String>,
    /// Cloudera Manager answered a full page of `PAGE_SIZE`: the server
    /// honours the page size, so the next offsets are known in advance.
    full_pages: bool,
    /// Some page so far was full: the server does not cap `maxResults`
    /// below `PAGE_SIZE`, so a shorter page after it is the last.
    page_size_honoured: bool,
    /// The oldest time a page has reached (Cloudera Manager answers newest
    /// first, so the window's part from here to its end has arrived).
    reached: Option<DateTime<Utc>>,
}

impl Pager {
    pub fn new(source: Source, window: TimeWindow, query: Option<&Query>) -> Self {
        let position = match source {
            Source::Octopai => 1,
            Source::ClouderaManager => 0,
        };
        Self {
            source,
            window,
            position,
            received: 0,
            total: None,
            done: false,
            pages: 0,
            full_pages: false,
            page_size_honoured: false,
            reached: None,
            cloudera_query: query
                .map(Query::to_query_string)
                .filter(|text| !text.is_empty()),
        }
    }

    pub fn next(&self) -> NextPage {
        if self.done {
            return NextPage::Done;
        }
        self.request_at(self.position)
    }

    /// The pages that can be asked for at once, each with its position:
    /// one until the paging is known, then up to [`IN_FLIGHT`] (Octopai
    /// once it has said its total; Cloudera Manager once it has answered a
    /// full page, at the offsets full pages would reach).
    pub fn next_batch(&self) -> Vec<(u32, NextPage)> {
        if self.done {
            return Vec::new();
        }
        let (width, stride) = match self.source {
            Source::Octopai => {
                let remaining = self
                    .total
                    .map(|total| {
                        total
                            .saturating_sub(self.received)
                            .div_ceil(u64::from(PAGE_SIZE))
                    })
                    .unwrap_or(1);
                (
                    u32::try_from(remaining.clamp(1, u64::from(IN_FLIGHT))).unwrap_or(1),
                    1,
                )
            }
            Source::ClouderaManager if self.full_pages => (IN_FLIGHT, PAGE_SIZE),
            Source::ClouderaManager => (1, PAGE_SIZE),
        };
        (0..width)
            .map(|i| {
                let position = self.position.saturating_add(i * stride);
                (position, self.request_at(position))
            })
            .collect()
    }

    /// Whether the page at `position` is the one to record next.
    pub fn expects(&self, position: u32) -> bool {
        !self.done && position == self.position
    }

    fn request_at(&self, position: u32) -> NextPage {
        match self.source {
            Source::Octopai => NextPage::Octopai(UserEventsRequest {
                start_time: format_iso(self.window.start()),
                end_time: format_iso(self.window.end()),
                page_number: Some(position),
                page_size: Some(PAGE_SIZE),
            }),
            Source::ClouderaManager => {
                let mut params =
                    AuditsParams::page(self.window.start(), self.window.end(), position, PAGE_SIZE);
                params.query = self.cloudera_query.clone();
                NextPage::Cloudera(params)
            }
        }
    }

    /// Records a page of `count` items (and the total, if the source said).
    pub fn record(&mut self, count: usize, total: Option<u64>) {
        self.pages += 1;
        self.received += count as u64;
        if total.is_some() {
            self.total = total;
        }
        let count32 = u32::try_from(count).unwrap_or(u32::MAX);
        // A short page ends guessing ahead; a full one allows it.
        self.full_pages = count32 == PAGE_SIZE;
        // A short page is the last once a full one has shown that the
        // server gives whole pages; before that it may be the server's cap
        // on the page size, and only an empty page ends the paging.
        let last = !self.full_pages && self.page_size_honoured;
        self.page_size_honoured |= self.full_pages;
        match self.source {
            Source::Octopai => self.position = self.position.saturating_add(1),
            Source::ClouderaManager => self.position = self.position.saturating_add(count32),
        }
        let total_reached = self.total.is_some_and(|total| self.received >= total);
        self.done = count == 0 || total_reached || last;
    }

    pub fn received(&self) -> u64 {
        self.received
    }

    /// Records the oldest time a page held.
    pub fn reached(&mut self, oldest: Option<DateTime<Utc>>) {
        if let Some(oldest) = oldest {
            self.reached = Some(self.reached.map_or(oldest, |reached| reached.min(oldest)));
        }
    }

    /// How much of the window's time the pages have covered, in
    /// thousandths, where the source gives no total and answers newest
    /// first (Cloudera Manager).
    pub fn covered(&self) -> Option<u16> {
        if self.total.is_some() || self.source != Source::ClouderaManager {
            return None;
        }
        let (covered, span) = self.reach()?;
        Some((covered.clamp(0, span) * 1000 / span) as u16)
    }

    /// Milliseconds of the window the pages have reached back from its end,
    /// and of the whole window, once a page has held a time.
    fn reach(&self) -> Option<(i64, i64)> {
        let reached = self.reached?;
        let span = (self.window.end() - self.window.start()).num_milliseconds();
        let covered = (self.window.end() - reached).num_milliseconds();
        (span > 0).then_some((covered, span))
    }

    /// How many events the load will hold in all, about: Octopai's total
    /// where it said one; for Cloudera Manager, which answers newest first,
    /// what arrived spread over the whole window at the rate of the part
    /// it covers. None until a page has come.
    pub fn expected(&self) -> Option<u64> {
        if self.done {
            return Some(self.received);
        }
        if let Some(total) = self.total {
            return Some(total.max(self.received));
        }
        let (covered, span) = self.reach().filter(|(covered, _)| *covered > 0)?;
        if self.received == 0 {
            return None;
        }
        let estimate = (self.received as f64 * span as f64 / covered as f64).ceil() as u64;
        Some(estimate.max(self.received))
    }

    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Whether every page has arrived.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

/// Loads every page of `source` in `window`, reporting progress after each
/// page. `plan` says which requests go out (each paged on its own, the
/// answers merged with duplicates dropped) and which events are kept here
/// as they arrive ([`QueryPlan`]). On failure, what was loaded so far comes
/// back with the error. A load that will take a while gives the events it
/// holds so far to `on_view`, newest first, to be drawn while the rest
/// comes, as [`Views`] says when.
pub async fn load_source(
    client: &api::Client,
    source: Source,
    window: TimeWindow,
    plan: &QueryPlan,
    cap: usize,
    on_progress: impl FnMut(SourceProgress),
    mut on_view: impl FnMut(Rows),
) -> (Rows, Option<ApiError>) {
    let started = js_sys::Date::now();
    let elapsed_ms = move || (js_sys::Date::now() - started).max(0.0) as u64;
    // Progress goes out after each page, and while a page waits to be
    // tried again (from inside concurrent fetches, hence the cells).
    let on_progress = RefCell::new(on_progress);
    let last = Cell::new(SourceProgress::default());
    let retries = Cell::new(0u32);
    let report = |progress: SourceProgress| {
        last.set(progress);
        (on_progress.borrow_mut())(progress);
    };
    let on_retry = |note: RetryNote| {
        retries.set(retries.get() + 1);
        (on_progress.borrow_mut())(SourceProgress {
            retries: retries.get(),
            retrying: Some(note),
            ..last.get()
        });
    };
    let mut collection = EventCollection::default();
    let mut views = Views::starting(started);
    let mut pages_before = 0;
    let mut pager = Pager::new(source, window, None);
    let cap = cap.max(1);
    let branch_count = plan.requests.len();
    let mut requests_done = 0;
    for query in &plan.requests {
        pager = Pager::new(source, window, query.as_ref());
        let outcome = load_pages(
            client,
            &mut pager,
            plan,
            cap,
            &on_retry,
            &mut collection,
            |pager, collection| {
                let received = collection.len() as u64;
                // Only a load of one request knows how much of it is to come.
                let one = branch_count == 1;
                let expected = one.then(|| pager.expected()).flatten();
                report(SourceProgress {
                    pages: pages_before + pager.pages,
                    received,
                    total: pager.total(),
                    covered: one.then(|| pager.covered()).flatten(),
                    finished: false,
                    elapsed_ms: elapsed_ms(),
                    at_least: None,
                    retries: retries.get(),
                    retrying: None,
                    held: false,
                });
                let more = !pager.is_done() || requests_done + 1 < branch_count;
                if more && views.offer(js_sys::Date::now(), received, expected) {
                    on_view(collection.newest_so_far(cap));
                }
            },
        )
        .await;
        pages_before += pager.pages;
        if let Err(error) = outcome {
            return (collection.into_newest(cap).0, Some(error));
        }
        requests_done += usize::from(pager.is_done());
        if collection.len() >= cap {
            break;
        }
    }
    let (events, held) = collection.into_newest(cap);
    let all_done = requests_done == branch_count;
    let at_least = beyond_cap(held, cap, all_done, pager.total());
    report(SourceProgress {
        pages: pages_before,
        received: events.len() as u64,
        total: pager.total(),
        covered: None,
        finished: true,
        elapsed_ms: elapsed_ms(),
        at_least,
        retries: retries.get(),
        retrying: None,
        held: false,
    });
    (events, None)
}

/// How many events matched at least, when a load stopped at the cap: past
/// the cap Octopai's total says how many; Cloudera Manager only that there
/// was more than arrived. `None` when everything arrived.
pub fn beyond_cap(held: usize, cap: usize, done: bool, total: Option<u64>) -> Option<u64> {
    let held = held as u64;
    let cap = cap as u64;
    if held < cap || (held == cap && done) {
        return None;
    }
    Some(total.map_or(held + u64::from(!done), |total| total.max(held)))
}

/// One page fetched: its events (Octopai's already filtered), how many
/// items it held, the total if the source said, and the oldest time among
/// its items (filtered or not).
type Fetched = (Vec<AuditEvent>, usize, Option<u64>, Option<DateTime<Utc>>);

async fn fetch(
    client: &api::Client,
    request: NextPage,
    plan: &QueryPlan,
) -> Result<Fetched, ApiError> {
    match request {
        NextPage::Done => Ok((Vec::new(), 0, None, None)),
        NextPage::Octopai(request) => {
            let (events, total) = client.octopai_page(&request).await?;
            let count = events.len();
            let events = events
                .into_iter()
                .filter(|event| plan.keeps(event))
                .collect();
            Ok((events, count, total, None))
        }
        NextPage::Cloudera(params) => {
            let events = client.cloudera_page(&params).await?;
            let count = events.len();
            let oldest = events.iter().map(|event| event.at).min();
            let events = events
                .into_iter()
                .filter(|event| plan.keeps(event))
                .collect();
            Ok((events, count, None, oldest))
        }
    }
}

/// [`fetch`], tried again after transient failures as
/// [`RetryPolicy::default`] says (honouring `Retry-After`), telling
/// `on_retry` before each wait. A cancel ends the wait at once.
async fn fetch_with_retries(
    client: &api::Client,
    request: NextPage,
    plan: &QueryPlan,
    on_retry: &dyn Fn(RetryNote),
) -> Result<Fetched, ApiError> {
    let policy = RetryPolicy::default();
    let mut tries = 0;
    loop {
        tries += 1;
        let error = match fetch(client, request.clone(), plan).await {
            Ok(fetched) => return Ok(fetched),
            Err(error) if !error.is_transient() => return Err(error),
            Err(error) => error,
        };
        let retry_after = error.retry_after_secs.map(Duration::from_secs);
        let Some(wait) = policy.wait_before_next(tries, retry_after, js_sys::Math::random()) else {
            return Err(error.gave_up_after(tries));
        };
        on_retry(RetryNote {
            status: error.status,
            wait_ms: wait.as_millis() as u64,
            next_try: tries + 1,
            tries: policy.attempts,
        });
        client.sleep(wait).await;
        if client.aborted() {
            return Err(ApiError::cancelled());
        }
    }
}

/// Every page one pager asks for, into `collection`, several in flight once
/// the paging is known to be regular ([`Pager::next_batch`]).
async fn load_pages(
    client: &api::Client,
    pager: &mut Pager,
    plan: &QueryPlan,
    cap: usize,
    on_retry: &dyn Fn(RetryNote),
    collection: &mut EventCollection,
    mut on_page: impl FnMut(&Pager, &EventCollection),
) -> Result<(), ApiError> {
    // Up to `IN_FLIGHT` pages are asked for at once, and each answer is
    // recorded as soon as those before it are: another page goes out as
    // soon as one is recorded, not once a whole group has come back.
    use futures::StreamExt;
    let mut in_flight = futures::stream::FuturesOrdered::new();
    let mut positions = std::collections::VecDeque::new();
    loop {
        if pager.is_done() {
            // Pages still in flight were guesses past the end.
            return Ok(());
        }
        for (position, request) in pager.next_batch() {
            if !positions.contains(&position) {
                positions.push_back(position);
                in_flight.push_back(fetch_with_retries(client, request, plan, on_retry));
            }
        }
        let (Some(answer), Some(position)) = (in_flight.next().await, positions.pop_front()) else {
            return Ok(());
        };
        // A page asked for on a guess that no longer holds (the pages
        // ended, or one came back short) is dropped, and asked again
        // where the paging now says.
        if !pager.expects(position) {
            continue;
        }
        let (events, count, total, oldest) = answer?;
        collection.extend(events);
        pager.reached(oldest);
        pager.record(count, total);
        on_page(pager, collection);
        if collection.len() >= cap {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests;
