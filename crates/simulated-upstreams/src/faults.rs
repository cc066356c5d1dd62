//! Faults the simulated upstreams act out on request, per route, so the
//! gateway and the app can be tested against what real upstreams and the
//! networks in front of them do: answer late, fail with Cloudera Manager's
//! error body, rate-limit with `Retry-After`, cut JSON short, send a proxy's
//! HTML page, refuse a session part-way through paging, or drop the
//! connection mid-answer.
//!
//! A plan is a list of rules written `ROUTE:FAULT[@WHICH]`:
//!
//! - ROUTE: `login` (Octopai's Login), `events` (Octopai's UserEvents) or
//!   `audits` (Cloudera Manager's audits; the gateway's login check for
//!   Cloudera Manager is one such request).
//! - FAULT: `latency=MS`, `500`, `429[=SECS]`, `503[=SECS]` (with
//!   `Retry-After: SECS`, 1 by default), `truncated`, `html`, `401`, `drop`.
//! - WHICH: the route's requests it applies to, counted from 1 since the
//!   server started: `@3`, `@2-4`, `@2+`; every request when left out.
//!
//! For example `audits:503=2@2` answers the second audits request with 503
//! and `Retry-After: 2`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The routes a fault can be put on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Login,
    UserEvents,
    Audits,
}

impl Route {
    fn index(self) -> usize {
        match self {
            Route::Login => 0,
            Route::UserEvents => 1,
            Route::Audits => 2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer this much later (combines with the other faults).
    Latency(Duration),
    /// 500 with the route's own error body.
    ServerError,
    /// 429 or 503 with `Retry-After`.
    Busy { status: u16, retry_after_secs: u64 },
    /// The real answer, cut in half (a valid HTTP answer of broken JSON).
    Truncated,
    /// A proxy's maintenance page, `text/html`, status 200.
    Html,
    /// 401 with the route's challenge, as for a session the server dropped.
    Unauthorized,
    /// The status line and a few bytes, then the connection is dropped.
    Drop,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub route: Route,
    pub fault: Fault,
    /// First and last request it applies to (counted from 1); `None` last:
    /// no end.
    pub from: u64,
    pub to: Option<u64>,
}

/// The rules in force, and how many requests each route has had.
#[derive(Debug, Default)]
pub struct FaultPlan {
    rules: Vec<Rule>,
    seen: [AtomicU64; 3],
}

impl FaultPlan {
    /// Parses rules written as in the module documentation.
    pub fn parse(specs: &[String]) -> Result<Self, String> {
        let rules = specs
            .iter()
            .map(|spec| Rule::parse(spec))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(rules))
    }

    /// A plan of rules already parsed.
    pub fn new(rules: Vec<Rule>) -> Self {
        Self {
            rules,
            seen: Default::default(),
        }
    }

    /// Counts a request to `route` and returns the faults it gets, in the
    /// order the rules were given.
    pub fn on_request(&self, route: Route) -> Vec<Fault> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        let number = self.seen[route.index()].fetch_add(1, Ordering::SeqCst) + 1;
        self.rules
            .iter()
            .filter(|rule| {
                rule.route == route && number >= rule.from && rule.to.is_none_or(|to| number <= to)
            })
            .map(|rule| rule.fault)
            .collect()
    }
}

impl Rule {
    /// Parses one rule written as in the module documentation
    /// (`ROUTE:FAULT[@WHICH]`).
    pub fn parse(spec: &str) -> Result<Rule, String> {
        parse_rule(spec)
    }
}

fn parse_rule(spec: &str) -> Result<Rule, String> {
    let bad = |why: &str| {
        format!(
            "fault `{spec}`: {why} (write ROUTE:FAULT[@N|@N-M|@N+], ROUTE one of login, events, audits; FAULT one of latency=MS, 500, 429[=SECS], 503[=SECS], truncated, html, 401, drop)"
        )
    };
    let (route, rest) = spec.split_once(':').ok_or_else(|| bad("no `:`"))?;
    let route = match route.trim() {
        "login" => Route::Login,
        "events" => Route::UserEvents,
        "audits" => Route::Audits,
        _ => return Err(bad("unknown route")),
    };
    let (fault, which) = match rest.split_once('@') {
        Some((fault, which)) => (fault, Some(which)),
        None => (rest, None),
    };
    let number = |text: &str, what: &str| {
        text.trim()
            .parse::<u64>()
            .map_err(|_| bad(&format!("{what} must be a whole number")))
    };
    let (name, value) = match fault.split_once('=') {
        Some((name, value)) => (name.trim(), Some(value)),
        None => (fault.trim(), None),
    };
    let fault = match (name, value) {
        ("latency", Some(ms)) => Fault::Latency(Duration::from_millis(number(ms, "the latency")?)),
        ("500", None) => Fault::ServerError,
        (status @ ("429" | "503"), secs) => Fault::Busy {
            status: number(status, "the status")? as u16,
            retry_after_secs: secs
                .map(|secs| number(secs, "Retry-After"))
                .transpose()?
                .unwrap_or(1),
        },
        ("truncated", None) => Fault::Truncated,
        ("html", None) => Fault::Html,
        ("401", None) => Fault::Unauthorized,
        ("drop", None) => Fault::Drop,
        _ => return Err(bad("unknown fault")),
    };
    let (from, to) = match which.map(str::trim) {
        None => (1, None),
        Some(which) => {
            if let Some(from) = which.strip_suffix('+') {
                (number(from, "the request number")?, None)
            } else if let Some((from, to)) = which.split_once('-') {
                (
                    number(from, "the request number")?,
                    Some(number(to, "the request number")?),
                )
            } else {
                let at = number(which, "the request number")?;
                (at, Some(at))
            }
        }
    };
    if from == 0 || to.is_some_and(|to| to < from) {
        return Err(bad("requests are counted from 1, first to last"));
    }
    Ok(Rule {
        route,
        fault,
        from,
        to,
    })
}

