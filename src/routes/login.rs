//! The login screen: one or both sources, labelled fields, a clear error.
//! Passwords stay in this form's memory only and are sent once, to the
//! gateway; what comes back is the opaque session token.

use crate::components::import_file::ImportFile;
use audit_core::contract::{Credentials, SessionRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::{api, use_session};

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let use_octopai = RwSignal::new(true);
    let use_cloudera = RwSignal::new(true);
    let octopai_user = RwSignal::new(String::new());
    let octopai_password = RwSignal::new(String::new());
    let cloudera_user = RwSignal::new(String::new());
    let cloudera_password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let notice = move || {
        query.with(|query| match query.get("reason").as_deref() {
            Some("expired") => Some("Your session has expired. Log in again to continue."),
            Some("logout") => Some("You have logged out."),
            _ => None,
        })
    };

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let credentials =
            |use_it: RwSignal<bool>, user: RwSignal<String>, password: RwSignal<String>| {
                use_it.get_untracked().then(|| Credentials {
                    username: user.get_untracked().trim().to_owned(),
                    password: password.get_untracked(),
                })
            };
        let request = SessionRequest {
            octopai: credentials(use_octopai, octopai_user, octopai_password),
            cloudera: credentials(use_cloudera, cloudera_user, cloudera_password),
        };
        if let Some(problem) = missing_field(&request) {
            error.set(Some(problem));
            return;
        }
        error.set(None);
        busy.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::create_session(&request).await {
                Ok(response) => {
                    if !session.start(response) {
                        error.set(Some("The browser refused to keep the session (is storage disabled?). Allow site storage and try again.".into()));
                        busy.set(false);
                        return;
                    }
                    // Back to where an expired session left off, if it was
                    // a dashboard view; anywhere else is not followed.
                    let next = query
                        .with_untracked(|query| query.get("next"))
                        .filter(|next| next.starts_with("/dashboard?") || next == "/dashboard")
                        .unwrap_or_else(|| "/dashboard".to_owned());
                    navigate(&next, Default::default());
                }
                Err(problem) => {
                    error.set(Some(problem.message));
                    busy.set(false);
                }
            }
        });
    };

    view! {
        <main class="login">
            <h1>"Audit trail dashboard"</h1>
            <crate::theme::ThemePicker/>
            <p class="lead">"Log in to Octopai, Cloudera Manager, or both. Passwords go to the gateway once and are never stored in this browser."</p>
            {move || notice().map(|text| view! { <p class="notice" role="status">{text}</p> })}
            <form on:submit=submit novalidate>
                <SourceFields id="octopai" name="Octopai" user_label="E-mail" user_type="email"
                    enabled=use_octopai user=octopai_user password=octopai_password/>
                <SourceFields id="cloudera" name="Cloudera Manager" user_label="User name" user_type="text"
                    enabled=use_cloudera user=cloudera_user password=cloudera_password/>
                {move || error.get().map(|text| view! { <p class="error-view login-error" role="alert">{text}</p> })}
                <button type="submit" id="login-submit" prop:disabled=move || busy.get()>
                    {move || if busy.get() { "Logging in…" } else { "Log in" }}
                </button>
            </form>
            <ImportFile/>
        </main>
    }
}

/// One source's fieldset: a checkbox to connect it, its user and password.
/// Element ids are `use-{id}`, `{id}-user` and `{id}-password`.
#[component]
fn SourceFields(
    id: &'static str,
    name: &'static str,
    user_label: &'static str,
    user_type: &'static str,
    enabled: RwSignal<bool>,
    user: RwSignal<String>,
    password: RwSignal<String>,
) -> impl IntoView {
    let user_id = format!("{id}-user");
    let password_id = format!("{id}-password");
    view! {
        <fieldset>
            <legend>
                <label>
                    <input type="checkbox" id=format!("use-{id}") prop:checked=move || enabled.get()
                        on:change=move |ev| enabled.set(event_target_checked(&ev))/>
                    " " {name}
                </label>
            </legend>
            <label for=user_id.clone()>{user_label}</label>
            <input id=user_id.clone() name=user_id type=user_type autocomplete="username"
                prop:disabled=move || !enabled.get()
                prop:value=move || user.get() on:input=move |ev| user.set(event_target_value(&ev))/>
            <label for=password_id.clone()>"Password"</label>
            <input id=password_id.clone() name=password_id type="password" autocomplete="current-password"
                prop:disabled=move || !enabled.get()
                prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
        </fieldset>
    }
}

/// Says which field is missing before anything is sent.
fn missing_field(request: &SessionRequest) -> Option<String> {
    if request.octopai.is_none() && request.cloudera.is_none() {
        return Some("Choose at least one source to log in to.".into());
    }
    for (credentials, name, user_word) in [
        (&request.octopai, "Octopai", "e-mail"),
        (&request.cloudera, "Cloudera Manager", "user name"),
    ] {
        if let Some(credentials) = credentials {
            if credentials.username.is_empty() {
                return Some(format!("Enter your {name} {user_word}."));
            }
            if credentials.password.is_empty() {
                return Some(format!("Enter your {name} password."));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(user: &str, password: &str) -> Option<Credentials> {
        Some(Credentials {
            username: user.into(),
            password: password.into(),
        })
    }

    #[test]
    fn missing_fields_are_named_before_sending() {
        let check = |octopai, cloudera, expected: Option<&str>| {
            let request = SessionRequest { octopai, cloudera };
            assert_eq!(missing_field(&request).as_deref(), expected);
        };
        check(None, None, Some("Choose at least one source to log in to."));
        check(
            credentials("", "x"),
            None,
            Some("Enter your Octopai e-mail."),
        );
        check(
            None,
            credentials("admin", ""),
            Some("Enter your Cloudera Manager password."),
        );
        check(
            credentials("a@b.c", "x"),
            credentials("admin", "admin"),
            None,
        );
    }
}
