//! The why: customers' detractor and passive comments attributed to a department —
//! through a touchpoint it owns, or a theme it owns — newest first, paged by keyset.

use const_format::concatcp;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Comment {
    pub id: i64,
    pub score: i16,
    pub comment: String,
    pub submitted_at: OffsetDateTime,
    pub touchpoint: Option<String>,
    pub segment: Option<String>,
    /// Names of the themes it is tagged with.
    pub themes: Vec<String>,
}

/// Where a page of comments starts: after this (submitted_at, id), going back in time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    pub submitted_at: OffsetDateTime,
    pub id: i64,
}

const ATTRIBUTED: &str = r#"
    FROM responses r
    LEFT JOIN touchpoints t ON t.id = r.touchpoint_id
    WHERE r.survey_kind = 'customer' AND r.score <= 8 AND r.comment IS NOT NULL
      AND (t.owner_department_id = $1 OR EXISTS (
            SELECT 1 FROM response_themes rt JOIN themes th ON th.id = rt.theme_id
            WHERE rt.response_id = r.id AND th.owner_department_id = $1 AND th.archived_at IS NULL))
      AND ($2::uuid IS NULL OR EXISTS (
            SELECT 1 FROM response_themes rt WHERE rt.response_id = r.id AND rt.theme_id = $2))
      AND ($3::boolean IS NULL OR (r.score <= 6) = $3)
"#;

/// A page of at most `limit` comments, newest first, after `cursor`. `detractors`
/// narrows to detractors (true) or passives (false).
#[tracing::instrument(skip_all)]
pub async fn page(
    pool: &PgPool,
    department: Uuid,
    theme: Option<Uuid>,
    detractors: Option<bool>,
    cursor: Option<Cursor>,
    limit: i64,
) -> Result<Vec<Comment>, sqlx::Error> {
    sqlx::query_as::<_, Comment>(concatcp!(
        r#"SELECT r.id, r.score, r.comment, r.submitted_at, t.name AS touchpoint, r.segment,
                  coalesce((SELECT array_agg(th.name ORDER BY th.name) FROM response_themes rt
                            JOIN themes th ON th.id = rt.theme_id
                            WHERE rt.response_id = r.id AND th.archived_at IS NULL), '{}') AS themes
           "#,
        ATTRIBUTED,
        r#"
             AND ($4::timestamptz IS NULL OR (r.submitted_at, r.id) < ($4, $5))
           ORDER BY r.submitted_at DESC, r.id DESC
           LIMIT $6"#
    ))
    .bind(department)
    .bind(theme)
    .bind(detractors)
    .bind(cursor.map(|c| c.submitted_at))
    .bind(cursor.map_or(0, |c| c.id))
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// How many comments the filter reaches (for "showing 50 of N").
#[tracing::instrument(skip_all)]
pub async fn count(
    pool: &PgPool,
    department: Uuid,
    theme: Option<Uuid>,
    detractors: Option<bool>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(concatcp!("SELECT count(*) ", ATTRIBUTED))
        .bind(department)
        .bind(theme)
        .bind(detractors)
        .fetch_one(pool)
        .await
}

/// Themes that tag at least one of the department's comments (for the filter).
#[tracing::instrument(skip_all)]
pub async fn themes(pool: &PgPool, department: Uuid) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT th.id, th.name FROM themes th WHERE th.archived_at IS NULL
           AND (th.owner_department_id = $1 OR EXISTS (
                SELECT 1 FROM response_themes rt JOIN responses r ON r.id = rt.response_id
                JOIN touchpoints t ON t.id = r.touchpoint_id
                WHERE rt.theme_id = th.id AND t.owner_department_id = $1))
         ORDER BY lower(th.name)",
    )
    .bind(department)
    .fetch_all(pool)
    .await
}
