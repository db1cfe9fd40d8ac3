//! Recorded KPI objectives and the values department heads record for them.

use sqlx::{PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A department's objective measured by a recorded KPI.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KpiObjective {
    pub id: Uuid,
    pub title: String,
    pub kpi_unit: String,
    pub baseline: f64,
    pub target: f64,
    pub period_start: Date,
    pub period_end: Date,
}

#[tracing::instrument(skip_all)]
pub async fn objectives_of(
    pool: &PgPool,
    department_id: Uuid,
) -> Result<Vec<KpiObjective>, sqlx::Error> {
    sqlx::query_as::<_, KpiObjective>(
        r#"
        SELECT id, title, kpi_unit, baseline, target, period_start, period_end
        FROM objectives
        WHERE owner_department_id = $1 AND metric = 'kpi' AND archived_at IS NULL
        ORDER BY title
        "#,
    )
    .bind(department_id)
    .fetch_all(pool)
    .await
}

/// One recorded value, with who recorded it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Measurement {
    pub objective_id: Uuid,
    pub value: f64,
    pub period_start: Date,
    pub period_end: Date,
    pub note: String,
    pub recorded_by: Option<String>,
    pub recorded_at: OffsetDateTime,
}

/// The latest `per_objective` values of each of the department's KPI objectives, newest first.
#[tracing::instrument(skip_all)]
pub async fn recent_measurements(
    pool: &PgPool,
    department_id: Uuid,
    per_objective: i64,
) -> Result<Vec<Measurement>, sqlx::Error> {
    sqlx::query_as::<_, Measurement>(
        r#"
        SELECT m.objective_id, m.value, m.period_start, m.period_end, m.note, u.name AS recorded_by, m.recorded_at
        FROM objectives o
        CROSS JOIN LATERAL (
            SELECT * FROM kpi_measurements k WHERE k.objective_id = o.id
            ORDER BY k.period_end DESC, k.recorded_at DESC LIMIT $2
        ) m
        LEFT JOIN users u ON u.id = m.recorded_by
        WHERE o.owner_department_id = $1 AND o.metric = 'kpi' AND o.archived_at IS NULL
        ORDER BY m.period_end DESC, m.recorded_at DESC
        "#,
    )
    .bind(department_id)
    .bind(per_objective)
    .fetch_all(pool)
    .await
}

/// A KPI objective's value for each month of [from, to) in which a measured period
/// starts: the latest such value, chosen as `metrics::latest_kpi` chooses it, oldest first.
#[tracing::instrument(skip_all)]
pub async fn monthly_values(
    pool: &PgPool,
    objective: Uuid,
    from: Date,
    to: Date,
) -> Result<Vec<(Date, f64)>, sqlx::Error> {
    sqlx::query_as(
        r#"
        SELECT DISTINCT ON (1) date_trunc('month', period_start)::date, value
        FROM kpi_measurements
        WHERE objective_id = $1 AND period_start >= $2 AND period_start < $3
        ORDER BY 1, period_start DESC, period_end DESC, recorded_at DESC
        "#,
    )
    .bind(objective)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

pub struct NewMeasurement<'a> {
    pub objective_id: Uuid,
    pub value: f64,
    pub period_start: Date,
    pub period_end: Date,
    pub note: &'a str,
    pub recorded_by: Uuid,
}

/// Inserts the value if the objective is a KPI objective of `department_id`; returns
/// whether it was (so a value can never land on another department's objective).
#[tracing::instrument(skip_all)]
pub async fn insert_for_department(
    conn: &mut PgConnection,
    department_id: Uuid,
    m: NewMeasurement<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        r#"
        INSERT INTO kpi_measurements (objective_id, value, period_start, period_end, note, recorded_by)
        SELECT o.id, $3, $4, $5, $6, $7 FROM objectives o
        WHERE o.id = $1 AND o.owner_department_id = $2 AND o.metric = 'kpi' AND o.archived_at IS NULL
        RETURNING id
        "#,
    )
    .bind(m.objective_id)
    .bind(department_id)
    .bind(m.value)
    .bind(m.period_start)
    .bind(m.period_end)
    .bind(m.note)
    .bind(m.recorded_by)
    .fetch_optional(conn)
    .await
}
