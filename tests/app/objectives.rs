//! Objectives evaluated: values, progress and status, checked against numbers worked out
//! by hand from the test's own data.

use crate::helpers::{TestDb, add_department, add_touchpoint, customer_response, store_responses};
use centric::repo::responses::NewResponse;
use centric::services::metrics::objectives::evaluate_all;
use time::macros::{date, datetime};
use uuid::Uuid;

async fn objective(
    db: &TestDb,
    title: &str,
    metric: &str,
    owner: Option<Uuid>,
    department: Option<Uuid>,
    unit: Option<&str>,
    (baseline, target): (f64, f64),
) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO objectives (title, metric, owner_department_id, department_id, kpi_unit, baseline, target, period_start, period_end)
         VALUES ($1, $2, $3, $4, $5, $6, $7, '2026-01-01', '2027-01-01') RETURNING id",
    )
    .bind(title)
    .bind(metric)
    .bind(owner)
    .bind(department)
    .bind(unit)
    .bind(baseline)
    .bind(target)
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn objectives_get_their_value_progress_and_status() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    let survey: Uuid = sqlx::query_scalar(
        "INSERT INTO surveys (slug, name, kind, public_token, question, touchpoint_id, opens_at) VALUES ('invoice-nps', 'Invoice', 'customer', 'tok_objectives_00000001', 'q', $1, '2025-01-01') RETURNING id",
    )
    .bind(invoice)
    .fetch_one(pool)
    .await
    .unwrap();
    // 60 promoters, 20 passives, 20 detractors in February: NPS +40.
    let rows: Vec<NewResponse> = (0..100)
        .map(|i| {
            let score = if i < 60 {
                10
            } else if i < 80 {
                8
            } else {
                2
            };
            NewResponse {
                touchpoint_id: Some(invoice),
                ..customer_response(survey, score, datetime!(2026-02-10 12:00 UTC))
            }
        })
        .collect();
    store_responses(pool, &rows).await;

    let org = objective(
        &db,
        "Customer NPS to +60",
        "nps",
        None,
        None,
        None,
        (0.0, 60.0),
    )
    .await;
    let invoice_nps = objective(
        &db,
        "Invoice NPS to +42",
        "nps",
        Some(finance),
        Some(finance),
        None,
        (0.0, 42.0),
    )
    .await;
    let kpi = objective(
        &db,
        "Readable invoices",
        "kpi",
        Some(finance),
        None,
        Some("%"),
        (50.0, 90.0),
    )
    .await;
    sqlx::query("INSERT INTO kpi_measurements (objective_id, value, period_start, period_end) VALUES ($1, 60, '2026-01-01', '2026-01-31'), ($1, 70, '2026-02-01', '2026-02-28')")
        .bind(kpi)
        .execute(pool)
        .await
        .unwrap();
    let cost = objective(
        &db,
        "Cheaper contacts",
        "contact-cost",
        Some(finance),
        Some(finance),
        None,
        (1000.0, 500.0),
    )
    .await;
    let reason: Uuid = sqlx::query_scalar("INSERT INTO contact_reasons (slug, name, department_id) VALUES ('unclear', 'Unclear', $1) RETURNING id")
        .bind(finance)
        .fetch_one(pool)
        .await
        .unwrap();
    let channel: Uuid = sqlx::query_scalar("INSERT INTO channels (slug, name, unit_cost_cents) VALUES ('phone', 'Phone', 0) RETURNING id").fetch_one(pool).await.unwrap();
    sqlx::query("INSERT INTO contact_rollups_daily (day, reason_id, channel_id, contacts, cost_cents) VALUES ('2026-01-15', $1, $2, 10, 146100)")
        .bind(reason)
        .bind(channel)
        .execute(pool)
        .await
        .unwrap();
    let empty = objective(&db, "eNPS", "enps", None, None, None, (0.0, 30.0)).await;

    // 2026-03-01: 59 of 365 days gone.
    let views = evaluate_all(pool, date!(2026 - 02 - 28)).await.unwrap();
    let view = |id: Uuid| views.iter().find(|v| v.id == id).unwrap();

    let org = view(org);
    assert_eq!(org.value, Some(40.0));
    assert_eq!(org.n, Some(100));
    let elapsed = 58.0 / 365.0;
    assert!((org.elapsed - elapsed).abs() < 1e-9);
    assert!((org.progress.unwrap() - 40.0 / 60.0).abs() < 1e-9);
    assert_eq!(org.status.key(), "on-track");
    assert!(
        !org.too_close_to_call,
        "60 lies above the interval {:?}",
        (org.ci_low, org.ci_high)
    );

    let invoice_view = view(invoice_nps);
    assert_eq!(invoice_view.value, Some(40.0));
    assert!(
        invoice_view.too_close_to_call,
        "42 lies inside the interval"
    );

    let kpi = view(kpi);
    assert_eq!(
        (kpi.value, kpi.unit.as_str()),
        (Some(70.0), "%"),
        "the latest recorded value"
    );
    assert_eq!(kpi.status.key(), "on-track");

    // 1,461.00 over 59 days ≈ 753.7 per month: progress 0.49.
    let cost = view(cost);
    let per_month = 1461.0 / (59.0 / 30.4375); // 59 days: 1 January up to and including today
    assert!(
        (cost.value.unwrap() - per_month).abs() < 1e-6,
        "{:?}",
        cost.value
    );
    // progress = (753.7 − 1000) / (500 − 1000) ≈ 0.49, ahead of the 0.16 of the year gone.
    assert_eq!(cost.status.key(), "on-track");

    let empty = view(empty);
    assert_eq!((empty.value, empty.status.key()), (None, "not-enough-data"));
}
