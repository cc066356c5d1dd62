//! Where a query applies, decided once: which requests go to a source, each
//! with the query it carries, and which filter runs here on what comes back.
//!
//! Cloudera Manager filters on the server: each AND-branch of the query is
//! its own request, and nothing is filtered here. Octopai has no query
//! parameter: one request for the window, and every event is kept here when
//! any branch matches it. A file opened offline is filtered here entirely.

use crate::alternatives::any_matches;
use crate::query::Query;
use crate::{AuditEvent, Source};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryPlan {
    /// One entry per request series, each paged on its own: the query it
    /// sends (`None`: no query parameter).
    pub requests: Vec<Option<Query>>,
    /// Branches an event must match one of to be kept here (none: all kept).
    pub local_filter: Vec<Query>,
}

impl QueryPlan {
    /// The plan for loading `source` with the query's AND-branches.
    pub fn for_source(source: Source, branches: &[Query]) -> Self {
        match source {
            Source::ClouderaManager if !branches.is_empty() => Self {
                requests: branches.iter().cloned().map(Some).collect(),
                local_filter: Vec::new(),
            },
            Source::ClouderaManager => Self {
                requests: vec![None],
                local_filter: Vec::new(),
            },
            Source::Octopai => Self {
                requests: vec![None],
                local_filter: branches.to_vec(),
            },
        }
    }

    /// The plan for a file opened offline: nothing is requested, every
    /// branch is applied here.
    pub fn for_file(branches: &[Query]) -> Self {
        Self {
            requests: Vec::new(),
            local_filter: branches.to_vec(),
        }
    }

    /// Whether an event that arrived is kept.
    pub fn keeps(&self, event: &AuditEvent) -> bool {
        any_matches(&self.local_filter, event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alternatives::parse_alternatives;
    use crate::fixture::event;
    use crate::{EventKind, Outcome};

    fn branches(text: &str) -> Vec<Query> {
        parse_alternatives(text).unwrap()
    }

    #[test]
    fn cloudera_manager_gets_one_request_per_branch_and_no_local_filter() {
        let plan = QueryPlan::for_source(
            Source::ClouderaManager,
            &branches("username==a||username==b"),
        );
        let sent: Vec<String> = plan
            .requests
            .iter()
            .map(|q| q.as_ref().map(Query::to_query_string).unwrap_or_default())
            .collect();
        assert_eq!(sent, ["username==a", "username==b"]);
        assert!(plan.local_filter.is_empty());
        let any = event(
            "1",
            Source::ClouderaManager,
            "2026-11-18T10:00:00Z",
            EventKind::Login,
            Outcome::Failed,
        );
        assert!(plan.keeps(&any), "the server already filtered");
        assert_eq!(
            QueryPlan::for_source(Source::ClouderaManager, &[]).requests,
            vec![None]
        );
    }

    #[test]
    fn octopai_and_files_are_filtered_here() {
        let wanted = branches("username==raj");
        let raj = event(
            "1",
            Source::Octopai,
            "2026-11-18T10:00:00Z",
            EventKind::Login,
            Outcome::Failed,
        )
        .by("raj");
        let ana = raj.clone().by("ana");
        let octopai = QueryPlan::for_source(Source::Octopai, &wanted);
        assert_eq!(
            octopai.requests,
            vec![None],
            "one request, no query parameter"
        );
        assert!(octopai.keeps(&raj) && !octopai.keeps(&ana));
        let file = QueryPlan::for_file(&wanted);
        assert!(file.requests.is_empty());
        assert!(file.keeps(&raj) && !file.keeps(&ana));
        assert!(
            QueryPlan::for_file(&[]).keeps(&ana),
            "no query keeps everything"
        );
    }
}
