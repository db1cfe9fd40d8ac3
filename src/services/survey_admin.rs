//! Creating and changing surveys: validated against the rules of their kind, unique by
//! name and slug, saved only over the version the editor saw (optimistic concurrency),
//! closed or archived rather than deleted (answers are never lost), and audited.

use rand::distr::{Alphanumeric, SampleString};
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::{
    DEPARTMENT_PLACEHOLDER, FieldErrors, Slug, SurveyKind, parse_min_sample, slug_from_name,
};
use crate::repo::audit;
use crate::repo::survey_admin::{
    self as surveys, AdminSurvey, Choice, LockedSurvey, NAME_KEY, NewSurvey, SLUG_KEY, SurveyFields,
};

/// The survey form as typed. Slug and kind are read only when creating.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SurveyForm {
    pub name: String,
    pub slug: String,
    pub kind: String,
    pub question: String,
    /// A touchpoint id, or empty for none (customer surveys only).
    pub touchpoint: String,
    /// A department id (internal surveys only, required there).
    pub rated_department: String,
    /// Blank for the organisation's default.
    pub min_sample: String,
    /// The version the editor started from (empty when creating).
    pub version: String,
}

impl SurveyForm {
    /// A new survey of `kind`, with the question such surveys usually ask.
    pub fn for_new(kind: SurveyKind, org: Option<&str>) -> Self {
        Self {
            kind: kind.as_str().to_owned(),
            question: kind.default_question(org),
            ..Self::default()
        }
    }

    pub fn from_survey(survey: &AdminSurvey) -> Self {
        let id = |id: Option<Uuid>| id.map(|id| id.to_string()).unwrap_or_default();
        Self {
            name: survey.name.clone(),
            slug: survey.slug.clone(),
            kind: survey.kind.clone(),
            question: survey.question.clone(),
            touchpoint: id(survey.touchpoint_id),
            rated_department: id(survey.rated_department_id),
            min_sample: survey.min_sample.map(|n| n.to_string()).unwrap_or_default(),
            version: survey.version.to_string(),
        }
    }
}

pub use crate::services::editing::SaveError;
use crate::services::editing::{audit as record_change, check_version};

const CLASHES: &[(&str, &str, &str)] = &[
    (NAME_KEY, "name", "another survey already has this name"),
    (SLUG_KEY, "slug", "another survey already has this slug"),
];

/// The survey being edited, as validation needs it; None when creating.
pub struct Editing {
    pub id: Uuid,
    pub kind: SurveyKind,
    pub touchpoint_id: Option<Uuid>,
    pub rated_department_id: Option<Uuid>,
}

impl Editing {
    pub fn of(survey: &AdminSurvey) -> Option<Self> {
        Some(Self {
            id: survey.id,
            kind: SurveyKind::parse(&survey.kind).ok()?,
            touchpoint_id: survey.touchpoint_id,
            rated_department_id: survey.rated_department_id,
        })
    }
}

/// A form that passed validation.
pub struct Valid {
    pub kind: SurveyKind,
    /// Only when creating.
    pub slug: Option<Slug>,
    pub fields: SurveyFields,
}

