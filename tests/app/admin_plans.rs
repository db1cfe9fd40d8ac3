//! `/admin/plans`: plans with links to objectives, weights capped at 100 %, curves
//! checked and previewed as SVG, projections at today's values, concurrency and audit.

use crate::helpers::{
    TestApp, add_department, add_survey, customer_response, spawn_app, store_responses,
};
use centric::repo::responses::NewResponse;
use time::OffsetDateTime;
use uuid::Uuid;

async fn post(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String, Option<String>) {
    let response = app.post_form(path, fields).await;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, response.text().await.unwrap(), location)
}

fn plan<'a>(
    name: &'a str,
    role: &'a str,
    department: &'a str,
    version: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("role", role),
        ("department", department),
        ("period_start", "2026-01-01"),
        ("period_end", "2027-01-01"),
        ("target_bonus", "12000"),
        ("version", version),
    ]
}

fn link<'a>(
    objective: &'a str,
    weight: &'a str,
    (threshold, target, stretch): (&'a str, &'a str, &'a str),
    action: &'a str,
    version: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("objective", objective),
        ("weight", weight),
        ("threshold", threshold),
        ("target", target),
        ("stretch", stretch),
        ("threshold_payout", "50"),
        ("stretch_payout", "150"),
        ("version", version),
        ("action", action),
    ]
}

/// An NPS objective whose value today is +40 (60 promoters, 20 passives, 20 detractors).
async fn objective_at_forty(app: &TestApp) -> Uuid {
    sqlx::query("INSERT INTO organisation (name, time_zone) VALUES ('Acme', 'UTC')")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let survey = add_survey(&app.db.pool, "relationship", "customer", None, None).await;
    let rows: Vec<NewResponse> = (0..100)
        .map(|i| {
            customer_response(
                survey,
                [10, 10, 10, 8, 2][i % 5],
                OffsetDateTime::now_utc() - time::Duration::days(2),
            )
        })
        .collect();
    store_responses(&app.db.pool, &rows).await;
    let today = OffsetDateTime::now_utc().date();
    sqlx::query_scalar(
        "INSERT INTO objectives (title, metric, survey_id, baseline, target, period_start, period_end)
         VALUES ('Relationship NPS to +40', 'nps', $1, 0, 40, $2, $3) RETURNING id",
    )
    .bind(survey)
    .bind(today - time::Duration::days(30))
    .bind(today + time::Duration::days(300))
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_plan_is_validated_created_and_named_uniquely() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let mut bad = plan("", "", "", "");
    for (key, value) in bad.iter_mut() {
        match *key {
            "period_end" => *value = "2025-01-01",
            "target_bonus" => *value = "lots",
            _ => {}
        }
    }
    let (status, body, _) = post(&app, "/admin/plans", &bad).await;
    assert_eq!(status, 422);
    for message in [
        "give the plan a name",
        "a plan covers a role, a department, or both",
        "the period must end after it starts",
        "enter an amount such as 6.50",
    ] {
        assert!(body.contains(message), "{message}");
    }
    assert!(body.contains("value=\"lots\""));
    // "12,000" could mean twelve thousand or twelve: refused, not guessed.
    let mut ambiguous = plan("Ambiguous", "executive", "", "");
    for (key, value) in ambiguous.iter_mut() {
        if *key == "target_bonus" {
            *value = "12,000";
        }
    }
    assert_eq!(post(&app, "/admin/plans", &ambiguous).await.0, 422);
    let finance = add_department(&app.db.pool, "finance", "Finance", "support")
        .await
        .to_string();
    let (status, _, location) = post(
        &app,
        "/admin/plans",
        &plan("Finance heads 2026", "department-head", &finance, ""),
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.unwrap().starts_with("/admin/plans/"));
    let bonus: i64 = sqlx::query_scalar("SELECT target_bonus_cents FROM incentive_plans")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(bonus, 1_200_000);
    let (status, body, _) = post(
        &app,
        "/admin/plans",
        &plan("FINANCE HEADS 2026", "executive", "", ""),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("another plan already has this name"));
}

