//! Brute force, CSRF, security headers, hostile text and API tokens.

use crate::helpers::{TestApp, add_department, new_client, spawn_app, spawn_app_with};
use centric::repo::audit::Actor;

/// A client whose requests come from `ip` (any 127.x.y.z works on loopback).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().unwrap())
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn attempt(app: &TestApp, client: &reqwest::Client, email: &str) -> reqwest::Response {
    client
        .post(app.url("/login"))
        .form(&[("email", email), ("password", "wrong password!")])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_eleventh_login_attempt_in_a_minute_from_one_address_gets_429() {
    let app = spawn_app().await;
    let client = client_from("127.0.0.21");
    // All at once: the quota refills one attempt every six seconds, and ten sequential
    // password checks on a busy machine can take longer than that.
    let emails: Vec<String> = (0..11).map(|i| format!("guess{i}@example.com")).collect();
    let answers =
        futures_util::future::join_all(emails.iter().map(|email| attempt(&app, &client, email)))
            .await;
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status().as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses, [vec![401; 10], vec![429]].concat());
    let limited = answers
        .iter()
        .find(|a| a.status() == 429)
        .expect("one refused");
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let other = client_from("127.0.0.22");
    assert_eq!(
        attempt(&app, &other, "guess11@example.com").await.status(),
        401,
        "other addresses still get through"
    );
}

#[tokio::test]
async fn repeated_failures_lock_an_account_for_that_network_but_not_for_its_owner_elsewhere() {
    let app = spawn_app().await;
    let user = app.create_user("executive", None).await;
    // Five guesses from addresses of one /24 ...
    for i in 0..5 {
        let client = client_from(&format!("127.0.1.{}", i + 1));
        assert_eq!(attempt(&app, &client, &user.email).await.status(), 401);
    }
    let right_password = |client: reqwest::Client| {
        let (url, email, password) = (app.url("/login"), user.email.clone(), user.password.clone());
        async move {
            client
                .post(url)
                .form(&[("email", email), ("password", password)])
                .send()
                .await
                .unwrap()
        }
    };
    // ... lock that account from that network, even with the right password,
    let locked = right_password(client_from("127.0.1.99")).await;
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().contains_key("retry-after"));
    // while the owner, elsewhere, still signs in: the guesser cannot lock them out.
    assert_eq!(right_password(client_from("127.0.2.5")).await.status(), 303);
}

#[tokio::test]
async fn a_next_parameter_with_whitespace_cannot_redirect_off_site() {
    let app = spawn_app().await;
    let user = app.create_user("executive", None).await;
    for hostile in ["/\t/evil.example/x", "/\n/evil.example", "//evil.example"] {
        let response = app
            .post_form(
                "/login",
                &[
                    ("email", &user.email),
                    ("password", &user.password),
                    ("next", hostile),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "{hostile:?}");
        assert_eq!(response.headers()["location"], "/", "{hostile:?}");
    }
}

#[tokio::test]
async fn unreadable_paths_and_queries_get_the_error_page_not_library_text() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    for (path, status) in [("/departments/%FF", 400), ("/admin/audit?before=x", 400)] {
        let response = app.get(path).await;
        assert_eq!(response.status(), status, "{path}");
        let body = response.text().await.unwrap();
        assert!(body.contains("Address not understood"), "{path}: {body}");
        for leak in ["UTF-8", "deserialize", "invalid digit"] {
            assert!(!body.contains(leak), "{path} leaks {leak:?}");
        }
    }
}

