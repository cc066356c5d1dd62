//! Support lookups: a search box for a user or an address, and the panel
//! telling that person's (or address's) story across both sources.

use audit_core::lookup::{address_profile, looks_like_address, profile, AccountSeen, Profile};
use leptos::prelude::*;

use crate::format::{format_count, format_time};
use crate::view_state::DisplayZone;

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Person(Profile),
    Address(Vec<AccountSeen>, Vec<String>),
}

impl Found {
    /// The ids of the events it covers.
    pub fn event_ids(&self) -> &[String] {
        match self {
            Found::Person(profile) => &profile.event_ids,
            Found::Address(_, ids) => ids,
        }
    }
}

/// Looks `who` (and the chosen Cloudera Manager `alias`) up in `events`.
pub fn look_up(
    events: &(impl audit_core::Events + ?Sized),
    who: &str,
    alias: Option<&str>,
) -> Found {
    if looks_like_address(who)
        || audit_core::privacy::pseudonym_kind(who)
            == Some(audit_core::privacy::PersonKind::Address)
    {
        let (accounts, ids) = address_profile(events, who.trim());
        return Found::Address(accounts, ids);
    }
    let mut identities = vec![who];
    identities.extend(alias);
    Found::Person(profile(events, &identities))
}

/// The search box: a user's e-mail or name, or an address, with completion.
#[component]
pub fn LookupForm(
    /// Who is looked up now (from the URL).
    current: Signal<Option<String>>,
    /// Known users and addresses, for completion.
    suggestions: Signal<Vec<String>>,
    /// Privacy mode: the example names no one.
    private: Signal<bool>,
    on_look_up: Callback<Option<String>>,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    Effect::new(move || draft.set(current.get().unwrap_or_default()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked().trim().to_owned();
        on_look_up.run((!text.is_empty()).then_some(text));
    };
    view! {
        <form class="lookup" role="search" on:submit=submit>
            <label for="lookup">"Look up a user or address"</label>
            <input id="lookup" type="search" list="lookup-suggestions" autocomplete="off" spellcheck="false"
                placeholder=move || if private.get() { "user-…, ip-…, or a name or address (masked in the link)" } else { "raj.kim@example.com, admin or 203.0.113.66" }
                prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))/>
            <button type="submit" id="lookup-go">"Look up"</button>
            <datalist id="lookup-suggestions">
                {move || suggestions.get().into_iter().map(|s| view! { <option value=s></option> }).collect_view()}
            </datalist>
        </form>
    }
}

fn ranked_list(items: Vec<(String, u32)>, empty: &'static str) -> AnyView {
    if items.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! {
        <ol class="ranked">
            {items.into_iter().map(|(name, count)| view! { <li>{name} " (" {format_count(u64::from(count))} ")"</li> }).collect_view()}
        </ol>
    }
    .into_any()
}

/// The story of the person or address looked up.
#[component]
pub fn LookupPanel(
    who: String,
    alias: Option<String>,
    /// The Cloudera Manager user the person proposes, if any.
    proposal: Option<String>,
    found: Found,
    zone: DisplayZone,
    /// Sets (or clears) the Cloudera Manager identity the person also uses.
    on_alias: Callback<Option<String>>,
    on_close: Callback<()>,
) -> impl IntoView {
    let body = match found {
        Found::Address(accounts, ids) => view! {
            <p>{format!("{} events from {who}, by {} accounts.", format_count(ids.len() as u64), accounts.len())}</p>
            <table class="lookup-table">
                <thead><tr><th scope="col">"Account"</th><th scope="col">"Source"</th><th scope="col">"Succeeded"</th><th scope="col">"Failed"</th><th scope="col">"Allowed"</th><th scope="col">"Denied"</th><th scope="col">"Last seen"</th></tr></thead>
                <tbody>
                    {accounts.into_iter().map(|a| view! {
                        <tr>
                            <td>{a.account}</td>
                            <td>{a.source.map(|s| s.label()).unwrap_or_default()}</td>
                            <td>{a.succeeded}</td><td>{a.failed}</td><td>{a.allowed}</td><td>{a.denied}</td>
                            <td>{a.last.map(|at| format_time(at, &zone)).unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
        Found::Person(profile) => {
            let mapping = match (&alias, proposal) {
                (Some(alias), _) => {
                    let alias = alias.clone();
                    view! {
                        <p class="mapping">{format!("Including the Cloudera Manager user {alias}, as you chose. ")}
                            <button type="button" id="alias-off" on:click=move |_| on_alias.run(None)>"Leave it out"</button>
                        </p>
                    }
                    .into_any()
                }
                (None, Some(proposal)) => {
                    let label = format!("Also include the Cloudera Manager user {proposal}");
                    view! {
                        <p class="mapping">"Only Octopai's " {who.clone()} " is included. "
                            <button type="button" id="alias-on" on:click=move |_| on_alias.run(Some(proposal.clone()))>{label}</button>
                        </p>
                    }
                    .into_any()
                }
                (None, None) => ().into_any(),
            };
            view! {
                {mapping}
                <p class="lookup-counts">{format!(
                    "{} events ({} Octopai, {} Cloudera Manager), {} failed logins, {} denied operations.",
                    format_count(profile.event_ids.len() as u64),
                    format_count(u64::from(profile.octopai_events)),
                    format_count(u64::from(profile.cloudera_events)),
                    format_count(profile.failed_logins.len() as u64),
                    format_count(u64::from(profile.denied_operations))
                )}</p>
                <h3>"Addresses"</h3>
                <table class="lookup-table addresses">
                    <thead><tr><th scope="col">"Address"</th><th scope="col">"First seen"</th><th scope="col">"Last seen"</th><th scope="col">"Events"</th><th scope="col">"Failed logins"</th></tr></thead>
                    <tbody>
                        {profile.addresses.into_iter().map(|a| view! {
                            <tr><td>{a.ip}</td><td>{format_time(a.first, &zone)}</td><td>{format_time(a.last, &zone)}</td><td>{a.events}</td><td>{a.failed_logins}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <div class="lookup-lists">
                    <div><h3>"Busiest pages"</h3>{ranked_list(profile.top_pages, "No page loads.")}</div>
                    <div><h3>"Busiest services and resources"</h3>{ranked_list(profile.top_targets, "No Cloudera Manager operations.")}</div>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <section class="lookup-panel" aria-labelledby="lookup-heading">
            <header>
                <h2 id="lookup-heading">{format!("Lookup: {who}")}</h2>
                <button type="button" id="lookup-close" on:click=move |_| on_close.run(())>"Back to all events"</button>
            </header>
            <p class="hint">"The charts and the table below show only these events, on one timeline."</p>
            {body}
        </section>
    }
}
