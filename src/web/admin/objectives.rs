//! `/admin/objectives`: org-wide objectives and the department objectives cascaded from
//! them, each with its live status; a warning when a target is smaller than the noise.

use axum::Extension;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::error::AppError;
use crate::repo::departments::{self, DepartmentChoice};
use crate::repo::objectives::{self, Choice, Objective};
use crate::services::editing::picked;
use crate::services::metrics::objectives::{ObjectiveView, evaluate_all};
use crate::services::objectives::{self as service, METRICS, ObjectiveForm, SaveError};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::admin::form::{ArchiveForm, Refusal};
use crate::web::caller::{Caller, ClientIp};
use crate::web::extract::{Form, Path, Query};
use crate::web::layout::Layout;
use crate::web::render;

pub fn routes() -> Routes {
    Routes::default()
        .get("/admin/objectives", Access::CxLead, list)
        .get("/admin/objectives/new", Access::CxLead, new_form)
        .post("/admin/objectives", Access::CxLead, create)
        .get("/admin/objectives/{id}", Access::CxLead, show)
        .post("/admin/objectives/{id}", Access::CxLead, update)
        .post("/admin/objectives/{id}/archive", Access::CxLead, archive)
}

/// An objective with its live evaluation (None when archived).
pub struct Row {
    pub objective: Objective,
    pub view: Option<ObjectiveView>,
}

impl Row {
    pub fn metric_label(&self) -> &'static str {
        service::metric_label(&self.objective.metric)
    }

    /// A value as this objective's metric is read: NPS signed, others plain.
    pub fn format(&self, value: impl std::borrow::Borrow<f64>) -> String {
        let value = *value.borrow();
        match self.objective.metric.as_str() {
            "nps" | "enps" | "internal-nps" => format!("{value:+.1}"),
            _ => format!("{value:.1}"),
        }
    }

    pub fn value_text(&self) -> String {
        self.view
            .as_ref()
            .and_then(|v| v.value)
            .map_or("—".to_owned(), |v| self.format(v))
    }

    /// Progress from baseline to target, in whole per cent, capped to 0–100 for the bar.
    pub fn progress_pct(&self) -> i64 {
        self.view
            .as_ref()
            .and_then(|v| v.progress)
            .map_or(0, |p| (p * 100.0).clamp(0.0, 100.0).round() as i64)
    }

    /// Status key and label ("not-enough-data" for archived ones).
    pub fn status(&self) -> (&'static str, &'static str) {
        self.view
            .as_ref()
            .map_or(("not-enough-data", "Archived"), |v| {
                (v.status.key(), v.status_label)
            })
    }
}

async fn rows(state: &AppState) -> Result<Vec<Row>, AppError> {
    let today = crate::repo::metrics::today(&state.pool).await?;
    let mut views = evaluate_all(&state.pool, today).await?;
    Ok(objectives::list(&state.pool)
        .await?
        .into_iter()
        .map(|objective| {
            let view = views
                .iter()
                .position(|v| v.id == objective.id)
                .map(|i| views.swap_remove(i));
            Row { objective, view }
        })
        .collect())
}

#[derive(askama::Template)]
#[template(path = "admin/objectives/index.html")]
pub struct ObjectivesPage {
    pub layout: Layout,
    pub rows: Vec<Row>,
    pub notice: Option<&'static str>,
}

impl ObjectivesPage {
    fn org_wide(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| !r.objective.archived && r.objective.owner_department_id.is_none())
            .collect()
    }

    fn children_of(&self, id: &Uuid) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| !r.objective.archived && r.objective.parent_id.as_ref() == Some(id))
            .collect()
    }

    /// Department objectives not shown under a live org-wide objective: their own, or
    /// cascaded from one since archived or given an owner.
    fn uncascaded(&self) -> Vec<&Row> {
        let org: Vec<Uuid> = self.org_wide().iter().map(|r| r.objective.id).collect();
        self.rows
            .iter()
            .filter(|r| {
                !r.objective.archived
                    && r.objective.owner_department_id.is_some()
                    && r.objective.parent_id.is_none_or(|p| !org.contains(&p))
            })
            .collect()
    }

    fn archived(&self) -> Vec<&Row> {
        self.rows.iter().filter(|r| r.objective.archived).collect()
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    saved: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<ListQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let notice = match query.saved.as_deref() {
        Some("archived") => {
            Some("Objective archived. Its history and recorded KPI values are kept.")
        }
        Some("restored") => Some("Objective restored."),
        _ => None,
    };
    render(&ObjectivesPage {
        layout: Layout::for_caller(&caller, uri.path()),
        rows: rows(&state).await?,
        notice,
    })
}

#[derive(askama::Template)]
#[template(path = "admin/objectives/form.html")]
pub struct ObjectivePage {
    pub layout: Layout,
    /// None when creating.
    pub row: Option<Row>,
    /// Cascaded objectives with their status (for an org-wide objective).
    pub children: Vec<Row>,
    /// The last 90 days' interval, when the target lies inside it.
    pub noise: Option<(f64, f64)>,
    pub form: ObjectiveForm,
    pub refusal: Refusal,
    pub parents: Vec<Choice>,
    pub departments: Vec<DepartmentChoice>,
    pub surveys: Vec<Choice>,
    pub touchpoints: Vec<Choice>,
    pub metrics: &'static [(&'static str, &'static str)],
    pub thing: &'static str,
    pub current_url: String,
    pub saved: bool,
}

