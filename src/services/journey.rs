//! Editing the customer journey: stages in order, and touchpoints (name, slug fixed once
//! created, stage, channel, owning department).

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::FieldErrors;
use crate::repo::audit;
use crate::repo::journey::{self, TouchpointFields};
pub use crate::services::editing::SaveError;
use crate::services::editing::{self, Versioned, audit as record_change, check_version, with_slug};

/// The channels a touchpoint can be reached through, with labels.
pub const CHANNELS: [(&str, &str); 5] = [
    ("digital", "Digital (website, app, portal, chatbot)"),
    ("phone", "Phone"),
    ("in-person", "In person"),
    ("document", "Document (invoice, letter, contract)"),
    ("email", "E-mail"),
];

const STAGE_CLASH: &[(&str, &str, &str)] = &[(
    journey::STAGE_NAME_KEY,
    "stage_name",
    "another stage already has this name",
)];

fn stage_name(raw: &str) -> Result<String, SaveError> {
    match raw.trim().chars().count() {
        0 => Err(SaveError::field(
            "stage_name",
            "give the stage a name, e.g. Onboarding",
        )),
        1..=120 => Ok(raw.trim().to_owned()),
        _ => Err(SaveError::field(
            "stage_name",
            "keep the name under 120 characters",
        )),
    }
}

#[derive(serde::Serialize)]
struct StageImage<'a> {
    name: &'a str,
}

pub async fn create_stage(
    pool: &PgPool,
    name: &str,
    actor: &audit::Actor,
) -> Result<Uuid, SaveError> {
    let name = stage_name(name)?;
    let mut tx = pool.begin().await?;
    let id = journey::insert_stage(&mut tx, &name)
        .await
        .map_err(|error| SaveError::from_clash(error, STAGE_CLASH))?;
    let after = StageImage { name: &name };
    record_change(
        &mut tx,
        actor,
        "stage.create",
        ("journey_stage", id.to_string()),
        None,
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn rename_stage(
    pool: &PgPool,
    id: Uuid,
    name: &str,
    version: &str,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let name = stage_name(name)?;
    let mut tx = pool.begin().await?;
    let (before, _, current) = journey::lock_stage(&mut tx, id)
        .await?
        .ok_or(SaveError::NotFound)?;
    check_version(version, current)?;
    journey::rename_stage(&mut tx, id, &name)
        .await
        .map_err(|error| SaveError::from_clash(error, STAGE_CLASH))?;
    record_change(
        &mut tx,
        actor,
        "stage.update",
        ("journey_stage", id.to_string()),
        Some(&StageImage { name: &before }),
        &StageImage { name: &name },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a stage one place earlier (`up`) or later in the journey.
pub async fn move_stage(
    pool: &PgPool,
    id: Uuid,
    up: bool,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let mut tx = pool.begin().await?;
    let (name, _, _) = journey::lock_stage(&mut tx, id)
        .await?
        .ok_or(SaveError::NotFound)?;
    if journey::move_stage(&mut tx, id, up).await? {
        let action = if up {
            "stage.move_up"
        } else {
            "stage.move_down"
        };
        let image = StageImage { name: &name };
        record_change(
            &mut tx,
            actor,
            action,
            ("journey_stage", id.to_string()),
            Some(&image),
            &image,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Deletes an empty stage; a stage with touchpoints (even archived ones) is refused.
pub async fn delete_stage(pool: &PgPool, id: Uuid, actor: &audit::Actor) -> Result<(), SaveError> {
    let mut tx = pool.begin().await?;
    let (name, _, _) = journey::lock_stage(&mut tx, id)
        .await?
        .ok_or(SaveError::NotFound)?;
    if !journey::delete_empty_stage(&mut tx, id).await? {
        return Err(SaveError::field(
            "stage",
            format!(
                "“{name}” still holds touchpoints (archived ones count: their responses keep their place in the journey). Move them to another stage first."
            ),
        ));
    }
    let image = StageImage { name: &name };
    record_change(
        &mut tx,
        actor,
        "stage.delete",
        ("journey_stage", id.to_string()),
        Some(&image),
        &image,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The touchpoint form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TouchpointForm {
    pub name: String,
    /// Only when creating.
    pub slug: String,
    pub stage: String,
    pub channel: String,
    pub owner: String,
    pub version: String,
}

impl TouchpointForm {
    pub fn from_touchpoint(t: &journey::Touchpoint) -> Self {
        Self {
            name: t.name.clone(),
            slug: t.slug.clone(),
            stage: t.stage_id.to_string(),
            channel: t.channel.clone(),
            owner: t
                .owner_department_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            version: t.version.to_string(),
        }
    }
}

const TOUCHPOINT_CLASH: &[(&str, &str, &str)] = &[(
    journey::TOUCHPOINT_SLUG_KEY,
    "slug",
    "another touchpoint already uses this slug",
)];

async fn validate(pool: &PgPool, form: &TouchpointForm) -> Result<TouchpointFields, SaveError> {
    let mut errors = FieldErrors::default();
    let name = form.name.trim();
    match name.chars().count() {
        0 => errors.add("name", "give the touchpoint a name, e.g. Invoice"),
        1..=120 => {}
        _ => errors.add("name", "keep the name under 120 characters"),
    }
    let stages = journey::stages(pool).await?;
    let stage = Uuid::parse_str(form.stage.trim())
        .ok()
        .filter(|id| stages.iter().any(|s| &s.id == id));
    if stage.is_none() {
        errors.add("stage", "choose the journey stage it belongs to");
    }
    if !CHANNELS.iter().any(|(value, _)| *value == form.channel) {
        errors.add("channel", "choose how customers meet it");
    }
    let owner = editing::pick_department(pool, &form.owner, &mut errors, "owner").await?;
    match stage {
        Some(stage_id) if errors.is_empty() => Ok(TouchpointFields {
            name: name.to_owned(),
            stage_id,
            channel: form.channel.clone(),
            owner_department_id: owner,
        }),
        _ => Err(SaveError::Invalid(errors)),
    }
}

pub async fn create_touchpoint(
    pool: &PgPool,
    form: &TouchpointForm,
    actor: &audit::Actor,
) -> Result<Uuid, SaveError> {
    let (fields, slug) = with_slug(validate(pool, form).await, &form.slug)?;
    let mut tx = pool.begin().await?;
    let id = journey::insert_touchpoint(&mut tx, slug.as_str(), &fields)
        .await
        .map_err(|error| SaveError::from_clash(error, TOUCHPOINT_CLASH))?;
    record_change(
        &mut tx,
        actor,
        "touchpoint.create",
        ("touchpoint", id.to_string()),
        None,
        &fields,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The touchpoint record, for the shared update and archive steps.
pub struct TouchpointRecord;

impl Versioned for TouchpointRecord {
    type Fields = TouchpointFields;
    const TARGET: &'static str = "touchpoint";

    async fn lock(
        conn: &mut sqlx::PgConnection,
        id: Uuid,
    ) -> Result<Option<(TouchpointFields, bool, i32)>, sqlx::Error> {
        journey::lock_touchpoint(conn, id).await
    }

    async fn store(
        conn: &mut sqlx::PgConnection,
        id: Uuid,
        fields: &TouchpointFields,
        archived: bool,
    ) -> Result<(), sqlx::Error> {
        journey::update_touchpoint(conn, id, fields, archived).await
    }
}

pub async fn update_touchpoint(
    pool: &PgPool,
    id: Uuid,
    form: &TouchpointForm,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let fields = validate(pool, form).await?;
    editing::update::<TouchpointRecord>(pool, id, &fields, &form.version, actor, &[]).await
}
