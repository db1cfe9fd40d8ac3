//! Whether Centric can serve yet. `centric serve` listens at once, also while its database
//! is unreachable or still being migrated; until then only the probes and static files
//! answer, everything else is a 503 with Retry-After, so a load balancer and people both
//! learn to come back rather than meeting half-made pages.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use tokio::sync::watch;

use crate::error::ErrorPage;

#[derive(Clone, Debug)]
pub struct Readiness(Arc<watch::Sender<bool>>);

impl Readiness {
    /// Ready from the start (the database was prepared before serving).
    pub fn ready() -> Self {
        Self(Arc::new(watch::Sender::new(true)))
    }

    /// Not ready until `set_ready`.
    pub fn waiting() -> Self {
        Self(Arc::new(watch::Sender::new(false)))
    }

    pub fn set_ready(&self) {
        self.0.send_replace(true);
    }

    pub fn is_ready(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once ready (at once if already).
    pub async fn wait(&self) {
        let mut ready = self.0.subscribe();
        // The sender lives as long as `self`, so this cannot fail while we wait.
        let _ = ready.wait_for(|ready| *ready).await;
    }
}

/// Paths served before the database is ready: the probes, and the files pages link to.
fn served_while_starting(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz") || path.starts_with("/static/")
}

/// Holds back every other request with a 503 until Centric is ready.
pub async fn gate(State(readiness): State<Readiness>, request: Request, next: Next) -> Response {
    if readiness.is_ready() || served_while_starting(request.uri().path()) {
        return next.run(request).await;
    }
    // Retry-After is added to every 503 on the way out (`startup::security_headers`).
    ErrorPage::starting().into_response_with(StatusCode::SERVICE_UNAVAILABLE)
}
