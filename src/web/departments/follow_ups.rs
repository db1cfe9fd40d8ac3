//! The closed loop: a department's follow-ups of its detractors, readable by everyone
//! signed in, worked by the department's head or the CX lead.

use axum::Extension;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::Role;
use crate::error::AppError;
use crate::repo::audit;
use crate::repo::departments::{self, DepartmentProfile};
use crate::repo::follow_ups::{self, Cursor, FollowUp, LoopSummary, Show};
use crate::services::follow_ups::{self as working, FollowUpForm, STATUSES};
use crate::state::AppState;
use crate::web::admin::form::Refusal;
use crate::web::caller::{Caller, ClientIp};
use crate::web::extract::{Form, Path, Query};
use crate::web::layout::Layout;
use crate::web::render;

const PER_PAGE: i64 = 50;

#[derive(askama::Template)]
#[template(path = "departments/follow_ups.html")]
pub struct FollowUpsPage {
    pub layout: Layout,
    pub department: DepartmentProfile,
    pub summary: LoopSummary,
    pub follow_ups: Vec<FollowUp>,
    pub show: Show,
    pub can_edit: bool,
    /// Set after a follow-up was saved.
    pub saved: bool,
    /// The link to the next page, when there is one.
    pub next: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ListQuery {
    show: String,
    /// The last follow-up seen: `<unix microseconds>.<id>`.
    after: String,
    saved: String,
}

/// May the caller work this department's follow-ups?
fn can_edit(caller: &Caller, department: &DepartmentProfile) -> bool {
    caller.user().is_some_and(|user| {
        user.role == Role::CxLead
            || user
                .department
                .as_ref()
                .is_some_and(|d| d.id == department.id)
    })
}

async fn department(state: &AppState, slug: &str) -> Result<DepartmentProfile, AppError> {
    departments::profile(&state.pool, slug)
        .await?
        .ok_or(AppError::NotFound)
}

pub(super) async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(slug): Path<String>,
    Query(query): Query<ListQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let department = department(&state, &slug).await?;
    let show = Show::parse(&query.show).unwrap_or(Show::ToDo);
    let mut follow_ups = follow_ups::page(
        &state.pool,
        department.id,
        show,
        super::cursor::decode(&query.after).map(|(created_at, id)| Cursor { created_at, id }),
        PER_PAGE + 1,
    )
    .await?;
    let next = (follow_ups.len() as i64 > PER_PAGE).then(|| {
        follow_ups.truncate(PER_PAGE as usize);
        let last = follow_ups.last().expect("a full page");
        format!(
            "/departments/{slug}/follow-ups?show={}&after={}",
            show.key(),
            super::cursor::encode(last.created_at, last.id)
        )
    });
    render(&FollowUpsPage {
        layout: Layout::for_caller(&caller, uri.path()),
        summary: follow_ups::summary(&state.pool, department.id).await?,
        can_edit: can_edit(&caller, &department),
        department,
        follow_ups,
        show,
        saved: !query.saved.is_empty(),
        next,
    })
}

#[derive(askama::Template)]
#[template(path = "departments/follow_up.html")]
pub struct FollowUpPage {
    pub layout: Layout,
    pub department: DepartmentProfile,
    pub follow_up: FollowUp,
    pub form: FollowUpForm,
    pub refusal: Refusal,
    pub can_edit: bool,
    pub thing: &'static str,
    pub current_url: String,
    pub statuses: [(&'static str, &'static str); 3],
}

async fn follow_up_page(
    state: &AppState,
    caller: &Caller,
    slug: &str,
    id: &str,
    form: Option<FollowUpForm>,
    refusal: Refusal,
) -> Result<FollowUpPage, AppError> {
    let department = department(state, slug).await?;
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    let follow_up = follow_ups::one(&state.pool, department.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let path = format!("/departments/{slug}/follow-ups/{id}");
    Ok(FollowUpPage {
        layout: Layout::for_caller(caller, &path),
        can_edit: can_edit(caller, &department),
        form: form.unwrap_or_else(|| FollowUpForm::from_follow_up(&follow_up)),
        department,
        follow_up,
        refusal,
        thing: "follow-up",
        current_url: path,
        statuses: STATUSES,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Html<String>, AppError> {
    render(&follow_up_page(&state, &caller, &slug, &id, None, Refusal::default()).await?)
}

/// Saves a follow-up's new state, then goes back to the department's list; a refused
/// save shows the follow-up again with the input kept.
pub(super) async fn change(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path((slug, id)): Path<(String, String)>,
    Form(form): Form<FollowUpForm>,
) -> Result<Response, AppError> {
    let user = caller.user().ok_or(AppError::NotFound)?;
    let department = department(&state, &slug).await?;
    let follow_up = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let actor = audit::Actor::User {
        id: user.id,
        ip: Some(ip),
    };
    match working::change(
        &state.pool,
        department.id,
        follow_up,
        &form,
        user.id,
        &actor,
    )
    .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/departments/{slug}/follow-ups?saved=1")).into_response())
        }
        Err(error) => {
            let refusal = Refusal::try_from(error)?;
            let status = refusal.status();
            let page = follow_up_page(&state, &caller, &slug, &id, Some(form), refusal).await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}
