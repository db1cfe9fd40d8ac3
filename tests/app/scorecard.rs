//! `/departments/{slug}`: the scorecard's sections checked against recounts over the
//! test's own data: headline NPS, touchpoints with a significant move, internal NPS by
//! rater with anonymity, failure demand and incentives.

use crate::helpers::{
    TestApp, add_department, add_organisation, add_survey, add_touchpoint, customer_response,
    spawn_app, store_responses,
};
use centric::repo::responses::NewResponse;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

async fn recount_nps(app: &TestApp, since_days: i64, until_days: i64) -> (f64, i64) {
    let (promoters, detractors, n): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE score >= 9), count(*) FILTER (WHERE score <= 6), count(*)
         FROM responses r JOIN touchpoints t ON t.id = r.touchpoint_id
         JOIN departments d ON d.id = t.owner_department_id
         WHERE d.slug = 'finance' AND r.submitted_at >= now() - make_interval(days => $1::int)
           AND r.submitted_at < now() - make_interval(days => $2::int)",
    )
    .bind(since_days as i32)
    .bind(until_days as i32)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    ((promoters - detractors) as f64 * 100.0 / n as f64, n)
}

#[tokio::test]
async fn every_section_of_the_scorecard_matches_a_recount() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let raters = [
        (
            add_department(pool, "sales", "Sales", "front-line").await,
            7,
        ),
        (add_department(pool, "it", "IT", "support").await, 6),
        (add_department(pool, "hr", "HR", "support").await, 2),
    ];
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    let survey = add_survey(pool, "invoice-nps", "customer", Some(invoice), None).await;
    let internal = add_survey(pool, "finance-internal", "internal", None, Some(finance)).await;
    let now = OffsetDateTime::now_utc();
    // The 90 days before: 20 promoters, 80 detractors (−60); the last 90: 70 / 30 (+40).
    let mut rows: Vec<NewResponse> = Vec::new();
    for (days_ago, promoters, total) in [(120, 20, 100), (20, 70, 100)] {
        for i in 0..total {
            let score = if i < promoters { 10 } else { 2 };
            rows.push(NewResponse {
                touchpoint_id: Some(invoice),
                ..customer_response(
                    survey,
                    score,
                    now - Duration::days(days_ago) - Duration::hours(i as i64),
                )
            });
        }
    }
    // Internal ratings two whole months ago (people's answers count in whole months).
    let month_ago = (now.date().replace_day(1).unwrap() - Duration::days(20))
        .midnight()
        .assume_utc();
    for (rater, count) in raters {
        for _ in 0..count {
            rows.push(NewResponse {
                survey_kind: "internal".into(),
                respondent_department_id: Some(rater),
                ..customer_response(internal, 9, month_ago)
            });
        }
    }
    store_responses(pool, &rows).await;
    sqlx::query("INSERT INTO contact_reasons (slug, name, department_id) VALUES ('unclear-invoice', 'Unclear invoice', $1)")
        .bind(finance)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO channels (slug, name, unit_cost_cents) VALUES ('phone', 'Phone', 650)",
    )
    .execute(pool)
    .await
    .unwrap();
    let ingest = centric::services::accounts::create_token(
        pool,
        "in",
        "ingest",
        &centric::repo::audit::Actor::Cli,
    )
    .await
    .unwrap()
    .token;
    let contacts: Vec<serde_json::Value> = (0..12)
        .map(|_| serde_json::json!({"reason": "unclear-invoice", "channel": "phone"}))
        .collect();
    assert_eq!(
        app.post_json("/api/v1/contacts", &ingest, &serde_json::json!(contacts))
            .await
            .status(),
        201
    );
    let objective: Uuid = sqlx::query_scalar(
        "INSERT INTO objectives (title, metric, owner_department_id, department_id, baseline, target, period_start, period_end)
         VALUES ('Invoice NPS to +30', 'nps', $1, $1, -60, 30, $2, $3) RETURNING id",
    )
    .bind(finance)
    .bind(now.date() - Duration::days(60))
    .bind(now.date() + Duration::days(300))
    .fetch_one(pool)
    .await
    .unwrap();
    let plan: Uuid = sqlx::query_scalar(
        "INSERT INTO incentive_plans (name, department_id, period_start, period_end, target_bonus_cents)
         VALUES ('Finance bonus', $1, $2, $3, 500000) RETURNING id",
    )
    .bind(finance)
    .bind(now.date() - Duration::days(60))
    .bind(now.date() + Duration::days(300))
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO incentive_links (plan_id, objective_id, weight_pct, threshold_value, target_value, stretch_value, threshold_payout_pct, stretch_payout_pct)
         VALUES ($1, $2, 100, 0, 30, 60, 50, 150)",
    )
    .bind(plan)
    .bind(objective)
    .execute(pool)
    .await
    .unwrap();

    app.signed_in_as("executive").await;
    let page = app.get("/departments/finance").await.text().await.unwrap();

    let (nps, n) = recount_nps(&app, 90, 0).await;
    assert_eq!((nps, n), (40.0, 100));
    assert!(page.contains(&format!("{nps:+.1}")), "headline");
    assert!(page.contains("n = 100"));
    // −60 → +40 is far beyond the noise.
    let (before, _) = recount_nps(&app, 180, 90).await;
    assert_eq!(before, -60.0);
    assert!(
        page.contains("▲ up 100.0 points"),
        "significant rise marked"
    );
    // Internal: HR's 2 answers are hidden, and IT (the smallest other) with them.
    let internal_section = &page[page.find("What internal customers say").unwrap()
        ..page.find("Cost of failure demand").unwrap()];
    assert!(internal_section.contains("Sales"));
    assert!(!internal_section.contains(">IT<") && !internal_section.contains(">HR<"));
    assert!(internal_section.contains("Some rating departments are left out"));
    // Failure demand: 12 phone contacts at 6.50.
    let (count, cents): (i64, i64) =
        sqlx::query_as("SELECT count(*), sum(cost_cents)::bigint FROM service_contacts")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!((count, cents), (12, 7_800));
    assert!(page.contains("<strong>12</strong> this month (78.00)"));
    assert!(page.contains("Unclear invoice"));
    // Incentives: the objective's value is +40 → 100 % + (40−30)/(60−30) × 50 % = 116.7 %.
    assert!(page.contains("Finance bonus"));
    assert!(page.contains("116.7 %"), "plan payout");
    assert!(page.contains("5,833.33</strong> of 5,000.00"));
}

