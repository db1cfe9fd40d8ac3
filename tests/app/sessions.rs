//! Logging in and out, and everything that must end a session.

use crate::helpers::{new_client, spawn_app, spawn_app_with};
use std::time::Duration;

/// The whole `Set-Cookie` line of the session cookie, attributes included.
fn session_set_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("centric_session="))
        .map(str::to_owned)
}

/// Just the session id.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    let line = session_set_cookie(response)?;
    Some(
        line.split(';')
            .next()?
            .trim_start_matches("centric_session=")
            .to_owned(),
    )
}

/// A client that presents exactly this session cookie.
fn client_with_cookie(app: &crate::helpers::TestApp, value: &str) -> reqwest::Client {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(
        &format!("centric_session={value}"),
        &app.url("/").parse().unwrap(),
    );
    reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn is_signed_in(client: &reqwest::Client, app: &crate::helpers::TestApp) -> bool {
    client
        .get(app.url("/executive"))
        .send()
        .await
        .unwrap()
        .status()
        == 200
}

#[tokio::test]
async fn the_session_cookie_is_http_only_same_site_lax_and_not_secure_over_http() {
    let app = spawn_app().await;
    let user = app.create_user("executive", None).await;
    let response = app.log_in(&user.email, &user.password).await;
    let cookie = session_set_cookie(&response).unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
}

#[tokio::test]
async fn cookies_are_secure_when_the_public_url_is_https() {
    let app = spawn_app_with(|s| s.public_url = "https://cx.example.com".into()).await;
    let user = app.create_user("executive", None).await;
    let response = app.log_in(&user.email, &user.password).await;
    let cookie = session_set_cookie(&response).unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn a_session_id_planted_before_login_is_not_the_one_used_after() {
    let app = spawn_app().await;
    let user = app.create_user("executive", None).await;
    // An attacker's session: signed in as nobody, its id known to the attacker.
    let attacker = new_client();
    let first = attacker
        .post(app.url("/login"))
        .form(&[("email", &user.email), ("password", &user.password)])
        .send()
        .await
        .unwrap();
    let planted = session_cookie(&first).unwrap();
    attacker.post(app.url("/logout")).send().await.unwrap();

    let victim = client_with_cookie(&app, &planted);
    let login = victim
        .post(app.url("/login"))
        .form(&[("email", &user.email), ("password", &user.password)])
        .send()
        .await
        .unwrap();
    let issued = session_cookie(&login).expect("a new session cookie at login");
    assert_ne!(issued, planted, "the session id is rotated at login");
    assert!(
        !is_signed_in(&client_with_cookie(&app, &planted), &app).await,
        "the planted id grants nothing"
    );
}

#[tokio::test]
async fn logging_out_ends_the_session_for_good() {
    let app = spawn_app().await;
    let user = app.create_user("executive", None).await;
    let login = app.log_in(&user.email, &user.password).await;
    let cookie = session_cookie(&login).unwrap();
    assert!(is_signed_in(&app.client, &app).await);
    let logout = app.post_form("/logout", &[]).await;
    assert_eq!(logout.status(), 303);
    assert!(!is_signed_in(&app.client, &app).await);
    assert!(
        !is_signed_in(&client_with_cookie(&app, &cookie), &app).await,
        "a copy of the old cookie is dead too"
    );
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions() {
    let app = spawn_app().await;
    let user = app.create_user("executive", None).await;
    app.log_in(&user.email, &user.password).await;
    assert!(is_signed_in(&app.client, &app).await);
    sqlx::query("UPDATE users SET disabled_at = now() WHERE id = $1")
        .bind(user.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert!(!is_signed_in(&app.client, &app).await);
    let again = app.log_in(&user.email, &user.password).await;
    assert_eq!(again.status(), 401, "a disabled account cannot sign in");
}

#[tokio::test]
async fn a_new_session_epoch_ends_sessions_even_if_the_account_is_enabled_again() {
    let app = spawn_app().await;
    let user = app.create_user("executive", None).await;
    app.log_in(&user.email, &user.password).await;
    sqlx::query(
        "UPDATE users SET disabled_at = now(), session_epoch = session_epoch + 1 WHERE id = $1",
    )
    .bind(user.id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1")
        .bind(user.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert!(
        !is_signed_in(&app.client, &app).await,
        "re-enabling does not revive the old session"
    );
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = spawn_app().await;
    let user = app.create_user("executive", None).await;
    app.log_in(&user.email, &user.password).await;
    let new_hash = centric::services::passwords::hash(
        &centric::domain::Password::parse("another long password").unwrap(),
    )
    .await;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(new_hash)
        .bind(user.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert!(!is_signed_in(&app.client, &app).await);
}

#[tokio::test]
async fn an_idle_session_ends_after_the_configured_idle_timeout() {
    let app = spawn_app_with(|s| s.session_idle_timeout_secs = 1).await;
    let user = app.create_user("executive", None).await;
    app.log_in(&user.email, &user.password).await;
    assert!(is_signed_in(&app.client, &app).await);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(!is_signed_in(&app.client, &app).await);
}

#[tokio::test]
async fn an_active_session_outlives_its_idle_timeout() {
    let app = spawn_app_with(|s| s.session_idle_timeout_secs = 2).await;
    let user = app.create_user("executive", None).await;
    app.log_in(&user.email, &user.password).await;
    // Four seconds of activity, never idle for two.
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert!(is_signed_in(&app.client, &app).await, "renewed by activity");
    }
}

/// The session's record expiry, from the database.
async fn session_expiries(app: &crate::helpers::TestApp) -> Vec<time::OffsetDateTime> {
    sqlx::query_scalar("SELECT expiry_date FROM sessions ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn page_views_renew_the_session_once_a_tenth_of_the_idle_timeout_has_passed() {
    // An idle timeout of 20 s: renewed at most every 2 s.
    let app = spawn_app_with(|s| s.session_idle_timeout_secs = 20).await;
    let user = app.create_user("executive", None).await;
    app.log_in(&user.email, &user.password).await;
    assert!(is_signed_in(&app.client, &app).await);
    let renewed = session_expiries(&app).await;
    assert_eq!(renewed.len(), 1, "one signed-in session");
    for _ in 0..3 {
        assert!(is_signed_in(&app.client, &app).await);
    }
    assert_eq!(
        session_expiries(&app).await,
        renewed,
        "page views soon after a renewal do not write the session"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(is_signed_in(&app.client, &app).await);
    let later = session_expiries(&app).await;
    assert!(
        later[0] >= renewed[0] + Duration::from_secs(2),
        "renewed: {later:?} after {renewed:?}"
    );
}

#[tokio::test]
async fn an_active_session_still_ends_at_its_absolute_lifetime() {
    let app = spawn_app_with(|s| s.session_lifetime_secs = 2).await;
    let user = app.create_user("executive", None).await;
    app.log_in(&user.email, &user.password).await;
    for _ in 0..3 {
        assert!(
            is_signed_in(&app.client, &app).await,
            "active within the lifetime"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert!(!is_signed_in(&app.client, &app).await);
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let user = app.create_user("executive", None).await;
    let unknown = app.log_in("nobody@example.com", "whatever password").await;
    let wrong = app.log_in(&user.email, "not the password at all").await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(wrong.status(), 401);
    let unknown_body = unknown
        .text()
        .await
        .unwrap()
        .replace("nobody@example.com", "EMAIL");
    let wrong_body = wrong.text().await.unwrap().replace(&user.email, "EMAIL");
    assert_eq!(unknown_body, wrong_body);
    let failures: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'login.failure'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(failures, 2, "both failures are audited");
}

#[tokio::test]
async fn a_successful_login_is_audited_with_the_client_address() {
    let app = spawn_app().await;
    let user = app.create_user("cx-lead", None).await;
    app.log_in(&user.email, &user.password).await;
    let ip: Option<String> = sqlx::query_scalar(
        "SELECT host(peer_ip) FROM audit_log WHERE action = 'login.success' AND actor_user_id = $1",
    )
    .bind(user.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn the_login_page_mentions_demo_accounts_only_when_the_demo_is_loaded() {
    let app = spawn_app().await;
    let page = app.get("/login").await.text().await.unwrap();
    assert!(!page.contains("cx@demo.centric"));
    assert!(page.contains("no default accounts"));
}

#[tokio::test]
async fn a_session_is_read_once_per_data_version_and_afresh_after_any_write() {
    let app = spawn_app().await;
    let user = app.create_user("executive", None).await;
    app.log_in(&user.email, &user.password).await;
    assert!(is_signed_in(&app.client, &app).await);
    // Deleted behind Centric's back, which moves no data version: the record read at this
    // version is still served from memory (proof that page views do not read it again).
    sqlx::query("DELETE FROM sessions")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert!(is_signed_in(&app.client, &app).await, "served from memory");
    // Any write through Centric moves the version on: the record is read afresh, and gone.
    let other = app.create_user("executive", None).await;
    let other_client = new_client();
    let login = other_client
        .post(app.url("/login"))
        .form(&[
            ("email", other.email.as_str()),
            ("password", &other.password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    assert!(!is_signed_in(&app.client, &app).await, "ended");
}
