//! THE customer-metrics layer: every number a page or the API shows is computed here,
//! from the definitions in PRODUCT.md. `math` holds the pure functions over counts; the
//! loaders below read counts through `repo::metrics` and apply the rules (minimum
//! sample, anonymity threshold, significance).

pub mod breakdown;
pub mod chargeback;
pub mod correlation;
pub mod executive;
pub mod incentives;
pub mod math;
pub mod monthly;
pub mod objectives;
pub mod panels;
pub mod scorecard;

pub use math::{
    Counts, Direction, Interval, LinkCurve, ObjectiveStatus, Progress, Share,
    change_is_significant, gated_value, link_payout_pct, objective_status, plan_payout_pct,
    share_change_is_significant,
};

use serde::Serialize;
use sqlx::PgPool;
use time::Date;

use crate::repo::data_version::Snapshot;
use crate::repo::metrics::{self as queries, ResponseFilter};

/// The rules that decide what may be shown: below `min_sample` an NPS is "not enough
/// responses"; for employee and internal surveys a group below `anonymity_threshold`
/// is suppressed entirely.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub min_sample: u64,
    pub anonymity_threshold: u64,
    /// Whether the filter reaches employee or internal responses.
    pub protects_anonymity: bool,
}

/// NPS of a group with everything a page or the API shows next to it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NpsSummary {
    pub n: u64,
    #[schema(required = true)]
    pub promoters: Option<u64>,
    #[schema(required = true)]
    pub passives: Option<u64>,
    #[schema(required = true)]
    pub detractors: Option<u64>,
    /// Unrounded; null without responses, or when suppressed.
    #[schema(required = true)]
    pub nps: Option<f64>,
    #[schema(required = true)]
    pub se: Option<f64>,
    #[schema(required = true)]
    pub ci_low: Option<f64>,
    #[schema(required = true)]
    pub ci_high: Option<f64>,
    pub enough_data: bool,
    /// Hidden to protect respondents' anonymity (small employee/internal group).
    pub suppressed: bool,
}

impl NpsSummary {
    /// Nothing shown: the group is too small to be anonymous.
    pub fn suppressed() -> Self {
        Self {
            n: 0,
            promoters: None,
            passives: None,
            detractors: None,
            nps: None,
            se: None,
            ci_low: None,
            ci_high: None,
            enough_data: false,
            suppressed: true,
        }
    }

    /// The counts behind it; None when suppressed.
    pub fn counts(&self) -> Option<Counts> {
        Some(Counts {
            promoters: self.promoters?,
            passives: self.passives?,
            detractors: self.detractors?,
        })
    }

    pub fn from_counts(counts: Counts, rules: Rules) -> Self {
        let n = counts.n();
        if rules.protects_anonymity && n > 0 && n < rules.anonymity_threshold {
            return Self::suppressed();
        }
        let interval = (n > 0).then(|| counts.interval());
        Self {
            n,
            promoters: Some(counts.promoters),
            passives: Some(counts.passives),
            detractors: Some(counts.detractors),
            nps: counts.nps(),
            se: counts.standard_error(),
            ci_low: interval.map(|i| i.low),
            ci_high: interval.map(|i| i.high),
            enough_data: n >= rules.min_sample,
            suppressed: false,
        }
    }
}

/// One point of a trend.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TrendPoint {
    pub period_start: String,
    #[serde(flatten)]
    pub summary: NpsSummary,
    /// Significantly different (95 %) from the previous point shown.
    pub significant_change: bool,
}

/// How long a trend's periods are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Week,
    Month,
    Quarter,
}

impl Bucket {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            "quarter" => Some(Self::Quarter),
            _ => None,
        }
    }

    /// The first day of the bucket holding `month` (a first-of-month date).
    fn start_of(self, month: Date) -> Date {
        match self {
            Self::Quarter => {
                let first = time::Month::try_from((u8::from(month.month()) - 1) / 3 * 3 + 1)
                    .expect("1 to 12");
                Date::from_calendar_date(month.year(), first, 1).expect("a first of month")
            }
            _ => month,
        }
    }

    /// "week", "month" or "quarter" (also PostgreSQL's `date_trunc` unit).
    pub fn unit(self) -> &'static str {
        match self {
            Self::Week => "week",
            Self::Month => "month",
            Self::Quarter => "quarter",
        }
    }
}