#[tokio::test]
async fn https_deployments_send_strict_transport_security() {
    let app = spawn_app_with(|s| s.public_url = "https://cx.example.com".into()).await;
    assert_eq!(
        app.get("/login").await.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let plain = spawn_app().await;
    assert!(
        !plain
            .get("/login")
            .await
            .headers()
            .contains_key("strict-transport-security")
    );
}

#[tokio::test]
async fn x_forwarded_for_does_not_dodge_the_limit_without_a_trusted_proxy() {
    let app = spawn_app().await;
    let client = client_from("127.0.0.31");
    // Eleven at once, each claiming another address (see the test above for why at once).
    let attempts = (0..11).map(|i| {
        client
            .post(app.url("/login"))
            .header("x-forwarded-for", format!("10.9.8.{i}"))
            .form(&[
                ("email", format!("x{i}@example.com")),
                ("password", "wrong password!".to_owned()),
            ])
            .send()
    });
    let mut statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(|response| response.unwrap().status().as_u16())
        .collect();
    statuses.sort();
    assert_eq!(statuses, [vec![401; 10], vec![429]].concat());
}

#[tokio::test]
async fn cross_site_form_posts_are_refused_and_same_origin_ones_pass() {
    let app = spawn_app().await;
    app.signed_in_as("executive").await;
    let cross_site = app
        .client
        .post(app.url("/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    let foreign_origin = app
        .client
        .post(app.url("/logout"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign_origin.status(), 403);
    assert_eq!(
        app.get("/executive").await.status(),
        200,
        "still signed in: the forged logouts did nothing"
    );
    let same_origin = app
        .client
        .post(app.url("/logout"))
        .header("sec-fetch-site", "same-origin")
        .header("origin", format!("http://{}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), 303);
}

fn assert_hardened(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    assert_eq!(
        headers
            .get("content-security-policy")
            .map(|v| v.to_str().unwrap()),
        Some(
            "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        ),
        "{what}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert!(headers.contains_key("referrer-policy"), "{what}");
    assert!(headers.contains_key("cache-control"), "{what}");
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = spawn_app_with(|s| s.login_per_minute = 1).await;
    let user = app.signed_in_as("executive").await;
    let ok = app.get("/executive").await;
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.headers()["cache-control"],
        "no-store",
        "authenticated pages are not cached"
    );
    assert_hardened(&ok, "200");
    let redirect = new_client()
        .get(app.url("/executive"))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 303);
    assert_hardened(&redirect, "303");
    let missing = app.get("/nothing-here").await;
    assert_eq!(missing.status(), 404);
    assert_hardened(&missing, "404");
    let too_large = app
        .client
        .post(app.url("/login"))
        .body(vec![b'a'; 100 * 1024])
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status(), 413);
    assert_hardened(&too_large, "413");
    let limited = attempt(&app, &app.client, &user.email).await;
    assert_eq!(limited.status(), 429);
    assert_hardened(&limited, "429");
    // Break the database under the page: the 500 page shows nothing internal.
    sqlx::query("ALTER TABLE organisation RENAME TO organisation_gone")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let failed = app.get("/executive").await;
    assert_eq!(failed.status(), 500);
    assert_hardened(&failed, "500");
    let body = failed.text().await.unwrap();
    for leak in [
        "organisation",
        "sqlx",
        "relation",
        "SELECT",
        "panicked",
        "src/",
    ] {
        assert!(!body.contains(leak), "the error page leaks {leak:?}");
    }
}

const XSS: [&str; 4] = [
    "<script>alert(1)</script>",
    "\"><svg onload=alert(1)>",
    "</textarea><b>x</b>",
    "javascript:alert(1)",
];

#[tokio::test]
async fn hostile_text_is_rendered_escaped_wherever_staff_read_it() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    for (i, payload) in XSS.iter().enumerate() {
        let id = add_department(
            pool,
            &format!("d{i}"),
            &format!("Dept {payload}"),
            "support",
        )
        .await;
        sqlx::query("UPDATE departments SET impact_statement = $1 WHERE id = $2")
            .bind(*payload)
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
    }
    // A hostile "e-mail" typed at the login form lands in the audit log the CX lead reads.
    for payload in XSS {
        app.log_in(payload, "whatever password").await;
    }
    let lead = app.create_user("cx-lead", None).await;
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
        .bind(XSS[1])
        .bind(lead.id)
        .execute(pool)
        .await
        .unwrap();
    app.log_in(&lead.email, &lead.password).await;

    for page in ["/departments", "/departments/d1", "/admin/audit", "/admin"] {
        let body = app.get(page).await.text().await.unwrap();
        for raw in [
            "<script>alert(1)",
            "<svg onload",
            "</textarea><b>",
            "href=\"javascript:",
        ] {
            assert!(!body.contains(raw), "{page} contains raw {raw:?}");
        }
    }
    let audit = app
        .get("/admin/audit?action=login.failure")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        audit.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "the attempt is shown, as text"
    );
}

#[tokio::test]
async fn api_tokens_are_checked_for_presence_validity_revocation_and_scope() {
    let app = spawn_app().await;
    let url = app.url("/api/v1/departments");
    let client = new_client();
    let none = client.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(
        none.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "unauthorized"
    );
    assert_eq!(
        client
            .get(&url)
            .bearer_auth("ctk_not-a-real-token")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let in_query = client
        .get(format!("{url}?access_token=anything"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        in_query.status(),
        401,
        "tokens are never read from the query string"
    );

    let read =
        centric::services::accounts::create_token(&app.db.pool, "reader", "read", &Actor::Cli)
            .await
            .unwrap();
    let ingest =
        centric::services::accounts::create_token(&app.db.pool, "pusher", "ingest", &Actor::Cli)
            .await
            .unwrap();
    let admin =
        centric::services::accounts::create_token(&app.db.pool, "admin", "admin", &Actor::Cli)
            .await
            .unwrap();
    assert_eq!(
        client
            .get(&url)
            .bearer_auth(&read.token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client
            .get(&url)
            .bearer_auth(&admin.token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let wrong_scope = client
        .get(&url)
        .bearer_auth(&ingest.token)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_scope.status(), 403);
    assert_eq!(
        wrong_scope.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "forbidden"
    );

    sqlx::query("UPDATE api_tokens SET revoked_at = now() WHERE id = $1")
        .bind(read.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        client
            .get(&url)
            .bearer_auth(&read.token)
            .send()
            .await
            .unwrap()
            .status(),
        401,
        "revoked"
    );
}

#[tokio::test]
async fn each_token_has_its_own_request_budget() {
    let app = spawn_app_with(|s| s.api_per_minute = 3).await;
    let url = app.url("/api/v1/departments");
    let first = centric::services::accounts::create_token(&app.db.pool, "a", "read", &Actor::Cli)
        .await
        .unwrap();
    let second = centric::services::accounts::create_token(&app.db.pool, "b", "read", &Actor::Cli)
        .await
        .unwrap();
    let client = new_client();
    for _ in 0..3 {
        assert_eq!(
            client
                .get(&url)
                .bearer_auth(&first.token)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let limited = client
        .get(&url)
        .bearer_auth(&first.token)
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(
        client
            .get(&url)
            .bearer_auth(&second.token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
