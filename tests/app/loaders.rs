//! The metrics loaders behind the scorecards and the executive page: breakdowns (via the
//! API), the chargeback ledger and incentive projections, each checked against an
//! independent recount or a value worked out by hand.

use crate::api_metrics::setup;
use crate::helpers::{
    add_contact_reason, add_department, add_organisation, customer_response, spawn_app,
    store_responses,
};
use centric::repo::audit::Actor;
use centric::repo::responses::NewResponse;
use centric::services::metrics::{chargeback, incentives, objectives};
use serde_json::{Value, json};
use time::macros::{date, datetime};
use uuid::Uuid;

#[tokio::test]
async fn a_breakdown_by_segment_matches_a_recount_per_segment() {
    let s = setup().await;
    let (status, answer) = s
        .get("/api/v1/metrics/nps/breakdown?by=segment&from=2026-01-01&to=2026-04-01")
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["by"], "segment");
    let groups = answer["groups"].as_array().unwrap();
    let keys: Vec<&str> = groups.iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["enterprise", "smb"]);
    for group in groups {
        let segment = group["key"].as_str().unwrap();
        let (promoters, passives, detractors) = s
            .recount(&format!(
                "s.kind = 'customer' AND r.segment = '{segment}' AND r.submitted_at >= '2026-01-01' AND r.submitted_at < '2026-04-01'"
            ))
            .await;
        let n = promoters + passives + detractors;
        assert_eq!(group["n"], n);
        assert_eq!(group["promoters"], promoters);
        assert_eq!(group["detractors"], detractors);
        let nps = (promoters - detractors) as f64 * 100.0 / n as f64;
        assert!((group["nps"].as_f64().unwrap() - nps).abs() < 1e-9);
        assert!(group["ci_low"].as_f64().unwrap() < nps);
    }
}

#[tokio::test]
async fn a_breakdown_by_touchpoint_and_department_names_its_groups() {
    let s = setup().await;
    for (by, key, label) in [
        ("touchpoint", "invoice", "Invoice"),
        ("department", "finance", "Finance"),
    ] {
        let (status, answer) = s
            .get(&format!(
                "/api/v1/metrics/nps/breakdown?by={by}&from=2026-01-01&to=2026-04-01"
            ))
            .await;
        assert_eq!(status, 200);
        let groups = answer["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 1, "{answer}");
        assert_eq!(groups[0]["key"], key);
        assert_eq!(groups[0]["label"], label);
        assert_eq!(groups[0]["n"], 200);
    }
}

#[tokio::test]
async fn internal_ratings_by_rater_department_leave_small_groups_out() {
    let s = setup().await;
    // Sales gave Finance three ratings: fewer than the anonymity threshold of five.
    let (status, answer) = s
        .get("/api/v1/metrics/nps/breakdown?by=respondent_department&kind=internal&from=2026-01-01&to=2026-04-01")
        .await;
    assert_eq!(status, 200);
    assert_eq!(answer["groups"], json!([]), "left out entirely");
    assert_eq!(answer["some_hidden"], true);
}

#[tokio::test]
async fn a_breakdown_needs_a_known_grouping() {
    let s = setup().await;
    for query in ["", "?by=colour"] {
        let (status, answer) = s
            .get(&format!("/api/v1/metrics/nps/breakdown{query}"))
            .await;
        assert_eq!(status, 422);
        assert!(
            answer["error"]["fields"]["by"]
                .as_str()
                .unwrap()
                .contains("touchpoint")
        );
    }
}

#[tokio::test]
async fn the_chargeback_ledger_adds_up_to_the_contacts_sent() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let it = add_department(pool, "it", "IT", "support").await;
    for (slug, name, department) in [
        ("unclear-invoice", "Unclear invoice", Some(finance)),
        ("wrong-charge", "Wrong charge", Some(finance)),
        ("password-reset", "Password reset", Some(it)),
        ("moving-house", "Moving house", None),
    ] {
        add_contact_reason(pool, slug, name, department).await;
    }
    sqlx::query("INSERT INTO channels (slug, name, unit_cost_cents) VALUES ('phone', 'Phone', 650), ('chat', 'Chat', 210)")
        .execute(pool)
        .await
        .unwrap();
    let ingest = centric::services::accounts::create_token(pool, "in", "ingest", &Actor::Cli)
        .await
        .unwrap()
        .token;
    let reasons = [
        "unclear-invoice",
        "wrong-charge",
        "password-reset",
        "moving-house",
    ];
    let mut items: Vec<Value> = Vec::new();
    for i in 0..300 {
        let mut item = json!({
            "reason": reasons[(i * 7) % 4],
            "channel": if i % 3 == 0 { "chat" } else { "phone" },
            "occurred_at": format!("2026-{:02}-{:02}T09:00:00Z", 1 + i % 3, 1 + i % 28),
        });
        if i % 10 == 0 {
            item["cost"] = json!(12.34);
        }
        items.push(item);
    }
    let response = app
        .post_json("/api/v1/contacts", &ingest, &json!(items))
        .await;
    assert_eq!(response.status(), 201);

    // February only.
    let ledger = chargeback::ledger(pool, date!(2026 - 02 - 01), date!(2026 - 03 - 01))
        .await
        .unwrap();
    let recount: Vec<(Option<String>, String, i64, i64)> = sqlx::query_as(
        "SELECT d.slug::text, r.slug::text, count(*), sum(c.cost_cents)::bigint
         FROM service_contacts c JOIN contact_reasons r ON r.id = c.reason_id
         LEFT JOIN departments d ON d.id = r.department_id
         WHERE c.occurred_at >= '2026-02-01' AND c.occurred_at < '2026-03-01'
         GROUP BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        ledger.iter().map(|d| d.reasons.len()).sum::<usize>(),
        recount.len()
    );
    for (department, reason, contacts, cents) in &recount {
        let charged = ledger.iter().find(|d| &d.department == department).unwrap();
        let line = charged
            .reasons
            .iter()
            .find(|r| &r.reason == reason)
            .unwrap();
        assert_eq!(line.contacts, *contacts, "{reason}");
        assert!((line.cost - *cents as f64 / 100.0).abs() < 1e-9, "{reason}");
    }
    // Departments by cost, most costly first; each adds up its reasons.
    let costs: Vec<f64> = ledger.iter().map(|d| d.cost).collect();
    assert!(costs.windows(2).all(|w| w[0] >= w[1]), "{costs:?}");
    let finance_cents: i64 = recount
        .iter()
        .filter(|(d, ..)| d.as_deref() == Some("finance"))
        .map(|(.., cents)| cents)
        .sum();
    let finance_line = ledger
        .iter()
        .find(|d| d.department.as_deref() == Some("finance"))
        .unwrap();
    assert_eq!(finance_line.cost, finance_cents as f64 / 100.0);
    assert_eq!(finance_line.department_name.as_deref(), Some("Finance"));
    assert!(ledger.iter().any(|d| d.department.is_none()));
}

