//! `/admin/surveys`: the CX lead's customer, employee and internal surveys — the
//! searchable list, create and edit forms, close/reopen, archive, the share link with its
//! QR code, and a preview of the public page that records nothing.

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use qrcode::QrCode;
use qrcode::render::svg;
use uuid::Uuid;

use crate::domain::{DEPARTMENT_PLACEHOLDER, FieldErrors, SurveyKind};
use crate::error::AppError;
use crate::repo::survey_admin::{self as surveys, AdminSurvey, Choice, SurveyFilter, SurveyRow};
use crate::repo::surveys::PublicSurvey;
use crate::services::survey::{AnswerForm, MAX_COMMENT_CHARS};
use crate::services::survey_admin::{self as service, Editing, SaveError, SurveyForm};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::{Caller, ClientIp};
use crate::web::extract::{Form, Path, Query};
use crate::web::layout::Layout;
use crate::web::render;
use crate::web::survey::SurveyPage;

/// Surveys on one page of the list.
const PAGE_SIZE: i64 = 50;

pub fn routes() -> Routes {
    Routes::default()
        .get("/admin/surveys", Access::CxLead, list)
        .get("/admin/surveys/new", Access::CxLead, new_form)
        .post("/admin/surveys", Access::CxLead, create)
        .get("/admin/surveys/{id}", Access::CxLead, edit_form)
        .post("/admin/surveys/{id}", Access::CxLead, update)
        .post("/admin/surveys/{id}/close", Access::CxLead, close)
        .post("/admin/surveys/{id}/archive", Access::CxLead, archive)
        .get("/admin/surveys/{id}/qr.svg", Access::CxLead, qr_download)
        .get("/admin/surveys/{id}/preview", Access::CxLead, preview)
}

/// Words for a survey's status (`open`, `closed`, `scheduled`).
fn status_label(status: &str) -> &'static str {
    match status {
        "open" => "Open",
        "closed" => "Closed",
        "scheduled" => "Scheduled",
        _ => "Unknown",
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    /// "1" shows archived surveys too.
    archived: String,
    page: String,
    saved: String,
}

#[derive(askama::Template)]
#[template(path = "admin/surveys/index.html")]
pub struct SurveysPage {
    pub layout: Layout,
    pub rows: Vec<SurveyRow>,
    pub search: String,
    pub include_archived: bool,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub notice: Option<&'static str>,
}

impl SurveysPage {
    fn kind_label(&self, kind: &str) -> &'static str {
        SurveyKind::label_of(kind)
    }

    fn status_label(&self, status: &str) -> &'static str {
        status_label(status)
    }

    /// The list's address for another page, keeping the search.
    fn page_href(&self, page: i64) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if !self.search.is_empty() {
            query.append_pair("q", &self.search);
        }
        if self.include_archived {
            query.append_pair("archived", "1");
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        let query = query.finish();
        if query.is_empty() {
            "/admin/surveys".to_owned()
        } else {
            format!("/admin/surveys?{query}")
        }
    }

    /// "51–100 of 130"
    fn range(&self) -> String {
        let first = (self.page - 1) * PAGE_SIZE + 1;
        let last = (first + self.rows.len() as i64 - 1).max(first);
        format!(
            "{}–{} of {}",
            crate::web::thousands(first),
            crate::web::thousands(last),
            crate::web::thousands(self.total)
        )
    }
}

