//! Users and API tokens under /admin: one-time passwords and tokens shown once and
//! never stored in the clear, sessions ended by disabling and password resets, the rules
//! that keep a CX lead in charge, optimistic concurrency, audit, and who may use them.

use crate::helpers::{TestApp, add_department, new_client, spawn_app};
use centric::repo::audit::Actor;
use centric::services::users::{self as user_admin, SaveError};
use uuid::Uuid;

/// The value of the page's read-only secret field (a one-time password or a token).
fn secret_in(page: &str) -> String {
    let marker = "class=\"secret-value\" value=\"";
    let start = page.find(marker).expect("the page shows a secret") + marker.len();
    let end = start + page[start..].find('"').unwrap();
    page[start..end].to_owned()
}

async fn signs_in(app: &TestApp, email: &str, password: &str) -> Option<reqwest::Client> {
    let client = new_client();
    let response = client
        .post(app.url("/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    (response.status() == 303).then_some(client)
}

async fn is_signed_in(app: &TestApp, client: &reqwest::Client) -> bool {
    client
        .get(app.url("/executive"))
        .send()
        .await
        .unwrap()
        .status()
        == 200
}

async fn audit_of(app: &TestApp, target: Uuid) -> Vec<(String, Option<Uuid>, String)> {
    sqlx::query_as(
        "SELECT action, actor_user_id, coalesce(before::text, '') || ' ' || coalesce(after::text, '')
         FROM audit_log WHERE target_id = $1 ORDER BY id",
    )
    .bind(target.to_string())
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = lower($1)")
        .bind(email)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn create_user(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    app.post_form("/admin/users", fields).await
}

#[tokio::test]
async fn a_new_users_password_is_shown_once_is_stored_only_as_a_hash_and_signs_them_in() {
    let app = spawn_app().await;
    let cx = app.signed_in_as("cx-lead").await;
    add_department(&app.db.pool, "finance", "Finance", "support").await;

    let response = create_user(
        &app,
        &[
            ("name", "Fiona Finance"),
            ("email", "fiona@example.com"),
            ("role", "department-head"),
            ("department", "finance"),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("it is shown only this once"));
    let password = secret_in(&page);
    assert!(password.len() >= 20, "{password}");
    let fiona = user_id(&app, "fiona@example.com").await;

    let (role, department, hash): (String, Option<String>, String) = sqlx::query_as(
        "SELECT u.role, d.slug::text, u.password_hash FROM users u
         LEFT JOIN departments d ON d.id = u.department_id WHERE u.id = $1",
    )
    .bind(fiona)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (role.as_str(), department.as_deref()),
        ("department-head", Some("finance"))
    );
    assert!(hash.starts_with("$argon2id$") && !hash.contains(&password));
    let anywhere: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM users u WHERE row_to_json(u)::text LIKE '%' || $1 || '%')
              + (SELECT count(*) FROM audit_log a WHERE row_to_json(a)::text LIKE '%' || $1 || '%')",
    )
    .bind(&password)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(anywhere, 0, "the password is stored nowhere in the clear");

    // Shown once: the account's pages do not show it again.
    let edit = app
        .get(&format!("/admin/users/{fiona}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!edit.contains(&password));
    let listing = app.get("/admin/users").await.text().await.unwrap();
    assert!(listing.contains("Fiona Finance") && !listing.contains(&password));

    let client = signs_in(&app, "fiona@example.com", &password)
        .await
        .expect("the password signs them in");
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.headers()["location"], "/departments/finance");

    let audit = audit_of(&app, fiona).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].0.as_str(), audit[0].1),
        ("user.create", Some(cx.id))
    );
}

