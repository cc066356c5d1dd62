//! The dashboard: loads the view's time range from every connected source
//! (the window's end pinned when the load starts), shows progress per
//! source, the summary tiles, lookups, detections, the charts, the export
//! and every event. What is shown lives in the URL ([`crate::view_state`]),
//! so reload, back/forward and a pasted link restore it.
//!
//! This page only composes: the view in the URL ([`view`]), the loads
//! ([`loads`]), what is shown of them ([`shown`]), the charts ([`charts`]),
//! zooming ([`zoom`]), following the sources live ([`live`]), the wording
//! ([`words`]) and the smaller parts
//! ([`panels`]) each live in their own module.

pub mod charts;
pub mod live;
pub mod loads;
pub mod offline;
pub mod panels;
pub mod periods;
pub mod shown;
pub mod silence;
pub mod view;
pub mod words;
pub mod zoom;

use audit_core::alternatives::with_clause;
use audit_core::analytics::Buckets;
use audit_core::lookup::cloudera_name_for;
use audit_core::query::Selector;
use audit_core::Source;
use leptos::prelude::*;

use crate::components::column_chooser::{record_fields, ColumnChooser};
use crate::components::detections::{DetectionList, ThresholdForm};
use crate::components::event_detail::EventDetail;
use crate::components::event_table::EventTable;
use crate::components::export_bar::ExportBar;
use crate::components::field_facets::{FieldFacets, FACET_VALUES};
use crate::components::funnel_panel::FunnelPanel;
use crate::components::import_file::ImportFile;
use crate::components::lookup_panel::{LookupForm, LookupPanel};
use crate::components::period_compare::PeriodCompare;
use crate::components::privacy_switch::PrivacySwitch;
use crate::components::query_bar::QueryBar;
use crate::components::range_picker::RangePicker;
use crate::components::retention_panel::RetentionPanel;
use crate::components::saved_views::SavedViews;
use crate::components::segment_form::SegmentForm;
use crate::components::usage_panel::{usage, UsagePanel};
use crate::shortcuts;
use crate::view_state::TimeRange;
use charts::{ChartInputs, CHART_BUCKETS};
use loads::{branches_of, use_source_loads};
use panels::{OfflineBanner, SentQuery, ShareLink, SourcePanels, SourceToggles, Tiles, TopBar};
use shown::use_shown;
use view::{use_dashboard_view, SessionExit};
use zoom::use_zoom;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let view = use_dashboard_view();
    let exit = SessionExit::new(view);
    let current = view.view;
    let privacy = view.privacy;
    let private = Memo::new(move |_| current.with(|v| v.private));
    // The query as shown (with pseudonyms in privacy mode), and as loaded.
    let query_text = Memo::new(move |_| current.with(|v| v.query.clone()));
    let real_query = Memo::new(move |_| match private.get() {
        true => query_text.with(|text| privacy.unmask(text).0),
        false => query_text.get(),
    });
    let branches = Memo::new(move |_| real_query.with(|text| branches_of(text)));
    let shown_branches = Memo::new(move |_| match private.get() {
        true => query_text.with(|text| branches_of(text)),
        false => branches.get(),
    });
    let unresolved = Memo::new(move |_| match private.get() {
        true => current.with(|v| privacy.unresolved(v)),
        false => Vec::new(),
    });
    let zone = Memo::new(move |_| current.with(|v| v.zone));
    let flag = Memo::new(move |_| current.with(|v| v.flag.clone()));
    let loads = use_source_loads(view, branches, exit);
    let tail = live::use_live_tail(view, loads, exit);
    let window = loads.window;
    let watch = silence::use_silence_watch(view, loads);
    let shown = use_shown(view, loads, watch.silence);
    let events = shown.events;
    let loading = Memo::new(move |_| loads.loading());
    // A load under way with nothing to show yet: the charts, tiles and
    // table wait for it rather than show an empty window.
    let waiting: Signal<bool> =
        Memo::new(move |_| loading.get() && events.with(audit_core::Rows::is_empty)).into();

    let buckets = Memo::new(move |_| {
        window
            .get()
            .map(|window| Buckets::for_chart(window, CHART_BUCKETS, &zone.get()))
    });
    let zoom = use_zoom(view, buckets);
    let counted = shown.counted(buckets, zone);
    // The tiles: from the counts, once there is a window.
    let totals = Memo::new(move |_| {
        counted
            .with(|counted| counted.as_ref().map(|c| c.aggregates.totals(&c.shown)))
            .unwrap_or_else(|| shown.totals.get())
    });
    let inputs = ChartInputs {
        events,
        counted,
        buckets,
        zone,
        window,
        zoom,
        ink: {
            let theme = crate::theme::use_theme();
            Signal::derive(move || crate::charts::Ink::for_theme(theme.theme()))
        },
        shaded: Memo::new(move |_| {
            shown.detections.with(|flags| {
                flags
                    .iter()
                    .filter(|flag| flag.kind == audit_core::detect::DetectionKind::SilentSource)
                    .map(|flag| (flag.first_at, flag.last_at))
                    .collect()
            })
        }),
    };
    // A clause from a chart's bar or the detail view, added to the query.
    let add_clause =
        view.editor(|next, clause: String| next.query = with_clause(&next.query, &clause));
    let split = Memo::new(move |_| current.with(|v| v.split.clone()));
    let (page_loads, active_users) = charts::usage_charts(inputs, split, privacy, private);
    let time_charts = [
        charts::octopai_logins(inputs),
        charts::cloudera_logins(inputs),
        charts::operations(inputs),
        charts::activity(inputs),
        charts::failing_accounts(inputs, add_clause),
        charts::failing_addresses(inputs, add_clause),
        charts::hour_by_weekday(inputs),
    ];

    let narrowing = Memo::new(move |_| {
        words::narrowing(
            events.with(|events| events.len()),
            flag.get().as_deref(),
            shown.active_flag.get().as_ref(),
            current.with(|v| v.focus),
            loading.get(),
        )
    });
    // Completion values are counted only while someone is in the query or
    // lookup field: a filter change does not pay for lists nobody opens.
    let completing = RwSignal::new(false);
    let known = Signal::derive(move || match completing.get() {
        true => shown.known.get(),
        false => Default::default(),
    });
    // Lookups complete from the accounts and addresses loaded.
    let lookup_suggestions = Signal::derive(move || {
        known.with(|known| {
            [Selector::Username, Selector::IpAddress]
                .iter()
                .flat_map(|selector| known.get(selector).into_iter().flatten().take(100).cloned())
                .collect::<Vec<String>>()
        })
    });
    // Usage is counted only while its panel is open.
    let usage_open = RwSignal::new(false);
    let usage_counted = crate::recent::memo_recent(
        2,
        move || {
            let (idle, routes, zone) = current.with(|v| (v.idle_minutes, v.routes, v.zone));
            (events.get(), window.get(), idle, routes, zone)
        },
        |(events, window, idle, routes, zone)| {
            window.map(|window| usage(events, &window, *idle, routes, zone))
        },
    );
    let usage_now = Signal::derive(move || usage_open.get().then(|| usage_counted.get()).flatten());
    // The previous period and a retention lookback, loaded beside it.
    let periods = periods::use_usage_periods(view, loads, real_query, usage_open);
    // A funnel, counted while the usage panel is open.
    let funnel_counted = crate::recent::memo_recent(
        2,
        move || {
            let (funnel, routes, idle) =
                current.with(|v| (v.funnel.clone(), v.routes, v.idle_minutes));
            (events.get(), funnel, routes, idle)
        },
        |(events, funnel, routes, idle)| {
            funnel.as_ref().map(|funnel| {
                audit_core::funnel::funnel(
                    events,
                    funnel,
                    routes,
                    chrono::Duration::minutes(i64::from(*idle)),
                )
            })
        },
    );
    let funnel_now =
        Signal::derive(move || usage_open.get().then(|| funnel_counted.get()).flatten());
    // So are the fields' facets, over the events shown.
    let facets_open = RwSignal::new(false);
    let facets_counted = crate::recent::memo_recent(
        2,
        move || events.get(),
        |events| {
            let all = audit_core::facets::Facet::ALL;
            all.into_iter()
                .zip(audit_core::facets::facets_of(events, &all, FACET_VALUES))
                .collect::<Vec<_>>()
        },
    );
    let facets_now = Signal::derive(move || facets_open.get().then(|| facets_counted.get()));
    // The table's columns; a CSV export follows them once chosen.
    let columns = Memo::new(move |_| {
        current.with(|v| {
            v.columns
                .clone()
                .unwrap_or_else(|| audit_core::columns::TABLE_COLUMNS.to_vec())
        })
    });
    let csv_columns = Memo::new(move |_| {
        current.with(|v| {
            v.columns
                .clone()
                .unwrap_or_else(|| audit_core::columns::CSV_DEFAULT.to_vec())
        })
    });
    let columns_open = RwSignal::new(false);
    // The records' fields offered as columns, read only while choosing.
    let fields = Memo::new(move |_| match columns_open.get() {
        true => events.with(|events| record_fields(events, 300)),
        false => Vec::new(),
    });
    // What an export covers; none while loading.
    let export_scope = Signal::derive(move || {
        if loading.get() {
            return None;
        }
        let states = Source::ALL.map(|source| (source, loads.state(source).get()));
        Some(words::export_scope(&current.get(), window.get()?, &states))
    });
    let selected = RwSignal::new(None::<String>);
    let shortcuts_open = RwSignal::new(false);
    shortcuts::on_shortcut(move |key| match key {
        "/" => shortcuts::focus("query"),
        "?" => {
            shortcuts_open.update(|open| *open = !*open);
            true
        }
        "Escape" => {
            let had = selected.get_untracked().is_some() || shortcuts_open.get_untracked();
            selected.set(None);
            shortcuts_open.set(false);
            shortcuts::close_menus() || had
        }
        "[" | "]" => match window.get_untracked() {
            Some(shown) => {
                let target = shortcuts::stepped(&shown, key == "]", chrono::Utc::now());
                view.edit(|next| {
                    next.range = TimeRange::Absolute {
                        start: target.start(),
                        end: target.end(),
                    };
                });
                true
            }
            None => false,
        },
        _ => false,
    });
    let selected_event = Memo::new(move |_| {
        selected.with(|id| {
            id.as_ref()
                .and_then(|id| events.with(|events| events.iter().find(|e| e.id == **id).cloned()))
        })
    });

    view! {
        <TopBar exit=exit private=Signal::from(private) privacy=privacy/>
        <shortcuts::ShortcutList open=shortcuts_open/>
        <main class="dashboard">
            <nav class="sections" aria-label="Sections of this page">
                // Plain fragment links: the browser scrolls, the view stays.
                {[("overview", "Overview"), ("detections", "Detections"), ("charts", "Charts"),
                  ("lookup", "Lookup"), ("usage", "Usage"), ("fields", "Fields"), ("events", "Events")]
                    .map(|(id, name)| view! { <a href=format!("#{id}") rel="external">{name}</a> })
                    .collect_view()}
            </nav>
            <OfflineBanner zone=zone/>
            <RangePicker view=Signal::from(current) window=Signal::from(window) zone=Signal::from(zone)
                on_change=move |next| view.change.run(next)/>
            <live::LiveSwitch view=view tail=tail zone=Signal::from(zone)/>
            {move || view.link_problem.get().map(|problem| view! {
                <p class="error-view" role="alert">"This link's time range cannot be used: " {problem} " Pick a range above."</p>
            })}
            <SourceToggles view=view/>
            <PrivacySwitch on=Signal::from(private) on_change=view.editor(|next, on| next.private = on)
                unresolved=Signal::from(unresolved) refused=Signal::from(view.refused)/>
            <div class="completing" on:focusin=move |_| completing.set(true) on:focusout=move |_| completing.set(false)>
                <QueryBar applied=Signal::from(query_text) known_values=known
                    on_apply=move |text: String| view.edit(|next| next.query = text)/>
            </div>
            <SentQuery branches=shown_branches/>
            <SourcePanels loads=loads/>
            <Tiles view=view totals=totals flags=Signal::derive(move || shown.detections.with(|flags| flags.len())) waiting/>
            {move || current.with(|v| v.people.as_ref().map(Vec::len)).map(|people| view! {
                <p class="narrowed" id="people-narrowing" role="status">
                    {format!("Showing only the events of {} people (a funnel step's or a retention cohort's). ", crate::format::format_count(people as u64))}
                    <button type="button" id="people-clear" on:click=move |_| view.edit(|next| next.people = None)>"Everyone again"</button>
                </p>
            })}
            {move || narrowing.get().map(|words| view! {
                <p class="narrowed" role="status">{words} " "
                    <button type="button" id="show-all"
                        on:click=move |_| view.edit(|next| { next.flag = None; next.focus = None; })>"Show all events"</button>
                </p>
            })}
            <div class="completing" on:focusin=move |_| completing.set(true) on:focusout=move |_| completing.set(false)>
                <LookupForm current=Signal::derive(move || current.with(|v| v.who.clone())) suggestions=lookup_suggestions
                    private=Signal::from(private)
                    on_look_up=view.editor(|next, who| { next.who = who; next.alias = None; })/>
            </div>
            // Built again when the display zone changes, to say its times in it.
            {move || { let zone = zone.get(); shown.lookup.get().map(|(who, alias, found)| view! {
                <LookupPanel proposal=match private.get_untracked() {
                        true => privacy.alias_proposal(&who),
                        false => cloudera_name_for(&who).map(str::to_owned),
                    }
                    who=who alias=alias found=found zone=zone
                    on_alias=view.editor(|next, alias| next.alias = alias)
                    on_close=view.editor(|next, ()| { next.who = None; next.alias = None; })/>
            })}}
            <DetectionList detections=Signal::from(shown.detections) active=Signal::from(flag) zone=Signal::from(zone)
                complete=Signal::derive(move || !loading.get()) on_show=view.editor(|next, key| next.flag = key)>
                <silence::SilenceNote watch=watch/>
            </DetectionList>
            <ThresholdForm thresholds=Signal::derive(move || current.with(|v| v.thresholds))
                on_apply=view.editor(|next, thresholds| next.thresholds = thresholds)/>
            <UsagePanel usage=usage_now open=usage_open idle_minutes=Signal::derive(move || current.with(|v| v.idle_minutes))
                on_idle=view.editor(|next, minutes| next.idle_minutes = minutes)
                rule=Signal::derive(move || current.with(|v| v.routes))
                on_rule=view.editor(|next, rule| next.routes = rule)
                periods=move || view! {
                    <PeriodCompare now=usage_now previous=Signal::from(periods.previous) zone=Signal::from(zone)
                        on_retry=Callback::new(move |()| periods.previous_load.retry())/>
                    <RetentionPanel shown=Signal::from(periods.retention)
                        lookback=Signal::derive(move || current.with(|v| v.retention))
                        on_lookback=view.editor(|next, lookback| next.retention = lookback)
                        on_retry=Callback::new(move |()| periods.lookback_load.retry())
                        on_people=periods::narrow_to_cohort(view)
                        zone=Signal::from(zone) ink=inputs.ink/>
                }>
                <SegmentForm split=Signal::from(split) on_apply=view.editor(|next, split| next.split = split)/>
                <div class="usage-charts">{page_loads.view(waiting)} {active_users.view(waiting)}</div>
                <FunnelPanel funnel=Signal::derive(move || current.with(|v| v.funnel.clone()))
                    counted=funnel_now on_apply=view.editor(|next, funnel| next.funnel = funnel)
                    on_people=view.editor(|next, people: Vec<String>| next.people = Some(people))/>
            </UsagePanel>
            <div class="chart-tools">
                <Show when=move || zoom.history.with(|h| !h.is_empty())>
                    <button type="button" id="zoom-reset" on:click=move |_| zoom.back.run(())>"Back to the previous range"</button>
                </Show>
            </div>
            <div class="charts" id="charts">{time_charts.map(|chart| chart.view(waiting)).collect_view()}</div>
            <ShareLink view=view window=window/>
            <SavedViews current=Signal::derive(move || current.with(|v| v.to_url())) private=Signal::from(private)/>
            <FieldFacets facets=facets_now open=facets_open on_filter=add_clause/>
            <ColumnChooser columns=Signal::from(columns) fields=Signal::from(fields) open=columns_open
                on_change=view.editor(|next, columns| next.columns = Some(columns))
                on_reset=view.editor(|next, ()| next.columns = None)/>
            <ExportBar events=Signal::from(events) scope=export_scope csv_columns=Signal::from(csv_columns)/>
            <ImportFile/>
            <EventTable events=Signal::from(events) zone=Signal::from(zone) selected=selected columns=Signal::from(columns)
                fresh=Signal::from(tail.fresh) waiting/>
            {move || { let zone = zone.get(); selected_event.get().map(|event| view! {
                <EventDetail event=event zone=zone
                    on_filter=move |clause: String| add_clause.run(clause)
                    on_close=move || selected.set(None)/>
            })}}
        </main>
    }
}