#[tokio::test]
async fn every_attributed_comment_is_reachable_newest_first_and_by_theme() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let sales = add_department(pool, "sales", "Sales", "front-line").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    let call = add_touchpoint(pool, "sales-call", "Sales call", sales).await;
    let survey = add_survey(pool, "relationship", "customer", None, None).await;
    // A theme Finance owns catches billing words on any touchpoint.
    sqlx::query("INSERT INTO themes (name, keywords, owner_department_id) VALUES ('Billing', '{charged}', $1)")
        .bind(finance)
        .execute(pool)
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let mut rows = Vec::new();
    for i in 0..120i64 {
        let (touchpoint, comment, score) = match i % 4 {
            0 => (invoice, format!("Invoice {i} was unclear"), 3),
            1 => (invoice, format!("Invoice {i} fine-ish"), 7),
            2 => (call, format!("Call {i}: charged twice"), 2),
            _ => (call, format!("Call {i}: lovely"), 10),
        };
        rows.push(NewResponse {
            touchpoint_id: Some(touchpoint),
            comment: Some(comment),
            ..customer_response(survey, score, now - Duration::minutes(i))
        });
    }
    store_responses(pool, &rows).await;
    app.signed_in_as("department-head").await;

    // Finance: 30 unclear + 30 fine-ish invoices + 30 "charged" calls = 90; promoters never.
    let mut seen = Vec::new();
    let mut path = "/departments/finance/comments".to_owned();
    for _ in 0..5 {
        let page = app.get(&path).await.text().await.unwrap();
        assert!(page.contains("90 comment(s)"));
        seen.extend(
            page.match_indices("<blockquote>")
                .map(|(at, _)| page[at + 12..].split('<').next().unwrap().to_owned()),
        );
        match page.split("href=\"").find(|s| s.contains("after=")) {
            Some(rest) => {
                path = rest
                    .split('"')
                    .next()
                    .unwrap()
                    .replace("&#38;", "&")
                    .replace("&amp;", "&")
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 90, "every comment, once (two pages)");
    assert!(seen[0].contains(" 0 "), "newest first: {}", seen[0]);
    assert!(!seen.iter().any(|c| c.contains("lovely")));
    let billing: Uuid = sqlx::query_scalar("SELECT id FROM themes")
        .fetch_one(pool)
        .await
        .unwrap();
    let page = app
        .get(&format!(
            "/departments/finance/comments?theme={billing}&kind=detractors"
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("30 comment(s)"));
    assert!(!page.contains("Invoice 0 was unclear"));
    let scorecard = app.get("/departments/finance").await.text().await.unwrap();
    assert!(scorecard.contains("All 90 comments, by theme"));
}

#[tokio::test]
async fn the_scorecard_downloads_as_csv_with_the_pages_numbers() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    let survey = add_survey(pool, "invoice-nps", "customer", Some(invoice), None).await;
    let now = OffsetDateTime::now_utc();
    // 45 answers in the last 25 days: 10 promoters, 20 passives, 15 detractors:
    // NPS (10 − 15) / 45 = −11.1.
    let rows: Vec<NewResponse> = (0..45)
        .map(|i| NewResponse {
            touchpoint_id: Some(invoice),
            ..customer_response(
                survey,
                match i {
                    0..10 => 9,
                    10..30 => 7,
                    _ => 3,
                },
                now - Duration::days(i % 25 + 1),
            )
        })
        .collect();
    store_responses(pool, &rows).await;
    sqlx::query(
        "INSERT INTO objectives (title, metric, owner_department_id, department_id, baseline, target, period_start, period_end)
         VALUES ('=HYPERLINK(\"http://evil\")', 'nps', $1, $1, -20, 30, $2, $3)",
    )
    .bind(finance)
    .bind(now.date() - Duration::days(60))
    .bind(now.date() + Duration::days(300))
    .execute(pool)
    .await
    .unwrap();

    let anonymous = app.get("/departments/finance/scorecard.csv").await;
    assert_eq!(anonymous.status(), 303, "signed-out visitors go to login");

    app.signed_in_as("executive").await;
    let response = app.get("/departments/finance/scorecard.csv").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"finance-scorecard-")
    );
    let body = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let find = |section: &str, measure: &str| {
        rows.iter()
            .find(|r| r[0] == section && r[2] == measure)
            .unwrap_or_else(|| panic!("{section} {measure} in {body}"))
            .clone()
    };
    let (expected, n) = recount_nps(&app, 90, 0).await;
    let headline = find("customer NPS", "nps");
    assert_eq!(headline[3], format!("{expected:.2}"));
    assert_eq!(headline[6], n.to_string());
    assert_eq!(headline[3], "-11.11");
    let low: f64 = headline[4].parse().unwrap();
    let high: f64 = headline[5].parse().unwrap();
    assert!(low < expected && expected < high);
    assert_eq!(find("touchpoint", "nps")[1], "Invoice");
    let objective = find("objective", "nps");
    assert_eq!(
        objective[1], "'=HYPERLINK(\"http://evil\")",
        "formula neutralised"
    );
    assert_eq!(objective[3], "-11.11");
    assert_eq!(find("objective", "target")[3], "30.00");
    assert_eq!(find("follow-ups", "count")[1], "open");
    assert_eq!(
        find("follow-ups", "count")[3],
        "15",
        "every recent detractor"
    );
}
