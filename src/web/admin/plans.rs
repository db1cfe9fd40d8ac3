//! `/admin/plans`: incentive plans, their links to objectives with payout curves drawn
//! as SVG, and what each plan pays at today's values.

use axum::Extension;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::error::AppError;
use crate::repo::departments::{self, DepartmentChoice};
use crate::repo::objectives::Choice;
use crate::repo::plans::{self, Link, Plan};
use crate::services::editing::picked;
use crate::services::metrics::incentives::{self, PlanProjection};
use crate::services::metrics::objectives::{ObjectiveView, evaluate_all};
use crate::services::plans::{self as service, LinkForm, PlanForm, ROLES, SaveError};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::admin::form::{ArchiveForm, Refusal};
use crate::web::caller::{Caller, ClientIp};
use crate::web::charts::payout_curve::{self, PayoutCurve};
use crate::web::extract::{Form, Path, Query};
use crate::web::layout::Layout;
use crate::web::render;

pub fn routes() -> Routes {
    Routes::default()
        .get("/admin/plans", Access::CxLead, list)
        .get("/admin/plans/new", Access::CxLead, new_plan)
        .post("/admin/plans", Access::CxLead, create_plan)
        .get("/admin/plans/{id}", Access::CxLead, show)
        .post("/admin/plans/{id}", Access::CxLead, update_plan)
        .post("/admin/plans/{id}/archive", Access::CxLead, archive_plan)
        .post("/admin/plans/{id}/links", Access::CxLead, add_link)
        .get("/admin/plans/{id}/links/{link}", Access::CxLead, edit_link)
        .post(
            "/admin/plans/{id}/links/{link}",
            Access::CxLead,
            update_link,
        )
        .post(
            "/admin/plans/{id}/links/{link}/delete",
            Access::CxLead,
            delete_link,
        )
}

use crate::web::money;

#[derive(askama::Template)]
#[template(path = "admin/plans/index.html")]
pub struct PlansPage {
    pub layout: Layout,
    pub plans: Vec<(Plan, Option<PlanProjection>)>,
    pub notice: Option<&'static str>,
}

