//! THE customer-metrics layer: every number a page or the API shows is computed here,
//! from the definitions in PRODUCT.md. `math` holds the pure functions over counts; the
//! loaders below read counts through `repo::metrics` and apply the rules (minimum
//! sample, anonymity threshold, significance).

pub mod math;
pub mod objectives;

pub use math::{
    Counts, Direction, Interval, LinkCurve, ObjectiveStatus, Progress, change_is_significant,
    link_payout_pct, objective_status, plan_payout_pct,
};

use serde::Serialize;
use sqlx::PgPool;
use time::Date;

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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NpsSummary {
    pub n: u64,
    pub promoters: Option<u64>,
    pub passives: Option<u64>,
    pub detractors: Option<u64>,
    /// Unrounded; None without responses, or when suppressed.
    pub nps: Option<f64>,
    pub se: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub enough_data: bool,
    /// Hidden to protect respondents' anonymity (small employee/internal group).
    pub suppressed: bool,
}

impl NpsSummary {
    pub fn from_counts(counts: Counts, rules: Rules) -> Self {
        let n = counts.n();
        if rules.protects_anonymity && n > 0 && n < rules.anonymity_threshold {
            return Self {
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
            };
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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

    fn unit(self) -> &'static str {
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
    Ok(NpsSummary::from_counts(
        queries::counts(pool, filter).await?,
        rules,
    ))
}

/// NPS per period, each marked when it differs significantly from the previous shown
/// point (suppressed or empty periods are skipped in that comparison).
pub async fn trend(
    pool: &PgPool,
    filter: &ResponseFilter,
    bucket: Bucket,
    rules: Rules,
) -> Result<Vec<TrendPoint>, sqlx::Error> {
    let periods = queries::counts_by_period(pool, filter, bucket.unit()).await?;
    Ok(trend_points(periods, rules))
}

fn trend_points(periods: Vec<(Date, Counts)>, rules: Rules) -> Vec<TrendPoint> {
    let mut previous: Option<Counts> = None;
    periods
        .into_iter()
        .map(|(start, counts)| {
            let summary = NpsSummary::from_counts(counts, rules);
            let comparable = !summary.suppressed && summary.n > 0;
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
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilterParams {
    pub survey: Option<String>,
    pub kind: Option<String>,
    pub department: Option<String>,
    pub touchpoint: Option<String>,
    pub segment: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Only for trends: week, month (default) or quarter.
    pub interval: Option<String>,
}

/// Turns query parameters into a filter and the rules that apply to it, or says which
/// parameter is wrong. The default period is the last 90 days up to today (inclusive).
pub async fn resolve(
    pool: &PgPool,
    params: &FilterParams,
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
                let parsed =
                    Date::parse(&raw, &time::format_description::well_known::Iso8601::DATE).ok();
                if parsed.is_none() {
                    errors.add(field, "use a date such as 2026-01-31");
                }
                parsed
            })
        };
    let today = queries::today(pool).await?;
    let to = date("to", &params.to, &mut errors).unwrap_or(today + time::Duration::days(1));
    let from = date("from", &params.from, &mut errors).unwrap_or(to - time::Duration::days(91));
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
    let (org_min_sample, anonymity_threshold) = queries::thresholds(pool).await?;
    let effective_kind = survey.as_ref().map(|s| s.kind.clone()).or(kind.clone());
    let rules = Rules {
        min_sample: survey
            .as_ref()
            .and_then(|s| s.min_sample)
            .unwrap_or(org_min_sample)
            .max(1) as u64,
        anonymity_threshold: anonymity_threshold.max(1) as u64,
        protects_anonymity: effective_kind.as_deref() != Some("customer"),
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
