//! `/departments/{slug}`: the scorecard's sections checked against recounts over the
//! test's own data: headline NPS, touchpoints with a significant move, internal NPS by
//! rater with anonymity, failure demand and incentives, and the month-by-month series
//! of touchpoints and objectives with their sparklines.

use crate::helpers::{
    TestApp, add_department, add_organisation, add_survey, add_touchpoint, customer_response,
    spawn_app, store_responses,
};
use centric::repo::responses::NewResponse;
use time::{Date, Duration, OffsetDateTime};
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
async fn past_a_thousand_the_scorecard_says_how_many_comments_as_1000_plus() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    let survey = add_survey(pool, "relationship", "customer", None, None).await;
    let now = OffsetDateTime::now_utc();
    let comment = |i: i64| NewResponse {
        touchpoint_id: Some(invoice),
        comment: Some(format!("Invoice {i} was unclear")),
        ..customer_response(survey, 4, now - Duration::minutes(i))
    };
    store_responses(pool, &(0..1000).map(comment).collect::<Vec<_>>()).await;
    app.signed_in_as("executive").await;
    let page = app.get("/departments/finance").await.text().await.unwrap();
    assert!(
        page.contains("All 1,000 comments, by theme"),
        "exactly up to the cap"
    );
    // One more (stored directly, then the data version moved on as any write through Centric
    // moves it): the scorecard's count stops at the cap.
    store_responses(pool, &[comment(1000)]).await;
    centric::repo::data_version::bump(pool).await.unwrap();
    let page = app.get("/departments/finance").await.text().await.unwrap();
    assert!(page.contains("All 1,000+ comments, by theme"));
    let all = app
        .get("/departments/finance/comments")
        .await
        .text()
        .await
        .unwrap();
    assert!(all.contains("1,001 comment(s)"), "the list counts them all");
}

/// The first day of the month `back` months before `day`'s.
fn months_back(day: Date, back: u32) -> Date {
    (0..back).fold(day.replace_day(1).unwrap(), |month, _| {
        (month - Duration::days(1)).replace_day(1).unwrap()
    })
}

/// The `i`-th of `count` moments spread over the month `back` months ago (up to now).
fn moment_in(now: OffsetDateTime, back: u32, i: usize, count: usize) -> OffsetDateTime {
    let start = months_back(now.date(), back).midnight().assume_utc();
    let end = match back {
        0 => now,
        _ => months_back(now.date(), back - 1).midnight().assume_utc(),
    };
    start + (end - start) * (i as f64 / count as f64)
}

/// Promoters, passives and detractors of one month, counted from the raw responses.
#[derive(Debug)]
struct MonthCount {
    month: String,
    promoters: i64,
    passives: i64,
    detractors: i64,
}

/// Every month from `from` up to `to` (exclusive, UTC days) with its counts among the
/// responses of `kind` on `touchpoint` (when given) attributed to `department`: a
/// recount over the responses table, not the rollups the app reads.
async fn recount_months(
    app: &TestApp,
    kind: &str,
    touchpoint: Option<Uuid>,
    department: Uuid,
    from: Date,
    to: Date,
) -> Vec<MonthCount> {
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT to_char(m, 'YYYY-MM-DD'),
                count(r.id) FILTER (WHERE r.score >= 9), count(r.id) FILTER (WHERE r.score IN (7, 8)),
                count(r.id) FILTER (WHERE r.score <= 6)
         FROM generate_series(date_trunc('month', $1::date::timestamp), ($2::date - 1)::timestamp, interval '1 month') m
         LEFT JOIN (responses r JOIN surveys s ON s.id = r.survey_id
                    LEFT JOIN touchpoints t ON t.id = r.touchpoint_id)
           ON date_trunc('month', r.submitted_at AT TIME ZONE 'UTC') = m
          AND s.kind = $3 AND ($4::uuid IS NULL OR r.touchpoint_id = $4)
          AND coalesce(t.owner_department_id, s.rated_department_id) = $5
          AND (r.submitted_at AT TIME ZONE 'UTC')::date >= $1 AND (r.submitted_at AT TIME ZONE 'UTC')::date < $2
         GROUP BY m ORDER BY m",
    )
    .bind(from)
    .bind(to)
    .bind(kind)
    .bind(touchpoint)
    .bind(department)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(month, promoters, passives, detractors)| MonthCount {
            month,
            promoters,
            passives,
            detractors,
        })
        .collect()
}

