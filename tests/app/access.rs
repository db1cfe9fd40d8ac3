//! Who may use what: every route requested by every kind of caller, and nothing written
//! by a refused request.

use crate::helpers::{TestApp, add_department, new_client, spawn_app};
use centric::domain::TokenScope;
use centric::web::access::Access;
use reqwest::{Method, StatusCode};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Persona {
    Anonymous,
    Executive,
    DepartmentHead,
    CxLead,
    ReadToken,
    IngestToken,
}

/// Rows in every table a person's request could change (the audit log, sessions and
/// login throttle record the attempt itself, so they are left out).
async fn data_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        r#"SELECT (SELECT count(*) FROM organisation) + (SELECT count(*) FROM departments)
                + (SELECT count(*) FROM department_links) + (SELECT count(*) FROM touchpoints)
                + (SELECT count(*) FROM surveys) + (SELECT count(*) FROM responses)
                + (SELECT count(*) FROM objectives) + (SELECT count(*) FROM kpi_measurements)
                + (SELECT count(*) FROM incentive_plans) + (SELECT count(*) FROM incentive_links)
                + (SELECT count(*) FROM themes) + (SELECT count(*) FROM follow_ups)
                + (SELECT count(*) FROM users) + (SELECT count(*) FROM api_tokens)
                + (SELECT count(*) FROM service_contacts)"#,
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

fn expected(access: Access, persona: Persona) -> Expect {
    use Persona::*;
    let token = matches!(persona, ReadToken | IngestToken);
    match access {
        Access::Public => Expect::Allowed,
        Access::Api(scope) => match persona {
            Anonymous => Expect::Status(StatusCode::UNAUTHORIZED),
            ReadToken if scope == TokenScope::Read => Expect::Allowed,
            IngestToken if scope == TokenScope::Ingest => Expect::Allowed,
            ReadToken | IngestToken => Expect::Status(StatusCode::FORBIDDEN),
            _ if scope == TokenScope::Read => Expect::Allowed,
            _ => Expect::Status(StatusCode::FORBIDDEN),
        },
        _ if persona == Anonymous || token => Expect::LoginRedirect,
        Access::SignedIn => Expect::Allowed,
        // The head persona heads `sales`, the department of every sample path.
        Access::DepartmentEditor if matches!(persona, CxLead | DepartmentHead) => Expect::Allowed,
        Access::DepartmentEditor => Expect::Status(StatusCode::FORBIDDEN),
        Access::CxLead if persona == CxLead => Expect::Allowed,
        Access::CxLead => Expect::Status(StatusCode::FORBIDDEN),
    }
}

#[derive(Debug, PartialEq)]
enum Expect {
    Allowed,
    LoginRedirect,
    Status(StatusCode),
}

/// A concrete path for a route pattern.
fn sample_path(pattern: &str) -> String {
    pattern
        .replace("{slug}", "sales")
        .replace("{*path}", "app.css")
}