async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<ListQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let search: String = query.q.trim().chars().take(200).collect();
    let filter = SurveyFilter {
        search: Some(search.clone()).filter(|s| !s.is_empty()),
        include_archived: query.archived == "1",
    };
    let total = surveys::count(&state.pool, &filter).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = query
        .page
        .trim()
        .parse::<i64>()
        .unwrap_or(1)
        .clamp(1, pages);
    let rows = surveys::list(&state.pool, &filter, (page - 1) * PAGE_SIZE, PAGE_SIZE).await?;
    let notice = match query.saved.as_str() {
        "archived" => {
            Some("Survey archived. Its link no longer works; every answer it collected is kept.")
        }
        _ => None,
    };
    render(&SurveysPage {
        layout: Layout::for_caller(&caller, uri.path()),
        rows,
        search,
        include_archived: filter.include_archived,
        total,
        page,
        pages,
        notice,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    kind: String,
}

/// First step of a new survey: which kind (the form and its default question depend on it).
#[derive(askama::Template)]
#[template(path = "admin/surveys/kind.html")]
pub struct KindChoicePage {
    pub layout: Layout,
    pub kinds: [SurveyKind; 3],
}

async fn new_form(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<NewQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let Ok(kind) = SurveyKind::parse(&query.kind) else {
        return render(&KindChoicePage {
            layout: Layout::for_caller(&caller, uri.path()),
            kinds: SurveyKind::ALL,
        });
    };
    let (org, _) = surveys::organisation_defaults(&state.pool).await?;
    let form = SurveyForm::for_new(kind, org.as_deref());
    let page = form_page(
        &state,
        &caller,
        uri.path(),
        None,
        form,
        FieldErrors::default(),
    )
    .await?;
    render(&page)
}

/// A survey's public link and its QR code.
pub struct Share {
    pub link: String,
    /// The QR code as inline SVG markup, built here from the link (no text from anyone).
    pub qr_svg: String,
}

#[derive(askama::Template)]
#[template(path = "admin/surveys/form.html")]
pub struct SurveyFormPage {
    pub layout: Layout,
    /// None when creating.
    pub survey: Option<AdminSurvey>,
    pub kind: SurveyKind,
    pub form: SurveyForm,
    pub errors: FieldErrors,
    pub touchpoints: Vec<Choice>,
    pub departments: Vec<Choice>,
    /// The organisation's minimum sample, which applies when the field is blank.
    pub org_min_sample: i32,
    pub share: Option<Share>,
    /// Someone else saved the survey meanwhile; `survey` is what they saved.
    pub conflict: bool,
    /// The conflict refused a close, reopen, archive or restore (not the form's save).
    pub stale_action: bool,
    pub notice: Option<&'static str>,
}

impl SurveyFormPage {
    fn action(&self) -> String {
        match &self.survey {
            Some(survey) => format!("/admin/surveys/{}", survey.id),
            None => "/admin/surveys".to_owned(),
        }
    }

    fn status_label(&self, status: &str) -> &'static str {
        status_label(status)
    }

    fn placeholder(&self) -> &'static str {
        DEPARTMENT_PLACEHOLDER
    }

    /// The field messages in the order of the fields on the page, with each field's label,
    /// for the list above the form.
    fn error_summary(&self) -> Vec<(&'static str, &'static str, &str)> {
        const FIELDS: [(&str, &str); 7] = [
            ("name", "Name"),
            ("slug", "Slug"),
            ("kind", "Kind"),
            ("question", "Question"),
            ("touchpoint", "Touchpoint"),
            ("rated_department", "Rated department"),
            ("min_sample", "Minimum sample"),
        ];
        let mut summary: Vec<(usize, &'static str, &'static str, &str)> = self
            .errors
            .iter()
            .map(|(field, message)| {
                let position = FIELDS.iter().position(|(f, _)| *f == field);
                let label = position.map_or("Form", |i| FIELDS[i].1);
                (position.unwrap_or(FIELDS.len()), field, label, message)
            })
            .collect();
        summary.sort_by_key(|entry| entry.0);
        summary
            .into_iter()
            .map(|(_, field, label, message)| (field, label, message))
            .collect()
    }
}

async fn form_page(
    state: &AppState,
    caller: &Caller,
    path: &str,
    survey: Option<AdminSurvey>,
    form: SurveyForm,
    errors: FieldErrors,
) -> Result<SurveyFormPage, AppError> {
    let kind = match &survey {
        Some(survey) => SurveyKind::parse(&survey.kind),
        None => SurveyKind::parse(&form.kind),
    }
    .map_err(|_| AppError::NotFound)?;
    let (_, org_min_sample) = surveys::organisation_defaults(&state.pool).await?;
    let touchpoints = match kind {
        SurveyKind::Customer => {
            let current = survey.as_ref().and_then(|s| s.touchpoint_id);
            surveys::touchpoint_choices(&state.pool, current).await?
        }
        _ => Vec::new(),
    };
    let departments = match kind {
        SurveyKind::Internal => {
            let current = survey.as_ref().and_then(|s| s.rated_department_id);
            surveys::department_choices(&state.pool, current).await?
        }
        _ => Vec::new(),
    };
    let share = match &survey {
        Some(survey) => {
            let link = public_link(state, &survey.public_token);
            Some(Share {
                qr_svg: inline_svg(&qr_svg(&link)?).to_owned(),
                link,
            })
        }
        None => None,
    };
    Ok(SurveyFormPage {
        layout: Layout::for_caller(caller, path),
        survey,
        kind,
        form,
        errors,
        touchpoints,
        departments,
        org_min_sample,
        share,
        conflict: false,
        stale_action: false,
        notice: None,
    })
}

