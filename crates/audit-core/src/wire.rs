//! Helpers shared by the tolerant decoders of both APIs: case-insensitive
//! field lookup and the one error type a malformed answer turns into.

use serde_json::{Map, Value};
use std::fmt;

/// An upstream answer that could not be understood. The message says what was
/// expected and what arrived, so the user (and the log) can act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    pub message: String,
}

impl WireError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WireError {}

/// Looks a field up by any of `names`, ignoring ASCII case, so that
/// `userName`, `UserName` and `username` are all found.
pub(crate) fn field<'a>(object: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|wanted| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(wanted))
            .map(|(_, value)| value)
            .filter(|value| !value.is_null())
    })
}

/// A field as text: strings as they are, numbers and booleans printed.
pub(crate) fn text_field(object: &Map<String, Value>, names: &[&str]) -> Option<String> {
    match field(object, names)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Describes a JSON value's kind for error messages ("a string", "an array").
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses JSON text, turning serde's error into a [`WireError`] that names
/// which answer was malformed.
pub(crate) fn parse_json(what: &str, body: &str) -> Result<Value, WireError> {
    serde_json::from_str(body).map_err(|error| {
        let hint = if body.trim_start().starts_with('<') {
            " (it looks like HTML, not JSON)"
        } else {
            ""
        };
        WireError::new(format!("{what} is not valid JSON{hint}: {error}"))
    })
}
