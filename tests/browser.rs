//! Component and module tests that need a real browser, run by
//! `wasm-bindgen-test` in headless Chromium (`cargo xtask test` runs them
//! with `cargo test --target wasm32-unknown-unknown`).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)] // Tests: a failure must stop the test loudly.

use audit_core::contract::{ClouderaIdentity, SessionResponse};
use audit_dashboard::charts::{self, Drawn, Ink};
use audit_dashboard::components::chart_figure::{ChartFigure, DataTable};
use audit_dashboard::storage;
use leptos::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn session(expires_at: &str) -> SessionResponse {
    SessionResponse {
        token: "opaque-token".into(),
        expires_at: expires_at.into(),
        octopai: None,
        cloudera: Some(ClouderaIdentity {
            username: "admin".into(),
        }),
    }
}

fn storages() -> (web_sys::Storage, web_sys::Storage) {
    let window = web_sys::window().unwrap();
    (
        window.session_storage().unwrap().unwrap(),
        window.local_storage().unwrap().unwrap(),
    )
}

#[wasm_bindgen_test]
fn session_lives_in_session_storage_only_and_expires() {
    let (session_storage, local_storage) = storages();
    storage::clear_session();
    let now_ms = js_sys::Date::now() as i64;
    assert!(storage::save_session(&session("2999-01-01T00:00:00Z")));
    assert_eq!(
        storage::load_session(now_ms),
        Some(session("2999-01-01T00:00:00Z"))
    );
    assert_eq!(session_storage.length().unwrap(), 1);
    assert_eq!(
        local_storage.length().unwrap(),
        0,
        "nothing in localStorage"
    );

    storage::clear_session();
    assert_eq!(storage::load_session(now_ms), None);
    assert_eq!(session_storage.length().unwrap(), 0);

    // An expired session is dropped when read.
    assert!(storage::save_session(&session("2001-01-01T00:00:00Z")));
    assert_eq!(storage::load_session(now_ms), None);
    assert_eq!(session_storage.length().unwrap(), 0);

    // Garbage under the key is ignored, not a crash.
    session_storage
        .set_item("audit-dashboard.session", "{not json")
        .unwrap();
    assert_eq!(storage::load_session(now_ms), None);
    storage::clear_session();
}

/// Lets the reactive system and the browser run what a change scheduled.
async fn next_tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// The canvas of the chart in `host`, and a blank canvas of its size.
fn canvas_and_blank(
    host: &web_sys::Element,
) -> (web_sys::HtmlCanvasElement, web_sys::HtmlCanvasElement) {
    let canvas: web_sys::HtmlCanvasElement = wasm_bindgen::JsCast::unchecked_into(
        host.query_selector("figure canvas.chart-canvas")
            .unwrap()
            .expect("a canvas"),
    );
    let document = web_sys::window().unwrap().document().unwrap();
    let blank: web_sys::HtmlCanvasElement =
        wasm_bindgen::JsCast::unchecked_into(document.create_element("canvas").unwrap());
    blank.set_width(canvas.width());
    blank.set_height(canvas.height());
    (canvas, blank)
}

/// Waits (a few frames at most) until a chart's canvas holds its drawing.
async fn painted(figure: &web_sys::Element) {
    for _ in 0..100 {
        if !figure.has_attribute("data-behind") {
            return;
        }
        next_tick().await;
    }
    panic!("the chart was never painted");
}

