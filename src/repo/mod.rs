//! All SQL lives here, one module per aggregate; functions take a pool or a transaction
//! and return domain types or row structs.

pub mod api_tokens;
pub mod audit;
pub mod comments;
pub mod contact_catalogue;
pub mod contacts;
pub mod data_version;
pub mod departments;
pub mod export;
pub mod follow_ups;
pub mod idempotency;
pub mod imports;
pub mod journey;
pub mod kpis;
pub mod login_throttle;
pub mod metrics;
pub mod objectives;
pub mod organisation;
pub mod plans;
pub mod responses;
pub mod rollups;
pub mod survey_admin;
pub mod surveys;
pub mod themes;
pub mod users;

/// Does the database answer a trivial query?
pub async fn ping(pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}

/// Replaces the pool's short statement timeout for the rest of the caller's transaction
/// (`'0'` means none), for work that rightly takes long: imports, exports.
pub async fn set_transaction_timeout(
    conn: &mut sqlx::PgConnection,
    timeout: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('statement_timeout', $1, true)")
        .bind(timeout)
        .execute(conn)
        .await
        .map(|_| ())
}

/// `%text%` for ILIKE, with the pattern characters in `text` taken literally (search
/// boxes must not turn `%` or `_` into wildcards).
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
