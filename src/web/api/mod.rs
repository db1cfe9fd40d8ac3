//! The JSON API under `/api/v1`: bearer tokens (or a signed-in session, for reading).

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sqlx::PgPool;
use tower_sessions::Session;

use crate::domain::TokenScope;
use crate::error::{ApiError, ErrorBody};
use crate::repo::data_version::{self, Snapshot};
use crate::repo::departments;
use crate::repo::metrics::ResponseFilter;
use crate::services::api_ingest::{self, ContactItem, Kind, Receipt, ResponseItem};
use crate::services::metrics::{self, FilterParams, breakdown};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::{Caller, ClientIp};
use crate::web::freshness;
use std::net::IpAddr;

pub mod openapi;

pub use openapi::document as openapi_document;
use openapi::{CommonErrors, FilterErrors, IngestErrors, OneOrMany, ReadErrors};

pub fn routes() -> Routes {
    Routes::default()
        .get(
            "/api/v1/openapi.json",
            Access::Public,
            openapi::openapi_json,
        )
        .get(
            "/api/v1/departments",
            Access::Api(TokenScope::Read),
            list_departments,
        )
        .post(
            "/api/v1/responses",
            Access::Api(TokenScope::Ingest),
            ingest_responses,
        )
        .post(
            "/api/v1/contacts",
            Access::Api(TokenScope::Ingest),
            ingest_contacts,
        )
        .get(
            "/api/v1/surveys",
            Access::Api(TokenScope::Read),
            list_surveys,
        )
        .get(
            "/api/v1/objectives",
            Access::Api(TokenScope::Read),
            list_objectives,
        )
        .get(
            "/api/v1/departments/{slug}/scorecard",
            Access::Api(TokenScope::Read),
            scorecard,
        )
        .get(
            "/api/v1/touchpoints",
            Access::Api(TokenScope::Read),
            list_touchpoints,
        )
        .get(
            "/api/v1/export/responses.csv",
            Access::Api(TokenScope::Read),
            export_responses,
        )
        .get("/api/v1/metrics/nps", Access::Api(TokenScope::Read), nps)
        .get(
            "/api/v1/metrics/nps/trend",
            Access::Api(TokenScope::Read),
            nps_trend,
        )
        .get(
            "/api/v1/metrics/nps/breakdown",
            Access::Api(TokenScope::Read),
            nps_breakdown,
        )
}

/// The 422 naming each wrong query parameter.
fn invalid_parameters(errors: crate::domain::FieldErrors) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_parameters",
        "some query parameters are not valid",
    );
    for (field, message) in errors.iter() {
        error = error.with_field(field, message);
    }
    error
}

/// Resolves a metrics query string, or answers 422 naming the wrong parameters.
async fn filter_from(
    pool: &PgPool,
    params: &FilterParams,
    snapshot: &Snapshot,
) -> Result<(ResponseFilter, metrics::Rules), ApiError> {
    metrics::resolve(pool, params, snapshot)
        .await?
        .map_err(invalid_parameters)
}

/// The query string, or a JSON 400 naming what could not be read (e.g. an unknown parameter).
fn params(query: Result<Query<FilterParams>, QueryRejection>) -> Result<FilterParams, ApiError> {
    query.map(|Query(params)| params).map_err(|rejection| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            format!(
                "the query string could not be read: {}",
                rejection.body_text()
            ),
        )
    })
}

/// NPS with its interval for any filter (default: the last 90 days).
#[utoipa::path(get, path = "/api/v1/metrics/nps", tag = "metrics",
    params(FilterParams),
    responses(
        (status = 200, description = "NPS of the responses matching the filter", body = metrics::NpsSummary),
        FilterErrors,
        ReadErrors,
        CommonErrors,
    ),
    security(("bearer" = ["read"]), ("session" = [])))]
async fn nps(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    session: Session,
    primary: Option<Extension<Snapshot>>,
    query: Result<Query<FilterParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let reader = freshness::reader(&state, &session, &caller, primary).await?;
    let (filter, rules) = filter_from(&reader.pool, &params(query)?, &reader.snapshot).await?;
    Ok(reader.mark(Json(metrics::nps(&reader.pool, &filter, rules).await?)))
}

