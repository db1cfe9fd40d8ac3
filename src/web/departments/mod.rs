//! The departments: the list every signed-in person sees, and each department's page:
//! the scorecard every department shares, plus HR's, Finance's, Legal's or IT's panel.

mod channel;
mod comments;
mod finance;
mod hr;
mod kpis;
mod panel;

use axum::Extension;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Html;

use crate::domain::Role;
use crate::error::AppError;
use crate::repo;
use crate::repo::comments::Comment;
use crate::repo::departments::{self, DepartmentOverview, DepartmentProfile};
use crate::repo::organisation;
use crate::services::metrics::Share;
use crate::services::metrics::correlation::Strength;
use crate::services::metrics::objectives::ObjectiveView;
use crate::services::metrics::panels::theme_shares::Movement;
use crate::services::metrics::scorecard::Scorecard;
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::Caller;
use crate::web::extract::Path;
use crate::web::layout::Layout;
use crate::web::render;
use comments::comments_page;
use kpis::{kpi_page, record_kpi};
use panel::DepartmentPanel;

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
    /// What only HR, Finance, Legal or IT show, after the shared sections.
    pub panel: Option<DepartmentPanel>,
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
    let panel = panel::load(&state.pool, &department, today).await?;
    render(&DepartmentPage {
        layout: Layout::for_caller(&caller, uri.path()),
        department,
        scorecard,
        latest_comments,
        comment_count,
        is_own,
        can_edit,
        panel,
    })
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

    /// A share for people: "12.5 %", or a dash of nothing.
    fn share(&self, share: &Share) -> String {
        share
            .pct()
            .map_or_else(|| "—".to_owned(), |pct| format!("{pct:.1} %"))
    }

    /// A month for people, in ISO form: "2026-03".
    fn month(&self, first_day: &time::Date) -> String {
        format!("{}-{:02}", first_day.year(), u8::from(first_day.month()))
    }

    fn progress_pct(&self, objective: &ObjectiveView) -> i64 {
        objective
            .progress
            .map_or(0, |p| (p * 100.0).clamp(0.0, 100.0).round() as i64)
    }
}
