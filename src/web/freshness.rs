//! Fresh figures after writes, from whichever database serves them.
//!
//! After every request that may have written, once its handler has committed, the data
//! version moves on (`repo::data_version`), so cached page data is recomputed on the next
//! request (`services::page_cache`). The session (or, for an API token, this instance)
//! remembers the version its own write made; a dashboard reads the replica
//! (`DATABASE_READ_URL`) only once the replica holds that version, and the primary until
//! then: everyone reads their own writes.

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::PgPool;
use tower_sessions::Session;

use crate::repo::data_version::{self, DataVersion, Snapshot};
use crate::state::AppState;
use crate::web::caller::Caller;

/// The session key of the data version its last write made.
const WRITTEN: &str = "data_version_written";

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "centric_session";

tokio::task_local! {
    /// The data version read when this request began (see `snapshot_first`).
    static REQUEST_VERSION: DataVersion;
}

/// The data version this request began at, when `snapshot_first` read it.
pub fn request_version() -> Option<DataVersion> {
    REQUEST_VERSION.try_with(|version| *version).ok()
}

/// For requests with a session cookie (signed-in pages), reads the snapshot from the
/// primary first, in one statement: what was stored at that version (the session record,
/// the user, the page's data) is then served from memory, and the page reads no version
/// of its own. Other requests (the survey, the API, health checks) pay nothing for it.
pub async fn snapshot_first(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let has_session = request
        .headers()
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|cookies| cookies.contains(SESSION_COOKIE));
    if !has_session {
        return next.run(request).await;
    }
    match data_version::snapshot(&state.pool).await {
        Ok(snapshot) => {
            request.extensions_mut().insert(snapshot);
            REQUEST_VERSION
                .scope(snapshot.version, next.run(request))
                .await
        }
        // Without it everything is read from PostgreSQL, which answers or fails as usual.
        Err(error) => {
            tracing::warn!(%error, "could not read the data version first");
            next.run(request).await
        }
    }
}

pub async fn bump_after_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let writes = !request.method().is_safe();
    // Only a session that exists already: an API call must not be handed a cookie.
    let session = request
        .extensions()
        .get::<Session>()
        .filter(|session| session.id().is_some())
        .cloned();
    let token = token_of(request.extensions().get::<Caller>());
    let response = next.run(request).await;
    if writes {
        match data_version::bump(&state.pool).await {
            Ok(version) => {
                if let Some(token) = token {
                    state.token_writes.insert(token, version).await;
                }
                if let Some(session) = session
                    && let Err(error) = session.insert(WRITTEN, version).await
                {
                    tracing::warn!(%error, "could not note the session's write");
                }
            }
            // The write stands; pages may show the figures before it until the cache's
            // time to live runs out.
            Err(error) => tracing::warn!(%error, "could not move the data version on"),
        }
    }
    response
}

fn token_of(caller: Option<&Caller>) -> Option<uuid::Uuid> {
    match caller {
        Some(Caller::Token { id, .. }) => Some(*id),
        _ => None,
    }
}

/// Where a dashboard reads from, and the snapshot (data version, today, thresholds)
/// found there.
pub struct Reader {
    pub pool: PgPool,
    pub snapshot: Snapshot,
    /// Which database served it, when a replica is configured at all.
    source: Option<&'static str>,
}

impl Reader {
    /// Marks the response `X-Centric-Read: replica` or `primary` when a replica is
    /// configured, so that operators (and the tests) can see where reads went.
    pub fn mark(&self, response: impl IntoResponse) -> Response {
        let mut response = response.into_response();
        if let Some(source) = self.source {
            response
                .headers_mut()
                .insert("x-centric-read", HeaderValue::from_static(source));
        }
        response
    }
}

/// The replica when there is one that answers and holds the last write of this session
/// (or of this API token, as this instance saw it); otherwise the primary, at the snapshot
/// `snapshot_first` read, if it did.
pub async fn reader(
    state: &AppState,
    session: &Session,
    caller: &Caller,
    primary: Option<axum::Extension<Snapshot>>,
) -> Result<Reader, sqlx::Error> {
    if let Some(replica) = &state.replica {
        let by_session = match session.get::<i64>(WRITTEN).await {
            Ok(written) => written.unwrap_or(0),
            Err(error) => {
                tracing::warn!(%error, "could not read the session's last write");
                i64::MAX
            }
        };
        let by_token = match token_of(Some(caller)) {
            Some(token) => state.token_writes.get(&token).await.unwrap_or(0),
            None => 0,
        };
        let written = by_session.max(by_token);
        match data_version::snapshot(replica).await {
            Ok(snapshot) if snapshot.version.version >= written => {
                return Ok(Reader {
                    pool: replica.clone(),
                    snapshot,
                    source: Some("replica"),
                });
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "the read replica does not answer; reading the primary")
            }
        }
    }
    Ok(Reader {
        snapshot: match primary {
            Some(axum::Extension(snapshot)) => snapshot,
            None => data_version::snapshot(&state.pool).await?,
        },
        pool: state.pool.clone(),
        source: state.replica.as_ref().map(|_| "primary"),
    })
}
