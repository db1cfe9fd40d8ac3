//! A department's scorecard numbers, from the same loaders as every other view: its
//! customers' NPS, its touchpoints, what its internal customers say, its objectives and
//! the cost of the failure demand it causes.

use serde::Serialize;
use sqlx::PgPool;
use time::Date;

use super::objectives::{ObjectiveView, evaluate_all};
use super::{NpsSummary, Rules, first_of_month, nps};
use crate::repo::departments::{self, DepartmentProfile};
use crate::repo::metrics::{self as queries, ResponseFilter};
use crate::repo::surveys;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TouchpointNps {
    pub slug: String,
    pub name: String,
    #[serde(flatten)]
    pub nps: NpsSummary,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FailureDemand {
    pub contacts_this_month: i64,
    pub cost_this_month: f64,
    pub contacts_this_quarter: i64,
    pub cost_this_quarter: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Scorecard {
    pub department: DepartmentProfile,
    /// Customer NPS of what the department owns, last 90 days.
    pub nps: NpsSummary,
    pub touchpoints: Vec<TouchpointNps>,
    /// What the departments it serves say (internal NPS), whole months of the last 90 days.
    pub internal_nps: NpsSummary,
    pub objectives: Vec<ObjectiveView>,
    pub failure_demand: FailureDemand,
}

/// The scorecard of the department with this slug, as of `today`.
pub async fn load(
    pool: &PgPool,
    slug: &str,
    today: Date,
) -> Result<Option<Scorecard>, sqlx::Error> {
    let Some(department) = departments::profile(pool, slug).await? else {
        return Ok(None);
    };
    let (min_sample, anonymity) = queries::thresholds(pool).await?;
    let customer_rules = Rules {
        min_sample: min_sample.max(1) as u64,
        anonymity_threshold: anonymity.max(1) as u64,
        protects_anonymity: false,
    };
    let (from, to) = (
        today - time::Duration::days(89),
        today + time::Duration::days(1),
    );
    let customers = ResponseFilter {
        survey: None,
        kind: Some("customer".into()),
        department: Some(department.id),
        respondent_department: None,
        touchpoint: None,
        segment: None,
        from,
        to,
    };
    let department_nps = nps(pool, &customers, customer_rules).await?;
    let mut touchpoints = Vec::new();
    for touchpoint in surveys::touchpoints(pool)
        .await?
        .into_iter()
        .filter(|t| t.owner.as_deref() == Some(slug))
    {
        let filter = ResponseFilter {
            touchpoint: Some(touchpoint.id),
            department: None,
            ..customers.clone()
        };
        touchpoints.push(TouchpointNps {
            nps: nps(pool, &filter, customer_rules).await?,
            slug: touchpoint.slug,
            name: touchpoint.name,
        });
    }
    let internal = ResponseFilter {
        kind: Some("internal".into()),
        from: first_of_month(from),
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
    let objectives = evaluate_all(pool, today)
        .await?
        .into_iter()
        .filter(|o| o.owner_department.as_deref() == Some(slug))
        .collect();
    let month = first_of_month(today);
    let quarter = Date::from_calendar_date(
        today.year(),
        time::Month::try_from((u8::from(today.month()) - 1) / 3 * 3 + 1).expect("1 to 12"),
        1,
    )
    .expect("a first of month");
    let (contacts_this_month, cents_month) =
        queries::contact_totals(pool, Some(department.id), month, to).await?;
    let (contacts_this_quarter, cents_quarter) =
        queries::contact_totals(pool, Some(department.id), quarter, to).await?;
    Ok(Some(Scorecard {
        department,
        nps: department_nps,
        touchpoints,
        internal_nps,
        objectives,
        failure_demand: FailureDemand {
            contacts_this_month,
            cost_this_month: cents_month as f64 / 100.0,
            contacts_this_quarter,
            cost_this_quarter: cents_quarter as f64 / 100.0,
        },
    }))
}
