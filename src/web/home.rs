//! The home page: the organisation and its departments, each with how it affects the
//! customer and whom it serves.

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use sqlx::PgPool;

use crate::error::AppError;
use crate::repo::departments::{self, DepartmentOverview};
use crate::repo::organisation;
use crate::state::AppState;
use crate::web::{ASSET_VERSION, render};

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(askama::Template)]
#[template(path = "home/index.html")]
pub struct HomePage {
    pub asset_version: &'static str,
    /// The organisation's name; None until the organisation is set up.
    pub org_name: Option<String>,
    pub departments: Vec<DepartmentOverview>,
}

async fn home(State(pool): State<PgPool>) -> Result<Html<String>, AppError> {
    let org_name = organisation::name(&pool).await?;
    let departments = departments::overview(&pool).await?;
    render(&HomePage {
        asset_version: ASSET_VERSION,
        org_name,
        departments,
    })
}
