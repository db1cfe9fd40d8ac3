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
