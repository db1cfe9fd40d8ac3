//! The JSON API under `/api/v1`: bearer tokens (or a signed-in session, for reading).

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::domain::TokenScope;
use crate::error::ApiError;
use crate::repo::departments;
use crate::state::AppState;
use crate::web::access::{Access, Routes};

pub fn routes() -> Routes {
    Routes::default().get(
        "/api/v1/departments",
        Access::Api(TokenScope::Read),
        list_departments,
    )
}

#[derive(Serialize)]
pub struct DepartmentJson {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub impact_statement: String,
    pub head: Option<String>,
    /// Slugs would be stable identifiers, names are for people: both are given.
    pub serves: Vec<String>,
}

async fn list_departments(
    State(state): State<AppState>,
) -> Result<Json<Vec<DepartmentJson>>, ApiError> {
    let departments = departments::overview(&state.pool).await?;
    Ok(Json(
        departments
            .into_iter()
            .map(|d| DepartmentJson {
                slug: d.slug,
                name: d.name,
                kind: d.kind,
                impact_statement: d.impact_statement,
                head: d.head_name,
                serves: d.serves,
            })
            .collect(),
    ))
}
