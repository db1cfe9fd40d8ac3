//! The JSON API under `/api/v1`: bearer tokens (or a signed-in session, for reading).

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::TokenScope;
use crate::error::ApiError;
use crate::repo::departments;
use crate::services::api_ingest;
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::{Caller, ClientIp};

pub fn routes() -> Routes {
    Routes::default()
        .get(
            "/api/v1/departments",
            Access::Api(TokenScope::Read),
            list_departments,
        )
        .post(
            "/api/v1/responses",
            Access::Api(TokenScope::Ingest),
            ingest_responses,
        )
}

/// One response or an array of up to 10,000; `Idempotency-Key` makes retries safe.
async fn ingest_responses(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Caller::Token { id: token, .. } = caller else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "ingestion needs an API token",
        ));
    };
    let key = match headers.get("idempotency-key").map(|v| v.to_str()) {
        None => None,
        Some(Ok(key)) if (1..=255).contains(&key.len()) => Some(key),
        Some(_) => {
            let mut error = ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 255 visible characters",
            );
            error.fields.insert(
                "Idempotency-Key".into(),
                "1 to 255 visible characters".into(),
            );
            return Err(error);
        }
    };
    let answer = api_ingest::ingest(&state.pool, token, Some(ip), key, &body).await?;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Ok((status, Json(answer.body)).into_response())
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
