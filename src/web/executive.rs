//! The executive landing page: the programme at a glance.

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
    Routes::default().get("/executive", Access::SignedIn, show)
}

#[derive(askama::Template)]
#[template(path = "executive/index.html")]
pub struct ExecutivePage {
    pub layout: Layout,
    pub org_name: Option<String>,
    pub counts: ProgrammeCounts,
}

async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let (org_name, counts) = organisation::summary(&state.pool).await?;
    render(&ExecutivePage {
        layout: Layout::for_caller(&caller, uri.path()),
        org_name,
        counts,
    })
}
