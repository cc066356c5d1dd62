//! The pure core of the audit dashboard.
//!
//! Everything here is plain data and plain functions: the wire types of both
//! upstream APIs ([`octopai`], [`cloudera`]), the gateway's own contract
//! ([`contract`]), the unified [`event::AuditEvent`] both sources map into,
//! time windows and calendar buckets ([`time`], [`calendar`]), the analytics
//! the charts are drawn from ([`analytics`]) and the detections security
//! staff act on ([`detect`]).
//!
//! Architecture invariant: this crate does no IO, reads no clock ("now" is
//! always a parameter) and knows no framework, so it builds for wasm32 and
//! native alike and its tests run natively in milliseconds.

pub mod aggregates;
pub mod alternatives;
pub mod analytics;
pub mod calendar;
pub mod cloudera;
pub mod columns;
pub mod contract;
pub mod detect;
pub mod event;
pub mod export;
pub mod facets;
#[doc(hidden)]
pub mod fixture;
pub mod funnel;
pub mod import;
pub mod lookup;
pub mod octopai;
pub mod page_routes;
pub mod plan;
pub mod privacy;
pub mod query;
pub mod record;
pub mod retention;
pub mod retry;
pub mod segment;
pub mod stickiness;
pub mod time;
pub mod usage;
mod wire;

pub use event::{AuditEvent, EventId, EventKind, Events, Outcome, Rows, Source};
pub use time::TimeWindow;
pub use wire::WireError;
