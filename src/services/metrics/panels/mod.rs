//! The numbers behind the panels HR, Finance, Legal and IT add to their scorecards, from
//! the same loaders and rules as every other figure. Each loader takes the period, so
//! that the scorecard's filters can be threaded through later.

pub mod costs;
pub mod enps_nps;
pub mod kpi_history;
pub mod theme_shares;

use sqlx::PgPool;
use time::Date;

use super::breakdown::{Breakdown, breakdown};
use super::scorecard::{TouchpointNps, touchpoints_nps};
use super::{Rules, first_of_month, next_first_of_month};
use crate::repo::metrics::{self as queries, Group, ResponseFilter};
use crate::repo::surveys;

/// What a panel covers: NPS figures and costs over [from, to), like the rest of the
/// scorecard; trends month by month over [trend_from, trend_to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PanelPeriod {
    pub from: Date,
    pub to: Date,
    pub trend_from: Date,
    pub trend_to: Date,
}

/// Months in a panel's trend.
const TREND_MONTHS: usize = 12;

impl PanelPeriod {
    /// The scorecard's period `from` (inclusive) to `to` (exclusive), and the 12 calendar
    /// months ending with the one of its last day.
    pub fn covering(from: Date, to: Date) -> Self {
        let last_day = to.previous_day().expect("not the first day of time");
        let trend_to = next_first_of_month(last_day);
        let trend_from = (1..TREND_MONTHS).fold(first_of_month(last_day), |month, _| {
            first_of_month(month.previous_day().expect("not the first day of time"))
        });
        Self {
            from,
            to,
            trend_from,
            trend_to,
        }
    }

    /// The first day of each month of the trend, oldest first.
    pub fn trend_months(&self) -> Vec<Date> {
        std::iter::successors(Some(first_of_month(self.trend_from)), |month| {
            Some(next_first_of_month(*month))
        })
        .take_while(|month| *month < self.trend_to)
        .collect()
    }

    /// Customer responses of the period, about anything.
    pub fn customers(&self) -> ResponseFilter {
        ResponseFilter {
            survey: None,
            kind: Some("customer".into()),
            department: None,
            respondent_department: None,
            touchpoint: None,
            segment: None,
            from: self.from,
            to: self.to,
        }
    }
}

/// The organisation's rules for customer figures (minimum sample; no anonymity needed).
pub async fn customer_rules(pool: &PgPool) -> Result<Rules, sqlx::Error> {
    let (min_sample, anonymity) = queries::thresholds(pool).await?;
    Ok(Rules {
        min_sample: min_sample.max(1) as u64,
        anonymity_threshold: anonymity.max(1) as u64,
        protects_anonymity: false,
    })
}

/// Customers' NPS over the period by `group` (department, segment …).
pub async fn customer_nps_by(
    pool: &PgPool,
    period: &PanelPeriod,
    group: Group,
) -> Result<Breakdown, sqlx::Error> {
    breakdown(
        pool,
        &period.customers(),
        group,
        customer_rules(pool).await?,
    )
    .await
}

/// Every touchpoint of one channel (e.g. `document`, `digital`), whoever owns it, with its
/// customers' NPS over the period against the period before.
pub async fn channel_touchpoints(
    pool: &PgPool,
    channel: &str,
    period: &PanelPeriod,
) -> Result<Vec<TouchpointNps>, sqlx::Error> {
    let touchpoints = surveys::touchpoints(pool)
        .await?
        .into_iter()
        .filter(|t| t.channel == channel)
        .collect();
    touchpoints_nps(
        pool,
        touchpoints,
        &period.customers(),
        customer_rules(pool).await?,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_panel_covers_the_scorecards_period_and_the_12_months_ending_with_its_last() {
        let period = PanelPeriod::covering(date!(2025 - 12 - 16), date!(2026 - 03 - 16));
        assert_eq!(period.from, date!(2025 - 12 - 16));
        assert_eq!(period.to, date!(2026 - 03 - 16));
        assert_eq!(period.to - period.from, time::Duration::days(90));
        let months = period.trend_months();
        assert_eq!(months.len(), 12);
        assert_eq!(months[0], date!(2025 - 04 - 01));
        assert_eq!(months[11], date!(2026 - 03 - 01));
        assert_eq!(period.trend_to, date!(2026 - 04 - 01));
    }
}
