//! The headline: NPS over the period with its interval and n, against the period of equal
//! length before, and how the answers split into promoters, passives and detractors.

use serde::Serialize;
use sqlx::PgPool;

use super::ExecutiveFilter;
use crate::repo::metrics::ResponseFilter;
use crate::services::metrics::{
    NpsSummary, add_months, change_is_significant, months_between, nps,
};

#[derive(Debug, Clone, Serialize)]
pub struct Headline {
    pub now: NpsSummary,
    pub before: NpsSummary,
    /// The period before: first day and the day after its last.
    pub before_from: time::Date,
    pub before_to: time::Date,
    /// The move is larger than the noise (95 %); false when either side lacks data.
    pub significant_change: bool,
}

impl Headline {
    /// The last day of the period before (inclusive).
    pub fn before_last_day(&self) -> time::Date {
        self.before_to - time::Duration::days(1)
    }

    /// now − before, when both can be shown.
    pub fn change(&self) -> Option<f64> {
        match (&self.now, &self.before) {
            (now, before) if now.enough_data && before.enough_data => Some(now.nps? - before.nps?),
            _ => None,
        }
    }

    /// Promoters, passives and detractors as percentages of n (for the split bar).
    pub fn split(&self) -> Option<[f64; 3]> {
        let n = self.now.n as f64;
        let share = |count: Option<u64>| count.map(|c| 100.0 * c as f64 / n);
        // Below the minimum sample the split would give the NPS away as a bare number.
        (self.now.enough_data && !self.now.suppressed).then_some([
            share(self.now.promoters)?,
            share(self.now.passives)?,
            share(self.now.detractors)?,
        ])
    }
}

pub async fn load(pool: &PgPool, filter: &ExecutiveFilter) -> Result<Headline, sqlx::Error> {
    let now = &filter.responses;
    let before = period_before(filter);
    let before_from = before.from;
    let (summary_now, summary_before) = (
        nps(pool, now, filter.rules).await?,
        nps(pool, &before, filter.rules).await?,
    );
    let significant_change = match (summary_before.counts(), summary_now.counts()) {
        (Some(before), Some(now)) if summary_before.enough_data && summary_now.enough_data => {
            change_is_significant(&before, &now)
        }
        _ => false,
    };
    Ok(Headline {
        now: summary_now,
        before: summary_before,
        before_from,
        before_to: now.from,
        significant_change,
    })
}

/// The same responses over the period of equal length just before. People's answers
/// count in whole months, so for them it is the same number of whole months.
fn period_before(filter: &ExecutiveFilter) -> ResponseFilter {
    let now = &filter.responses;
    if !filter.protects_anonymity() {
        return now.period_before();
    }
    ResponseFilter {
        from: add_months(now.from, -months_between(now.from, now.to)),
        to: now.from,
        ..now.clone()
    }
}
