//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the API, generated from the
//! handlers' annotations and the types they really return.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ErrorBody;

/// One item, or an array of them (what the ingestion routes take).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

/// Errors any API route may answer.
#[derive(utoipa::IntoResponses)]
pub enum CommonErrors {
    #[response(
        status = 429,
        description = "The token's rate limit is used up; see `Retry-After`"
    )]
    RateLimited(ErrorBody),
    #[response(
        status = 503,
        description = "The database is unavailable, or the request took too long; retry shortly"
    )]
    Unavailable(ErrorBody),
    #[response(
        status = 500,
        description = "Something failed inside Centric; it is logged"
    )]
    Internal(ErrorBody),
}

/// Errors every reading route may answer.
#[derive(utoipa::IntoResponses)]
pub enum ReadErrors {
    #[response(status = 401, description = "No valid token or session")]
    Unauthorized(ErrorBody),
    #[response(status = 403, description = "The token lacks the `read` scope")]
    Forbidden(ErrorBody),
}

/// Errors of the routes that take the metrics filter.
#[derive(utoipa::IntoResponses)]
pub enum FilterErrors {
    #[response(
        status = 400,
        description = "The query string could not be read (e.g. an unknown parameter)"
    )]
    Unreadable(ErrorBody),
    #[response(
        status = 422,
        description = "A parameter is not valid; `fields` names it"
    )]
    Invalid(ErrorBody),
}

/// Errors of the ingestion routes.
#[derive(utoipa::IntoResponses)]
pub enum IngestErrors {
    #[response(
        status = 400,
        description = "The body is not JSON, or the `Idempotency-Key` is malformed"
    )]
    Unreadable(ErrorBody),
    #[response(status = 401, description = "No valid token")]
    Unauthorized(ErrorBody),
    #[response(
        status = 403,
        description = "The token lacks the `ingest` scope (or the caller is a session)"
    )]
    Forbidden(ErrorBody),
    #[response(status = 413, description = "The body is larger than 16 MiB")]
    TooLarge(ErrorBody),
    #[response(
        status = 422,
        description = "Items are invalid (`items` lists index, field and message; nothing was stored), or the `Idempotency-Key` was used with another body"
    )]
    Invalid(ErrorBody),
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Centric API",
        description = "Send survey responses and service contacts in; read NPS, trends, scorecards and objectives out. \
                       Authenticate with `Authorization: Bearer <token>` (tokens are created by the CX lead; scope `ingest` \
                       to send, `read` to read). Signed-in browser sessions may read too. Errors are always \
                       `{\"error\": {\"code\", \"message\", \"fields\"?, \"items\"?}}`."
    ),
    paths(
        super::list_departments,
        super::list_surveys,
        super::list_touchpoints,
        super::list_objectives,
        super::scorecard,
        super::nps,
        super::nps_trend,
        super::nps_breakdown,
        super::export_responses,
        super::ingest_responses,
        super::ingest_contacts,
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "ingestion", description = "Responses and service contacts, one or up to 10,000 at a time"),
        (name = "metrics", description = "NPS with its 95 % interval, trends, scorecards, export"),
        (name = "programme", description = "Departments, surveys, touchpoints and objectives"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token, shown once when created"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "centric_session",
                "A signed-in browser session (reading only)",
            ))),
        );
    }
}

/// The document, built once: it only changes with the code.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(ApiDoc::openapi)
}

pub async fn openapi_json() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(document())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::services::api_ingest::{CONTACT_FIELDS, RESPONSE_FIELDS};

    #[test]
    fn documented_item_fields_are_the_fields_ingestion_accepts() {
        let doc = serde_json::to_value(super::document()).unwrap();
        for (schema, accepted) in [
            ("ResponseItem", &RESPONSE_FIELDS[..]),
            ("ContactItem", &CONTACT_FIELDS[..]),
        ] {
            let documented: BTreeSet<&str> = doc["components"]["schemas"][schema]["properties"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(documented, accepted.iter().copied().collect(), "{schema}");
        }
    }
}
