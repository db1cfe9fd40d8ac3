//! `/admin/objectives`: org-wide objectives cascaded to departments, validation with the
//! input kept, live status on the objective's page, the noise warning, concurrency,
//! archiving and audit.

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

fn objective<'a>(
    title: &'a str,
    parent: &'a str,
    owner: &'a str,
    (baseline, target): (&'a str, &'a str),
    version: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("description", ""),
        ("parent", parent),
        ("owner", owner),
        ("metric", "nps"),
        ("survey", ""),
        ("touchpoint", ""),
        ("scope_department", ""),
        ("kpi_unit", ""),
        ("baseline", baseline),
        ("target", target),
        ("period_start", "2026-01-01"),
        ("period_end", "2027-01-01"),
        ("weight", "1"),
        ("version", version),
    ]
}

async fn id_of(app: &TestApp, title: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM objectives WHERE title = $1")
        .bind(title)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_org_objective_is_cascaded_and_its_page_shows_the_tree_with_live_status() {
    let app = spawn_app().await;
    let cx = app.signed_in_as("cx-lead").await;
    let finance = add_department(&app.db.pool, "finance", "Finance", "support").await;
    let (status, _, location) = post(
        &app,
        "/admin/objectives",
        &objective("Customer NPS to +20", "", "", ("5", "20"), ""),
    )
    .await;
    assert_eq!(status, 303);
    let org = id_of(&app, "Customer NPS to +20").await;
    assert_eq!(
        location.unwrap(),
        format!("/admin/objectives/{org}?saved=1")
    );

    let (status, _, _) = post(
        &app,
        "/admin/objectives",
        &objective(
            "Invoice NPS to +10",
            &org.to_string(),
            &finance.to_string(),
            ("-30", "10"),
            "",
        ),
    )
    .await;
    assert_eq!(status, 303);
    let child = id_of(&app, "Invoice NPS to +10").await;
    let parent: Option<Uuid> = sqlx::query_scalar("SELECT parent_id FROM objectives WHERE id = $1")
        .bind(child)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(parent, Some(org));

    let page = app
        .get(&format!("/admin/objectives/{org}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Invoice NPS to +10"),
        "the tree shows the child"
    );
    assert!(page.contains("−30.0 → +10.0") || page.contains("-30.0 → +10.0"));
    assert!(page.contains("status-not-enough-data"), "no responses yet");
    let list = app.get("/admin/objectives").await.text().await.unwrap();
    assert!(list.contains("Cascade to another department"));

    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'objective.create' AND actor_user_id = $1",
    )
    .bind(cx.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn bad_input_is_named_field_by_field_and_kept() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let org_fields = objective("Org", "", "", ("0", "10"), "");
    post(&app, "/admin/objectives", &org_fields).await;
    let org = id_of(&app, "Org").await.to_string();
    let mut fields = objective("", &org, "", ("150", "150"), "");
    for (key, value) in fields.iter_mut() {
        match *key {
            "period_end" => *value = "2025-06-01",
            "weight" => *value = "0",
            _ => {}
        }
    }
    let (status, body, _) = post(&app, "/admin/objectives", &fields).await;
    assert_eq!(status, 422);
    for message in [
        "give the objective a title",
        "a cascaded objective belongs to a department",
        "an NPS lies between −100 and +100",
        "the period must end after it starts",
        "a weight above 0 and at most 100",
    ] {
        assert!(body.contains(message), "{message}");
    }
    assert!(body.contains("value=\"150\""), "input kept");

    let mut kpi = objective("Contract clarity", "", "", ("60", "60"), "");
    for (key, value) in kpi.iter_mut() {
        if *key == "metric" {
            *value = "kpi";
        }
    }
    let (status, body, _) = post(&app, "/admin/objectives", &kpi).await;
    assert_eq!(status, 422);
    assert!(body.contains("say what the KPI counts"));
    assert!(body.contains("the target must differ from the baseline"));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM objectives")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn a_target_inside_todays_interval_is_flagged_as_noise() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    sqlx::query("INSERT INTO organisation (name, time_zone) VALUES ('Acme', 'UTC')")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let survey = add_survey(&app.db.pool, "relationship", "customer", None, None).await;
    // 100 recent answers: 40 promoters, 30 passives, 30 detractors → NPS +10, about ±17.
    let rows: Vec<NewResponse> = (0..100)
        .map(|i| {
            let score = if i < 40 {
                10
            } else if i < 70 {
                7
            } else {
                3
            };
            customer_response(
                survey,
                score,
                OffsetDateTime::now_utc() - time::Duration::days(3),
            )
        })
        .collect();
    store_responses(&app.db.pool, &rows).await;
    let survey = survey.to_string();
    for (title, target, warned) in [("Timid", "15", true), ("Bold", "45", false)] {
        let mut fields = objective(title, "", "", ("10", target), "");
        for (key, value) in fields.iter_mut() {
            if *key == "survey" {
                *value = &survey;
            }
        }
        let (status, _, location) = post(&app, "/admin/objectives", &fields).await;
        assert_eq!(status, 303, "not blocked");
        let page = app.get(&location.unwrap()).await.text().await.unwrap();
        assert_eq!(
            page.contains("The target is smaller than the noise."),
            warned,
            "{title}"
        );
    }
}

#[tokio::test]
async fn a_stale_edit_is_refused_and_archiving_keeps_the_objective() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    post(
        &app,
        "/admin/objectives",
        &objective("Org", "", "", ("0", "10"), ""),
    )
    .await;
    let id = id_of(&app, "Org").await;
    let path = format!("/admin/objectives/{id}");
    let (status, _, _) = post(&app, &path, &objective("Org NPS", "", "", ("0", "12"), "1")).await;
    assert_eq!(status, 303);
    let (status, body, _) = post(
        &app,
        &path,
        &objective("Org NPS v2", "", "", ("0", "30"), "1"),
    )
    .await;
    assert_eq!(status, 409);
    assert!(body.contains("Someone else changed this objective"));
    assert!(body.contains("value=\"Org NPS v2\""));
    let target: f64 = sqlx::query_scalar("SELECT target FROM objectives WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(target, 12.0);

    let (status, _, _) = post(
        &app,
        &format!("{path}/archive"),
        &[("version", "2"), ("archive", "1")],
    )
    .await;
    assert_eq!(status, 303);
    let list = app.get("/admin/objectives").await.text().await.unwrap();
    assert!(list.contains("Archived objectives (1)"));
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE target_type = 'objective' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        ["objective.create", "objective.update", "objective.archive"]
    );
}

#[tokio::test]
async fn a_recorded_kpi_keeps_its_metric() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let legal = add_department(&app.db.pool, "legal", "Legal", "support").await;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO objectives (title, metric, kpi_unit, owner_department_id, baseline, target, period_start, period_end)
         VALUES ('Contract clarity', 'kpi', 'score', $1, 40, 60, '2026-01-01', '2027-01-01') RETURNING id",
    )
    .bind(legal)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO kpi_measurements (objective_id, value, period_start, period_end) VALUES ($1, 45, '2026-02-01', '2026-02-28')",
    )
    .bind(id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    let legal = legal.to_string();
    let mut fields = objective("Contract clarity", "", &legal, ("40", "60"), "1");
    for (key, value) in fields.iter_mut() {
        if *key == "metric" {
            *value = "contact-rate";
        }
    }
    let (status, body, _) = post(&app, &format!("/admin/objectives/{id}"), &fields).await;
    assert_eq!(status, 422, "a field error, not a failed foreign key");
    assert!(body.contains("so it stays a recorded KPI"));
}
