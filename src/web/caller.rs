//! Who is calling: resolved once per request, before any route runs, from the session
//! cookie or an `Authorization: Bearer` token. Routes never look this up themselves;
//! `access` decides with what is resolved here.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use tower_sessions::Session;
use uuid::Uuid;

use crate::domain::{Role, TokenScope};
use crate::error::AppError;
use crate::repo::{self, audit};
use crate::services::auth::session_auth_hash;
use crate::state::AppState;
use crate::web::freshness;

/// What a session stores about its login.
#[derive(Debug, Serialize, Deserialize)]
struct SessionLogin {
    user_id: Uuid,
    auth_hash: String,
    /// Unix seconds; the absolute lifetime counts from here.
    authenticated_at: i64,
}

const LOGIN_KEY: &str = "login";

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// For department heads: the department they act for (from their account, only).
    pub department: Option<DepartmentRef>,
}

#[derive(Debug, Clone)]
pub struct DepartmentRef {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    User(CurrentUser),
    Token {
        id: Uuid,
        scope: TokenScope,
    },
    /// A bearer token was presented but is unknown or revoked.
    BadToken,
}

impl Caller {
    pub fn user(&self) -> Option<&CurrentUser> {
        match self {
            Self::User(user) => Some(user),
            _ => None,
        }
    }

    /// Who this caller is in the audit log.
    pub fn actor(&self, ip: IpAddr) -> audit::Actor {
        match self {
            Caller::User(user) => audit::Actor::User {
                id: user.id,
                ip: Some(ip),
            },
            Caller::Token { id, .. } => audit::Actor::Token {
                id: *id,
                ip: Some(ip),
            },
            _ => audit::Actor::Anonymous {
                label: String::new(),
                ip: Some(ip),
            },
        }
    }
}

/// The client's address: the socket peer, or — only behind a configured proxy — the
/// last address that proxy saw (the right-most X-Forwarded-For entry it appended).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// Resolves the caller and client IP into request extensions, then records any
/// authorization denial the route reported.
pub async fn resolve(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let ip = client_ip(peer, request.headers(), &state.settings.trusted_proxies);
    let caller = match resolve_caller(&state, &session, request.headers()).await {
        Ok(caller) => caller,
        // Fail closed: without the database nobody can be authorised.
        Err(error) => return error.into_response(),
    };
    if let Caller::Token { id, .. } = &caller
        && let Err(wait) = state.limits.api(*id)
    {
        let mut response = crate::error::ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "this token has used its {} requests a minute; retry in {wait} s",
                state.settings.api_per_minute
            ),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, wait.into());
        return response;
    }
    request.extensions_mut().insert(ClientIp(ip));
    request.extensions_mut().insert(caller.clone());
    let response = next.run(request).await;
    if let Some(denied) = response.extensions().get::<Denied>() {
        record_denial(&state, &caller, ip, denied).await;
    }
    response
}

/// Put on a 403 by the access guard, so the denial lands in the audit log.
#[derive(Debug, Clone)]
pub struct Denied {
    pub method: String,
    pub path: String,
}

async fn record_denial(state: &AppState, caller: &Caller, ip: IpAddr, denied: &Denied) {
    let actor = caller.actor(ip);
    let entry = audit::Entry {
        actor: &actor,
        action: "access.denied",
        target_type: "route",
        target_id: format!("{} {}", denied.method, denied.path),
        before: None,
        after: None,
    };
    let recorded = async {
        let mut conn = state.pool.acquire().await?;
        audit::record(&mut conn, entry).await
    };
    if let Err(error) = recorded.await {
        tracing::warn!(%error, "could not record an access denial");
    }
}

