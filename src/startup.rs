//! The application: the router with its middleware, bound to a listener, served until
//! a shutdown signal, then drained within a deadline.

use axum::Router;
use axum::extract::connect_info::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use sqlx::PgPool;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::config::ServerSettings;
use crate::error::{AppError, ErrorPage};
use crate::state::AppState;
use crate::web;
use crate::web::access::RouteInfo;
use crate::web::caller;
use crate::web::rate_limit::{Budgets, RateLimits};
use crate::web::readiness::Readiness;
use crate::web::session_store::CachedSessionStore;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::from_fn_with_state;
use tower_http::csrf::CsrfLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

/// Every route of Centric, with the middleware stack. Outermost first: trace and request
/// id, security headers (so every response carries them, errors and panics included),
/// panic catcher, timeout, CSRF check, session, caller resolution, the data version moved
/// on after writes; then each route's access guard and its body limit.
pub fn router(state: AppState) -> Router {
    router_with_table(state).0
}

/// The router and the table of its routes with who may use each (for the route tests).
pub fn router_with_table(state: AppState) -> (Router, Vec<RouteInfo>) {
    let settings = state.settings.clone();
    let sessions = SessionManagerLayer::new(CachedSessionStore::new(session_store(&state.pool)))
        .with_name(web::freshness::SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies())
        .with_expiry(Expiry::OnInactivity(
            time::Duration::try_from(settings.session_idle_timeout())
                .unwrap_or(time::Duration::HOUR),
        ));
    let state_for_snapshot = state.clone();
    let readiness = state.readiness.clone();
    let (routes, table) = web::routes().into_parts();
    let router = routes
        .fallback(|| async { AppError::NotFound })
        .layer(from_fn_with_state(state.clone(), web::freshness::bump_after_writes))
        .layer(from_fn_with_state(state.clone(), caller::resolve))
        .with_state(state)
        .layer(sessions)
        .layer(from_fn_with_state(state_for_snapshot, web::freshness::snapshot_first))
        .layer(CsrfLayer::new().with_rejection_response(csrf_rejection))
        .layer(from_fn_with_state(readiness, web::readiness::gate))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, settings.request_timeout()))
        // Outside the panic catcher, so even a panic's 500 page carries the headers.
        .layer(CatchPanicLayer::custom(|_| internal_error_page()))
        .layer(axum::middleware::from_fn(error_bodies))
        .layer(from_fn_with_state(settings.secure_cookies(), security_headers))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), id)
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(tower_http::LatencyUnit::Micros)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid));
    (router, table)
}

fn session_store(pool: &PgPool) -> PostgresStore {
    PostgresStore::new(pool.clone())
        .with_schema_name("public")
        .and_then(|store| store.with_table_name("sessions"))
        .expect("valid session table name")
}

