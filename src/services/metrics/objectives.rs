//! Objectives, evaluated: the current value of each objective's metric over its period
//! so far, progress from baseline to target, and status (PRODUCT.md, "Objective progress").

use serde::Serialize;
use sqlx::PgPool;
use time::Date;

use super::{Counts, ObjectiveStatus, Progress, objective_status};
use crate::repo::metrics::{self as queries, ObjectiveRow, ResponseFilter};

/// Days in an average month, for "per month" contact metrics.
const DAYS_PER_MONTH: f64 = 30.4375;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObjectiveView {
    pub id: uuid::Uuid,
    #[schema(required = true)]
    pub parent_id: Option<uuid::Uuid>,
    pub title: String,
    /// The owning department's slug; null for an organisation-wide objective.
    #[schema(required = true)]
    pub owner_department: Option<String>,
    pub metric: String,
    pub unit: String,
    pub baseline: f64,
    pub target: f64,
    pub period_start: String,
    pub period_end: String,
    pub weight: f64,
    /// The metric now, over the period so far; null when there is nothing (or too little) to show.
    #[schema(required = true)]
    pub value: Option<f64>,
    /// Responses behind a survey metric, and its 95 % interval.
    #[schema(required = true)]
    pub n: Option<u64>,
    #[schema(required = true)]
    pub ci_low: Option<f64>,
    #[schema(required = true)]
    pub ci_high: Option<f64>,
    /// (value − baseline) / (target − baseline).
    #[schema(required = true)]
    pub progress: Option<f64>,
    /// Share of the period gone.
    pub elapsed: f64,
    pub status: ObjectiveStatus,
    pub status_label: &'static str,
    /// The target lies inside the interval: the difference is noise.
    pub too_close_to_call: bool,
}

/// Every objective, evaluated as of `today` (in the organisation's time zone).
pub async fn evaluate_all(pool: &PgPool, today: Date) -> Result<Vec<ObjectiveView>, sqlx::Error> {
    let (min_sample, anonymity) = queries::thresholds(pool).await?;
    let mut views = Vec::new();
    for row in queries::objectives(pool).await? {
        views.push(evaluate(pool, row, today, min_sample, anonymity).await?);
    }
    Ok(views)
}

async fn evaluate(
    pool: &PgPool,
    row: ObjectiveRow,
    today: Date,
    min_sample: i32,
    anonymity: i32,
) -> Result<ObjectiveView, sqlx::Error> {
    let to = (today + time::Duration::days(1)).min(row.period_end);
    let length = (row.period_end - row.period_start).whole_days().max(1) as f64;
    let elapsed = ((today - row.period_start).whole_days() as f64 / length).clamp(0.0, 1.0);
    let mut view = Measured::default();
    if to > row.period_start {
        view = measure(pool, &row, to, min_sample, anonymity).await?;
    }
    let progress = view
        .value
        .and_then(|value| Progress::new(value, row.baseline, row.target, elapsed));
    let status = if view.value.is_none() {
        ObjectiveStatus::NotEnoughData
    } else {
        objective_status(progress)
    };
    let too_close_to_call = matches!((view.ci_low, view.ci_high), (Some(low), Some(high)) if low <= row.target && row.target <= high);
    Ok(ObjectiveView {
        id: row.id,
        parent_id: row.parent_id,
        title: row.title,
        owner_department: row.owner_department,
        unit: unit(&row.metric, row.kpi_unit.as_deref()),
        metric: row.metric,
        baseline: row.baseline,
        target: row.target,
        period_start: row.period_start.to_string(),
        period_end: row.period_end.to_string(),
        weight: row.weight,
        value: view.value,
        n: view.n,
        ci_low: view.ci_low,
        ci_high: view.ci_high,
        progress: progress.map(|p| p.fraction),
        elapsed,
        status,
        status_label: status.label(),
        too_close_to_call,
    })
}

#[derive(Default)]
struct Measured {
    value: Option<f64>,
    n: Option<u64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
}

fn unit(metric: &str, kpi_unit: Option<&str>) -> String {
    match metric {
        "contact-rate" => "contacts per month".into(),
        "contact-cost" => "cost per month".into(),
        "kpi" => kpi_unit.unwrap_or_default().to_owned(),
        _ => "NPS".into(),
    }
}

