//! Logging in: password checks that look the same for unknown accounts and wrong
//! passwords, per-account throttling, and the audit trail of every attempt.

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use std::net::IpAddr;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::repo::{self, audit, login_throttle};
use crate::services::passwords;

/// Failures allowed per account in a window before each further one locks it.
const FREE_FAILURES: i32 = 5;
const WINDOW_SECS: i64 = 15 * 60;
const FIRST_LOCK_SECS: i64 = 30;

#[derive(Debug, PartialEq, Eq)]
pub enum LoginOutcome {
    Success {
        user_id: Uuid,
        /// What the new session stores to recognise a later password change or epoch bump.
        session_hash: String,
    },
    /// Unknown e-mail, wrong password or disabled account: deliberately one answer.
    Rejected,
    Throttled {
        retry_after_secs: u64,
    },
}

/// Checks a login attempt and records it in the audit log.
///
/// Failures lock an account only for the network they come from (its /24, or /64 for
/// IPv6): someone guessing from one place cannot lock the real owner out everywhere,
/// and the per-IP rate limit bounds how fast any one place can guess.
pub async fn log_in(
    pool: &PgPool,
    email: &str,
    password: &str,
    ip: IpAddr,
) -> Result<LoginOutcome, sqlx::Error> {
    let email: String = email.trim().to_lowercase().chars().take(200).collect();
    let key = format!("{email}|{}", network_of(ip));
    if let Some(until) = login_throttle::locked_until(pool, &key).await? {
        let retry_after_secs = (until - time::OffsetDateTime::now_utc())
            .whole_seconds()
            .max(1) as u64;
        record_attempt(pool, None, &email, ip, "login.throttled").await?;
        return Ok(LoginOutcome::Throttled { retry_after_secs });
    }
    let account = repo::users::find_for_login(pool, &email).await?;
    // Unknown accounts still cost one hash verification, so timing does not tell them apart.
    let stored_hash = match &account {
        Some(row) => row.password_hash.clone(),
        None => dummy_hash().await.to_owned(),
    };
    let password_ok = passwords::verify(password, &stored_hash).await;
    match account {
        Some(row) if password_ok && !row.disabled => {
            login_throttle::clear(pool, &key).await?;
            record_attempt(pool, Some(row.id), &email, ip, "login.success").await?;
            Ok(LoginOutcome::Success {
                user_id: row.id,
                session_hash: session_auth_hash(&row.password_hash, row.session_epoch),
            })
        }
        _ => {
            login_throttle::record_failure(pool, &key, WINDOW_SECS, FREE_FAILURES, FIRST_LOCK_SECS)
                .await?;
            record_attempt(pool, None, &email, ip, "login.failure").await?;
            Ok(LoginOutcome::Rejected)
        }
    }
}

async fn record_attempt(
    pool: &PgPool,
    user: Option<Uuid>,
    key: &str,
    ip: IpAddr,
    action: &str,
) -> Result<(), sqlx::Error> {
    let actor = match user {
        Some(id) => audit::Actor::User { id, ip: Some(ip) },
        None => audit::Actor::Anonymous {
            label: key.to_owned(),
            ip: Some(ip),
        },
    };
    let mut conn = pool.acquire().await?;
    let entry = audit::Entry {
        actor: &actor,
        action,
        target_type: "session",
        target_id: String::new(),
        before: None,
        after: None,
    };
    audit::record(&mut conn, entry).await
}

/// The network a lockout applies to: an IPv4 /24 or an IPv6 /64.
fn network_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(_) => format!("{}/64", crate::web::rate_limit::client_key(ip)),
    }
}

/// Makes the dummy hash now, so that the first unknown-account login is not slower
/// than the rest (which would tell an attacker the account does not exist).
pub async fn warm_up() {
    dummy_hash().await;
}

/// A real argon2id hash of a random password, made once, to verify unknown accounts against.
async fn dummy_hash() -> &'static str {
    static DUMMY: OnceCell<String> = OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            let random = uuid::Uuid::new_v4().to_string() + &uuid::Uuid::new_v4().to_string();
            passwords::hash(&crate::domain::Password::parse(&random).expect("long enough")).await
        })
        .await
}

/// What a session remembers of the account it was opened for: changing the password
/// or bumping the session epoch (disabling the account) changes this, which ends every
/// other session of that person.
pub fn session_auth_hash(password_hash: &str, session_epoch: i32) -> String {
    hex::encode(Sha256::digest(
        format!("{session_epoch}:{password_hash}").as_bytes(),
    ))
}
