//! The error types handlers return: `AppError` renders the HTML error page, `ApiError`
//! answers JSON. Causes are logged once, server-side; users never see internals.

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::services::api_ingest::ItemError;
use crate::web::layout::Layout;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// As many dashboards are being computed as the database can serve (see
    /// `web::admission`).
    #[error("too busy to compute another page")]
    Busy,
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// A service's error is "unavailable" when the database failure under it is, so a restart
/// answers 503 + Retry-After wherever the query ran, not 500.
impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        match error.downcast::<sqlx::Error>() {
            Ok(cause) => cause.into(),
            Err(error)
                if error.chain().any(|cause| {
                    cause
                        .downcast_ref::<sqlx::Error>()
                        .is_some_and(is_unavailable)
                }) =>
            {
                tracing::debug!(error = format!("{error:#}"), "unavailable underneath");
                Self::Unavailable(sqlx::Error::PoolTimedOut)
            }
            Err(error) => Self::Internal(error),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if is_unavailable(&error) {
            Self::Unavailable(error)
        } else {
            Self::Internal(error.into())
        }
    }
}

/// An error shared by every request that waited on one load (see `services::page_cache`):
/// the one left holding it takes it whole; the others get the same kind of error.
impl From<std::sync::Arc<AppError>> for AppError {
    fn from(shared: std::sync::Arc<AppError>) -> Self {
        std::sync::Arc::try_unwrap(shared).unwrap_or_else(|shared| match &*shared {
            Self::NotFound => Self::NotFound,
            Self::Busy => Self::Busy,
            Self::Unavailable(_) => Self::Unavailable(sqlx::Error::PoolTimedOut),
            Self::Internal(error) => Self::Internal(anyhow::anyhow!("{error:#}")),
        })
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> Self {
        Self::Internal(error.into())
    }
}

/// Errors that mean "try again shortly" rather than "this request is broken": no
/// connection to be had or the connection lost, and the server's own "going away" and
/// "overloaded" answers (SQLSTATE classes 08 connection exception, 53 insufficient
/// resources, 57 operator intervention: shutdown, crash, terminated backend, statement
/// timeout).
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(error) => error.code().is_some_and(|code| {
            ["08", "53", "57"]
                .iter()
                .any(|class| code.starts_with(class))
        }),
        _ => false,
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub title: &'static str,
    pub message: &'static str,
}

impl ErrorPage {
    pub fn for_status(status: StatusCode) -> Self {
        let (title, message) = match status {
            StatusCode::NOT_FOUND => (
                "Page not found",
                "There is nothing at this address. Check the link, or start again from the home page.",
            ),
            StatusCode::FORBIDDEN => (
                "Not allowed",
                "Your role does not include this page or action. If you need it, ask your CX lead.",
            ),
            StatusCode::BAD_REQUEST => (
                "Address not understood",
                "Part of this address could not be read. Check the link, or start again from the home page.",
            ),
            StatusCode::UNPROCESSABLE_ENTITY => (
                "The form did not fit",
                "What was sent does not match this form (a field is missing or unexpected). Go back, reload the page and try again.",
            ),
            StatusCode::TOO_MANY_REQUESTS => (
                "Too many attempts",
                "Please wait a moment before trying again.",
            ),
            StatusCode::METHOD_NOT_ALLOWED => (
                "Not available this way",
                "This address does not take that kind of request. Go back and use the page's own links and buttons.",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "Too large",
                "What you sent is larger than Centric accepts here.",
            ),
            StatusCode::SERVICE_UNAVAILABLE => (
                "Temporarily unavailable",
                "Centric cannot reach its database right now, so nothing from this request was saved. Please try again in a moment.",
            ),
            _ => (
                "Something went wrong",
                "Centric could not complete this request. The problem has been logged; please try again.",
            ),
        };
        Self {
            layout: Layout::anonymous(),
            status: status.as_u16(),
            title,
            message,
        }
    }

    /// A 503 while Centric starts (waiting for, or migrating, its database).
    pub fn starting() -> Self {
        Self {
            title: "Starting up",
            message: "Centric is starting and will be ready in a moment; nothing from this request was saved. Please try again shortly.",
            ..Self::for_status(StatusCode::SERVICE_UNAVAILABLE)
        }
    }

    /// A 503 for a moment of overload rather than a database outage.
    pub fn busy() -> Self {
        Self {
            title: "Busy right now",
            message: "Centric is working out as many dashboards as it can at this moment. Please try again in a few seconds.",
            ..Self::for_status(StatusCode::SERVICE_UNAVAILABLE)
        }
    }

    pub fn into_response_with(self, status: StatusCode) -> Response {
        match self.render() {
            Ok(body) => (status, Html(body)).into_response(),
            // The error page itself failed: fall back to plain text, still no internals.
            Err(_) => (status, self.title).into_response(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let page = match self {
            Self::Busy => ErrorPage::busy(),
            _ => ErrorPage::for_status(status),
        };
        let mut response = page.into_response_with(status);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

/// An API error, answered as `{"error": {"code", "message", "fields"?, "items"?}}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    /// Stable and machine-readable, e.g. `invalid_parameters`.
    pub code: &'static str,
    /// For people.
    pub message: String,
    /// Per query parameter or header: what is wrong with it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// Per item of an ingestion batch: its index, field and what is wrong.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemError>,
}

/// The body of every API error response.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ApiError,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: BTreeMap::new(),
            items: Vec::new(),
        }
    }

    /// Names a wrong field (query parameter, header) and says what is wrong with it.
    pub fn with_field(mut self, field: &str, message: impl Into<String>) -> Self {
        self.fields.insert(field.to_owned(), message.into());
        self
    }

    pub fn body(self) -> ErrorBody {
        ErrorBody { error: self }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut response = (status, Json(self.body())).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        match AppError::from(error) {
            AppError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is unavailable; retry shortly",
                )
            }
            other => {
                tracing::error!(error = format!("{other:#}"), "API request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the request could not be completed",
                )
            }
        }
    }
}
