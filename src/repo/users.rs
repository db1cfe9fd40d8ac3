//! People who log in to Centric.

use const_format::concatcp;
use sqlx::{PgConnection, PgPool};
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

/// A person as the CX lead's user list and editor show them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRecord {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
    pub department_slug: Option<String>,
    pub department_name: Option<String>,
    pub disabled: bool,
    pub version: i32,
    pub created_at: time::OffsetDateTime,
    /// Their latest successful sign-in (from the audit log).
    pub last_login: Option<time::OffsetDateTime>,
}

impl UserRecord {
    /// "CX lead", "Department head", "Executive".
    pub fn role_label(&self) -> &'static str {
        Role::parse(&self.role).map_or("Unknown role", Role::label)
    }
}

const USER_COLUMNS: &str = r#"
    u.id, u.email, u.name, u.role, d.slug::text AS department_slug, d.name AS department_name,
    u.disabled_at IS NOT NULL AS disabled, u.version, u.created_at,
    (SELECT max(a.occurred_at) FROM audit_log a
     WHERE a.actor_user_id = u.id AND a.action = 'login.success') AS last_login
    FROM users u LEFT JOIN departments d ON d.id = u.department_id
"#;

const USER_SEARCH: &str = "($1::text IS NULL OR u.name ILIKE $1 OR u.email ILIKE $1)";

/// One page of the people whose name or e-mail contains `search`: active first, by name.
#[tracing::instrument(skip_all)]
pub async fn search(
    pool: &PgPool,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<UserRecord>, sqlx::Error> {
    sqlx::query_as::<_, UserRecord>(concatcp!(
        "SELECT ",
        USER_COLUMNS,
        " WHERE ",
        USER_SEARCH,
        r#"
         ORDER BY u.disabled_at IS NOT NULL, lower(u.name), u.id LIMIT $2 OFFSET $3"#
    ))
    .bind(search.map(crate::repo::contains_pattern))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn count(pool: &PgPool, search: Option<&str>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(concatcp!(
        "SELECT count(*) FROM users u WHERE ",
        USER_SEARCH
    ))
    .bind(search.map(crate::repo::contains_pattern))
    .fetch_one(pool)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as::<_, UserRecord>(concatcp!("SELECT ", USER_COLUMNS, " WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// A department a person can belong to, by the slug the account service takes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DepartmentOption {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

/// Every department in use, by name, plus `keep` (a person's current department) even
/// if it has been archived since, so that saving their form does not refuse it.
#[tracing::instrument(skip_all)]
pub async fn department_options(
    pool: &PgPool,
    keep: Option<&str>,
) -> Result<Vec<DepartmentOption>, sqlx::Error> {
    sqlx::query_as::<_, DepartmentOption>(
        "SELECT id, slug::text AS slug,
                name || CASE WHEN archived_at IS NULL THEN '' ELSE ' (archived)' END AS name
         FROM departments WHERE archived_at IS NULL OR slug::text = $1 ORDER BY lower(name)",
    )
    .bind(keep)
    .fetch_all(pool)
    .await
}

/// Orders changes to accounts: whether someone is the last active CX lead stays true
/// until the change that relies on it commits (two CX leads cannot disable each other
/// at the same moment).
#[tracing::instrument(skip_all)]
pub async fn lock_accounts(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(0x7573_6572_7321_i64) // "users!"
        .execute(conn)
        .await
        .map(|_| ())
}

/// What a change to an account starts from, locked until the transaction ends.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct AccountState {
    pub name: String,
    pub role: String,
    pub department_id: Option<Uuid>,
    pub disabled: bool,
    #[serde(skip)]
    pub version: i32,
}

#[tracing::instrument(skip_all)]
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Option<AccountState>, sqlx::Error> {
    sqlx::query_as::<_, AccountState>(
        "SELECT name, role, department_id, disabled_at IS NOT NULL AS disabled, version
         FROM users WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// How many CX leads can sign in.
#[tracing::instrument(skip_all)]
pub async fn active_cx_leads(conn: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'cx-lead' AND disabled_at IS NULL")
        .fetch_one(conn)
        .await
}

/// Saves a person's name, role and department.
#[tracing::instrument(skip_all)]
pub async fn update_profile(
    conn: &mut PgConnection,
    id: Uuid,
    name: &str,
    role: Role,
    department_id: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET name = $2, role = $3, department_id = $4, version = version + 1 WHERE id = $1",
    )
    .bind(id)
    .bind(name)
    .bind(role.as_str())
    .bind(department_id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Disables an account (a new session epoch ends every session it has, also if it is
/// enabled again later) or enables it.
#[tracing::instrument(skip_all)]
pub async fn set_disabled(
    conn: &mut PgConnection,
    id: Uuid,
    disabled: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END,
                session_epoch = session_epoch + CASE WHEN $2 THEN 1 ELSE 0 END,
                version = version + 1
         WHERE id = $1",
    )
    .bind(id)
    .bind(disabled)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Replaces a password and ends every session of the account.
#[tracing::instrument(skip_all)]
pub async fn set_password(
    conn: &mut PgConnection,
    id: Uuid,
    password_hash: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $2, password_changed_at = now(),
                session_epoch = session_epoch + 1
         WHERE id = $1",
    )
    .bind(id)
    .bind(password_hash)
    .execute(conn)
    .await
    .map(|done| done.rows_affected() == 1)
}
