//! The dashboard's smaller parts, each its own component: the top bar, the
//! offline banner, the source toggles, the query as sent, each source's
//! status, the summary tiles and sharing a link.

use audit_core::analytics::Totals;
use audit_core::query::Query;
use audit_core::{Source, TimeWindow};
use leptos::prelude::*;

use super::loads::{Branches, SourceLoads, SourceState};
use super::view::{frozen, SessionExit, ViewHandle};
use super::words;
use crate::components::error_view::ErrorView;
use crate::components::load_progress::LoadProgress;
use crate::format::{format_count, format_time};
use crate::loader::SourceProgress;
use crate::privacy::Privacy;
use crate::view_state::{DashboardView, DisplayZone, Focus};
use crate::{use_offline, use_session};

/// The heading, who is connected, and logging out.
#[component]
pub fn TopBar(exit: SessionExit, private: Signal<bool>, privacy: Privacy) -> impl IntoView {
    let session = use_session();
    let name = move |name: &str| match private.get() {
        true => privacy.person(name),
        false => name.to_owned(),
    };
    let who = move || {
        session.0.with(|session| {
            let Some(session) = session else {
                return String::new();
            };
            let mut parts = Vec::new();
            if let Some(octopai) = &session.octopai {
                parts.push(format!("Octopai: {}", name(&octopai.user_name)));
            }
            if let Some(cloudera) = &session.cloudera {
                parts.push(format!("Cloudera Manager: {}", name(&cloudera.username)));
            }
            parts.join(" · ")
        })
    };
    view! {
        <header class="top">
            <h1>"Audit trail dashboard"</h1>
            <span class="who">{who}</span>
            <crate::theme::ThemePicker/>
            <Show when=move || session.0.with(Option::is_some)>
                <button type="button" id="logout" on:click=move |_| exit.log_out()>"Log out"</button>
            </Show>
        </header>
    }
}

/// Which file is open offline; closing it goes back to live data (or,
/// without a session, to the login page).
#[component]
pub fn OfflineBanner(zone: Memo<DisplayZone>) -> impl IntoView {
    let offline = use_offline();
    move || {
        offline.0.with(|file| {
            file.as_ref().map(|file| {
                let events = &file.imported.events;
                let span = match (events.last(), events.first()) {
                    (Some(oldest), Some(newest)) => format!(
                        ", from {} to {}",
                        format_time(oldest.at, &zone.get()),
                        format_time(newest.at, &zone.get())
                    ),
                    _ => String::new(),
                };
                let checked = if file.imported.window.is_some() {
                    " It matched its manifest."
                } else {
                    ""
                };
                view! {
                    <p class="offline-banner" id="offline-banner" role="status">
                        {format!(
                            "Offline: exploring {} ({}), {} events{span}.{checked} Nothing is fetched or sent; a preset range shows the whole file. ",
                            file.name,
                            file.imported.format.describe(),
                            format_count(events.len() as u64),
                        )}
                        <button type="button" id="offline-close" on:click=move |_| offline.0.set(None)>"Close the file"</button>
                    </p>
                }
            })
        })
    }
}

/// A checkbox per source: shown or hidden.
#[component]
pub fn SourceToggles(view: ViewHandle) -> impl IntoView {
    let toggle = move |source: Source, id: &'static str| {
        view! {
            <label class="source-toggle">
                <input type="checkbox" id=id prop:checked=move || view.view.with(|v| v.sources.shows(source))
                    on:change=move |_| view.edit(|next| next.sources = next.sources.toggled(source))/>
                " " {source.label()}
            </label>
        }
    };
    view! {
        <fieldset class="shown-sources">
            <legend>"Show"</legend>
            {toggle(Source::Octopai, "show-octopai")}
            {toggle(Source::ClouderaManager, "show-cloudera")}
        </fieldset>
    }
}

/// The query strings sent to Cloudera Manager, one per AND-branch.
#[component]
pub fn SentQuery(branches: Memo<Branches>) -> impl IntoView {
    move || {
        let sent: Vec<String> = branches.with(|parsed| {
            parsed
                .iter()
                .flatten()
                .map(Query::to_query_string)
                .collect()
        });
        let words = words::sent_as(sent.len())?;
        Some(view! {
            <div class="sent-query">
                <span>{words}</span>
                <ul class="sent-queries">
                    {sent.into_iter().map(|q| view! { <li><code>"query=" {q}</code></li> }).collect_view()}
                </ul>
                <span>"The same query filters Octopai events here."</span>
            </div>
        })
    }
}

/// Both sources' status, and cancelling a load in flight.
#[component]
pub fn SourcePanels(loads: SourceLoads) -> impl IntoView {
    // What a screen reader hears: when a source starts, finishes, stops or
    // fails, never each page (the progress text itself is not live).
    let milestones = Memo::new(move |_| {
        Source::ALL
            .iter()
            .filter_map(|&source| {
                let name = source.label();
                loads.state(source).with(|state| match state {
                    SourceState::Loading(_) => Some(format!("Loading {name} events.")),
                    SourceState::Loaded(progress) => Some(format!(
                        "{name}: {} events loaded.",
                        crate::format::format_count(progress.received)
                    )),
                    SourceState::Cancelled(_) => Some(format!("{name}: loading cancelled.")),
                    SourceState::Failed(..) => Some(format!("{name}: loading failed.")),
                    _ => None,
                })
            })
            .collect::<Vec<_>>()
            .join(" ")
    });
    view! {
        <p class="sr-only" role="status" data-live="loads">{milestones}</p>
        <section class="sources">
            <Show when=move || loads.loading()>
                <button type="button" id="cancel-load" on:click=move |_| loads.cancel()>"Cancel loading"</button>
            </Show>
            <SourcePanel loads=loads source=Source::Octopai/>
            <SourcePanel loads=loads source=Source::ClouderaManager/>
        </section>
    }
}

