//! Incentive projections: what each plan pays at today's objective values (PRODUCT.md,
//! "Incentive payout"). A confidence-gated link is paid on the worse end of the
//! objective's interval, so nobody is paid for noise.

use serde::Serialize;
use sqlx::PgPool;
use time::Date;

use super::objectives::{ObjectiveView, evaluate_all};
use super::{Interval, LinkCurve, gated_value, link_payout_pct, plan_payout_pct};
use crate::repo::metrics::{self as queries, PlanLinkRow};

/// One link of a plan, projected.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LinkProjection {
    pub objective_id: uuid::Uuid,
    pub objective_title: String,
    pub weight_pct: f64,
    pub threshold_value: f64,
    pub target_value: f64,
    pub stretch_value: f64,
    pub threshold_payout_pct: f64,
    pub stretch_payout_pct: f64,
    pub requires_confidence: bool,
    /// The objective's value now; null without enough data (the link then pays nothing).
    pub value: Option<f64>,
    /// The value the payout is computed on: `value`, or the interval's worse end when gated.
    pub paid_on: Option<f64>,
    /// Payout % of this link (0 below threshold, 100 at target, up to the stretch %).
    pub payout_pct: f64,
}

/// A plan, projected at today's values.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlanProjection {
    pub id: uuid::Uuid,
    pub name: String,
    /// The role the plan covers, if any.
    pub role: Option<String>,
    /// The department the plan covers (slug), if any.
    pub department: Option<String>,
    pub period_start: String,
    pub period_end: String,
    /// In currency units, paid at 100 %.
    pub target_bonus: f64,
    /// The weighted sum of the links' payouts.
    pub payout_pct: f64,
    /// `target_bonus × payout_pct`, in currency units.
    pub projected_amount: f64,
    pub links: Vec<LinkProjection>,
}

/// Every plan in use, projected as of `today`.
pub async fn project_all(pool: &PgPool, today: Date) -> Result<Vec<PlanProjection>, sqlx::Error> {
    let objectives = evaluate_all(pool, today).await?;
    Ok(project(queries::plan_links(pool).await?, &objectives))
}

/// Projects plan/link rows (ordered by plan) with the objectives' current values.
pub fn project(rows: Vec<PlanLinkRow>, objectives: &[ObjectiveView]) -> Vec<PlanProjection> {
    let mut plans: Vec<PlanProjection> = Vec::new();
    for row in rows {
        if plans.last().is_none_or(|plan| plan.id != row.plan_id) {
            plans.push(PlanProjection {
                id: row.plan_id,
                name: row.plan_name.clone(),
                role: row.role.clone(),
                department: row.department.clone(),
                period_start: row.period_start.to_string(),
                period_end: row.period_end.to_string(),
                target_bonus: row.target_bonus_cents as f64 / 100.0,
                payout_pct: 0.0,
                projected_amount: 0.0,
                links: Vec::new(),
            });
        }
        let plan = plans.last_mut().expect("pushed above");
        if let Some(link) = project_link(&row, objectives) {
            plan.links.push(link);
        }
    }
    for plan in &mut plans {
        let weighted: Vec<(f64, f64)> = plan
            .links
            .iter()
            .map(|link| (link.weight_pct, link.payout_pct))
            .collect();
        plan.payout_pct = plan_payout_pct(&weighted);
        plan.projected_amount = plan.target_bonus * plan.payout_pct / 100.0;
    }
    plans
}

fn project_link(row: &PlanLinkRow, objectives: &[ObjectiveView]) -> Option<LinkProjection> {
    let objective_id = row.objective_id?;
    let curve = LinkCurve {
        threshold: row.threshold_value?,
        target: row.target_value?,
        stretch: row.stretch_value?,
        threshold_payout_pct: row.threshold_payout_pct?,
        stretch_payout_pct: row.stretch_payout_pct?,
    };
    let requires_confidence = row.requires_confidence.unwrap_or(false);
    let objective = objectives.iter().find(|o| o.id == objective_id);
    let value = objective.and_then(|o| o.value);
    let paid_on = objective.and_then(|o| paid_on(&curve, requires_confidence, o));
    Some(LinkProjection {
        objective_id,
        objective_title: objective.map(|o| o.title.clone()).unwrap_or_default(),
        weight_pct: row.weight_pct?,
        threshold_value: curve.threshold,
        target_value: curve.target,
        stretch_value: curve.stretch,
        threshold_payout_pct: curve.threshold_payout_pct,
        stretch_payout_pct: curve.stretch_payout_pct,
        requires_confidence,
        value,
        paid_on,
        payout_pct: paid_on.map_or(0.0, |v| link_payout_pct(&curve, v)),
    })
}

/// The value a link pays on for `objective` today: its value, or for a gated link the
/// interval's worse end. A metric without an interval (a recorded KPI, a contact
/// figure) has no noise to discount. None without a value.
pub fn paid_on(
    curve: &LinkCurve,
    requires_confidence: bool,
    objective: &ObjectiveView,
) -> Option<f64> {
    let value = objective.value?;
    match (requires_confidence, objective.ci_low, objective.ci_high) {
        (true, Some(low), Some(high)) => Some(gated_value(curve, &Interval { low, high })),
        _ => Some(value),
    }
}
