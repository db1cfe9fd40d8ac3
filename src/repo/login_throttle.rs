//! Failed logins per account and network, for the lockout after repeated failures.

use sqlx::PgPool;
use time::OffsetDateTime;

/// Until when logins for this key are refused, if they are.
#[tracing::instrument(skip_all)]
pub async fn locked_until(pool: &PgPool, key: &str) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT locked_until FROM login_throttle WHERE email_key = $1 AND locked_until > now()",
    )
    .bind(key)
    .fetch_optional(pool)
    .await
    .map(Option::flatten)
}

/// Counts a failure in the current window (restarted after `window_secs`); from
/// `free_failures` on, each further failure locks the key for `lock_secs`, doubling.
#[tracing::instrument(skip_all)]
pub async fn record_failure(
    pool: &PgPool,
    key: &str,
    window_secs: i64,
    free_failures: i32,
    lock_secs: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"
        INSERT INTO login_throttle AS t (email_key, failures, window_start)
        VALUES ($1, 1, now())
        ON CONFLICT (email_key) DO UPDATE SET
            failures = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN 1 ELSE t.failures + 1 END,
            window_start = CASE WHEN t.window_start < now() - make_interval(secs => $2) THEN now() ELSE t.window_start END,
            locked_until = CASE
                WHEN t.window_start >= now() - make_interval(secs => $2) AND t.failures + 1 >= $3
                THEN now() + make_interval(secs => $4 * power(2, least(t.failures + 1 - $3, 10)))
                ELSE t.locked_until END
        "#,
    )
    .bind(key)
    .bind(window_secs as f64)
    .bind(free_failures)
    .bind(lock_secs as f64)
    .execute(pool)
    .await
    .map(|_| ())
}

/// A successful login clears the key's record.
#[tracing::instrument(skip_all)]
pub async fn clear(pool: &PgPool, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE email_key = $1")
        .bind(key)
        .execute(pool)
        .await
        .map(|_| ())
}

/// Forgets records that no longer lock anything and whose window is long over.
#[tracing::instrument(skip_all)]
pub async fn prune(pool: &PgPool) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "DELETE FROM login_throttle WHERE window_start < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())",
    )
    .execute(pool)
    .await
    .map(|done| done.rows_affected())
}