/// Checks the form against the rules of the survey's kind: a name and slug no other
/// survey has, a question, a touchpoint only on customer surveys, a rated department on
/// (and only on) internal ones, a minimum sample in range.
pub async fn validate(
    pool: &PgPool,
    form: &SurveyForm,
    editing: Option<&Editing>,
) -> Result<Valid, SaveError> {
    let mut errors = FieldErrors::default();

    // Runs of spaces and line breaks become one space: both are single lines.
    let name = one_line(&form.name);
    let name = name.as_str();
    match name.chars().count() {
        0 => errors.add("name", "give the survey a name, e.g. Invoice NPS"),
        _ if name.chars().any(char::is_control) => {
            errors.add("name", "remove the control characters from the name")
        }
        1..=200 => {}
        _ => errors.add("name", "keep the name under 200 characters"),
    }

    let kind = match editing {
        Some(editing) => Some(editing.kind),
        None => SurveyKind::parse(form.kind.trim())
            .map_err(|invalid| errors.add("kind", invalid.to_string()))
            .ok(),
    };

    let slug = match editing {
        Some(_) => None,
        None => match form.slug.trim() {
            "" => {
                let made = slug_from_name(name);
                if made.is_none() && !name.is_empty() {
                    errors.add(
                        "slug",
                        "type a slug: the name has no letters or digits to make one from",
                    );
                }
                made
            }
            raw => Slug::parse(raw)
                .map_err(|invalid| errors.add("slug", invalid.to_string()))
                .ok(),
        },
    };

    // Checked here too, not only by the unique indexes, so both clashes show at once.
    if !name.is_empty() {
        let taken = surveys::clashes(
            pool,
            name,
            slug.as_ref().map(Slug::as_str),
            editing.map(|e| e.id),
        )
        .await?;
        let message = |what: &str, archived: bool| {
            if archived {
                format!(
                    "an archived survey already has this {what}; choose another, or bring that survey back from the archive"
                )
            } else {
                format!("another survey already has this {what}")
            }
        };
        if let Some(archived) = taken.name {
            errors.add("name", message("name", archived));
        }
        match (taken.slug, &slug) {
            (Some(_), Some(made)) if form.slug.trim().is_empty() => errors.add(
                "slug",
                format!("“{made}”, made from the name, is taken by another survey; type a slug"),
            ),
            (Some(archived), _) => errors.add("slug", message("slug", archived)),
            (None, _) => {}
        }
    }

    let touchpoint_id = match form.touchpoint.trim() {
        "" => None,
        raw => {
            if kind.is_some_and(|k| k != SurveyKind::Customer) {
                errors.add("touchpoint", "only customer surveys sit on a touchpoint");
                None
            } else {
                let current = editing.and_then(|e| e.touchpoint_id);
                let known = surveys::touchpoint_choices(pool, current).await?;
                let found = chosen(raw, &known);
                if found.is_none() {
                    errors.add("touchpoint", "choose a touchpoint from the list");
                }
                found.map(|c| c.id)
            }
        }
    };

    let rated = match (kind, form.rated_department.trim()) {
        (Some(SurveyKind::Internal), "") => {
            errors.add(
                "rated_department",
                "choose the department that this survey rates",
            );
            None
        }
        (_, "") => None,
        (Some(SurveyKind::Internal), raw) => {
            let current = editing.and_then(|e| e.rated_department_id);
            let known = surveys::department_choices(pool, current).await?;
            let found = chosen(raw, &known).cloned();
            if found.is_none() {
                errors.add("rated_department", "choose a department from the list");
            }
            found
        }
        (_, _) => {
            errors.add(
                "rated_department",
                "only internal surveys rate a department",
            );
            None
        }
    };

    let mut question = one_line(&form.question);
    if question.contains(DEPARTMENT_PLACEHOLDER) {
        match (&rated, kind) {
            (Some(department), _) => {
                question = question.replace(DEPARTMENT_PLACEHOLDER, &department.name);
            }
            (None, Some(SurveyKind::Internal)) => {} // the department's own message says it
            (None, _) => errors.add(
                "question",
                "only an internal survey's question can name {department}; write the words instead",
            ),
        }
    }
    match question.chars().count() {
        0 => errors.add("question", "write the question people answer from 0 to 10"),
        _ if question.chars().any(char::is_control) => errors.add(
            "question",
            "remove the control characters from the question",
        ),
        1..=500 => {}
        _ => errors.add("question", "keep the question under 500 characters"),
    }

    let min_sample = parse_min_sample(&form.min_sample)
        .map_err(|invalid| errors.add("min_sample", invalid.to_string()))
        .unwrap_or(None);

    match kind {
        Some(kind) if errors.is_empty() => Ok(Valid {
            kind,
            slug,
            fields: SurveyFields {
                name: name.to_owned(),
                question,
                touchpoint_id,
                rated_department_id: rated.map(|d| d.id),
                min_sample,
            },
        }),
        _ => Err(SaveError::Invalid(errors)),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn chosen<'a>(raw: &str, choices: &'a [Choice]) -> Option<&'a Choice> {
    let id = Uuid::parse_str(raw).ok()?;
    choices.iter().find(|c| c.id == id)
}

/// The unguessable part of a survey's public link: 32 letters and digits, about 190 bits.
pub fn new_public_token() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 32)
}

