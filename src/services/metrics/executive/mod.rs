//! The executive dashboard's figures: one filter (period, survey kind, segment,
//! department) read from the query string, and a loader per section of the page.

pub mod chain;
pub mod departments;
pub mod headline;
pub mod matrix;
pub mod money;
pub mod movers;
pub mod trend;

use sqlx::PgPool;
use time::Date;

use crate::repo::departments::DepartmentOverview;
use crate::repo::organisation::{self, ProgrammeCounts};

use super::{Bucket, FilterParams, Rules, resolve};
use crate::domain::FieldErrors;
use crate::repo::data_version::Snapshot;
use crate::repo::metrics::ResponseFilter;

/// The dashboard's filter as typed into the query string; kept as typed for the form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ExecutiveQuery {
    /// First day, inclusive (YYYY-MM-DD); default 89 days before `to`.
    pub from: String,
    /// Last day, inclusive; default today.
    pub to: String,
    /// `customer` (default), `employee` or `internal`.
    pub kind: String,
    pub segment: String,
    /// A department's slug: what it owns (customer) or its people (employee, internal).
    pub department: String,
    /// The trend's periods: `month` (default), `week` or `quarter`.
    pub interval: String,
    /// `print` for the print-friendly version.
    pub view: String,
    /// The departments' order: `nps` (default) or `change`.
    pub sort: String,
}

impl ExecutiveQuery {
    /// The filter, order and view as a query string, for links to the same figures.
    pub fn filter_query(&self) -> String {
        self.query_string(self.view.trim())
    }

    /// The same figures in the print view.
    pub fn print_query(&self) -> String {
        self.query_string("print")
    }

    fn query_string(&self, view: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("from", self.from.trim())
            .append_pair("to", self.to.trim())
            .append_pair("kind", self.kind.trim())
            .append_pair("segment", self.segment.trim())
            .append_pair("department", self.department.trim())
            .append_pair("interval", self.interval.trim());
        for (key, value) in [("sort", self.sort.trim()), ("view", view)] {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        query.finish()
    }

    /// The same figures with the departments in another order.
    pub fn sorted_query(&self, sort: &str) -> String {
        Self {
            sort: sort.to_owned(),
            ..self.clone()
        }
        .filter_query()
    }
}

/// A validated filter and the rules that apply to what it reaches.
#[derive(Debug, Clone)]
pub struct ExecutiveFilter {
    pub responses: ResponseFilter,
    pub rules: Rules,
    pub bucket: Bucket,
    /// `customer`, `employee` or `internal`.
    pub kind: String,
}

impl ExecutiveFilter {
    /// The last day shown (inclusive).
    pub fn last_day(&self) -> Date {
        self.responses.to - time::Duration::days(1)
    }

    pub fn protects_anonymity(&self) -> bool {
        self.rules.protects_anonymity
    }

    /// The department chosen in the filter, whichever way the survey kind reads it.
    pub fn department(&self) -> Option<uuid::Uuid> {
        self.responses
            .department
            .or(self.responses.respondent_department)
    }
}

/// Reads the query the way the metrics API does (the page's `to` is inclusive, the API's
/// exclusive), or says which field is wrong.
pub async fn parse(
    pool: &PgPool,
    query: &ExecutiveQuery,
    snapshot: &Snapshot,
) -> Result<Result<ExecutiveFilter, FieldErrors>, sqlx::Error> {
    let given = |raw: &str| {
        let raw = raw.trim();
        (!raw.is_empty()).then(|| raw.to_owned())
    };
    // An inclusive last day becomes the API's exclusive end; anything unreadable goes
    // through as typed, so that `resolve` names it.
    let to = given(&query.to).map(|raw| match crate::domain::parse_date(&raw) {
        Some(last) => (last + time::Duration::days(1)).to_string(),
        None => raw,
    });
    let kind = given(&query.kind).unwrap_or_else(|| "customer".into());
    // People's answers are never counted by week: switching the survey on a weekly view
    // shows them by month rather than refusing the switch.
    let interval = given(&query.interval).filter(|interval| {
        !(interval == "week" && ["employee", "internal"].contains(&kind.as_str()))
    });
    let params = FilterParams {
        kind: Some(kind),
        department: given(&query.department),
        segment: given(&query.segment),
        from: given(&query.from),
        to,
        interval,
        ..FilterParams::default()
    };
    let mut errors = FieldErrors::default();
    let longest = time::Duration::days(3 * 366);
    Ok(match resolve(pool, &params, snapshot).await? {
        Err(errors) => Err(errors),
        Ok((responses, _)) if responses.to - responses.from > longest => {
            errors.add("from", "choose a period of at most three years");
            Err(errors)
        }
        Ok((mut responses, rules)) => Ok(ExecutiveFilter {
            kind: responses.kind.clone().unwrap_or_else(|| "customer".into()),
            bucket: params
                .interval
                .as_deref()
                .and_then(Bucket::parse)
                .unwrap_or(Bucket::Month),
            responses: {
                // Employees answer about where they work: a department means its people.
                if responses.kind.as_deref() == Some("employee") {
                    responses.respondent_department = responses.department.take();
                }
                responses
            },
            rules,
        }),
    })
}

/// Everything the dashboard shows for one filter: what `services::page_cache` keeps.
#[derive(Debug)]
pub struct ExecutiveData {
    pub org_name: Option<String>,
    pub counts: ProgrammeCounts,
    pub headline: headline::Headline,
    pub side_by_side: departments::SideBySide,
    pub matrix: matrix::ObjectivesMatrix,
    pub trend: trend::Trend,
    pub movers: movers::Movers,
    pub internal_chain: chain::InternalChain,
    pub money: money::Money,
    /// For the filter form.
    pub segments: Vec<String>,
    pub departments: Vec<DepartmentOverview>,
}

impl ExecutiveData {
    /// What the data depends on besides the data version: the filter, the department as
    /// chosen (a slug) and the order of the departments.
    pub fn cache_key(
        filter: &ExecutiveFilter,
        selected: Option<&str>,
        sort: departments::Sort,
    ) -> String {
        format!("{filter:?}|{selected:?}|{sort:?}")
    }

    pub async fn load(
        pool: &PgPool,
        filter: &ExecutiveFilter,
        selected: Option<&str>,
        sort: departments::Sort,
    ) -> Result<Self, sqlx::Error> {
        let (org_name, counts) = organisation::summary(pool).await?;
        // Evaluated once, for the matrix and the plans' payouts.
        let today = crate::repo::metrics::today(pool).await?;
        let objectives = super::objectives::evaluate_all(pool, today).await?;
        Ok(Self {
            org_name,
            counts,
            headline: headline::load(pool, filter).await?,
            side_by_side: departments::load(pool, filter, selected, sort).await?,
            money: money::load(pool, filter, &objectives).await?,
            matrix: matrix::load(pool, selected, objectives, today).await?,
            trend: trend::load(pool, filter).await?,
            movers: movers::load(pool, filter).await?,
            internal_chain: chain::load(pool, filter).await?,
            segments: crate::repo::metrics::segments(pool).await?,
            departments: crate::repo::departments::overview(pool).await?,
        })
    }
}
