//! Screens, one module each; route components end in `Page`.

pub mod dashboard;
pub mod login;
