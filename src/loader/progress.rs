//! What a load shows while it goes on: its progress, redrawn at a pace
//! ([`Pacer`]), a page waiting to be tried again ([`RetryNote`]), and the
//! events it holds so far, shown before it ends when it is long or slow
//! ([`Views`]).

use super::PAGE_SIZE;

/// How often, at most, a load's progress is redrawn while pages keep
/// coming: each redraw lays out and paints the page, which a load of a
/// hundred pages would otherwise do at every frame, on the thread that
/// decodes the pages.
pub const PROGRESS_EVERY_MS: f64 = 100.0;

/// When to show a load's progress: the first report and those that cannot
/// wait (a page about to be tried again, the end) at once; the others held
/// until the clock next reaches a multiple of [`PROGRESS_EVERY_MS`], the
/// latest progress then. Every source's pacer keeps the same ticks, so both
/// loads' progress is redrawn in one frame rather than in a frame each (a
/// frame costs about 5 ms of the main thread in a 7-day load, whatever it
/// changes). A load's last report (its end) is one that cannot wait: what
/// ends it reads the progress shown.
#[derive(Debug, Default)]
pub struct Pacer {
    started: bool,
    waiting: bool,
}

/// What a [`Pacer`] says of one progress report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// Show it now (anything held is older: drop it).
    Now,
    /// Hold it and show what is held after these milliseconds.
    After(f64),
    /// Hold it in place of what is held: a showing is already due.
    Held,
}

impl Pacer {
    /// A report at `now` (milliseconds on the clock every pacer reads);
    /// `urgent` ones are never held.
    pub fn offer(&mut self, now: f64, urgent: bool) -> Pace {
        if urgent || !self.started {
            self.started = true;
            self.shown();
            return Pace::Now;
        }
        if self.waiting {
            return Pace::Held;
        }
        self.waiting = true;
        Pace::After(PROGRESS_EVERY_MS - now.rem_euclid(PROGRESS_EVERY_MS))
    }

    /// What was held has been shown.
    pub fn shown(&mut self) {
        self.waiting = false;
    }
}

/// Progress of one source, for the progress view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SourceProgress {
    pub pages: u32,
    pub received: u64,
    pub total: Option<u64>,
    /// Where the source gives no total (Cloudera Manager, which answers
    /// newest first): how much of the window's time its pages have
    /// covered, in thousandths ([`Pager::covered`]).
    pub covered: Option<u16>,
    pub finished: bool,
    /// Milliseconds since the load started.
    pub elapsed_ms: u64,
    /// Set when the load stopped at the cap on events held: at least this
    /// many events matched (the newest `received` are kept).
    pub at_least: Option<u64>,
    /// Pages tried again after a transient failure, so far.
    pub retries: u32,
    /// Set while waiting to try a page again.
    pub retrying: Option<RetryNote>,
    /// Shown from a load already held (a zoom into a window loaded whole):
    /// nothing was fetched.
    pub held: bool,
}

/// A page that failed transiently and is about to be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryNote {
    /// The failed answer's HTTP status (0: no answer arrived).
    pub status: u16,
    pub wait_ms: u64,
    /// The try about to be made, and how many there are in all.
    pub next_try: u32,
    pub tries: u32,
}

impl RetryNote {
    /// What failed and what happens next, in words.
    pub fn describe(&self) -> String {
        let what = match self.status {
            0 => "the gateway could not be reached".to_owned(),
            429 => "too many requests were in flight".to_owned(),
            502 => "the upstream failed or sent something that is not JSON".to_owned(),
            503 => "the upstream is busy".to_owned(),
            504 => "the upstream did not answer in time".to_owned(),
            status => format!("the request failed (HTTP {status})"),
        };
        format!(
            "A page failed ({what}); trying again in {:.1} s (try {} of {}).",
            self.wait_ms as f64 / 1000.0,
            self.next_try,
            self.tries
        )
    }
}

impl SourceProgress {
    /// Events per second so far, once there is something to measure.
    pub fn rate(&self) -> Option<u64> {
        (self.elapsed_ms > 0 && self.received > 0).then(|| self.received * 1000 / self.elapsed_ms)
    }
}

/// How many more events, at least, a load must still expect after its
/// first page for that page to be shown at once ([`Views`]): a smaller
/// load is drawn once, when it ends, unless it is slow.
pub const FIRST_VIEW_WHEN_MORE: u64 = 10 * PAGE_SIZE as u64;

/// How long a load goes on, at least, between two showings of what it
/// holds so far ([`Views`]).
pub const VIEW_EVERY_MS: f64 = 1000.0;

/// The most events a load shows before it ends: each showing copies and
/// orders what is held, and the tab's memory never shrinks, so a fast
/// large load shows its first page and then waits for its end (at a
/// million events, showings of up to 100,000 raised the tab's memory by
/// 11 MB, past the budget of half the JSON received). A slow upstream,
/// where showing what has come matters most, stays under it for long.
pub const VIEW_AT_MOST: u64 = 20_000;

/// Whether a load that holds `received` events after its first page, and
/// expects about `expected` in all, shows them before it ends.
pub fn shows_first_page(received: u64, expected: Option<u64>) -> bool {
    received > 0
        && expected
            .is_some_and(|expected| expected.saturating_sub(received) >= FIRST_VIEW_WHEN_MORE)
}

/// When a load shows the events it holds so far while it goes on: after
/// its first page when much is still to come ([`shows_first_page`]), and
/// whenever it has gone on for [`VIEW_EVERY_MS`] since it started or was
/// last shown (a slow upstream), while it holds at most [`VIEW_AT_MOST`].
#[derive(Debug)]
pub struct Views {
    /// When the load started, or what it holds was last shown.
    since: f64,
    /// Whether the first page has been offered.
    first_seen: bool,
}

impl Views {
    /// A load that started at `now` (milliseconds).
    pub fn starting(now: f64) -> Self {
        Self {
            since: now,
            first_seen: false,
        }
    }

    /// After a page at `now`, with `received` held and about `expected` in
    /// all (none if unknown), the load not over: whether to show it now.
    pub fn offer(&mut self, now: f64, received: u64, expected: Option<u64>) -> bool {
        let first = !std::mem::replace(&mut self.first_seen, true);
        let due = now - self.since >= VIEW_EVERY_MS;
        let show = received > 0
            && received <= VIEW_AT_MOST
            && ((first && shows_first_page(received, expected)) || due);
        if show {
            self.since = now;
        }
        show
    }
}
