//! The CX lead's changes to people's accounts: creating them with a one-time password,
//! editing name, role and department over the version seen, disabling and enabling,
//! and resetting passwords. Whatever must end someone's sessions does; every change is
//! audited (never with a password in it). Creation itself goes through `accounts`, the
//! same path as the command line.

use rand::Rng;
use sqlx::PgPool;
use std::fmt;
use uuid::Uuid;

use crate::domain::{Email, FieldErrors, Password, Role};
use crate::repo::audit;
use crate::repo::users::{self, AccountState, DepartmentOption};
use crate::services::accounts::{self, AccountError, NewUserRequest};
pub use crate::services::editing::SaveError;
use crate::services::editing::{self, check_version};
use crate::services::passwords;

/// A generated password, to be shown once to the CX lead who asked for it and never
/// stored or logged in the clear. Deliberately not `Debug`-printable.
pub struct OneTimePassword(String);

impl OneTimePassword {
    /// Letters and digits that cannot be mistaken for one another when read out or
    /// copied by hand (no l/1, no o/0).
    const ALPHABET: &'static [u8] = b"abcdefghijkmnpqrstuvwxyz23456789";

    /// Four groups of five from 32 symbols: 100 bits, from the thread's CSPRNG.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let groups: Vec<String> = (0..4)
            .map(|_| {
                (0..5)
                    .map(|_| Self::ALPHABET[rng.random_range(0..Self::ALPHABET.len())] as char)
                    .collect()
            })
            .collect();
        Self(groups.join("-"))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for OneTimePassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimePassword(***)")
    }
}

/// The new-user form as typed. There is no password field: Centric makes one.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NewUserForm {
    pub name: String,
    pub email: String,
    pub role: String,
    /// A department slug; only a department head has one.
    pub department: String,
}

/// The edit form as typed: the e-mail address (the sign-in name) stays as it is.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UserForm {
    pub name: String,
    pub role: String,
    pub department: String,
    /// The version the editor started from.
    pub version: String,
}

impl UserForm {
    pub fn from_user(user: &users::UserRecord) -> Self {
        Self {
            name: user.name.clone(),
            role: user.role.clone(),
            department: user.department_slug.clone().unwrap_or_default(),
            version: user.version.to_string(),
        }
    }
}

/// The field a refused disable or enable is reported on (it has no input of its own).
pub const STATUS: &str = "status";

/// Name, role and department as a valid combination: a department head needs one of
/// the departments in use; other roles have none (a department picked before the role
/// was changed is ignored).
fn check_profile<'a>(
    errors: &mut FieldErrors,
    (name, role, department): (&'a str, &str, &str),
    departments: &'a [DepartmentOption],
) -> Option<(&'a str, Role, Option<&'a DepartmentOption>)> {
    let name = accounts::check_name(name)
        .map_err(|invalid| errors.add("name", invalid.to_string()))
        .ok();
    let role = Role::parse(role)
        .map_err(|_| errors.add("role", "choose a role from the list"))
        .ok();
    let department = match (role, department.trim()) {
        (Some(Role::DepartmentHead), "") => {
            errors.add("department", "a department head needs a department");
            None
        }
        (Some(Role::DepartmentHead), slug) => {
            let found = departments.iter().find(|d| d.slug == slug);
            if found.is_none() {
                errors.add("department", "choose a department from the list");
            }
            found
        }
        _ => None,
    };
    match (name, role) {
        (Some(name), Some(role)) if errors.is_empty() => Some((name, role, department)),
        _ => None,
    }
}

/// Creates an account with a generated password, returned to be shown once.
pub async fn create(
    pool: &PgPool,
    form: &NewUserForm,
    departments: &[DepartmentOption],
    actor: &audit::Actor,
) -> Result<(Uuid, OneTimePassword), SaveError> {
    let mut errors = FieldErrors::default();
    let email = Email::parse(&form.email)
        .map_err(|invalid| errors.add("email", invalid.to_string()))
        .ok();
    let profile = check_profile(
        &mut errors,
        (&form.name, &form.role, &form.department),
        departments,
    );
    let (Some(email), Some((name, role, department))) = (email, profile) else {
        return Err(SaveError::Invalid(errors));
    };
    let password = OneTimePassword::generate();
    let request = NewUserRequest {
        email: email.as_str().to_owned(),
        name: name.to_owned(),
        role: role.as_str().to_owned(),
        department: department.map(|d| d.slug.clone()),
        password: password.expose().to_owned(),
    };
    match accounts::create_user(pool, request, actor).await {
        Ok(id) => Ok((id, password)),
        // e.g. the e-mail address already has an account.
        Err(AccountError::Invalid { field, message }) => {
            errors.add(field, message.to_string());
            Err(SaveError::Invalid(errors))
        }
        Err(AccountError::Database(error)) => Err(SaveError::Database(error)),
    }
}

