//! The CX lead's pages: the programme overview and the audit log.

mod audit;
mod departments;
mod form;
mod imports;
mod journey;
mod objectives;
mod plans;
mod surveys;
mod themes;

use axum::Extension;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Html;

use crate::error::AppError;
use crate::repo::organisation::{self, ProgrammeCounts};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::Caller;
use crate::web::layout::Layout;
use crate::web::render;

pub fn routes() -> Routes {
    Routes::default()
        .get("/admin", Access::CxLead, overview)
        .merge(audit::routes())
        .merge(departments::routes())
        .merge(journey::routes())
        .merge(objectives::routes())
        .merge(plans::routes())
        .merge(imports::routes())
        .merge(themes::routes())
        .merge(surveys::routes())
}

#[derive(askama::Template)]
#[template(path = "admin/index.html")]
pub struct OverviewPage {
    pub layout: Layout,
    pub org_name: Option<String>,
    pub counts: ProgrammeCounts,
}

async fn overview(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let (org_name, counts) = organisation::summary(&state.pool).await?;
    render(&OverviewPage {
        layout: Layout::for_caller(&caller, uri.path()),
        org_name,
        counts,
    })
}
