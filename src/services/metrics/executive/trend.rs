//! The trend: NPS per week, month or quarter over a window that ends with the filter's
//! last day (26 weeks, 24 months or 8 quarters), each period with its 95 % interval and
//! n, significant changes flagged; the same for eNPS; and the days inside the window on
//! which an objective or an incentive plan started, so a move can be read against them.

use std::collections::BTreeMap;

use sqlx::PgPool;
use time::Date;
use uuid::Uuid;

use super::ExecutiveFilter;
use crate::repo::metrics::ResponseFilter;
use crate::repo::{objectives, plans};
use crate::services::metrics::monthly::MonthPoint;
use crate::services::metrics::{
    Bucket, Counts, NpsSummary, Rules, TrendPoint, add_months, first_of_month, next_first_of_month,
    trend,
};

/// How many periods a trend reaches back, the one holding the last day included.
pub fn periods(bucket: Bucket) -> usize {
    match bucket {
        Bucket::Week => 26,
        Bucket::Month => 24,
        Bucket::Quarter => 8,
    }
}

/// One survey kind's trend.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// `customer`, `employee` or `internal`.
    pub kind: String,
    pub bucket: Bucket,
    /// One per period (its first day), oldest first; periods without responses are kept
    /// (a gap shows as a gap), except those before the first response in the window.
    pub points: Vec<MonthPoint>,
    /// The day after the last day counted.
    pub to: Date,
}

impl Series {
    /// No period to draw at all.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The first day of the first period shown.
    pub fn from(&self) -> Option<Date> {
        self.points
            .first()
            .and_then(|p| crate::domain::parse_date(&p.month))
    }
}

/// Objectives and incentive plans whose period began on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    pub day: Date,
    pub objectives: Vec<String>,
    pub plans: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// The page's survey kind (customer, employee or internal).
    pub main: Series,
    /// eNPS next to it; None when the page already shows employees.
    pub employees: Option<Series>,
    /// Weekly periods were asked for, and people's answers are shown by month instead.
    pub employees_by_month: bool,
    /// Oldest first, inside the window of either series.
    pub starts: Vec<Start>,
}

