//! The closed loop: detractors attributed to a department become follow-ups at
//! ingestion; only its head or the CX lead works them; the scorecard counts them.

use crate::helpers::{
    TestApp, add_department, add_organisation, add_survey, add_touchpoint, customer_response,
    spawn_app, store_responses,
};
use centric::repo::responses::NewResponse;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

struct Loop {
    sales: Uuid,
    finance: Uuid,
    survey: Uuid,
    touchpoint: Uuid,
}

/// Sales owns the "Quote" touchpoint; Finance owns the "Billing" theme (keyword invoice).
async fn setup(app: &TestApp) -> Loop {
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let sales = add_department(pool, "sales", "Sales", "front-line").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let touchpoint = add_touchpoint(pool, "quote", "Quote", sales).await;
    let survey = add_survey(pool, "quote-nps", "customer", Some(touchpoint), None).await;
    sqlx::query(
        "INSERT INTO themes (name, keywords, owner_department_id) VALUES ('Billing', '{invoice}', $1)",
    )
    .bind(finance)
    .execute(pool)
    .await
    .unwrap();
    Loop {
        sales,
        finance,
        survey,
        touchpoint,
    }
}

fn response(setup: &Loop, score: i16, comment: Option<&str>, age: Duration) -> NewResponse {
    NewResponse {
        touchpoint_id: Some(setup.touchpoint),
        comment: comment.map(str::to_owned),
        customer_ref: Some("C-1001".into()),
        ..customer_response(setup.survey, score, OffsetDateTime::now_utc() - age)
    }
}

