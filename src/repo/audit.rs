//! The append-only audit log: who did what to which record, written in the same
//! transaction as the change it describes.

use sqlx::PgConnection;
use std::net::IpAddr;
use uuid::Uuid;

/// Who acted.
#[derive(Debug, Clone)]
pub enum Actor {
    /// The `centric` command line, run by whoever has shell access.
    Cli,
    User {
        id: Uuid,
        ip: Option<IpAddr>,
    },
    /// Someone not (yet) known, e.g. a failed login; the label says who they claimed to be.
    Anonymous {
        label: String,
        ip: Option<IpAddr>,
    },
    Token {
        id: Uuid,
        ip: Option<IpAddr>,
    },
}

#[derive(Debug)]
pub struct Entry<'a> {
    pub actor: &'a Actor,
    /// Dotted lower-case verb, e.g. `user.create`.
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[tracing::instrument(skip_all, fields(action = entry.action))]
pub async fn record(conn: &mut PgConnection, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    let (user_id, token_id, label, ip) = match entry.actor {
        Actor::Cli => (None, None, "cli", None),
        Actor::Anonymous { label, ip } => (None, None, label.as_str(), *ip),
        Actor::User { id, ip } => (Some(*id), None, "", *ip),
        Actor::Token { id, ip } => (None, Some(*id), "", *ip),
    };
    sqlx::query(
        r#"
        INSERT INTO audit_log (actor_user_id, actor_token_id, actor_label, peer_ip, action,
                               target_type, target_id, before, after)
        VALUES ($1, $2, $3, $4::inet, $5, $6, $7, $8, $9)
        "#,
    )
    .bind(user_id)
    .bind(token_id)
    .bind(label)
    .bind(ip.map(|ip| ip.to_string()))
    .bind(entry.action)
    .bind(entry.target_type)
    .bind(entry.target_id)
    .bind(entry.before)
    .bind(entry.after)
    .execute(conn)
    .await
    .map(|_| ())
}

/// One line of the audit log as the CX lead reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: time::OffsetDateTime,
    /// The person's e-mail, the token's name, or the label (e.g. the e-mail tried).
    pub actor: String,
    pub peer_ip: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Filters of the audit page; all optional.
#[derive(Debug, Default)]
pub struct AuditFilter {
    /// Actions starting with this, e.g. `login` or `user.create`.
    pub action: Option<String>,
    /// Part of the actor's e-mail, token name or label.
    pub actor: Option<String>,
    pub from: Option<time::Date>,
    pub to: Option<time::Date>,
}

/// Newest first; `limit + 1` rows are fetched so the caller knows if there is a next page.
#[tracing::instrument(skip_all)]
pub async fn list(
    pool: &sqlx::PgPool,
    filter: &AuditFilter,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as::<_, AuditRow>(
        r#"
        SELECT a.id, a.occurred_at,
               coalesce(u.email, t.name, a.actor_label) AS actor,
               host(a.peer_ip) AS peer_ip, a.action, a.target_type, a.target_id, a.before, a.after
        FROM audit_log a
        LEFT JOIN users u ON u.id = a.actor_user_id
        LEFT JOIN api_tokens t ON t.id = a.actor_token_id
        WHERE ($1::text IS NULL OR a.action LIKE replace(replace(replace($1, '\', '\\'), '%', '\%'), '_', '\_') || '%')
          AND ($2::text IS NULL OR coalesce(u.email, t.name, a.actor_label)
                 ILIKE '%' || replace(replace(replace($2, '\', '\\'), '%', '\%'), '_', '\_') || '%')
          AND ($3::date IS NULL OR a.occurred_at >= $3::date)
          AND ($4::date IS NULL OR a.occurred_at < $4::date + 1)
          AND ($5::bigint IS NULL OR a.id < $5)
        ORDER BY a.id DESC
        LIMIT $6
        "#,
    )
    .bind(filter.action.as_deref())
    .bind(filter.actor.as_deref())
    .bind(filter.from)
    .bind(filter.to)
    .bind(before_id)
    .bind(limit + 1)
    .fetch_all(pool)
    .await
}
