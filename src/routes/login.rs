//! The login screen: one or both sources, labelled fields, a clear error.
//! Passwords stay in this form's memory only and are sent once, to the
//! gateway; what comes back is the opaque session token.

use audit_core::contract::{Credentials, SessionRequest};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::{api, storage, use_session};

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
                    if !storage::save_session(&response) {
                        error.set(Some("The browser refused to keep the session (is storage disabled?). Allow site storage and try again.".into()));
                        busy.set(false);
                        return;
                    }
                    session.0.set(Some(response));
                    navigate("/dashboard", Default::default());
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
            <p class="lead">"Log in to Octopai, Cloudera Manager, or both. Passwords go to the gateway once and are never stored in this browser."</p>
            {move || notice().map(|text| view! { <p class="notice" role="status">{text}</p> })}
            <form on:submit=submit novalidate>
                <fieldset>
                    <legend>
                        <label>
                            <input type="checkbox" id="use-octopai" prop:checked=move || use_octopai.get() on:change=move |ev| use_octopai.set(event_target_checked(&ev))/>
                            " Octopai"
                        </label>
                    </legend>
                    <label for="octopai-user">"E-mail"</label>
                    <input id="octopai-user" name="octopai-user" type="email" autocomplete="username"
                        prop:disabled=move || !use_octopai.get()
                        prop:value=move || octopai_user.get() on:input=move |ev| octopai_user.set(event_target_value(&ev))/>
                    <label for="octopai-password">"Password"</label>
                    <input id="octopai-password" name="octopai-password" type="password" autocomplete="current-password"
                        prop:disabled=move || !use_octopai.get()
                        prop:value=move || octopai_password.get() on:input=move |ev| octopai_password.set(event_target_value(&ev))/>
                </fieldset>
                <fieldset>
                    <legend>
                        <label>
                            <input type="checkbox" id="use-cloudera" prop:checked=move || use_cloudera.get() on:change=move |ev| use_cloudera.set(event_target_checked(&ev))/>
                            " Cloudera Manager"
                        </label>
                    </legend>
                    <label for="cloudera-user">"User name"</label>
                    <input id="cloudera-user" name="cloudera-user" type="text" autocomplete="username"
                        prop:disabled=move || !use_cloudera.get()
                        prop:value=move || cloudera_user.get() on:input=move |ev| cloudera_user.set(event_target_value(&ev))/>
                    <label for="cloudera-password">"Password"</label>
                    <input id="cloudera-password" name="cloudera-password" type="password" autocomplete="current-password"
                        prop:disabled=move || !use_cloudera.get()
                        prop:value=move || cloudera_password.get() on:input=move |ev| cloudera_password.set(event_target_value(&ev))/>
                </fieldset>
                {move || error.get().map(|text| view! { <p class="error-view login-error" role="alert">{text}</p> })}
                <button type="submit" id="login-submit" prop:disabled=move || busy.get()>
                    {move || if busy.get() { "Logging in…" } else { "Log in" }}
                </button>
            </form>
        </main>
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
