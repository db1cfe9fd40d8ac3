//! The part of a scorecard only HR, Finance, Legal and IT have, chosen by the department's
//! business function and shown after the sections every department shares.

use crate::services::metrics::objectives::ObjectiveView;
use sqlx::PgPool;

use super::channel::{self, ChannelPanel};
use super::finance::{self, FinancePanel};
use super::hr::{self, HrPanel};
use crate::domain::BusinessFunction;
use crate::error::AppError;
use crate::repo::departments::DepartmentProfile;
use crate::services::metrics::panels::PanelPeriod;
use crate::services::metrics::scorecard::ScorecardFilter;

pub enum DepartmentPanel {
    /// Boxed: its chart makes it several times larger than the others.
    Hr(Box<HrPanel>),
    Finance(FinancePanel),
    /// The documents customers read: contracts, terms, renewal letters, invoices.
    Legal(ChannelPanel),
    /// What customers use online: website, app, portal, chatbot.
    It(ChannelPanel),
}

/// The department's panel over the scorecard's period; None for a department without a
/// business function (or one this version does not know).
pub(super) async fn load(
    pool: &PgPool,
    department: &DepartmentProfile,
    filter: &ScorecardFilter,
    objectives: &[ObjectiveView],
) -> Result<Option<DepartmentPanel>, AppError> {
    let Some(function) = department
        .business_function
        .as_deref()
        .and_then(|raw| BusinessFunction::parse(raw).ok().flatten())
    else {
        return Ok(None);
    };
    let period = PanelPeriod::covering(filter.from, filter.to);
    Ok(Some(match function {
        BusinessFunction::Hr => {
            DepartmentPanel::Hr(Box::new(hr::panel(pool, department, &period).await?))
        }
        BusinessFunction::Finance => {
            DepartmentPanel::Finance(finance::panel(pool, &period, objectives).await?)
        }
        BusinessFunction::Legal => {
            DepartmentPanel::Legal(channel::panel(pool, department, "document", &period).await?)
        }
        BusinessFunction::It => {
            DepartmentPanel::It(channel::panel(pool, department, "digital", &period).await?)
        }
    }))
}
