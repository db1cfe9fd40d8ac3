//! Finance's lens (000: cost-benefit): what failure demand costs each department, and what
//! the incentive plans are projected to cost next to the status of the objectives they
//! pay on.

use sqlx::PgPool;
use time::Date;

use super::super::chargeback::{DepartmentCharge, ledger};
use super::super::incentives::{LinkProjection, PlanProjection, project};
use super::super::objectives::ObjectiveView;
use super::PanelPeriod;
use crate::repo::metrics as queries;

/// The chargeback ledger over the period, with its totals.
#[derive(Debug, Clone, PartialEq)]
pub struct Ledger {
    /// Most costly first; a line without a department holds contacts nobody is charged for.
    pub departments: Vec<DepartmentCharge>,
    pub contacts: i64,
    /// In currency units.
    pub cost: f64,
}

pub async fn chargeback(pool: &PgPool, period: &PanelPeriod) -> Result<Ledger, sqlx::Error> {
    ledger_over(pool, period.from, period.to).await
}

/// The ledger over [from, to), with its totals.
pub async fn ledger_over(pool: &PgPool, from: Date, to: Date) -> Result<Ledger, sqlx::Error> {
    let departments = ledger(pool, from, to).await?;
    Ok(Ledger {
        contacts: departments.iter().map(|d| d.contacts).sum(),
        cost: departments.iter().map(|d| d.cost).sum(),
        departments,
    })
}

/// A plan's link with the objective it pays on, as evaluated today.
#[derive(Debug, Clone)]
pub struct PaidObjective {
    pub link: LinkProjection,
    /// None when the objective is archived.
    pub objective: Option<ObjectiveView>,
}

#[derive(Debug, Clone)]
pub struct PlanCost {
    pub plan: PlanProjection,
    pub objectives: Vec<PaidObjective>,
}

/// Every plan in use, projected at today's values, with the totals the organisation is
/// heading for.
#[derive(Debug, Clone)]
pub struct PlanCosts {
    pub plans: Vec<PlanCost>,
    /// Sum of the projected amounts, in currency units.
    pub projected: f64,
    /// Sum of the target bonuses (each paid at 100 %), in currency units.
    pub target: f64,
}

pub async fn plans(pool: &PgPool, objectives: &[ObjectiveView]) -> Result<PlanCosts, sqlx::Error> {
    let plans: Vec<PlanCost> = project(queries::plan_links(pool).await?, objectives)
        .into_iter()
        .map(|plan| PlanCost {
            objectives: plan
                .links
                .iter()
                .map(|link| PaidObjective {
                    objective: objectives
                        .iter()
                        .find(|o| o.id == link.objective_id)
                        .cloned(),
                    link: link.clone(),
                })
                .collect(),
            plan,
        })
        .collect();
    Ok(PlanCosts {
        projected: plans.iter().map(|p| p.plan.projected_amount).sum(),
        target: plans.iter().map(|p| p.plan.target_bonus).sum(),
        plans,
    })
}
