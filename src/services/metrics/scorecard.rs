//! A department's scorecard numbers, from the same loaders as every other view: its
//! customers' NPS, its touchpoints, what its internal customers say, its objectives and
//! the cost of the failure demand it causes.

use serde::Serialize;
use sqlx::PgPool;
use time::Date;

use super::breakdown::{Breakdown, breakdown};
use super::chargeback::{ReasonCharge, ledger};
use super::incentives::{PlanProjection, project};
use super::monthly::{ObjectiveTrend, nps_by_month, objective_trends, window_start};
use super::objectives::ObjectiveView;
use super::{
    NpsSummary, Rules, TrendPoint, change_is_significant, first_of_month, next_first_of_month, nps,
};
use crate::repo::departments::{self, DepartmentProfile};
use crate::repo::follow_ups::{self, LoopSummary};
use crate::repo::metrics::Group;
use crate::repo::metrics::{self as queries, ResponseFilter};
use crate::repo::surveys::{self, TouchpointListing};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TouchpointNps {
    pub slug: String,
    pub name: String,
    #[serde(flatten)]
    pub nps: NpsSummary,
    /// NPS of the period of equal length before; null unless both periods have enough
    /// responses to show.
    #[schema(required = true)]
    pub previous_nps: Option<f64>,
    /// The move from the period before is larger than the noise (95 %).
    pub significant_change: bool,
    /// NPS per month over the last twelve months up to the period's end (the current
    /// month so far included), each month marked when it moved significantly.
    pub trend: Vec<TrendPoint>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FailureDemand {
    pub contacts_this_month: i64,
    pub cost_this_month: f64,
    pub contacts_this_quarter: i64,
    pub cost_this_quarter: f64,
    /// This quarter's reasons, most costly first.
    pub top_reasons: Vec<ReasonCharge>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Scorecard {
    pub department: DepartmentProfile,
    /// Customer NPS of what the department owns over the period asked for (default the
    /// last 90 days).
    pub nps: NpsSummary,
    pub touchpoints: Vec<TouchpointNps>,
    /// What the departments it serves say (internal NPS), over the whole months the period
    /// touches.
    pub internal_nps: NpsSummary,
    /// The same, by rating department; groups too small to be anonymous left out.
    pub internal_by_rater: Breakdown,
    pub objectives: Vec<ObjectiveView>,
    /// Each of `objectives`' metric month by month, in the same order.
    pub objective_trends: Vec<ObjectiveTrend>,
    pub failure_demand: FailureDemand,
    /// Plans paying on this department's objectives, projected at today's values.
    pub incentives: Vec<PlanProjection>,
    /// Its follow-ups of detractors: how many are open, overdue, and how fast they close.
    pub follow_ups: LoopSummary,
}

/// Customer NPS of each of `touchpoints` over `customers`' period, against the period of
/// equal length before it, and month by month over the last twelve months.
pub async fn touchpoints_nps(
    pool: &PgPool,
    touchpoints: Vec<TouchpointListing>,
    customers: &ResponseFilter,
    rules: Rules,
) -> Result<Vec<TouchpointNps>, sqlx::Error> {
    let mut measured = Vec::with_capacity(touchpoints.len());
    for touchpoint in touchpoints {
        let filter = ResponseFilter {
            touchpoint: Some(touchpoint.id),
            department: None,
            ..customers.clone()
        };
        let before = filter.period_before();
        let last_year = ResponseFilter {
            from: window_start(filter.to - time::Duration::days(1)),
            ..filter.clone()
        };
        let (now, then) = (
            queries::counts(pool, &filter).await?,
            queries::counts(pool, &before).await?,
        );
        let trend = nps_by_month(pool, &last_year, rules).await?;
        // A move is only told when both periods have enough answers to show.
        let comparable = now.n() >= rules.min_sample && then.n() >= rules.min_sample;
        measured.push(TouchpointNps {
            nps: NpsSummary::from_counts(now, rules),
            previous_nps: then.nps().filter(|_| comparable),
            significant_change: comparable && change_is_significant(&then, &now),
            trend,
            slug: touchpoint.slug,
            name: touchpoint.name,
        });
    }
    Ok(measured)
}

/// What the scorecard's NPS figures cover: a period of days and, optionally, one
/// customer segment. Objectives and incentives keep their own periods; failure demand is
/// counted by calendar month and quarter.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorecardFilter {
    /// First day, inclusive.
    pub from: Date,
    /// Day after the last, exclusive.
    pub to: Date,
    pub segment: Option<String>,
}

/// The longest period a scorecard covers (its trends already show the longer run).
const LONGEST_PERIOD_DAYS: i64 = 3 * 366;

impl ScorecardFilter {
    /// The default: the last 90 days up to today, every segment.
    pub fn last_90_days(today: Date) -> Self {
        Self {
            from: today - time::Duration::days(89),
            to: today + time::Duration::days(1),
            segment: None,
        }
    }

    /// From a query string's `from` and `to` (both inclusive, YYYY-MM-DD; either may be
    /// left out) and `segment`, or the message for each field that is wrong.
    pub fn parse(
        from: &str,
        to: &str,
        segment: &str,
        today: Date,
    ) -> Result<Self, crate::domain::FieldErrors> {
        let mut errors = crate::domain::FieldErrors::default();
        let mut date = |field: &'static str, raw: &str| match raw.trim() {
            "" => None,
            raw => {
                let parsed = crate::domain::parse_date(raw);
                if parsed.is_none() {
                    // Date pickers blank a value they cannot show: name it here.
                    let shown: String = raw.chars().take(20).collect();
                    errors.add(
                        field,
                        format!(
                            "\u{201c}{shown}\u{201d} is not a date; use one such as 2026-01-31"
                        ),
                    );
                }
                parsed
            }
        };
        let (from, last) = (date("from", from), date("to", to));
        let last = last.unwrap_or(today);
        let from = from.unwrap_or(last - time::Duration::days(89));
        if errors.is_empty() && from > last {
            errors.add("from", "must be on or before the last day");
        } else if errors.is_empty() && (last - from).whole_days() >= LONGEST_PERIOD_DAYS {
            errors.add("from", "choose a period of at most three years");
        }
        let segment = segment.trim();
        if segment.chars().count() > 64 {
            errors.add("segment", "choose a segment from the list");
        } else if segment.contains('\0') {
            // PostgreSQL cannot compare text with a NUL (and no segment holds one).
            errors.add("segment", "contains a NUL character");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            from,
            to: last + time::Duration::days(1),
            segment: (!segment.is_empty()).then(|| segment.to_owned()),
        })
    }

    /// The last day shown (inclusive).
    pub fn last_day(&self) -> Date {
        self.to - time::Duration::days(1)
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).whole_days()
    }
}

