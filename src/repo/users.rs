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