/// One source's status: progress, the cap reached, cancelled, failed.
#[component]
fn SourcePanel(loads: SourceLoads, source: Source) -> impl IntoView {
    let name = source.label();
    let state = loads.state(source);
    let progress = Signal::derive(move || state.with(SourceState::progress));
    move || {
        match state.get() {
        SourceState::Blocked(reason) => {
            view! { <p class="source-off blocked">{name} ": " {reason}</p> }.into_any()
        }
        SourceState::NotConnected => {
            view! { <p class="source-off">{name} ": not connected in this session."</p> }.into_any()
        }
        SourceState::Loaded(SourceProgress {
            received,
            at_least: Some(at_least),
            ..
        }) => view! {
            <div>
                <LoadProgress name=name progress=progress/>
                <p class="capped" role="status">{words::capped(name, received, at_least)}</p>
            </div>
        }
        .into_any(),
        SourceState::Loaded(SourceProgress { held: true, .. }) => view! {
            <div class="held">
                <LoadProgress name=name progress=progress/>
                <button type="button" class="load-again" on:click=move |_| loads.reload(source)>"Load again"</button>
            </div>
        }
        .into_any(),
        SourceState::Loading(_) | SourceState::Loaded(_) => {
            view! { <LoadProgress name=name progress=progress/> }.into_any()
        }
        SourceState::Cancelled(progress) => view! {
            <p class="source-off cancelled" role="status">
                {words::cancelled(name, progress.received, progress.pages)}
                <button type="button" on:click=move |_| loads.reload(source)>"Load again"</button>
            </p>
        }
        .into_any(),
        SourceState::Failed(_, error) => view! {
            <div>
                <LoadProgress name=name progress=progress/>
                <ErrorView context=format!("Loading {name} events") error=error on_retry=move || loads.reload(source)/>
            </div>
        }
        .into_any(),
    }
    }
}

/// The summary tiles; each narrows the view to what it counts. While a
/// load has nothing to show yet (`waiting`) they say so ("…", busy)
/// rather than count zero.
#[component]
pub fn Tiles(
    view: ViewHandle,
    totals: Memo<Totals>,
    flags: Signal<usize>,
    waiting: Signal<bool>,
) -> impl IntoView {
    let url = move |focus: Option<Focus>| {
        DashboardView {
            focus,
            flag: None,
            ..view.view.get()
        }
        .to_url()
    };
    let value = move |count: usize| match waiting.get() {
        true => "…".to_owned(),
        false => format_count(count as u64),
    };
    let tile = move |id: &'static str,
                     class: &'static str,
                     focus: Option<Focus>,
                     count: fn(&Totals) -> usize,
                     words: &'static str| {
        view! {
            <a class=class id=id href=move || url(focus)>
                <span class="value">{move || value(totals.with(count))}</span>{words}
            </a>
        }
    };
    view! {
        <section class="tiles" id="overview" aria-label="Summary" aria-busy=move || waiting.get().then_some("true")>
            {tile("tile-events", "tile", None, |t| t.events, " events")}
            {tile("failed-logins", "tile bad", Some(Focus::FailedLogins), |t| t.failed_logins, " failed logins")}
            {tile("failing-accounts", "tile bad", Some(Focus::FailedLogins), |t| t.failing_accounts, " failing accounts")}
            {tile("failing-ips", "tile bad", Some(Focus::FailedLogins), |t| t.failing_ips, " failing addresses")}
            {tile("denied-operations", "tile bad", Some(Focus::DeniedOperations), |t| t.denied_operations, " denied operations")}
            <a class="tile flags" id="active-flags" href="#detections"><span class="value">{move || value(flags.get())}</span>" active flags"</a>
        </section>
    }
}

/// "Copy link": this view with its window frozen, so whoever opens it
/// (after logging in) sees the same events.
#[component]
pub fn ShareLink(view: ViewHandle, window: RwSignal<Option<TimeWindow>>) -> impl IntoView {
    let copied = RwSignal::new(None::<String>);
    let copy = move |_| {
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        let link = format!(
            "{origin}{}",
            frozen(view.view.get_untracked(), window.get_untracked()).to_url()
        );
        copy_to_clipboard(&link);
        copied.set(Some(link));
    };
    view! {
        <div class="share">
            <button type="button" id="copy-link" on:click=copy>"Copy link"</button>
            {move || copied.get().map(|link| view! {
                <label class="copied-link">"Link to this view, its time range frozen: "
                    <input type="text" readonly=true prop:value=link/>
                </label>
            })}
        </div>
    }
}

/// Best effort (the link is also shown to copy by hand): the asynchronous
/// clipboard, where the browser offers it.
fn copy_to_clipboard(text: &str) {
    let clipboard = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"navigator".into()).ok())
        .and_then(|n| js_sys::Reflect::get(&n, &"clipboard".into()).ok())
        .filter(|c| !c.is_undefined());
    let Some(clipboard) = clipboard else { return };
    if let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into()) {
        if let Some(write) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Function>(&write) {
            let _ = write.call1(&clipboard, &text.into());
        }
    }
}
