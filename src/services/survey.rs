//! Answering a public survey: the form as typed becomes a response, or field messages.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::{FieldErrors, Score, Slug};
use crate::repo::responses::NewResponse;
use crate::repo::surveys::{self, PublicSurvey};
use crate::services::ingest;

/// The longest "why" the public form accepts.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// The public form as posted. Context from the invitation link (segment, touchpoint,
/// customer reference) travels in hidden fields.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnswerForm {
    pub score: String,
    pub comment: String,
    pub department: String,
    pub submission_id: String,
    pub segment: String,
    pub touchpoint: String,
    #[serde(rename = "ref")]
    pub customer_ref: String,
    /// The honeypot: hidden from people, filled in by naive bots.
    pub website: String,
}

impl AnswerForm {
    pub fn is_bot(&self) -> bool {
        !self.website.is_empty()
    }
}

pub enum AnswerError {
    Invalid(FieldErrors),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for AnswerError {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(error)
    }
}

/// Stores the answer once: a second post with the same `submission_id` (a double click,
/// a reload) stores nothing more.
pub async fn answer(
    pool: &PgPool,
    survey: &PublicSurvey,
    form: &AnswerForm,
) -> Result<(), AnswerError> {
    let mut errors = FieldErrors::default();
    let score = form
        .score
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|v| Score::try_from(v).ok());
    if score.is_none() {
        errors.add("score", "choose a number from 0 to 10");
    }
    let comment = form.comment.trim();
    if comment.contains('\0') {
        errors.add("comment", "please remove the invisible NUL character");
    } else if comment.chars().count() > MAX_COMMENT_CHARS {
        errors.add(
            "comment",
            format!("please keep it under {MAX_COMMENT_CHARS} characters"),
        );
    }
    let asks_department = survey.kind != "customer";
    let department = Uuid::parse_str(form.department.trim()).ok();
    let known_department = match department {
        Some(id) => surveys::respondent_departments(pool)
            .await?
            .iter()
            .any(|(known, _)| *known == id),
        None => false,
    };
    if asks_department && !known_department {
        errors.add("department", "choose the department you work in");
    }
    let submission_id = Uuid::parse_str(form.submission_id.trim()).ok();
    if submission_id.is_none() {
        errors.add("score", "this form has expired; please answer again");
    }
    let touchpoint_id = match (survey.touchpoint_id, Slug::parse(form.touchpoint.trim())) {
        (Some(own), _) => Some(own),
        (None, Ok(slug)) if survey.kind == "customer" => {
            surveys::touchpoint_id(pool, slug.as_str()).await?
        }
        _ => None,
    };
    let (Some(score), Some(submission_id)) = (score, submission_id) else {
        return Err(AnswerError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(AnswerError::Invalid(errors));
    }
    let bounded = |text: &str, max: usize| {
        Some(text.trim())
            .filter(|t| !t.is_empty())
            .map(|t| t.chars().take(max).collect::<String>())
    };
    let response = NewResponse {
        survey_id: survey.id,
        survey_kind: survey.kind.clone(),
        score: i16::from(score.value()),
        comment: Some(comment.to_owned()).filter(|c| !c.is_empty()),
        submitted_at: time::OffsetDateTime::now_utc(),
        touchpoint_id,
        segment: if survey.kind == "customer" {
            bounded(&form.segment, 64)
        } else {
            None
        },
        respondent_department_id: if asks_department { department } else { None },
        customer_ref: if survey.kind == "customer" {
            bounded(&form.customer_ref, 128)
        } else {
            None
        },
        source: "web",
        external_id: None,
        submission_id: Some(submission_id),
        import_id: None,
    };
    let mut tx = pool.begin().await?;
    ingest::store(&mut tx, &[response]).await?;
    tx.commit().await?;
    Ok(())
}
