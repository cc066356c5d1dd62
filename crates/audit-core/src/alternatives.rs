//! The query bar's language, a little beyond Cloudera Manager's: `||`
//! between alternatives and `selector=in=(a,b)` / `selector=out=(a,b)` over
//! lists of values. Cloudera Manager only understands AND, so a query is
//! expanded into AND-branches in CM's own language; each branch is sent as
//! its own request and the answers are merged (duplicates dropped by id).
//! Octopai events are kept when any branch matches them.
//!
//! - `a==1;b=in=(x,y)` is two branches: `a==1;b==x` and `a==1;b==y`;
//! - `b=out=(x,y)` is one branch: `b!=x;b!=y`;
//! - `a==1||b==2` is two branches, as written.
//!
//! Every branch is checked by the strict CM parser, and every mistake keeps
//! its position in the text as typed.

use crate::query::{self, Diagnostic, Query, Span};

/// At most this many requests for one query: beyond it, a query is almost
/// certainly a mistake, and the user is told to narrow it.
pub const MAX_BRANCHES: usize = 16;

fn diagnostic(start: usize, end: usize, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        span: Span { start, end },
        message: message.into(),
    }
}

/// Byte ranges of the text between top-level `sep`s.
fn split_spans(text: &str, sep: &str, base: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    while let Some(found) = text[start..].find(sep) {
        spans.push((base + start, base + start + found));
        start += found + sep.len();
    }
    spans.push((base + start, base + text.len()));
    spans
}

/// One `;`-separated piece of a branch, before expansion.
enum Piece {
    /// `selector==value` or `selector!=value`, as written.
    Plain(String),
    /// `selector=in=(…)`: one of these constraints.
    AnyOf(Vec<String>),
    /// `selector=out=(…)`: all of these constraints.
    NoneOf(Vec<String>),
}

/// Re-bases a strict-parser diagnostic on `constraint` (which it was given
/// alone) onto the text as typed: `selector_at` is where the selector was
/// typed and `value_at` where the value was (for list members).
fn rebase(
    found: Vec<Diagnostic>,
    selector_len: usize,
    selector_at: usize,
    value_at: usize,
) -> Vec<Diagnostic> {
    found
        .into_iter()
        .map(|d| {
            let map = |offset: usize| {
                if offset <= selector_len {
                    selector_at + offset
                } else {
                    value_at + offset.saturating_sub(selector_len + 2)
                }
            };
            diagnostic(
                map(d.span.start),
                map(d.span.end).max(map(d.span.start)),
                d.message,
            )
        })
        .collect()
}