#[tokio::test]
async fn links_are_checked_previewed_capped_at_100_percent_and_projected() {
    let app = spawn_app().await;
    let cx = app.signed_in_as("cx-lead").await;
    let objective = objective_at_forty(&app).await.to_string();
    let (_, _, location) = post(
        &app,
        "/admin/plans",
        &plan("Everyone 2026", "executive", "", ""),
    )
    .await;
    let plan_path = location.unwrap();
    let links = format!("{plan_path}/links");

    // A curve out of order is refused field by field.
    let (status, body, _) = post(
        &app,
        &links,
        &link(&objective, "60", ("20", "60", "40"), "save", ""),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("the target lies between threshold and stretch"));

    // A preview draws the curve with today's value and saves nothing.
    let (status, body, _) = post(
        &app,
        &links,
        &link(&objective, "60", ("20", "40", "60"), "preview", ""),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("role=\"img\""));
    assert!(body.contains("now +40.0"));
    assert!(body.contains("value +40.0 pays 100 %"));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM incentive_links")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);

    let (status, _, _) = post(
        &app,
        &links,
        &link(&objective, "60", ("20", "40", "60"), "save", ""),
    )
    .await;
    assert_eq!(status, 303);
    // The same objective twice, or weights past 100 %, are field errors.
    let (status, body, _) = post(
        &app,
        &links,
        &link(&objective, "50", ("20", "40", "60"), "save", ""),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("at most 40 % is left"));
    let (status, body, _) = post(
        &app,
        &links,
        &link(&objective, "40", ("20", "40", "60"), "save", ""),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("this plan already pays on that objective"));

    // At +40 the link pays 100 % of its 60 % weight: 60 % of 12,000.00.
    let page = app.get(&plan_path).await.text().await.unwrap();
    assert!(
        page.contains(
            "<strong>60.0 %</strong> of the target bonus: <strong>7,200.00</strong> of 12,000.00"
        ),
        "{page}"
    );
    assert!(page.contains("weights add up to 60 %, not 100 %"));
    let list = app.get("/admin/plans").await.text().await.unwrap();
    assert!(list.contains("60 % · 7,200.00"));

    // Gated: paid on the interval's lower end, below +40.
    let link_id: Uuid = sqlx::query_scalar("SELECT id FROM incentive_links")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let link_path = format!("{plan_path}/links/{link_id}");
    let mut gated = link(&objective, "60", ("20", "40", "60"), "save", "1");
    gated.push(("requires_confidence", "1"));
    let (status, _, _) = post(&app, &link_path, &gated).await;
    assert_eq!(status, 303);
    let page = app.get(&plan_path).await.text().await.unwrap();
    assert!(page.contains("paid on the interval's lower end"));
    assert!(
        !page.contains("<strong>60.0 %</strong> of the target bonus"),
        "the gate lowers the payout"
    );
    // A stale edit is refused.
    let (status, body, _) = post(
        &app,
        &link_path,
        &link(&objective, "70", ("20", "40", "60"), "save", "1"),
    )
    .await;
    assert_eq!(status, 409);
    assert!(body.contains("Someone else changed this link"));

    // Once they have seen the link as it is now, the same save goes through.
    let (status, _, _) = post(
        &app,
        &link_path,
        &link(&objective, "70", ("20", "40", "60"), "save", "2"),
    )
    .await;
    assert_eq!(status, 303);

    let (status, _, _) = post(&app, &format!("{link_path}/delete"), &[]).await;
    assert_eq!(status, 303);
    // The audit log keeps what the link was before each change and before removal.
    let befores: Vec<Option<f64>> = sqlx::query_scalar(
        "SELECT (before->>'weight_pct')::float8 FROM audit_log WHERE target_type = 'incentive_link' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(befores, [None, Some(60.0), Some(60.0), Some(70.0)]);
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE target_type = 'incentive_link' AND actor_user_id = $1 ORDER BY id",
    )
    .bind(cx.id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "incentive_link.create",
            "incentive_link.update",
            "incentive_link.update",
            "incentive_link.delete"
        ]
    );
}
