//! The departments: the list every signed-in person sees, and each department's page.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Html;

use crate::error::AppError;
use crate::repo::departments::{self, DepartmentOverview, DepartmentProfile};
use crate::repo::organisation;
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::Caller;
use crate::web::layout::Layout;
use crate::web::render;

pub fn routes() -> Routes {
    Routes::default()
        .get("/departments", Access::SignedIn, list)
        .get("/departments/{slug}", Access::SignedIn, show)
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
    /// The viewer heads this department (their own scorecard).
    pub is_own: bool,
}

async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(slug): Path<String>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let department = departments::profile(&state.pool, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let is_own = caller
        .user()
        .and_then(|u| u.department.as_ref())
        .is_some_and(|d| d.id == department.id);
    render(&DepartmentPage {
        layout: Layout::for_caller(&caller, uri.path()),
        department,
        is_own,
    })
}