#[tokio::test]
async fn plans_project_their_payout_with_the_confidence_gate_applied() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let survey = crate::helpers::add_survey(pool, "relationship", "customer", None, None).await;
    // 60 promoters, 20 passives, 20 detractors in February: NPS +40.
    let rows: Vec<NewResponse> = (0..100)
        .map(|i| {
            let score = [10, 10, 10, 8, 2][i % 5];
            customer_response(survey, score, datetime!(2026-02-10 12:00 UTC))
        })
        .collect();
    store_responses(pool, &rows).await;
    let objective: Uuid = sqlx::query_scalar(
        "INSERT INTO objectives (title, metric, survey_id, baseline, target, period_start, period_end)
         VALUES ('Relationship NPS to +40', 'nps', $1, 0, 40, '2026-01-01', '2027-01-01') RETURNING id",
    )
    .bind(survey)
    .fetch_one(pool)
    .await
    .unwrap();
    let plan: Uuid = sqlx::query_scalar(
        "INSERT INTO incentive_plans (name, department_id, period_start, period_end, target_bonus_cents)
         VALUES ('Finance heads 2026', $1, '2026-01-01', '2027-01-01', 1000000) RETURNING id",
    )
    .bind(finance)
    .fetch_one(pool)
    .await
    .unwrap();
    let kpi: Uuid = sqlx::query_scalar(
        "INSERT INTO objectives (title, metric, kpi_unit, owner_department_id, baseline, target, period_start, period_end)
         VALUES ('Invoice clarity', 'kpi', 'score', $1, 50, 80, '2026-01-01', '2027-01-01') RETURNING id",
    )
    .bind(finance)
    .fetch_one(pool)
    .await
    .unwrap();
    // NPS link: 60 %, gated; threshold 20 → 50 %, target 40 → 100 %, stretch 60 → 150 %.
    // KPI link: 40 %, no value recorded yet → pays nothing.
    sqlx::query(
        "INSERT INTO incentive_links (plan_id, objective_id, weight_pct, threshold_value, target_value, stretch_value,
                                      threshold_payout_pct, stretch_payout_pct, requires_confidence)
         VALUES ($1, $2, 60, 20, 40, 60, 50, 150, true), ($1, $3, 40, 60, 80, 90, 50, 150, false)",
    )
    .bind(plan)
    .bind(objective)
    .bind(kpi)
    .execute(pool)
    .await
    .unwrap();

    let today = date!(2026 - 03 - 01);
    let views = objectives::evaluate_all(pool, today).await.unwrap();
    let nps = views.iter().find(|o| o.id == objective).unwrap();
    assert_eq!(nps.value, Some(40.0));
    let ci_low = nps.ci_low.unwrap();
    assert!(20.0 < ci_low && ci_low < 40.0, "{ci_low}");

    let plans = incentives::project_all(pool, today).await.unwrap();
    assert_eq!(plans.len(), 1);
    let projected = &plans[0];
    assert_eq!(projected.department.as_deref(), Some("finance"));
    assert_eq!(projected.target_bonus, 10_000.0);
    let gated = &projected.links[0];
    assert_eq!(gated.objective_id, objective);
    assert_eq!(gated.value, Some(40.0));
    assert_eq!(
        gated.paid_on,
        Some(ci_low),
        "paid on the interval's lower end"
    );
    let expected_link = 50.0 + 50.0 * (ci_low - 20.0) / 20.0;
    assert!((gated.payout_pct - expected_link).abs() < 1e-9);
    let unmeasured = &projected.links[1];
    assert_eq!((unmeasured.value, unmeasured.payout_pct), (None, 0.0));
    let expected_plan = 0.6 * expected_link;
    assert!((projected.payout_pct - expected_plan).abs() < 1e-9);
    assert!((projected.projected_amount - 10_000.0 * expected_plan / 100.0).abs() < 1e-6);

    // Without the gate the same link pays its full 100 % at the value itself.
    sqlx::query("UPDATE incentive_links SET requires_confidence = false WHERE objective_id = $1")
        .bind(objective)
        .execute(pool)
        .await
        .unwrap();
    let plans = incentives::project_all(pool, today).await.unwrap();
    assert_eq!(plans[0].links[0].payout_pct, 100.0);
    assert!((plans[0].payout_pct - 60.0).abs() < 1e-9);
}
