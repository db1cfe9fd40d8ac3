//! Themes: keywords that route a comment to the department that can fix its cause.

use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThemeKeywords {
    pub id: Uuid,
    pub keywords: Vec<String>,
}

/// Every theme in use, with its keywords (for tagging new comments).
#[tracing::instrument(skip_all)]
pub async fn active(conn: &mut PgConnection) -> Result<Vec<ThemeKeywords>, sqlx::Error> {
    sqlx::query_as::<_, ThemeKeywords>(
        "SELECT id, keywords FROM themes WHERE archived_at IS NULL ORDER BY name",
    )
    .fetch_all(conn)
    .await
}
