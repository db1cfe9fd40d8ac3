//! The data version: a sequence moved on after every committed change to what pages show.

use sqlx::PgPool;

/// The version now: every change committed before it moved on is in the data.
pub async fn current(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT last_value FROM data_version")
        .fetch_one(pool)
        .await
}

/// Moves the version on; call it after the change has committed.
pub async fn bump(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT nextval('data_version')")
        .fetch_one(pool)
        .await
}