/// The scorecard of the department with this slug, as of `today`, its NPS figures over
/// `filter`.
pub async fn load(
    pool: &PgPool,
    slug: &str,
    today: Date,
    filter: &ScorecardFilter,
    all_objectives: &[ObjectiveView],
) -> Result<Option<Scorecard>, sqlx::Error> {
    // No slug holds a NUL, and PostgreSQL cannot compare text with one.
    if slug.contains('\0') {
        return Ok(None);
    }
    let Some(department) = departments::profile(pool, slug).await? else {
        return Ok(None);
    };
    let (min_sample, anonymity) = queries::thresholds(pool).await?;
    let customer_rules = Rules {
        min_sample: min_sample.max(1) as u64,
        anonymity_threshold: anonymity.max(1) as u64,
        protects_anonymity: false,
    };
    let (from, to) = (filter.from, filter.to);
    let customers = ResponseFilter {
        survey: None,
        kind: Some("customer".into()),
        department: Some(department.id),
        respondent_department: None,
        touchpoint: None,
        segment: filter.segment.clone(),
        from,
        to,
    };
    let department_nps = nps(pool, &customers, customer_rules).await?;
    let owned = surveys::touchpoints(pool)
        .await?
        .into_iter()
        .filter(|t| t.owner.as_deref() == Some(slug))
        .collect();
    let touchpoints = touchpoints_nps(pool, owned, &customers, customer_rules).await?;
    // Colleagues have no customer segment; their answers count in whole months only, at
    // both ends: a last day of the reader's choosing inside a month would let two
    // readings a day apart single out one answer.
    let internal = ResponseFilter {
        kind: Some("internal".into()),
        segment: None,
        from: first_of_month(from),
        to: next_first_of_month(filter.last_day()),
        ..customers.clone()
    };
    let internal_nps = nps(
        pool,
        &internal,
        Rules {
            protects_anonymity: true,
            ..customer_rules
        },
    )
    .await?;
    let internal_by_rater = breakdown(
        pool,
        &internal,
        Group::RespondentDepartment,
        Rules {
            protects_anonymity: true,
            ..customer_rules
        },
    )
    .await?;
    let objectives: Vec<ObjectiveView> = all_objectives
        .iter()
        .filter(|o| o.owner_department.as_deref() == Some(slug))
        .cloned()
        .collect();
    let objective_trends = objective_trends(pool, slug, today).await?;
    let own: Vec<uuid::Uuid> = objectives.iter().map(|o| o.id).collect();
    let incentives = project(queries::plan_links(pool).await?, all_objectives)
        .into_iter()
        .filter(|plan| plan.links.iter().any(|l| own.contains(&l.objective_id)))
        .collect();
    let month = first_of_month(today);
    let quarter = Date::from_calendar_date(
        today.year(),
        time::Month::try_from((u8::from(today.month()) - 1) / 3 * 3 + 1).expect("1 to 12"),
        1,
    )
    .expect("a first of month");
    // Calendar month and quarter up to today, whatever period the NPS figures cover.
    let tomorrow = today + time::Duration::days(1);
    let (contacts_this_month, cents_month) =
        queries::contact_totals(pool, Some(department.id), month, tomorrow).await?;
    // The quarter's totals are the department's line of the ledger, with its reasons.
    let (contacts_this_quarter, cost_this_quarter, top_reasons) = ledger(pool, quarter, tomorrow)
        .await?
        .into_iter()
        .find(|d| d.department.as_deref() == Some(slug))
        .map_or((0, 0.0, Vec::new()), |d| (d.contacts, d.cost, d.reasons));
    let follow_ups = follow_ups::summary(pool, department.id).await?;
    Ok(Some(Scorecard {
        department,
        nps: department_nps,
        touchpoints,
        internal_nps,
        internal_by_rater,
        objectives,
        objective_trends,
        failure_demand: FailureDemand {
            contacts_this_month,
            cost_this_month: cents_month as f64 / 100.0,
            contacts_this_quarter,
            cost_this_quarter,
            top_reasons,
        },
        incentives,
        follow_ups,
    }))
}

