//! `GET /api/v1/metrics/nps` and `/trend`: values checked against an independent recount
//! over the test's own raw responses, intervals, significance flags, anonymity, errors.

use crate::helpers::{TestApp, add_department, add_survey, add_touchpoint, spawn_app};
use centric::repo::audit::Actor;
use serde_json::{Value, json};

pub(crate) struct Setup {
    pub(crate) app: TestApp,
    pub(crate) read: String,
}

/// Finance owns the invoice touchpoint; Sales rates Finance internally. Responses are
/// spread over January (poor) and March (good) 2026.
pub(crate) async fn setup() -> Setup {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    sqlx::query("INSERT INTO organisation (name, time_zone) VALUES ('Acme', 'Europe/Amsterdam')")
        .execute(pool)
        .await
        .unwrap();
    let finance = add_department(pool, "finance", "Finance", "support").await;
    add_department(pool, "sales", "Sales", "front-line").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    for (slug, kind, touchpoint, rated) in [
        ("invoice-nps", "customer", Some(invoice), None),
        ("finance-internal", "internal", None, Some(finance)),
    ] {
        add_survey(pool, slug, kind, touchpoint, rated).await;
    }
    let ingest = centric::services::accounts::create_token(pool, "in", "ingest", &Actor::Cli)
        .await
        .unwrap()
        .token;
    let read = centric::services::accounts::create_token(pool, "out", "read", &Actor::Cli)
        .await
        .unwrap()
        .token;
    let mut items = Vec::new();
    // January: 20 promoters, 20 passives, 60 detractors; March: 70 / 20 / 10.
    for (month, promoters, passives, detractors) in [("01", 20, 20, 60), ("03", 70, 20, 10)] {
        for (score, count) in [(10, promoters), (7, passives), (3, detractors)] {
            for i in 0..count {
                let day = 1 + i % 27;
                let segment = if i % 2 == 0 { "smb" } else { "enterprise" };
                items.push(
                    json!({"survey": "invoice-nps", "score": score, "segment": segment,
                                  "submitted_at": format!("2026-{month}-{day:02}T10:00:00Z")}),
                );
            }
        }
    }
    // Three internal ratings: below the anonymity threshold of 5.
    for score in [9, 9, 2] {
        items.push(json!({"survey": "finance-internal", "score": score, "respondent_department": "sales", "submitted_at": "2026-03-10T10:00:00Z"}));
    }
    let response = app
        .post_json("/api/v1/responses", &ingest, &json!(items))
        .await;
    assert_eq!(response.status(), 201);
    Setup { app, read }
}

impl Setup {
    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .app
            .client
            .get(self.app.url(path))
            .bearer_auth(&self.read)
            .send()
            .await
            .unwrap();
        {
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            (
                status,
                serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: {text}")),
            )
        }
    }

    /// The same numbers, recounted from raw responses with plain SQL.
    pub(crate) async fn recount(&self, where_clause: &str) -> (i64, i64, i64) {
        sqlx::query_as(&format!(
            "SELECT count(*) FILTER (WHERE score >= 9), count(*) FILTER (WHERE score BETWEEN 7 AND 8), count(*) FILTER (WHERE score <= 6)
             FROM responses r JOIN surveys s ON s.id = r.survey_id WHERE {where_clause}"
        ))
        .fetch_one(&self.app.db.pool)
        .await
        .unwrap()
    }
}

#[tokio::test]
async fn nps_matches_a_recount_of_the_raw_responses() {
    let s = setup().await;
    let (status, body) = s
        .get("/api/v1/metrics/nps?survey=invoice-nps&from=2026-01-01&to=2026-04-01")
        .await;
    assert_eq!(status, 200, "{body}");
    let (p, n, d) = s.recount("s.slug = 'invoice-nps'").await;
    assert_eq!(
        (
            body["promoters"].as_i64(),
            body["passives"].as_i64(),
            body["detractors"].as_i64()
        ),
        (Some(p), Some(n), Some(d))
    );
    let total = (p + n + d) as f64;
    let expected = 100.0 * (p - d) as f64 / total;
    assert!((body["nps"].as_f64().unwrap() - expected).abs() < 1e-9);
    assert_eq!(body["n"], 200);
    assert_eq!(body["enough_data"], true);
    let (low, high) = (
        body["ci_low"].as_f64().unwrap(),
        body["ci_high"].as_f64().unwrap(),
    );
    assert!(
        low < expected && expected < high,
        "{low} < {expected} < {high}"
    );
    assert!(body["se"].as_f64().unwrap() > 0.0);
}

