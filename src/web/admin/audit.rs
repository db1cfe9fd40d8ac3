//! The audit log, newest first, with filters and paging.

use axum::Extension;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Html;
use serde::Deserialize;

use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::repo::audit::{self, AuditFilter, AuditRow};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::Caller;
use crate::web::extract::Query;
use crate::web::layout::Layout;
use crate::web::render;

const PAGE_SIZE: i64 = 50;

pub fn routes() -> Routes {
    Routes::default().get("/admin/audit", Access::CxLead, show)
}

/// The filter form as typed; bad dates are reported, not fatal.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub action: String,
    pub actor: String,
    pub from: String,
    pub to: String,
    pub before: Option<i64>,
}

#[derive(askama::Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub query: AuditQuery,
    pub rows: Vec<AuditRow>,
    /// Field-level messages for the filter form (e.g. "from" is not a date).
    pub errors: FieldErrors,
    /// The query string of the next (older) page, if there is one.
    pub next_page: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<AuditQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let mut errors = FieldErrors::default();
    let mut date = |field: &'static str, raw: &str| -> Option<time::Date> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let parsed =
            time::Date::parse(raw, &time::format_description::well_known::Iso8601::DATE).ok();
        if parsed.is_none() {
            errors.add(field, "use a date such as 2026-01-31");
        }
        parsed
    };
    let filter = AuditFilter {
        action: Some(query.action.trim().to_owned()).filter(|s| !s.is_empty()),
        actor: Some(query.actor.trim().to_owned()).filter(|s| !s.is_empty()),
        from: date("from", &query.from),
        to: date("to", &query.to),
    };
    let mut rows = audit::list(&state.pool, &filter, query.before, PAGE_SIZE).await?;
    let next_page = (rows.len() as i64 > PAGE_SIZE).then(|| {
        rows.truncate(PAGE_SIZE as usize);
        let last = rows.last().map_or(0, |r| r.id);
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("action", &query.action)
            .append_pair("actor", &query.actor)
            .append_pair("from", &query.from)
            .append_pair("to", &query.to)
            .append_pair("before", &last.to_string())
            .finish()
    });
    render(&AuditPage {
        layout: Layout::for_caller(&caller, uri.path()),
        query,
        rows,
        errors,
        next_page,
    })
}
