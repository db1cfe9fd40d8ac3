//! Objectives as the CX lead edits them: org-wide ones and the department objectives
//! cascaded from them.

use const_format::concatcp;
use sqlx::{PgConnection, PgPool};
use time::Date;
use uuid::Uuid;

/// The trigger's constraint name for a parent that would close a cycle.
pub const NO_CYCLE: &str = "objectives_no_cycle";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Objective {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub parent_title: Option<String>,
    pub title: String,
    pub description: String,
    pub owner_department_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub metric: String,
    pub survey_id: Option<Uuid>,
    pub touchpoint_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub kpi_unit: Option<String>,
    pub baseline: f64,
    pub target: f64,
    pub period_start: Date,
    pub period_end: Date,
    pub weight: f64,
    pub archived: bool,
    pub version: i32,
    /// Incentive links that pay on it.
    pub links: i64,
}

const OBJECTIVES: &str = r#"
    SELECT o.id, o.parent_id, p.title AS parent_title, o.title, o.description,
           o.owner_department_id, d.name AS owner_name, o.metric, o.survey_id, o.touchpoint_id,
           o.department_id, o.kpi_unit, o.baseline, o.target, o.period_start, o.period_end,
           o.weight, o.archived_at IS NOT NULL AS archived, o.version,
           (SELECT count(*) FROM incentive_links l WHERE l.objective_id = o.id) AS links
    FROM objectives o
    LEFT JOIN objectives p ON p.id = o.parent_id
    LEFT JOIN departments d ON d.id = o.owner_department_id
"#;

/// Every objective: in use first, org-wide before departments', by title.
#[tracing::instrument(skip_all)]
pub async fn list(pool: &PgPool) -> Result<Vec<Objective>, sqlx::Error> {
    sqlx::query_as::<_, Objective>(concatcp!(OBJECTIVES, " ORDER BY o.archived_at IS NOT NULL, o.owner_department_id IS NOT NULL, d.name, lower(o.title)"))
    .fetch_all(pool)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<Objective>, sqlx::Error> {
    sqlx::query_as::<_, Objective>(concatcp!(OBJECTIVES, " WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// What an objective is made of, as saved (and audited).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ObjectiveFields {
    pub parent_id: Option<Uuid>,
    pub title: String,
    pub description: String,
    pub owner_department_id: Option<Uuid>,
    pub metric: String,
    pub survey_id: Option<Uuid>,
    pub touchpoint_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub kpi_unit: Option<String>,
    pub baseline: f64,
    pub target: f64,
    pub period_start: Date,
    pub period_end: Date,
    pub weight: f64,
}

#[tracing::instrument(skip_all)]
pub async fn insert(conn: &mut PgConnection, f: &ObjectiveFields) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO objectives (parent_id, title, description, owner_department_id, metric, survey_id,
                                 touchpoint_id, department_id, kpi_unit, baseline, target,
                                 period_start, period_end, weight)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(f.parent_id)
    .bind(&f.title)
    .bind(&f.description)
    .bind(f.owner_department_id)
    .bind(&f.metric)
    .bind(f.survey_id)
    .bind(f.touchpoint_id)
    .bind(f.department_id)
    .bind(&f.kpi_unit)
    .bind(f.baseline)
    .bind(f.target)
    .bind(f.period_start)
    .bind(f.period_end)
    .bind(f.weight)
    .fetch_one(conn)
    .await
}

#[derive(sqlx::FromRow)]
struct Locked {
    parent_id: Option<Uuid>,
    title: String,
    description: String,
    owner_department_id: Option<Uuid>,
    metric: String,
    survey_id: Option<Uuid>,
    touchpoint_id: Option<Uuid>,
    department_id: Option<Uuid>,
    kpi_unit: Option<String>,
    baseline: f64,
    target: f64,
    period_start: Date,
    period_end: Date,
    weight: f64,
    archived: bool,
    version: i32,
}

#[tracing::instrument(skip_all)]
pub async fn lock(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<(ObjectiveFields, bool, i32)>, sqlx::Error> {
    let row = sqlx::query_as::<_, Locked>(
        "SELECT parent_id, title, description, owner_department_id, metric, survey_id, touchpoint_id,
                department_id, kpi_unit, baseline, target, period_start, period_end, weight,
                archived_at IS NOT NULL AS archived, version
         FROM objectives WHERE id = $1 FOR NO KEY UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| {
        (
            ObjectiveFields {
                parent_id: r.parent_id,
                title: r.title,
                description: r.description,
                owner_department_id: r.owner_department_id,
                metric: r.metric,
                survey_id: r.survey_id,
                touchpoint_id: r.touchpoint_id,
                department_id: r.department_id,
                kpi_unit: r.kpi_unit,
                baseline: r.baseline,
                target: r.target,
                period_start: r.period_start,
                period_end: r.period_end,
                weight: r.weight,
            },
            r.archived,
            r.version,
        )
    }))
}

#[tracing::instrument(skip_all)]
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    f: &ObjectiveFields,
    archived: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE objectives SET parent_id = $2, title = $3, description = $4, owner_department_id = $5,
                metric = $6, survey_id = $7, touchpoint_id = $8, department_id = $9, kpi_unit = $10,
                baseline = $11, target = $12, period_start = $13, period_end = $14, weight = $15,
                archived_at = CASE WHEN $16 THEN coalesce(archived_at, now()) END,
                version = version + 1
         WHERE id = $1",
    )
    .bind(id)
    .bind(f.parent_id)
    .bind(&f.title)
    .bind(&f.description)
    .bind(f.owner_department_id)
    .bind(&f.metric)
    .bind(f.survey_id)
    .bind(f.touchpoint_id)
    .bind(f.department_id)
    .bind(&f.kpi_unit)
    .bind(f.baseline)
    .bind(f.target)
    .bind(f.period_start)
    .bind(f.period_end)
    .bind(f.weight)
    .bind(archived)
    .execute(conn)
    .await?;
    Ok(())
}

