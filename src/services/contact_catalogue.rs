//! Creating and changing contact reasons and channels: validated, unique by slug and by
//! name, saved only over the version the editor saw, archived rather than deleted (past
//! contacts refer to them), and audited — through the steps every admin record shares
//! (`editing`).

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::{Cents, FieldErrors, Slug};
use crate::repo::audit;
use crate::repo::contact_catalogue::{self as repo, Catalogue, Entry, EntryFields};
use crate::repo::departments::DepartmentChoice;
pub use crate::services::editing::SaveError;
use crate::services::editing::{self, Versioned, check_version};

/// One of the two catalogues, as a type: the shared editing steps need the audit
/// target as a constant.
pub trait Catalogued: Versioned<Fields = EntryFields> + Send + Sync + 'static {
    const CATALOGUE: Catalogue;
}

pub struct Reasons;
pub struct Channels;

impl Catalogued for Reasons {
    const CATALOGUE: Catalogue = Catalogue::Reasons;
}

impl Catalogued for Channels {
    const CATALOGUE: Catalogue = Catalogue::Channels;
}

impl Versioned for Reasons {
    type Fields = EntryFields;
    const TARGET: &'static str = "contact_reason";

    async fn lock(
        conn: &mut sqlx::PgConnection,
        id: Uuid,
    ) -> Result<Option<(EntryFields, bool, i32)>, sqlx::Error> {
        repo::lock(conn, Self::CATALOGUE, id).await
    }

    async fn store(
        conn: &mut sqlx::PgConnection,
        id: Uuid,
        fields: &EntryFields,
        archived: bool,
    ) -> Result<(), sqlx::Error> {
        repo::update(conn, Self::CATALOGUE, id, fields, archived).await
    }
}

impl Versioned for Channels {
    type Fields = EntryFields;
    const TARGET: &'static str = "channel";

    async fn lock(
        conn: &mut sqlx::PgConnection,
        id: Uuid,
    ) -> Result<Option<(EntryFields, bool, i32)>, sqlx::Error> {
        repo::lock(conn, Self::CATALOGUE, id).await
    }

    async fn store(
        conn: &mut sqlx::PgConnection,
        id: Uuid,
        fields: &EntryFields,
        archived: bool,
    ) -> Result<(), sqlx::Error> {
        repo::update(conn, Self::CATALOGUE, id, fields, archived).await
    }
}

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
                .unit_cost()
                .map(|cost| cost.to_string())
                .unwrap_or_default(),
            version: entry.version.to_string(),
        }
    }

    /// Does the form carry only fields of this catalogue?
    pub fn fits(&self, catalogue: Catalogue) -> bool {
        match catalogue {
            Catalogue::Reasons => self.unit_cost.is_empty(),
            Catalogue::Channels => self.department.is_empty(),
        }
    }
}

/// Checks the fields every save has. `departments` are those a reason may name (its
/// current one stays allowed even when that department has been archived since).
pub fn validate(
    catalogue: Catalogue,
    form: &EntryForm,
    departments: &[DepartmentChoice],
) -> Result<EntryFields, SaveError> {
    let mut errors = FieldErrors::default();
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
        Ok(fields)
    } else {
        Err(SaveError::Invalid(errors))
    }
}

/// What a new entry is made of, as audited.
#[derive(serde::Serialize)]
struct Created<'a> {
    slug: &'a str,
    #[serde(flatten)]
    fields: &'a EntryFields,
}

/// Creates a reason or channel.
pub async fn create<K: Catalogued>(
    pool: &PgPool,
    form: &EntryForm,
    departments: &[DepartmentChoice],
    actor: &audit::Actor,
) -> Result<Uuid, SaveError> {
    let (fields, slug) = editing::with_slug(validate(K::CATALOGUE, form, departments), &form.slug)?;
    let mut tx = pool.begin().await?;
    repo::lock_catalogue(&mut tx, K::CATALOGUE).await?;
    refuse_taken(&mut tx, K::CATALOGUE, Some(&slug), &fields.name, None).await?;
    let clashes = [(
        K::CATALOGUE.slug_key(),
        "slug",
        "another one already has this slug",
    )];
    let id = repo::insert(&mut tx, K::CATALOGUE, slug.as_str(), &fields)
        .await
        .map_err(|error| SaveError::from_clash(error, &clashes))?;
    let created = Created {
        slug: slug.as_str(),
        fields: &fields,
    };
    let action = format!("{}.create", K::TARGET);
    editing::audit(
        &mut tx,
        actor,
        &action,
        (K::TARGET, id.to_string()),
        None,
        &created,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves changes over the version the editor saw. A channel's new unit cost applies to
/// contacts recorded from now on; past contacts keep the cost they were recorded with.
///
/// Not `editing::update`: names have no unique index, so the name check and the save
/// run together under the catalogue's lock.
pub async fn update<K: Catalogued>(
    pool: &PgPool,
    id: Uuid,
    form: &EntryForm,
    departments: &[DepartmentChoice],
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let fields = validate(K::CATALOGUE, form, departments)?;
    let mut tx = pool.begin().await?;
    repo::lock_catalogue(&mut tx, K::CATALOGUE).await?;
    let (before, archived, version) = K::lock(&mut tx, id).await?.ok_or(SaveError::NotFound)?;
    check_version(&form.version, version)?;
    refuse_taken(&mut tx, K::CATALOGUE, None, &fields.name, Some(id)).await?;
    K::store(&mut tx, id, &fields, archived).await?;
    let action = format!("{}.update", K::TARGET);
    editing::audit(
        &mut tx,
        actor,
        &action,
        (K::TARGET, id.to_string()),
        Some(&before),
        &fields,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Archives an entry (kept with every past contact, no longer accepted for new ones)
/// or brings it back.
pub async fn set_archived<K: Catalogued>(
    pool: &PgPool,
    id: Uuid,
    archive: bool,
    seen: &str,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    editing::set_archived::<K>(pool, id, archive, seen, actor).await
}

/// A field error for a slug or name another entry (archived ones included) already has.
async fn refuse_taken(
    tx: &mut sqlx::PgConnection,
    catalogue: Catalogue,
    slug: Option<&Slug>,
    name: &str,
    except: Option<Uuid>,
) -> Result<(), SaveError> {
    let slug = slug.map(Slug::as_str);
    let (slug_taken, name_taken) = repo::taken(tx, catalogue, slug, name, except).await?;
    let mut errors = FieldErrors::default();
    let taken = |what: &str| {
        format!(
            "another {} (perhaps an archived one) already has this {what}",
            catalogue.noun()
        )
    };
    if slug_taken {
        errors.add("slug", taken("slug"));
    }
    if name_taken {
        errors.add("name", taken("name"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(SaveError::Invalid(errors))
    }
}
