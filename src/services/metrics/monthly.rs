//! Month-by-month series for the scorecard's sparklines: a touchpoint's NPS and each
//! objective's metric over at most the last twelve months, one point for every month
//! (months without data included, so that a gap shows as a gap).

use serde::Serialize;
use sqlx::PgPool;
use time::Date;
use uuid::Uuid;

use super::objectives::{per_month, survey_rules, survey_scope};
use super::{Bucket, NpsSummary, Rules, TrendPoint, first_of_month, next_first_of_month, trend};
use crate::repo::kpis;
use crate::repo::metrics::{self as queries, ObjectiveRow, ResponseFilter};

/// How many months a series reaches back, the current one included.
pub const MONTHS: u32 = 12;

/// One month of a series, read as an objective's value is read.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MonthPoint {
    /// The month's first day (YYYY-MM-DD).
    pub month: String,
    /// The value to show; null without data, below the minimum sample, or when hidden.
    #[schema(required = true)]
    pub value: Option<f64>,
    /// Responses behind a survey metric; null for other metrics, or when hidden.
    #[schema(required = true)]
    pub n: Option<u64>,
    /// The 95 % interval of a survey metric with enough responses.
    #[schema(required = true)]
    pub ci_low: Option<f64>,
    #[schema(required = true)]
    pub ci_high: Option<f64>,
    /// Significantly different (95 %) from the previous month with a value.
    pub significant_change: bool,
    /// Hidden to protect respondents' anonymity (a small employee or internal group).
    pub suppressed: bool,
}

impl From<&TrendPoint> for MonthPoint {
    fn from(point: &TrendPoint) -> Self {
        let summary = &point.summary;
        // Below the minimum sample an NPS is "not enough responses", never a number.
        let shown = |value: Option<f64>| value.filter(|_| summary.enough_data);
        Self {
            month: point.period_start.clone(),
            value: shown(summary.nps),
            n: (!summary.suppressed).then_some(summary.n),
            ci_low: shown(summary.ci_low),
            ci_high: shown(summary.ci_high),
            significant_change: point.significant_change,
            suppressed: summary.suppressed,
        }
    }
}

impl MonthPoint {
    /// A month of a metric without responses behind it (a recorded KPI, contacts).
    fn recorded(month: Date, value: Option<f64>) -> Self {
        Self {
            month: month.to_string(),
            value,
            n: None,
            ci_low: None,
            ci_high: None,
            significant_change: false,
            suppressed: false,
        }
    }
}

/// An objective's metric, month by month.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ObjectiveTrend {
    pub objective_id: Uuid,
    /// From the objective's period start or twelve months back, whichever is later, to
    /// today (or the period's end); for employee and internal metrics whole months only.
    pub points: Vec<MonthPoint>,
}

/// The first day of the twelve-month window that ends with the month holding `last_day`.
pub fn window_start(last_day: Date) -> Date {
    let month = first_of_month(last_day);
    let index = month.year() * 12 + i32::from(u8::from(month.month())) - 1 - (MONTHS as i32 - 1);
    let month_number = u8::try_from(index.rem_euclid(12) + 1).expect("1 to 12");
    Date::from_calendar_date(
        index.div_euclid(12),
        time::Month::try_from(month_number).expect("1 to 12"),
        1,
    )
    .expect("a first of month")
}

/// The first days of the months that [from, to) touches.
fn months_of(from: Date, to: Date) -> impl Iterator<Item = Date> {
    std::iter::successors(Some(first_of_month(from)), |month| {
        Some(next_first_of_month(*month))
    })
    .take_while(move |month| *month < to)
}

/// NPS per month over the filter's period, with a point (n = 0) for months without
/// responses. One rollup query.
pub async fn nps_by_month(
    pool: &PgPool,
    filter: &ResponseFilter,
    rules: Rules,
) -> Result<Vec<TrendPoint>, sqlx::Error> {
    let measured = trend(pool, filter, Bucket::Month, rules).await?;
    Ok(every_month(filter.from, filter.to, measured, rules))
}

/// `measured` (monthly points, oldest first) with a point (n = 0) for each month of
/// [from, to) that has none.
pub fn every_month(
    from: Date,
    to: Date,
    measured: Vec<TrendPoint>,
    rules: Rules,
) -> Vec<TrendPoint> {
    let mut measured = measured.into_iter().peekable();
    months_of(from, to)
        .map(|month| {
            let start = month.to_string();
            measured
                .next_if(|point| point.period_start == start)
                .unwrap_or_else(|| TrendPoint {
                    period_start: start,
                    summary: NpsSummary::from_counts(super::Counts::default(), rules),
                    significant_change: false,
                })
        })
        .collect()
}