async fn resolve_caller(
    state: &AppState,
    session: &Session,
    headers: &axum::http::HeaderMap,
) -> Result<Caller, AppError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(Caller::BadToken);
        };
        let hash = crate::services::accounts::token_hash(token);
        return Ok(
            match repo::api_tokens::find_active(&state.pool, &hash).await? {
                Some(found) => match TokenScope::parse(&found.scope) {
                    Ok(scope) => Caller::Token {
                        id: found.id,
                        scope,
                    },
                    Err(_) => Caller::BadToken,
                },
                None => Caller::BadToken,
            },
        );
    }
    let login: Option<SessionLogin> = session.get(LOGIN_KEY).await.map_err(session_error)?;
    let Some(login) = login else {
        return Ok(Caller::Anonymous);
    };
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - login.authenticated_at;
    let expired = age < 0 || age as u64 > state.settings.session_lifetime_secs;
    let user = if expired {
        None
    } else {
        active_user(state, login.user_id).await?
    };
    // Disabled, deleted, password changed since, or past its lifetime: the session ends.
    let Some(row) = user
        .filter(|row| session_auth_hash(&row.password_hash, row.session_epoch) == login.auth_hash)
    else {
        session.flush().await.map_err(session_error)?;
        return Ok(Caller::Anonymous);
    };
    let Ok(role) = Role::parse(&row.role) else {
        return Ok(Caller::Anonymous);
    };
    keep_alive(session, state.settings.session_idle_timeout()).await?;
    let department = match (row.department_id, row.department_slug, row.department_name) {
        (Some(id), Some(slug), Some(name)) => Some(DepartmentRef { id, slug, name }),
        _ => None,
    };
    Ok(Caller::User(CurrentUser {
        id: row.id,
        name: row.name,
        email: row.email,
        role,
        department,
    }))
}

/// When the session's record was last renewed (Unix seconds).
const RENEWED_KEY: &str = "renewed_at";

/// Renews the session's record and cookie, so that the idle timeout counts from the last
/// request: at most once every tenth of the timeout (and at most once a minute). Renewing
/// on every request would make every page view a committed write.
async fn keep_alive(
    session: &Session,
    idle_timeout: std::time::Duration,
) -> Result<(), sqlx::Error> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let every = (idle_timeout.as_secs() / 10).min(60) as i64;
    let renewed: Option<i64> = session.get(RENEWED_KEY).await.map_err(session_error)?;
    if renewed.is_none_or(|at| now - at >= every || at > now) {
        session
            .insert(RENEWED_KEY, now)
            .await
            .map_err(session_error)?;
    }
    Ok(())
}

/// The person behind a session, unless disabled. Read once per data version (as the
/// session record is, see `web::session_store`): disabling an account, changing a password
/// or a role is a write, which moves the version on.
async fn active_user(
    state: &AppState,
    id: Uuid,
) -> Result<Option<repo::users::SessionUserRow>, AppError> {
    let load = async { Ok(repo::users::find_active(&state.pool, id).await?) };
    match freshness::request_version() {
        Some(version) => Ok(Option::clone(
            &*state
                .caches
                .users
                .get_or_load(version, id.to_string(), load)
                .await?,
        )),
        None => load.await,
    }
}

fn session_error(error: tower_sessions::session::Error) -> sqlx::Error {
    sqlx::Error::Protocol(format!("session store: {error}"))
}

/// Starts a login in this session: a new session id (no fixation), then the login.
pub async fn begin_login(
    session: &Session,
    user_id: Uuid,
    session_hash: String,
) -> Result<(), sqlx::Error> {
    session.cycle_id().await.map_err(session_error)?;
    let login = SessionLogin {
        user_id,
        auth_hash: session_hash,
        authenticated_at: time::OffsetDateTime::now_utc().unix_timestamp(),
    };
    session
        .insert(LOGIN_KEY, login)
        .await
        .map_err(session_error)
}

/// Ends this session: its record is deleted and the cookie cleared.
pub async fn end_login(session: &Session) -> Result<(), sqlx::Error> {
    session.flush().await.map_err(session_error)
}

fn client_ip(peer: IpAddr, headers: &axum::http::HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // Walk back from the hop our proxy appended; an entry we cannot read ends the walk
    // (anything left of it may be the client's own invention).
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted_proxies.contains(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(client_ip(peer, &forwarded("1.2.3.4"), &[]), peer);
    }

    #[test]
    fn an_unreadable_hop_stops_the_walk_instead_of_trusting_what_is_left_of_it() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let headers = forwarded("6.6.6.6, 198.51.100.7:4711");
        assert_eq!(client_ip(proxy, &headers, &[proxy]), proxy);
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_last_untrusted_hop() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let headers = forwarded("6.6.6.6, 198.51.100.7");
        assert_eq!(
            client_ip(proxy, &headers, &[proxy]),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
    }
}
