//! `/admin/journey` and `/admin/touchpoints`: the customer journey's stages in order,
//! and its touchpoints with the department that owns each.

use axum::Extension;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::error::AppError;
use crate::repo::departments::{self, DepartmentChoice};
use crate::repo::journey::{self, Stage, Touchpoint};
use crate::services::editing::picked;
use crate::services::journey::{self as service, CHANNELS, SaveError, TouchpointForm};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::admin::form::{ArchiveForm, Refusal};
use crate::web::caller::{Caller, ClientIp};
use crate::web::extract::{Form, Path, Query};
use crate::web::layout::Layout;
use crate::web::render;

pub fn routes() -> Routes {
    Routes::default()
        .get("/admin/journey", Access::CxLead, journey_page)
        .post("/admin/journey/stages", Access::CxLead, create_stage)
        .post("/admin/journey/stages/{id}", Access::CxLead, rename_stage)
        .post(
            "/admin/journey/stages/{id}/move",
            Access::CxLead,
            move_stage,
        )
        .post(
            "/admin/journey/stages/{id}/delete",
            Access::CxLead,
            delete_stage,
        )
        .get("/admin/touchpoints/new", Access::CxLead, new_touchpoint)
        .post("/admin/touchpoints", Access::CxLead, create_touchpoint)
        .get("/admin/touchpoints/{id}", Access::CxLead, edit_touchpoint)
        .post("/admin/touchpoints/{id}", Access::CxLead, update_touchpoint)
        .post(
            "/admin/touchpoints/{id}/archive",
            Access::CxLead,
            archive_touchpoint,
        )
}

#[derive(askama::Template)]
#[template(path = "admin/journey/index.html")]
pub struct JourneyPage {
    pub layout: Layout,
    pub stages: Vec<Stage>,
    pub touchpoints: Vec<Touchpoint>,
    pub refusal: Refusal,
    /// The stage a refusal is about (None: the new-stage form).
    pub refused_stage: Option<Uuid>,
    /// What was typed into the refused stage form.
    pub typed_name: String,
    pub notice: Option<&'static str>,
}

impl JourneyPage {
    fn touchpoints_in(&self, stage: &Uuid) -> Vec<&Touchpoint> {
        self.touchpoints
            .iter()
            .filter(|t| &t.stage_id == stage)
            .collect()
    }

    fn channel_label(&self, channel: &str) -> &'static str {
        channel_label(channel)
    }

    fn refused_here(&self, stage: &Uuid) -> bool {
        self.refused_stage.as_ref() == Some(stage) && !self.refusal.errors.is_empty()
    }
}

fn channel_label(channel: &str) -> &'static str {
    CHANNELS
        .iter()
        .find(|(value, _)| *value == channel)
        .map_or("Other", |(_, label)| label)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct JourneyQuery {
    saved: Option<String>,
}

async fn journey_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<JourneyQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let notice = match query.saved.as_deref() {
        Some("stage") => Some("Journey saved."),
        Some("touchpoint") => Some("Touchpoint saved."),
        Some("archived") => Some("Touchpoint archived. Its surveys' responses are kept."),
        _ => None,
    };
    let page = journey_for(
        &state,
        &caller,
        uri.path(),
        Refusal::default(),
        None,
        String::new(),
    )
    .await?;
    render(&JourneyPage { notice, ..page })
}

async fn journey_for(
    state: &AppState,
    caller: &Caller,
    path: &str,
    refusal: Refusal,
    refused_stage: Option<Uuid>,
    typed_name: String,
) -> Result<JourneyPage, AppError> {
    Ok(JourneyPage {
        layout: Layout::for_caller(caller, path),
        stages: journey::stages(&state.pool).await?,
        touchpoints: journey::touchpoints(&state.pool).await?,
        refusal,
        refused_stage,
        typed_name,
        notice: None,
    })
}

