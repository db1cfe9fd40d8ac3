//! The chargeback ledger (001's Amazon example): every service contact is charged to the
//! department whose work caused it, at its cost, so failure demand has an owner.

use serde::Serialize;
use sqlx::PgPool;
use time::Date;

use crate::repo::metrics::{self as queries, ChargebackRow};

/// What one reason cost.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReasonCharge {
    pub reason: String,
    pub reason_name: String,
    pub contacts: i64,
    /// In currency units.
    pub cost: f64,
}

/// What one department is charged, with its reasons, most costly first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DepartmentCharge {
    /// The department's slug; null for contacts no department is charged for.
    pub department: Option<String>,
    pub department_name: Option<String>,
    pub contacts: i64,
    /// In currency units.
    pub cost: f64,
    pub reasons: Vec<ReasonCharge>,
}

/// The ledger over [from, to): departments by cost, most costly first.
pub async fn ledger(
    pool: &PgPool,
    from: Date,
    to: Date,
) -> Result<Vec<DepartmentCharge>, sqlx::Error> {
    Ok(group(queries::chargeback(pool, from, to).await?))
}

/// Groups rows (most costly first) by department, keeping that order within each.
/// Sums are taken in cents, so the ledger adds up exactly.
pub fn group(rows: Vec<ChargebackRow>) -> Vec<DepartmentCharge> {
    let mut departments: Vec<(i64, DepartmentCharge)> = Vec::new();
    for row in rows {
        let reason = ReasonCharge {
            reason: row.reason,
            reason_name: row.reason_name,
            contacts: row.contacts,
            cost: cents_to_units(row.cost_cents),
        };
        match departments
            .iter_mut()
            .find(|(_, d)| d.department == row.department)
        {
            Some((cents, department)) => {
                *cents += row.cost_cents;
                department.contacts += reason.contacts;
                department.reasons.push(reason);
            }
            None => departments.push((
                row.cost_cents,
                DepartmentCharge {
                    department: row.department,
                    department_name: row.department_name,
                    contacts: reason.contacts,
                    cost: 0.0,
                    reasons: vec![reason],
                },
            )),
        }
    }
    departments.sort_by_key(|(cents, _)| std::cmp::Reverse(*cents));
    departments
        .into_iter()
        .map(|(cents, department)| DepartmentCharge {
            cost: cents_to_units(cents),
            ..department
        })
        .collect()
}

fn cents_to_units(cents: i64) -> f64 {
    cents as f64 / 100.0
}
