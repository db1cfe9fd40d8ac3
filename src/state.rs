//! What every handler can reach: the pool and the settings.

use axum::extract::FromRef;
use sqlx::PgPool;
use std::sync::Arc;

use crate::config::ServerSettings;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub pool: PgPool,
    pub settings: Arc<ServerSettings>,
}
