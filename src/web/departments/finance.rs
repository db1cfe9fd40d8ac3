//! Finance's panel: the chargeback ledger across all departments, customers' NPS by value
//! segment, and what the incentive plans are projected to cost next to the status of the
//! objectives they pay on.

use crate::services::metrics::objectives::ObjectiveView;
use sqlx::PgPool;

use crate::error::AppError;
use crate::repo::metrics::Group;
use crate::services::metrics::breakdown::Breakdown;
use crate::services::metrics::panels::costs::{self, Ledger, PlanCosts};
use crate::services::metrics::panels::{PanelPeriod, customer_nps_by};

pub struct FinancePanel {
    pub ledger: Ledger,
    pub segments: Breakdown,
    pub plans: PlanCosts,
}

pub(super) async fn panel(
    pool: &PgPool,
    period: &PanelPeriod,
    objectives: &[ObjectiveView],
) -> Result<FinancePanel, AppError> {
    Ok(FinancePanel {
        ledger: costs::chargeback(pool, period).await?,
        segments: customer_nps_by(pool, period, Group::Segment).await?,
        plans: costs::plans(pool, objectives).await?,
    })
}