/// Middleware acting out the plan's faults on one route; `error` makes the
/// route's own error answer for a status and message.
pub async fn apply(
    State((plan, route)): State<(std::sync::Arc<FaultPlan>, Route)>,
    request: Request,
    next: Next,
) -> Response {
    let faults = plan.on_request(route);
    for fault in &faults {
        if let Fault::Latency(delay) = fault {
            tokio::time::sleep(*delay).await;
        }
    }
    let Some(fault) = faults
        .into_iter()
        .find(|fault| !matches!(fault, Fault::Latency(_)))
    else {
        return next.run(request).await;
    };
    tracing::info!(?route, ?fault, "acting out a fault");
    match fault {
        Fault::Latency(_) => next.run(request).await,
        Fault::ServerError => error_answer(
            route,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error: the database is not reachable",
        ),
        Fault::Busy {
            status,
            retry_after_secs,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut response = error_answer(route, status, "Too many requests; try again later");
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            response
        }
        Fault::Truncated => {
            let answer = next.run(request).await;
            let (parts, body) = answer.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let mut parts = parts;
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(bytes.slice(..bytes.len() / 2)))
        }
        Fault::Html => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><html><head><title>Maintenance</title></head>\
             <body><h1>Down for maintenance</h1><p>Back soon.</p></body></html>",
        )
            .into_response(),
        Fault::Unauthorized => match route {
            Route::Audits => crate::answers::cloudera::unauthorized(),
            Route::Login | Route::UserEvents => {
                crate::answers::octopai::unauthorized("The access token is no longer valid")
            }
        },
        Fault::Drop => {
            let chunks: Vec<Result<&'static str, std::io::Error>> = vec![
                Ok("{\"items\":["),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "fault: connection dropped",
                )),
            ];
            (
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(futures::stream::iter(chunks)),
            )
                .into_response()
        }
    }
}

fn error_answer(route: Route, status: StatusCode, message: &str) -> Response {
    match route {
        Route::Audits => crate::answers::cloudera::error(status, message),
        Route::Login | Route::UserEvents => crate::answers::octopai::error(status, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(specs: &[&str]) -> Result<FaultPlan, String> {
        FaultPlan::parse(&specs.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn rules_apply_to_the_requests_they_name() {
        let plan = plan(&[
            "audits:503=2@2",
            "audits:latency=50@2-3",
            "events:500@3+",
            "login:drop",
        ])
        .expect("valid");
        let audits: Vec<Vec<Fault>> = (0..4).map(|_| plan.on_request(Route::Audits)).collect();
        let latency = Fault::Latency(Duration::from_millis(50));
        assert_eq!(
            audits,
            vec![
                vec![],
                vec![
                    Fault::Busy {
                        status: 503,
                        retry_after_secs: 2
                    },
                    latency
                ],
                vec![latency],
                vec![],
            ]
        );
        let events: Vec<usize> = (0..5)
            .map(|_| plan.on_request(Route::UserEvents).len())
            .collect();
        assert_eq!(events, vec![0, 0, 1, 1, 1]);
        assert_eq!(plan.on_request(Route::Login), vec![Fault::Drop]);
        assert_eq!(plan.on_request(Route::Login), vec![Fault::Drop]);
    }

    #[test]
    fn every_fault_parses_and_defaults_retry_after_to_one_second() {
        for (spec, fault) in [
            ("audits:500", Fault::ServerError),
            (
                "audits:429",
                Fault::Busy {
                    status: 429,
                    retry_after_secs: 1,
                },
            ),
            ("events:truncated", Fault::Truncated),
            ("events:html", Fault::Html),
            ("audits:401@3", Fault::Unauthorized),
            ("audits:drop@1", Fault::Drop),
        ] {
            assert_eq!(plan(&[spec]).expect(spec).rules[0].fault, fault, "{spec}");
        }
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        for (spec, why) in [
            ("audits", "no `:`"),
            ("octopus:500", "unknown route"),
            ("audits:404", "unknown fault"),
            ("audits:latency", "unknown fault"),
            ("audits:latency=soon", "latency must be"),
            ("audits:500@0", "counted from 1"),
            ("audits:500@4-2", "counted from 1"),
            ("audits:500@x", "request number"),
        ] {
            let error = plan(&[spec]).expect_err(spec);
            assert!(error.contains(why), "{spec}: {error}");
        }
    }
}
