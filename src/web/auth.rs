//! Signing in and out.

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::error::{AppError, ErrorPage};
use crate::services::auth::{self, LoginOutcome};
use crate::state::AppState;
use crate::web::access::{Access, Routes};
use crate::web::caller::{self, Caller, ClientIp};
use crate::web::extract::{Form, Query};
use crate::web::layout::{Layout, home_for};
use crate::web::render;

pub fn routes() -> Routes {
    Routes::default()
        .get("/", Access::Public, home)
        .get("/login", Access::Public, login_page)
        .post("/login", Access::Public, log_in)
        .post("/logout", Access::Public, log_out)
}

#[derive(askama::Template)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub email: String,
    pub next: String,
    pub error: Option<&'static str>,
    /// The demo organisation is loaded: say which accounts exist and their password.
    pub demo: bool,
    pub demo_password: &'static str,
}

/// `/`: each role's home; the login page for everyone else.
async fn home(Extension(caller): Extension<Caller>) -> Redirect {
    Redirect::to(&home_for(&caller))
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    if caller.user().is_some() {
        return Ok(Redirect::to(&home_for(&caller)).into_response());
    }
    let page = login_form(
        &state,
        String::new(),
        safe_next(query.next.as_deref()),
        None,
    )
    .await?;
    Ok(page.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn log_in(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(Some(&form.next));
    if let Err(wait) = state.limits.login(ip) {
        return Ok(too_many(wait));
    }
    match auth::log_in(&state.pool, &form.email, &form.password, ip).await? {
        LoginOutcome::Success {
            user_id,
            session_hash,
        } => {
            caller::begin_login(&session, user_id, session_hash).await?;
            let target = if next.is_empty() {
                "/".to_owned()
            } else {
                next
            };
            Ok(Redirect::to(&target).into_response())
        }
        LoginOutcome::Throttled { retry_after_secs } => Ok(too_many(retry_after_secs)),
        LoginOutcome::Rejected => {
            let page = login_form(
                &state,
                form.email,
                next,
                Some("E-mail address or password is not right."),
            )
            .await?;
            Ok((StatusCode::UNAUTHORIZED, page).into_response())
        }
    }
}

/// Ends the session. A POST (never a GET, which must not change state), CSRF-checked.
async fn log_out(session: Session) -> Result<Redirect, AppError> {
    caller::end_login(&session).await?;
    Ok(Redirect::to("/login"))
}

async fn login_form(
    state: &AppState,
    email: String,
    next: String,
    error: Option<&'static str>,
) -> Result<Html<String>, AppError> {
    let demo = crate::db::demo::is_loaded(&state.pool).await?;
    render(&LoginPage {
        layout: Layout::anonymous(),
        email,
        next,
        error,
        demo,
        demo_password: crate::db::demo::DEMO_PASSWORD,
    })
}

fn too_many(retry_after_secs: u64) -> Response {
    let mut response = ErrorPage::for_status(StatusCode::TOO_MANY_REQUESTS)
        .into_response_with(StatusCode::TOO_MANY_REQUESTS);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, retry_after_secs.into());
    response
}

/// Only a path on this site may follow login: no `//host`, `/\\host` or `https://…` open
/// redirects, and no whitespace or control characters (browsers drop tabs and newlines,
/// which would turn `/\t/host` into `//host`).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && path.chars().all(|c| c.is_ascii_graphic()) =>
        {
            path.to_owned()
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_may_follow_login() {
        assert_eq!(
            safe_next(Some("/departments/it?x=1")),
            "/departments/it?x=1"
        );
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(safe_next(Some(hostile)), "", "{hostile}");
        }
    }
}
