//! The public survey `/s/{token}`: one question, a 0–10 scale, an optional "why", and a
//! thank-you page. Works without JavaScript, on a phone, by keyboard and screen reader.

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::FieldErrors;
use crate::error::{AppError, ErrorPage};
use crate::repo::surveys::{self, PublicSurvey};
use crate::services::survey::{self as answering, AnswerError, AnswerForm, MAX_COMMENT_CHARS};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::ClientIp;
use crate::web::extract::{Form, Path, Query};
use crate::web::layout::Layout;
use crate::web::render;

pub fn routes() -> Routes {
    Routes::default()
        .get("/s/{token}", Access::Public, show)
        .post("/s/{token}", Access::Public, submit)
        .get("/s/{token}/thanks", Access::Public, thanks)
}

#[derive(askama::Template)]
#[template(path = "survey/form.html")]
pub struct SurveyPage {
    pub layout: Layout,
    pub token: String,
    pub survey: PublicSurvey,
    pub departments: Vec<(Uuid, String)>,
    pub form: AnswerForm,
    pub errors: FieldErrors,
    pub max_comment: usize,
    /// Shown to the CX lead as a preview: a banner, and a form that cannot be sent.
    pub preview: bool,
}

impl SurveyPage {
    pub fn asks_department(&self) -> bool {
        self.survey.kind != "customer"
    }
}

#[derive(askama::Template)]
#[template(path = "survey/message.html")]
pub struct SurveyMessagePage {
    pub layout: Layout,
    pub org_name: Option<String>,
    pub title: &'static str,
    pub message: &'static str,
}

/// What an invitation link may carry: a pre-filled score (recorded only when the person
/// confirms) and context for the answer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Invitation {
    score: String,
    segment: String,
    touchpoint: String,
    #[serde(rename = "ref")]
    customer_ref: String,
}

async fn find(state: &AppState, token: &str) -> Result<PublicSurvey, AppError> {
    // Only the shape a link can have is looked up (a NUL would be a database error).
    let well_formed = (16..=64).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !well_formed {
        return Err(AppError::NotFound);
    }
    surveys::by_public_token(&state.pool, token)
        .await?
        .ok_or(AppError::NotFound)
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(invitation): Query<Invitation>,
) -> Result<Response, AppError> {
    let survey = find(&state, &token).await?;
    if survey.closed {
        return closed(survey);
    }
    let form = AnswerForm {
        score: invitation.score,
        segment: invitation.segment,
        touchpoint: invitation.touchpoint,
        customer_ref: invitation.customer_ref,
        // One id per rendering of the form: posting it twice stores one answer.
        submission_id: Uuid::new_v4().to_string(),
        ..AnswerForm::default()
    };
    Ok(page(&state, token, survey, form, FieldErrors::default())
        .await?
        .into_response())
}

async fn submit(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(token): Path<String>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let survey = find(&state, &token).await?;
    if survey.closed {
        return closed(survey);
    }
    if let Err(wait) = state.limits.survey(ip, survey.id) {
        let mut response = ErrorPage::for_status(StatusCode::TOO_MANY_REQUESTS)
            .into_response_with(StatusCode::TOO_MANY_REQUESTS);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, wait.into());
        return Ok(response);
    }
    let thanks = Redirect::to(&format!("/s/{token}/thanks")).into_response();
    // A bot that filled the hidden field is thanked like anyone, and ignored.
    if form.is_bot() {
        return Ok(thanks);
    }
    match answering::answer(&state.pool, &survey, &form).await {
        Ok(()) => Ok(thanks),
        Err(AnswerError::Database(error)) => Err(error.into()),
        Err(AnswerError::Invalid(errors)) => {
            let page = page(&state, token, survey, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

async fn thanks(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Html<String>, AppError> {
    let survey = find(&state, &token).await?;
    render(&SurveyMessagePage {
        layout: Layout::anonymous(),
        org_name: survey.org_name,
        title: "Thank you",
        message: "Your answer has been recorded. It goes straight to the team that can act on it.",
    })
}

fn closed(survey: PublicSurvey) -> Result<Response, AppError> {
    let page = render(&SurveyMessagePage {
        layout: Layout::anonymous(),
        org_name: survey.org_name,
        title: "This survey is closed",
        message: "Thank you for wanting to answer. This survey no longer takes answers; we may ask again another time.",
    })?;
    Ok((StatusCode::GONE, page).into_response())
}

async fn page(
    state: &AppState,
    token: String,
    survey: PublicSurvey,
    form: AnswerForm,
    errors: FieldErrors,
) -> Result<Html<String>, AppError> {
    let departments = if survey.kind == "customer" {
        Vec::new()
    } else {
        surveys::respondent_departments(&state.pool).await?
    };
    render(&SurveyPage {
        layout: Layout::anonymous(),
        token,
        survey,
        departments,
        form,
        errors,
        max_comment: MAX_COMMENT_CHARS,
        preview: false,
    })
}
