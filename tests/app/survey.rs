//! The public survey: answering, double submits, closed surveys, bad input, bots and
//! rate limits.

use crate::helpers::{
    TestApp, add_department, add_touchpoint, spawn_app, spawn_app_with, submission_id_in,
};
use uuid::Uuid;

const TOKEN: &str = "tok_invoice_0123456789";

async fn customer_survey(app: &TestApp) -> Uuid {
    let pool = &app.db.pool;
    sqlx::query("INSERT INTO organisation (name) VALUES ('Northwind')")
        .execute(pool)
        .await
        .unwrap();
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let touchpoint = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    sqlx::query_scalar(
        "INSERT INTO surveys (slug, name, kind, public_token, question, touchpoint_id, opens_at) VALUES ('invoice', 'Invoice', 'customer', $1, 'How likely are you to recommend us after your last invoice?', $2, now() - interval '1 day') RETURNING id",
    )
    .bind(TOKEN)
    .bind(touchpoint)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// A freshly rendered form: its submission id and the page.
async fn fresh_form(app: &TestApp, query: &str) -> (String, String) {
    let page = app
        .get(&format!("/s/{TOKEN}{query}"))
        .await
        .text()
        .await
        .unwrap();
    (submission_id_in(&page), page)
}

async fn answers(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM responses")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn post(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    app.post_form(&format!("/s/{TOKEN}"), fields).await
}

#[tokio::test]
async fn a_customer_answers_and_is_thanked_and_the_answer_is_counted() {
    let app = spawn_app().await;
    customer_survey(&app).await;
    let (submission, page) = fresh_form(&app, "?segment=smb&ref=C-77").await;
    assert!(page.contains("How likely are you to recommend us after your last invoice?"));
    assert_eq!(
        page.matches("type=\"radio\" name=\"score\"").count(),
        11,
        "0 to 10"
    );
    let response = post(
        &app,
        &[
            ("score", "9"),
            ("comment", "Clear invoice"),
            ("submission_id", &submission),
            ("segment", "smb"),
            ("ref", "C-77"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], format!("/s/{TOKEN}/thanks"));
    let (score, source, segment, customer_ref, touchpoint): (
        i16,
        String,
        Option<String>,
        Option<String>,
        Option<Uuid>,
    ) = sqlx::query_as("SELECT score, source, segment, customer_ref, touchpoint_id FROM responses")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        (
            score,
            source.as_str(),
            segment.as_deref(),
            customer_ref.as_deref()
        ),
        (9, "web", Some("smb"), Some("C-77"))
    );
    assert!(touchpoint.is_some(), "the survey's touchpoint");
    let promoters: i64 = sqlx::query_scalar("SELECT sum(promoters) FROM response_rollups_daily")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(promoters, 1);
    let thanks = app
        .get(&format!("/s/{TOKEN}/thanks"))
        .await
        .text()
        .await
        .unwrap();
    assert!(thanks.contains("Thank you"));
}

#[tokio::test]
async fn a_pre_filled_score_is_shown_but_only_recorded_when_confirmed() {
    let app = spawn_app().await;
    customer_survey(&app).await;
    let (submission, page) = fresh_form(&app, "?score=9").await;
    assert!(
        page.contains("value=\"9\" required checked"),
        "pre-selected"
    );
    assert_eq!(answers(&app).await, 0, "opening the link records nothing");
    post(&app, &[("score", "9"), ("submission_id", &submission)]).await;
    assert_eq!(answers(&app).await, 1);
}

#[tokio::test]
async fn a_double_submit_stores_one_answer() {
    let app = spawn_app().await;
    customer_survey(&app).await;
    let (submission, _) = fresh_form(&app, "").await;
    for _ in 0..2 {
        assert_eq!(
            post(&app, &[("score", "3"), ("submission_id", &submission)])
                .await
                .status(),
            303
        );
    }
    assert_eq!(answers(&app).await, 1);
}

#[tokio::test]
async fn a_closed_survey_shows_a_polite_page_and_takes_nothing() {
    let app = spawn_app().await;
    let survey = customer_survey(&app).await;
    sqlx::query("UPDATE surveys SET closed_at = now() WHERE id = $1")
        .bind(survey)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let page = app.get(&format!("/s/{TOKEN}")).await;
    assert_eq!(page.status(), 410);
    assert!(page.text().await.unwrap().contains("This survey is closed"));
    let posted = post(
        &app,
        &[
            ("score", "3"),
            ("submission_id", &Uuid::new_v4().to_string()),
        ],
    )
    .await;
    assert_eq!(posted.status(), 410);
    assert_eq!(answers(&app).await, 0);
}

#[tokio::test]
async fn a_bad_score_or_an_oversize_comment_is_shown_again_with_the_input_kept() {
    let app = spawn_app().await;
    customer_survey(&app).await;
    let (submission, _) = fresh_form(&app, "").await;
    let bad = post(
        &app,
        &[
            ("score", "11"),
            ("comment", "Too <b>many</b> numbers"),
            ("submission_id", &submission),
        ],
    )
    .await;
    assert_eq!(bad.status(), 422);
    let body = bad.text().await.unwrap();
    assert!(body.contains("choose a number from 0 to 10"));
    assert!(
        body.contains("Too &#60;b&#62;many&#60;/b&#62; numbers"),
        "kept and escaped"
    );
    let long = "x".repeat(1001);
    let oversize = post(
        &app,
        &[
            ("score", "5"),
            ("comment", &long),
            ("submission_id", &submission),
        ],
    )
    .await;
    assert_eq!(oversize.status(), 422);
    assert!(
        oversize
            .text()
            .await
            .unwrap()
            .contains("under 1000 characters")
    );
    assert_eq!(answers(&app).await, 0);
}

#[tokio::test]
async fn a_bot_filling_the_honeypot_is_thanked_and_ignored() {
    let app = spawn_app().await;
    customer_survey(&app).await;
    let (submission, _) = fresh_form(&app, "").await;
    let response = post(
        &app,
        &[
            ("score", "0"),
            ("submission_id", &submission),
            ("website", "http://spam.example"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(answers(&app).await, 0);
}

#[tokio::test]
async fn internal_surveys_ask_the_raters_department() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    let it = add_department(pool, "it", "IT", "support").await;
    let sales = add_department(pool, "sales", "Sales", "front-line").await;
    sqlx::query("INSERT INTO surveys (slug, name, kind, public_token, question, rated_department_id, opens_at) VALUES ('it-internal', 'IT', 'internal', 'tok_internal_it_0000001', 'How likely are you to recommend IT?', $1, now() - interval '1 day')")
        .bind(it)
        .execute(pool)
        .await
        .unwrap();
    let page = app
        .get("/s/tok_internal_it_0000001")
        .await
        .text()
        .await
        .unwrap();
    let submission = submission_id_in(&page);
    assert!(page.contains("Which department do you work in?"));
    let missing = app
        .post_form(
            "/s/tok_internal_it_0000001",
            &[("score", "8"), ("submission_id", &submission)],
        )
        .await;
    assert_eq!(missing.status(), 422);
    let ok = app
        .post_form(
            "/s/tok_internal_it_0000001",
            &[
                ("score", "8"),
                ("submission_id", &submission),
                ("department", &sales.to_string()),
            ],
        )
        .await;
    assert_eq!(ok.status(), 303);
    let rater: Option<Uuid> = sqlx::query_scalar("SELECT respondent_department_id FROM responses")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(rater, Some(sales));
}

#[tokio::test]
async fn the_31st_answer_in_a_minute_from_one_address_gets_429() {
    let app = spawn_app_with(|s| s.survey_per_minute = 30).await;
    customer_survey(&app).await;
    for i in 0..30 {
        let response = post(
            &app,
            &[
                ("score", "7"),
                ("submission_id", &Uuid::new_v4().to_string()),
            ],
        )
        .await;
        assert_eq!(response.status(), 303, "answer {i}");
    }
    let limited = post(
        &app,
        &[
            ("score", "7"),
            ("submission_id", &Uuid::new_v4().to_string()),
        ],
    )
    .await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(answers(&app).await, 30);
}

#[tokio::test]
async fn an_unknown_or_malformed_survey_token_is_a_404() {
    let app = spawn_app().await;
    for path in [
        "/s/tok_nothing_here_000000",
        "/s/%00",
        "/s/a%00b_is_not_a_token_at_all",
        "/s/short",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
    let posted = app
        .post_form("/s/tok_with_%00_in_it_000000", &[("score", "9")])
        .await;
    assert_eq!(posted.status(), 404, "a post to a malformed link too");
}