/// The responses a survey metric (nps, enps, internal-nps) counts over [from, to) for
/// the objective `row`; None for the other metrics.
pub(super) fn survey_scope(row: &ObjectiveRow, from: Date, to: Date) -> Option<ResponseFilter> {
    let survey_filter = |kind: &str| ResponseFilter {
        survey: row.survey_id,
        kind: Some(kind.to_owned()),
        department: None,
        respondent_department: None,
        touchpoint: row.touchpoint_id,
        segment: None,
        from,
        to,
    };
    match row.metric.as_str() {
        "nps" => Some(ResponseFilter {
            department: row.department_id,
            ..survey_filter("customer")
        }),
        "enps" => Some(ResponseFilter {
            respondent_department: row.department_id,
            ..survey_filter("employee")
        }),
        "internal-nps" => Some(ResponseFilter {
            department: row.department_id,
            ..survey_filter("internal")
        }),
        _ => None,
    }
}

/// The rules a survey metric of `row` is shown under: its survey's minimum sample (or the
/// organisation's), and anonymity for people's answers (everything but customer NPS).
pub(super) fn survey_rules(row: &ObjectiveRow, min_sample: i32, anonymity: i32) -> super::Rules {
    super::Rules {
        min_sample: row.survey_min_sample.unwrap_or(min_sample).max(1) as u64,
        anonymity_threshold: anonymity.max(1) as u64,
        protects_anonymity: row.metric != "nps",
    }
}

/// A total over [from, to) as a rate per average month (the "per month" contact metrics).
pub(super) fn per_month(total: f64, from: Date, to: Date) -> f64 {
    total / ((to - from).whole_days().max(1) as f64 / DAYS_PER_MONTH)
}

async fn measure(
    pool: &PgPool,
    row: &ObjectiveRow,
    to: Date,
    min_sample: i32,
    anonymity: i32,
) -> Result<Measured, sqlx::Error> {
    let from = row.period_start;
    if let Some(filter) = survey_scope(row, from, to) {
        let rules = survey_rules(row, min_sample, anonymity);
        let counts: Counts = if !rules.protects_anonymity {
            queries::counts(pool, &filter).await?
        } else {
            // People's answers: whole months only, hidden if any month is a small group
            // (so that no two days' values can be subtracted to reveal one answer).
            let filter = ResponseFilter {
                to: super::first_of_month(to),
                ..filter
            };
            let months = queries::counts_by_period(pool, &filter, "month").await?;
            let hidden = super::breakdown::narrowed_hidden_months(pool, &filter, rules).await?;
            if super::protected_summary(&months, &hidden, rules).suppressed {
                return Ok(Measured::default());
            }
            months.iter().map(|(_, counts)| *counts).sum()
        };
        let n = counts.n();
        // Below the minimum sample there is no number to show.
        if n < rules.min_sample {
            return Ok(Measured {
                n: Some(n),
                ..Measured::default()
            });
        }
        let interval = counts.interval();
        return Ok(Measured {
            value: counts.nps(),
            n: Some(n),
            ci_low: Some(interval.low),
            ci_high: Some(interval.high),
        });
    }
    let value = match row.metric.as_str() {
        "contact-rate" => {
            let (contacts, _) = queries::contact_totals(pool, row.department_id, from, to).await?;
            Some(per_month(contacts as f64, from, to))
        }
        "contact-cost" => {
            let (_, cents) = queries::contact_totals(pool, row.department_id, from, to).await?;
            Some(per_month(cents as f64 / 100.0, from, to))
        }
        _ => queries::latest_kpi(pool, row.id, from, to).await?,
    };
    Ok(Measured {
        value,
        ..Measured::default()
    })
}

/// The interval of a survey metric over the last 90 days, for an objective (or a draft
/// of one) as `row` describes it; None for other metrics or without enough responses.
/// A target inside it is smaller than the noise.
pub async fn current_interval(
    pool: &PgPool,
    row: &ObjectiveRow,
    today: Date,
) -> Result<Option<(f64, f64)>, sqlx::Error> {
    let (min_sample, anonymity) = queries::thresholds(pool).await?;
    let recent = ObjectiveRow {
        period_start: today - time::Duration::days(89),
        period_end: today + time::Duration::days(1),
        ..row.clone()
    };
    let measured = measure(pool, &recent, recent.period_end, min_sample, anonymity).await?;
    Ok(measured.ci_low.zip(measured.ci_high))
}