pub async fn nps(
    pool: &PgPool,
    filter: &ResponseFilter,
    rules: Rules,
) -> Result<NpsSummary, sqlx::Error> {
    if rules.protects_anonymity {
        let months = queries::counts_by_period(pool, filter, "month").await?;
        let hidden = breakdown::narrowed_hidden_months(pool, filter, rules).await?;
        return Ok(protected_summary(&months, &hidden, rules));
    }
    Ok(NpsSummary::from_counts(
        queries::counts(pool, filter).await?,
        rules,
    ))
}

/// NPS per period, each marked when it differs significantly from the previous point
/// with enough data (suppressed or thin periods are skipped in that comparison).
pub async fn trend(
    pool: &PgPool,
    filter: &ResponseFilter,
    bucket: Bucket,
    rules: Rules,
) -> Result<Vec<TrendPoint>, sqlx::Error> {
    if rules.protects_anonymity {
        // People's answers are only ever added up from whole months (see `resolve`), and a
        // bucket is hidden if any of its months is a small group.
        let months = queries::counts_by_period(pool, filter, "month").await?;
        let hidden = breakdown::narrowed_hidden_months(pool, filter, rules).await?;
        let mut buckets: Vec<(Date, Vec<(Date, Counts)>)> = Vec::new();
        for (month, counts) in months {
            let start = bucket.start_of(month);
            match buckets.last_mut() {
                Some((last, cells)) if *last == start => cells.push((month, counts)),
                _ => buckets.push((start, vec![(month, counts)])),
            }
        }
        let summaries = buckets.into_iter().map(|(start, cells)| {
            let summary = protected_summary(&cells, &hidden, rules);
            (start, cells_total(&cells), summary)
        });
        return Ok(trend_from_summaries(summaries));
    }
    let periods = queries::counts_by_period(pool, filter, bucket.unit()).await?;
    Ok(trend_points(periods, rules))
}

fn cells_total(cells: &[(Date, Counts)]) -> Counts {
    cells.iter().map(|(_, counts)| *counts).sum()
}

/// A summary of protected (employee or internal) month cells: suppressed entirely if any
/// month is a small group, or a month in which the group is `hidden` among its siblings
/// (see `breakdown::narrowed_hidden_months`), so that no difference of two allowed
/// figures can reveal an answer.
pub fn protected_summary(months: &[(Date, Counts)], hidden: &[Date], rules: Rules) -> NpsSummary {
    if months.iter().any(|(month, c)| {
        c.n() > 0 && (c.n() < rules.anonymity_threshold || hidden.contains(month))
    }) {
        return NpsSummary::suppressed();
    }
    NpsSummary::from_counts(cells_total(months), rules)
}

/// A trend of counts per period, oldest first, each point marked when it moved
/// significantly from the previous one with enough data.
pub fn trend_points(periods: Vec<(Date, Counts)>, rules: Rules) -> Vec<TrendPoint> {
    trend_from_summaries(
        periods
            .into_iter()
            .map(|(start, counts)| (start, counts, NpsSummary::from_counts(counts, rules))),
    )
}

