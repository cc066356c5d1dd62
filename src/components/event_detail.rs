//! The detail of one event: every raw field the upstream sent, as text,
//! and for fields the query language can address, buttons that add a `==`
//! or `!=` filter on that value.

use crate::view_state::DisplayZone;
use audit_core::query::{Comparator, Selector};
use audit_core::AuditEvent;
use leptos::prelude::*;

use crate::format::format_time;

/// The query selector a raw field answers to, if any (both sources' names).
pub fn selector_for_field(field: &str) -> Option<Selector> {
    Some(match field {
        "username" | "userName" | "user" | "email" => Selector::Username,
        "ipAddress" | "ip" => Selector::IpAddress,
        "command" | "eventType" => Selector::Operation,
        "service" => Selector::Service,
        "impersonator" => Selector::Impersonator,
        "allowed" => Selector::Allowed,
        "operationText" | "reason" => Selector::OperationText,
        "resource" | "page" => Selector::Source,
        _ => return None,
    })
}

/// The constraint filtering on `value` of `field`, if the query language
/// can say it (no spaces, `;` or `*` in the value, and a known selector).
pub fn filter_clause(field: &str, value: &str, comparator: Comparator) -> Option<String> {
    clause(selector_for_field(field)?, value, comparator)
}

/// The constraint `selector` `comparator` `value`, if the query language
/// can say it (no spaces, `;` or `*` in the value).
pub fn clause(selector: Selector, value: &str, comparator: Comparator) -> Option<String> {
    let expressible = !value.is_empty()
        && !value
            .chars()
            .any(|c| c.is_whitespace() || c == ';' || c == '*');
    expressible.then(|| format!("{selector}{}{value}", comparator.as_str()))
}

#[component]
pub fn EventDetail(
    event: AuditEvent,
    zone: DisplayZone,
    /// Called with a constraint to add to the query.
    on_filter: impl Fn(String) + Clone + Send + Sync + 'static,
    on_close: impl Fn() + 'static,
) -> impl IntoView {
    let fields = event.raw_fields();
    let rows = fields
        .into_iter()
        .map(|(name, value)| {
            let equal = filter_clause(&name, &value, Comparator::Equal);
            let not_equal = filter_clause(&name, &value, Comparator::NotEqual);
            let buttons = match (equal, not_equal) {
                (Some(equal), Some(not_equal)) => {
                    let (add_equal, add_not_equal) = (on_filter.clone(), on_filter.clone());
                    let (equal_label, not_equal_label) = (format!("Filter: {equal}"), format!("Filter: {not_equal}"));
                    Some(view! {
                        <button type="button" class="filter-add" title=equal_label.clone() aria-label=equal_label
                            on:click=move |_| add_equal(equal.clone())>"="</button>
                        <button type="button" class="filter-add" title=not_equal_label.clone() aria-label=not_equal_label
                            on:click=move |_| add_not_equal(not_equal.clone())>"≠"</button>
                    })
                }
                _ => None,
            };
            view! {
                <dt>{name}</dt>
                <dd><span class="raw-value">{value}</span>{buttons}</dd>
            }
        })
        .collect_view();
    view! {
        <aside class="event-detail" aria-label="Event detail">
            <header>
                <h2>{format!("{} event at {}", event.source.label(), format_time(event.at, &zone))}</h2>
                <button type="button" id="detail-close" on:click=move |_| on_close()>"Close"</button>
            </header>
            <dl>{rows}</dl>
        </aside>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_offered_only_where_the_query_language_can_say_them() {
        assert_eq!(
            filter_clause("username", "admin", Comparator::Equal).as_deref(),
            Some("username==admin")
        );
        assert_eq!(
            filter_clause("userName", "a@b.c", Comparator::NotEqual).as_deref(),
            Some("username!=a@b.c")
        );
        assert_eq!(
            filter_clause("ipAddress", "10.0.0.1", Comparator::Equal).as_deref(),
            Some("ip_address==10.0.0.1")
        );
        assert_eq!(
            filter_clause("eventType", "LoginFailed", Comparator::Equal).as_deref(),
            Some("operation==LoginFailed")
        );
        assert_eq!(
            filter_clause("operationText", "SELECT 1", Comparator::Equal),
            None,
            "spaces cannot be written"
        );
        assert_eq!(filter_clause("username", "a;b", Comparator::Equal), None);
        assert_eq!(filter_clause("username", "", Comparator::Equal), None);
        assert_eq!(
            filter_clause("timestamp", "2026", Comparator::Equal),
            None,
            "not a selector"
        );
        for clause in ["username==admin", "source==/lineage", "allowed==false"] {
            assert!(audit_core::query::parse(clause).is_ok(), "{clause}");
        }
    }
}
