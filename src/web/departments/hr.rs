//! HR's panel: whether departments whose employees are happier have happier customers
//! (000, 002: "happy employees make happy customers"), and HR's own CX KPIs, such as CX
//! in hiring and training.

use sqlx::PgPool;

use crate::error::AppError;
use crate::repo::departments::DepartmentProfile;
use crate::services::metrics::panels::PanelPeriod;
use crate::services::metrics::panels::enps_nps::{self, EmployeesAndCustomers};
use crate::services::metrics::panels::kpi_history::{self, KpiHistory};
use crate::web::charts::scatter::{self, Axis, Point, Scatter};

pub struct HrPanel {
    pub link: EmployeesAndCustomers,
    /// None without a department to plot.
    pub chart: Option<Scatter>,
    pub kpis: Vec<KpiHistory>,
}

const NPS_BOUNDS: Option<(f64, f64)> = Some((-100.0, 100.0));

pub(super) async fn panel(
    pool: &PgPool,
    department: &DepartmentProfile,
    period: &PanelPeriod,
) -> Result<HrPanel, AppError> {
    let link = enps_nps::load(pool, period).await?;
    let points: Vec<Point> = link
        .pairs
        .iter()
        .filter_map(|pair| {
            Some(Point {
                label: pair.name.clone(),
                x: pair.enps.nps?,
                y: pair.nps.nps?,
            })
        })
        .collect();
    let chart = (!points.is_empty()).then(|| {
        scatter::layout(
            "enps-nps",
            &points,
            Axis {
                name: "eNPS",
                title: "eNPS of its employees (NPS points)",
                bounds: NPS_BOUNDS,
            },
            Axis {
                name: "customer NPS",
                title: "NPS of its customers (NPS points)",
                bounds: NPS_BOUNDS,
            },
            link.correlation.map(|c| c.line),
            |v| format!("{v:+.1}"),
        )
    });
    Ok(HrPanel {
        chart,
        link,
        kpis: kpi_history::load(pool, department.id).await?,
    })
}
