//! Themes under /admin/themes: validation with the input kept, unique names, previews,
//! optimistic concurrency, audit, and background re-tagging of past comments with its
//! progress, checked against recounts.

use crate::helpers::{
    TestApp, add_department, add_survey, customer_response, spawn_app, spawn_app_with,
    store_responses,
};
use centric::repo::responses::NewResponse;
use centric::services::retag;
use time::OffsetDateTime;
use uuid::Uuid;

/// Stores `count` past comments cycling through `comments`, before any theme exists.
async fn seed_comments(app: &TestApp, comments: &[&str], count: usize) {
    let existing: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM surveys WHERE slug = 'web-nps'")
            .fetch_optional(&app.db.pool)
            .await
            .unwrap();
    let survey = match existing {
        Some(id) => id,
        None => add_survey(&app.db.pool, "web-nps", "customer", None, None).await,
    };
    let rows: Vec<NewResponse> = (0..count)
        .map(|i| {
            let at = OffsetDateTime::now_utc() - time::Duration::hours(i as i64 % 500 + 1);
            NewResponse {
                comment: Some(comments[i % comments.len()].to_owned()),
                ..customer_response(survey, (i % 11) as i16, at)
            }
        })
        .collect();
    store_responses(&app.db.pool, &rows).await;
}

