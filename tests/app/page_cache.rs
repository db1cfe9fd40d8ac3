//! Dashboard data comes from the page cache: the same filter asked again is served from
//! memory, and a write through Centric is on the very next page (read-your-writes).

use crate::helpers::{
    TestApp, add_department, add_organisation, add_touchpoint, customer_response, spawn_app,
    store_responses, submission_id_in,
};
use centric::repo::responses::NewResponse;
use uuid::Uuid;

const TOKEN: &str = "tok_cache_0123456789";

/// A customer survey on Finance's invoice touchpoint, open since yesterday; and the
/// touchpoint.
async fn invoice_survey(app: &TestApp) -> (Uuid, Uuid) {
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    let survey = sqlx::query_scalar(
        "INSERT INTO surveys (slug, name, kind, public_token, question, touchpoint_id, opens_at)
         VALUES ('invoice', 'Invoice', 'customer', $1, 'How likely are you to recommend us?', $2,
                 now() - interval '1 day') RETURNING id",
    )
    .bind(TOKEN)
    .bind(invoice)
    .fetch_one(pool)
    .await
    .unwrap();
    (survey, invoice)
}

/// A customer answers the public survey.
async fn answer(app: &TestApp, score: &str, comment: &str) {
    let form = app.get(&format!("/s/{TOKEN}")).await.text().await.unwrap();
    let submission = submission_id_in(&form);
    let response = app
        .post_form(
            &format!("/s/{TOKEN}"),
            &[
                ("score", score),
                ("comment", comment),
                ("submission_id", &submission),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
}

/// The headline card's words about n.
async fn headline(app: &TestApp, path: &str) -> String {
    let page = app.get(path).await.text().await.unwrap();
    let card = &page[page.find("headline-card").expect("a headline card")..];
    card[..card.find("</div>").unwrap()].to_owned()
}

#[tokio::test]
async fn an_answer_through_the_survey_is_on_the_very_next_dashboard() {
    let app = spawn_app().await;
    let (survey, _) = invoice_survey(&app).await;
    app.signed_in_as("executive").await;
    assert!(
        headline(&app, "/executive")
            .await
            .contains("No responses in this period")
    );

    // Written behind Centric's back, which moves no data version: the page is served
    // from the cache as it was (until the cache's time to live).
    let now = time::OffsetDateTime::now_utc();
    store_responses(&app.db.pool, &[customer_response(survey, 10, now)]).await;
    assert!(
        headline(&app, "/executive")
            .await
            .contains("No responses in this period")
    );
    // Another filter is its own entry, computed afresh.
    let month = format!("/executive?from={}", now.date() - time::Duration::days(30));
    assert!(headline(&app, &month).await.contains("(n = 1)"));

    // An answer through Centric moves the version on: both answers are on the next page.
    answer(&app, "9", "").await;
    assert!(headline(&app, "/executive").await.contains("(n = 2)"));
    assert!(headline(&app, &month).await.contains("(n = 2)"));
}

#[tokio::test]
async fn a_comment_through_the_survey_is_on_the_very_next_scorecard() {
    let app = spawn_app().await;
    let (survey, invoice) = invoice_survey(&app).await;
    app.signed_in_as("executive").await;
    let scorecard = || async { app.get("/departments/finance").await.text().await.unwrap() };
    assert!(scorecard().await.contains("Touchpoints we own"));

    let behind_the_back = NewResponse {
        touchpoint_id: Some(invoice),
        comment: Some("Written behind Centric's back".into()),
        ..customer_response(survey, 2, time::OffsetDateTime::now_utc())
    };
    store_responses(&app.db.pool, &[behind_the_back]).await;
    assert!(!scorecard().await.contains("behind Centric"));

    answer(&app, "3", "The invoice was wrong twice").await;
    let page = scorecard().await;
    assert!(page.contains("The invoice was wrong twice"));
    assert!(page.contains("Written behind Centric&#39;s back"));
}

#[tokio::test]
async fn a_rendered_page_is_kept_per_person_never_served_to_another() {
    let app = spawn_app().await;
    invoice_survey(&app).await;
    let executive = app.create_user("executive", None).await;
    let lead = app.create_user("cx-lead", None).await;
    app.log_in(&executive.email, &executive.password).await;
    let lead_client = crate::helpers::new_client();
    let login = lead_client
        .post(app.url("/login"))
        .form(&[("email", lead.email.as_str()), ("password", &lead.password)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    // No write from here on: both read at the same data version.
    for path in ["/executive", "/departments/finance"] {
        let first = app.get(path).await.text().await.unwrap();
        assert!(
            first.contains("Test executive"),
            "{path}: the executive's page"
        );
        let second = lead_client
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            second.contains("Test cx-lead"),
            "{path}: the CX lead's own page"
        );
        assert!(
            !second.contains("Test executive"),
            "{path}: not the executive's"
        );
    }
}
