//! What the scorecard must never do, whatever the query string says: single out one
//! colleague's answer, lose failure demand to a past period, read a thin period's move as
//! real, show customers' references to onlookers, or answer 500 to a strange date.

use crate::helpers::{
    TestApp, add_contact_reason, add_department, add_organisation, add_survey, add_touchpoint,
    customer_response, spawn_app, store_responses,
};
use centric::repo::responses::NewResponse;
use time::{Duration, OffsetDateTime};

async fn scorecard(app: &TestApp, query: &str) -> serde_json::Value {
    let response = app
        .get(&format!("/api/v1/departments/finance/scorecard{query}"))
        .await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn moving_the_last_day_inside_a_month_never_changes_what_colleagues_said() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let sales = add_department(pool, "sales", "Sales", "front-line").await;
    let internal = add_survey(pool, "finance-internal", "internal", None, Some(finance)).await;
    // Last month: ten Sales promoters on the 10th, one detractor on the 11th.
    let today = OffsetDateTime::now_utc().date();
    let last_month = (today.replace_day(1).unwrap() - Duration::days(1))
        .replace_day(1)
        .unwrap();
    let mut rows: Vec<NewResponse> = (0..10)
        .map(|_| (10, last_month.replace_day(10).unwrap()))
        .chain([(1, last_month.replace_day(11).unwrap())])
        .map(|(score, day)| NewResponse {
            survey_kind: "internal".into(),
            respondent_department_id: Some(sales),
            ..customer_response(
                internal,
                score,
                day.midnight().assume_utc() + Duration::hours(12),
            )
        })
        .collect();
    store_responses(pool, &rows).await;
    rows.clear();
    app.signed_in_as("executive").await;
    let at = |last: time::Date| format!("?from={last_month}&to={last}");
    let day_10 = scorecard(&app, &at(last_month.replace_day(10).unwrap())).await;
    let day_11 = scorecard(&app, &at(last_month.replace_day(11).unwrap())).await;
    assert_eq!(day_10["internal_nps"], day_11["internal_nps"]);
    assert_eq!(day_10["internal_by_rater"], day_11["internal_by_rater"]);
    assert_eq!(day_10["internal_nps"]["n"], 11, "the whole month counts");
}

#[tokio::test]
async fn failure_demand_is_this_month_and_quarter_whatever_the_period_shown() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let reason = add_contact_reason(pool, "billing-error", "Billing error", Some(finance)).await;
    let channel: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO channels (slug, name, unit_cost_cents) VALUES ('phone', 'Phone', 500) RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let contacts: Vec<centric::repo::contacts::NewContact> = (0..7)
        .map(|_| centric::repo::contacts::NewContact {
            reason_id: reason,
            channel_id: channel,
            occurred_at: OffsetDateTime::now_utc(),
            cost_cents: 500,
            external_id: None,
            source: "api",
            import_id: None,
        })
        .collect();
    let mut conn = pool.acquire().await.unwrap();
    centric::repo::contacts::insert_batch(&mut conn, &contacts, "UTC")
        .await
        .unwrap();
    drop(conn);
    app.signed_in_as("executive").await;
    let default = scorecard(&app, "").await;
    let past = scorecard(&app, "?from=2025-01-01&to=2025-03-31").await;
    assert_eq!(default["failure_demand"]["contacts_this_month"], 7);
    assert_eq!(default["failure_demand"], past["failure_demand"]);
}

#[tokio::test]
async fn a_move_is_only_told_when_both_periods_have_enough_answers() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    let survey = add_survey(pool, "invoice-nps", "customer", Some(invoice), None).await;
    let now = OffsetDateTime::now_utc();
    // Two detractors in the 90 days before (too few), forty promoters in the last 90.
    let rows: Vec<NewResponse> = (0..42)
        .map(|i| NewResponse {
            touchpoint_id: Some(invoice),
            ..customer_response(
                survey,
                if i < 2 { 0 } else { 10 },
                now - Duration::days(if i < 2 { 120 } else { 10 }) - Duration::minutes(i),
            )
        })
        .collect();
    store_responses(pool, &rows).await;
    app.signed_in_as("executive").await;
    let card = scorecard(&app, "").await;
    let touchpoint = &card["touchpoints"][0];
    assert_eq!(touchpoint["nps"], 100.0);
    assert!(touchpoint["previous_nps"].is_null(), "{touchpoint}");
    assert_eq!(touchpoint["significant_change"], false);
}

#[tokio::test]
async fn customer_references_are_for_the_department_that_calls_back() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    let survey = add_survey(pool, "invoice-nps", "customer", Some(invoice), None).await;
    store_responses(
        pool,
        &[NewResponse {
            touchpoint_id: Some(invoice),
            customer_ref: Some("CUST-4711".into()),
            ..customer_response(survey, 2, OffsetDateTime::now_utc())
        }],
    )
    .await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM follow_ups")
        .fetch_one(pool)
        .await
        .unwrap();
    app.signed_in_as("executive").await;
    for path in [
        "/departments/finance/follow-ups".to_owned(),
        format!("/departments/finance/follow-ups/{id}"),
    ] {
        let page = app.get(&path).await.text().await.unwrap();
        assert!(!page.contains("CUST-4711"), "{path}");
    }
    let head = app.create_user("department-head", Some("finance")).await;
    app.log_in(&head.email, &head.password).await;
    let page = app
        .get("/departments/finance/follow-ups")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("CUST-4711"));
}

#[tokio::test]
async fn far_off_dates_and_forged_cursors_get_a_clear_answer_not_a_500() {
    let app = spawn_app().await;
    add_organisation(&app.db.pool, "UTC").await;
    add_department(&app.db.pool, "finance", "Finance", "support").await;
    app.signed_in_as("executive").await;
    for (path, status) in [
        ("/departments/finance?to=9999-12-31", 400),
        ("/departments/finance?from=0001-01-01", 400),
        ("/departments/finance/scorecard.csv?to=9999-12-20", 400),
        ("/api/v1/departments/finance/scorecard?to=9999-12-31", 422),
        ("/api/v1/metrics/nps?kind=employee&to=9999-12-31", 422),
        ("/executive?to=9999-12-31", 400),
        (
            "/departments/finance/follow-ups?after=-377705116800000000.00000000-0000-0000-0000-000000000000",
            200,
        ),
        (
            "/departments/finance/comments?after=-377705116800000000.1",
            200,
        ),
    ] {
        assert_eq!(app.get(path).await.status(), status, "{path}");
    }
}