impl PlansPage {
    fn money(&self, amount: impl std::borrow::Borrow<f64>) -> String {
        money(*amount.borrow())
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
    let today = crate::repo::metrics::today(&state.pool).await?;
    let mut projections = incentives::project_all(&state.pool, today).await?;
    let plans = plans::list(&state.pool)
        .await?
        .into_iter()
        .map(|plan| {
            let projection = projections
                .iter()
                .position(|p| p.id == plan.id)
                .map(|i| projections.swap_remove(i));
            (plan, projection)
        })
        .collect();
    let notice = match query.saved.as_deref() {
        Some("archived") => Some("Plan archived. Its history is kept."),
        Some("restored") => Some("Plan restored."),
        _ => None,
    };
    render(&PlansPage {
        layout: Layout::for_caller(&caller, uri.path()),
        plans,
        notice,
    })
}

/// A link as the plan page shows it: the link, its projection and its curve.
pub struct LinkRow {
    pub link: Link,
    pub payout_pct: f64,
    pub value: Option<f64>,
    pub curve: PayoutCurve,
}

#[derive(askama::Template)]
#[template(path = "admin/plans/show.html")]
pub struct PlanPage {
    pub layout: Layout,
    /// None when creating.
    pub plan: Option<Plan>,
    pub projection: Option<PlanProjection>,
    pub links: Vec<LinkRow>,
    pub form: PlanForm,
    pub refusal: Refusal,
    /// The add-a-link form, with its preview and refusal.
    pub link_form: LinkForm,
    pub link_refusal: Refusal,
    pub link_preview: Option<PayoutCurve>,
    /// Where the link form posts: a new link, or the one being edited.
    pub link_action: String,
    pub departments: Vec<DepartmentChoice>,
    pub objectives: Vec<Choice>,
    pub roles: &'static [(&'static str, &'static str)],
    pub thing: &'static str,
    pub current_url: String,
}

impl PlanPage {
    fn money(&self, amount: impl std::borrow::Borrow<f64>) -> String {
        money(*amount.borrow())
    }
}

fn format_for(metric: &str) -> impl Fn(f64) -> String + use<> {
    let metric = metric.to_owned();
    move |v: f64| crate::web::metric_value(&metric, v)
}

/// Today's objective values and each plan's projection.
async fn today_values(
    state: &AppState,
) -> Result<(Vec<ObjectiveView>, Vec<PlanProjection>), AppError> {
    let today = crate::repo::metrics::today(&state.pool).await?;
    let views = evaluate_all(&state.pool, today).await?;
    let projections =
        incentives::project(crate::repo::metrics::plan_links(&state.pool).await?, &views);
    Ok((views, projections))
}

/// A curve for `form` (typed or stored), marked with the objective's value today.
fn preview(form: &LinkForm, views: &[ObjectiveView], id: &str) -> Option<PayoutCurve> {
    let curve = form.curve()?;
    let view = Uuid::parse_str(&form.objective)
        .ok()
        .and_then(|id| views.iter().find(|v| v.id == id));
    let metric = view.map_or("kpi", |v| v.metric.as_str());
    let now = view.and_then(|v| v.value);
    let paid = view.and_then(|v| incentives::paid_on(&curve, form.requires_confidence == "1", v));
    Some(payout_curve::draw(
        id,
        &curve,
        now,
        paid,
        format_for(metric),
    ))
}

async fn plan_page(
    state: &AppState,
    caller: &Caller,
    path: &str,
    id: Option<Uuid>,
) -> Result<PlanPage, AppError> {
    let (plan, projection, links) = match id {
        None => (None, None, Vec::new()),
        Some(id) => {
            let plan = plans::get(&state.pool, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let (views, projections) = today_values(state).await?;
            let projection = projections.into_iter().find(|p| p.id == id);
            let links = plans::links(&state.pool, id)
                .await?
                .into_iter()
                .filter_map(|link| {
                    let projected = projection
                        .as_ref()
                        .and_then(|p| p.links.iter().find(|l| l.objective_id == link.objective_id));
                    let curve = preview(
                        &LinkForm::from_link(&link),
                        &views,
                        &format!("curve-{}", link.id),
                    )?;
                    Some(LinkRow {
                        payout_pct: projected.map_or(0.0, |l| l.payout_pct),
                        value: projected.and_then(|l| l.value),
                        curve,
                        link,
                    })
                })
                .collect();
            (Some(plan), projection, links)
        }
    };
    let form = plan.as_ref().map(PlanForm::from_plan).unwrap_or_default();
    let linked: Vec<Uuid> = links
        .iter()
        .map(|l: &LinkRow| l.link.objective_id)
        .collect();
    let departments = departments::choices(&state.pool, &picked(&[&form.department])).await?;
    let objectives = plans::objective_choices(&state.pool, &linked).await?;
    Ok(PlanPage {
        layout: Layout::for_caller(caller, path),
        current_url: id.map_or("/admin/plans".to_owned(), |id| format!("/admin/plans/{id}")),
        form,
        plan,
        projection,
        links,
        refusal: Refusal::default(),
        link_form: LinkForm {
            threshold_payout: "50".into(),
            stretch_payout: "150".into(),
            ..LinkForm::default()
        },
        link_refusal: Refusal::default(),
        link_preview: None,
        link_action: id.map_or(String::new(), |id| format!("/admin/plans/{id}/links")),
        departments,
        objectives,
        roles: &ROLES,
        thing: "plan",
    })
}

fn plan_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

async fn new_plan(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let mut page = plan_page(&state, &caller, uri.path(), None).await?;
    page.form.role = "department-head".into();
    render(&page)
}

async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    render(&plan_page(&state, &caller, uri.path(), Some(plan_id(&id)?)).await?)
}

async fn create_plan(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    uri: Uri,
    Form(form): Form<PlanForm>,
) -> Result<Response, AppError> {
    match service::create_plan(&state.pool, &form, &caller.actor(ip)).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/plans/{id}")).into_response()),
        Err(error) => plan_refused(&state, &caller, uri.path(), None, form, error).await,
    }
}

async fn update_plan(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<PlanForm>,
) -> Result<Response, AppError> {
    let id = plan_id(&id)?;
    match service::update_plan(&state.pool, id, &form, &caller.actor(ip)).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/plans/{id}")).into_response()),
        Err(error) => plan_refused(&state, &caller, uri.path(), Some(id), form, error).await,
    }
}

