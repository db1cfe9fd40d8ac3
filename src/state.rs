//! What every handler can reach: the pool, the settings and the rate limiters.

use axum::extract::FromRef;
use sqlx::PgPool;
use std::sync::Arc;

use crate::config::ServerSettings;
use crate::web::rate_limit::RateLimits;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub pool: PgPool,
    pub settings: Arc<ServerSettings>,
    pub limits: Arc<RateLimits>,
}
