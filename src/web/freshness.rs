//! Moves the data version on after every request that may have written, once its
//! handler has committed, so that cached page data is recomputed on the next request
//! (see `services::page_cache`). A cheap round trip; reads never pay it.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use sqlx::PgPool;

use crate::repo::data_version;

pub async fn bump_after_writes(
    State(pool): State<PgPool>,
    request: Request,
    next: Next,
) -> Response {
    let writes = !request.method().is_safe();
    let response = next.run(request).await;
    if writes && let Err(error) = data_version::bump(&pool).await {
        // The write stands; pages may show the figures before it until the cache's
        // time to live runs out.
        tracing::warn!(%error, "could not move the data version on");
    }
    response
}
