//! Page routes: page loads grouped by what a page shows, not by which
//! record. `/lineage/8812` and `/lineage/9013` are one route,
//! `/lineage/:id`: each path segment that is a number, a UUID or a long run
//! of hexadecimal digits (in either case) becomes `:id`, as the rule says,
//! and a query string or fragment is dropped. The rule is plain data the
//! person edits (kept in the URL as `routes=`); top pages, time per page
//! and page paths count routes.

use std::borrow::Cow;

/// Which path segments become `:id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RouteRule {
    /// Segments of digits only (`8812`).
    pub numbers: bool,
    /// UUIDs, 8-4-4-4-12 hexadecimal digits (`3f2a9c1e-…`).
    pub uuids: bool,
    /// Runs of at least this many hexadecimal digits with a digit among
    /// them (`9f86d081884c7d65`; a word such as `facade` has no digit);
    /// 0: none.
    pub hex_at_least: u8,
}

/// The usual rule: numbers, UUIDs and hex runs of 8 or more.
impl Default for RouteRule {
    fn default() -> Self {
        Self {
            numbers: true,
            uuids: true,
            hex_at_least: 8,
        }
    }
}

impl RouteRule {
    /// Pages as recorded, each its own route.
    pub const OFF: RouteRule = RouteRule {
        numbers: false,
        uuids: false,
        hex_at_least: 0,
    };

    pub fn is_off(&self) -> bool {
        *self == Self::OFF
    }

    /// The route `page` belongs to.
    pub fn route<'a>(&self, page: &'a str) -> Cow<'a, str> {
        if self.is_off() {
            return Cow::Borrowed(page);
        }
        let path = page.split(['?', '#']).next().unwrap_or(page);
        if !path.split('/').any(|segment| self.replaces(segment)) {
            return Cow::Borrowed(path);
        }
        let routed: Vec<&str> = path
            .split('/')
            .map(|segment| match self.replaces(segment) {
                true => ":id",
                false => segment,
            })
            .collect();
        Cow::Owned(routed.join("/"))
    }

    fn replaces(&self, segment: &str) -> bool {
        if segment.is_empty() {
            return false;
        }
        let digits = segment.bytes().all(|b| b.is_ascii_digit());
        (self.numbers && digits)
            || (self.uuids && is_uuid(segment))
            || (self.hex_at_least > 0
                && !digits
                && segment.len() >= usize::from(self.hex_at_least)
                && segment.bytes().all(|b| b.is_ascii_hexdigit())
                && segment.bytes().any(|b| b.is_ascii_digit()))
    }

    /// The rule in words, for the page.
    pub fn describe(&self) -> String {
        if self.is_off() {
            return "Pages are counted as recorded, each its own route.".into();
        }
        let mut kinds = Vec::new();
        if self.numbers {
            kinds.push("numbers".to_owned());
        }
        if self.uuids {
            kinds.push("UUIDs".to_owned());
        }
        if self.hex_at_least > 0 {
            kinds.push(format!("runs of {} or more hex digits", self.hex_at_least));
        }
        format!(
            "Path segments that are {} become :id (/lineage/8812 is /lineage/:id); query strings are dropped.",
            match kinds.len() {
                1 => kinds[0].clone(),
                _ => format!(
                    "{} or {}",
                    kinds[..kinds.len() - 1].join(", "),
                    kinds[kinds.len() - 1]
                ),
            }
        )
    }

    /// The rule as the URL writes it: `num,uuid,hex8`, or `off`.
    pub fn to_query(&self) -> String {
        if self.is_off() {
            return "off".into();
        }
        let mut parts = Vec::new();
        if self.numbers {
            parts.push("num".to_owned());
        }
        if self.uuids {
            parts.push("uuid".to_owned());
        }
        if self.hex_at_least > 0 {
            parts.push(format!("hex{}", self.hex_at_least));
        }
        parts.join(",")
    }

    /// Reads [`RouteRule::to_query`]'s form, or says what is wrong.
    pub fn from_query(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "off" {
            return Ok(Self::OFF);
        }
        let mut rule = Self::OFF;
        for part in text.split(',').map(str::trim) {
            match part {
                "num" => rule.numbers = true,
                "uuid" => rule.uuids = true,
                hex if hex.starts_with("hex") => {
                    rule.hex_at_least = hex[3..]
                        .parse()
                        .ok()
                        .filter(|n| (4..=64).contains(n))
                        .ok_or_else(|| {
                            format!("`{hex}`: hex runs are written hexN, N from 4 to 64 (hex8)")
                        })?;
                }
                other => {
                    return Err(format!(
                        "`{other}` is not a part of a route rule: use num, uuid and hexN (e.g. num,uuid,hex8), or off"
                    ))
                }
            }
        }
        Ok(rule)
    }
}

