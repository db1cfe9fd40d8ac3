//! The data version: moved on after every committed change to what pages show.

use sqlx::PgPool;

/// Which data a database holds: its version, and when its server started (a restart
/// may lose a version bump committed asynchronously, so the pair is what identifies it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::FromRow)]
pub struct DataVersion {
    pub version: i64,
    pub started: i64,
}

/// The version now: every change committed before it moved on is in the data.
pub async fn current(pool: &PgPool) -> Result<DataVersion, sqlx::Error> {
    sqlx::query_as(
        "SELECT version,
                (extract(epoch FROM pg_postmaster_start_time()) * 1000000)::bigint AS started
         FROM data_version",
    )
    .fetch_one(pool)
    .await
}

/// Moves the version on; call it after the change has committed. Its commit does not wait
/// for the disk: losing it in a crash only costs a recomputation (see `DataVersion`).
pub async fn bump(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "WITH asynchronous AS (SELECT set_config('synchronous_commit', 'off', true))
         UPDATE data_version SET version = version + 1
         FROM asynchronous RETURNING version",
    )
    .fetch_one(pool)
    .await
}
