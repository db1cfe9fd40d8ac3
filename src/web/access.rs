//! Who may use which route — decided here, in one place, for every route. Each route is
//! registered through [`Routes`] with its [`Access`]; the same list drives the guard and
//! the route-table test that requests every route as every kind of caller.

use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodFilter, on};
use axum::{Extension, Router};

use tower_http::limit::RequestBodyLimitLayer;

use crate::domain::{Role, TokenScope};
use crate::error::{ApiError, ErrorPage};
use crate::state::AppState;
use crate::web::caller::{Caller, Denied};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login page, probes, assets, public survey).
    Public,
    /// Any signed-in person: every role reads every scorecard and dashboard.
    SignedIn,
    /// The CX lead only: configuration and the audit log.
    CxLead,
    /// Writes to the department named by the route's `{slug}`: the CX lead, or that
    /// department's own head (whose department comes from their account).
    DepartmentEditor,
    /// The JSON API: a token with this scope (an `admin` token may do anything), or —
    /// for reading — a signed-in person.
    Api(TokenScope),
}

impl Access {
    /// Does `caller` pass for a route whose `{slug}` is `department`? `Err` says how to
    /// refuse.
    fn check(self, caller: &Caller, department: Option<&str>) -> Result<(), Refusal> {
        match (self, caller) {
            (Self::Public, _) => Ok(()),
            (Self::Api(_), Caller::Anonymous | Caller::BadToken) => Err(Refusal::Unauthenticated),
            (Self::Api(TokenScope::Read), Caller::User(_)) => Ok(()),
            (Self::Api(needed), Caller::Token { scope, .. })
                if *scope == needed || *scope == TokenScope::Admin =>
            {
                Ok(())
            }
            (Self::Api(_), _) => Err(Refusal::Forbidden),
            (_, Caller::Anonymous | Caller::BadToken | Caller::Token { .. }) => {
                Err(Refusal::Unauthenticated)
            }
            (Self::SignedIn, Caller::User(_)) => Ok(()),
            (Self::CxLead, Caller::User(user)) if user.role == Role::CxLead => Ok(()),
            (Self::CxLead, Caller::User(_)) => Err(Refusal::Forbidden),
            (Self::DepartmentEditor, Caller::User(user)) => match user.role {
                Role::CxLead => Ok(()),
                Role::DepartmentHead
                    if user.department.as_ref().map(|d| d.slug.as_str()) == department
                        && department.is_some() =>
                {
                    Ok(())
                }
                _ => Err(Refusal::Forbidden),
            },
        }
    }

    /// The largest request body a route takes: small for forms and the public survey,
    /// larger for API batches (up to 10,000 responses).
    fn body_limit(self) -> usize {
        match self {
            Self::Api(_) => 16 * 1024 * 1024,
            _ => 64 * 1024,
        }
    }

    fn is_api(self) -> bool {
        matches!(self, Self::Api(_))
    }
}

enum Refusal {
    Unauthenticated,
    Forbidden,
}

/// One registered route, as the route-table test sees it.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// A router that cannot register a route without saying who may use it.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<RouteInfo>,
}

impl Default for Routes {
    fn default() -> Self {
        Self {
            router: Router::new(),
            table: Vec::new(),
        }
    }
}

impl Routes {
    pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(
            Method::GET,
            MethodFilter::GET,
            path,
            access,
            handler,
            access.body_limit(),
        )
    }

    pub fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(
            Method::POST,
            MethodFilter::POST,
            path,
            access,
            handler,
            access.body_limit(),
        )
    }

    /// A POST taking a file upload of up to `body_limit` bytes.
    pub fn post_upload<H, T>(
        self,
        path: &'static str,
        access: Access,
        body_limit: usize,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(
            Method::POST,
            MethodFilter::POST,
            path,
            access,
            handler,
            body_limit,
        )
    }

    fn add<H, T>(
        mut self,
        method: Method,
        filter: MethodFilter,
        path: &'static str,
        access: Access,
        handler: H,
        body_limit: usize,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        // The body limit sits inside the guard: nobody unauthorised gets to send a big body.
        let route = on(filter, handler)
            .layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(body_limit))
            .layer(RequestBodyLimitLayer::new(body_limit))
            .route_layer(from_fn_with_state(access, guard));
        self.router = self.router.route(path, route);
        self.table.push(RouteInfo {
            method,
            path,
            access,
        });
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteInfo>) {
        (self.router, self.table)
    }
}

/// Lets a request through, or refuses it: pages send anonymous people to the login page
/// (and back afterwards); the API answers 401; the wrong role gets 403, audited.
async fn guard(
    State(access): State<Access>,
    Extension(caller): Extension<Caller>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let department = match RawPathParams::from_request_parts(&mut parts, &()).await {
        Ok(params) => params
            .iter()
            .find(|(name, _)| *name == "slug")
            .map(|(_, value)| value.to_owned()),
        Err(_) => None,
    };
    let request = Request::from_parts(parts, body);
    match access.check(&caller, department.as_deref()) {
        Ok(()) => next.run(request).await,
        Err(Refusal::Unauthenticated) if access.is_api() => {
            let mut response = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send a valid API token as `Authorization: Bearer <token>`",
            )
            .into_response();
            response.headers_mut().insert(
                "www-authenticate",
                "Bearer".parse().expect("a valid header"),
            );
            response
        }
        Err(Refusal::Unauthenticated) => {
            let next_path = request.uri().path_and_query().map_or("/", |p| p.as_str());
            let target = format!("/login?next={}", urlencode(next_path));
            Redirect::to(&target).into_response()
        }
        Err(Refusal::Forbidden) => {
            let denied = Denied {
                method: request.method().to_string(),
                path: request.uri().path().to_owned(),
            };
            let mut response = if access.is_api() {
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    "this token's scope does not allow this request",
                )
                .into_response()
            } else {
                ErrorPage::for_status(StatusCode::FORBIDDEN)
                    .into_response_with(StatusCode::FORBIDDEN)
            };
            response.extensions_mut().insert(denied);
            response
        }
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
