//! The daily rollups dashboards read instead of raw rows: rebuilt here from scratch, in
//! the organisation's time zone, for the demo and for consistency checks.

use sqlx::PgConnection;

/// Recomputes `response_rollups_daily` and `contact_rollups_daily` from `responses` and
/// `service_contacts`. Run it inside a transaction so readers never see the tables empty.
#[tracing::instrument(skip_all)]
pub async fn rebuild(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    let time_zone: String =
        sqlx::query_scalar("SELECT coalesce((SELECT time_zone FROM organisation), 'UTC')")
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query("DELETE FROM response_rollups_daily")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        r#"
        INSERT INTO response_rollups_daily
            (day, survey_id, touchpoint_id, segment, respondent_department_id, promoters, passives, detractors)
        SELECT (submitted_at AT TIME ZONE $1)::date, survey_id, touchpoint_id, segment, respondent_department_id,
               count(*) FILTER (WHERE score >= 9)::int,
               count(*) FILTER (WHERE score BETWEEN 7 AND 8)::int,
               count(*) FILTER (WHERE score <= 6)::int
        FROM responses
        GROUP BY 1, 2, 3, 4, 5
        "#,
    )
    .bind(&time_zone)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM contact_rollups_daily")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        r#"
        INSERT INTO contact_rollups_daily (day, reason_id, channel_id, contacts, cost_cents)
        SELECT (occurred_at AT TIME ZONE $1)::date, reason_id, channel_id, count(*)::int, sum(cost_cents)::bigint
        FROM service_contacts
        GROUP BY 1, 2, 3
        "#,
    )
    .bind(&time_zone)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How many rollup rows (keys) differ from a recount of the raw rows (rows counting
/// nothing, left behind by deletions, are not differences).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drift {
    pub response_rows: i64,
    pub contact_rows: i64,
}

impl Drift {
    pub fn is_none(&self) -> bool {
        self.response_rows == 0 && self.contact_rows == 0
    }
}

/// Compares both rollup tables with a recount, in the organisation's time zone.
#[tracing::instrument(skip_all)]
pub async fn drift(conn: &mut PgConnection) -> Result<Drift, sqlx::Error> {
    sqlx::query_as(
        r#"
        WITH zone AS (SELECT coalesce((SELECT time_zone FROM organisation), 'UTC') AS tz),
        response_recount AS (
            SELECT (submitted_at AT TIME ZONE zone.tz)::date AS day, survey_id, touchpoint_id, segment,
                   respondent_department_id,
                   count(*) FILTER (WHERE score >= 9)::int AS promoters,
                   count(*) FILTER (WHERE score BETWEEN 7 AND 8)::int AS passives,
                   count(*) FILTER (WHERE score <= 6)::int AS detractors
            FROM responses, zone GROUP BY 1, 2, 3, 4, 5
        ), response_rolled AS (
            SELECT day, survey_id, touchpoint_id, segment, respondent_department_id, promoters, passives, detractors
            FROM response_rollups_daily WHERE promoters + passives + detractors > 0
        ), contact_recount AS (
            SELECT (occurred_at AT TIME ZONE zone.tz)::date AS day, reason_id, channel_id,
                   count(*)::int AS contacts, sum(cost_cents)::bigint AS cost_cents
            FROM service_contacts, zone GROUP BY 1, 2, 3
        ), contact_rolled AS (
            SELECT day, reason_id, channel_id, contacts, cost_cents
            FROM contact_rollups_daily WHERE contacts > 0
        )
        -- A row whose counts differ shows on both sides: count each key once.
        SELECT
            (SELECT count(*) FROM (SELECT DISTINCT day, survey_id, touchpoint_id, segment, respondent_department_id
                FROM ((SELECT * FROM response_recount EXCEPT SELECT * FROM response_rolled)
                      UNION ALL (SELECT * FROM response_rolled EXCEPT SELECT * FROM response_recount)) d) k)
                AS response_rows,
            (SELECT count(*) FROM (SELECT DISTINCT day, reason_id, channel_id
                FROM ((SELECT * FROM contact_recount EXCEPT SELECT * FROM contact_rolled)
                      UNION ALL (SELECT * FROM contact_rolled EXCEPT SELECT * FROM contact_recount)) d) k)
                AS contact_rows
        "#,
    )
    .fetch_one(&mut *conn)
    .await
    .map(|(response_rows, contact_rows)| Drift {
        response_rows,
        contact_rows,
    })
}

/// Rebuilds both rollup tables from the raw rows, then checks them again. Writers wait
/// meanwhile (their rollup upsert needs the lock), so each new row is counted exactly once:
/// either it committed before the lock and is in the recount, or its upsert lands after.
pub async fn repair(conn: &mut PgConnection) -> Result<Drift, sqlx::Error> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query("LOCK TABLE response_rollups_daily, contact_rollups_daily IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    rebuild(&mut tx).await?;
    let after = drift(&mut tx).await?;
    tx.commit().await?;
    Ok(after)
}
