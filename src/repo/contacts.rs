//! Service contacts (calls, e-mails, chats) and their daily rollups, written together.

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::repo::surveys::SlugIds;

#[derive(Debug, Clone)]
pub struct NewContact {
    pub reason_id: Uuid,
    pub channel_id: Uuid,
    pub occurred_at: OffsetDateTime,
    pub cost_cents: i64,
    pub external_id: Option<String>,
    pub source: &'static str,
    pub import_id: Option<Uuid>,
}

/// Inserts contacts and adds them to the daily rollups in one statement; a repeated
/// `external_id` is skipped. Returns how many were stored.
#[tracing::instrument(skip_all, fields(rows = rows.len()))]
pub async fn insert_batch(
    conn: &mut PgConnection,
    rows: &[NewContact],
    time_zone: &str,
) -> Result<u64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        r#"
        WITH inserted AS (
            INSERT INTO service_contacts (reason_id, channel_id, occurred_at, cost_cents, external_id, source, import_id)
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::bigint[], $5::text[], $6::text[], $7::uuid[])
            ON CONFLICT DO NOTHING
            RETURNING reason_id, channel_id, occurred_at, cost_cents
        ), counted AS (
            INSERT INTO contact_rollups_daily AS r (day, reason_id, channel_id, contacts, cost_cents)
            SELECT (occurred_at AT TIME ZONE $8)::date, reason_id, channel_id, count(*), sum(cost_cents)
            FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (day, reason_id, channel_id) DO UPDATE SET
                contacts = r.contacts + excluded.contacts,
                cost_cents = r.cost_cents + excluded.cost_cents
        )
        SELECT count(*) FROM inserted
        "#,
    )
    .bind(rows.iter().map(|r| r.reason_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.channel_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.occurred_at).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.cost_cents).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.external_id.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.source).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.import_id).collect::<Vec<_>>())
    .bind(time_zone)
    .fetch_one(conn)
    .await
    .map(|n| n as u64)
}

/// A channel's slug, id and unit cost in cents.
pub type ChannelCost = (String, Uuid, i64);

/// Reason slug → id, and channel slug → (id, unit cost in cents), of active ones.
#[tracing::instrument(skip_all)]
pub async fn lookups(conn: &mut PgConnection) -> Result<(SlugIds, Vec<ChannelCost>), sqlx::Error> {
    let reasons =
        sqlx::query_as("SELECT slug::text, id FROM contact_reasons WHERE archived_at IS NULL")
            .fetch_all(&mut *conn)
            .await?;
    let channels = sqlx::query_as(
        "SELECT slug::text, id, unit_cost_cents FROM channels WHERE archived_at IS NULL",
    )
    .fetch_all(conn)
    .await?;
    Ok((reasons, channels))
}