/// (response score, department) of every follow-up, sorted.
async fn follow_ups(app: &TestApp) -> Vec<(i16, Uuid)> {
    sqlx::query_as(
        "SELECT r.score, f.department_id FROM follow_ups f JOIN responses r ON r.id = f.response_id
         ORDER BY r.score, f.department_id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_recent_detractor_raises_one_follow_up_for_each_department_it_concerns() {
    let app = spawn_app().await;
    let setup = setup(&app).await;
    let rows = vec![
        // Touchpoint (Sales) and theme (Finance): two follow-ups.
        response(&setup, 2, Some("The invoice was wrong"), Duration::hours(1)),
        // Touchpoint only.
        response(&setup, 5, Some("Slow quote"), Duration::days(3)),
        // Passives, promoters and old detractors are not followed up.
        response(&setup, 7, Some("invoice fine"), Duration::hours(1)),
        response(&setup, 10, None, Duration::hours(1)),
        response(&setup, 0, Some("invoice"), Duration::days(40)),
    ];
    store_responses(&app.db.pool, &rows).await;
    let mut expected = vec![(2, setup.sales), (2, setup.finance), (5, setup.sales)];
    expected.sort();
    assert_eq!(follow_ups(&app).await, expected);

    // An employee's detractor is not a customer to call back.
    let hr = add_survey(&app.db.pool, "pulse", "employee", None, None).await;
    store_responses(
        &app.db.pool,
        &[NewResponse {
            survey_kind: "employee".into(),
            respondent_department_id: Some(setup.sales),
            ..customer_response(hr, 1, OffsetDateTime::now_utc())
        }],
    )
    .await;
    assert_eq!(follow_ups(&app).await.len(), 3);
}

async fn first_follow_up(app: &TestApp, department: Uuid) -> (Uuid, i32) {
    sqlx::query_as(
        "SELECT id, version FROM follow_ups WHERE department_id = $1 ORDER BY created_at LIMIT 1",
    )
    .bind(department)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn only_the_departments_head_or_the_cx_lead_works_its_follow_ups() {
    let app = spawn_app().await;
    let setup = setup(&app).await;
    store_responses(
        &app.db.pool,
        &[response(
            &setup,
            3,
            Some("The invoice was wrong"),
            Duration::hours(2),
        )],
    )
    .await;
    let (id, version) = first_follow_up(&app, setup.finance).await;
    let path = format!("/departments/finance/follow-ups/{id}");
    let contacted = [
        ("status", "contacted"),
        ("note", ""),
        ("version", &version.to_string()),
    ];

    // Sales' head may read Finance's follow-ups but not change them.
    app.signed_in_as("department-head").await;
    let page = app.get(&path).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("The invoice was wrong") && !page.contains("name=\"note\""));
    assert_eq!(app.post_form(&path, &contacted).await.status(), 403);
    // Nor reach it through their own department's address.
    let own_path = format!("/departments/sales/follow-ups/{id}");
    assert_eq!(app.post_form(&own_path, &contacted).await.status(), 404);
    assert_eq!(first_follow_up(&app, setup.finance).await.1, version);

    // Finance's head works it.
    let head = app.create_user("department-head", Some("finance")).await;
    app.log_in(&head.email, &head.password).await;
    let saved = app.post_form(&path, &contacted).await;
    assert_eq!(saved.status(), 303);
    let (status, contacted_at): (String, Option<OffsetDateTime>) =
        sqlx::query_as("SELECT status, contacted_at FROM follow_ups WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(status, "contacted");
    assert!(contacted_at.is_some());

    // Resolving needs a note; the choice is kept.
    let version = version + 1;
    let (status, page) = {
        let response = app
            .post_form(
                &path,
                &[
                    ("status", "resolved"),
                    ("note", "  "),
                    ("version", &version.to_string()),
                ],
            )
            .await;
        (response.status(), response.text().await.unwrap())
    };
    assert_eq!(status, 422);
    assert!(page.contains("say how it was resolved"));
    assert!(page.contains("value=\"resolved\" checked"));

    // A stale version is refused, the note typed kept.
    let stale = app
        .post_form(
            &path,
            &[
                ("status", "resolved"),
                ("note", "Refunded the fee"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(stale.status(), 409);
    assert!(stale.text().await.unwrap().contains("Refunded the fee"));

    let resolved = app
        .post_form(
            &path,
            &[
                ("status", "resolved"),
                ("note", "Refunded the fee"),
                ("version", &version.to_string()),
            ],
        )
        .await;
    assert_eq!(resolved.status(), 303);
    let (status, note, resolved_by, audited): (String, String, Option<Uuid>, i64) = sqlx::query_as(
        "SELECT status, note, resolved_by,
                (SELECT count(*) FROM audit_log WHERE action = 'follow_up.update' AND target_id = $1::text)
         FROM follow_ups WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), note.as_str(), resolved_by, audited),
        ("resolved", "Refunded the fee", Some(head.id), 2)
    );

    // The CX lead may work any department's follow-ups.
    app.signed_in_as("cx-lead").await;
    let reopened = app
        .post_form(
            &path,
            &[
                ("status", "open"),
                ("note", "Customer called again"),
                ("version", &(version + 1).to_string()),
            ],
        )
        .await;
    assert_eq!(reopened.status(), 303);
    let (status, resolved_at): (String, Option<OffsetDateTime>) =
        sqlx::query_as("SELECT status, resolved_at FROM follow_ups WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), resolved_at), ("open", None));
}

#[tokio::test]
async fn the_scorecard_counts_open_overdue_and_the_median_time_to_close() {
    let app = spawn_app().await;
    let setup = setup(&app).await;
    let rows: Vec<NewResponse> = (0..8)
        .map(|i| response(&setup, 1, None, Duration::hours(i + 1)))
        .collect();
    store_responses(&app.db.pool, &rows).await;
    app.create_user("cx-lead", None).await;
    // Of Sales' eight: three resolved after 10, 20 and 60 hours; one contacted 9 days
    // ago (overdue after the default 7 days); one open for 8 days (overdue); three open.
    sqlx::query(
        "WITH numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM follow_ups)
         UPDATE follow_ups f SET
            created_at = CASE WHEN x.n <= 3 THEN now() - interval '5 days'
                              WHEN x.n = 4 THEN now() - interval '9 days'
                              WHEN x.n = 5 THEN now() - interval '8 days' ELSE f.created_at END,
            status = CASE WHEN x.n <= 3 THEN 'resolved' WHEN x.n = 4 THEN 'contacted' ELSE 'open' END,
            contacted_at = CASE WHEN x.n <= 4 THEN now() - interval '5 days' END,
            resolved_at = CASE WHEN x.n <= 3 THEN now() - interval '5 days'
                               + make_interval(hours => (ARRAY[10, 20, 60])[x.n]) END,
            resolved_by = CASE WHEN x.n <= 3 THEN (SELECT id FROM users LIMIT 1) END,
            note = CASE WHEN x.n <= 3 THEN 'Called back' ELSE '' END
         FROM numbered x WHERE x.id = f.id",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let summary = centric::repo::follow_ups::summary(&app.db.pool, setup.sales)
        .await
        .unwrap();
    assert_eq!(
        (
            summary.open,
            summary.contacted,
            summary.overdue,
            summary.resolved_90_days
        ),
        (4, 1, 2, 3)
    );
    assert_eq!(summary.median_hours_to_close.map(f64::round), Some(20.0));

    let viewer = app.create_user("executive", None).await;
    app.log_in(&viewer.email, &viewer.password).await;
    let page = app.get("/departments/sales").await.text().await.unwrap();
    assert!(page.contains("Closing the loop"));
    assert!(page.contains("20 h"), "the median time to close");
    assert!(page.contains("(5 to do)"));

    // The lists: to do oldest first, overdue only, resolved only.
    let to_do = app
        .get("/departments/sales/follow-ups")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(to_do.matches("<tr class=\"follow-up-row\">").count(), 5);
    let overdue = app
        .get("/departments/sales/follow-ups?show=overdue")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(overdue.matches("<tr class=\"follow-up-row\">").count(), 2);
    assert_eq!(
        overdue
            .matches("class=\"status-off-track\">Overdue</span>")
            .count(),
        2
    );
    let resolved = app
        .get("/departments/sales/follow-ups?show=resolved")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(resolved.matches("<tr class=\"follow-up-row\">").count(), 3);
    assert_eq!(resolved.matches("Called back").count(), 3);
}

#[tokio::test]
async fn the_follow_up_list_pages_through_every_follow_up() {
    let app = spawn_app().await;
    let setup = setup(&app).await;
    let rows: Vec<NewResponse> = (0..57)
        .map(|i| {
            response(
                &setup,
                4,
                Some(&format!("complaint {i:02}")),
                Duration::hours(i + 1),
            )
        })
        .collect();
    store_responses(&app.db.pool, &rows).await;
    // Raised in the order the customers answered (oldest first on the list).
    sqlx::query(
        "UPDATE follow_ups f SET created_at = r.submitted_at FROM responses r WHERE r.id = f.response_id",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    app.signed_in_as("executive").await;
    let first = app
        .get("/departments/sales/follow-ups")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(first.matches("<tr class=\"follow-up-row\">").count(), 50);
    assert!(first.contains("complaint 56") && !first.contains("complaint 06"));
    let next = first
        .split("href=\"")
        .find_map(|part| {
            part.starts_with("/departments/sales/follow-ups?show=to-do&#38;after=")
                .then(|| part.split('"').next().unwrap().replace("&#38;", "&"))
        })
        .expect("a link to the next page");
    let second = app.get(&next).await.text().await.unwrap();
    assert_eq!(second.matches("<tr class=\"follow-up-row\">").count(), 7);
    assert!(second.contains("complaint 06") && second.contains("complaint 00"));
    assert!(!second.contains("More follow-ups"));
}