/// What a month should show, worked out from its counts by PRODUCT.md's definitions.
#[derive(Debug, PartialEq)]
struct Expected {
    month: String,
    /// None when hidden for anonymity.
    n: Option<i64>,
    /// 100 × (promoters − detractors) / n, whenever there are responses.
    nps: Option<f64>,
    enough_data: bool,
    significant_change: bool,
}

/// Each month's expectation; a change is significant when |NPS₁ − NPS₂| exceeds
/// 1.96 × sqrt(SE₁² + SE₂²) against the previous month with enough responses.
fn expected(months: &[MonthCount], min_sample: i64, anonymity: Option<i64>) -> Vec<Expected> {
    let mut previous: Option<(f64, f64)> = None;
    months
        .iter()
        .map(|m| {
            let n = m.promoters + m.passives + m.detractors;
            if anonymity.is_some_and(|threshold| n > 0 && n < threshold) {
                return Expected {
                    month: m.month.clone(),
                    n: None,
                    nps: None,
                    enough_data: false,
                    significant_change: false,
                };
            }
            let (p, d) = (
                m.promoters as f64 / n.max(1) as f64,
                m.detractors as f64 / n.max(1) as f64,
            );
            let nps = 100.0 * (p - d);
            let se = 100.0 * ((p + d - (p - d).powi(2)) / n.max(1) as f64).sqrt();
            let enough_data = n >= min_sample;
            let significant_change = enough_data
                && previous.is_some_and(|(before, se_before)| {
                    (nps - before).abs() > 1.96 * (se * se + se_before * se_before).sqrt()
                });
            if enough_data {
                previous = Some((nps, se));
            }
            Expected {
                month: m.month.clone(),
                n: Some(n),
                nps: (n > 0).then_some(nps),
                enough_data,
                significant_change,
            }
        })
        .collect()
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (a, b) => a == b,
    }
}

/// `(months ago, promoters, passives, detractors)` of the invoice touchpoint's customers:
/// a thin month (n = 10), a significant fall and a significant rise among them.
const INVOICE_MONTHS: [(u32, usize, usize, usize); 8] = [
    (13, 30, 0, 10),
    (11, 20, 10, 10),
    (9, 22, 8, 10),
    (7, 5, 0, 5),
    (5, 10, 10, 40),
    (4, 30, 20, 10),
    (2, 40, 5, 5),
    (0, 20, 5, 5),
];

struct TrendSetup {
    app: TestApp,
    finance: Uuid,
    invoice: Uuid,
    read: String,
}

/// Finance owns the invoice touchpoint, answered month by month as `INVOICE_MONTHS`
/// says; Sales owns a touchpoint whose answers must never count for Finance.
async fn trend_setup(now: OffsetDateTime) -> TrendSetup {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let sales = add_department(pool, "sales", "Sales", "front-line").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    let call = add_touchpoint(pool, "sales-call", "Sales call", sales).await;
    let survey = add_survey(pool, "relationship", "customer", None, None).await;
    let mut rows = Vec::new();
    for (back, promoters, passives, detractors) in INVOICE_MONTHS {
        let scores = [(10, promoters), (8, passives), (2, detractors)]
            .into_iter()
            .flat_map(|(score, count)| std::iter::repeat_n(score, count));
        let count = promoters + passives + detractors;
        for (i, score) in scores.enumerate() {
            rows.push(NewResponse {
                touchpoint_id: Some(invoice),
                ..customer_response(survey, score, moment_in(now, back, i, count))
            });
        }
    }
    for i in 0..40 {
        rows.push(NewResponse {
            touchpoint_id: Some(call),
            ..customer_response(survey, 0, moment_in(now, 2, i, 40))
        });
    }
    store_responses(pool, &rows).await;
    let read = centric::services::accounts::create_token(
        pool,
        "out",
        "read",
        &centric::repo::audit::Actor::Cli,
    )
    .await
    .unwrap()
    .token;
    TrendSetup {
        app,
        finance,
        invoice,
        read,
    }
}