#[cfg(test)]
mod tests {
    use super::ScorecardFilter;
    use time::macros::date;

    fn fields(result: Result<ScorecardFilter, crate::domain::FieldErrors>) -> Vec<&'static str> {
        result
            .err()
            .map(|errors| errors.iter().map(|(field, _)| field).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_period_defaults_to_ninety_days_up_to_today_and_includes_its_last_day() {
        let today = date!(2026 - 11 - 24);
        let filter = ScorecardFilter::parse("", "", "", today).unwrap();
        assert_eq!(filter, ScorecardFilter::last_90_days(today));
        assert_eq!((filter.from, filter.days()), (date!(2026 - 08 - 27), 90));
        let filter = ScorecardFilter::parse("2026-01-01", "2026-03-31", " SMB ", today).unwrap();
        assert_eq!(
            (filter.from, filter.to, filter.segment.as_deref()),
            (date!(2026 - 01 - 01), date!(2026 - 04 - 01), Some("SMB"))
        );
        let only_to = ScorecardFilter::parse("", "2026-03-31", "", today).unwrap();
        assert_eq!(only_to.days(), 90);
    }

    #[test]
    fn bad_dates_backwards_and_overlong_periods_are_refused_by_field() {
        let today = date!(2026 - 11 - 24);
        assert_eq!(
            fields(ScorecardFilter::parse("31/01/2026", "", "", today)),
            vec!["from"]
        );
        assert_eq!(
            fields(ScorecardFilter::parse("", "tomorrow", "", today)),
            vec!["to"]
        );
        assert_eq!(
            fields(ScorecardFilter::parse(
                "2026-05-01",
                "2026-04-30",
                "",
                today
            )),
            vec!["from"]
        );
        assert_eq!(
            fields(ScorecardFilter::parse(
                "2020-01-01",
                "2026-01-01",
                "",
                today
            )),
            vec!["from"]
        );
        assert_eq!(
            fields(ScorecardFilter::parse("", "", &"s".repeat(65), today)),
            vec!["segment"]
        );
    }
}
