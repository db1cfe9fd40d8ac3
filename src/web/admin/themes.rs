//! `/admin/themes`: the CX lead's themes (keywords → owner department), with a preview
//! of what new keywords would tag before saving, and the progress of re-tagging past
//! comments after a change.

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::domain::{FieldErrors, Keywords};
use crate::error::AppError;
use crate::repo::departments::{self, DepartmentChoice};
use crate::repo::themes::{self, RetagJob, Theme};
use crate::services::editing::picked;
use crate::services::themes::{self as service, PREVIEW_COMMENTS, Preview, SaveError, ThemeForm};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::admin::form::ArchiveForm;
use crate::web::caller::{Caller, ClientIp};
use crate::web::extract::{Form, Path, Query};
use crate::web::layout::Layout;
use crate::web::render;

pub fn routes() -> Routes {
    Routes::default()
        .get("/admin/themes", Access::CxLead, list)
        .get("/admin/themes/new", Access::CxLead, new_form)
        .post("/admin/themes", Access::CxLead, create)
        .get("/admin/themes/{id}", Access::CxLead, edit_form)
        .post("/admin/themes/{id}", Access::CxLead, update)
        .post("/admin/themes/{id}/archive", Access::CxLead, archive)
}

/// A theme in the list, with what it tags among recent comments and its re-tagging.
pub struct ThemeRow {
    pub theme: Theme,
    pub recent: usize,
    pub job: Option<RetagJob>,
}

#[derive(askama::Template)]
#[template(path = "admin/themes/index.html")]
pub struct ThemesPage {
    pub layout: Layout,
    pub rows: Vec<ThemeRow>,
    pub recent_comments: usize,
    /// Some re-tagging is under way: the page refreshes itself to show progress.
    pub working: bool,
    pub notice: Option<&'static str>,
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    saved: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<ListQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let comments = themes::recent_comments(&state.pool, PREVIEW_COMMENTS).await?;
    let mut jobs = themes::latest_jobs(&state.pool).await?;
    let rows: Vec<ThemeRow> = themes::list(&state.pool)
        .await?
        .into_iter()
        .map(|theme| {
            let recent = Keywords::from_list(&theme.keywords)
                .map(|k| Preview::of(&k, &comments).matched)
                .unwrap_or(0);
            let job = jobs
                .iter()
                .position(|j| j.theme_id == theme.id)
                .map(|i| jobs.swap_remove(i));
            ThemeRow { theme, recent, job }
        })
        .collect();
    let notice = match query.saved.as_deref() {
        Some("created") => Some("Theme created. Past comments are being tagged in the background."),
        Some("updated") => Some(
            "Theme saved. If its keywords changed, past comments are being re-tagged in the background.",
        ),
        Some("archived") => Some(
            "Theme archived. Its tags are being removed in the background; the comments themselves are kept.",
        ),
        Some("restored") => {
            Some("Theme restored. Past comments are being tagged again in the background.")
        }
        _ => None,
    };
    render(&ThemesPage {
        layout: Layout::for_caller(&caller, uri.path()),
        working: rows
            .iter()
            .any(|r| r.job.as_ref().is_some_and(RetagJob::is_pending)),
        rows,
        recent_comments: comments.len(),
        notice,
    })
}

#[derive(askama::Template)]
#[template(path = "admin/themes/form.html")]
pub struct ThemeFormPage {
    pub layout: Layout,
    /// None when creating.
    pub theme: Option<Theme>,
    pub form: ThemeForm,
    pub errors: FieldErrors,
    pub departments: Vec<DepartmentChoice>,
    pub preview: Option<Preview>,
    /// Someone else saved the theme meanwhile: what they saved, to compare.
    pub conflict: bool,
    /// Responses were being stored; nothing was saved, try again shortly.
    pub busy: bool,
}

impl ThemeFormPage {
    fn action(&self) -> String {
        match &self.theme {
            Some(theme) => format!("/admin/themes/{}", theme.id),
            None => "/admin/themes".to_owned(),
        }
    }
}

async fn form_page(
    state: &AppState,
    caller: &Caller,
    path: &str,
    theme: Option<Theme>,
    form: ThemeForm,
    errors: FieldErrors,
) -> Result<ThemeFormPage, AppError> {
    let departments = departments::choices(&state.pool, &picked(&[&form.owner])).await?;
    Ok(ThemeFormPage {
        layout: Layout::for_caller(caller, path),
        theme,
        form,
        errors,
        departments,
        preview: None,
        conflict: false,
        busy: false,
    })
}

