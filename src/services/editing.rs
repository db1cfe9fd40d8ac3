//! What every change the CX lead makes has in common: a refusal is a set of field
//! errors (never a 500), a save only goes over the version the editor saw (optimistic
//! concurrency), and an audit entry is written in the same transaction.

use serde::Serialize;
use sqlx::PgConnection;

use crate::domain::FieldErrors;
use crate::repo::audit;

#[derive(Debug)]
pub enum SaveError {
    Invalid(FieldErrors),
    /// Someone else saved the record since the editor opened it.
    Conflict,
    NotFound,
    /// The change has to wait for other work (e.g. a large import) to finish.
    Busy,
    Database(sqlx::Error),
}

impl From<sqlx::Error> for SaveError {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(error)
    }
}

impl SaveError {
    /// A unique-constraint violation listed in `clashes` (constraint, field, message)
    /// becomes that field's error; anything else stays a database error.
    pub fn from_clash(error: sqlx::Error, clashes: &[(&str, &'static str, &str)]) -> Self {
        let constraint = error
            .as_database_error()
            .filter(|e| e.is_unique_violation())
            .and_then(|e| e.constraint().map(str::to_owned));
        match clashes
            .iter()
            .find(|(name, ..)| constraint.as_deref() == Some(*name))
        {
            Some((_, field, message)) => {
                let mut errors = FieldErrors::default();
                errors.add(field, *message);
                Self::Invalid(errors)
            }
            None => Self::Database(error),
        }
    }

    /// One field's error.
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        Self::Invalid(errors)
    }
}

/// Refuses a save over a version other than the one the editor saw.
pub fn check_version(seen: &str, current: i32) -> Result<(), SaveError> {
    if seen.trim() == current.to_string() {
        Ok(())
    } else {
        Err(SaveError::Conflict)
    }
}

/// Records a change of `target_type` `id` by `actor`, with before- and after-images.
pub async fn audit<T: Serialize>(
    tx: &mut PgConnection,
    actor: &audit::Actor,
    action: &str,
    (target_type, id): (&str, String),
    before: Option<&T>,
    after: &T,
) -> Result<(), sqlx::Error> {
    let json = |value: &T| serde_json::to_value(value).expect("audit images serialise");
    audit::record(
        tx,
        audit::Entry {
            actor,
            action,
            target_type,
            target_id: id,
            before: before.map(json),
            after: Some(json(after)),
        },
    )
    .await
}