pub async fn load(pool: &PgPool, filter: &ExecutiveFilter) -> Result<Trend, sqlx::Error> {
    let last_day = filter.last_day();
    let main = if filter.kind == "employee" {
        series(
            pool,
            employee_filter(filter),
            filter.bucket,
            filter.rules,
            last_day,
        )
        .await?
    } else {
        series(
            pool,
            filter.responses.clone(),
            filter.bucket,
            filter.rules,
            last_day,
        )
        .await?
    };
    let employees = if filter.kind == "employee" {
        None
    } else {
        let rules = Rules {
            protects_anonymity: true,
            ..filter.rules
        };
        Some(
            series(
                pool,
                employee_filter(filter),
                people_bucket(filter.bucket),
                rules,
                last_day,
            )
            .await?,
        )
    };
    let from = [Some(&main), employees.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(Series::from)
        .min();
    let starts = match from {
        Some(from) => starts(pool, filter.department(), from, last_day).await?,
        None => Vec::new(),
    };
    Ok(Trend {
        employees_by_month: employees.is_some() && filter.bucket == Bucket::Week,
        main,
        employees,
        starts,
    })
}

/// People's answers are never counted by week (two overlapping weeks could be
/// subtracted to reveal one answer), so a weekly trend of them is drawn by month.
fn people_bucket(bucket: Bucket) -> Bucket {
    match bucket {
        Bucket::Week => Bucket::Month,
        other => other,
    }
}

/// Employees' answers under the page's filter: a department means its own people; a
/// customer segment does not apply to them.
fn employee_filter(filter: &ExecutiveFilter) -> ResponseFilter {
    ResponseFilter {
        survey: None,
        kind: Some("employee".into()),
        department: None,
        respondent_department: filter.department(),
        touchpoint: None,
        segment: None,
        from: first_of_month(filter.responses.from),
        to: next_first_of_month(filter.last_day()),
    }
}

async fn series(
    pool: &PgPool,
    filter: ResponseFilter,
    bucket: Bucket,
    rules: Rules,
    last_day: Date,
) -> Result<Series, sqlx::Error> {
    let starts = period_starts(bucket, last_day);
    let responses = ResponseFilter {
        from: starts[0],
        ..filter
    };
    let points = trend(pool, &responses, bucket, rules).await?;
    Ok(Series {
        kind: responses.kind.clone().unwrap_or_else(|| "customer".into()),
        bucket,
        points: fill(&starts, points, rules),
        to: responses.to,
    })
}

/// The first days of the window's periods, oldest first, the last one holding `last_day`
/// (weeks start on Monday, as PostgreSQL's `date_trunc` has them).
pub fn period_starts(bucket: Bucket, last_day: Date) -> Vec<Date> {
    let count = periods(bucket);
    let back = |i: usize| (count - 1 - i) as i32;
    match bucket {
        Bucket::Week => {
            let monday = last_day
                - time::Duration::days(i64::from(last_day.weekday().number_days_from_monday()));
            (0..count)
                .map(|i| monday - time::Duration::weeks(i64::from(back(i))))
                .collect()
        }
        Bucket::Month => {
            let month = first_of_month(last_day);
            (0..count).map(|i| add_months(month, -back(i))).collect()
        }
        Bucket::Quarter => {
            let month = first_of_month(last_day);
            let quarter = add_months(month, -(i32::from(u8::from(month.month()) - 1) % 3));
            (0..count)
                .map(|i| add_months(quarter, -3 * back(i)))
                .collect()
        }
    }
}

/// One point per period start; periods the trend has no row for had no responses. Leading
/// periods without responses are dropped: a young programme's chart starts with its data.
fn fill(starts: &[Date], points: Vec<TrendPoint>, rules: Rules) -> Vec<MonthPoint> {
    let by_start: BTreeMap<String, TrendPoint> = points
        .into_iter()
        .map(|p| (p.period_start.clone(), p))
        .collect();
    let nothing = |start: &Date| TrendPoint {
        period_start: start.to_string(),
        summary: NpsSummary::from_counts(Counts::default(), rules),
        significant_change: false,
    };
    let filled: Vec<MonthPoint> = starts
        .iter()
        .map(|start| match by_start.get(&start.to_string()) {
            Some(point) => MonthPoint::from(point),
            None => MonthPoint::from(&nothing(start)),
        })
        .collect();
    let first = filled
        .iter()
        .position(|p| p.suppressed || p.n.is_some_and(|n| n > 0));
    match first {
        Some(first) => filled[first..].to_vec(),
        None => Vec::new(),
    }
}

/// The objectives (organisation-wide ones, and the department's own when the page shows
/// one department) and incentive plans (all, or those covering the department) whose
/// period began between `from` and `last_day`, grouped by day.
async fn starts(
    pool: &PgPool,
    department: Option<Uuid>,
    from: Date,
    last_day: Date,
) -> Result<Vec<Start>, sqlx::Error> {
    let objectives = objectives::list(pool).await?;
    let plans = plans::list(pool).await?;
    let mut days: BTreeMap<Date, Start> = BTreeMap::new();
    let began = |day: Date| Start {
        day,
        objectives: Vec::new(),
        plans: Vec::new(),
    };
    let inside = |day: Date| from <= day && day <= last_day;
    for objective in objectives {
        // The organisation's own objectives (no owning department, as in the matrix), and
        // with a department chosen, that department's.
        let relevant = objective.owner_department_id.is_none()
            || (department.is_some() && objective.owner_department_id == department);
        if !objective.archived && relevant && inside(objective.period_start) {
            days.entry(objective.period_start)
                .or_insert_with(|| began(objective.period_start))
                .objectives
                .push(objective.title);
        }
    }
    for plan in plans {
        let relevant =
            department.is_none() || plan.department_id.is_none_or(|d| Some(d) == department);
        if !plan.archived && relevant && inside(plan.period_start) {
            days.entry(plan.period_start)
                .or_insert_with(|| began(plan.period_start))
                .plans
                .push(plan.name);
        }
    }
    Ok(days.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const RULES: Rules = Rules {
        min_sample: 30,
        anonymity_threshold: 5,
        protects_anonymity: false,
    };

    #[test]
    fn the_window_ends_with_the_period_holding_the_last_day() {
        let months = period_starts(Bucket::Month, date!(2026 - 03 - 15));
        assert_eq!(months.len(), 24);
        assert_eq!(months[0], date!(2024 - 04 - 01));
        assert_eq!(months[23], date!(2026 - 03 - 01));
        let quarters = period_starts(Bucket::Quarter, date!(2026 - 05 - 31));
        assert_eq!(quarters.len(), 8);
        assert_eq!(quarters[0], date!(2024 - 07 - 01));
        assert_eq!(quarters[7], date!(2026 - 04 - 01));
        // 2026-03-15 is a Sunday: its week began on Monday the 9th.
        let weeks = period_starts(Bucket::Week, date!(2026 - 03 - 15));
        assert_eq!(weeks.len(), 26);
        assert_eq!(weeks[25], date!(2026 - 03 - 09));
        assert_eq!(weeks[0], date!(2025 - 09 - 15));
    }

    #[test]
    fn missing_periods_are_gaps_but_the_empty_start_is_dropped() {
        let starts = period_starts(Bucket::Month, date!(2026 - 03 - 31));
        let point = |start: &str, promoters: u64| TrendPoint {
            period_start: start.into(),
            summary: NpsSummary::from_counts(
                Counts {
                    promoters,
                    passives: 10,
                    detractors: 10,
                },
                RULES,
            ),
            significant_change: false,
        };
        let filled = fill(
            &starts,
            vec![point("2025-12-01", 20), point("2026-02-01", 30)],
            RULES,
        );
        let months: Vec<&str> = filled.iter().map(|p| p.month.as_str()).collect();
        assert_eq!(
            months,
            ["2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01"]
        );
        assert_eq!(filled[1].n, Some(0));
        assert_eq!(filled[1].value, None);
        assert_eq!(filled[0].value, Some(25.0));
        assert!(fill(&starts, Vec::new(), RULES).is_empty());
    }

    #[test]
    fn people_are_never_counted_by_week() {
        assert_eq!(people_bucket(Bucket::Week), Bucket::Month);
        assert_eq!(people_bucket(Bucket::Quarter), Bucket::Quarter);
    }
}