fn trend_from_summaries(
    points: impl Iterator<Item = (Date, Counts, NpsSummary)>,
) -> Vec<TrendPoint> {
    let mut previous: Option<Counts> = None;
    points
        .map(|(start, counts, summary)| {
            // Only points with enough responses are compared: with n = 1 the standard
            // error is 0 and any move would look "significant".
            let comparable = !summary.suppressed && summary.enough_data;
            let significant_change = comparable
                && previous.is_some_and(|before| change_is_significant(&before, &counts));
            if comparable {
                previous = Some(counts);
            }
            TrendPoint {
                period_start: start.to_string(),
                summary,
                significant_change,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: Rules = Rules {
        min_sample: 30,
        anonymity_threshold: 5,
        protects_anonymity: true,
    };

    fn counts(p: u64, n: u64, d: u64) -> Counts {
        Counts {
            promoters: p,
            passives: n,
            detractors: d,
        }
    }

    #[test]
    fn small_protected_groups_are_suppressed_entirely() {
        let summary = NpsSummary::from_counts(counts(2, 1, 1), RULES);
        assert!(summary.suppressed);
        assert_eq!((summary.n, summary.nps, summary.promoters), (0, None, None));
        let customers = Rules {
            protects_anonymity: false,
            ..RULES
        };
        assert!(!NpsSummary::from_counts(counts(2, 1, 1), customers).suppressed);
    }

    #[test]
    fn below_the_minimum_sample_there_is_not_enough_data() {
        assert!(!NpsSummary::from_counts(counts(10, 10, 9), RULES).enough_data);
        assert!(NpsSummary::from_counts(counts(10, 10, 10), RULES).enough_data);
    }

    #[test]
    fn a_trend_marks_only_significant_moves_and_skips_suppressed_points() {
        let day = |d| Date::from_calendar_date(2026, time::Month::January, d).unwrap();
        let points = trend_points(
            vec![
                (day(1), counts(50, 50, 100)),
                (day(2), counts(1, 1, 1)),
                (day(3), counts(52, 50, 98)),
                (day(4), counts(150, 40, 10)),
            ],
            RULES,
        );
        let flags: Vec<bool> = points.iter().map(|p| p.significant_change).collect();
        assert_eq!(flags, vec![false, false, false, true]);
        assert!(points[1].summary.suppressed);
    }
}

/// A metrics filter as it arrives in a query string, before validation.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FilterParams {
    /// A survey's slug.
    pub survey: Option<String>,
    /// `customer` (default), `employee` (eNPS) or `internal` (internal NPS).
    #[param(value_type = Option<KindParam>, inline)]
    pub kind: Option<String>,
    /// A department's slug: responses about what it owns (its touchpoints, or ratings of it).
    pub department: Option<String>,
    /// A touchpoint's slug.
    pub touchpoint: Option<String>,
    /// A customer segment, as sent with the responses.
    pub segment: Option<String>,
    /// First day, inclusive (YYYY-MM-DD, organisation time zone); default 89 days before today.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Day after the last, exclusive (YYYY-MM-DD); default tomorrow.
    #[param(format = Date)]
    pub to: Option<String>,
    /// Only for trends: `week`, `month` (default) or `quarter`.
    #[param(value_type = Option<IntervalParam>, inline)]
    pub interval: Option<String>,
    /// Only for breakdowns: `touchpoint`, `department`, `segment` or `respondent_department`.
    #[param(value_type = Option<ByParam>, inline)]
    pub by: Option<String>,
}

// The values `kind`, `interval` and `by` take, for the API's document (so clients and API
// fuzzers send what the server accepts). The parameters stay strings, so that a wrong
// value gets a 422 naming it rather than a generic 400.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum KindParam {
    Customer,
    Employee,
    Internal,
}

#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum IntervalParam {
    Week,
    Month,
    Quarter,
}

#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum ByParam {
    Touchpoint,
    Department,
    Segment,
    RespondentDepartment,
}

