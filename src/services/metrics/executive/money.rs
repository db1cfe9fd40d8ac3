//! Money: what failure demand cost over the period, by the department whose work caused
//! it, and what every incentive plan is projected to pay at today's values.

use sqlx::PgPool;

use super::ExecutiveFilter;
use crate::services::metrics::objectives::ObjectiveView;
use crate::services::metrics::panels::costs::{self, Ledger, PlanCosts};

#[derive(Debug, Clone)]
pub struct Money {
    /// Over the filter's period, most costly first.
    pub ledger: Ledger,
    /// Projected as of today.
    pub plans: PlanCosts,
}

pub async fn load(
    pool: &PgPool,
    filter: &ExecutiveFilter,
    objectives: &[ObjectiveView],
) -> Result<Money, sqlx::Error> {
    Ok(Money {
        ledger: costs::ledger_over(pool, filter.responses.from, filter.responses.to).await?,
        plans: costs::plans(pool, objectives).await?,
    })
}