/// NPS per week, month or quarter, each point flagged when it moved significantly.
#[utoipa::path(get, path = "/api/v1/metrics/nps/trend", tag = "metrics",
    params(FilterParams),
    responses(
        (status = 200, description = "One point per period, oldest first", body = Trend),
        FilterErrors,
        ReadErrors,
        CommonErrors,
    ),
    security(("bearer" = ["read"]), ("session" = [])))]
async fn nps_trend(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    session: Session,
    primary: Option<Extension<Snapshot>>,
    query: Result<Query<FilterParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = params(query)?;
    let reader = freshness::reader(&state, &session, &caller, primary).await?;
    let (filter, rules) = filter_from(&reader.pool, &params, &reader.snapshot).await?;
    let bucket = params
        .interval
        .as_deref()
        .and_then(metrics::Bucket::parse)
        .unwrap_or(metrics::Bucket::Month);
    let points = metrics::trend(&reader.pool, &filter, bucket, rules).await?;
    Ok(reader.mark(Json(Trend { points })))
}

/// NPS per touchpoint, department, segment or respondent department.
#[utoipa::path(get, path = "/api/v1/metrics/nps/breakdown", tag = "metrics",
    params(FilterParams),
    responses(
        (status = 200, description = "One entry per group, by key; groups too small to be anonymous are left out", body = NpsBreakdown),
        FilterErrors,
        ReadErrors,
        CommonErrors,
    ),
    security(("bearer" = ["read"]), ("session" = [])))]
async fn nps_breakdown(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    session: Session,
    primary: Option<Extension<Snapshot>>,
    query: Result<Query<FilterParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = params(query)?;
    let Some(group) = params.by.as_deref().and_then(breakdown::parse_group) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameters",
            "some query parameters are not valid",
        )
        .with_field(
            "by",
            "use touchpoint, department, segment or respondent_department",
        ));
    };
    let reader = freshness::reader(&state, &session, &caller, primary).await?;
    let (filter, rules) = filter_from(&reader.pool, &params, &reader.snapshot).await?;
    let breakdown = breakdown::breakdown(&reader.pool, &filter, group, rules).await?;
    Ok(reader.mark(Json(NpsBreakdown {
        by: params.by.unwrap_or_default(),
        breakdown,
    })))
}

/// A breakdown: NPS per group.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NpsBreakdown {
    /// What the responses are grouped by.
    pub by: String,
    #[serde(flatten)]
    pub breakdown: breakdown::Breakdown,
}

/// A trend: one point per week, month or quarter.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Trend {
    pub points: Vec<metrics::TrendPoint>,
}

/// One survey response or an array of up to 10,000; `Idempotency-Key` makes retries safe.
#[utoipa::path(post, path = "/api/v1/responses", tag = "ingestion",
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 200 characters; a retry with the same key and body replays the first answer")),
    request_body(content = OneOrMany<ResponseItem>, description = "One response, or an array of 1 to 10,000"),
    responses(
        (status = 201, description = "Stored, all or nothing", body = Receipt),
        IngestErrors,
        CommonErrors,
    ),
    security(("bearer" = ["ingest"])))]
async fn ingest_responses(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    ingest(&state, Kind::Responses, &caller, ip, &headers, &body).await
}

/// One service contact or an array of up to 10,000 (reason, channel, time, cost).
#[utoipa::path(post, path = "/api/v1/contacts", tag = "ingestion",
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 200 characters; a retry with the same key and body replays the first answer")),
    request_body(content = OneOrMany<ContactItem>, description = "One contact, or an array of 1 to 10,000"),
    responses(
        (status = 201, description = "Stored, all or nothing", body = Receipt),
        IngestErrors,
        CommonErrors,
    ),
    security(("bearer" = ["ingest"])))]
async fn ingest_contacts(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    ingest(&state, Kind::Contacts, &caller, ip, &headers, &body).await
}