/// The month-by-month series of every objective `owner` (a department's slug) owns, as
/// of `today`, in the order `objectives::evaluate_all` lists them.
pub async fn objective_trends(
    pool: &PgPool,
    owner: &str,
    today: Date,
) -> Result<Vec<ObjectiveTrend>, sqlx::Error> {
    let (min_sample, anonymity) = queries::thresholds(pool).await?;
    let mut trends = Vec::new();
    for row in queries::objectives(pool).await? {
        if row.owner_department.as_deref() == Some(owner) {
            trends.push(ObjectiveTrend {
                objective_id: row.id,
                points: objective_months(pool, &row, today, min_sample, anonymity).await?,
            });
        }
    }
    Ok(trends)
}

async fn objective_months(
    pool: &PgPool,
    row: &ObjectiveRow,
    today: Date,
    min_sample: i32,
    anonymity: i32,
) -> Result<Vec<MonthPoint>, sqlx::Error> {
    let to = (today + time::Duration::days(1)).min(row.period_end);
    let from = row
        .period_start
        .max(window_start(to - time::Duration::days(1)));
    if from >= to {
        return Ok(Vec::new());
    }
    if let Some(filter) = survey_scope(row, from, to) {
        let rules = survey_rules(row, min_sample, anonymity);
        // People's answers count in whole months only, as the objective's value does: a
        // month still filling up could be watched day by day to single out one answer.
        let filter = if rules.protects_anonymity {
            ResponseFilter {
                to: first_of_month(today.min(row.period_end)),
                ..filter
            }
        } else {
            filter
        };
        if filter.from >= filter.to {
            return Ok(Vec::new());
        }
        let months = nps_by_month(pool, &filter, rules).await?;
        return Ok(months.iter().map(MonthPoint::from).collect());
    }
    let values: Vec<(Date, Option<f64>)> = match row.metric.as_str() {
        metric @ ("contact-rate" | "contact-cost") => {
            let totals =
                queries::contact_totals_by_month(pool, row.department_id, from, to).await?;
            // A month without contacts is a month of zero, not a month without data.
            months_of(from, to)
                .map(|month| {
                    let (contacts, cents) = totals
                        .iter()
                        .find(|(m, _, _)| *m == month)
                        .map_or((0, 0), |(_, contacts, cents)| (*contacts, *cents));
                    let total = if metric == "contact-rate" {
                        contacts as f64
                    } else {
                        cents as f64 / 100.0
                    };
                    let covered = (month.max(from), next_first_of_month(month).min(to));
                    (month, Some(per_month(total, covered.0, covered.1)))
                })
                .collect()
        }
        _ => {
            let recorded = kpis::monthly_values(pool, row.id, from, to).await?;
            months_of(from, to)
                .map(|month| {
                    let value = recorded.iter().find(|(m, _)| *m == month).map(|(_, v)| *v);
                    (month, value)
                })
                .collect()
        }
    };
    Ok(values
        .into_iter()
        .map(|(month, value)| MonthPoint::recorded(month, value))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_window_is_the_current_month_and_the_eleven_before() {
        assert_eq!(window_start(date!(2026 - 11 - 24)), date!(2025 - 12 - 01));
        assert_eq!(window_start(date!(2026 - 12 - 31)), date!(2026 - 01 - 01));
        assert_eq!(window_start(date!(2026 - 01 - 01)), date!(2025 - 02 - 01));
    }

    #[test]
    fn every_month_a_period_touches_is_listed_once() {
        let months: Vec<Date> = months_of(date!(2026 - 01 - 15), date!(2026 - 03 - 02)).collect();
        assert_eq!(
            months,
            [
                date!(2026 - 01 - 01),
                date!(2026 - 02 - 01),
                date!(2026 - 03 - 01)
            ]
        );
        assert_eq!(
            months_of(date!(2026 - 01 - 01), date!(2026 - 02 - 01)).count(),
            1
        );
    }

    #[test]
    fn a_month_below_the_minimum_sample_shows_its_n_but_no_number() {
        let rules = Rules {
            min_sample: 30,
            anonymity_threshold: 5,
            protects_anonymity: false,
        };
        let point = |promoters| TrendPoint {
            period_start: "2026-01-01".into(),
            summary: NpsSummary::from_counts(
                super::super::Counts {
                    promoters,
                    passives: 0,
                    detractors: 10,
                },
                rules,
            ),
            significant_change: false,
        };
        let thin = MonthPoint::from(&point(10));
        assert_eq!((thin.value, thin.n, thin.ci_low), (None, Some(20), None));
        let enough = MonthPoint::from(&point(30));
        assert_eq!((enough.value, enough.n), (Some(50.0), Some(40)));
        assert!(enough.ci_low.is_some() && !enough.suppressed);
    }
}