async fn survey_or_404(state: &AppState, id: &str) -> Result<AdminSurvey, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    surveys::get(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct EditQuery {
    saved: String,
}

async fn edit_form(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(query): Query<EditQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let survey = survey_or_404(&state, &id).await?;
    let form = SurveyForm::from_survey(&survey);
    let mut page = form_page(
        &state,
        &caller,
        uri.path(),
        Some(survey),
        form,
        FieldErrors::default(),
    )
    .await?;
    page.notice = match query.saved.as_str() {
        "created" => {
            Some("Survey created and open for answers. Share the link or the QR code below.")
        }
        "updated" => Some("Changes saved."),
        "closed" => {
            Some("Survey closed. Its link now thanks people and says it no longer takes answers.")
        }
        "reopened" => Some("Survey reopened: its link takes answers again."),
        "restored" => {
            Some("Survey brought back from the archive: it is listed again and its link works.")
        }
        _ => None,
    };
    render(&page)
}

async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    uri: Uri,
    Form(form): Form<SurveyForm>,
) -> Result<Response, AppError> {
    let outcome = service::create(&state.pool, &form, &caller.actor(ip)).await;
    match outcome {
        Ok(id) => Ok(Redirect::to(&format!("/admin/surveys/{id}?saved=created")).into_response()),
        Err(error) => refused(&state, &caller, uri.path(), None, form, error).await,
    }
}

async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<SurveyForm>,
) -> Result<Response, AppError> {
    let survey = survey_or_404(&state, &id).await?;
    let editing = Editing::of(&survey).ok_or(AppError::NotFound)?;
    match service::update(&state.pool, &editing, &form, &caller.actor(ip)).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/admin/surveys/{}?saved=updated", survey.id)).into_response(),
        ),
        Err(error) => refused(&state, &caller, uri.path(), Some(survey), form, error).await,
    }
}