#[wasm_bindgen_test]
async fn chart_figure_paints_the_chart_with_its_accessible_name_or_says_why_not() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let svg = RwSignal::new(Ok::<Drawn, String>(charts::ranked_bars(
        &[("someone".to_owned(), 3)],
        charts::FAILED_COLOR,
        Ink::LIGHT,
    )));
    let table = Signal::derive(|| DataTable {
        columns: vec!["From".into(), "failed".into()],
        rows: vec![vec!["09:00".into(), "<b>3</b>".into()]],
    });
    let host_element: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(host.clone());
    let _mounted = leptos::mount::mount_to(host_element, move || {
        view! {
            <ChartFigure
                title="Login failures"
                label=Signal::derive(|| "Login failures: a test".to_owned())
                drawn=Signal::from(svg)
                drawn_from=Signal::derive(|| 12)
                table=table
                legend=vec![("failed".to_owned(), "rgb(1, 2, 3)".to_owned())]
            />
        }
    });
    let figure = host.query_selector("figure").unwrap().expect("a figure");
    assert_eq!(figure.get_attribute("role").as_deref(), Some("img"));
    assert_eq!(
        figure.get_attribute("aria-label").as_deref(),
        Some("Login failures: a test")
    );
    assert_eq!(
        figure.get_attribute("data-drawn-from").as_deref(),
        Some("12")
    );
    // Painted on its canvas (which differs from a blank one of its size),
    // as the SVG download would draw it, once the browser has said it is
    // in sight.
    painted(&figure).await;
    let (canvas, blank) = canvas_and_blank(&host);
    assert!(canvas.width() >= charts::WIDTH);
    assert_ne!(canvas.to_data_url().unwrap(), blank.to_data_url().unwrap());
    let painted = canvas.to_data_url().unwrap();
    assert!(host
        .query_selector(".chart-frame[hidden]")
        .unwrap()
        .is_none());
    // The data-table alternative is built when opened (not before), and
    // holds the numbers, as text.
    let details = host
        .query_selector("details.data-table")
        .unwrap()
        .expect("a data table");
    assert!(host
        .query_selector("details.data-table table")
        .unwrap()
        .is_none());
    details.set_attribute("open", "").unwrap();
    next_tick().await;
    next_tick().await;
    let cells: Vec<String> = ["tr td:first-child", "tr td:last-child"]
        .iter()
        .map(|cell| {
            host.query_selector(&format!("details.data-table tbody {cell}"))
                .unwrap()
                .expect("a cell")
                .text_content()
                .unwrap()
        })
        .collect();
    assert_eq!(cells, ["09:00", "<b>3</b>"]);
    assert!(host
        .query_selector("details.data-table b")
        .unwrap()
        .is_none());
    // Both downloads are offered; a read-only chart has no overlay.
    assert!(host
        .query_selector("button.download-svg")
        .unwrap()
        .is_some());
    assert!(host
        .query_selector("button.download-png")
        .unwrap()
        .is_some());
    assert!(host.query_selector(".chart-overlay").unwrap().is_none());

    svg.set(Err("no data".into()));
    next_tick().await;
    let text = host.text_content().unwrap_or_default();
    assert!(
        text.contains("This chart could not be drawn: no data"),
        "{text}"
    );
    assert!(
        host.query_selector(".chart-frame[hidden]")
            .unwrap()
            .is_some(),
        "no chart is shown"
    );
    // A chart again: painted again, in place.
    svg.set(Ok(charts::ranked_bars(
        &[("someone".to_owned(), 3)],
        charts::FAILED_COLOR,
        Ink::LIGHT,
    )));
    next_tick().await;
    assert!(host
        .query_selector(".chart-frame[hidden]")
        .unwrap()
        .is_none());
    assert_eq!(canvas.to_data_url().unwrap(), painted);
}