/// A choice in a picker: id and name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Choice {
    pub id: Uuid,
    pub name: String,
}

/// Org-wide objectives in use (the parents a department objective may cascade from), plus `keep`.
#[tracing::instrument(skip_all)]
pub async fn parent_choices(pool: &PgPool, keep: &[Uuid]) -> Result<Vec<Choice>, sqlx::Error> {
    sqlx::query_as::<_, Choice>(
        "SELECT id, title || CASE WHEN archived_at IS NULL THEN '' ELSE ' (archived)' END AS name
         FROM objectives WHERE owner_department_id IS NULL AND (archived_at IS NULL OR id = ANY($1))
         ORDER BY lower(title)",
    )
    .bind(keep)
    .fetch_all(pool)
    .await
}

/// Customer surveys in use (an NPS objective may be measured on one), plus `keep`.
#[tracing::instrument(skip_all)]
pub async fn survey_choices(pool: &PgPool, keep: &[Uuid]) -> Result<Vec<Choice>, sqlx::Error> {
    sqlx::query_as::<_, Choice>(
        "SELECT id, name || CASE WHEN archived_at IS NULL THEN '' ELSE ' (archived)' END AS name
         FROM surveys WHERE kind = 'customer' AND (archived_at IS NULL OR id = ANY($1)) ORDER BY lower(name)",
    )
    .bind(keep)
    .fetch_all(pool)
    .await
}

/// Touchpoints in use, by name, plus `keep`.
#[tracing::instrument(skip_all)]
pub async fn touchpoint_choices(pool: &PgPool, keep: &[Uuid]) -> Result<Vec<Choice>, sqlx::Error> {
    sqlx::query_as::<_, Choice>(
        "SELECT id, name || CASE WHEN archived_at IS NULL THEN '' ELSE ' (archived)' END AS name
         FROM touchpoints WHERE archived_at IS NULL OR id = ANY($1) ORDER BY lower(name)",
    )
    .bind(keep)
    .fetch_all(pool)
    .await
}

/// The metric an objective has now, and how many KPI values are recorded for it.
#[tracing::instrument(skip_all)]
pub async fn metric_and_measurements(
    pool: &PgPool,
    id: Uuid,
) -> Result<Option<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.metric, (SELECT count(*) FROM kpi_measurements m WHERE m.objective_id = o.id)
         FROM objectives o WHERE o.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}
