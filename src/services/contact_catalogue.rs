//! Creating and changing contact reasons and channels: validated, unique by slug and by
//! name, saved only over the version the editor saw, archived rather than deleted (past
//! contacts refer to them), and audited.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::{Cents, FieldErrors, Slug};
use crate::repo::audit;
use crate::repo::contact_catalogue::{self as repo, Catalogue, Entry, EntryFields};
use crate::repo::departments::DepartmentChoice;

/// The reason or channel form as typed. Each catalogue uses its own one of
/// `department` and `unit_cost`; the other must stay empty.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EntryForm {
    /// Only when creating: fixed afterwards.
    pub slug: String,
    pub name: String,
    /// Reasons: a department id, or empty for none.
    pub department: String,
    /// Channels: the cost of one contact in currency units, e.g. "6.50".
    pub unit_cost: String,
    /// The version the editor started from (empty when creating).
    pub version: String,
}

impl EntryForm {
    pub fn from_entry(entry: &Entry) -> Self {
        Self {
            slug: entry.slug.clone(),
            name: entry.name.clone(),
            department: entry
                .department_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            unit_cost: entry
                .unit_cost_cents
                .map(|cents| Cents::from_stored(cents).to_string())
                .unwrap_or_default(),
            version: entry.version.to_string(),
        }
    }

    /// Does the form carry a field of the other catalogue (a form that does not fit)?
    pub fn fits(&self, catalogue: Catalogue) -> bool {
        match catalogue {
            Catalogue::Reasons => self.unit_cost.is_empty(),
            Catalogue::Channels => self.department.is_empty(),
        }
    }
}

pub enum SaveError {
    Invalid(FieldErrors),
    /// Someone else saved the entry since the editor opened it.
    Conflict,
    NotFound,
    Database(sqlx::Error),
}

impl From<sqlx::Error> for SaveError {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(error)
    }
}

/// Checks the fields every save has; the slug is checked only when creating.
/// `departments` are those a reason may name (the current one stays allowed even when
/// its department has been archived since).
pub fn validate(
    catalogue: Catalogue,
    form: &EntryForm,
    departments: &[DepartmentChoice],
    creating: bool,
) -> Result<(Option<Slug>, EntryFields), FieldErrors> {
    let mut errors = FieldErrors::default();
    let slug = if creating {
        Slug::parse(form.slug.trim())
            .map_err(|invalid| errors.add("slug", invalid.to_string()))
            .ok()
    } else {
        None
    };
    let name = form.name.trim();
    match name.chars().count() {
        0 => errors.add(
            "name",
            "give it a name people recognise, e.g. Invoice query",
        ),
        1..=120 => {}
        _ => errors.add("name", "keep the name under 120 characters"),
    }
    let mut fields = EntryFields {
        name: name.to_owned(),
        department_id: None,
        unit_cost_cents: None,
    };
    match catalogue {
        Catalogue::Reasons => {
            fields.department_id = match form.department.trim() {
                "" => None,
                raw => {
                    let id = Uuid::parse_str(raw)
                        .ok()
                        .filter(|id| departments.iter().any(|d| &d.id == id));
                    if id.is_none() {
                        errors.add("department", "choose a department from the list");
                    }
                    id
                }
            }
        }
        Catalogue::Channels => match Cents::parse_units(&form.unit_cost) {
            Ok(cents) => fields.unit_cost_cents = Some(cents.get()),
            Err(invalid) => errors.add("unit_cost", invalid.to_string()),
        },
    }
    if errors.is_empty() {
        Ok((slug, fields))
    } else {
        Err(errors)
    }
}

