//! The departments: the list every signed-in person sees, and each department's page.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::{FieldErrors, Role};
use crate::repo::kpis::{KpiObjective, Measurement};
use crate::repo::{self, audit};
use crate::services::kpis::{self, KpiForm, RecordError};
use crate::web::caller::ClientIp;
use axum::http::Uri;
use axum::response::Html;

use crate::error::AppError;
use crate::repo::comments::{Comment, Cursor};
use crate::repo::departments::{self, DepartmentOverview, DepartmentProfile};
use crate::repo::organisation;
use crate::services::metrics::objectives::ObjectiveView;
use crate::services::metrics::scorecard::Scorecard;
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::Caller;
use crate::web::extract::{Form, Path, Query};
use crate::web::layout::Layout;
use crate::web::render;

pub fn routes() -> Routes {
    Routes::default()
        .get("/departments", Access::SignedIn, list)
        .get("/departments/{slug}", Access::SignedIn, show)
        .get(
            "/departments/{slug}/comments",
            Access::SignedIn,
            comments_page,
        )
        .get(
            "/departments/{slug}/kpis",
            Access::DepartmentEditor,
            kpi_page,
        )
        .post(
            "/departments/{slug}/kpis",
            Access::DepartmentEditor,
            record_kpi,
        )
}

#[derive(askama::Template)]
#[template(path = "departments/index.html")]
pub struct DepartmentsPage {
    pub layout: Layout,
    /// The organisation's name; None until the organisation is set up.
    pub org_name: Option<String>,
    pub departments: Vec<DepartmentOverview>,
}

async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let org_name = organisation::name(&state.pool).await?;
    let departments = departments::overview(&state.pool).await?;
    render(&DepartmentsPage {
        layout: Layout::for_caller(&caller, uri.path()),
        org_name,
        departments,
    })
}

#[derive(askama::Template)]
#[template(path = "departments/show.html")]
pub struct DepartmentPage {
    pub layout: Layout,
    pub department: DepartmentProfile,
    pub scorecard: Scorecard,
    /// The newest detractor and passive comments attributed to it, and how many there are.
    pub latest_comments: Vec<Comment>,
    pub comment_count: i64,
    /// The viewer heads this department (their own scorecard).
    pub is_own: bool,
    /// The viewer may record this department's KPI values.
    pub can_edit: bool,
}

async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(slug): Path<String>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let today = crate::repo::metrics::today(&state.pool).await?;
    let scorecard = crate::services::metrics::scorecard::load(&state.pool, &slug, today)
        .await?
        .ok_or(AppError::NotFound)?;
    let department = scorecard.department.clone();
    let latest_comments =
        repo::comments::page(&state.pool, department.id, None, None, None, 5).await?;
    let comment_count = repo::comments::count(&state.pool, department.id, None, None).await?;
    let is_own = caller
        .user()
        .and_then(|u| u.department.as_ref())
        .is_some_and(|d| d.id == department.id);
    let can_edit = is_own || caller.user().is_some_and(|u| u.role == Role::CxLead);
    render(&DepartmentPage {
        layout: Layout::for_caller(&caller, uri.path()),
        department,
        scorecard,
        latest_comments,
        comment_count,
        is_own,
        can_edit,
    })
}

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

/// A number however a template holds it (by value or behind references).
pub trait Number {
    fn get(&self) -> f64;
}

impl Number for f64 {
    fn get(&self) -> f64 {
        *self
    }
}

impl<T: Number + ?Sized> Number for &T {
    fn get(&self) -> f64 {
        (**self).get()
    }
}

impl DepartmentPage {
    fn money(&self, amount: impl Number) -> String {
        crate::web::money(amount.get())
    }

    /// An NPS for people: signed, one decimal.
    fn nps(&self, value: impl Number) -> String {
        format!("{:+.1}", value.get())
    }

    /// An objective's value as its metric is read.
    fn value(&self, objective: &ObjectiveView, value: impl Number) -> String {
        match objective.metric.as_str() {
            "nps" | "enps" | "internal-nps" => format!("{:+.1}", value.get()),
            _ => format!("{:.1}", value.get()),
        }
    }

    fn progress_pct(&self, objective: &ObjectiveView) -> i64 {
        objective
            .progress
            .map_or(0, |p| (p * 100.0).clamp(0.0, 100.0).round() as i64)
    }
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
struct KpiQuery {
    objective: Option<String>,
    saved: Option<String>,
}

/// Record a KPI value (the department's own head, or the CX lead). `?objective=` may
/// preselect one of this department's objectives; any other id is ignored.
async fn kpi_page(
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

async fn record_kpi(
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

#[derive(askama::Template)]
#[template(path = "departments/comments.html")]
pub struct CommentsPage {
    pub layout: Layout,
    pub department: DepartmentProfile,
    pub comments: Vec<Comment>,
    pub total: i64,
    pub themes: Vec<(Uuid, String)>,
    pub query: CommentsQuery,
    /// The link to the next (older) page, when there is one.
    pub older: Option<String>,
}

/// The comment list's filters and position, all in the query string (shareable).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CommentsQuery {
    /// A theme's id, or empty for all.
    pub theme: String,
    /// `detractors`, `passives`, or empty for both.
    pub kind: String,
    /// The cursor of the last comment seen: `<unix microseconds>.<id>`.
    pub after: String,
}

const COMMENTS_PER_PAGE: i64 = 50;

fn parse_cursor(raw: &str) -> Option<Cursor> {
    let (micros, id) = raw.split_once('.')?;
    let micros: i128 = micros.parse().ok()?;
    Some(Cursor {
        submitted_at: time::OffsetDateTime::from_unix_timestamp_nanos(micros * 1000).ok()?,
        id: id.parse().ok()?,
    })
}

/// Every detractor and passive comment attributed to the department, newest first,
/// 50 a page, filterable by theme.
async fn comments_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(slug): Path<String>,
    Query(query): Query<CommentsQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let department = departments::profile(&state.pool, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let themes = repo::comments::themes(&state.pool, department.id).await?;
    let theme = Uuid::parse_str(&query.theme)
        .ok()
        .filter(|id| themes.iter().any(|(t, _)| t == id));
    let detractors = match query.kind.as_str() {
        "detractors" => Some(true),
        "passives" => Some(false),
        _ => None,
    };
    let mut comments = repo::comments::page(
        &state.pool,
        department.id,
        theme,
        detractors,
        parse_cursor(&query.after),
        COMMENTS_PER_PAGE + 1,
    )
    .await?;
    let older = (comments.len() as i64 > COMMENTS_PER_PAGE).then(|| {
        comments.truncate(COMMENTS_PER_PAGE as usize);
        let last = comments.last().expect("a full page");
        let cursor = format!(
            "{}.{}",
            last.submitted_at.unix_timestamp_nanos() / 1000,
            last.id
        );
        let kind = match detractors {
            Some(true) => "detractors",
            Some(false) => "passives",
            None => "",
        };
        let theme = theme.map(|t| t.to_string()).unwrap_or_default();
        format!("/departments/{slug}/comments?theme={theme}&kind={kind}&after={cursor}")
    });
    let total = repo::comments::count(&state.pool, department.id, theme, detractors).await?;
    render(&CommentsPage {
        layout: Layout::for_caller(&caller, uri.path()),
        department,
        comments,
        total,
        themes,
        query,
        older,
    })
}
