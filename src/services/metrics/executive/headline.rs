//! The headline: NPS over the period with its interval and n, against the period of equal
//! length before, and how the answers split into promoters, passives and detractors.

use serde::Serialize;
use sqlx::PgPool;

use super::ExecutiveFilter;
use crate::repo::metrics::ResponseFilter;
use crate::services::metrics::{NpsSummary, change_is_significant, first_of_month, nps};

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
        (self.now.n > 0 && !self.now.suppressed).then_some([
            share(self.now.promoters)?,
            share(self.now.passives)?,
            share(self.now.detractors)?,
        ])
    }
}

pub async fn load(pool: &PgPool, filter: &ExecutiveFilter) -> Result<Headline, sqlx::Error> {
    let now = &filter.responses;
    let length = now.to - now.from;
    // People's answers count in whole months: the period before starts on a first too.
    let before_from = if filter.protects_anonymity() {
        first_of_month(now.from - length)
    } else {
        now.from - length
    };
    let before = ResponseFilter {
        from: before_from,
        to: now.from,
        ..now.clone()
    };
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
