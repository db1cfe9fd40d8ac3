//! API tokens of other systems: only a SHA-256 of each token is stored.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::TokenScope;

pub struct NewToken<'a> {
    pub name: &'a str,
    pub hash: &'a [u8; 32],
    pub prefix: &'a str,
    pub scope: TokenScope,
    pub created_by: Option<Uuid>,
}

#[tracing::instrument(skip_all)]
pub async fn insert(conn: &mut PgConnection, token: NewToken<'_>) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        r#"
        INSERT INTO api_tokens (name, token_hash, prefix, scope, created_by)
        VALUES ($1, $2, $3, $4, $5)
        RETURNING id
        "#,
    )
    .bind(token.name)
    .bind(token.hash.as_slice())
    .bind(token.prefix)
    .bind(token.scope.as_str())
    .bind(token.created_by)
    .fetch_one(conn)
    .await
}

/// An active (not revoked) token, by the hash of what the caller presented.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActiveToken {
    pub id: Uuid,
    pub scope: String,
}

#[tracing::instrument(skip_all)]
pub async fn find_active(
    pool: &sqlx::PgPool,
    hash: &[u8; 32],
) -> Result<Option<ActiveToken>, sqlx::Error> {
    sqlx::query_as::<_, ActiveToken>(
        "UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1 AND revoked_at IS NULL RETURNING id, scope",
    )
    .bind(hash.as_slice())
    .fetch_optional(pool)
    .await
}

/// A token as the token list shows it (never the token itself, which is not stored).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenListing {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub scope: String,
    pub created_at: time::OffsetDateTime,
    pub last_used_at: Option<time::OffsetDateTime>,
    pub revoked_at: Option<time::OffsetDateTime>,
}

#[tracing::instrument(skip_all)]
pub async fn list(pool: &sqlx::PgPool) -> Result<Vec<TokenListing>, sqlx::Error> {
    sqlx::query_as::<_, TokenListing>(
        "SELECT id, name, prefix, scope, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY created_at DESC",
    )
    .fetch_all(pool)
    .await
}

/// Revokes the active token with this prefix; returns its id, or None if there is none.
#[tracing::instrument(skip_all)]
pub async fn revoke_by_prefix(
    conn: &mut PgConnection,
    prefix: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("UPDATE api_tokens SET revoked_at = now() WHERE prefix = $1 AND revoked_at IS NULL RETURNING id")
        .bind(prefix)
        .fetch_optional(conn)
        .await
}