async fn ingest(
    state: &AppState,
    kind: Kind,
    caller: &Caller,
    ip: IpAddr,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let Caller::Token { id: token, .. } = caller else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "ingestion needs an API token",
        ));
    };
    let key = match headers.get("idempotency-key").map(|v| v.to_str()) {
        None => None,
        Some(Ok(key)) if (1..=200).contains(&key.len()) => Some(key),
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 200 visible characters",
            )
            .with_field("Idempotency-Key", "1 to 200 visible characters"));
        }
    };
    let answer = api_ingest::ingest(&state.pool, kind, *token, Some(ip), key, body).await?;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Ok((status, Json(answer.body)).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DepartmentJson {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub impact_statement: String,
    #[schema(required = true)]
    pub head: Option<String>,
    /// Names of its internal customers (the departments it serves), sorted.
    pub serves: Vec<String>,
}

/// Every department, with whom it serves.
#[utoipa::path(get, path = "/api/v1/departments", tag = "programme",
    responses(
        (status = 200, description = "Departments by name", body = Vec<DepartmentJson>),
        ReadErrors,
        CommonErrors,
    ),
    security(("bearer" = ["read"]), ("session" = [])))]
async fn list_departments(
    State(state): State<AppState>,
) -> Result<Json<Vec<DepartmentJson>>, ApiError> {
    let departments = departments::overview(&state.pool).await?;
    Ok(Json(
        departments
            .into_iter()
            .map(|d| DepartmentJson {
                slug: d.slug,
                name: d.name,
                kind: d.kind,
                impact_statement: d.impact_statement,
                head: d.head_name,
                serves: d.serves,
            })
            .collect(),
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SurveyJson {
    #[serde(flatten)]
    pub survey: crate::repo::surveys::SurveyListing,
    /// The public link, built from CENTRIC_PUBLIC_URL (never from the request's Host).
    pub public_link: String,
}

/// Every survey (customer, employee, internal) with its public link.
#[utoipa::path(get, path = "/api/v1/surveys", tag = "programme",
    responses(
        (status = 200, description = "Surveys by kind and slug", body = Vec<SurveyJson>),
        ReadErrors,
        CommonErrors,
    ),
    security(("bearer" = ["read"]), ("session" = [])))]
async fn list_surveys(State(state): State<AppState>) -> Result<Json<Vec<SurveyJson>>, ApiError> {
    let base = state.settings.public_url.trim_end_matches('/').to_owned();
    let surveys = crate::repo::surveys::list(&state.pool).await?;
    Ok(Json(
        surveys
            .into_iter()
            .map(|survey| SurveyJson {
                public_link: format!("{base}/s/{}", survey.public_token),
                survey,
            })
            .collect(),
    ))
}

/// Customer responses as CSV, with the metrics filters, streamed as it is read.
#[utoipa::path(get, path = "/api/v1/export/responses.csv", tag = "metrics",
    params(FilterParams),
    responses(
        (status = 200, description = "CSV with a header row; cells that a spreadsheet would run as a formula are prefixed with `'`", content_type = "text/csv", body = String),
        FilterErrors,
        ReadErrors,
        CommonErrors,
    ),
    security(("bearer" = ["read"]), ("session" = [])))]
async fn export_responses(
    State(state): State<AppState>,
    query: Result<Query<FilterParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = params(query)?;
    if params
        .kind
        .as_deref()
        .is_some_and(|kind| kind != "customer")
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_exportable",
            "employee and internal responses are only shown in aggregate, to protect anonymity",
        )
        .with_field("kind", "only customer responses are exported"));
    }
    let snapshot = data_version::snapshot(&state.pool).await?;
    let (filter, _) = filter_from(&state.pool, &params, &snapshot).await?;
    let file_name = format!("responses-{}-{}.csv", filter.from, filter.to);
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(8);
    let pool = state.pool.clone();
    tokio::spawn(async move {
        use futures_util::StreamExt;
        const CHUNK: usize = 64 * 1024;
        // A long download must not hit the pool's 5 s statement timeout; 30 minutes caps it.
        let prepared = async {
            let mut tx = pool.begin().await?;
            crate::repo::set_transaction_timeout(&mut tx, "30min").await?;
            let time_zone = crate::repo::responses::time_zone(&mut tx).await?;
            Ok::<_, sqlx::Error>((tx, time_zone))
        };
        let (mut tx, time_zone) = match prepared.await {
            Ok(prepared) => prepared,
            Err(error) => return fail(&sender, error).await,
        };
        let mut buffer = crate::services::export::header();
        let mut rows = crate::repo::export::customer_responses(&mut tx, &filter, &time_zone);
        while let Some(row) = rows.next().await {
            match row {
                Ok(row) => buffer.extend(crate::services::export::line(&row)),
                Err(error) => return fail(&sender, error).await,
            }
            if buffer.len() >= CHUNK && sender.send(Ok(std::mem::take(&mut buffer))).await.is_err()
            {
                return; // the client went away
            }
        }
        let _ = sender.send(Ok(buffer)).await;
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        axum::body::Body::from_stream(body),
    )
        .into_response())
}