#[tokio::test]
async fn filters_by_department_segment_and_period_match_recounts() {
    let s = setup().await;
    let (_, march) = s.get("/api/v1/metrics/nps?department=finance&segment=smb&kind=customer&from=2026-03-01&to=2026-04-01").await;
    let (p, n, d) = s
        .recount("s.kind = 'customer' AND r.segment = 'smb' AND (r.submitted_at AT TIME ZONE 'Europe/Amsterdam')::date >= '2026-03-01' AND (r.submitted_at AT TIME ZONE 'Europe/Amsterdam')::date < '2026-04-01'")
        .await;
    assert_eq!(
        (
            march["promoters"].as_i64(),
            march["passives"].as_i64(),
            march["detractors"].as_i64()
        ),
        (Some(p), Some(n), Some(d))
    );
    let (_, none) = s
        .get("/api/v1/metrics/nps?survey=invoice-nps&from=2025-06-01&to=2025-07-01")
        .await;
    assert_eq!(none["n"], 0);
    assert_eq!(none["nps"], Value::Null);
    assert_eq!(none["enough_data"], false);
}

#[tokio::test]
async fn the_monthly_trend_marks_the_real_rise_as_significant() {
    let s = setup().await;
    let (status, body) = s.get("/api/v1/metrics/nps/trend?survey=invoice-nps&from=2026-01-01&to=2026-04-01&interval=month").await;
    assert_eq!(status, 200, "{body}");
    let points = body["points"].as_array().unwrap();
    assert_eq!(points.len(), 2, "January and March (no February responses)");
    assert_eq!(points[0]["period_start"], "2026-01-01");
    assert_eq!(points[0]["nps"].as_f64(), Some(-40.0));
    assert_eq!(points[1]["nps"].as_f64(), Some(60.0));
    assert_eq!(points[0]["significant_change"], false);
    assert_eq!(points[1]["significant_change"], true);
}

#[tokio::test]
async fn small_internal_groups_are_suppressed() {
    let s = setup().await;
    let (status, body) = s
        .get("/api/v1/metrics/nps?survey=finance-internal&from=2026-01-01&to=2026-04-01")
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["suppressed"], true);
    assert_eq!(body["nps"], Value::Null);
    assert_eq!(body["promoters"], Value::Null);
}

#[tokio::test]
async fn bad_parameters_are_named_in_a_422() {
    let s = setup().await;
    let (status, body) = s
        .get("/api/v1/metrics/nps?from=last-week&kind=partners&department=nope")
        .await;
    assert_eq!(status, 422);
    for field in ["from", "kind", "department"] {
        assert!(
            body["error"]["fields"][field].is_string(),
            "{field}: {body}"
        );
    }
    let (status, _) = s.get("/api/v1/metrics/nps/trend?interval=daily").await;
    assert_eq!(status, 422);
    let (status, body) = s.get("/api/v1/metrics/nps?colour=blue").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_query");
    // A NUL character is named, not a 500 from the database.
    let (status, body) = s
        .get("/api/v1/metrics/nps/breakdown?by=segment&segment=a%00b&department=%00")
        .await;
    assert_eq!(status, 422, "{body}");
    for field in ["segment", "department"] {
        assert_eq!(
            body["error"]["fields"][field], "contains a NUL character",
            "{body}"
        );
    }
}

#[tokio::test]
async fn the_survey_list_gives_public_links_from_the_configured_url_not_the_host_header() {
    let s = setup().await;
    let response = s
        .app
        .client
        .get(s.app.url("/api/v1/surveys"))
        .bearer_auth(&s.read)
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let surveys: Value = response.json().await.unwrap();
    let invoice = surveys
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["slug"] == "invoice-nps")
        .expect("listed");
    assert_eq!(invoice["kind"], "customer");
    assert_eq!(invoice["touchpoint"], "invoice");
    assert_eq!(invoice["open"], true);
    let link = invoice["public_link"].as_str().unwrap();
    assert!(link.starts_with("http://127.0.0.1:3000/s/tok_"), "{link}");
    assert!(!surveys.to_string().contains("evil.example"));
}

