//! The one view of a failed request: what failed, what to do, and a retry.

use leptos::prelude::*;

use crate::api::ApiError;

#[component]
pub fn ErrorView(
    /// What was being done (`Loading Octopai events`).
    context: String,
    error: ApiError,
    /// Called when the user asks to try again.
    on_retry: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <div class="error-view" role="alert" data-code=error.failure.as_str()>
            <strong>{context} " failed."</strong>
            " "
            <span class="error-message">{error.message.clone()}</span>
            " "
            <button type="button" on:click=move |_| on_retry()>"Retry"</button>
        </div>
    }
}
