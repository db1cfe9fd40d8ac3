//! The objectives matrix: every organisation-wide objective (a column) against every
//! department (a row), each cell the department's objective that cascades from it, with
//! its status as of today — the whole programme on one screen.

use serde::Serialize;
use sqlx::PgPool;
use time::Date;

use crate::repo::departments;
use crate::services::metrics::objectives::ObjectiveView;

/// A department's line: for each column, the objectives it owns that cascade from that
/// column's objective (usually one; none leaves the cell empty).
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    pub slug: String,
    pub name: String,
    pub cells: Vec<Vec<ObjectiveView>>,
}

impl MatrixRow {
    /// How many of its cells hold an objective.
    pub fn covered(&self) -> usize {
        self.cells.iter().filter(|c| !c.is_empty()).count()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectivesMatrix {
    /// The organisation-wide objectives (no owner department), each evaluated itself.
    pub columns: Vec<ObjectiveView>,
    pub rows: Vec<MatrixRow>,
    /// Departments' objectives cascading from no organisation-wide one (on their
    /// scorecards, not in the matrix).
    pub standalone: usize,
    /// The day the statuses are evaluated on.
    pub as_of: Date,
    /// The filter's department, by name, when the rows are narrowed to it.
    pub narrowed_to: Option<String>,
}

/// Lays `objectives` out over `departments` (slug, name), in the order given.
pub fn arrange(
    objectives: Vec<ObjectiveView>,
    departments: Vec<(String, String)>,
    as_of: Date,
) -> ObjectivesMatrix {
    let (columns, owned): (Vec<ObjectiveView>, Vec<ObjectiveView>) = objectives
        .into_iter()
        .partition(|o| o.owner_department.is_none());
    let cascades = |o: &ObjectiveView| {
        o.parent_id
            .is_some_and(|parent| columns.iter().any(|c| c.id == parent))
    };
    let standalone = owned.iter().filter(|o| !cascades(o)).count();
    let rows = departments
        .into_iter()
        .map(|(slug, name)| MatrixRow {
            cells: columns
                .iter()
                .map(|column| {
                    owned
                        .iter()
                        .filter(|o| {
                            o.parent_id == Some(column.id)
                                && o.owner_department.as_deref() == Some(slug.as_str())
                        })
                        .cloned()
                        .collect()
                })
                .collect(),
            slug,
            name,
        })
        .collect();
    ObjectivesMatrix {
        columns,
        rows,
        standalone,
        as_of,
        narrowed_to: None,
    }
}

/// Every objective evaluated as of today; `selected` (the filter's department) narrows
/// the rows to that department.
pub async fn load(
    pool: &PgPool,
    selected: Option<&str>,
    objectives: Vec<ObjectiveView>,
    today: Date,
) -> Result<ObjectivesMatrix, sqlx::Error> {
    let departments: Vec<(String, String)> = departments::overview(pool)
        .await?
        .into_iter()
        .filter(|d| selected.is_none_or(|s| s == d.slug))
        .map(|d| (d.slug, d.name))
        .collect();
    let narrowed_to = selected.and(departments.first().map(|(_, name)| name.clone()));
    Ok(ObjectivesMatrix {
        narrowed_to,
        ..arrange(objectives, departments, today)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::metrics::ObjectiveStatus;
    use uuid::Uuid;

    fn objective(title: &str, owner: Option<&str>, parent: Option<Uuid>) -> ObjectiveView {
        ObjectiveView {
            id: Uuid::new_v4(),
            parent_id: parent,
            title: title.into(),
            owner_department: owner.map(str::to_owned),
            metric: "kpi".into(),
            unit: "%".into(),
            baseline: 0.0,
            target: 10.0,
            period_start: "2026-01-01".into(),
            period_end: "2027-01-01".into(),
            weight: 1.0,
            value: None,
            n: None,
            ci_low: None,
            ci_high: None,
            progress: None,
            elapsed: 0.5,
            status: ObjectiveStatus::NotEnoughData,
            status_label: "Not enough data",
            too_close_to_call: false,
        }
    }

    fn titles(cell: &[ObjectiveView]) -> Vec<&str> {
        cell.iter().map(|o| o.title.as_str()).collect()
    }

    #[test]
    fn cells_hold_the_departments_objectives_cascading_from_each_column() {
        let loyalty = objective("Loyalty", None, None);
        let clarity = objective("Clarity", None, None);
        let objectives = vec![
            loyalty.clone(),
            clarity.clone(),
            objective("Sales loyalty", Some("sales"), Some(loyalty.id)),
            objective("Clear invoices", Some("finance"), Some(clarity.id)),
            objective("Clear quotes", Some("sales"), Some(clarity.id)),
            objective("Quote accuracy", Some("sales"), Some(clarity.id)),
            objective("Payroll on time", Some("finance"), None),
        ];
        let departments = vec![
            ("sales".to_owned(), "Sales".to_owned()),
            ("finance".to_owned(), "Finance".to_owned()),
            ("legal".to_owned(), "Legal".to_owned()),
        ];
        let as_of = time::macros::date!(2026 - 06 - 01);
        let matrix = arrange(objectives, departments, as_of);
        let columns: Vec<&str> = matrix.columns.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(columns, ["Loyalty", "Clarity"]);
        let sales = &matrix.rows[0];
        assert_eq!(titles(&sales.cells[0]), ["Sales loyalty"]);
        assert_eq!(titles(&sales.cells[1]), ["Clear quotes", "Quote accuracy"]);
        let finance = &matrix.rows[1];
        assert!(finance.cells[0].is_empty());
        assert_eq!(titles(&finance.cells[1]), ["Clear invoices"]);
        assert_eq!((finance.covered(), matrix.rows[2].covered()), (1, 0));
        assert_eq!(matrix.standalone, 1);
    }
}