/// Ends a streamed export with an error the client sees as a broken download, never as
/// a complete file.
async fn fail(
    sender: &tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
    error: sqlx::Error,
) {
    tracing::error!(%error, "export failed");
    let _ = sender
        .send(Err(std::io::Error::other("export failed")))
        .await;
}

/// Every objective with its current value, progress and status.
#[utoipa::path(get, path = "/api/v1/objectives", tag = "programme",
    responses(
        (status = 200, description = "Objectives, organisation-wide first", body = Vec<metrics::objectives::ObjectiveView>),
        ReadErrors,
        CommonErrors,
    ),
    security(("bearer" = ["read"]), ("session" = [])))]
async fn list_objectives(
    State(state): State<AppState>,
) -> Result<Json<Vec<metrics::objectives::ObjectiveView>>, ApiError> {
    let today = crate::repo::metrics::today(&state.pool).await?;
    Ok(Json(
        metrics::objectives::evaluate_all(&state.pool, today).await?,
    ))
}

/// Touchpoints along the customer journey, with their owners.
#[utoipa::path(get, path = "/api/v1/touchpoints", tag = "programme",
    responses(
        (status = 200, description = "Touchpoints in journey order", body = Vec<crate::repo::surveys::TouchpointListing>),
        ReadErrors,
        CommonErrors,
    ),
    security(("bearer" = ["read"]), ("session" = [])))]
async fn list_touchpoints(
    State(state): State<AppState>,
) -> Result<Json<Vec<crate::repo::surveys::TouchpointListing>>, ApiError> {
    Ok(Json(crate::repo::surveys::touchpoints(&state.pool).await?))
}

/// The scorecard's period and segment, as the page takes them.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ScorecardParams {
    /// First day, inclusive (YYYY-MM-DD); default 89 days before `to`.
    #[param(format = Date)]
    from: String,
    /// Last day, inclusive (YYYY-MM-DD); default today.
    #[param(format = Date)]
    to: String,
    /// A customer segment; default all.
    segment: String,
}

/// A department's scorecard numbers (the same the scorecard page shows).
#[utoipa::path(get, path = "/api/v1/departments/{slug}/scorecard", tag = "metrics",
    params(("slug" = String, Path, description = "The department's slug"), ScorecardParams),
    responses(
        (status = 200, description = "The department's scorecard; NPS figures over the period asked for", body = metrics::scorecard::Scorecard),
        (status = 404, description = "There is no such department", body = ErrorBody),
        FilterErrors,
        ReadErrors,
        CommonErrors,
    ),
    security(("bearer" = ["read"]), ("session" = [])))]
async fn scorecard(
    State(state): State<AppState>,
    axum::extract::Path(slug): axum::extract::Path<String>,
    Query(params): Query<ScorecardParams>,
) -> Result<Json<metrics::scorecard::Scorecard>, ApiError> {
    let today = crate::repo::metrics::today(&state.pool).await?;
    let filter = metrics::scorecard::ScorecardFilter::parse(
        &params.from,
        &params.to,
        &params.segment,
        today,
    )
    .map_err(invalid_parameters)?;
    let objectives = metrics::objectives::evaluate_all(&state.pool, today).await?;
    metrics::scorecard::load(&state.pool, &slug, today, &filter, &objectives)
        .await?
        .map(Json)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("there is no department '{slug}'"),
            )
        })
}
