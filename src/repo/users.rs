//! People who log in to Centric.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::{Email, Role};

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub name: &'a str,
    pub role: Role,
    pub department_id: Option<Uuid>,
    pub password_hash: &'a str,
}

/// The unique index that makes an e-mail address name one account, whatever its case.
pub const EMAIL_KEY: &str = "users_email_key";

#[tracing::instrument(skip_all)]
pub async fn insert(conn: &mut PgConnection, user: NewUser<'_>) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        r#"
        INSERT INTO users (email, name, role, department_id, password_hash)
        VALUES ($1, $2, $3, $4, $5)
        RETURNING id
        "#,
    )
    .bind(user.email.as_str())
    .bind(user.name)
    .bind(user.role.as_str())
    .bind(user.department_id)
    .bind(user.password_hash)
    .fetch_one(conn)
    .await
}

/// What login needs to check a password.
#[derive(Debug, sqlx::FromRow)]
pub struct LoginRow {
    pub id: Uuid,
    pub password_hash: String,
    pub session_epoch: i32,
    pub disabled: bool,
}

#[tracing::instrument(skip_all)]
pub async fn find_for_login(
    pool: &sqlx::PgPool,
    email: &str,
) -> Result<Option<LoginRow>, sqlx::Error> {
    sqlx::query_as::<_, LoginRow>(
        "SELECT id, password_hash, session_epoch, disabled_at IS NOT NULL AS disabled FROM users WHERE lower(email) = lower($1)",
    )
    .bind(email)
    .fetch_optional(pool)
    .await
}

/// A signed-in person as every request sees them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUserRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub department_id: Option<Uuid>,
    pub department_slug: Option<String>,
    pub department_name: Option<String>,
    pub password_hash: String,
    pub session_epoch: i32,
}

/// The user behind a session, unless disabled (which ends their sessions).
#[tracing::instrument(skip_all)]
pub async fn find_active(
    pool: &sqlx::PgPool,
    id: Uuid,
) -> Result<Option<SessionUserRow>, sqlx::Error> {
    sqlx::query_as::<_, SessionUserRow>(
        r#"
        SELECT u.id, u.email, u.name, u.role, u.department_id,
               d.slug AS department_slug, d.name AS department_name, u.password_hash, u.session_epoch
        FROM users u LEFT JOIN departments d ON d.id = u.department_id
        WHERE u.id = $1 AND u.disabled_at IS NULL
        "#,
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}
