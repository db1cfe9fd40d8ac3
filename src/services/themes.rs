//! Creating and changing themes: validated, unique by name, saved only over the version
//! the editor saw (optimistic concurrency), audited, and followed by background
//! re-tagging of past comments (see `retag`).

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::{FieldErrors, Keywords};
use crate::repo::audit;
use crate::repo::themes::{self, ThemeFields};
pub use crate::services::editing::SaveError;
use crate::services::editing::{self, audit as record_change, check_version};

/// Comments a preview looks at: the most recent ones.
pub const PREVIEW_COMMENTS: i64 = 1_000;
/// Examples a preview shows.
const PREVIEW_EXAMPLES: usize = 5;

/// The theme form as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThemeForm {
    pub name: String,
    pub keywords: String,
    /// A department id, or empty for none.
    pub owner: String,
    /// The version the editor started from (empty when creating).
    pub version: String,
    /// `preview` shows what the keywords would tag without saving.
    pub action: String,
}

impl ThemeForm {
    pub fn from_theme(theme: &themes::Theme) -> Self {
        Self {
            name: theme.name.clone(),
            keywords: theme.keywords.join(", "),
            owner: theme
                .owner_department_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            version: theme.version.to_string(),
            action: String::new(),
        }
    }

    pub fn wants_preview(&self) -> bool {
        self.action == "preview"
    }
}

const NAME_CLASH: &[(&str, &str, &str)] = &[(
    themes::NAME_KEY,
    "name",
    "another theme already has this name",
)];

/// Checks the form: a name, at least one usable keyword, an existing owner (if any).
pub async fn validate(pool: &PgPool, form: &ThemeForm) -> Result<ThemeFields, SaveError> {
    let mut errors = FieldErrors::default();
    let name = form.name.trim();
    match name.chars().count() {
        0 => errors.add("name", "give the theme a name, e.g. Billing"),
        1..=120 => {}
        _ => errors.add("name", "keep the name under 120 characters"),
    }
    let keywords = Keywords::parse(&form.keywords)
        .map_err(|invalid| errors.add("keywords", invalid.to_string()))
        .ok();
    let owner = editing::pick_department(pool, &form.owner, &mut errors, "owner").await?;
    match keywords {
        Some(keywords) if errors.is_empty() => Ok(ThemeFields {
            name: name.to_owned(),
            keywords: keywords.as_slice().to_vec(),
            owner_department_id: owner,
        }),
        _ => Err(SaveError::Invalid(errors)),
    }
}

/// Creates a theme and queues tagging of the comments already stored.
pub async fn create(
    pool: &PgPool,
    form: &ThemeForm,
    actor: &audit::Actor,
) -> Result<Uuid, SaveError> {
    let fields = validate(pool, form).await?;
    let mut tx = begin_change(pool).await?;
    let id = themes::insert(&mut tx, &fields)
        .await
        .map_err(|error| SaveError::from_clash(error, NAME_CLASH))?;
    themes::enqueue_retag(&mut tx, id, 1).await?;
    record(&mut tx, actor, "theme.create", id, None, &fields).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves changes over the version the editor saw; re-tags past comments when the
/// keywords changed.
pub async fn update(
    pool: &PgPool,
    id: Uuid,
    form: &ThemeForm,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let fields = validate(pool, form).await?;
    let mut tx = begin_change(pool).await?;
    let current = themes::lock(&mut tx, id)
        .await?
        .ok_or(SaveError::NotFound)?;
    check_version(&form.version, current.version)?;
    let before = current.fields;
    let new_version = themes::update(&mut tx, id, &fields, current.archived)
        .await
        .map_err(|error| SaveError::from_clash(error, NAME_CLASH))?;
    if before.keywords != fields.keywords {
        themes::enqueue_retag(&mut tx, id, new_version).await?;
    }
    record(&mut tx, actor, "theme.update", id, Some(&before), &fields).await?;
    tx.commit().await?;
    Ok(())
}

/// Archives a theme (its tags are removed in the background; nothing else is lost) or
/// brings it back (its comments are tagged again).
pub async fn set_archived(
    pool: &PgPool,
    id: Uuid,
    archive: bool,
    version: &str,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let mut tx = begin_change(pool).await?;
    let current = themes::lock(&mut tx, id)
        .await?
        .ok_or(SaveError::NotFound)?;
    check_version(version, current.version)?;
    if current.archived == archive {
        return Ok(());
    }
    let fields = current.fields;
    let new_version = themes::update(&mut tx, id, &fields, archive).await?;
    themes::enqueue_retag(&mut tx, id, new_version).await?;
    let action = if archive {
        "theme.archive"
    } else {
        "theme.restore"
    };
    record(&mut tx, actor, action, id, Some(&fields), &fields).await?;
    tx.commit().await?;
    Ok(())
}

/// A transaction in which themes may change: no response is being tagged meanwhile.
async fn begin_change(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, SaveError> {
    let mut tx = pool.begin().await?;
    if !themes::exclude_tagging(&mut tx, "3s").await? {
        return Err(SaveError::Busy);
    }
    Ok(tx)
}

async fn record(
    tx: &mut sqlx::PgConnection,
    actor: &audit::Actor,
    action: &str,
    id: Uuid,
    before: Option<&ThemeFields>,
    after: &ThemeFields,
) -> Result<(), sqlx::Error> {
    record_change(tx, actor, action, ("theme", id.to_string()), before, after).await
}

/// What keywords would tag among the most recent comments.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    pub looked_at: usize,
    pub matched: usize,
    pub examples: Vec<String>,
}

impl Preview {
    /// Matches `keywords` against `comments` (newest first).
    pub fn of(keywords: &Keywords, comments: &[String]) -> Self {
        let matching: Vec<&String> = comments.iter().filter(|c| keywords.matches(c)).collect();
        Self {
            looked_at: comments.len(),
            matched: matching.len(),
            examples: matching
                .into_iter()
                .take(PREVIEW_EXAMPLES)
                .cloned()
                .collect(),
        }
    }

    pub fn percent(&self) -> f64 {
        if self.looked_at == 0 {
            0.0
        } else {
            self.matched as f64 * 100.0 / self.looked_at as f64
        }
    }
}
