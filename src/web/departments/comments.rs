//! The why, in full: every detractor and passive comment attributed to a department.

use axum::Extension;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Html;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::AppError;
use crate::repo;
use crate::repo::comments::{Comment, Cursor};
use crate::repo::departments::{self, DepartmentProfile};
use crate::state::AppState;
use crate::web::caller::Caller;
use crate::web::extract::{Path, Query};
use crate::web::layout::Layout;
use crate::web::render;

#[derive(askama::Template)]
#[template(path = "departments/comments.html")]
pub struct CommentsPage {
    pub layout: Layout,
    pub department: DepartmentProfile,
    pub comments: Vec<Comment>,
    pub total: i64,
    pub themes: Vec<(Uuid, String)>,
    pub query: CommentsQuery,
    /// The link to the next (older) page, when there is one.
    pub older: Option<String>,
}

/// The comment list's filters and position, all in the query string (shareable).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CommentsQuery {
    /// A theme's id, or empty for all.
    pub theme: String,
    /// `detractors`, `passives`, or empty for both.
    pub kind: String,
    /// The cursor of the last comment seen: `<unix microseconds>.<id>`.
    pub after: String,
}

const COMMENTS_PER_PAGE: i64 = 50;

/// Every detractor and passive comment attributed to the department, newest first,
/// 50 a page, filterable by theme.
pub(super) async fn comments_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(slug): Path<String>,
    Query(query): Query<CommentsQuery>,
    uri: Uri,
) -> Result<Html<String>, AppError> {
    let department = departments::profile(&state.pool, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let themes = repo::comments::themes(&state.pool, department.id).await?;
    let theme = Uuid::parse_str(&query.theme)
        .ok()
        .filter(|id| themes.iter().any(|(t, _)| t == id));
    let detractors = match query.kind.as_str() {
        "detractors" => Some(true),
        "passives" => Some(false),
        _ => None,
    };
    let mut comments = repo::comments::page(
        &state.pool,
        department.id,
        theme,
        detractors,
        super::cursor::decode(&query.after).map(|(submitted_at, id)| Cursor { submitted_at, id }),
        COMMENTS_PER_PAGE + 1,
    )
    .await?;
    let older = (comments.len() as i64 > COMMENTS_PER_PAGE).then(|| {
        comments.truncate(COMMENTS_PER_PAGE as usize);
        let last = comments.last().expect("a full page");
        let cursor = super::cursor::encode(last.submitted_at, last.id);
        let kind = match detractors {
            Some(true) => "detractors",
            Some(false) => "passives",
            None => "",
        };
        let theme = theme.map(|t| t.to_string()).unwrap_or_default();
        format!("/departments/{slug}/comments?theme={theme}&kind={kind}&after={cursor}")
    });
    let total = repo::comments::count(&state.pool, department.id, theme, detractors).await?;
    render(&CommentsPage {
        layout: Layout::for_caller(&caller, uri.path()),
        department,
        comments,
        total,
        themes,
        query,
        older,
    })
}