fn parse_list(text: &str, at: usize, operator: &str) -> Result<Piece, Vec<Diagnostic>> {
    let index = text.find(operator).unwrap_or(0);
    let selector = &text[..index];
    let list = &text[index + operator.len()..];
    let list_at = at + index + operator.len();
    if selector.is_empty() {
        return Err(vec![diagnostic(
            at,
            at + operator.len(),
            "a selector is missing before the list",
        )]);
    }
    let Some(inner) = list.strip_prefix('(').and_then(|l| l.strip_suffix(')')) else {
        return Err(vec![diagnostic(
            list_at,
            at + text.len(),
            format!(
                "write the values in parentheses, separated by commas: {selector}{operator}(a,b)"
            ),
        )]);
    };
    let comparator = if operator == "=in=" { "==" } else { "!=" };
    let mut constraints = Vec::new();
    let mut problems = Vec::new();
    for (start, end) in split_spans(inner, ",", list_at + 1) {
        let value = &inner[start - list_at - 1..end - list_at - 1];
        if value.is_empty() {
            problems.push(diagnostic(
                start,
                end.max(start + 1),
                "an empty value in the list: remove the extra comma",
            ));
            continue;
        }
        let constraint = format!("{selector}{comparator}{value}");
        match query::parse(&constraint) {
            Ok(_) => constraints.push(constraint),
            Err(found) => problems.extend(rebase(found, selector.len(), at, start)),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(if operator == "=in=" {
        Piece::AnyOf(constraints)
    } else {
        Piece::NoneOf(constraints)
    })
}

fn parse_piece(text: &str, at: usize) -> Result<Piece, Vec<Diagnostic>> {
    for operator in ["=in=", "=out="] {
        if text.contains(operator) {
            return parse_list(text, at, operator);
        }
    }
    match query::parse(text) {
        Ok(_) => Ok(Piece::Plain(text.to_owned())),
        Err(found) => Err(found
            .into_iter()
            .map(|d| {
                let message = if d.message.starts_with("OR is not supported") {
                    "Cloudera Manager has no OR: to match any of several values write selector=in=(a,b); to join alternatives use || (each is sent as its own request)".to_owned()
                } else {
                    d.message
                };
                diagnostic(at + d.span.start, at + d.span.end, message)
            })
            .collect()),
    }
}

/// Parses the query bar's text into the CM queries to send (at least one;
/// an empty text is one empty query). Mistakes come back with positions in
/// `text`.
pub fn parse_alternatives(text: &str) -> Result<Vec<Query>, Vec<Diagnostic>> {
    if text.trim().is_empty() {
        return query::parse(text).map(|q| vec![q]);
    }
    let mut problems = Vec::new();
    let mut branches: Vec<String> = Vec::new();
    for (start, end) in split_spans(text, "||", 0) {
        let part = &text[start..end];
        if part.is_empty() {
            problems.push(diagnostic(
                start.saturating_sub(2),
                (start + 2).min(text.len()).max(start),
                "an empty alternative: write a constraint on both sides of ||",
            ));
            continue;
        }
        let mut expanded: Vec<Vec<String>> = vec![Vec::new()];
        for (piece_start, piece_end) in split_spans(part, ";", start) {
            let piece = &text[piece_start..piece_end];
            if piece.is_empty() {
                // The strict parser words this mistake; let it.
                if let Err(found) = query::parse(part) {
                    problems.extend(
                        found.into_iter().map(|d| {
                            diagnostic(start + d.span.start, start + d.span.end, d.message)
                        }),
                    );
                }
                break;
            }
            match parse_piece(piece, piece_start) {
                Ok(Piece::Plain(constraint)) => {
                    expanded.iter_mut().for_each(|b| b.push(constraint.clone()))
                }
                Ok(Piece::NoneOf(constraints)) => expanded
                    .iter_mut()
                    .for_each(|b| b.extend(constraints.iter().cloned())),
                Ok(Piece::AnyOf(choices)) => {
                    expanded = expanded
                        .into_iter()
                        .flat_map(|branch| {
                            choices.iter().map(move |choice| {
                                let mut next = branch.clone();
                                next.push(choice.clone());
                                next
                            })
                        })
                        .take(MAX_BRANCHES + 1)
                        .collect();
                }
                Err(found) => problems.extend(found),
            }
        }
        branches.extend(expanded.into_iter().map(|b| b.join(";")));
    }
    if !problems.is_empty() {
        problems.sort_by_key(|d| d.span.start);
        problems.dedup();
        return Err(problems);
    }
    let mut unique: Vec<String> = Vec::new();
    for branch in branches {
        if !unique.contains(&branch) {
            unique.push(branch);
        }
    }
    if unique.len() > MAX_BRANCHES {
        return Err(vec![diagnostic(
            0,
            text.len(),
            format!("this query needs more than {MAX_BRANCHES} requests to Cloudera Manager; use fewer values or alternatives, or a * wildcard"),
        )]);
    }
    unique
        .iter()
        .map(|branch| query::parse(branch))
        .collect::<Result<Vec<_>, _>>()
}

/// Whether an event matches any of the branches (an empty query matches all).
pub fn any_matches(branches: &[Query], event: &crate::AuditEvent) -> bool {
    branches.is_empty() || branches.iter().any(|q| q.matches_event(event))
}

/// `query` with `clause` added to every alternative (AND).
pub fn with_clause(query: &str, clause: &str) -> String {
    if query.trim().is_empty() {
        return clause.to_owned();
    }
    query
        .split("||")
        .map(|part| {
            let part = part.trim_end_matches(';');
            if part.is_empty() {
                clause.to_owned()
            } else {
                format!("{part};{clause}")
            }
        })
        .collect::<Vec<_>>()
        .join("||")
}

/// One constraint of the query bar's text, as a chip shows it: which
/// alternative it is in, its place there, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chip {
    pub alternative: usize,
    pub index: usize,
    pub text: String,
}

fn split_text(text: &str) -> Vec<Vec<String>> {
    text.split("||")
        .map(|part| {
            part.split(';')
                .filter(|piece| !piece.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

fn join_text(parts: &[Vec<String>]) -> String {
    parts
        .iter()
        .filter(|pieces| !pieces.is_empty())
        .map(|pieces| pieces.join(";"))
        .collect::<Vec<_>>()
        .join("||")
}

/// The chips of a query text, in order.
pub fn chips(text: &str) -> Vec<Chip> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    split_text(text)
        .into_iter()
        .enumerate()
        .flat_map(|(alternative, pieces)| {
            pieces
                .into_iter()
                .enumerate()
                .map(move |(index, text)| Chip {
                    alternative,
                    index,
                    text,
                })
        })
        .collect()
}

/// The text without one chip (an alternative left empty goes too).
pub fn without_chip(text: &str, chip: &Chip) -> String {
    let mut parts = split_text(text);
    if let Some(pieces) = parts.get_mut(chip.alternative) {
        if chip.index < pieces.len() {
            pieces.remove(chip.index);
        }
    }
    join_text(&parts)
}

/// The text with one chip negated: `==` and `!=` swap, as do `=in=` and
/// `=out=`.
pub fn negated_chip(text: &str, chip: &Chip) -> String {
    let mut parts = split_text(text);
    if let Some(piece) = parts
        .get_mut(chip.alternative)
        .and_then(|pieces| pieces.get_mut(chip.index))
    {
        *piece = if piece.contains("=in=") {
            piece.replacen("=in=", "=out=", 1)
        } else if piece.contains("=out=") {
            piece.replacen("=out=", "=in=", 1)
        } else if piece.contains("!=") {
            piece.replacen("!=", "==", 1)
        } else {
            piece.replacen("==", "!=", 1)
        };
    }
    join_text(&parts)
}

/// Completions for the text typed so far: the whole text with its last
/// constraint completed, to a selector (`us` → `username==`) or to a value
/// seen in the loaded data (`username==ad` → `username==admin`). `values`
/// answers a selector's known values, most frequent first.
pub fn completions<'a>(
    text: &str,
    values: impl Fn(&str) -> &'a [String],
    limit: usize,
) -> Vec<String> {
    let cut = [";", "||", "(", ","]
        .iter()
        .filter_map(|sep| text.rfind(sep).map(|at| at + sep.len()))
        .max()
        .unwrap_or(0);
    let (prefix, token) = text.split_at(cut);
    // Inside a list the selector is the one before `=in=(` / `=out=(`.
    let list_selector = if prefix.ends_with('(') || prefix.ends_with(',') {
        let before = &prefix[..prefix.rfind('(').unwrap_or(0)];
        let start = before.rfind([';', '|']).map_or(0, |at| at + 1);
        before[start..]
            .strip_suffix("=in=")
            .or_else(|| before[start..].strip_suffix("=out="))
    } else {
        None
    };
    if let Some(selector) = list_selector {
        return values(selector)
            .iter()
            .filter(|value| value.starts_with(token) && !value.contains([',', ')', ';']))
            .take(limit)
            .map(|value| format!("{prefix}{value}"))
            .collect();
    }
    match token.find("==").or_else(|| token.find("!=")) {
        None => query::Selector::ALL
            .iter()
            .map(|selector| selector.name())
            .filter(|selector| selector.starts_with(token))
            .take(limit)
            .map(|selector| format!("{prefix}{selector}=="))
            .collect(),
        Some(at) => {
            let (selector, typed) = (&token[..at], &token[at + 2..]);
            let comparator = &token[at..at + 2];
            values(selector)
                .iter()
                .filter(|value| value.starts_with(typed))
                .filter(|value| {
                    !value.is_empty()
                        && !value.contains([';', '*'])
                        && !value.chars().any(char::is_whitespace)
                })
                .take(limit)
                .map(|value| format!("{prefix}{selector}{comparator}{value}"))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests;
