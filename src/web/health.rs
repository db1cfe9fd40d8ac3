//! Probes for load balancers and orchestrators: `/healthz` says the process is alive,
//! `/readyz` says it can serve (the database answers and is migrated).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use sqlx::PgPool;
use std::time::Duration;

use crate::web::access::{Access, Routes};
use crate::web::readiness::Readiness;

pub fn routes() -> Routes {
    Routes::default()
        .get("/healthz", Access::Public, healthz)
        .get("/readyz", Access::Public, readyz)
}

async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}

/// A probe must answer quickly even when the database hangs, so the check has its own
/// deadline, shorter than the pool's acquire timeout.
async fn readyz(
    State(pool): State<PgPool>,
    State(readiness): State<Readiness>,
) -> impl IntoResponse {
    let status = if !readiness.is_ready() {
        "starting: waiting for the database"
    } else if let Ok(Ok(())) =
        tokio::time::timeout(Duration::from_secs(2), crate::repo::ping(&pool)).await
    {
        return Json(serde_json::json!({ "status": "ready" })).into_response();
    } else {
        "database unavailable"
    };
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        Json(serde_json::json!({ "status": status })),
    )
        .into_response()
}
