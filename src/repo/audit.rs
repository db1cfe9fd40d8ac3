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