#[tokio::test]
async fn the_export_streams_customer_responses_with_formulas_neutralised() {
    let s = setup().await;
    let ingest =
        centric::services::accounts::create_token(&s.app.db.pool, "in2", "ingest", &Actor::Cli)
            .await
            .unwrap()
            .token;
    let hostile = json!({"survey": "invoice-nps", "score": 1, "comment": "=HYPERLINK(\"http://evil.example\",\"x\")", "segment": "smb", "submitted_at": "2026-03-20T10:00:00Z"});
    let response = s
        .app
        .client
        .post(s.app.url("/api/v1/responses"))
        .bearer_auth(&ingest)
        .json(&hostile)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    let response = s
        .app
        .client
        .get(
            s.app
                .url("/api/v1/export/responses.csv?from=2026-03-01&to=2026-04-01"),
        )
        .bearer_auth(&s.read)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("responses-2026-03-01-2026-04-01.csv")
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().next(),
        Some("submitted_at")
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let (p, n, d) = s
        .recount("s.kind = 'customer' AND (r.submitted_at AT TIME ZONE 'Europe/Amsterdam')::date >= '2026-03-01' AND (r.submitted_at AT TIME ZONE 'Europe/Amsterdam')::date < '2026-04-01'")
        .await;
    assert_eq!(
        rows.len() as i64,
        p + n + d,
        "every customer response of March, and only those"
    );
    let comment = rows
        .iter()
        .find(|r| &r[2] == "1")
        .map(|r| r[4].to_owned())
        .unwrap();
    assert!(comment.starts_with("'=HYPERLINK"), "neutralised: {comment}");
    assert!(
        rows.iter().all(|r| &r[1] == "invoice-nps"),
        "no internal ratings"
    );

    let (status, body) = s.get("/api/v1/metrics/nps?kind=customer").await;
    assert_eq!(status, 200, "{body}");
    let refused = s
        .app
        .client
        .get(s.app.url("/api/v1/export/responses.csv?kind=internal"))
        .bearer_auth(&s.read)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
}

#[tokio::test]
async fn touchpoints_and_objectives_are_listed() {
    let s = setup().await;
    let (status, touchpoints) = s.get("/api/v1/touchpoints").await;
    assert_eq!(status, 200);
    assert_eq!(
        touchpoints,
        json!([{"slug": "invoice", "name": "Invoice", "stage": "Journey", "channel": "document", "owner": "finance"}])
    );
    let (status, objectives) = s.get("/api/v1/objectives").await;
    assert_eq!(status, 200);
    assert_eq!(objectives, json!([]));
}