/// After a stage change: back to the journey, or the journey with why not.
async fn stage_outcome(
    state: &AppState,
    caller: &Caller,
    path: &str,
    result: Result<(), SaveError>,
    stage: Option<Uuid>,
    typed_name: String,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to("/admin/journey?saved=stage").into_response()),
        Err(error) => {
            let refusal = Refusal::try_from(error)?;
            let status = refusal.status();
            let page = journey_for(state, caller, path, refusal, stage, typed_name).await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StageForm {
    stage_name: String,
    #[serde(default)]
    version: String,
}

async fn create_stage(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    uri: Uri,
    Form(form): Form<StageForm>,
) -> Result<Response, AppError> {
    let result = service::create_stage(&state.pool, &form.stage_name, &caller.actor(ip))
        .await
        .map(|_| ());
    stage_outcome(&state, &caller, uri.path(), result, None, form.stage_name).await
}

fn stage_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

async fn rename_stage(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<StageForm>,
) -> Result<Response, AppError> {
    let id = stage_id(&id)?;
    let result = service::rename_stage(
        &state.pool,
        id,
        &form.stage_name,
        &form.version,
        &caller.actor(ip),
    )
    .await;
    stage_outcome(
        &state,
        &caller,
        uri.path(),
        result,
        Some(id),
        form.stage_name,
    )
    .await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveForm {
    direction: String,
}

async fn move_stage(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    let id = stage_id(&id)?;
    let result =
        service::move_stage(&state.pool, id, form.direction == "up", &caller.actor(ip)).await;
    stage_outcome(&state, &caller, uri.path(), result, Some(id), String::new()).await
}

async fn delete_stage(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, AppError> {
    let id = stage_id(&id)?;
    let result = service::delete_stage(&state.pool, id, &caller.actor(ip)).await;
    stage_outcome(&state, &caller, uri.path(), result, Some(id), String::new()).await
}

#[derive(askama::Template)]
#[template(path = "admin/journey/touchpoint.html")]
pub struct TouchpointPage {
    pub layout: Layout,
    pub touchpoint: Option<Touchpoint>,
    pub form: TouchpointForm,
    pub refusal: Refusal,
    pub stages: Vec<Stage>,
    pub departments: Vec<DepartmentChoice>,
    pub channels: &'static [(&'static str, &'static str)],
    pub thing: &'static str,
    pub current_url: String,
}

async fn touchpoint_page(
    state: &AppState,
    caller: &Caller,
    path: &str,
    touchpoint: Option<Touchpoint>,
    form: TouchpointForm,
    refusal: Refusal,
) -> Result<TouchpointPage, AppError> {
    let departments = departments::choices(&state.pool, &picked(&[&form.owner])).await?;
    Ok(TouchpointPage {
        layout: Layout::for_caller(caller, path),
        current_url: touchpoint
            .as_ref()
            .map_or("/admin/journey".to_owned(), |t| {
                format!("/admin/touchpoints/{}", t.id)
            }),
        touchpoint,
        form,
        refusal,
        stages: journey::stages(&state.pool).await?,
        departments,
        channels: &CHANNELS,
        thing: "touchpoint",
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    stage: String,
}

async fn new_touchpoint(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<NewQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let form = TouchpointForm {
        stage: query.stage,
        channel: "digital".into(),
        ..TouchpointForm::default()
    };
    render(&touchpoint_page(&state, &caller, uri.path(), None, form, Refusal::default()).await?)
}

async fn touchpoint_or_404(state: &AppState, id: &str) -> Result<Touchpoint, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    journey::touchpoint(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn edit_touchpoint(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let touchpoint = touchpoint_or_404(&state, &id).await?;
    let form = TouchpointForm::from_touchpoint(&touchpoint);
    render(
        &touchpoint_page(
            &state,
            &caller,
            uri.path(),
            Some(touchpoint),
            form,
            Refusal::default(),
        )
        .await?,
    )
}

async fn create_touchpoint(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    uri: Uri,
    Form(form): Form<TouchpointForm>,
) -> Result<Response, AppError> {
    match service::create_touchpoint(&state.pool, &form, &caller.actor(ip)).await {
        Ok(_) => Ok(Redirect::to("/admin/journey?saved=touchpoint").into_response()),
        Err(error) => touchpoint_refused(&state, &caller, uri.path(), None, form, error).await,
    }
}

async fn update_touchpoint(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<TouchpointForm>,
) -> Result<Response, AppError> {
    let touchpoint = touchpoint_or_404(&state, &id).await?;
    match service::update_touchpoint(&state.pool, touchpoint.id, &form, &caller.actor(ip)).await {
        Ok(()) => Ok(Redirect::to("/admin/journey?saved=touchpoint").into_response()),
        Err(error) => {
            touchpoint_refused(&state, &caller, uri.path(), Some(touchpoint), form, error).await
        }
    }
}

async fn touchpoint_refused(
    state: &AppState,
    caller: &Caller,
    path: &str,
    touchpoint: Option<Touchpoint>,
    mut form: TouchpointForm,
    error: SaveError,
) -> Result<Response, AppError> {
    let refusal = Refusal::try_from(error)?;
    let touchpoint = match touchpoint {
        Some(t) if refusal.conflict => {
            let current = touchpoint_or_404(state, &t.id.to_string()).await?;
            form.version = current.version.to_string();
            Some(current)
        }
        other => other,
    };
    if let Some(t) = &touchpoint {
        form.slug = t.slug.clone();
    }
    let status = refusal.status();
    let page = touchpoint_page(state, caller, path, touchpoint, form, refusal).await?;
    Ok((status, render(&page)?).into_response())
}

async fn archive_touchpoint(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(archive): Form<ArchiveForm>,
) -> Result<Response, AppError> {
    let touchpoint = touchpoint_or_404(&state, &id).await?;
    let archiving = archive.archiving();
    match crate::services::editing::set_archived::<service::TouchpointRecord>(
        &state.pool,
        touchpoint.id,
        archiving,
        &archive.version,
        &caller.actor(ip),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(if archiving {
            "/admin/journey?saved=archived"
        } else {
            "/admin/journey?saved=touchpoint"
        })
        .into_response()),
        Err(error) => {
            let form = TouchpointForm::from_touchpoint(&touchpoint);
            touchpoint_refused(&state, &caller, uri.path(), Some(touchpoint), form, error).await
        }
    }
}
