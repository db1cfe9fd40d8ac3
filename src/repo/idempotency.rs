//! Stored answers of API writes sent with an `Idempotency-Key`, so a retry gets the
//! first answer instead of doing the work twice.

use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, sqlx::FromRow)]
pub struct StoredAnswer {
    pub request_hash: Vec<u8>,
    pub response_status: i16,
    pub response_body: serde_json::Value,
}

/// Claims `key` for this token inside the caller's transaction. Returns the earlier
/// answer if the key was used before; a concurrent request with the same key waits
/// here until the first one commits, then sees its answer.
#[tracing::instrument(skip_all)]
pub async fn claim(
    conn: &mut PgConnection,
    token_id: Uuid,
    key: &str,
    request_hash: &[u8],
) -> Result<Option<StoredAnswer>, sqlx::Error> {
    let claimed = sqlx::query(
        "INSERT INTO idempotency_keys (token_id, key, request_hash, response_status, response_body)
         VALUES ($1, $2, $3, 0, 'null') ON CONFLICT DO NOTHING",
    )
    .bind(token_id)
    .bind(key)
    .bind(request_hash)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if claimed {
        return Ok(None);
    }
    sqlx::query_as::<_, StoredAnswer>(
        "SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE token_id = $1 AND key = $2",
    )
    .bind(token_id)
    .bind(key)
    .fetch_optional(conn)
    .await
}

/// Records the answer for a claimed key.
#[tracing::instrument(skip_all)]
pub async fn record(
    conn: &mut PgConnection,
    token_id: Uuid,
    key: &str,
    status: u16,
    body: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE token_id = $1 AND key = $2")
        .bind(token_id)
        .bind(key)
        .bind(status as i16)
        .bind(body)
        .execute(conn)
        .await
        .map(|_| ())
}