#[tokio::test]
async fn bad_user_input_is_shown_again_with_field_messages_and_nothing_saved() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let response = create_user(
        &app,
        &[
            ("name", " "),
            ("email", "not an address"),
            ("role", "department-head"),
            ("department", ""),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    for message in [
        "The account was not created.",
        "give a name of 1 to 120 characters",
        "enter an e-mail address such as name@example.com",
        "a department head needs a department",
    ] {
        assert!(body.contains(message), "{message} missing");
    }
    assert!(
        body.contains("value=\"not an address\""),
        "the input is kept"
    );
    assert!(body.contains("value=\"department-head\" checked"));

    let response = create_user(
        &app,
        &[
            ("name", "Eve"),
            ("email", "eve@example.com"),
            ("role", "owner"),
            ("department", ""),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("choose a role from the list")
    );

    // An address that already has an account, in another case: a field error, not a 500.
    let existing = app.create_user("executive", None).await;
    let response = create_user(
        &app,
        &[
            ("name", "Someone Else"),
            ("email", &existing.email.to_uppercase()),
            ("role", "executive"),
            ("department", ""),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("already has an account"), "{body}");
    assert!(body.contains("value=\"Someone Else\""));
    // A password field is not part of the form: nobody picks it.
    let response = create_user(
        &app,
        &[
            ("name", "Mallory"),
            ("email", "m@example.com"),
            ("role", "executive"),
            ("password", "chosen by me 123"),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(after, before + 1, "only the test's own executive was added");
}

#[tokio::test]
async fn an_edit_saves_over_the_version_seen_and_a_stale_one_overwrites_nothing() {
    let app = spawn_app().await;
    let cx = app.signed_in_as("cx-lead").await;
    let sales = add_department(&app.db.pool, "sales", "Sales", "front-line").await;
    let user = app.create_user("executive", None).await;
    let path = format!("/admin/users/{}", user.id);

    let first = app
        .post_form(
            &path,
            &[
                ("name", "Sam Sales"),
                ("role", "department-head"),
                ("department", "sales"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(first.status(), 303);
    assert_eq!(
        first.headers()["location"],
        format!("{path}?saved=updated").as_str()
    );
    let second = app
        .post_form(
            &path,
            &[
                ("name", "Samantha"),
                ("role", "executive"),
                ("department", ""),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(second.status(), 409);
    let body = second.text().await.unwrap();
    assert!(body.contains("Someone else changed this account"));
    assert!(
        body.contains("<strong>Sam Sales</strong>, Department head of Sales"),
        "theirs is shown"
    );
    assert!(body.contains("value=\"Samantha\""), "mine is kept");
    assert!(body.contains("name=\"version\" value=\"2\""));
    let (name, role, department): (String, String, Option<Uuid>) =
        sqlx::query_as("SELECT name, role, department_id FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), role.as_str(), department),
        ("Sam Sales", "department-head", Some(sales))
    );

    // A department head needs a department; changing the role away clears it.
    let response = app
        .post_form(
            &path,
            &[
                ("name", "Sam"),
                ("role", "department-head"),
                ("department", ""),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let response = app
        .post_form(
            &path,
            &[
                ("name", "Sam"),
                ("role", "executive"),
                ("department", "sales"),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let department: Option<Uuid> =
        sqlx::query_scalar("SELECT department_id FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(department, None);

    let audit = audit_of(&app, user.id).await;
    let updates: Vec<&(String, Option<Uuid>, String)> = audit
        .iter()
        .filter(|(a, _, _)| a == "user.update")
        .collect();
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[0].1, Some(cx.id));
    assert!(
        updates[0].2.contains("\"role\": \"executive\"")
            && updates[0].2.contains("\"role\": \"department-head\""),
        "{}",
        updates[0].2
    );
}

#[tokio::test]
async fn disabling_a_user_ends_their_session_and_enabling_does_not_revive_it() {
    let app = spawn_app().await;
    let cx = app.signed_in_as("cx-lead").await;
    let user = app.create_user("executive", None).await;
    let theirs = signs_in(&app, &user.email, &user.password).await.unwrap();
    assert!(is_signed_in(&app, &theirs).await);
    // A second session, not used while the account is disabled (a request then would
    // delete it): only the new session epoch keeps it from coming back on enabling.
    let dormant = signs_in(&app, &user.email, &user.password).await.unwrap();

    let status = format!("/admin/users/{}/status", user.id);
    let response = app
        .post_form(&status, &[("version", "1"), ("disable", "1")])
        .await;
    assert_eq!(response.status(), 303);
    assert!(
        !is_signed_in(&app, &theirs).await,
        "their session ended at once"
    );
    assert!(signs_in(&app, &user.email, &user.password).await.is_none());
    let page = app
        .get(&format!("/admin/users/{}?saved=disabled", user.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Account disabled."));
    assert!(page.contains("Enable account"));
    let listing = app.get("/admin/users").await.text().await.unwrap();
    assert!(listing.contains("Disabled"));

    // A stale form is refused.
    let stale = app
        .post_form(&status, &[("version", "1"), ("disable", "0")])
        .await;
    assert_eq!(stale.status(), 409);

    let response = app
        .post_form(&status, &[("version", "2"), ("disable", "0")])
        .await;
    assert_eq!(response.status(), 303);
    assert!(
        !is_signed_in(&app, &dormant).await,
        "an old session stays ended"
    );
    assert!(signs_in(&app, &user.email, &user.password).await.is_some());

    let actions: Vec<(String, Option<Uuid>)> = audit_of(&app, user.id)
        .await
        .into_iter()
        .map(|(a, by, _)| (a, by))
        .collect();
    assert_eq!(
        actions[1..],
        [
            ("user.disable".to_owned(), Some(cx.id)),
            ("user.enable".to_owned(), Some(cx.id))
        ]
    );
}

#[tokio::test]
async fn a_cx_lead_cannot_disable_or_demote_themselves_nor_leave_nobody_in_charge() {
    let app = spawn_app().await;
    let cx = app.signed_in_as("cx-lead").await;
    let own = format!("/admin/users/{}", cx.id);
    let page = app.get(&own).await.text().await.unwrap();
    assert!(page.contains("you cannot disable it here"));
    assert!(!page.contains("Disable account"));

    let response = app
        .post_form(
            &format!("{own}/status"),
            &[("version", "1"), ("disable", "1")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("You cannot disable your own account")
    );
    let response = app
        .post_form(
            &own,
            &[
                ("name", "Me"),
                ("role", "executive"),
                ("department", ""),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("you cannot change your own role")
    );
    let (role, disabled): (String, bool) =
        sqlx::query_as("SELECT role, disabled_at IS NOT NULL FROM users WHERE id = $1")
            .bind(cx.id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((role.as_str(), disabled), ("cx-lead", false));
    assert!(
        app.get("/admin/users").await.status() == 200,
        "still signed in"
    );

    // Whoever asks (here the command line), the last active CX lead stays one.
    let refused =
        user_admin::set_disabled(&app.db.pool, cx.id, true, "1", Uuid::nil(), &Actor::Cli).await;
    assert!(
        matches!(refused, Err(SaveError::Invalid(errors)) if errors.get(user_admin::STATUS).is_some_and(|why| why.contains("last active CX lead")))
    );
    let form = user_admin::UserForm {
        name: "Me".into(),
        role: "executive".into(),
        department: String::new(),
        version: "1".into(),
    };
    let refused =
        user_admin::update(&app.db.pool, cx.id, &form, &[], Uuid::nil(), &Actor::Cli).await;
    assert!(
        matches!(refused, Err(SaveError::Invalid(errors)) if errors.get("role").is_some_and(|m| m.contains("only active CX lead")))
    );

    // With a second CX lead, either may be disabled by the other.
    let second = app.create_user("cx-lead", None).await;
    let response = app
        .post_form(
            &format!("/admin/users/{}/status", second.id),
            &[("version", "1"), ("disable", "1")],
        )
        .await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn a_password_reset_ends_their_sessions_and_only_the_new_password_works() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let user = app.create_user("executive", None).await;
    let theirs = signs_in(&app, &user.email, &user.password).await.unwrap();

    let response = app
        .post_form(
            &format!("/admin/users/{}/password", user.id),
            &[("confirm", "1")],
        )
        .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("every session of this account has ended"));
    let password = secret_in(&page);
    assert_ne!(password, user.password);

    assert!(!is_signed_in(&app, &theirs).await);
    assert!(
        signs_in(&app, &user.email, &user.password).await.is_none(),
        "the old password fails"
    );
    let fresh = signs_in(&app, &user.email, &password)
        .await
        .expect("the new one works");
    assert!(is_signed_in(&app, &fresh).await);

    let audit = audit_of(&app, user.id).await;
    let reset = audit
        .iter()
        .find(|(a, _, _)| a == "user.reset_password")
        .expect("audited");
    assert!(!reset.2.contains(&password));
}

#[tokio::test]
async fn the_user_list_is_searched_and_paged() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    sqlx::query(
        "INSERT INTO users (email, name, role, password_hash)
         SELECT 'person' || i || '@example.com', 'Person ' || lpad(i::text, 2, '0'), 'executive', 'x'
         FROM generate_series(1, 60) i",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let first = app.get("/admin/users").await.text().await.unwrap();
    assert!(first.contains("Showing 1–50 of 61"), "{first}");
    assert!(first.contains("href=\"/admin/users?page=2\""));
    let second = app.get("/admin/users?page=2").await.text().await.unwrap();
    assert!(second.contains("Showing 51–61 of 61"));
    let found = app
        .get("/admin/users?q=PERSON7%40")
        .await
        .text()
        .await
        .unwrap();
    assert!(found.contains("Showing 1–1 of 1 matching"), "{found}");
    assert!(found.contains("person7@example.com"));
    let by_name = app
        .get("/admin/users?q=person+0")
        .await
        .text()
        .await
        .unwrap();
    assert!(by_name.contains("Showing 1–9 of 9 matching"));
}

#[tokio::test]
async fn a_token_is_shown_once_works_for_its_scope_and_stops_when_revoked() {
    let app = spawn_app().await;
    let cx = app.signed_in_as("cx-lead").await;
    let response = app
        .post_form(
            "/admin/tokens",
            &[("name", "Finance BI"), ("scope", "read")],
        )
        .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("it is shown only this once"));
    let token = secret_in(&page);
    assert!(token.starts_with("ctk_"), "{token}");
    let (id, stored): (Uuid, i64) = sqlx::query_as(
        "SELECT id, (SELECT count(*) FROM api_tokens t WHERE row_to_json(t)::text LIKE '%' || $1 || '%')
         FROM api_tokens WHERE name = 'Finance BI'",
    )
    .bind(&token)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(stored, 0, "only a hash is stored");

    let api = new_client();
    let call = |client: reqwest::Client, path: &'static str| {
        let (url, token) = (app.url(path), token.clone());
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(call(api.clone(), "/api/v1/departments").await, 200);

    let listing = app.get("/admin/tokens").await.text().await.unwrap();
    assert!(listing.contains("Finance BI") && listing.contains(&token[..12]));
    assert!(!listing.contains(&token), "the list never shows the token");
    assert!(listing.contains("by Test cx-lead"));

    let confirm = app.get(&format!("/admin/tokens/{id}/revoke")).await;
    assert_eq!(confirm.status(), 200);
    assert!(
        confirm
            .text()
            .await
            .unwrap()
            .contains("stops working with Centric at once")
    );
    let revoked = app
        .post_form(&format!("/admin/tokens/{id}/revoke"), &[("confirm", "1")])
        .await;
    assert_eq!(revoked.status(), 303);
    assert_eq!(revoked.headers()["location"], "/admin/tokens?saved=revoked");
    assert_eq!(call(api, "/api/v1/departments").await, 401);
    let again = app
        .post_form(&format!("/admin/tokens/{id}/revoke"), &[("confirm", "1")])
        .await;
    assert_eq!(again.headers()["location"], "/admin/tokens?saved=unchanged");

    let audit = audit_of(&app, id).await;
    let actions: Vec<(&str, Option<Uuid>)> =
        audit.iter().map(|(a, by, _)| (a.as_str(), *by)).collect();
    assert_eq!(
        actions,
        [("token.create", Some(cx.id)), ("token.revoke", Some(cx.id))]
    );
    assert!(audit.iter().all(|(_, _, change)| !change.contains(&token)));
}

#[tokio::test]
async fn a_token_form_with_bad_input_is_shown_again_and_an_ingest_token_cannot_read() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let response = app
        .post_form("/admin/tokens", &[("name", ""), ("scope", "admin")])
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("give a name of 1 to 120 characters"));
    assert!(
        body.contains("value=\"admin\" checked"),
        "the input is kept"
    );
    let response = app
        .post_form("/admin/tokens", &[("name", "X"), ("scope", "root")])
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("choose ingest, read or admin")
    );
    let tokens: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(tokens, 0);

    let page = app
        .post_form("/admin/tokens", &[("name", "CRM"), ("scope", "ingest")])
        .await
        .text()
        .await
        .unwrap();
    let status = new_client()
        .get(app.url("/api/v1/departments"))
        .bearer_auth(secret_in(&page))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 403, "an ingest token does not read");
}

#[tokio::test]
async fn a_department_head_may_not_manage_users_or_tokens() {
    let app = spawn_app().await;
    app.signed_in_as("department-head").await;
    for path in [
        "/admin/users",
        "/admin/users/new",
        "/admin/tokens",
        "/admin/tokens/new",
    ] {
        assert_eq!(app.get(path).await.status(), 403, "{path}");
    }
    let response = create_user(
        &app,
        &[
            ("name", "Eve"),
            ("email", "eve@example.com"),
            ("role", "cx-lead"),
            ("department", ""),
        ],
    )
    .await;
    assert_eq!(response.status(), 403);
    let response = app
        .post_form("/admin/tokens", &[("name", "X"), ("scope", "admin")])
        .await;
    assert_eq!(response.status(), 403);
    let (users, tokens): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM users WHERE email = 'eve@example.com'), (SELECT count(*) FROM api_tokens)",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!((users, tokens), (0, 0));
}

#[tokio::test]
async fn a_head_of_a_department_archived_since_can_still_be_edited() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    add_department(&app.db.pool, "legal", "Legal", "support").await;
    let head = app.create_user("department-head", Some("legal")).await;
    sqlx::query("UPDATE departments SET archived_at = now() WHERE slug = 'legal'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let path = format!("/admin/users/{}", head.id);
    let page = app.get(&path).await.text().await.unwrap();
    assert!(
        page.contains("<option value=\"legal\" selected>Legal (archived)</option>"),
        "{page}"
    );
    let response = app
        .post_form(
            &path,
            &[
                ("name", "Lena Legal"),
                ("role", "department-head"),
                ("department", "legal"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    // A new head cannot be given the archived department.
    let response = create_user(
        &app,
        &[
            ("name", "New"),
            ("email", "new@example.com"),
            ("role", "department-head"),
            ("department", "legal"),
        ],
    )
    .await;
    assert_eq!(response.status(), 422);
}
