//! `/admin/tokens`: the API tokens other systems use. A new token is shown once, right
//! after it is made (only its hash is stored); revoking one stops it at once.

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::domain::FieldErrors;
use crate::error::{AppError, ErrorPage};
use crate::repo::api_tokens::{self, TokenListing};
use crate::services::accounts::{self, AccountError};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::admin::listing::{ListQuery, Pager};
use crate::web::caller::{Caller, ClientIp};
use crate::web::extract::{Form, Path, Query};
use crate::web::layout::Layout;
use crate::web::render;

pub fn routes() -> Routes {
    Routes::default()
        .get("/admin/tokens", Access::CxLead, list)
        .get("/admin/tokens/new", Access::CxLead, new_form)
        .post("/admin/tokens", Access::CxLead, create)
        .get("/admin/tokens/{id}/revoke", Access::CxLead, confirm_revoke)
        .post("/admin/tokens/{id}/revoke", Access::CxLead, revoke)
}

/// The scopes a token can have, with what each lets its holder do.
pub struct ScopeChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub allows: &'static str,
}

pub const SCOPES: [ScopeChoice; 3] = [
    ScopeChoice {
        value: "ingest",
        label: "Ingest",
        allows: "push survey responses and service contacts in (e.g. from the CRM or contact centre)",
    },
    ScopeChoice {
        value: "read",
        label: "Read",
        allows: "read metrics, scorecards and the programme's set-up (e.g. for a BI tool)",
    },
    ScopeChoice {
        value: "admin",
        label: "Admin",
        allows: "everything the API offers, ingest and read included; give it sparingly",
    },
];

#[derive(askama::Template)]
#[template(path = "admin/tokens/index.html")]
pub struct TokensPage {
    pub layout: Layout,
    pub rows: Vec<TokenListing>,
    pub pager: Pager,
    pub notice: Option<&'static str>,
}

async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<ListQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let search = query.search();
    let total = api_tokens::count(&state.pool, search.as_deref()).await?;
    let pager = Pager::new(("/admin/tokens", "name or prefix"), &query, total);
    let rows = api_tokens::search(
        &state.pool,
        search.as_deref(),
        pager.limit(),
        pager.offset(),
    )
    .await?;
    let notice = match query.saved.as_str() {
        "revoked" => Some("Token revoked. Requests that present it are refused from now on."),
        "unchanged" => Some("That token was already revoked; nothing changed."),
        _ => None,
    };
    render(&TokensPage {
        layout: Layout::for_caller(&caller, uri.path()),
        rows,
        pager,
        notice,
    })
}

/// The new-token form as typed.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenForm {
    pub name: String,
    pub scope: String,
}

#[derive(askama::Template)]
#[template(path = "admin/tokens/form.html")]
pub struct TokenFormPage {
    pub layout: Layout,
    pub form: TokenForm,
    pub errors: FieldErrors,
    pub scopes: &'static [ScopeChoice],
}

async fn new_form(
    Extension(caller): Extension<Caller>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    render(&TokenFormPage {
        layout: Layout::for_caller(&caller, uri.path()),
        form: TokenForm {
            name: String::new(),
            scope: "ingest".into(),
        },
        errors: FieldErrors::default(),
        scopes: &SCOPES,
    })
}

#[derive(askama::Template)]
#[template(path = "admin/tokens/created.html")]
pub struct TokenCreatedPage {
    pub layout: Layout,
    pub token: TokenListing,
    /// Shown on this page only; never stored in the clear.
    pub secret: String,
}

async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    uri: Uri,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    match accounts::create_token(&state.pool, &form.name, &form.scope, &caller.actor(ip)).await {
        Ok(issued) => {
            let token = api_tokens::get(&state.pool, issued.id)
                .await?
                .ok_or(AppError::NotFound)?;
            // Answered directly, not redirected: the token is in this response only.
            Ok(render(&TokenCreatedPage {
                layout: Layout::for_caller(&caller, "/admin/tokens"),
                token,
                secret: issued.token,
            })?
            .into_response())
        }
        Err(AccountError::Invalid { field, message }) => {
            let mut errors = FieldErrors::default();
            errors.add(field, message.to_string());
            let page = TokenFormPage {
                layout: Layout::for_caller(&caller, uri.path()),
                form,
                errors,
                scopes: &SCOPES,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(AccountError::Database(error)) => Err(error.into()),
    }
}

#[derive(askama::Template)]
#[template(path = "admin/tokens/revoke.html")]
pub struct RevokePage {
    pub layout: Layout,
    pub token: TokenListing,
}

async fn token_or_404(state: &AppState, id: &str) -> Result<TokenListing, AppError> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    api_tokens::get(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn confirm_revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let token = token_or_404(&state, &id).await?;
    render(&RevokePage {
        layout: Layout::for_caller(&caller, uri.path()),
        token,
    })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeForm {
    /// The confirmation button's "1".
    confirm: String,
}

async fn revoke(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(id): Path<String>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, AppError> {
    let token = token_or_404(&state, &id).await?;
    if form.confirm != "1" {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(ErrorPage::for_status(status).into_response_with(status));
    }
    let revoked = accounts::revoke_token_by_id(&state.pool, token.id, &caller.actor(ip))
        .await
        .map_err(|error| match error {
            AccountError::Database(error) => AppError::from(error),
            other => AppError::Internal(other.into()),
        })?;
    let saved = if revoked { "revoked" } else { "unchanged" };
    Ok(Redirect::to(&format!("/admin/tokens?saved={saved}")).into_response())
}