/// A save that was refused: the form again with the person's input, field messages (422),
/// or, when someone else saved first, what they saved (409).
async fn refused(
    state: &AppState,
    caller: &Caller,
    path: &str,
    survey: Option<AdminSurvey>,
    mut form: SurveyForm,
    error: SaveError,
) -> Result<Response, AppError> {
    let (status, errors, survey) = match error {
        SaveError::Database(error) => return Err(error.into()),
        SaveError::NotFound => return Err(AppError::NotFound),
        SaveError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, survey),
        SaveError::Conflict | SaveError::Busy => {
            // Shown as the other person left it; the next save goes over it, once seen.
            let current = match &survey {
                Some(survey) => surveys::get(&state.pool, survey.id).await?,
                None => None,
            };
            let current = current.ok_or(AppError::NotFound)?;
            form.version = current.version.to_string();
            (StatusCode::CONFLICT, FieldErrors::default(), Some(current))
        }
    };
    if survey.is_none() && SurveyKind::parse(&form.kind).is_err() {
        // A new survey of no known kind: back to choosing one.
        let page = render(&KindChoicePage {
            layout: Layout::for_caller(caller, path),
            kinds: SurveyKind::ALL,
        })?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let conflict = status == StatusCode::CONFLICT;
    let mut page = form_page(state, caller, path, survey, form, errors).await?;
    page.conflict = conflict;
    Ok((status, render(&page)?).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseForm {
    version: String,
    /// "1" to close, "0" to reopen.
    close: String,
}

async fn close(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<CloseForm>,
) -> Result<Response, AppError> {
    let survey = survey_or_404(&state, &id).await?;
    let close = form.close == "1";
    let outcome = service::set_closed(
        &state.pool,
        survey.id,
        close,
        &form.version,
        &caller.actor(ip),
    )
    .await;
    let saved = if close { "closed" } else { "reopened" };
    state_change(&state, &caller, uri.path(), survey, outcome, saved).await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ArchiveForm {
    version: String,
    /// "1" to archive, "0" to bring back.
    archive: String,
}

async fn archive(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<ArchiveForm>,
) -> Result<Response, AppError> {
    let survey = survey_or_404(&state, &id).await?;
    let archive = form.archive == "1";
    let outcome = service::set_archived(
        &state.pool,
        survey.id,
        archive,
        &form.version,
        &caller.actor(ip),
    )
    .await;
    if archive && outcome.is_ok() {
        return Ok(Redirect::to("/admin/surveys?saved=archived").into_response());
    }
    state_change(&state, &caller, uri.path(), survey, outcome, "restored").await
}

/// After closing, reopening, archiving or restoring: back to the survey, or, if someone
/// else changed it meanwhile, the survey as it is now with a warning (409).
async fn state_change(
    state: &AppState,
    caller: &Caller,
    path: &str,
    survey: AdminSurvey,
    outcome: Result<(), SaveError>,
    saved: &str,
) -> Result<Response, AppError> {
    match outcome {
        Ok(()) => Ok(
            Redirect::to(&format!("/admin/surveys/{}?saved={saved}", survey.id)).into_response(),
        ),
        Err(SaveError::Database(error)) => Err(error.into()),
        Err(SaveError::NotFound) => Err(AppError::NotFound),
        Err(SaveError::Invalid(_) | SaveError::Conflict | SaveError::Busy) => {
            let current = survey_or_404(state, &survey.id.to_string()).await?;
            let form = SurveyForm::from_survey(&current);
            let mut page = form_page(
                state,
                caller,
                path,
                Some(current),
                form,
                FieldErrors::default(),
            )
            .await?;
            page.conflict = true;
            page.stale_action = true;
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
    }
}

/// The public link of a survey, from the configured public address (never the request's
/// Host header, which a client controls).
fn public_link(state: &AppState, token: &str) -> String {
    format!(
        "{}/s/{token}",
        state.settings.public_url.trim_end_matches('/')
    )
}

/// The QR code of `link` as an SVG document: dark modules of 8 × 8 units on white, with
/// the standard quiet zone of four modules around, so scanners find it when printed.
pub fn qr_svg(link: &str) -> Result<String, AppError> {
    let code = QrCode::new(link.as_bytes())
        .map_err(|error| AppError::Internal(anyhow::anyhow!("QR code of a link: {error}")))?;
    Ok(code
        .render::<svg::Color>()
        .module_dimensions(8, 8)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// An SVG document as markup to put inside a page (without its XML declaration).
fn inline_svg(document: &str) -> &str {
    document
        .find("<svg")
        .map_or(document, |start| &document[start..])
}

async fn qr_download(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let survey = survey_or_404(&state, &id).await?;
    let svg = qr_svg(&public_link(&state, &survey.public_token))?;
    let disposition = format!("attachment; filename=\"{}-qr.svg\"", survey.slug);
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        svg,
    )
        .into_response())
}

/// The public page as respondents see it, with a banner, and a form that cannot be sent.
async fn preview(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let survey = survey_or_404(&state, &id).await?;
    let (org_name, _) = surveys::organisation_defaults(&state.pool).await?;
    let departments = if survey.kind == "customer" {
        Vec::new()
    } else {
        crate::repo::surveys::respondent_departments(&state.pool).await?
    };
    let closed = survey.status != "open" || survey.archived;
    render(&SurveyPage {
        layout: Layout::anonymous(),
        token: survey.public_token.clone(),
        survey: PublicSurvey {
            id: survey.id,
            kind: survey.kind,
            name: survey.name,
            question: survey.question,
            touchpoint_id: survey.touchpoint_id,
            rated_department: survey.rated_department,
            closed,
            org_name,
        },
        departments,
        form: AnswerForm::default(),
        errors: FieldErrors::default(),
        max_comment: MAX_COMMENT_CHARS,
        preview: true,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_qr_code_is_an_svg_document_that_embeds_without_its_declaration() {
        let document = super::qr_svg("https://cx.example.com/s/abc").unwrap();
        assert!(document.starts_with("<?xml"));
        let inline = super::inline_svg(&document);
        assert!(inline.starts_with("<svg") && inline.ends_with("</svg>"));
        assert!(inline.contains("<path"));
    }
}
