//! The organisation's settings (a single row).

use sqlx::PgPool;

/// The organisation's name, if it has been set up.
#[tracing::instrument(skip_all)]
pub async fn name(pool: &PgPool) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM organisation")
        .fetch_optional(pool)
        .await
}
