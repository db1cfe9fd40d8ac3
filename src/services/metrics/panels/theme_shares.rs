//! How much of the customers' detractor comments the themes a department owns account
//! for, month by month (Legal's contract themes, IT's login and app themes …): is the
//! share of complaints the department can fix shrinking? A share, not a count, so that
//! a month with more responses does not look like a worse month.

use sqlx::PgPool;
use time::Date;
use uuid::Uuid;

use super::super::{Share, share_change_is_significant};
use super::{PanelPeriod, customer_rules};
use crate::repo::comments::{self, ThemeMonth};

/// Which way a theme's share went from the trend's first half to its second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    Rose,
    Fell,
    /// Within the noise (95 %).
    NoRealChange,
    /// Either half has fewer detractor comments than the minimum sample.
    TooFewComments,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ThemeTrend {
    pub theme: String,
    /// Tagged comments of all detractor comments, one per month of `ThemeShares::months`.
    pub shares: Vec<Share>,
    /// The trend's first and second half, for its reading.
    pub earlier: Share,
    pub later: Share,
    pub movement: Movement,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ThemeShares {
    /// Every month of the trend, oldest first, with all customers' detractor comments.
    pub months: Vec<(Date, u64)>,
    /// The department's themes, by name.
    pub themes: Vec<ThemeTrend>,
}

impl ThemeShares {
    /// Months in each half of the trend.
    pub fn half(&self) -> usize {
        self.months.len() / 2
    }
}

pub async fn load(
    pool: &PgPool,
    department: Uuid,
    period: &PanelPeriod,
) -> Result<ThemeShares, sqlx::Error> {
    let rows =
        comments::detractors_by_owned_theme(pool, department, period.trend_from, period.trend_to)
            .await?;
    let min_sample = customer_rules(pool).await?.min_sample;
    Ok(shares(&period.trend_months(), &rows, min_sample))
}

/// Spreads the counted rows over every month (a month without rows has none).
pub fn shares(months: &[Date], rows: &[ThemeMonth], min_sample: u64) -> ThemeShares {
    let count = |theme: Option<&str>, month: Date| -> u64 {
        rows.iter()
            .find(|r| r.theme.as_deref() == theme && r.month == Some(month))
            .map_or(0, |r| r.comments.max(0) as u64)
    };
    let totals: Vec<(Date, u64)> = months.iter().map(|m| (*m, count(None, *m))).collect();
    let mut names: Vec<&str> = rows.iter().filter_map(|r| r.theme.as_deref()).collect();
    names.dedup();
    let half = months.len() / 2;
    let themes = names
        .into_iter()
        .map(|name| {
            let shares: Vec<Share> = totals
                .iter()
                .map(|(month, whole)| Share {
                    part: count(Some(name), *month),
                    whole: *whole,
                })
                .collect();
            let earlier: Share = shares[..half].iter().copied().sum();
            let later: Share = shares[half..].iter().copied().sum();
            ThemeTrend {
                theme: name.to_owned(),
                movement: movement(earlier, later, min_sample),
                shares,
                earlier,
                later,
            }
        })
        .collect();
    ThemeShares {
        months: totals,
        themes,
    }
}

fn movement(earlier: Share, later: Share, min_sample: u64) -> Movement {
    if earlier.whole < min_sample || later.whole < min_sample {
        Movement::TooFewComments
    } else if !share_change_is_significant(earlier, later) {
        Movement::NoRealChange
    } else if later.pct() > earlier.pct() {
        Movement::Rose
    } else {
        Movement::Fell
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn row(theme: Option<&str>, month: Option<Date>, comments: i64) -> ThemeMonth {
        ThemeMonth {
            theme: theme.map(str::to_owned),
            month,
            comments,
        }
    }

    #[test]
    fn every_month_gets_a_share_and_the_halves_are_compared_beyond_the_noise() {
        let months = [
            date!(2026 - 01 - 01),
            date!(2026 - 02 - 01),
            date!(2026 - 03 - 01),
            date!(2026 - 04 - 01),
        ];
        let rows = [
            row(None, Some(months[0]), 200),
            row(None, Some(months[1]), 200),
            row(None, Some(months[3]), 400),
            row(Some("Contracts"), Some(months[0]), 60),
            row(Some("Contracts"), Some(months[1]), 40),
            row(Some("Contracts"), Some(months[3]), 40),
            row(Some("Terms"), None, 0),
        ];
        let shares = shares(&months, &rows, 30);
        let totals: Vec<u64> = shares.months.iter().map(|(_, n)| *n).collect();
        assert_eq!(totals, [200, 200, 0, 400]);
        let contracts = &shares.themes[0];
        assert_eq!(contracts.theme, "Contracts");
        let pct: Vec<Option<f64>> = contracts.shares.iter().map(Share::pct).collect();
        assert_eq!(pct, [Some(30.0), Some(20.0), None, Some(10.0)]);
        // 100 of 400 (25 %) against 40 of 400 (10 %).
        assert_eq!((contracts.earlier.part, contracts.later.part), (100, 40));
        assert_eq!(contracts.movement, Movement::Fell);
        let terms = &shares.themes[1];
        assert_eq!(terms.shares.iter().map(|s| s.part).sum::<u64>(), 0);
        assert_eq!(terms.movement, Movement::NoRealChange);
    }

    #[test]
    fn too_few_comments_in_either_half_say_so_instead_of_a_direction() {
        let few = Share {
            part: 10,
            whole: 20,
        };
        let many = Share {
            part: 10,
            whole: 200,
        };
        assert_eq!(movement(few, many, 30), Movement::TooFewComments);
        assert_eq!(movement(many, few, 30), Movement::TooFewComments);
        assert_eq!(
            movement(
                many,
                Share {
                    part: 40,
                    whole: 200
                },
                30
            ),
            Movement::Rose
        );
    }
}