/// Creates a reason or channel.
pub async fn create(
    pool: &PgPool,
    catalogue: Catalogue,
    form: &EntryForm,
    departments: &[DepartmentChoice],
    actor: &audit::Actor,
) -> Result<Uuid, SaveError> {
    let (slug, fields) =
        validate(catalogue, form, departments, true).map_err(SaveError::Invalid)?;
    let slug = slug.expect("a slug is parsed when creating");
    let mut tx = pool.begin().await?;
    repo::lock_catalogue(&mut tx, catalogue).await?;
    refuse_taken(&mut tx, catalogue, Some(slug.as_str()), &fields.name, None).await?;
    let id = match repo::insert(&mut tx, catalogue, slug.as_str(), &fields).await {
        // Only if the advisory lock were bypassed: still a field error, not a 500.
        Err(error) if is_unique_violation(&error, catalogue.slug_key()) => {
            let mut errors = FieldErrors::default();
            errors.add("slug", taken_message(catalogue, "slug"));
            return Err(SaveError::Invalid(errors));
        }
        other => other?,
    };
    let after = serde_json::json!({ "slug": slug.as_str(), "fields": fields });
    record(&mut tx, catalogue, actor, "create", id, None, Some(after)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves changes over the version the editor saw. A channel's new unit cost applies to
/// contacts recorded from now on; past contacts keep the cost they were recorded with.
pub async fn update(
    pool: &PgPool,
    catalogue: Catalogue,
    id: Uuid,
    form: &EntryForm,
    departments: &[DepartmentChoice],
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let (_, fields) = validate(catalogue, form, departments, false).map_err(SaveError::Invalid)?;
    let mut tx = pool.begin().await?;
    repo::lock_catalogue(&mut tx, catalogue).await?;
    let current = repo::lock(&mut tx, catalogue, id)
        .await?
        .ok_or(SaveError::NotFound)?;
    if form.version.trim() != current.version.to_string() {
        return Err(SaveError::Conflict);
    }
    refuse_taken(&mut tx, catalogue, None, &fields.name, Some(id)).await?;
    repo::update(&mut tx, catalogue, id, &fields, current.archived).await?;
    let json = |fields: &EntryFields| serde_json::to_value(fields).expect("fields serialise");
    record(
        &mut tx,
        catalogue,
        actor,
        "update",
        id,
        Some(json(&current.fields)),
        Some(json(&fields)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Archives an entry (kept with every past contact, no longer accepted for new ones)
/// or brings it back.
pub async fn set_archived(
    pool: &PgPool,
    catalogue: Catalogue,
    id: Uuid,
    archive: bool,
    version: &str,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let mut tx = pool.begin().await?;
    let current = repo::lock(&mut tx, catalogue, id)
        .await?
        .ok_or(SaveError::NotFound)?;
    if version.trim() != current.version.to_string() {
        return Err(SaveError::Conflict);
    }
    if current.archived == archive {
        return Ok(());
    }
    repo::update(&mut tx, catalogue, id, &current.fields, archive).await?;
    let (verb, before, after) = if archive {
        ("archive", false, true)
    } else {
        ("restore", true, false)
    };
    record(
        &mut tx,
        catalogue,
        actor,
        verb,
        id,
        Some(serde_json::json!({ "archived": before })),
        Some(serde_json::json!({ "archived": after })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A field error for a slug or name another entry already has.
async fn refuse_taken(
    tx: &mut sqlx::PgConnection,
    catalogue: Catalogue,
    slug: Option<&str>,
    name: &str,
    except: Option<Uuid>,
) -> Result<(), SaveError> {
    let (slug_taken, name_taken) = repo::taken(tx, catalogue, slug, name, except).await?;
    let mut errors = FieldErrors::default();
    if slug_taken {
        errors.add("slug", taken_message(catalogue, "slug"));
    }
    if name_taken {
        errors.add("name", taken_message(catalogue, "name"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(SaveError::Invalid(errors))
    }
}

fn taken_message(catalogue: Catalogue, what: &str) -> String {
    format!(
        "another {} (perhaps an archived one) already has this {what}",
        catalogue.noun()
    )
}

fn is_unique_violation(error: &sqlx::Error, constraint: &str) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation() && e.constraint() == Some(constraint))
}

async fn record(
    tx: &mut sqlx::PgConnection,
    catalogue: Catalogue,
    actor: &audit::Actor,
    verb: &str,
    id: Uuid,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), sqlx::Error> {
    let target_type = catalogue.audit_type();
    audit::record(
        tx,
        audit::Entry {
            actor,
            action: &format!("{target_type}.{verb}"),
            target_type,
            target_id: id.to_string(),
            before,
            after,
        },
    )
    .await
}