#[tokio::test]
async fn every_route_answers_every_kind_of_caller_as_its_access_rule_says() {
    let app = spawn_app().await;
    add_department(&app.db.pool, "sales", "Sales", "front-line").await;
    let mut callers = Vec::new();
    for (persona, role) in [
        (Persona::Executive, "executive"),
        (Persona::DepartmentHead, "department-head"),
        (Persona::CxLead, "cx-lead"),
    ] {
        let user = app
            .create_user(role, (role == "department-head").then_some("sales"))
            .await;
        let client = new_client();
        let response = client
            .post(app.url("/login"))
            .form(&[
                ("email", user.email.as_str()),
                ("password", user.password.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        callers.push((persona, client, None));
    }
    callers.push((Persona::Anonymous, new_client(), None));
    for (persona, scope) in [
        (Persona::ReadToken, "read"),
        (Persona::IngestToken, "ingest"),
    ] {
        let issued = centric::services::accounts::create_token(
            &app.db.pool,
            "t",
            scope,
            &centric::repo::audit::Actor::Cli,
        )
        .await
        .unwrap();
        callers.push((persona, new_client(), Some(issued.token)));
    }

    let (_, mut table) = centric::web::routes().into_parts();
    // Signing out ends the persona's session: request it last.
    table.sort_by_key(|route| route.path == "/logout");
    assert!(table.len() >= 10, "the table lists the routes");
    for route in &table {
        let path = sample_path(route.path);
        for (persona, client, token) in &callers {
            let before = data_rows(&app).await;
            let mut request = client.request(
                Method::from_bytes(route.method.as_str().as_bytes()).unwrap(),
                app.url(&path),
            );
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if route.method == axum::http::Method::POST {
                request = request.form(&[("probe", "1")]);
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let location = response
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            let context = format!("{} {path} as {persona:?}", route.method);
            let to_login = status.is_redirection()
                && location
                    .as_deref()
                    .is_some_and(|l| l.starts_with("/login?"));
            let refused = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
            match expected(route.access, *persona) {
                Expect::Allowed => assert!(
                    !refused && !to_login,
                    "{context}: expected access, got {status}"
                ),
                Expect::LoginRedirect => {
                    assert_eq!(status, StatusCode::SEE_OTHER, "{context}");
                    assert!(
                        location
                            .as_deref()
                            .unwrap_or_default()
                            .starts_with("/login?next="),
                        "{context}: {location:?}"
                    );
                }
                Expect::Status(expected) => assert_eq!(status, expected, "{context}"),
            }
            if refused || to_login {
                assert_eq!(
                    data_rows(&app).await,
                    before,
                    "{context}: a refused request wrote nothing"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_refused_request_is_recorded_in_the_audit_log() {
    let app = spawn_app().await;
    let executive = app.signed_in_as("executive").await;
    assert_eq!(app.get("/admin/audit").await.status(), 403);
    let denied: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'access.denied' AND actor_user_id = $1 AND target_id = 'GET /admin/audit'",
    )
    .bind(executive.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(denied, 1);
}

#[tokio::test]
async fn each_role_lands_on_its_own_home_and_sees_only_its_navigation() {
    let app = spawn_app().await;
    for (role, home, shown, hidden) in [
        ("cx-lead", "/admin", "/admin/audit", "My scorecard"),
        (
            "department-head",
            "/departments/sales",
            "My scorecard",
            "/admin",
        ),
        ("executive", "/executive", "/executive", "/admin"),
    ] {
        let client = new_client();
        if role == "department-head" {
            add_department(&app.db.pool, "sales", "Sales", "front-line").await;
        }
        let user = app
            .create_user(role, (role == "department-head").then_some("sales"))
            .await;
        let login = client
            .post(app.url("/login"))
            .form(&[("email", &user.email), ("password", &user.password)])
            .send()
            .await
            .unwrap();
        assert_eq!(login.headers()["location"], "/", "{role}");
        let landing = client.get(app.url("/")).send().await.unwrap();
        assert_eq!(landing.headers()["location"], home, "{role}");
        let page = client.get(app.url(home)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{role}");
        let body = page.text().await.unwrap();
        assert!(body.contains(shown), "{role} sees {shown}");
        assert!(
            !body.contains(&format!("href=\"{hidden}\"")) && !body.contains(&format!(">{hidden}<")),
            "{role} does not see {hidden}"
        );
    }
}

#[tokio::test]
async fn a_signed_out_visitor_is_sent_to_login_and_back_to_the_page_afterwards() {
    let app = spawn_app().await;
    let response = app.get("/admin/audit?action=login").await;
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/login?next=%2Fadmin%2Faudit%3Faction%3Dlogin");
    let user = app.create_user("cx-lead", None).await;
    let login = app
        .post_form(
            "/login",
            &[
                ("email", &user.email),
                ("password", &user.password),
                ("next", "/admin/audit?action=login"),
            ],
        )
        .await;
    assert_eq!(login.headers()["location"], "/admin/audit?action=login");
}

#[tokio::test]
async fn the_login_form_refuses_unknown_fields() {
    let app = spawn_app().await;
    let user = app.create_user("executive", None).await;
    let response = app
        .post_form(
            "/login",
            &[
                ("email", &user.email),
                ("password", &user.password),
                ("role", "cx-lead"),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        422,
        "mass assignment is refused, not ignored"
    );
}
