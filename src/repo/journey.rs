//! The customer journey as the CX lead edits it: ordered stages, and touchpoints (each
//! in a stage, with a channel and an owning department).

use const_format::concatcp;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub const STAGE_NAME_KEY: &str = "journey_stages_name_key";
pub const TOUCHPOINT_SLUG_KEY: &str = "touchpoints_slug_key";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Stage {
    pub id: Uuid,
    pub name: String,
    pub position: i32,
    pub version: i32,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Touchpoint {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub stage_id: Uuid,
    pub channel: String,
    pub owner_department_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub archived: bool,
    pub version: i32,
    /// Surveys that measure it.
    pub surveys: i64,
}

#[tracing::instrument(skip_all)]
pub async fn stages(pool: &PgPool) -> Result<Vec<Stage>, sqlx::Error> {
    sqlx::query_as::<_, Stage>(
        "SELECT id, name, position, version FROM journey_stages ORDER BY position",
    )
    .fetch_all(pool)
    .await
}

const TOUCHPOINTS: &str = r#"
    SELECT t.id, t.slug::text AS slug, t.name, t.stage_id, t.channel, t.owner_department_id,
           d.name AS owner_name, t.archived_at IS NOT NULL AS archived, t.version,
           (SELECT count(*) FROM surveys s WHERE s.touchpoint_id = t.id AND s.archived_at IS NULL) AS surveys
    FROM touchpoints t LEFT JOIN departments d ON d.id = t.owner_department_id
"#;

/// Every touchpoint, in use first, in journey order.
#[tracing::instrument(skip_all)]
pub async fn touchpoints(pool: &PgPool) -> Result<Vec<Touchpoint>, sqlx::Error> {
    sqlx::query_as::<_, Touchpoint>(concatcp!(
        TOUCHPOINTS,
        " ORDER BY t.archived_at IS NOT NULL, t.position, lower(t.name)"
    ))
    .fetch_all(pool)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn touchpoint(pool: &PgPool, id: Uuid) -> Result<Option<Touchpoint>, sqlx::Error> {
    sqlx::query_as::<_, Touchpoint>(concatcp!(TOUCHPOINTS, " WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Adds a stage at the end of the journey.
#[tracing::instrument(skip_all)]
pub async fn insert_stage(conn: &mut PgConnection, name: &str) -> Result<Uuid, sqlx::Error> {
    // Serialise appends so two new stages never take the same position.
    sqlx::query("LOCK TABLE journey_stages IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar(
        "INSERT INTO journey_stages (name, position)
         SELECT $1, coalesce(max(position) + 1, 0) FROM journey_stages RETURNING id",
    )
    .bind(name)
    .fetch_one(conn)
    .await
}

/// The stage's name and version, locked.
#[tracing::instrument(skip_all)]
pub async fn lock_stage(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<(String, i32, i32)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, position, version FROM journey_stages WHERE id = $1 FOR NO KEY UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn rename_stage(
    conn: &mut PgConnection,
    id: Uuid,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE journey_stages SET name = $2, version = version + 1 WHERE id = $1")
        .bind(id)
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}

/// Swaps the stage with its neighbour before (`up`) or after it; false at either end.
#[tracing::instrument(skip_all)]
pub async fn move_stage(conn: &mut PgConnection, id: Uuid, up: bool) -> Result<bool, sqlx::Error> {
    // Two moves at once could each swap with the same neighbour: serialise them.
    sqlx::query("LOCK TABLE journey_stages IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *conn)
        .await?;
    sqlx::query("SET CONSTRAINTS journey_stages_position_key DEFERRED")
        .execute(&mut *conn)
        .await?;
    let swapped = sqlx::query(
        r#"
        WITH me AS (SELECT id, position FROM journey_stages WHERE id = $1),
             other AS (
                 SELECT s.id, s.position FROM journey_stages s, me
                 WHERE CASE WHEN $2 THEN s.position < me.position ELSE s.position > me.position END
                 ORDER BY CASE WHEN $2 THEN -s.position ELSE s.position END
                 LIMIT 1)
        UPDATE journey_stages s
        SET position = CASE WHEN s.id = me.id THEN other.position ELSE me.position END,
            version = s.version + 1
        FROM me, other
        WHERE s.id IN (me.id, other.id)
        "#,
    )
    .bind(id)
    .bind(up)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(swapped == 2)
}

/// Deletes a stage no touchpoint uses; false when touchpoints (even archived) are in it.
#[tracing::instrument(skip_all)]
pub async fn delete_empty_stage(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query(
        "DELETE FROM journey_stages s WHERE s.id = $1
         AND NOT EXISTS (SELECT 1 FROM touchpoints t WHERE t.stage_id = s.id)",
    )
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(deleted == 1)
}

/// What a touchpoint is made of, as saved (and audited).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TouchpointFields {
    pub name: String,
    pub stage_id: Uuid,
    pub channel: String,
    pub owner_department_id: Option<Uuid>,
}

#[tracing::instrument(skip_all)]
pub async fn insert_touchpoint(
    conn: &mut PgConnection,
    slug: &str,
    fields: &TouchpointFields,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO touchpoints (slug, name, stage_id, channel, owner_department_id, position)
         SELECT $1, $2, $3, $4, $5, coalesce(max(position) + 1, 0) FROM touchpoints WHERE stage_id = $3
         RETURNING id",
    )
    .bind(slug)
    .bind(&fields.name)
    .bind(fields.stage_id)
    .bind(&fields.channel)
    .bind(fields.owner_department_id)
    .fetch_one(conn)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn lock_touchpoint(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<(TouchpointFields, bool, i32)>, sqlx::Error> {
    let row: Option<(String, Uuid, String, Option<Uuid>, bool, i32)> = sqlx::query_as(
        "SELECT name, stage_id, channel, owner_department_id, archived_at IS NOT NULL, version
         FROM touchpoints WHERE id = $1 FOR NO KEY UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(
        |(name, stage_id, channel, owner_department_id, archived, version)| {
            (
                TouchpointFields {
                    name,
                    stage_id,
                    channel,
                    owner_department_id,
                },
                archived,
                version,
            )
        },
    ))
}

#[tracing::instrument(skip_all)]
pub async fn update_touchpoint(
    conn: &mut PgConnection,
    id: Uuid,
    fields: &TouchpointFields,
    archived: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE touchpoints SET name = $2, stage_id = $3, channel = $4, owner_department_id = $5,
                archived_at = CASE WHEN $6 THEN coalesce(archived_at, now()) END,
                version = version + 1
         WHERE id = $1",
    )
    .bind(id)
    .bind(&fields.name)
    .bind(fields.stage_id)
    .bind(&fields.channel)
    .bind(fields.owner_department_id)
    .bind(archived)
    .execute(conn)
    .await?;
    Ok(())
}
