//! A department's own recorded KPIs (CX training, contract readability, availability …)
//! with their latest recorded values, oldest first, so a panel shows where each is going.

use sqlx::PgPool;
use uuid::Uuid;

use crate::repo::kpis::{self, KpiObjective, Measurement};

/// Recorded values shown per KPI.
pub const VALUES_SHOWN: i64 = 6;

#[derive(Debug, Clone)]
pub struct KpiHistory {
    pub objective: KpiObjective,
    /// Up to `VALUES_SHOWN` of the latest values, oldest first.
    pub values: Vec<Measurement>,
}

impl KpiHistory {
    pub fn latest(&self) -> Option<&Measurement> {
        self.values.last()
    }
}

/// Every KPI objective the department owns, by title, with its latest values.
pub async fn load(pool: &PgPool, department: Uuid) -> Result<Vec<KpiHistory>, sqlx::Error> {
    let objectives = kpis::objectives_of(pool, department).await?;
    let recent = kpis::recent_measurements(pool, department, VALUES_SHOWN).await?;
    Ok(histories(objectives, recent))
}

/// Gives each objective its values (which come newest first), oldest first.
fn histories(objectives: Vec<KpiObjective>, recent: Vec<Measurement>) -> Vec<KpiHistory> {
    objectives
        .into_iter()
        .map(|objective| {
            let mut values: Vec<Measurement> = recent
                .iter()
                .filter(|m| m.objective_id == objective.id)
                .cloned()
                .collect();
            values.reverse();
            KpiHistory { objective, values }
        })
        .collect()
}
