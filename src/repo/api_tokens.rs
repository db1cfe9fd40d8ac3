//! API tokens of other systems: only a SHA-256 of each token is stored.

use const_format::concatcp;
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
    /// Who created it, when a person did (the command line leaves it empty).
    pub created_by_name: Option<String>,
}

const TOKEN_COLUMNS: &str =
    "t.id, t.name, t.prefix, t.scope, t.created_at, t.last_used_at, t.revoked_at,
    u.name AS created_by_name
    FROM api_tokens t LEFT JOIN users u ON u.id = t.created_by";

#[tracing::instrument(skip_all)]
pub async fn list(pool: &sqlx::PgPool) -> Result<Vec<TokenListing>, sqlx::Error> {
    sqlx::query_as::<_, TokenListing>(concatcp!(
        "SELECT ",
        TOKEN_COLUMNS,
        " ORDER BY t.created_at DESC"
    ))
    .fetch_all(pool)
    .await
}

const TOKEN_SEARCH: &str = "($1::text IS NULL OR t.name ILIKE $1 OR t.prefix ILIKE $1)";

/// One page of the tokens whose name or prefix contains `search`: active first, newest
/// first.
#[tracing::instrument(skip_all)]
pub async fn search(
    pool: &sqlx::PgPool,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<TokenListing>, sqlx::Error> {
    sqlx::query_as::<_, TokenListing>(concatcp!(
        "SELECT ",
        TOKEN_COLUMNS,
        " WHERE ",
        TOKEN_SEARCH,
        r#"
         ORDER BY t.revoked_at IS NOT NULL, t.created_at DESC, t.id LIMIT $2 OFFSET $3"#
    ))
    .bind(search.map(crate::repo::contains_pattern))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn count(pool: &sqlx::PgPool, search: Option<&str>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(concatcp!(
        "SELECT count(*) FROM api_tokens t WHERE ",
        TOKEN_SEARCH
    ))
    .bind(search.map(crate::repo::contains_pattern))
    .fetch_one(pool)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn get(pool: &sqlx::PgPool, id: Uuid) -> Result<Option<TokenListing>, sqlx::Error> {
    sqlx::query_as::<_, TokenListing>(concatcp!("SELECT ", TOKEN_COLUMNS, " WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(pool)
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

/// Revokes the active token with this id; false if there is none.
#[tracing::instrument(skip_all)]
pub async fn revoke_by_id(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query("UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected() == 1)
}
