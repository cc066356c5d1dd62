//! Filter changes timed in the page: each kind of change there and back,
//! its script work and its time to the first frame showing it, and how
//! they are printed beside their budgets.

use std::time::Duration;

use super::{median, percentile};
use crate::support::{Browser, BOTH_LOADED, DRAG_TWO_THIRDS};

/// What the events tile shows.
const EVENTS_TILE: &str = "document.querySelector('#tile-events .value').textContent";

/// The flags shown, in words.
const FLAGS_SHOWN: &str = "document.querySelector('#detections').textContent";

/// Runs `act` and resolves with two figures in milliseconds, measured
/// inside the page: until `observe` (an expression) reads differently,
/// checked at every frame, so the first frame showing the new state; and
/// the script work the change set off, until the first task or frame after
/// it (whichever comes first: a message posted behind the change runs once
/// its handlers and the reactive work they queued are done, and a frame
/// cannot start before that either), an upper bound on that work.
fn change_js(act: &str, observe: &str) -> String {
    format!(
        r#"
const done = arguments[arguments.length - 1];
const read = () => {observe};
const before = read();
let worked = null;
const channel = new MessageChannel();
const started = performance.now();
const stop = () => {{ if (worked === null) worked = performance.now() - started; }};
channel.port1.onmessage = stop;
{act};
channel.port2.postMessage(0);
requestAnimationFrame(stop);
const poll = () => read() !== before ? done([performance.now() - started, worked])
  : performance.now() - started > 30000 ? done([-1, worked]) : requestAnimationFrame(poll);
requestAnimationFrame(poll);
"#
    )
}

/// One change, timed in the page.
#[derive(Clone, Copy)]
struct Timed {
    /// Until the first frame showing the new state.
    shown: Duration,
    /// The script work the change set off (an upper bound).
    work: Duration,
}

/// Runs `act` and times, in the page, until `observe` reads differently.
async fn timed(browser: &Browser, act: &str, observe: &str) -> Timed {
    let answer = browser
        .client
        .execute_async(&change_js(act, observe), vec![])
        .await
        .expect("the change is timed");
    let ms = |at: usize| answer[at].as_f64().expect("milliseconds");
    assert!(ms(0) >= 0.0, "nothing changed within 30 s of: {act}");
    Timed {
        shown: Duration::from_secs_f64(ms(0) / 1e3),
        work: Duration::from_secs_f64(ms(1) / 1e3),
    }
}

/// Sets whether internal addresses can be first-seen, and applies the
/// thresholds (at this size: 7 flags without, about 60 more with).
fn set_internal(internal: bool) -> String {
    format!(
        "const box = document.querySelector('#newip-internal'); box.checked = {internal}; \
         box.dispatchEvent(new Event('change', {{ bubbles: true }})); \
         document.querySelector('#thresholds-apply').click()"
    )
}

/// Timed changes by kind, in the order first timed: every one, and the
/// first of each load apart.
#[derive(Default)]
pub struct Changes {
    kinds: Vec<(&'static str, Vec<Timed>, Vec<Timed>)>,
}

impl Changes {
    fn add(&mut self, kind: &'static str, first: bool, time: Timed) {
        let at = match self.kinds.iter().position(|(k, ..)| *k == kind) {
            Some(at) => at,
            None => {
                self.kinds.push((kind, Vec::new(), Vec::new()));
                self.kinds.len() - 1
            }
        };
        let (_, all, firsts) = &mut self.kinds[at];
        all.push(time);
        if first {
            firsts.push(time);
        }
    }
}

/// Times `pairs` changes of each kind there and back in the view shown
/// (hiding a source, a tile, a threshold, a zoom inside the loaded window),
/// into `changes`. The first of a kind after a load finds nothing kept from
/// before: it is also reported alone. The zooms are made from the same 7
/// days as an absolute range, loaded first (with `extra`, such as a cap,
/// added to its link), the one "back" returns to.
pub async fn time_changes(
    browser: &Browser,
    base: &str,
    extra: &str,
    pairs: usize,
    changes: &mut Changes,
) {
    let click = |css: &str| format!("document.querySelector({css:?}).click()");
    let hide = click("#show-octopai");
    let sources = [
        ("hide Octopai", hide.as_str()),
        ("show Octopai again", &hide),
    ];
    time_pairs(browser, pairs, changes, EVENTS_TILE, sources).await;
    // A tile narrowing the view to failed logins, and back to all.
    let (tile, all) = (click("#failed-logins"), click("#tile-events"));
    let tiles = [
        ("the failed-logins tile", tile.as_str()),
        ("back to all events (the events tile)", &all),
    ];
    time_pairs(browser, pairs, changes, EVENTS_TILE, tiles).await;
    // A threshold: internal addresses may be first-seen too, and not.
    let (on, off) = (set_internal(true), set_internal(false));
    let thresholds = [
        ("threshold: internal addresses first-seen too", on.as_str()),
        ("threshold: back to external only", &off),
    ];
    time_pairs(browser, pairs, changes, FLAGS_SHOWN, thresholds).await;
    // A zoom inside the loaded window (two thirds of it, dragged on the
    // timeline) and back.
    let end = chrono::Utc::now();
    let start = end - chrono::Duration::days(7);
    let iso =
        |at: chrono::DateTime<chrono::Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    browser
        .client
        .goto(&format!(
            "{base}/dashboard?from={}&to={}{extra}",
            iso(start),
            iso(end)
        ))
        .await
        .expect("the 7 days as an absolute range");
    browser
        .wait_for("the absolute load", BOTH_LOADED, Duration::from_secs(900))
        .await;
    let back = click("#zoom-reset");
    let zooms = [
        ("zoom to two thirds of the window (a drag)", DRAG_TWO_THIRDS),
        ("back to the whole window", &back),
    ];
    time_pairs(browser, pairs, changes, EVENTS_TILE, zooms).await;
}

/// `pairs` times, a change and the change back (each a kind and its
/// script), each timed until `observe` reads differently.
async fn time_pairs(
    browser: &Browser,
    pairs: usize,
    changes: &mut Changes,
    observe: &str,
    there_and_back: [(&'static str, &str); 2],
) {
    for pair in 0..pairs {
        for (kind, act) in there_and_back {
            changes.add(kind, pair == 0, timed(browser, act, observe).await);
        }
    }
}

/// Prints each kind of change: script work and time to the screen, median
/// and 95th percentile, beside their budgets (the work's, where there is
/// one, and the screen's).
pub fn print_changes(changes: Changes, work_budget: Option<u32>, screen_budget: u32) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let work_budget = work_budget.map_or("none set".to_owned(), |b| format!("p95 <= {b} ms"));
    for (what, times, firsts) in changes.kinds {
        let shown: Vec<Duration> = times.iter().map(|t| t.shown).collect();
        let work: Vec<Duration> = times.iter().map(|t| t.work).collect();
        let first_shown = median(firsts.iter().map(|t| t.shown).collect());
        println!(
            "| {what}: script work, median / p95 of {} | {:.0} / {:.0} ms | {work_budget} |",
            work.len(),
            ms(median(work.clone())),
            ms(percentile(work, 95)),
        );
        println!(
            "| {what}: to the first frame showing it, median / p95 of {} (first after each load: median of {}) | {:.0} / {:.0} ms (first {:.0} ms) | p95 <= {screen_budget} ms |",
            shown.len(),
            firsts.len(),
            ms(median(shown.clone())),
            ms(percentile(shown, 95)),
            ms(first_shown),
        );
    }
}
