//! What every handler can reach: the pool, the settings, the rate limiters and the page caches.

use axum::extract::FromRef;
use sqlx::PgPool;
use std::sync::Arc;

use crate::config::ServerSettings;
use crate::services::metrics::executive::ExecutiveData;
use crate::services::page_cache::PageCache;
use crate::web::departments::ScorecardData;
use crate::web::rate_limit::RateLimits;

#[derive(Clone, FromRef)]
pub struct AppState {
    /// The primary: every write, and reads that must see them.
    pub pool: PgPool,
    /// A streaming replica for dashboards and the read API (see `web::freshness::reader`).
    pub replica: Option<PgPool>,
    pub settings: Arc<ServerSettings>,
    pub limits: Arc<RateLimits>,
    /// Whether the database is reachable and migrated (see `web::readiness`).
    pub readiness: crate::web::readiness::Readiness,
    /// How many uncached dashboards may be computed at once (see `web::admission`).
    pub admission: crate::web::admission::Admission,
    pub caches: Arc<PageCaches>,
    /// The data version each API token's last write made (see `web::freshness`): token
    /// clients carry no session to remember it in.
    pub token_writes: moka::future::Cache<uuid::Uuid, i64>,
}

/// Each dashboard's data by filter and data version (see `services::page_cache`).
#[derive(Default)]
pub struct PageCaches {
    pub executive: PageCache<ExecutiveData>,
    /// Department pages, by department, day and filter.
    pub scorecards: PageCache<ScorecardData>,
    /// The signed-in person behind each session, by user id (see `web::caller`).
    pub users: PageCache<Option<crate::repo::users::SessionUserRow>>,
    /// Whole rendered dashboards, by person and address.
    pub rendered: crate::web::rendered::RenderedPages,
}