async fn plan_refused(
    state: &AppState,
    caller: &Caller,
    path: &str,
    id: Option<Uuid>,
    mut form: PlanForm,
    error: SaveError,
) -> Result<Response, AppError> {
    let refusal = Refusal::try_from(error)?;
    let mut page = plan_page(state, caller, path, id).await?;
    if refusal.conflict {
        form.version = page.form.version.clone();
    }
    page.form = form;
    let status = refusal.status();
    page.refusal = refusal;
    Ok((status, render(&page)?).into_response())
}

async fn archive_plan(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(archive): Form<ArchiveForm>,
) -> Result<Response, AppError> {
    let id = plan_id(&id)?;
    let archiving = archive.archiving();
    match crate::services::editing::set_archived::<service::PlanRecord>(
        &state.pool,
        id,
        archiving,
        &archive.version,
        &caller.actor(ip),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to(if archiving {
            "/admin/plans?saved=archived"
        } else {
            "/admin/plans?saved=restored"
        })
        .into_response()),
        Err(error) => {
            let form = plans::get(&state.pool, id)
                .await?
                .map(|p| PlanForm::from_plan(&p))
                .unwrap_or_default();
            plan_refused(&state, &caller, uri.path(), Some(id), form, error).await
        }
    }
}

/// Saves a link, or shows its curve as typed (preview), or the form again with why not.
async fn link_outcome(
    state: &AppState,
    caller: &Caller,
    ip: std::net::IpAddr,
    path: &str,
    plan: Uuid,
    link: Option<Uuid>,
    mut form: LinkForm,
) -> Result<Response, AppError> {
    let refusal = if form.wants_preview() {
        Refusal::default()
    } else {
        match service::save_link(&state.pool, plan, link, &form, &caller.actor(ip)).await {
            Ok(()) => return Ok(Redirect::to(&format!("/admin/plans/{plan}")).into_response()),
            Err(error) => Refusal::try_from(error)?,
        }
    };
    let (views, _) = today_values(state).await?;
    let mut page = match link {
        None => plan_page(state, caller, path, Some(plan)).await?,
        Some(link) => link_page(state, caller, path, plan, link).await?,
    };
    page.link_preview = preview(&form, &views, "curve-preview");
    if refusal.conflict {
        // The next save goes over what is there now, once the person has seen it.
        form.version = page.link_form.version.clone();
    }
    page.link_form = form;
    let status = refusal.status();
    page.link_refusal = refusal;
    Ok((status, render(&page)?).into_response())
}

async fn add_link(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    uri: Uri,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    link_outcome(&state, &caller, ip, uri.path(), plan_id(&id)?, None, form).await
}

/// The plan page with one link's form open for editing.
async fn link_page(
    state: &AppState,
    caller: &Caller,
    path: &str,
    plan: Uuid,
    link: Uuid,
) -> Result<PlanPage, AppError> {
    let mut page = plan_page(state, caller, path, Some(plan)).await?;
    let row = page
        .links
        .iter()
        .find(|l| l.link.id == link)
        .ok_or(AppError::NotFound)?;
    page.link_form = LinkForm::from_link(&row.link);
    page.link_preview = Some(row.curve.clone());
    page.link_action = format!("/admin/plans/{plan}/links/{link}");
    Ok(page)
}

async fn edit_link(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, link)): Path<(String, String)>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let link = plan_id(&link)?;
    render(&link_page(&state, &caller, uri.path(), plan_id(&id)?, link).await?)
}

async fn update_link(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path((id, link)): Path<(String, String)>,
    uri: Uri,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    let link = plan_id(&link)?;
    link_outcome(
        &state,
        &caller,
        ip,
        uri.path(),
        plan_id(&id)?,
        Some(link),
        form,
    )
    .await
}

async fn delete_link(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path((id, link)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let plan = plan_id(&id)?;
    match service::remove_link(&state.pool, plan, plan_id(&link)?, &caller.actor(ip)).await {
        Err(SaveError::Database(error)) => Err(error.into()),
        // Removed, or already gone: either way the plan is shown as it is.
        _ => Ok(Redirect::to(&format!("/admin/plans/{plan}")).into_response()),
    }
}