#[tokio::test]
async fn peoples_answers_are_counted_in_whole_months_and_never_mixed_with_customers() {
    let s = setup().await;
    let ingest =
        centric::services::accounts::create_token(&s.app.db.pool, "in3", "ingest", &Actor::Cli)
            .await
            .unwrap()
            .token;
    let january: Vec<Value> = (0..6)
        .map(|i| json!({"survey": "finance-internal", "score": 9, "respondent_department": "sales", "submitted_at": format!("2026-01-{:02}T10:00:00Z", 10 + i)}))
        .collect();
    let response = s
        .app
        .client
        .post(s.app.url("/api/v1/responses"))
        .bearer_auth(&ingest)
        .json(&january)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    // A few days inside January mean all of January: no day-by-day differencing.
    let (_, days) = s
        .get("/api/v1/metrics/nps?kind=internal&from=2026-01-12&to=2026-01-14")
        .await;
    assert_eq!(
        (days["n"].as_u64(), days["suppressed"].as_bool()),
        (Some(6), Some(false))
    );
    // Any range touching March (3 ratings) is hidden whole.
    let (_, spring) = s
        .get("/api/v1/metrics/nps?kind=internal&from=2026-01-01&to=2026-04-01")
        .await;
    assert_eq!(spring["suppressed"], true);
    // A department without a kind means its customer NPS only: no internal ratings mixed in.
    let (_, finance) = s
        .get("/api/v1/metrics/nps?department=finance&from=2026-01-01&to=2026-04-01")
        .await;
    let (_, customer) = s
        .get("/api/v1/metrics/nps?department=finance&kind=customer&from=2026-01-01&to=2026-04-01")
        .await;
    assert_eq!(finance, customer);
    let (status, body) = s
        .get("/api/v1/metrics/nps/trend?kind=internal&interval=week")
        .await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn an_export_imports_back_into_the_same_responses() {
    let s = setup().await;
    let export = |s: &Setup| {
        let (client, url, read) = (
            s.app.client.clone(),
            s.app
                .url("/api/v1/export/responses.csv?from=2026-01-01&to=2026-04-01"),
            s.read.clone(),
        );
        async move {
            client
                .get(url)
                .bearer_auth(read)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let first = export(&s).await;
    // Take the responses out (rollups and all), then import the export.
    let pool = &s.app.db.pool;
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM responses WHERE survey_kind = 'customer'")
            .fetch_all(pool)
            .await
            .unwrap();
    let mut tx = pool.begin().await.unwrap();
    let tz = centric::repo::responses::time_zone(&mut tx).await.unwrap();
    centric::repo::responses::delete(&mut tx, &ids, &tz)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let path = std::env::temp_dir().join(format!(
        "centric-roundtrip-{}.csv",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&path, &first).unwrap();
    let report = centric::services::import::import_file(
        pool,
        centric::services::api_ingest::Kind::Responses,
        &path,
        "test.csv",
        None,
        &Actor::Cli,
    )
    .await
    .expect("an export imports");
    assert_eq!(report.rows, 200);
    let second = export(&s).await;
    // Everything but the source column (api → import) comes back the same.
    let without_source = |text: &str| -> Vec<Vec<String>> {
        csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| {
                r.unwrap()
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != 9)
                    .map(|(_, c)| c.to_owned())
                    .collect()
            })
            .collect()
    };
    assert_eq!(without_source(&first), without_source(&second));
    let (_, nps) = s
        .get("/api/v1/metrics/nps?survey=invoice-nps&from=2026-01-01&to=2026-04-01")
        .await;
    assert_eq!(nps["n"], 200, "the rollups were rebuilt by the import");
}

#[tokio::test]
async fn a_departments_scorecard_gathers_its_numbers() {
    let s = setup().await;
    let pool = &s.app.db.pool;
    let today = time::macros::date!(2026 - 03 - 31);
    let objectives = centric::services::metrics::objectives::evaluate_all(pool, today)
        .await
        .unwrap();
    let card = centric::services::metrics::scorecard::load(
        pool,
        "finance",
        today,
        &centric::services::metrics::scorecard::ScorecardFilter::last_90_days(today),
        &objectives,
    )
    .await
    .unwrap()
    .expect("finance exists");
    let card = serde_json::to_value(card).unwrap();
    let (p, n, d) = s.recount("s.kind = 'customer'").await;
    assert_eq!(
        card["nps"]["n"].as_i64(),
        Some(p + n + d),
        "90 days back from 31 March cover all of it"
    );
    assert_eq!(card["touchpoints"][0]["slug"], "invoice");
    assert_eq!(card["touchpoints"][0]["n"].as_i64(), Some(p + n + d));
    assert_eq!(
        card["internal_nps"]["suppressed"], true,
        "three raters in March are too few to show"
    );
    assert_eq!(card["department"]["slug"], "finance");
    assert_eq!(card["failure_demand"]["contacts_this_quarter"], 0);
    let (status, body) = s.get("/api/v1/departments/finance/scorecard").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = s.get("/api/v1/departments/nope/scorecard").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_nul_in_a_scorecards_slug_or_segment_is_a_client_error_not_a_server_error() {
    // Found by scripts/api-fuzz: PostgreSQL refuses text with a NUL, which was a 500.
    let s = setup().await;
    let (status, body) = s.get("/api/v1/departments/fin%00ance/scorecard").await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = s
        .get("/api/v1/departments/finance/scorecard?segment=smb%00")
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["error"]["fields"]["segment"], "contains a NUL character",
        "{body}"
    );
}
