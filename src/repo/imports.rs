//! Imported files: recorded with their hash in the same transaction as their rows, so a
//! crash leaves either the whole import or none of it, and a re-upload is recognised.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PastImport {
    pub file_name: String,
    pub row_count: i64,
    pub created_at: OffsetDateTime,
}

#[tracing::instrument(skip_all)]
pub async fn find_by_hash(
    pool: &PgPool,
    kind: &str,
    sha256: &[u8; 32],
    survey_id: Option<Uuid>,
) -> Result<Option<PastImport>, sqlx::Error> {
    sqlx::query_as::<_, PastImport>(
        "SELECT file_name, row_count, created_at FROM imports
         WHERE kind = $1 AND file_sha256 = $2 AND survey_id IS NOT DISTINCT FROM $3",
    )
    .bind(kind)
    .bind(sha256.as_slice())
    .bind(survey_id)
    .fetch_optional(pool)
    .await
}

pub struct NewImport<'a> {
    pub kind: &'a str,
    pub file_name: &'a str,
    pub sha256: &'a [u8; 32],
    pub row_count: i64,
    pub survey_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
}

/// The unique index that refuses a second import of the same file.
pub const FILE_KEY: &str = "imports_file_key";

#[tracing::instrument(skip_all)]
pub async fn insert(conn: &mut PgConnection, import: NewImport<'_>) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO imports (kind, file_name, file_sha256, row_count, survey_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(import.kind)
    .bind(import.file_name)
    .bind(import.sha256.as_slice())
    .bind(import.row_count)
    .bind(import.survey_id)
    .bind(import.created_by)
    .fetch_one(conn)
    .await
}

/// A past import as the imports page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportListing {
    pub kind: String,
    pub file_name: String,
    pub row_count: i64,
    pub survey: Option<String>,
    pub created_by: Option<String>,
    pub created_at: OffsetDateTime,
}

/// The most recent imports, newest first.
#[tracing::instrument(skip_all)]
pub async fn recent(pool: &PgPool, limit: i64) -> Result<Vec<ImportListing>, sqlx::Error> {
    sqlx::query_as::<_, ImportListing>(
        r#"
        SELECT i.kind, i.file_name, i.row_count, s.name AS survey, u.email AS created_by, i.created_at
        FROM imports i
        LEFT JOIN surveys s ON s.id = i.survey_id
        LEFT JOIN users u ON u.id = i.created_by
        ORDER BY i.created_at DESC
        LIMIT $1
        "#,
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}