impl FilterParams {
    /// Every parameter by name.
    fn fields(&self) -> [(&'static str, Option<&str>); 9] {
        [
            ("survey", self.survey.as_deref()),
            ("kind", self.kind.as_deref()),
            ("department", self.department.as_deref()),
            ("touchpoint", self.touchpoint.as_deref()),
            ("segment", self.segment.as_deref()),
            ("from", self.from.as_deref()),
            ("to", self.to.as_deref()),
            ("interval", self.interval.as_deref()),
            ("by", self.by.as_deref()),
        ]
    }
}

/// Turns query parameters into a filter and the rules that apply to it, or says which
/// parameter is wrong. The default period is the last 90 days up to today (inclusive).
pub async fn resolve(
    pool: &PgPool,
    params: &FilterParams,
    snapshot: &Snapshot,
) -> Result<Result<(ResponseFilter, Rules), crate::domain::FieldErrors>, sqlx::Error> {
    let mut errors = crate::domain::FieldErrors::default();
    let given = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let date =
        |field: &'static str, value: &Option<String>, errors: &mut crate::domain::FieldErrors| {
            given(value).and_then(|raw| {
                let parsed = crate::domain::parse_date(&raw);
                if parsed.is_none() {
                    errors.add(field, "use a date such as 2026-01-31");
                }
                parsed
            })
        };
    // No slug, segment or date holds a NUL, and PostgreSQL cannot compare text with one.
    for (field, value) in params.fields() {
        if value.is_some_and(|v| v.contains('\0')) {
            errors.add(field, "contains a NUL character");
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let today = snapshot.today;
    let to = date("to", &params.to, &mut errors).unwrap_or(today + time::Duration::days(1));
    let from = date("from", &params.from, &mut errors).unwrap_or(to - time::Duration::days(90));
    if from >= to {
        errors.add("from", "must be before `to` (which is exclusive)");
    }
    let kind = given(&params.kind);
    if kind
        .as_deref()
        .is_some_and(|k| !["customer", "employee", "internal"].contains(&k))
    {
        errors.add("kind", "choose customer, employee or internal");
    }
    let survey = match given(&params.survey) {
        Some(slug) => {
            let found = queries::survey_by_slug(pool, &slug).await?;
            if found.is_none() {
                errors.add("survey", format!("there is no survey '{slug}'"));
            }
            found
        }
        None => None,
    };
    let department = match given(&params.department) {
        Some(slug) => {
            let found = queries::department_by_slug(pool, &slug).await?;
            if found.is_none() {
                errors.add("department", format!("there is no department '{slug}'"));
            }
            found
        }
        None => None,
    };
    let touchpoint = match given(&params.touchpoint) {
        Some(slug) => {
            let found = queries::touchpoint_by_slug(pool, &slug).await?;
            if found.is_none() {
                errors.add("touchpoint", format!("there is no touchpoint '{slug}'"));
            }
            found
        }
        None => None,
    };
    if params
        .interval
        .as_deref()
        .is_some_and(|i| Bucket::parse(i).is_none())
    {
        errors.add("interval", "choose week, month or quarter");
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let (org_min_sample, anonymity_threshold) = snapshot.thresholds();
    // Without a kind or survey, customer responses: mixing in people's answers would let
    // one subtract the customer part and see a small group of colleagues.
    let kind = match (&survey, kind) {
        (None, None) => Some("customer".to_owned()),
        (_, kind) => kind,
    };
    let effective_kind = survey.as_ref().map(|s| s.kind.clone()).or(kind.clone());
    let protects_anonymity = effective_kind.as_deref() != Some("customer");
    // People's answers are counted in whole months only, so that two overlapping periods
    // cannot be subtracted to reveal one person's answer.
    let (from, to) = if protects_anonymity {
        if params.interval.as_deref() == Some("week") {
            errors.add(
                "interval",
                "employee and internal results are shown by month or quarter, to protect anonymity",
            );
            return Ok(Err(errors));
        }
        (
            first_of_month(from),
            next_first_of_month(to - time::Duration::days(1)),
        )
    } else {
        (from, to)
    };
    let rules = Rules {
        min_sample: survey
            .as_ref()
            .and_then(|s| s.min_sample)
            .unwrap_or(org_min_sample)
            .max(1) as u64,
        anonymity_threshold: anonymity_threshold.max(1) as u64,
        protects_anonymity,
    };
    let filter = ResponseFilter {
        survey: survey.map(|s| s.id),
        kind,
        department,
        respondent_department: None,
        touchpoint,
        segment: given(&params.segment),
        from,
        to,
    };
    Ok(Ok((filter, rules)))
}

/// Months since year 0, counting from 0 (January of year 0).
fn month_index(day: Date) -> i32 {
    day.year() * 12 + i32::from(u8::from(day.month())) - 1
}

/// How many whole months lie from the first of `from`'s month to the first of `to`'s.
pub fn months_between(from: Date, to: Date) -> i32 {
    month_index(to) - month_index(from)
}

/// `months` months after (or before, when negative) the first of a month.
pub fn add_months(first: Date, months: i32) -> Date {
    let index = month_index(first) + months;
    let month = u8::try_from(index.rem_euclid(12) + 1).expect("1 to 12");
    Date::from_calendar_date(
        index.div_euclid(12),
        time::Month::try_from(month).expect("1 to 12"),
        1,
    )
    .expect("a first of month")
}

/// The first day of `day`'s month.
pub fn first_of_month(day: Date) -> Date {
    day.replace_day(1).expect("every month has a first day")
}

/// The first day of the month after `day`'s.
pub fn next_first_of_month(day: Date) -> Date {
    let first = first_of_month(day);
    first + time::Duration::days(i64::from(first.month().length(first.year())))
}
