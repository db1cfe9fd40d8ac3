//! What every change the CX lead makes has in common: a refusal is a set of field
//! errors (never a 500), a save only goes over the version the editor saw (optimistic
//! concurrency), and an audit entry is written in the same transaction.

use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::{FieldErrors, Slug};
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
    /// A violation of a constraint listed in `clashes` (constraint, field, message) — a
    /// unique index taken by a concurrent save, or a check raised by a trigger — becomes
    /// that field's error; anything else stays a database error.
    pub fn from_clash(error: sqlx::Error, clashes: &[(&str, &'static str, &str)]) -> Self {
        let constraint = error
            .as_database_error()
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

/// Validated fields together with a new record's slug: the errors of both, or both.
pub fn with_slug<T>(fields: Result<T, SaveError>, slug: &str) -> Result<(T, Slug), SaveError> {
    match (fields, Slug::parse(slug.trim())) {
        (Ok(fields), Ok(slug)) => Ok((fields, slug)),
        (Err(SaveError::Invalid(mut errors)), slug) => {
            if let Err(invalid) = slug {
                errors.add("slug", invalid.to_string());
            }
            Err(SaveError::Invalid(errors))
        }
        (Err(other), _) => Err(other),
        (Ok(_), Err(invalid)) => Err(SaveError::field("slug", invalid.to_string())),
    }
}

/// An optional department picked in a form: None when left blank; a field error when
/// it names no department. One already archived may stay picked (pickers show the
/// record's current choice, so saving never silently drops it).
pub async fn pick_department(
    pool: &PgPool,
    raw: &str,
    errors: &mut FieldErrors,
    field: &'static str,
) -> Result<Option<Uuid>, sqlx::Error> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let id = Uuid::parse_str(raw).ok();
    let known = match id {
        Some(id) => crate::repo::departments::choices(pool, &[id]).await?,
        None => Vec::new(),
    };
    let id = id.filter(|id| known.iter().any(|d| &d.id == id));
    if id.is_none() {
        errors.add(field, "choose a department from the list");
    }
    Ok(id)
}

/// Ids typed into a form's pickers (for showing the current choice even if archived).
pub fn picked(raws: &[&str]) -> Vec<Uuid> {
    raws.iter()
        .filter_map(|raw| Uuid::parse_str(raw.trim()).ok())
        .collect()
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

/// A record the CX lead edits: stored fields, an archive flag and a version.
pub trait Versioned {
    type Fields: Serialize + Send + Sync;
    /// The audit log's target type, e.g. `department`.
    const TARGET: &'static str;
    /// The fields, archive flag and version as stored, locked until the transaction ends.
    fn lock(
        conn: &mut PgConnection,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<(Self::Fields, bool, i32)>, sqlx::Error>> + Send;
    /// Stores fields and archive flag, bumping the version.
    fn store(
        conn: &mut PgConnection,
        id: Uuid,
        fields: &Self::Fields,
        archived: bool,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
}

/// Saves `fields` over the version the editor saw, audited as `<target>.update`;
/// unique clashes become field errors.
pub async fn update<T: Versioned>(
    pool: &PgPool,
    id: Uuid,
    fields: &T::Fields,
    seen: &str,
    actor: &audit::Actor,
    clashes: &[(&str, &'static str, &str)],
) -> Result<(), SaveError> {
    let mut tx = pool.begin().await?;
    let (before, archived, version) = T::lock(&mut tx, id).await?.ok_or(SaveError::NotFound)?;
    check_version(seen, version)?;
    T::store(&mut tx, id, fields, archived)
        .await
        .map_err(|error| SaveError::from_clash(error, clashes))?;
    let action = format!("{}.update", T::TARGET);
    audit(
        &mut tx,
        actor,
        &action,
        (T::TARGET, id.to_string()),
        Some(&before),
        fields,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Archives a record (it leaves lists and pickers; everything that refers to it stays)
/// or brings it back, audited as `<target>.archive` / `<target>.restore`.
pub async fn set_archived<T: Versioned>(
    pool: &PgPool,
    id: Uuid,
    archive: bool,
    seen: &str,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let mut tx = pool.begin().await?;
    let (fields, archived, version) = T::lock(&mut tx, id).await?.ok_or(SaveError::NotFound)?;
    check_version(seen, version)?;
    if archived == archive {
        return Ok(());
    }
    T::store(&mut tx, id, &fields, archive).await?;
    let action = format!(
        "{}.{}",
        T::TARGET,
        if archive { "archive" } else { "restore" }
    );
    audit(
        &mut tx,
        actor,
        &action,
        (T::TARGET, id.to_string()),
        Some(&fields),
        &fields,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