/// Saves name, role and department over the version the editor saw. Nobody changes
/// their own role, and the last active CX lead stays one: Centric always keeps someone
/// who can configure it.
pub async fn update(
    pool: &PgPool,
    id: Uuid,
    form: &UserForm,
    departments: &[DepartmentOption],
    acting: Uuid,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let mut errors = FieldErrors::default();
    let (name, role, department) = check_profile(
        &mut errors,
        (&form.name, &form.role, &form.department),
        departments,
    )
    .ok_or_else(|| SaveError::Invalid(errors.clone()))?;
    let mut tx = pool.begin().await?;
    users::lock_accounts(&mut tx).await?;
    let current = users::lock(&mut tx, id).await?.ok_or(SaveError::NotFound)?;
    check_version(&form.version, current.version)?;
    if role.as_str() != current.role {
        if id == acting {
            errors.add(
                "role",
                "you cannot change your own role; another CX lead can do it for you",
            );
        } else if is_active_cx_lead(&current) && users::active_cx_leads(&mut tx).await? <= 1 {
            errors.add(
                "role",
                "this is the only active CX lead; make someone else CX lead first",
            );
        }
        if !errors.is_empty() {
            return Err(SaveError::Invalid(errors));
        }
    }
    let department_id = department.map(|d| d.id);
    users::update_profile(&mut tx, id, name, role, department_id).await?;
    let after = AccountState {
        name: name.to_owned(),
        role: role.as_str().to_owned(),
        department_id,
        ..current.clone()
    };
    record(&mut tx, actor, "user.update", id, Some(&current), &after).await?;
    tx.commit().await?;
    Ok(())
}

/// Disables an account, which ends all its sessions at once, or enables it again
/// (old sessions stay ended). Nobody disables themselves or the last active CX lead.
pub async fn set_disabled(
    pool: &PgPool,
    id: Uuid,
    disable: bool,
    version: &str,
    acting: Uuid,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let mut tx = pool.begin().await?;
    users::lock_accounts(&mut tx).await?;
    let current = users::lock(&mut tx, id).await?.ok_or(SaveError::NotFound)?;
    check_version(version, current.version)?;
    if current.disabled == disable {
        return Ok(());
    }
    if disable && id == acting {
        return Err(SaveError::field(
            STATUS,
            "You cannot disable your own account. Another CX lead can do it; to leave a shared computer, sign out instead.",
        ));
    }
    if disable && is_active_cx_lead(&current) && users::active_cx_leads(&mut tx).await? <= 1 {
        return Err(SaveError::field(
            STATUS,
            "This is the last active CX lead: without one, nobody could configure Centric or manage accounts. Make someone else CX lead first.",
        ));
    }
    users::set_disabled(&mut tx, id, disable).await?;
    let action = if disable {
        "user.disable"
    } else {
        "user.enable"
    };
    let after = AccountState {
        disabled: disable,
        ..current.clone()
    };
    record(&mut tx, actor, action, id, Some(&current), &after).await?;
    tx.commit().await?;
    Ok(())
}

/// Gives the account a new generated password (returned to be shown once) and ends all
/// its sessions.
pub async fn reset_password(
    pool: &PgPool,
    id: Uuid,
    actor: &audit::Actor,
) -> Result<OneTimePassword, SaveError> {
    let password = OneTimePassword::generate();
    let parsed = Password::parse(password.expose()).expect("generated passwords are long enough");
    let hash = passwords::hash(&parsed).await;
    let mut tx = pool.begin().await?;
    if !users::set_password(&mut tx, id, &hash).await? {
        return Err(SaveError::NotFound);
    }
    let note = serde_json::json!({ "password": "replaced", "sessions": "ended" });
    record(&mut tx, actor, "user.reset_password", id, None, &note).await?;
    tx.commit().await?;
    Ok(password)
}

fn is_active_cx_lead(account: &AccountState) -> bool {
    account.role == Role::CxLead.as_str() && !account.disabled
}

async fn record<T: serde::Serialize>(
    tx: &mut sqlx::PgConnection,
    actor: &audit::Actor,
    action: &str,
    id: Uuid,
    before: Option<&T>,
    after: &T,
) -> Result<(), sqlx::Error> {
    editing::audit(tx, actor, action, ("user", id.to_string()), before, after).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_unambiguous_different_and_never_printed() {
        let first = OneTimePassword::generate();
        let second = OneTimePassword::generate();
        assert_ne!(first.expose(), second.expose());
        assert_eq!(first.expose().len(), 23);
        assert!(Password::parse(first.expose()).is_ok());
        assert!(
            first
                .expose()
                .chars()
                .all(|c| c == '-' || OneTimePassword::ALPHABET.contains(&(c as u8)))
        );
        assert!(!first.expose().contains(['l', '1', 'o', '0']));
        assert_eq!(format!("{first:?}"), "OneTimePassword(***)");
    }
}
