//! Creating accounts and API tokens, with their audit entries, in one transaction each.

use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::{Email, Invalid, Password, Role, Slug, TokenScope};
use crate::repo::{self, audit};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: Invalid,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn invalid(field: &'static str) -> impl FnOnce(Invalid) -> AccountError {
    move |message| AccountError::Invalid { field, message }
}

/// A person's or token's name, trimmed: 1 to 120 characters.
pub fn check_name(raw: &str) -> Result<&str, Invalid> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 120 {
        Err(Invalid::new("give a name of 1 to 120 characters"))
    } else {
        Ok(name)
    }
}

/// A user as typed on the command line or in a form, before validation.
#[derive(Debug)]
pub struct NewUserRequest {
    pub email: String,
    pub name: String,
    pub role: String,
    pub department: Option<String>,
    pub password: String,
}

/// Validates and creates a user; a department head must name their department, others
/// must not.
pub async fn create_user(
    pool: &PgPool,
    request: NewUserRequest,
    actor: &audit::Actor,
) -> Result<Uuid, AccountError> {
    let email = Email::parse(&request.email).map_err(invalid("email"))?;
    let name = check_name(&request.name).map_err(invalid("name"))?;
    let role = Role::parse(&request.role).map_err(invalid("role"))?;
    let password = Password::parse(&request.password).map_err(invalid("password"))?;
    let department = match (role, request.department.as_deref()) {
        (Role::DepartmentHead, Some(slug)) => {
            Some(Slug::parse(slug).map_err(invalid("department"))?)
        }
        (Role::DepartmentHead, None) => {
            return Err(invalid("department")(Invalid::new(
                "a department head needs --department SLUG",
            )));
        }
        (_, Some(_)) => {
            return Err(invalid("department")(Invalid::new(
                "only a department head belongs to a department",
            )));
        }
        (_, None) => None,
    };
    let password_hash = crate::services::passwords::hash(&password).await;

    let mut tx = pool.begin().await?;
    let department_id = match &department {
        Some(slug) => Some(
            repo::departments::id_by_slug(&mut tx, slug)
                .await?
                .ok_or_else(|| {
                    invalid("department")(Invalid::new(format!("there is no department '{slug}'")))
                })?,
        ),
        None => None,
    };
    let new_user = repo::users::NewUser {
        email: &email,
        name,
        role,
        department_id,
        password_hash: &password_hash,
    };
    let id = match repo::users::insert(&mut tx, new_user).await {
        Err(error) if is_unique_violation(&error, repo::users::EMAIL_KEY) => {
            return Err(invalid("email")(Invalid::new(format!(
                "{} already has an account",
                email.as_str()
            ))));
        }
        other => other?,
    };
    let after = serde_json::json!({ "email": email.as_str(), "name": name, "role": role.as_str(), "department": department.map(|d| d.to_string()) });
    let entry = audit::Entry {
        actor,
        action: "user.create",
        target_type: "user",
        target_id: id.to_string(),
        before: None,
        after: Some(after),
    };
    audit::record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(id)
}

/// A freshly issued API token: shown once, never stored in the clear.
pub struct IssuedToken {
    pub id: Uuid,
    pub token: String,
}

const TOKEN_PREFIX: &str = "ctk_";

pub async fn create_token(
    pool: &PgPool,
    name: &str,
    scope: &str,
    actor: &audit::Actor,
) -> Result<IssuedToken, AccountError> {
    let name = check_name(name).map_err(invalid("name"))?;
    let scope = TokenScope::parse(scope).map_err(invalid("scope"))?;
    // 40 alphanumeric characters: about 238 bits of randomness.
    let token = format!(
        "{TOKEN_PREFIX}{}",
        Alphanumeric.sample_string(&mut rand::rng(), 40)
    );
    let hash = token_hash(&token);
    let prefix = &token[..TOKEN_PREFIX.len() + 8];

    let mut tx = pool.begin().await?;
    let created_by = match actor {
        audit::Actor::User { id, .. } => Some(*id),
        _ => None,
    };
    let new_token = repo::api_tokens::NewToken {
        name,
        hash: &hash,
        prefix,
        scope,
        created_by,
    };
    let id = repo::api_tokens::insert(&mut tx, new_token).await?;
    let after = serde_json::json!({ "name": name, "scope": scope.as_str(), "prefix": prefix });
    let entry = audit::Entry {
        actor,
        action: "token.create",
        target_type: "api_token",
        target_id: id.to_string(),
        before: None,
        after: Some(after),
    };
    audit::record(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(IssuedToken { id, token })
}

/// Revokes the active token with this prefix, audited.
pub async fn revoke_token(
    pool: &PgPool,
    prefix: &str,
    actor: &audit::Actor,
) -> Result<(), AccountError> {
    let mut tx = pool.begin().await?;
    let Some(id) = repo::api_tokens::revoke_by_prefix(&mut tx, prefix.trim()).await? else {
        return Err(invalid("prefix")(Invalid::new(format!(
            "no active token has the prefix '{}'",
            prefix.trim()
        ))));
    };
    record_revocation(&mut tx, id, actor).await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes the token with this id, audited. False when it was already revoked (or
/// does not exist): nothing changes then.
pub async fn revoke_token_by_id(
    pool: &PgPool,
    id: Uuid,
    actor: &audit::Actor,
) -> Result<bool, AccountError> {
    let mut tx = pool.begin().await?;
    if !repo::api_tokens::revoke_by_id(&mut tx, id).await? {
        return Ok(false);
    }
    record_revocation(&mut tx, id, actor).await?;
    tx.commit().await?;
    Ok(true)
}

async fn record_revocation(
    tx: &mut sqlx::PgConnection,
    id: Uuid,
    actor: &audit::Actor,
) -> Result<(), sqlx::Error> {
    let entry = audit::Entry {
        actor,
        action: "token.revoke",
        target_type: "api_token",
        target_id: id.to_string(),
        before: Some(serde_json::json!({ "revoked": false })),
        after: Some(serde_json::json!({ "revoked": true })),
    };
    audit::record(tx, entry).await
}

/// What is stored for a token: its SHA-256. Tokens are long and random, so a fast hash
/// is enough (no salt or stretching needed, unlike passwords).
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn is_unique_violation(error: &sqlx::Error, constraint: &str) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation() && e.constraint() == Some(constraint))
}