async fn new_form(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let page = form_page(
        &state,
        &caller,
        uri.path(),
        None,
        ThemeForm::default(),
        FieldErrors::default(),
    )
    .await?;
    render(&page)
}

async fn theme_or_404(state: &AppState, id: &str) -> Result<Theme, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    themes::get(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn edit_form(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let theme = theme_or_404(&state, &id).await?;
    let form = ThemeForm::from_theme(&theme);
    let page = form_page(
        &state,
        &caller,
        uri.path(),
        Some(theme),
        form,
        FieldErrors::default(),
    )
    .await?;
    render(&page)
}

async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    uri: Uri,
    Form(form): Form<ThemeForm>,
) -> Result<Response, AppError> {
    save(&state, &caller, ip, uri.path(), None, form).await
}

async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<ThemeForm>,
) -> Result<Response, AppError> {
    let theme = theme_or_404(&state, &id).await?;
    save(&state, &caller, ip, uri.path(), Some(theme), form).await
}

/// Previews or saves; a refused save shows the form again with the input kept.
async fn save(
    state: &AppState,
    caller: &Caller,
    ip: std::net::IpAddr,
    path: &str,
    theme: Option<Theme>,
    form: ThemeForm,
) -> Result<Response, AppError> {
    let actor = caller.actor(ip);
    let outcome = if form.wants_preview() {
        // Validation without saving: the preview shows next to any field errors.
        Err(match service::validate(&state.pool, &form).await {
            Ok(_) => SaveError::Invalid(FieldErrors::default()),
            Err(error) => error,
        })
    } else {
        match &theme {
            None => service::create(&state.pool, &form, &actor)
                .await
                .map(|_| "created"),
            Some(theme) => service::update(&state.pool, theme.id, &form, &actor)
                .await
                .map(|()| "updated"),
        }
    };
    let (status, errors, conflict, busy) = match outcome {
        Ok(saved) => {
            return Ok(Redirect::to(&format!("/admin/themes?saved={saved}")).into_response());
        }
        Err(SaveError::Database(error)) => return Err(error.into()),
        Err(SaveError::NotFound) => return Err(AppError::NotFound),
        Err(SaveError::Invalid(errors)) if errors.is_empty() => {
            (StatusCode::OK, errors, false, false)
        }
        Err(SaveError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors, false, false),
        Err(SaveError::Conflict) => (StatusCode::CONFLICT, FieldErrors::default(), true, false),
        Err(SaveError::Busy) => (
            StatusCode::SERVICE_UNAVAILABLE,
            FieldErrors::default(),
            false,
            true,
        ),
    };
    // Shown again: on a conflict, the theme as the other person saved it.
    let theme = match theme {
        Some(theme) if conflict => themes::get(&state.pool, theme.id).await?,
        other => other,
    };
    let mut page = form_page(state, caller, path, theme, form, errors).await?;
    page.conflict = conflict;
    page.busy = busy;
    if let Ok(keywords) = Keywords::parse(&page.form.keywords) {
        let comments = themes::recent_comments(&state.pool, PREVIEW_COMMENTS).await?;
        page.preview = Some(Preview::of(&keywords, &comments));
    }
    if conflict && let Some(theme) = &page.theme {
        // The next save goes over what is there now, once the person has seen it.
        page.form.version = theme.version.to_string();
    }
    Ok((status, render(&page)?).into_response())
}

async fn archive(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<ArchiveForm>,
) -> Result<Response, AppError> {
    let theme = theme_or_404(&state, &id).await?;
    let archive = form.archiving();
    match service::set_archived(
        &state.pool,
        theme.id,
        archive,
        &form.version,
        &caller.actor(ip),
    )
    .await
    {
        Ok(()) => {
            let saved = if archive { "archived" } else { "restored" };
            Ok(Redirect::to(&format!("/admin/themes?saved={saved}")).into_response())
        }
        Err(SaveError::Database(error)) => Err(error.into()),
        Err(SaveError::NotFound) => Err(AppError::NotFound),
        Err(error @ (SaveError::Invalid(_) | SaveError::Conflict | SaveError::Busy)) => {
            let busy = matches!(error, SaveError::Busy);
            let theme = theme_or_404(&state, &id).await?;
            let form = ThemeForm::from_theme(&theme);
            let mut page = form_page(
                &state,
                &caller,
                uri.path(),
                Some(theme),
                form,
                FieldErrors::default(),
            )
            .await?;
            page.conflict = !busy;
            page.busy = busy;
            let status = if busy {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::CONFLICT
            };
            Ok((status, render(&page)?).into_response())
        }
    }
}
