//! Recording KPI values: the department's own head, or the CX lead.

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::repo::departments::DepartmentProfile;
use crate::repo::kpis::{KpiObjective, Measurement};
use crate::repo::{self, audit, departments};
use crate::services::kpis::{self, KpiForm, RecordError};
use crate::state::AppState;
use crate::web::caller::{Caller, ClientIp};
use crate::web::extract::{Form, Path, Query};
use crate::web::layout::Layout;
use crate::web::render;

#[derive(askama::Template)]
#[template(path = "departments/kpis.html")]
pub struct KpiPage {
    pub layout: Layout,
    pub department: DepartmentProfile,
    pub objectives: Vec<KpiObjective>,
    pub history: Vec<Measurement>,
    pub form: KpiForm,
    pub errors: FieldErrors,
    /// Set after a value was recorded (the page is shown again, ready for the next one).
    pub saved: bool,
}

impl KpiPage {
    pub fn history_of(&self, objective: &Uuid) -> Vec<&Measurement> {
        self.history
            .iter()
            .filter(|m| &m.objective_id == objective)
            .collect()
    }
}

#[derive(Deserialize, Default)]
pub(super) struct KpiQuery {
    objective: Option<String>,
    saved: Option<String>,
}

/// Record a KPI value (the department's own head, or the CX lead). `?objective=` may
/// preselect one of this department's objectives; any other id is ignored.
pub(super) async fn kpi_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(slug): Path<String>,
    Query(query): Query<KpiQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let form = KpiForm {
        objective: query.objective.unwrap_or_default(),
        ..KpiForm::default()
    };
    let page = kpi_page_for(
        &state,
        &caller,
        &slug,
        uri.path(),
        form,
        FieldErrors::default(),
        query.saved.is_some(),
    )
    .await?;
    render(&page)
}

pub(super) async fn record_kpi(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(slug): Path<String>,
    uri: Uri,
    Form(form): Form<KpiForm>,
) -> Result<Response, AppError> {
    let user = caller.user().ok_or(AppError::NotFound)?;
    let department = departments::profile(&state.pool, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = audit::Actor::User {
        id: user.id,
        ip: Some(ip),
    };
    match kpis::record(&state.pool, department.id, &form, &actor, user.id).await {
        Ok(()) => Ok(Redirect::to(&format!("/departments/{slug}/kpis?saved=1")).into_response()),
        Err(RecordError::Database(error)) => Err(error.into()),
        Err(RecordError::Invalid(errors)) => {
            let page =
                kpi_page_for(&state, &caller, &slug, uri.path(), form, errors, false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

async fn kpi_page_for(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    path: &str,
    mut form: KpiForm,
    errors: FieldErrors,
    saved: bool,
) -> Result<KpiPage, AppError> {
    let department = departments::profile(&state.pool, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let objectives = repo::kpis::objectives_of(&state.pool, department.id).await?;
    if !objectives
        .iter()
        .any(|o| o.id.to_string() == form.objective)
    {
        form.objective = objectives
            .first()
            .map(|o| o.id.to_string())
            .unwrap_or_default();
    }
    let history = repo::kpis::recent_measurements(&state.pool, department.id, 12).await?;
    Ok(KpiPage {
        layout: Layout::for_caller(caller, path),
        department,
        objectives,
        history,
        form,
        errors,
        saved,
    })
}
