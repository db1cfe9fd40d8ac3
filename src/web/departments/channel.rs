//! The panel of a function that shapes one touchpoint channel whoever owns each touchpoint
//! (Legal: the documents customers read; IT: what they use online): that channel's
//! touchpoints, the share of detractor comments about the themes it owns month by month,
//! and its own recorded KPIs (contract clarity, availability …).

use sqlx::PgPool;
use time::Date;

use crate::error::AppError;
use crate::repo::departments::DepartmentProfile;
use crate::services::metrics::Share;
use crate::services::metrics::panels::kpi_history::{self, KpiHistory};
use crate::services::metrics::panels::theme_shares::{self, ThemeShares, ThemeTrend};
use crate::services::metrics::panels::{PanelPeriod, channel_touchpoints};
use crate::services::metrics::scorecard::TouchpointNps;
use crate::web::charts::columns::{self, Bar, Columns};

pub struct ChannelPanel {
    pub touchpoints: Vec<TouchpointNps>,
    pub shares: ThemeShares,
    /// One per theme of `shares`, in the same order, all on one scale.
    pub charts: Vec<Columns>,
    pub kpis: Vec<KpiHistory>,
}

impl ChannelPanel {
    /// Each theme with its chart.
    pub fn themes(&self) -> Vec<(&ThemeTrend, &Columns)> {
        self.shares.themes.iter().zip(&self.charts).collect()
    }

    /// The shares as a table: a row per month with all detractor comments, a column
    /// per theme.
    pub fn table(&self) -> Vec<(Date, u64, Vec<Share>)> {
        self.shares
            .months
            .iter()
            .enumerate()
            .map(|(i, (month, total))| {
                let shares = self.shares.themes.iter().map(|t| t.shares[i]).collect();
                (*month, *total, shares)
            })
            .collect()
    }
}

/// A share axis reaches at least this far (%), so that a small share looks small.
const SHARE_AXIS_FLOOR: f64 = 10.0;

pub(super) async fn panel(
    pool: &PgPool,
    department: &DepartmentProfile,
    channel: &str,
    period: &PanelPeriod,
) -> Result<ChannelPanel, AppError> {
    let shares = theme_shares::load(pool, department.id, period).await?;
    let at_least = shares
        .themes
        .iter()
        .flat_map(|t| t.shares.iter().filter_map(|s| s.pct()))
        .fold(SHARE_AXIS_FLOOR, f64::max);
    let charts = shares
        .themes
        .iter()
        .enumerate()
        .map(|(i, theme)| chart(&format!("theme-{i}"), theme, &shares.months, at_least))
        .collect();
    Ok(ChannelPanel {
        touchpoints: channel_touchpoints(pool, channel, period).await?,
        charts,
        shares,
        kpis: kpi_history::load(pool, department.id).await?,
    })
}

fn chart(id: &str, theme: &ThemeTrend, months: &[(Date, u64)], at_least: f64) -> Columns {
    let bars: Vec<Bar> = theme
        .shares
        .iter()
        .zip(months)
        .map(|(share, (month, _))| Bar {
            label: month.month().to_string()[..3].to_owned(),
            value: share.pct(),
            tooltip: match share.pct() {
                Some(pct) => format!(
                    "{}: {pct:.1} % ({} of {} detractor comments)",
                    month_name(*month),
                    share.part,
                    share.whole
                ),
                None => format!("{}: no detractor comments", month_name(*month)),
            },
        })
        .collect();
    let span = match (months.first(), months.last()) {
        (Some((first, _)), Some((last, _))) => {
            format!(", {} to {}", month_name(*first), month_name(*last))
        }
        _ => String::new(),
    };
    columns::layout(
        id,
        &format!("{}: share of detractor comments{span}", theme.theme),
        &bars,
        at_least,
        |v| format!("{v:.0} %"),
    )
}

/// "April 2026".
fn month_name(month: Date) -> String {
    format!("{} {}", month.month(), month.year())
}