fn is_uuid(segment: &str) -> bool {
    let groups: Vec<&str> = segment.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_uuids_and_hex_runs_become_placeholders_in_any_case() {
        let rule = RouteRule::default();
        for (page, route) in [
            ("/lineage/8812", "/lineage/:id"),
            ("/lineage/8812/", "/lineage/:id/"),
            ("/lineage", "/lineage"),
            ("/Lineage/12", "/Lineage/:id"),
            (
                "/reports/3F2A9C1E-0B4D-4C5E-9F00-1234567890AB/edit",
                "/reports/:id/edit",
            ),
            (
                "/reports/3f2a9c1e-0b4d-4c5e-9f00-1234567890ab/edit",
                "/reports/:id/edit",
            ),
            ("/assets/9f86d081884c7d65", "/assets/:id"),
            ("/assets/9F86D081", "/assets/:id"),
            // Too short for a hex run, a word of hex letters, mixed words.
            ("/assets/9f86d08", "/assets/9f86d08"),
            ("/assets/deadbeefcafe", "/assets/deadbeefcafe"),
            ("/assets/item-42", "/assets/item-42"),
            ("/search?q=1234", "/search"),
            ("/lineage/77#graph", "/lineage/:id"),
            ("/a/1/b/2", "/a/:id/b/:id"),
            ("", ""),
        ] {
            assert_eq!(rule.route(page), route, "{page}");
        }
        // Each kind can be left out.
        let numbers_only = RouteRule {
            uuids: false,
            hex_at_least: 0,
            ..RouteRule::default()
        };
        assert_eq!(
            numbers_only.route("/reports/3f2a9c1e-0b4d-4c5e-9f00-1234567890ab/7"),
            "/reports/3f2a9c1e-0b4d-4c5e-9f00-1234567890ab/:id"
        );
        assert_eq!(
            RouteRule::OFF.route("/lineage/8812?x=1"),
            "/lineage/8812?x=1"
        );
        let long_hex = RouteRule {
            hex_at_least: 12,
            ..RouteRule::default()
        };
        assert_eq!(long_hex.route("/assets/9f86d081"), "/assets/9f86d081");
        assert_eq!(long_hex.route("/assets/9f86d081884c"), "/assets/:id");
    }

    #[test]
    fn a_rule_reads_back_what_it_writes_and_says_what_is_wrong() {
        for rule in [
            RouteRule::default(),
            RouteRule::OFF,
            RouteRule {
                numbers: false,
                uuids: true,
                hex_at_least: 16,
            },
        ] {
            assert_eq!(RouteRule::from_query(&rule.to_query()), Ok(rule));
        }
        assert_eq!(RouteRule::default().to_query(), "num,uuid,hex8");
        assert!(RouteRule::from_query("num,guid")
            .unwrap_err()
            .contains("`guid`"));
        assert!(RouteRule::from_query("hex2")
            .unwrap_err()
            .contains("4 to 64"));
        assert!(RouteRule::default()
            .describe()
            .contains("numbers, UUIDs or runs of 8 or more hex digits"));
        assert!(RouteRule::OFF.describe().contains("as recorded"));
    }
}
