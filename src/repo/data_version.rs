//! The data version: moved on after every committed change to what pages show.

use sqlx::PgPool;

/// Which data a database holds: its version, and when its server started (a restart
/// may lose a version bump committed asynchronously, so the pair is what identifies it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::FromRow)]
pub struct DataVersion {
    pub version: i64,
    pub started: i64,
}

/// What a page reads first, in one round trip: the data version, and the organisation's
/// today and thresholds (which every filter needs).
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Snapshot {
    #[sqlx(flatten)]
    pub version: DataVersion,
    /// Today in the organisation's time zone.
    pub today: time::Date,
    pub min_sample: i32,
    pub anonymity_threshold: i32,
}

impl Snapshot {
    /// The organisation's minimum sample and anonymity threshold.
    pub fn thresholds(&self) -> (i32, i32) {
        (self.min_sample, self.anonymity_threshold)
    }
}

/// The snapshot now: every change committed before its version moved on is in the data.
pub async fn snapshot(pool: &PgPool) -> Result<Snapshot, sqlx::Error> {
    sqlx::query_as(
        "SELECT v.version,
                (extract(epoch FROM pg_postmaster_start_time()) * 1000000)::bigint AS started,
                (now() AT TIME ZONE coalesce(o.time_zone, 'UTC'))::date AS today,
                coalesce(o.min_sample, 30) AS min_sample,
                coalesce(o.anonymity_threshold, 5) AS anonymity_threshold
         FROM data_version v LEFT JOIN organisation o ON true",
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

/// After the data was replaced wholesale (a restore brings back an older counter), moves
/// the version past `earlier`, so no page cached before the replacement is served again.
pub async fn move_past(pool: &PgPool, earlier: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE data_version SET version = greatest(version, $1) + 1 RETURNING version",
    )
    .bind(earlier)
    .fetch_one(pool)
    .await
}
