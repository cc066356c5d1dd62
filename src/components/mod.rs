//! Widgets. They take plain data or signals as props and never fetch.

pub mod chart_figure;
pub mod column_chooser;
pub mod detections;
pub mod error_view;
pub mod event_detail;
pub mod event_table;
pub mod export_bar;
pub mod field_facets;
pub mod funnel_panel;
pub mod import_file;
pub mod load_progress;
pub mod lookup_panel;
pub mod period_compare;
pub mod privacy_switch;
pub mod query_bar;
pub mod range_picker;
pub mod retention_panel;
pub mod route_rule;
pub mod saved_views;
pub mod segment_form;
pub mod usage_panel;
