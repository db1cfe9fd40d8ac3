//! Recording KPI values: a department head writes only their own department's values,
//! whatever the path, query or body says; the executive writes nothing.

use crate::helpers::{TestApp, add_department, new_client, spawn_app};
use uuid::Uuid;

async fn kpi_objective(app: &TestApp, department: Uuid, title: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO objectives (title, owner_department_id, metric, kpi_unit, baseline, target, period_start, period_end)
         VALUES ($1, $2, 'kpi', '%', 60, 90, '2026-01-01', '2027-01-01') RETURNING id",
    )
    .bind(title)
    .bind(department)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn measurements(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM kpi_measurements")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

fn form(objective: Uuid, value: &str) -> Vec<(&'static str, String)> {
    vec![
        ("objective", objective.to_string()),
        ("value", value.to_owned()),
        ("period_start", "2026-10-01".into()),
        ("period_end", "2026-10-31".into()),
        ("note", "From the LMS export".into()),
    ]
}

struct Setup {
    app: TestApp,
    sales_kpi: Uuid,
    legal_kpi: Uuid,
}

/// Sales and Legal each with a KPI objective; the app's client is Sales's head.
async fn setup() -> Setup {
    let app = spawn_app().await;
    let sales = add_department(&app.db.pool, "sales", "Sales", "front-line").await;
    let legal = add_department(&app.db.pool, "legal", "Legal", "support").await;
    let sales_kpi = kpi_objective(&app, sales, "Sales staff trained in CX").await;
    let legal_kpi = kpi_objective(&app, legal, "Contract readability").await;
    app.signed_in_as("department-head").await;
    Setup {
        app,
        sales_kpi,
        legal_kpi,
    }
}

#[tokio::test]
async fn a_head_records_a_value_for_their_own_kpi_and_it_is_audited() {
    let Setup { app, sales_kpi, .. } = setup().await;
    let page = app.get("/departments/sales").await.text().await.unwrap();
    assert!(
        page.contains("/departments/sales/kpis"),
        "the scorecard offers recording"
    );
    let response = app
        .client
        .post(app.url("/departments/sales/kpis"))
        .form(&form(sales_kpi, "72,5"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let (value, note): (f64, String) =
        sqlx::query_as("SELECT value, note FROM kpi_measurements WHERE objective_id = $1")
            .bind(sales_kpi)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(value, 72.5);
    assert_eq!(note, "From the LMS export");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'kpi.record' AND actor_user_id IS NOT NULL",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    let history = app
        .get("/departments/sales/kpis?saved=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(history.contains("Value recorded") && history.contains("72.5"));
}

#[tokio::test]
async fn a_head_cannot_reach_another_departments_kpis_by_path() {
    let Setup { app, legal_kpi, .. } = setup().await;
    assert_eq!(app.get("/departments/legal/kpis").await.status(), 403);
    let response = app
        .client
        .post(app.url("/departments/legal/kpis"))
        .form(&form(legal_kpi, "50"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(measurements(&app).await, 0);
}

#[tokio::test]
async fn a_head_cannot_write_another_departments_kpi_through_the_form_body() {
    let Setup { app, legal_kpi, .. } = setup().await;
    let response = app
        .client
        .post(app.url("/departments/sales/kpis"))
        .form(&form(legal_kpi, "50"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("choose one of your department")
    );
    assert_eq!(measurements(&app).await, 0);
}

#[tokio::test]
async fn a_query_naming_another_departments_objective_is_ignored() {
    let Setup { app, legal_kpi, .. } = setup().await;
    let page = app
        .get(&format!("/departments/sales/kpis?objective={legal_kpi}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&legal_kpi.to_string()));
    assert!(!page.contains("Contract readability"));
}

#[tokio::test]
async fn the_executive_writes_nothing_and_the_cx_lead_may_record_for_any_department() {
    let Setup { app, legal_kpi, .. } = setup().await;
    let executive = app.create_user("executive", None).await;
    let client = new_client();
    client
        .post(app.url("/login"))
        .form(&[
            ("email", &executive.email),
            ("password", &executive.password),
        ])
        .send()
        .await
        .unwrap();
    let refused = client
        .post(app.url("/departments/legal/kpis"))
        .form(&form(legal_kpi, "50"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(measurements(&app).await, 0);

    let lead = app.create_user("cx-lead", None).await;
    let client = new_client();
    client
        .post(app.url("/login"))
        .form(&[("email", &lead.email), ("password", &lead.password)])
        .send()
        .await
        .unwrap();
    let recorded = client
        .post(app.url("/departments/legal/kpis"))
        .form(&form(legal_kpi, "51"))
        .send()
        .await
        .unwrap();
    assert_eq!(recorded.status(), 303);
    assert_eq!(measurements(&app).await, 1);
}

#[tokio::test]
async fn bad_input_is_shown_again_with_a_message_per_field_and_nothing_lost() {
    let Setup { app, sales_kpi, .. } = setup().await;
    let mut bad = form(sales_kpi, "lots");
    bad[2] = ("period_start", "2026-10-31".into());
    bad[3] = ("period_end", "2026-10-01".into());
    bad[4] = ("note", "<script>alert(1)</script> kept".into());
    let response = app
        .client
        .post(app.url("/departments/sales/kpis"))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("enter a number"));
    assert!(body.contains("cannot end before it starts"));
    assert!(body.contains("value=\"lots\""), "the typed value is kept");
    assert!(
        body.contains("&#60;script&#62;alert(1)&#60;/script&#62; kept"),
        "the note is kept, escaped"
    );
    assert_eq!(measurements(&app).await, 0);
}

#[tokio::test]
async fn unknown_fields_in_the_kpi_form_are_refused() {
    let Setup { app, sales_kpi, .. } = setup().await;
    let mut sneaky = form(sales_kpi, "50");
    sneaky.push(("department_id", Uuid::new_v4().to_string()));
    let response = app
        .client
        .post(app.url("/departments/sales/kpis"))
        .form(&sneaky)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert_eq!(measurements(&app).await, 0);
}