async fn theme_id(app: &TestApp, name: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM themes WHERE name = $1")
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// The comments tagged with the theme, and, recounted independently with a regular
/// expression in SQL, the comments that mention `word` as a whole word.
async fn tagged_and_expected(app: &TestApp, theme: Uuid, word_regex: &str) -> (i64, i64, i64) {
    sqlx::query_as(
        r#"SELECT (SELECT count(*) FROM response_themes WHERE theme_id = $1),
                  (SELECT count(*) FROM responses WHERE comment ~* $2),
                  (SELECT count(*) FROM response_themes rt JOIN responses r ON r.id = rt.response_id
                   WHERE rt.theme_id = $1 AND r.comment ~* $2)"#,
    )
    .bind(theme)
    .bind(word_regex)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

/// Works the pending re-tagging through, also when the instance's own worker holds a
/// job (its lock makes ours skip it): returns once no job is pending.
async fn finish_retagging(app: &TestApp) {
    loop {
        retag::work_until_idle(&app.db.pool).await.unwrap();
        let pending: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM theme_retag_jobs WHERE status IN ('queued', 'running')",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        if pending == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Submits the theme form (create at /admin/themes, edit at /admin/themes/{id}).
async fn save_theme(
    app: &TestApp,
    path: &str,
    (name, keywords): (&str, &str),
    owner: &str,
    version: &str,
) -> reqwest::Response {
    app.post_form(
        path,
        &[
            ("name", name),
            ("keywords", keywords),
            ("owner", owner),
            ("version", version),
            ("action", "save"),
        ],
    )
    .await
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.get(path).await;
    (response.status().as_u16(), response.text().await.unwrap())
}

const COMMENTS: [&str; 4] = [
    "The invoice was wrong twice",
    "Login failed on the app",
    "Happy with the service",
    "Invoices arrive late and the app crashed",
];

#[tokio::test]
async fn a_new_theme_tags_past_comments_in_the_background_and_changes_retag_them() {
    let app = spawn_app().await;
    let cx = app.signed_in_as("cx-lead").await;
    let finance = add_department(&app.db.pool, "finance", "Finance", "support").await;
    seed_comments(&app, &COMMENTS, 400).await;

    let response = app
        .post_form(
            "/admin/themes",
            &[
                ("name", "Billing"),
                ("keywords", "invoic*"),
                ("owner", &finance.to_string()),
                ("version", ""),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/admin/themes?saved=created"
    );
    let billing = theme_id(&app, "Billing").await;

    // The background worker tags the 200 past comments mentioning invoice(s).
    let mut listing = String::new();
    for _ in 0..100 {
        let (_, body) = page(&app, "/admin/themes").await;
        listing = body;
        if !listing.contains("http-equiv=\"refresh\"")
            && tagged_and_expected(&app, billing, r"\minvoic").await.0 > 0
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (tagged, expected, overlap) = tagged_and_expected(&app, billing, r"\minvoic").await;
    assert_eq!((tagged, overlap), (expected, expected));
    assert_eq!(expected, 200);
    assert!(
        listing.contains("Up to date (400 comments checked"),
        "{listing}"
    );
    assert!(listing.contains("Finance"));

    // Changing the keywords re-tags what was tagged before.
    let response = app
        .post_form(
            &format!("/admin/themes/{billing}"),
            &[
                ("name", "Billing"),
                ("keywords", "wrong"),
                ("owner", &finance.to_string()),
                ("version", "1"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    finish_retagging(&app).await;
    let (tagged, expected, overlap) = tagged_and_expected(&app, billing, r"\mwrong\M").await;
    assert_eq!((tagged, overlap, expected), (100, 100, 100));

    // A new comment is tagged on arrival with the new keywords.
    seed_comments(&app, &["Something went wrong"], 1).await;
    assert_eq!(
        tagged_and_expected(&app, billing, r"\mwrong\M").await.0,
        101
    );

    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE target_type = 'theme' AND actor_user_id = $1 ORDER BY id",
    )
    .bind(cx.id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(audit, ["theme.create", "theme.update"]);
}

#[tokio::test]
async fn progress_is_shown_chunk_by_chunk_while_re_tagging_runs() {
    // No worker in this instance: the test works the chunks itself.
    let app = spawn_app_with(|settings| settings.background_jobs = false).await;
    app.signed_in_as("cx-lead").await;
    seed_comments(&app, &COMMENTS, 5_000).await;
    let response = save_theme(&app, "/admin/themes", ("Digital", "app, login"), "", "").await;
    assert_eq!(response.status(), 303);
    let (_, listing) = page(&app, "/admin/themes").await;
    assert!(
        listing.contains("Re-tagging past comments: 0 %"),
        "{listing}"
    );
    assert!(listing.contains("0 of 5,000 comments"));
    assert!(listing.contains("http-equiv=\"refresh\""));

    assert!(retag::work_one_chunk(&app.db.pool).await.unwrap());
    let (_, listing) = page(&app, "/admin/themes").await;
    assert!(
        listing.contains("Re-tagging past comments: 40 %"),
        "{listing}"
    );
    assert!(listing.contains("<progress id=\"progress-"));
    assert!(listing.contains("max=\"5000\" value=\"2000\""));

    finish_retagging(&app).await;
    let (_, listing) = page(&app, "/admin/themes").await;
    assert!(!listing.contains("http-equiv=\"refresh\""));
    assert!(listing.contains("Up to date (5,000 comments checked"));
    let digital = theme_id(&app, "Digital").await;
    let (tagged, expected, overlap) = tagged_and_expected(&app, digital, r"\m(app|login)\M").await;
    assert_eq!((tagged, overlap, expected), (2_500, 2_500, 2_500));
}

#[tokio::test]
async fn a_newer_change_supersedes_the_re_tagging_still_under_way() {
    let app = spawn_app_with(|settings| settings.background_jobs = false).await;
    app.signed_in_as("cx-lead").await;
    seed_comments(&app, &COMMENTS, 5_000).await;
    save_theme(&app, "/admin/themes", ("Digital", "app"), "", "").await;
    let digital = theme_id(&app, "Digital").await;
    assert!(retag::work_one_chunk(&app.db.pool).await.unwrap());
    let response = save_theme(
        &app,
        &format!("/admin/themes/{digital}"),
        ("Digital", "login"),
        "",
        "1",
    )
    .await;
    assert_eq!(response.status(), 303);
    finish_retagging(&app).await;
    let statuses: Vec<String> =
        sqlx::query_scalar("SELECT status FROM theme_retag_jobs WHERE theme_id = $1 ORDER BY id")
            .bind(digital)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(statuses, ["superseded", "done"]);
    let (tagged, expected, overlap) = tagged_and_expected(&app, digital, r"\mlogin\M").await;
    assert_eq!((tagged, overlap, expected), (1_250, 1_250, 1_250));
}

#[tokio::test]
async fn bad_input_is_shown_again_with_field_messages_and_nothing_saved() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let response = save_theme(&app, "/admin/themes", ("  ", " , "), "not-a-department", "").await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    for message in [
        "give the theme a name",
        "give at least one keyword",
        "choose a department from the list",
    ] {
        assert!(body.contains(message), "{message} missing");
    }
    assert!(body.contains("aria-invalid=\"true\""));
    assert!(body.contains(">, </textarea>") || body.contains("> , </textarea>"));

    // The same name in another case is a field error, not a 500.
    save_theme(&app, "/admin/themes", ("Billing", "invoice"), "", "").await;
    let response = save_theme(&app, "/admin/themes", ("BILLING", "bill, charged"), "", "").await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("another theme already has this name"));
    assert!(body.contains("value=\"BILLING\""));
    assert!(body.contains("bill, charged"));
    let themes: i64 = sqlx::query_scalar("SELECT count(*) FROM themes")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(themes, 1);
}

#[tokio::test]
async fn a_preview_counts_recent_comments_with_examples_and_saves_nothing() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    seed_comments(&app, &COMMENTS, 1_200).await;
    let response = app
        .post_form(
            "/admin/themes",
            &[
                ("name", "Digital"),
                ("keywords", "app"),
                ("owner", ""),
                ("version", ""),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    // Of the newest 1,000 comments, half mention the app (as a whole word).
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT comment FROM responses WHERE comment IS NOT NULL ORDER BY id DESC LIMIT 1000) c
         WHERE comment ~* '\\mapp\\M'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(expected, 500);
    assert!(
        body.contains(&format!("Preview: {expected} of the last 1,000 comments")),
        "{body}"
    );
    assert!(body.contains("<blockquote>Login failed on the app</blockquote>"));
    assert!(!body.contains("<blockquote>Happy with the service</blockquote>"));
    assert!(body.contains("value=\"Digital\""));
    let themes: i64 = sqlx::query_scalar("SELECT count(*) FROM themes")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(themes, 0);
}

#[tokio::test]
async fn the_second_of_two_concurrent_edits_is_told_and_overwrites_nothing() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    save_theme(&app, "/admin/themes", ("Billing", "invoice"), "", "").await;
    let billing = theme_id(&app, "Billing").await;
    let path = format!("/admin/themes/{billing}");
    // Both opened version 1; the first save wins.
    let first = save_theme(&app, &path, ("Billing", "invoice, bill"), "", "1").await;
    assert_eq!(first.status(), 303);
    let second = save_theme(&app, &path, ("Invoices", "invoice, refund"), "", "1").await;
    assert_eq!(second.status(), 409);
    let body = second.text().await.unwrap();
    assert!(body.contains("Someone else changed this theme"));
    assert!(
        body.contains("<code>invoice, bill</code>"),
        "theirs is shown"
    );
    assert!(body.contains("value=\"Invoices\""), "mine is kept");
    assert!(body.contains("name=\"version\" value=\"2\""));
    let (name, keywords): (String, Vec<String>) =
        sqlx::query_as("SELECT name, keywords FROM themes WHERE id = $1")
            .bind(billing)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), keywords),
        ("Billing", vec!["invoice".to_owned(), "bill".to_owned()])
    );
}

#[tokio::test]
async fn archiving_removes_the_tags_but_no_comment_and_restoring_brings_them_back() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    seed_comments(&app, &COMMENTS, 40).await;
    save_theme(&app, "/admin/themes", ("Digital", "app"), "", "").await;
    finish_retagging(&app).await;
    let digital = theme_id(&app, "Digital").await;
    assert_eq!(tagged_and_expected(&app, digital, r"\mapp\M").await.0, 20);

    let archive = format!("/admin/themes/{digital}/archive");
    let response = app
        .post_form(&archive, &[("version", "1"), ("archive", "1")])
        .await;
    assert_eq!(response.status(), 303);
    finish_retagging(&app).await;
    assert_eq!(tagged_and_expected(&app, digital, r"\mapp\M").await.0, 0);
    let responses: i64 = sqlx::query_scalar("SELECT count(*) FROM responses")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(responses, 40);
    // An archived theme tags no new comment either.
    seed_comments(&app, &["The app froze"], 1).await;
    assert_eq!(tagged_and_expected(&app, digital, r"\mapp\M").await.0, 0);
    // A stale archive form (old version) is refused.
    let stale = app
        .post_form(&archive, &[("version", "1"), ("archive", "0")])
        .await;
    assert_eq!(stale.status(), 409);

    let response = app
        .post_form(&archive, &[("version", "2"), ("archive", "0")])
        .await;
    assert_eq!(response.status(), 303);
    finish_retagging(&app).await;
    let (tagged, expected, overlap) = tagged_and_expected(&app, digital, r"\mapp\M").await;
    assert_eq!((tagged, overlap, expected), (21, 21, 21));
}

#[tokio::test]
async fn a_save_while_a_chunk_is_being_worked_waits_for_it_instead_of_deadlocking() {
    let app = spawn_app_with(|settings| settings.background_jobs = false).await;
    app.signed_in_as("cx-lead").await;
    seed_comments(&app, &COMMENTS, 100).await;
    save_theme(&app, "/admin/themes", ("Digital", "app"), "", "").await;
    let digital = theme_id(&app, "Digital").await;

    // A worker holds the job (as `work_one_chunk` does) while the CX lead saves.
    let mut chunk = app.db.pool.begin().await.unwrap();
    let job = centric::repo::themes::claim_job(&mut chunk)
        .await
        .unwrap()
        .unwrap();
    let path = format!("/admin/themes/{digital}");
    let client = app.client.clone();
    let url = app.url(&path);
    let save = tokio::spawn(async move {
        client
            .post(url)
            .form(&[
                ("name", "Digital"),
                ("keywords", "login"),
                ("owner", ""),
                ("version", "1"),
                ("action", "save"),
            ])
            .send()
            .await
            .unwrap()
            .status()
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // The chunk's tag insert checks the theme's key while the save holds the theme row.
    let comments = centric::repo::themes::comments_from(&mut chunk, 0, job.upto_response_id, 2_000)
        .await
        .unwrap();
    let ids: Vec<i64> = comments.iter().map(|(id, _)| *id).collect();
    centric::repo::themes::replace_tags(&mut chunk, digital, (0, job.upto_response_id), &ids)
        .await
        .unwrap();
    centric::repo::themes::advance_job(&mut chunk, job.id, job.upto_response_id + 1, 100, 100)
        .await
        .unwrap();
    chunk.commit().await.unwrap();
    assert_eq!(save.await.unwrap(), 303);

    finish_retagging(&app).await;
    let (tagged, expected, overlap) = tagged_and_expected(&app, digital, r"\mlogin\M").await;
    assert_eq!((tagged, overlap, expected), (25, 25, 25));
}

#[tokio::test]
async fn a_comment_stored_while_the_keywords_change_is_tagged_with_the_new_ones() {
    let app = spawn_app_with(|settings| settings.background_jobs = false).await;
    app.signed_in_as("cx-lead").await;
    seed_comments(&app, &COMMENTS, 8).await;
    save_theme(&app, "/admin/themes", ("Digital", "app"), "", "").await;
    finish_retagging(&app).await;
    let digital = theme_id(&app, "Digital").await;
    let survey: Uuid = sqlx::query_scalar("SELECT id FROM surveys WHERE slug = 'web-nps'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();

    // A response is being stored (tagged with "app" only) when "login" is saved.
    let mut storing = app.db.pool.begin().await.unwrap();
    let late = NewResponse {
        comment: Some("Login broken again".into()),
        ..customer_response(survey, 2, OffsetDateTime::now_utc())
    };
    centric::services::ingest::store(&mut storing, &[late])
        .await
        .unwrap();
    let client = app.client.clone();
    let url = app.url(&format!("/admin/themes/{digital}"));
    let save = tokio::spawn(async move {
        client
            .post(url)
            .form(&[
                ("name", "Digital"),
                ("keywords", "login"),
                ("owner", ""),
                ("version", "1"),
                ("action", "save"),
            ])
            .send()
            .await
            .unwrap()
            .status()
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    storing.commit().await.unwrap();
    assert_eq!(save.await.unwrap(), 303);

    finish_retagging(&app).await;
    let (tagged, expected, overlap) = tagged_and_expected(&app, digital, r"\mlogin\M").await;
    assert_eq!((tagged, overlap, expected), (3, 3, 3));
}

#[tokio::test]
async fn a_change_during_a_long_import_is_refused_with_the_input_kept() {
    let app = spawn_app_with(|settings| settings.background_jobs = false).await;
    app.signed_in_as("cx-lead").await;
    seed_comments(&app, &COMMENTS, 4).await;
    save_theme(&app, "/admin/themes", ("Digital", "app"), "", "").await;
    let digital = theme_id(&app, "Digital").await;
    let survey: Uuid = sqlx::query_scalar("SELECT id FROM surveys WHERE slug = 'web-nps'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    // An import's transaction stays open for longer than a save waits (3 s).
    let mut importing = app.db.pool.begin().await.unwrap();
    centric::services::ingest::store(
        &mut importing,
        &[customer_response(survey, 9, OffsetDateTime::now_utc())],
    )
    .await
    .unwrap();
    let response = save_theme(
        &app,
        &format!("/admin/themes/{digital}"),
        ("Digital apps", "app, login"),
        "",
        "1",
    )
    .await;
    assert_eq!(response.status(), 503);
    let body = response.text().await.unwrap();
    assert!(body.contains("responses are being stored right now"));
    assert!(body.contains("value=\"Digital apps\""));
    importing.commit().await.unwrap();
    let name: String = sqlx::query_scalar("SELECT name FROM themes WHERE id = $1")
        .bind(digital)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(name, "Digital");
}