/// Headers on every response, whatever its status: no inline script, no framing, no
/// sniffing, no referrer leaks; pages are not cached unless a route says otherwise.
async fn security_headers(
    axum::extract::State(https): axum::extract::State<bool>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    const HEADERS: [(HeaderName, &str); 5] = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    let mut response = next.run(request).await;
    let unavailable = response.status() == StatusCode::SERVICE_UNAVAILABLE;
    let headers = response.headers_mut();
    // Whatever said "unavailable" (the request timeout, a database outage), clients
    // learn when to come back.
    if unavailable && !headers.contains_key(header::RETRY_AFTER) {
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    for (name, value) in HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    // Over https, browsers should never again try plain http for this site.
    if https && !headers.contains_key(header::STRICT_TRANSPORT_SECURITY) {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    response
}

/// A cross-site form post is refused with the same 403 page as any other refusal.
fn csrf_rejection(_: tower_http::csrf::ProtectionError) -> Response {
    ErrorPage::for_status(StatusCode::FORBIDDEN).into_response_with(StatusCode::FORBIDDEN)
}

/// Keeps in-memory, throttling and session state from growing without bound. A failure
/// (the database restarting) is logged and the next round tries again.
async fn maintain(pool: PgPool, limits: Arc<RateLimits>) {
    let sessions = session_store(&pool);
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    for round in 0u64.. {
        tick.tick().await;
        limits.prune();
        if round % 10 == 0 {
            if let Err(error) = crate::repo::login_throttle::prune(&pool).await {
                tracing::debug!(%error, "could not prune the login throttle");
            }
            if let Err(error) = sessions.delete_expired().await {
                tracing::debug!(%error, "could not delete expired sessions");
            }
        }
        if pool.is_closed() {
            return;
        }
    }
}

/// Every error has a body its reader understands, whatever produced it (the body limit's
/// 413, the request timeout's 503, a failure before the handler ran): API clients get
/// JSON, people the error page. Headers such as `Retry-After` are kept.
async fn error_bodies(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response.headers().get(header::CONTENT_TYPE);
    if !api {
        if content_type.is_some() {
            return response;
        }
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        let (page_parts, body) = ErrorPage::for_status(status)
            .into_response_with(status)
            .into_parts();
        if let Some(html) = page_parts.headers.get(header::CONTENT_TYPE) {
            parts.headers.insert(header::CONTENT_TYPE, html.clone());
        }
        return Response::from_parts(parts, body);
    }
    if content_type.is_some_and(|value| value.as_bytes().starts_with(b"application/json")) {
        return response;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the request body is too large"),
        StatusCode::SERVICE_UNAVAILABLE => (
            "unavailable",
            "Centric is briefly unavailable; retry shortly",
        ),
        StatusCode::NOT_FOUND => ("not_found", "there is no such API route"),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method_not_allowed", "this route does not take that method")
        }
        StatusCode::FORBIDDEN => ("forbidden", "this request is not allowed"),
        status if status.is_server_error() => ("internal", "the request could not be completed"),
        _ => ("invalid_request", "the request could not be read"),
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let json = crate::error::ApiError::new(status, code, message).into_response();
    let (json_parts, body) = json.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        json_parts.headers[header::CONTENT_TYPE].clone(),
    );
    Response::from_parts(parts, body)
}

/// A panic becomes the generic error page; the server keeps serving.
fn internal_error_page() -> Response {
    tracing::error!("a request handler panicked");
    ErrorPage::for_status(StatusCode::INTERNAL_SERVER_ERROR)
        .into_response_with(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A bound, ready-to-run server. Binding happens in `build`, so tests can use port 0
/// and read the real address before serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    settings: Arc<ServerSettings>,
}

impl Application {
    /// Serves over `pool` (the primary) and, when given, dashboards' reads over `replica`.
    pub async fn build(
        settings: ServerSettings,
        pool: PgPool,
        replica: Option<PgPool>,
    ) -> std::io::Result<Self> {
        Self::build_with(settings, pool, replica, Readiness::ready()).await
    }

    /// `build`, serving only probes and static files until `readiness` says the database
    /// is ready; background work starts then too.
    pub async fn build_with(
        settings: ServerSettings,
        pool: PgPool,
        replica: Option<PgPool>,
        readiness: Readiness,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(settings.addr).await?;
        let settings = Arc::new(settings);
        let limits = Arc::new(RateLimits::new(Budgets {
            login: settings.login_per_minute,
            api: settings.api_per_minute,
            survey_per_client: settings.survey_per_minute,
            survey_total: settings.survey_total_per_minute,
        }));
        let pool_size = pool.options().get_max_connections();
        tokio::spawn(crate::services::auth::warm_up());
        let background = (pool.clone(), limits.clone(), readiness.clone());
        let jobs = settings.background_jobs;
        tokio::spawn(async move {
            let (pool, limits, readiness) = background;
            readiness.wait().await;
            // Both end with the pool.
            if jobs {
                // Re-tags past comments after a theme changed.
                tokio::spawn(crate::services::retag::worker(pool.clone()));
            }
            maintain(pool, limits).await;
        });
        let router = router(AppState {
            pool,
            replica,
            settings: settings.clone(),
            limits,
            readiness,
            admission: web::admission::Admission::for_pool(pool_size),
            caches: Default::default(),
            // A replica rarely lags by more than seconds; an hour is ample.
            token_writes: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(3600))
                .build(),
        });
        Ok(Self {
            listener,
            router,
            settings,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then stops accepting and gives in-flight
    /// requests until the drain deadline to finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) {
        let Self {
            listener,
            router,
            settings,
        } = self;
        // HTTP/1 only: there is no TLS here, so no HTTP/2 to negotiate, and hyper's
        // header-read timeout (which axum::serve does not set) exists only for HTTP/1.
        // Without it, slow clients could hold connections forever and stall shutdown.
        let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(settings.header_read_timeout());
        let graceful = GracefulShutdown::new();
        let mut connections = tokio::task::JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(connection) => connection,
                    Err(error) => {
                        // Typically EMFILE: back off instead of spinning.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            // Reap finished connections so the set stays as small as the live ones.
            while connections.try_join_next().is_some() {}
            let service = router
                .clone()
                .map_request(move |mut request: Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                });
            let connection = builder
                .serve_connection_with_upgrades(
                    TokioIo::new(stream),
                    TowerToHyperService::new(service),
                )
                .into_owned();
            let connection = graceful.watch(connection);
            connections.spawn(async move {
                if let Err(error) = connection.await {
                    tracing::debug!(%error, %peer, "connection ended with an error");
                }
            });
        }
        drop(listener);
        tracing::info!("shutting down: finishing in-flight requests");
        if tokio::time::timeout(settings.shutdown_timeout(), graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("drain deadline passed; closing the remaining connections");
            connections.abort_all();
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c()
            .await
            .expect("can listen for Ctrl-C");
    };
    let terminate = async {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("can listen for SIGTERM")
            .recv()
            .await;
    };
    tokio::select! {
        () = ctrl_c => {},
        _ = terminate => {},
    }
}
