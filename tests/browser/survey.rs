//! A customer answers the survey on a phone-sized screen, without JavaScript helpers.

use crate::Browser;
use crate::helpers::{add_department, spawn_app};
use fantoccini::Locator;

#[tokio::test]
async fn a_customer_answers_the_survey_on_a_phone() {
    let Some(browser) = Browser::start(390, 844).await else {
        return;
    };
    let app = spawn_app().await;
    let pool = &app.db.pool;
    sqlx::query("INSERT INTO organisation (name) VALUES ('Northwind Energy')")
        .execute(pool)
        .await
        .unwrap();
    add_department(pool, "finance", "Finance", "support").await;
    sqlx::query("INSERT INTO surveys (slug, name, kind, public_token, question, opens_at) VALUES ('relationship', 'Relationship', 'customer', 'tok_phone_survey_000001', 'How likely are you to recommend Northwind Energy to a friend?', now() - interval '1 day')")
        .execute(pool)
        .await
        .unwrap();
    let client = &browser.client;
    client
        .goto(&app.url("/s/tok_phone_survey_000001?score=8"))
        .await
        .unwrap();
    browser.screenshot("survey-phone").await;
    let question = client
        .find(Locator::Css("legend"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(question.contains("How likely are you to recommend Northwind Energy"));
    // Tap 10 (the label, as a thumb would), then write why.
    client
        .find(Locator::XPath(
            "//label[contains(@class,'scale-option')][span='10']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Id("comment"))
        .await
        .unwrap()
        .send_keys("Friendly and quick")
        .await
        .unwrap();
    client
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_url(&url::Url::parse(&app.url("/s/tok_phone_survey_000001/thanks")).unwrap())
        .await
        .expect("thanked");
    browser.screenshot("survey-phone-thanks").await;
    let (score, comment): (i16, Option<String>) =
        sqlx::query_as("SELECT score, comment FROM responses")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(
        (score, comment.as_deref()),
        (10, Some("Friendly and quick")),
        "the tapped score, not the pre-filled 8"
    );
    browser.close().await;
}