impl TrendSetup {
    async fn scorecard(&self) -> serde_json::Value {
        let response = self
            .app
            .client
            .get(self.app.url("/api/v1/departments/finance/scorecard"))
            .bearer_auth(&self.read)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

/// The part of `page` from the heading `from` to the heading `to`.
fn section<'a>(page: &'a str, from: &str, to: &str) -> &'a str {
    &page[page.find(from).unwrap()..page.find(to).unwrap()]
}

#[tokio::test]
async fn touchpoint_trends_equal_a_monthly_recount_with_significant_moves_marked() {
    let now = OffsetDateTime::now_utc();
    let s = trend_setup(now).await;
    let scorecard = s.scorecard().await;

    let today = now.date();
    let months = recount_months(
        &s.app,
        "customer",
        Some(s.invoice),
        s.finance,
        months_back(today, 11),
        today + Duration::days(1),
    )
    .await;
    let want = expected(&months, 30, None);
    assert_eq!(want.len(), 12, "the current month and the eleven before");
    let trend = scorecard["touchpoints"][0]["trend"].as_array().unwrap();
    assert_eq!(trend.len(), want.len());
    for (point, want) in trend.iter().zip(&want) {
        assert_eq!(point["period_start"], want.month.as_str());
        assert_eq!(point["n"].as_i64(), want.n, "{}", want.month);
        assert!(close(point["nps"].as_f64(), want.nps), "{}", want.month);
        assert_eq!(point["enough_data"], want.enough_data, "{}", want.month);
        assert_eq!(
            point["significant_change"], want.significant_change,
            "{}",
            want.month
        );
    }
    // The data holds what the test is about: moves both ways and a month too thin to show.
    let flagged: Vec<&Expected> = want.iter().filter(|w| w.significant_change).collect();
    assert!(flagged.len() >= 2, "{want:?}");
    assert!(want.iter().any(|w| w.n == Some(10) && !w.enough_data));

    s.app.signed_in_as("executive").await;
    let page = s
        .app
        .get("/departments/finance")
        .await
        .text()
        .await
        .unwrap();
    let touchpoints = section(&page, "id=\"touchpoints-title\"", "id=\"internal-title\"");
    assert!(touchpoints.contains("Trend (12 months)"));
    assert_eq!(touchpoints.matches("role=\"img\"").count(), 1);
    let shown = want.iter().filter(|w| w.enough_data).count();
    let marked = touchpoints.matches("class=\"spark-change\"").count();
    assert_eq!(marked, flagged.len(), "a triangle per significant move");
    assert_eq!(
        touchpoints.matches("class=\"spark-dot\"").count() + marked,
        shown,
        "a marker per month with a value"
    );
    assert_eq!(touchpoints.matches("class=\"spark-withheld\"").count(), 1);
    assert_eq!(touchpoints.matches("<g class=\"spark-month\">").count(), 12);
    let thin = want.iter().find(|w| w.n == Some(10)).unwrap();
    assert!(touchpoints.contains(&format!(
        "{}: not enough responses (n = 10)",
        &thin.month[..7]
    )));
    let first = want.iter().find(|w| w.enough_data).unwrap();
    assert!(touchpoints.contains(&format!(
        "{}: {:+.1} (95 % interval",
        &first.month[..7],
        first.nps.unwrap()
    )));
}

/// Inserts an objective owned by and measuring Finance; returns its id.
async fn add_objective(
    pool: &sqlx::PgPool,
    finance: Uuid,
    title: &str,
    metric: &str,
    period_start: Date,
) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO objectives (title, metric, kpi_unit, owner_department_id, department_id, baseline, target, period_start, period_end)
         VALUES ($1, $2, CASE WHEN $2 = 'kpi' THEN 'days' END, $3, $3, 10, 5, $4, $4 + 500) RETURNING id",
    )
    .bind(title)
    .bind(metric)
    .bind(finance)
    .bind(period_start)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The points of the objective `id` in a scorecard's JSON.
