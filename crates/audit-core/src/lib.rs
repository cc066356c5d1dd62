//! The pure core of the audit dashboard.
//!
//! Everything here is plain data and plain functions: the wire types of both
//! upstream APIs ([`octopai`], [`cloudera`]), the gateway's own contract
//! ([`contract`]), the unified [`event::AuditEvent`] both sources map into,
//! time windows ([`time`]) and the analytics the charts are drawn from
//! ([`analytics`]).
//!
//! Architecture invariant: this crate does no IO, reads no clock ("now" is
//! always a parameter) and knows no framework, so it builds for wasm32 and
//! native alike and its tests run natively in milliseconds.

pub mod analytics;
pub mod cloudera;
pub mod contract;
pub mod event;
pub mod octopai;
pub mod query;
pub mod time;
mod wire;

pub use event::{AuditEvent, EventKind, Outcome, Source};
pub use time::TimeWindow;
pub use wire::WireError;