/// Creates a survey, open from now on, with a fresh public link.
pub async fn create(
    pool: &PgPool,
    form: &SurveyForm,
    actor: &audit::Actor,
) -> Result<Uuid, SaveError> {
    let valid = validate(pool, form, None).await?;
    let Some(slug) = valid.slug else {
        // validate() only passes a new survey with a slug.
        return Err(SaveError::Invalid(FieldErrors::default()));
    };
    let survey = NewSurvey {
        slug: slug.to_string(),
        kind: valid.kind.as_str().to_owned(),
        public_token: new_public_token(),
        fields: valid.fields,
    };
    let mut tx = pool.begin().await?;
    let id = surveys::insert(&mut tx, &survey)
        .await
        .map_err(|error| SaveError::from_clash(error, CLASHES))?;
    record(&mut tx, actor, "survey.create", id, None, &survey).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves changes over the version the editor saw. The rated department of a survey
/// that has answers stays: those answers rate that department.
pub async fn update(
    pool: &PgPool,
    editing: &Editing,
    form: &SurveyForm,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let valid = validate(pool, form, Some(editing)).await?;
    let mut tx = pool.begin().await?;
    let current = lock(&mut tx, editing.id, &form.version).await?;
    if current.has_responses
        && current.fields.rated_department_id != valid.fields.rated_department_id
    {
        let mut errors = FieldErrors::default();
        errors.add(
            "rated_department",
            "this survey already has answers about its department, so that cannot change; create a new survey to rate another department",
        );
        return Err(SaveError::Invalid(errors));
    }
    surveys::update(&mut tx, editing.id, &valid.fields)
        .await
        .map_err(|error| SaveError::from_clash(error, CLASHES))?;
    let after = LockedSurvey {
        fields: valid.fields,
        ..current.clone()
    };
    let action = "survey.update";
    record(&mut tx, actor, action, editing.id, Some(&current), &after).await?;
    tx.commit().await?;
    Ok(())
}

/// Closes a survey (its link then shows a polite "closed" page) or opens it again.
pub async fn set_closed(
    pool: &PgPool,
    id: Uuid,
    close: bool,
    version: &str,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let mut tx = pool.begin().await?;
    let current = lock(&mut tx, id, version).await?;
    if current.closed == close {
        return Ok(());
    }
    surveys::set_closed(&mut tx, id, close).await?;
    let after = LockedSurvey {
        closed: close,
        ..current.clone()
    };
    let action = if close {
        "survey.close"
    } else {
        "survey.reopen"
    };
    record(&mut tx, actor, action, id, Some(&current), &after).await?;
    tx.commit().await?;
    Ok(())
}

/// Archives a survey instead of deleting it: hidden from lists and the API, its link
/// answers "not found", and every answer it collected stays in the history. Or brings
/// it back.
pub async fn set_archived(
    pool: &PgPool,
    id: Uuid,
    archive: bool,
    version: &str,
    actor: &audit::Actor,
) -> Result<(), SaveError> {
    let mut tx = pool.begin().await?;
    let current = lock(&mut tx, id, version).await?;
    if current.archived == archive {
        return Ok(());
    }
    surveys::set_archived(&mut tx, id, archive).await?;
    let after = LockedSurvey {
        archived: archive,
        ..current.clone()
    };
    let action = if archive {
        "survey.archive"
    } else {
        "survey.restore"
    };
    record(&mut tx, actor, action, id, Some(&current), &after).await?;
    tx.commit().await?;
    Ok(())
}

/// The survey locked for a change, if it is still at the version the editor saw.
async fn lock(
    tx: &mut sqlx::PgConnection,
    id: Uuid,
    version: &str,
) -> Result<LockedSurvey, SaveError> {
    let current = surveys::lock(tx, id).await?.ok_or(SaveError::NotFound)?;
    check_version(version, current.version)?;
    Ok(current)
}

async fn record<T: serde::Serialize>(
    tx: &mut sqlx::PgConnection,
    actor: &audit::Actor,
    action: &str,
    id: Uuid,
    before: Option<&T>,
    after: &T,
) -> Result<(), sqlx::Error> {
    record_change(tx, actor, action, ("survey", id.to_string()), before, after).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn public_tokens_are_long_random_and_fit_the_schema() {
        let token = super::new_public_token();
        assert_eq!(token.len(), 32);
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(token, super::new_public_token());
    }
}