async fn page_for(
    state: &AppState,
    caller: &Caller,
    path: &str,
    id: Option<Uuid>,
    form: Option<ObjectiveForm>,
    refusal: Refusal,
) -> Result<ObjectivePage, AppError> {
    let (row, children, noise) = match id {
        None => (None, Vec::new(), None),
        Some(id) => {
            let mut all = rows(state).await?;
            let index = all
                .iter()
                .position(|r| r.objective.id == id)
                .ok_or(AppError::NotFound)?;
            let row = all.swap_remove(index);
            let today = crate::repo::metrics::today(&state.pool).await?;
            let noise = if row.objective.archived {
                None
            } else {
                service::target_within_noise(&state.pool, &row.objective, today).await?
            };
            let children = all
                .into_iter()
                .filter(|r| r.objective.parent_id == Some(id) && !r.objective.archived)
                .collect();
            (Some(row), children, noise)
        }
    };
    let form = form.unwrap_or_else(|| match &row {
        Some(row) => ObjectiveForm::from_objective(&row.objective),
        None => ObjectiveForm {
            metric: "nps".into(),
            weight: "1".into(),
            ..ObjectiveForm::default()
        },
    });
    let keep = picked(&[
        &form.parent,
        &form.owner,
        &form.survey,
        &form.touchpoint,
        &form.scope_department,
    ]);
    Ok(ObjectivePage {
        layout: Layout::for_caller(caller, path),
        current_url: id.map_or("/admin/objectives".to_owned(), |id| {
            format!("/admin/objectives/{id}")
        }),
        row,
        children,
        noise,
        form,
        refusal,
        parents: objectives::parent_choices(&state.pool, &keep).await?,
        departments: departments::choices(&state.pool, &keep).await?,
        surveys: objectives::survey_choices(&state.pool, &keep).await?,
        touchpoints: objectives::touchpoint_choices(&state.pool, &keep).await?,
        metrics: &METRICS,
        thing: "objective",
        saved: false,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    parent: String,
}

async fn new_form(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<NewQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let form = ObjectiveForm {
        metric: "nps".into(),
        weight: "1".into(),
        parent: query.parent,
        ..ObjectiveForm::default()
    };
    render(
        &page_for(
            &state,
            &caller,
            uri.path(),
            None,
            Some(form),
            Refusal::default(),
        )
        .await?,
    )
}

fn objective_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ShowQuery {
    saved: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let id = objective_id(&id)?;
    let mut page = page_for(
        &state,
        &caller,
        uri.path(),
        Some(id),
        None,
        Refusal::default(),
    )
    .await?;
    page.saved = query.saved.is_some();
    render(&page)
}

async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    uri: Uri,
    Form(form): Form<ObjectiveForm>,
) -> Result<Response, AppError> {
    match service::create(&state.pool, &form, &caller.actor(ip)).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/objectives/{id}?saved=1")).into_response()),
        Err(error) => refused(&state, &caller, uri.path(), None, form, error).await,
    }
}

async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<ObjectiveForm>,
) -> Result<Response, AppError> {
    let id = objective_id(&id)?;
    match service::update(&state.pool, id, &form, &caller.actor(ip)).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/objectives/{id}?saved=1")).into_response()),
        Err(error) => refused(&state, &caller, uri.path(), Some(id), form, error).await,
    }
}

async fn refused(
    state: &AppState,
    caller: &Caller,
    path: &str,
    id: Option<Uuid>,
    mut form: ObjectiveForm,
    error: SaveError,
) -> Result<Response, AppError> {
    let refusal = Refusal::try_from(error)?;
    let conflict = refusal.conflict;
    let status = refusal.status();
    let mut page = page_for(state, caller, path, id, Some(form.clone()), refusal).await?;
    if conflict && let Some(row) = &page.row {
        // The next save goes over what is there now.
        form.version = row.objective.version.to_string();
        page.form = form;
    }
    Ok((status, render(&page)?).into_response())
}

async fn archive(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(archive): Form<ArchiveForm>,
) -> Result<Response, AppError> {
    let id = objective_id(&id)?;
    let archiving = archive.archiving();
    match crate::services::editing::set_archived::<service::ObjectiveRecord>(
        &state.pool,
        id,
        archiving,
        &archive.version,
        &caller.actor(ip),
    )
    .await
    {
        Ok(()) => {
            let saved = if archiving { "archived" } else { "restored" };
            Ok(Redirect::to(&format!("/admin/objectives?saved={saved}")).into_response())
        }
        Err(error) => {
            let refusal = Refusal::try_from(error)?;
            let status = refusal.status();
            let page = page_for(&state, &caller, uri.path(), Some(id), None, refusal).await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}
