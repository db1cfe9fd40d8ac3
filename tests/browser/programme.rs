//! The CX lead sets a programme up in the browser, end to end: a department, a journey
//! stage and touchpoint, a survey, an org objective with a cascaded department
//! objective, an incentive plan linked to it; customers answer through the public page;
//! the objective's status and the plan's projected payout change.

use crate::Browser;
use crate::helpers::spawn_app_with;
use fantoccini::{Client, Locator};
use serde_json::json;
use time::OffsetDateTime;

/// Types into a text field (as a person would).
pub(crate) async fn type_into(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Sets a field whose native widget is awkward to drive (date inputs, selects).
async fn set(client: &Client, id: &str, value: &str) {
    client
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![json!(id), json!(value)],
        )
        .await
        .unwrap();
}

/// Chooses the option of a select whose text contains `label`.
async fn choose(client: &Client, id: &str, label: &str) {
    let chosen = client
        .execute(
            "const s = document.getElementById(arguments[0]);
             const o = [...s.options].find(o => o.text.includes(arguments[1]));
             if (!o) return false; s.value = o.value; return true;",
            vec![json!(id), json!(label)],
        )
        .await
        .unwrap();
    assert_eq!(chosen, json!(true), "{id} offers {label}");
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Clicks what leads to another page and waits until that page has replaced this one
/// (a click returns before the next page has loaded).
pub(crate) async fn submit(client: &Client, css: &str) {
    let old_page = client.find(Locator::Css("html")).await.unwrap();
    click(client, css).await;
    for _ in 0..200 {
        // A stale element is one whose page has gone.
        if old_page.tag_name().await.is_err() {
            client
                .wait()
                .for_element(Locator::Css("footer, main"))
                .await
                .unwrap();
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("clicking {css} led nowhere");
}

pub(crate) async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_cx_lead_sets_up_a_programme_and_sees_it_move_with_answers() {
    let Some(browser) = Browser::start(1280, 1000).await else {
        return;
    };
    let app = spawn_app_with(|settings| settings.survey_per_minute = 1000).await;
    sqlx::query("INSERT INTO organisation (name, time_zone) VALUES ('Northwind Energy', 'UTC')")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let cx = app.create_user("cx-lead", None).await;
    let client = &browser.client;
    client.goto(&app.url("/login")).await.unwrap();
    type_into(client, "email", &cx.email).await;
    type_into(client, "password", &cx.password).await;
    submit(client, "form.form button[type=submit]").await;

    // A department.
    client
        .goto(&app.url("/admin/departments/new"))
        .await
        .unwrap();
    type_into(client, "name", "Billing").await;
    type_into(client, "slug", "billing").await;
    type_into(
        client,
        "impact_statement",
        "Clear invoices spare customers a call.",
    )
    .await;
    submit(client, "form.form button[type=submit]").await;
    assert!(
        text_of(client, ".notice-success")
            .await
            .contains("Department created")
    );

    // A journey stage, and a touchpoint in it that Billing owns.
    client.goto(&app.url("/admin/journey")).await.unwrap();
    type_into(client, "new-stage", "Pay").await;
    submit(client, "form[action='/admin/journey/stages'] button").await;
    client
        .goto(&app.url("/admin/touchpoints/new"))
        .await
        .unwrap();
    type_into(client, "name", "Invoice").await;
    type_into(client, "slug", "invoice").await;
    choose(client, "stage", "Pay").await;
    set(client, "channel", "document").await;
    choose(client, "owner", "Billing").await;
    submit(client, "form.form button[type=submit]").await;
    assert!(text_of(client, "main").await.contains("Touchpoint saved"));
    browser.screenshot("programme-journey").await;

    // A customer survey on the invoice, shown as a number from three answers on.
    client
        .goto(&app.url("/admin/surveys/new?kind=customer"))
        .await
        .unwrap();
    type_into(client, "name", "Invoice NPS").await;
    type_into(client, "slug", "invoice-nps").await;
    choose(client, "touchpoint", "Invoice").await;
    type_into(client, "min_sample", "3").await;
    submit(client, "form.form button[type=submit]").await;
    let link = client
        .wait()
        .for_element(Locator::Id("share-link"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    let survey_path = url::Url::parse(&link).unwrap().path().to_owned();

    // An org objective, and Billing's objective cascaded from it.
    let today = OffsetDateTime::now_utc().date();
    let (start, end) = (
        (today - time::Duration::days(30)).to_string(),
        (today + time::Duration::days(300)).to_string(),
    );
    client
        .goto(&app.url("/admin/objectives/new"))
        .await
        .unwrap();
    type_into(client, "title", "Customer NPS to +30").await;
    type_into(client, "baseline", "0").await;
    type_into(client, "target", "30").await;
    set(client, "period_start", &start).await;
    set(client, "period_end", &end).await;
    submit(client, "form.form button[type=submit]").await;
    assert!(
        text_of(client, ".notice-success")
            .await
            .contains("Objective saved")
    );
    let org_url = client.current_url().await.unwrap();
    submit(client, "a[href^='/admin/objectives/new?parent=']").await;
    type_into(client, "title", "Invoice NPS to +20").await;
    choose(client, "owner", "Billing").await;
    choose(client, "survey", "Invoice NPS").await;
    type_into(client, "baseline", "-10").await;
    type_into(client, "target", "20").await;
    set(client, "period_start", &start).await;
    set(client, "period_end", &end).await;
    submit(client, "form.form button[type=submit]").await;
    assert!(
        text_of(client, ".notice-success")
            .await
            .contains("Objective saved")
    );
    let objective_url = client.current_url().await.unwrap();

    // A plan for Billing's head, paying on that objective.
    client.goto(&app.url("/admin/plans/new")).await.unwrap();
    type_into(client, "name", "Billing head 2026").await;
    choose(client, "department", "Billing").await;
    set(client, "period_start", &start).await;
    set(client, "period_end", &end).await;
    type_into(client, "target_bonus", "10000").await;
    submit(client, "form[action='/admin/plans'] button[type=submit]").await;
    client
        .wait()
        .for_element(Locator::Id("objective"))
        .await
        .unwrap();
    let plan_url = client.current_url().await.unwrap();
    choose(client, "objective", "Invoice NPS to +20").await;
    type_into(client, "weight", "100").await;
    type_into(client, "threshold", "0").await;
    type_into(client, "target", "20").await;
    type_into(client, "stretch", "40").await;
    submit(client, "button[value=save]").await;
    let before = text_of(client, ".page-subtitle").await;
    assert!(before.contains("pays 0.0 %"), "{before}");
    browser.screenshot("programme-plan-before").await;

    // Customers answer: 10, 10, 9, 8 → NPS +75.
    for score in ["10", "10", "9", "8"] {
        client.goto(&app.url(&survey_path)).await.unwrap();
        click(client, &format!("input[name=score][value='{score}']")).await;
        submit(client, "button[type=submit]").await;
        client
            .wait()
            .for_url(&url::Url::parse(&app.url(&format!("{survey_path}/thanks"))).unwrap())
            .await
            .unwrap();
    }

    // The objective is achieved; the plan pays its stretch: 150 % of 10,000.00.
    client.goto(objective_url.as_str()).await.unwrap();
    let status = text_of(client, "main table").await;
    assert!(status.contains("+75.0"), "{status}");
    assert!(status.contains("Achieved"), "{status}");
    client.goto(org_url.as_str()).await.unwrap();
    assert!(
        text_of(client, "main table")
            .await
            .contains("Invoice NPS to +20")
    );
    client.goto(plan_url.as_str()).await.unwrap();
    let after = text_of(client, ".page-subtitle").await;
    assert!(after.contains("pays 150.0 %"), "{after}");
    assert!(after.contains("15,000.00"), "{after}");
    browser.screenshot("programme-plan-after").await;
    browser.close().await;
}