#[wasm_bindgen_test]
async fn a_chart_far_out_of_sight_is_painted_when_it_comes_near() {
    let document = web_sys::window().unwrap().document().unwrap();
    // Three screens of page above the chart.
    let spacer = document.create_element("div").unwrap();
    spacer.set_attribute("style", "height:300vh").unwrap();
    document.body().unwrap().append_child(&spacer).unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    web_sys::window().unwrap().scroll_to_with_x_and_y(0.0, 0.0);
    let drawn = RwSignal::new(Ok::<Drawn, String>(charts::ranked_bars(
        &[("someone".to_owned(), 3)],
        charts::FAILED_COLOR,
        Ink::LIGHT,
    )));
    let host_element: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(host.clone());
    let _mounted = leptos::mount::mount_to(host_element, move || {
        view! {
            <ChartFigure
                title="Far away"
                label=Signal::derive(|| "Far away: a test".to_owned())
                drawn=Signal::from(drawn)
                drawn_from=Signal::derive(|| 3)
                table=Signal::derive(DataTable::default)
                legend=Vec::new()
            />
        }
    });
    let figure = host.query_selector("figure").unwrap().expect("a figure");
    let (canvas, blank) = canvas_and_blank(&host);
    // Out of sight it is not painted, and marked as behind its data
    // (which hides the canvas), however long one waits...
    for _ in 0..10 {
        next_tick().await;
    }
    assert!(figure.has_attribute("data-behind"));
    assert_eq!(canvas.to_data_url().unwrap(), blank.to_data_url().unwrap());
    // ...nor when its data changes there.
    drawn.set(Ok(charts::ranked_bars(
        &[("someone else".to_owned(), 5)],
        charts::FAILED_COLOR,
        Ink::LIGHT,
    )));
    for _ in 0..10 {
        next_tick().await;
    }
    assert_eq!(canvas.to_data_url().unwrap(), blank.to_data_url().unwrap());
    // Scrolled near, it is painted with what it holds now.
    figure.scroll_into_view();
    painted(&figure).await;
    assert_ne!(canvas.to_data_url().unwrap(), blank.to_data_url().unwrap());
    spacer.remove();
    host.remove();
}

/// `count` flags of one kind about different accounts, a minute apart.
fn many_flags(count: usize) -> Vec<audit_core::detect::Detection> {
    let start = audit_core::time::parse_iso("2026-11-18T09:00:00Z").unwrap();
    (0..count)
        .map(|n| audit_core::detect::Detection {
            kind: audit_core::detect::DetectionKind::BruteForce,
            subject: format!("account-{n}"),
            first_at: start + chrono::Duration::minutes(n as i64),
            last_at: start + chrono::Duration::minutes(n as i64 + 1),
            reason: format!("reason {n}"),
            event_ids: Vec::new().into(),
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_long_list_of_flags_lists_the_first_fifty_the_one_shown_and_the_rest_on_request() {
    use audit_dashboard::components::detections::DetectionList;
    use audit_dashboard::view_state::DisplayZone;
    let document = web_sys::window().unwrap().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let flags = many_flags(120);
    let far_down = flags[79].key();
    let detections = RwSignal::new(std::sync::Arc::new(flags));
    let active = RwSignal::new(None::<String>);
    let host_element: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(host.clone());
    let _mounted = leptos::mount::mount_to(host_element, move || {
        view! {
            <DetectionList detections=Signal::from(detections) active=Signal::from(active)
                zone=Signal::derive(|| DisplayZone::Utc) complete=Signal::derive(|| true)
                on_show=Callback::new(move |key| active.set(key))>
                ""
            </DetectionList>
        }
    });
    next_tick().await;
    let listed = || host.query_selector_all("li.flag").unwrap().length();
    let more = || host.query_selector("#flags-more").unwrap();
    assert_eq!(listed(), 50);
    assert!(host
        .text_content()
        .unwrap()
        .contains("Listing the first 50 of 120 flags, most severe first."));
    // A link to a flag further down lists as far as it.
    active.set(Some(far_down.clone()));
    next_tick().await;
    assert_eq!(listed(), 80);
    let last = host
        .query_selector("li.flag:last-of-type")
        .unwrap()
        .unwrap();
    assert_eq!(last.get_attribute("data-key"), Some(far_down));
    assert!(last.class_list().contains("active"));
    // The rest on request, and no button once all are listed.
    let button: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(more().unwrap());
    assert_eq!(button.text_content().as_deref(), Some("List all 120"));
    button.click();
    next_tick().await;
    assert_eq!(listed(), 120);
    assert!(more().is_none());
    // The focus moves on to the first flag listed on request.
    let focused = || {
        document
            .active_element()
            .and_then(|element| element.closest("li.flag").ok().flatten())
            .and_then(|flag| flag.get_attribute("data-key"))
    };
    for _ in 0..50 {
        if focused().is_some() {
            break;
        }
        next_tick().await;
    }
    assert_eq!(focused(), Some(many_flags(120)[80].key()));
    // A short list is listed whole, with no button.
    detections.set(std::sync::Arc::new(many_flags(7)));
    next_tick().await;
    assert_eq!(listed(), 7);
    assert!(more().is_none());
}
