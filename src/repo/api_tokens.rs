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
