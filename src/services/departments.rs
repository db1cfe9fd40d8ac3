//! Creating and changing departments: name, slug (fixed once created: the API, imports
//! and links use it), kind, head, how it affects the customer, and whom it serves.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::{BusinessFunction, DepartmentKind, FieldErrors};
use crate::repo::audit;
use crate::repo::departments::{self, DepartmentFields};
pub use crate::services::editing::SaveError;
use crate::services::editing::{self, Versioned, audit as record_change, with_slug};

/// The form as typed. `serves` repeats, one per ticked department.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DepartmentForm {
    pub name: String,
    /// Only when creating.
    pub slug: String,
    pub kind: String,
    /// hr, finance, legal, it, or empty for none of these.
    pub business_function: String,
    pub head: String,
    pub impact_statement: String,
    pub serves: Vec<String>,
    pub version: String,
}

impl DepartmentForm {
    pub fn from_department(d: &departments::EditableDepartment) -> Self {
        Self {
            name: d.name.clone(),
            slug: d.slug.clone(),
            kind: d.kind.clone(),
            business_function: d.business_function.clone().unwrap_or_default(),
            head: d.head_user_id.map(|id| id.to_string()).unwrap_or_default(),
            impact_statement: d.impact_statement.clone(),
            serves: d.serves.iter().map(Uuid::to_string).collect(),
            version: d.version.to_string(),
        }
    }

    pub fn serves(&self, id: &Uuid) -> bool {
        self.serves.iter().any(|s| s == &id.to_string())
    }
}

const CLASHES: &[(&str, &str, &str)] = &[
    (
        departments::NAME_KEY,
        "name",
        "another department already has this name",
    ),
    (
        departments::SLUG_KEY,
        "slug",
        "another department already uses this slug",
    ),
    (
        departments::FUNCTION_KEY,
        "business_function",
        "another department already has this function",
    ),
];

/// Checks the form; `this` is the department being edited (None when creating).
async fn validate(
    pool: &PgPool,
    form: &DepartmentForm,
    this: Option<Uuid>,
) -> Result<DepartmentFields, SaveError> {
    let mut errors = FieldErrors::default();
    let name = form.name.trim();
    match name.chars().count() {
        0 => errors.add("name", "give the department a name, e.g. Finance"),
        1..=120 => {}
        _ => errors.add("name", "keep the name under 120 characters"),
    }
    let kind = DepartmentKind::parse(&form.kind)
        .map_err(|invalid| errors.add("kind", invalid.to_string()))
        .ok();
    let function = BusinessFunction::parse(&form.business_function)
        .map_err(|invalid| errors.add("business_function", invalid.to_string()))
        .unwrap_or_default();
    let impact = form.impact_statement.trim();
    if impact.chars().count() > 2000 {
        errors.add(
            "impact_statement",
            "keep the statement under 2,000 characters",
        );
    }
    let head = match form.head.trim() {
        "" => None,
        raw => {
            let id = Uuid::parse_str(raw).ok();
            let known =
                departments::head_choices(pool, &id.into_iter().collect::<Vec<_>>()).await?;
            if id.is_none_or(|id| !known.iter().any(|h| h.id == id)) {
                errors.add("head", "choose an active user from the list");
            }
            id
        }
    };
    let ticked: Vec<&str> = form.serves.iter().map(String::as_str).collect();
    let known: Vec<Uuid> = departments::choices(pool, &editing::picked(&ticked))
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let mut serves = Vec::new();
    for raw in &form.serves {
        match Uuid::parse_str(raw) {
            Ok(id) if Some(id) == this => {
                errors.add("serves", "a department cannot be its own internal customer")
            }
            Ok(id) if known.contains(&id) => serves.push(id),
            _ => errors.add("serves", "choose departments from the list"),
        }
    }
    serves.sort();
    serves.dedup();
    match kind {
        Some(kind) if errors.is_empty() => Ok(DepartmentFields {
            name: name.to_owned(),
            kind: kind.as_str().to_owned(),
            business_function: function.map(|f| f.as_str().to_owned()),
            impact_statement: impact.to_owned(),
            head_user_id: head,
            serves,
        }),
        _ => Err(SaveError::Invalid(errors)),
    }
}

pub async fn create(
    pool: &PgPool,
    form: &DepartmentForm,
    actor: &audit::Actor,
) -> Result<Uuid, SaveError> {
    let (fields, slug) = with_slug(validate(pool, form, None).await, &form.slug)?;
    let mut tx = pool.begin().await?;
    let id = departments::insert(&mut tx, slug.as_str(), &fields)
        .await
        .map_err(|error| SaveError::from_clash(error, CLASHES))?;
    record_change(
        &mut tx,
        actor,
        "department.create",
        ("department", id.to_string()),
        None,
        &fields,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The department record, for the shared update and archive steps.
pub struct Department;

impl Versioned for Department {
    type Fields = DepartmentFields;
    const TARGET: &'static str = "department";

    async fn lock(
        conn: &mut sqlx::PgConnection,
        id: Uuid,
    ) -> Result<Option<(DepartmentFields, bool, i32)>, sqlx::Error> {
        departments::lock(conn, id).await
    }

    async fn store(
        conn: &mut sqlx::PgConnection,
        id: Uuid,
        fields: &DepartmentFields,
        archived: bool,
    ) -> Result<(), sqlx::Error> {
        departments::update(conn, id, fields, archived).await
    }
}

pub async fn update(
    pool: &PgPool,
    id: Uuid,
    form: &DepartmentForm,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let fields = validate(pool, form, Some(id)).await?;
    editing::update::<Department>(pool, id, &fields, &form.version, actor, CLASHES).await
}