fn points_of(scorecard: &serde_json::Value, id: Uuid) -> Vec<serde_json::Value> {
    scorecard["objective_trends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["objective_id"] == id.to_string())
        .unwrap()["points"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn objective_series_equal_a_recount_of_their_metric_month_by_month() {
    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let s = trend_setup(now).await;
    let pool = &s.app.db.pool;
    // Customer NPS since the middle of a month: the first month counts from that day on.
    let nps_start = months_back(today, 4) + Duration::days(10);
    let nps = add_objective(pool, s.finance, "Invoice NPS", "nps", nps_start).await;
    // Internal NPS, the organisation's minimum sample lowered to 5: one month shown, one
    // hidden (3 answers), and this month's answers left out until the month is whole.
    let internal = add_survey(pool, "finance-internal", "internal", None, Some(s.finance)).await;
    sqlx::query("UPDATE organisation SET min_sample = 5")
        .execute(pool)
        .await
        .unwrap();
    let sales: Uuid = sqlx::query_scalar("SELECT id FROM departments WHERE slug = 'sales'")
        .fetch_one(pool)
        .await
        .unwrap();
    let mut ratings = Vec::new();
    for (back, scores) in [
        (3, vec![9, 9, 9, 9, 2, 2]),
        (2, vec![9, 9, 2]),
        (0, vec![9; 8]),
    ] {
        for (i, score) in scores.iter().enumerate() {
            ratings.push(NewResponse {
                survey_kind: "internal".into(),
                respondent_department_id: Some(sales),
                ..customer_response(internal, *score, moment_in(now, back, i, scores.len()))
            });
        }
    }
    store_responses(pool, &ratings).await;
    let internal_start = months_back(today, 4);
    let rated = add_objective(
        pool,
        s.finance,
        "Internal NPS",
        "internal-nps",
        internal_start,
    )
    .await;
    // A recorded KPI older than a year: only the last twelve months, the latest value of
    // a month winning.
    let kpi = add_objective(
        pool,
        s.finance,
        "Days to pay",
        "kpi",
        months_back(today, 13),
    )
    .await;
    for (back, value, recorded_days_ago) in [(12, 11.0, 300), (3, 8.0, 2), (3, 7.5, 1), (1, 6.0, 1)]
    {
        sqlx::query(
            "INSERT INTO kpi_measurements (objective_id, value, period_start, period_end, recorded_at)
             VALUES ($1, $2, $3, $3 + 27, now() - make_interval(days => $4))",
        )
        .bind(kpi)
        .bind(value)
        .bind(months_back(today, back))
        .bind(recorded_days_ago)
        .execute(pool)
        .await
        .unwrap();
    }

    let scorecard = s.scorecard().await;
    let tomorrow = today + Duration::days(1);

    let recount = recount_months(&s.app, "customer", None, s.finance, nps_start, tomorrow).await;
    let want = expected(&recount, 5, None);
    let got = points_of(&scorecard, nps);
    assert_eq!(got.len(), 5, "from the period's start to this month");
    assert!(
        want[0].n.unwrap() < 60,
        "the first month only from the 11th"
    );
    for (point, want) in got.iter().zip(&want) {
        assert_eq!(point["month"], want.month.as_str());
        assert_eq!(point["n"].as_i64(), want.n, "{}", want.month);
        let shown = want.nps.filter(|_| want.enough_data);
        assert!(close(point["value"].as_f64(), shown), "{}", want.month);
        assert_eq!(point["significant_change"], want.significant_change);
    }

    let whole_months = months_back(today, 0);
    let recount = recount_months(
        &s.app,
        "internal",
        None,
        s.finance,
        internal_start,
        whole_months,
    )
    .await;
    let want = expected(&recount, 5, Some(5));
    let got = points_of(&scorecard, rated);
    assert_eq!(got.len(), 4, "whole months only");
    for (point, want) in got.iter().zip(&want) {
        assert_eq!(point["month"], want.month.as_str());
        assert_eq!(point["n"].as_i64(), want.n, "{}", want.month);
        assert_eq!(point["suppressed"], want.n.is_none(), "{}", want.month);
        let shown = want.nps.filter(|_| want.enough_data);
        assert!(close(point["value"].as_f64(), shown), "{point} {want:?}");
    }
    assert!(close(got[1]["value"].as_f64(), Some(100.0 * 2.0 / 6.0)));
    assert_eq!(got[2]["suppressed"], true);

    let got = points_of(&scorecard, kpi);
    let values: Vec<Option<f64>> = got.iter().map(|p| p["value"].as_f64()).collect();
    let mut want = vec![None; 12];
    want[11 - 3] = Some(7.5);
    want[11 - 1] = Some(6.0);
    assert_eq!(values, want);
    assert_eq!(got[0]["month"], months_back(today, 11).to_string());
    assert!(
        got.iter()
            .all(|p| p["n"].is_null() && !p["significant_change"].as_bool().unwrap())
    );

    s.app.signed_in_as("executive").await;
    let page = s
        .app
        .get("/departments/finance")
        .await
        .text()
        .await
        .unwrap();
    let objectives = section(&page, "id=\"objectives-title\"", "id=\"touchpoints-title\"");
    assert_eq!(
        objectives.matches("role=\"img\"").count(),
        3,
        "a sparkline per objective"
    );
    assert!(objectives.contains("<title>Days to pay: month by month</title>"));
    assert!(objectives.contains("Target 5.0."));
    assert_eq!(
        objectives.matches("<g class=\"spark-month\">").count(),
        5 + 4 + 12
    );
    assert!(objectives.contains(&format!(
        "{}: 7.5<",
        &months_back(today, 3).to_string()[..7]
    )));
    assert!(objectives.contains(&format!(
        "{}: hidden, too few answers to be anonymous",
        &months_back(today, 2).to_string()[..7]
    )));
}

#[tokio::test]
async fn a_contact_objectives_series_is_each_months_contacts_per_average_month() {
    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let s = trend_setup(now).await;
    let pool = &s.app.db.pool;
    sqlx::query("INSERT INTO contact_reasons (slug, name, department_id) VALUES ('unclear-invoice', 'Unclear invoice', $1)")
        .bind(s.finance)
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
    // Since the 15th two months ago: 9 contacts then (and 4 before the start, not
    // counted), none last month, 3 this month.
    let start = months_back(today, 2) + Duration::days(14);
    let contacts: Vec<serde_json::Value> = [(2, 14, 9), (2, 2, 4), (0, 0, 3)]
        .into_iter()
        .flat_map(|(back, day, count)| {
            let at = match back {
                0 => now - Duration::seconds(1),
                _ => (months_back(today, back) + Duration::days(day))
                    .midnight()
                    .assume_utc()
                    + Duration::hours(12),
            };
            let at = at.format(&time::format_description::well_known::Rfc3339).unwrap();
            (0..count).map(move |_| {
                serde_json::json!({"reason": "unclear-invoice", "channel": "phone", "occurred_at": at})
            })
        })
        .collect();
    let response = s
        .app
        .post_json("/api/v1/contacts", &ingest, &serde_json::json!(contacts))
        .await;
    assert_eq!(response.status(), 201);
    let rate = add_objective(
        pool,
        s.finance,
        "Fewer invoice calls",
        "contact-rate",
        start,
    )
    .await;

    let got = points_of(&s.scorecard().await, rate);
    let tomorrow = today + Duration::days(1);
    let months: Vec<Date> = (0..3).rev().map(|back| months_back(today, back)).collect();
    assert_eq!(got.len(), months.len());
    for (point, month) in got.iter().zip(&months) {
        let next = months_back(*month + Duration::days(31), 0);
        let (from, to) = ((*month).max(start), next.min(tomorrow));
        let counted: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM service_contacts
             WHERE (occurred_at AT TIME ZONE 'UTC')::date >= $1 AND (occurred_at AT TIME ZONE 'UTC')::date < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(pool)
        .await
        .unwrap();
        // "Contacts per month": the month's contacts over its days, in average months.
        let per_month = counted as f64 / ((to - from).whole_days() as f64 / 30.4375);
        assert_eq!(point["month"], month.to_string());
        assert!(close(point["value"].as_f64(), Some(per_month)), "{point}");
    }
    assert!(
        close(got[1]["value"].as_f64(), Some(0.0)),
        "a month without contacts is zero"
    );
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

#[tokio::test]
async fn period_and_segment_in_the_query_string_narrow_the_figures_and_bad_ones_are_explained() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    let survey = add_survey(pool, "invoice-nps", "customer", Some(invoice), None).await;
    let now = OffsetDateTime::now_utc();
    // Enterprise: 30 promoters 20 days ago. SMB: 30 detractors 20 days ago and 40
    // promoters 200 days ago.
    let mut rows = Vec::new();
    for (segment, score, days_ago, count) in [
        ("Enterprise", 10, 20, 30),
        ("SMB", 2, 20, 30),
        ("SMB", 9, 200, 40),
    ] {
        for i in 0..count {
            rows.push(NewResponse {
                touchpoint_id: Some(invoice),
                segment: Some(segment.into()),
                ..customer_response(
                    survey,
                    score,
                    now - Duration::days(days_ago) - Duration::minutes(i),
                )
            });
        }
    }
    store_responses(pool, &rows).await;
    app.signed_in_as("executive").await;
    let api = |query: &'static str| {
        let app = &app;
        async move {
            let response = app
                .get(&format!("/api/v1/departments/finance/scorecard{query}"))
                .await;
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (_, all) = api("").await;
    assert_eq!(
        (all["nps"]["nps"].as_f64(), all["nps"]["n"].as_u64()),
        (Some(0.0), Some(60))
    );
    let (_, smb) = api("?segment=SMB").await;
    assert_eq!(
        (smb["nps"]["nps"].as_f64(), smb["nps"]["n"].as_u64()),
        (Some(-100.0), Some(30))
    );
    let year_from = (now.date() - Duration::days(364)).to_string();
    let (_, smb_year) = api(Box::leak(
        format!("?segment=SMB&from={year_from}").into_boxed_str(),
    ))
    .await;
    // 40 promoters and 30 detractors: (40 − 30) / 70.
    assert_eq!(smb_year["nps"]["n"].as_u64(), Some(70));
    assert!((smb_year["nps"]["nps"].as_f64().unwrap() - 1000.0 / 70.0).abs() < 1e-9);
    let (status, refused) = api("?from=yesterday").await;
    assert_eq!(status, 422);
    assert_eq!(
        refused["error"]["fields"]["from"],
        "“yesterday” is not a date; use one such as 2026-01-31"
    );

    // The page: the segment's figure, and the filter kept in the print and CSV links.
    let page = app
        .get("/departments/finance?segment=Enterprise")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Customer NPS, last 90 days, Enterprise customers"));
    assert!(page.contains("<span class=\"stat-value\">+100.0</span>"));
    assert!(page.contains("<option value=\"Enterprise\" selected>"));
    assert!(page.contains("scorecard.csv?from=&#38;to=&#38;segment=Enterprise"));
    let print = app
        .get("/departments/finance?segment=Enterprise&view=print")
        .await
        .text()
        .await
        .unwrap();
    assert!(print.contains("<body class=\"print-view\">"));
    let csv = app
        .get("/departments/finance/scorecard.csv?segment=SMB")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("customer NPS,all it owns,nps,-100.00,"),
        "{csv}"
    );

    // A bad period: the default figures, the message, the input kept — never a 500.
    let bad = app
        .get("/departments/finance?from=2026-13-01&to=2026-01-31")
        .await;
    assert_eq!(bad.status(), 400);
    let bad = bad.text().await.unwrap();
    assert!(bad.contains("That period could not be shown"));
    assert!(bad.contains("“2026-13-01” is not a date; use one such as 2026-01-31"));
    assert!(bad.contains("value=\"2026-13-01\""));
    assert!(bad.contains("Customer NPS, last 90 days"));
    let backwards = app
        .get("/departments/finance?from=2026-03-01&to=2026-01-31")
        .await;
    assert_eq!(backwards.status(), 400);
    assert!(
        backwards
            .text()
            .await
            .unwrap()
            .contains("must be on or before the last day")
    );
    let bad_csv = app.get("/departments/finance/scorecard.csv?to=soon").await;
    assert_eq!(bad_csv.status(), 400);
}
