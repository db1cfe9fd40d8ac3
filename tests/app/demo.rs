//! The demo organisation: what it loads, the story its numbers tell, and that it loads once.

use crate::helpers::TestDb;
use centric::db::demo::{self, DEMO_PASSWORD, DEMO_USERS};
use sqlx::PgPool;

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Monthly customer NPS in the organisation's time zone, oldest first, leaving out the
/// slivers of a month at either end of the two years.
async fn monthly_customer_nps(pool: &PgPool, touchpoint: Option<&str>) -> Vec<f64> {
    sqlx::query_scalar(
        r#"
        SELECT (100.0 * (count(*) FILTER (WHERE r.score >= 9) - count(*) FILTER (WHERE r.score <= 6)) / count(*))::float8
        FROM responses r
        JOIN surveys s ON s.id = r.survey_id
        LEFT JOIN touchpoints t ON t.id = r.touchpoint_id
        WHERE s.kind = 'customer' AND ($1::text IS NULL OR t.slug = $1)
        GROUP BY date_trunc('month', r.submitted_at AT TIME ZONE (SELECT time_zone FROM organisation))
        HAVING count(*) >= $2
        ORDER BY date_trunc('month', r.submitted_at AT TIME ZONE (SELECT time_zone FROM organisation))
        "#,
    )
    .bind(touchpoint)
    .bind(if touchpoint.is_some() { 100_i64 } else { 1000 })
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Days and surveys whose rollup differs from a recount of the raw responses.
const ROLLUP_MISMATCHES: &str = r#"
        WITH counted AS (
            SELECT (submitted_at AT TIME ZONE (SELECT time_zone FROM organisation))::date AS day, survey_id,
                   count(*) FILTER (WHERE score >= 9) AS promoters,
                   count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS passives,
                   count(*) FILTER (WHERE score <= 6) AS detractors
            FROM responses GROUP BY 1, 2),
        rolled AS (
            SELECT day, survey_id, sum(promoters) AS promoters, sum(passives) AS passives,
                   sum(detractors) AS detractors
            FROM response_rollups_daily GROUP BY 1, 2)
        SELECT count(*) FROM counted FULL JOIN rolled USING (day, survey_id)
        WHERE counted.promoters IS DISTINCT FROM rolled.promoters
           OR counted.passives IS DISTINCT FROM rolled.passives
           OR counted.detractors IS DISTINCT FROM rolled.detractors
    "#;

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[tokio::test]
async fn demo_loads_the_whole_organisation_with_its_documented_row_counts() {
    let db = TestDb::new().await;
    assert!(demo::is_empty(&db.pool).await.unwrap());

    let summary = demo::load(&db.pool, false).await.expect("the demo loads");

    let pool = &db.pool;
    assert!(!demo::is_empty(pool).await.unwrap());
    assert_eq!(count(pool, "SELECT count(*) FROM departments").await, 8);
    assert!(count(pool, "SELECT count(*) FROM touchpoints").await >= 15);
    let responses = count(pool, "SELECT count(*) FROM responses").await;
    assert!(responses >= 200_000, "{responses} responses");
    assert_eq!(summary.responses, responses);
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM responses WHERE submitted_at > now()"
        )
        .await,
        0
    );
    assert_eq!(
        count(pool, "SELECT count(*) FROM departments d WHERE NOT EXISTS (SELECT 1 FROM objectives o WHERE o.owner_department_id = d.id)").await,
        0,
        "every department has an objective"
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM departments WHERE head_user_id IS NULL"
        )
        .await,
        0
    );
    let plans_off_100 = "SELECT count(*) FROM (SELECT plan_id FROM incentive_links GROUP BY plan_id \
                         HAVING abs(sum(weight_pct) - 100) > 1e-9) p";
    assert_eq!(
        count(pool, plans_off_100).await,
        0,
        "link weights sum to 100 in every plan"
    );
    assert!(count(pool, "SELECT count(*) FROM incentive_plans").await >= 3);
    assert!(count(pool, "SELECT count(*) FROM response_themes").await > 0);
    assert!(count(pool, "SELECT count(*) FROM follow_ups").await > 0);

    for user in DEMO_USERS {
        let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE email = $1")
            .bind(user.email)
            .fetch_one(pool)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", user.email));
        assert!(
            centric::services::passwords::verify(DEMO_PASSWORD, &hash).await,
            "{}",
            user.email
        );
    }

    assert_eq!(
        count(pool, ROLLUP_MISMATCHES).await,
        0,
        "rollups equal a recount"
    );
    let contact_mismatches = r#"
        SELECT count(*) FROM (
            SELECT (occurred_at AT TIME ZONE (SELECT time_zone FROM organisation))::date AS day, reason_id,
                   channel_id, count(*) AS contacts, sum(cost_cents) AS cost_cents
            FROM service_contacts GROUP BY 1, 2, 3) counted
        FULL JOIN contact_rollups_daily rolled USING (day, reason_id, channel_id)
        WHERE counted.contacts IS DISTINCT FROM rolled.contacts OR counted.cost_cents IS DISTINCT FROM rolled.cost_cents
    "#;
    assert_eq!(
        count(pool, contact_mismatches).await,
        0,
        "contact rollups equal a recount"
    );
}

#[tokio::test]
async fn demo_nps_rises_about_thirty_points_while_the_invoice_touchpoint_drags() {
    let db = TestDb::new().await;
    demo::load(&db.pool, false).await.expect("the demo loads");

    let organisation = monthly_customer_nps(&db.pool, None).await;
    assert!(organisation.len() >= 23, "{} months", organisation.len());

    // The metrics service (what the API and the dashboards read) tells the same story.
    let params = centric::services::metrics::FilterParams {
        kind: Some("customer".into()),
        from: Some("2020-01-01".into()),
        ..Default::default()
    };
    let snapshot = centric::repo::data_version::snapshot(&db.pool)
        .await
        .unwrap();
    let (filter, rules) = centric::services::metrics::resolve(&db.pool, &params, &snapshot)
        .await
        .unwrap()
        .expect("valid filter");
    let quarters = centric::services::metrics::trend(
        &db.pool,
        &filter,
        centric::services::metrics::Bucket::Quarter,
        rules,
    )
    .await
    .unwrap();
    let first = quarters.first().unwrap().summary.nps.unwrap();
    let last = quarters.last().unwrap().summary.nps.unwrap();
    assert!(
        (20.0..=40.0).contains(&(last - first)),
        "quarterly NPS {first:.1} → {last:.1}"
    );
    assert!(
        quarters.iter().filter(|q| q.significant_change).count() >= 4,
        "a rise this size is real, quarter after quarter"
    );
    let rise = mean(&organisation[organisation.len() - 3..]) - mean(&organisation[..3]);
    assert!(
        (20.0..=40.0).contains(&rise),
        "NPS rose {rise:.1} points: {organisation:?}"
    );

    let last_six_months: f64 = sqlx::query_scalar(
        r#"
        SELECT (100.0 * (count(*) FILTER (WHERE r.score >= 9 AND t.slug = 'invoice')
                         - count(*) FILTER (WHERE r.score <= 6 AND t.slug = 'invoice'))
                / count(*) FILTER (WHERE t.slug = 'invoice')
              - 100.0 * (count(*) FILTER (WHERE r.score >= 9) - count(*) FILTER (WHERE r.score <= 6)) / count(*)
               )::float8
        FROM responses r
        JOIN surveys s ON s.id = r.survey_id
        LEFT JOIN touchpoints t ON t.id = r.touchpoint_id
        WHERE s.kind = 'customer' AND r.submitted_at >= now() - interval '6 months'
        "#,
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(
        last_six_months <= -30.0,
        "invoice NPS is only {last_six_months:.1} points below the organisation's"
    );

    let invoice = monthly_customer_nps(&db.pool, Some("invoice")).await;
    assert!(
        mean(&invoice[invoice.len() - 3..]) < mean(&invoice[..3]),
        "the invoice dips: {invoice:?}"
    );
}

#[tokio::test]
async fn demo_refuses_to_load_twice() {
    let db = TestDb::new().await;
    demo::load(&db.pool, false).await.expect("the first load");
    let before = count(&db.pool, "SELECT count(*) FROM responses").await;

    let second = demo::load(&db.pool, false).await;

    let error = second.expect_err("a second load is refused").to_string();
    assert!(error.contains("empty database"), "{error}");
    assert_eq!(
        count(&db.pool, "SELECT count(*) FROM responses").await,
        before
    );
    assert_eq!(count(&db.pool, "SELECT count(*) FROM departments").await, 8);
    assert_eq!(
        count(&db.pool, "SELECT count(*) FROM organisation").await,
        1
    );
}

#[tokio::test]
async fn every_demo_department_head_sees_a_complete_scorecard_of_their_own() {
    let app = crate::helpers::spawn_demo_app().await;
    let heads: Vec<_> = DEMO_USERS
        .iter()
        .filter_map(|u| Some((u.email, u.department?)))
        .collect();
    assert_eq!(heads.len(), 8);
    for (email, slug) in heads {
        let client = crate::helpers::new_client();
        let signed_in = client
            .post(app.url("/login"))
            .form(&[("email", email), ("password", DEMO_PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(signed_in.status(), 303, "{email}");
        let page = client
            .get(app.url(&format!("/departments/{slug}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "{slug}");
        let page = page.text().await.unwrap();
        assert!(page.contains("Your department's scorecard."), "{slug}");
        for missing in [
            "No objectives for",
            "No incentive plan pays on",
            "No statement recorded yet",
        ] {
            assert!(!page.contains(missing), "{slug}: {missing}");
        }
        // Every objective row carries a status, and the loop and failure demand real counts.
        assert!(page.matches("<span class=\"status-").count() >= 1, "{slug}");
        assert!(
            page.contains("to do)</a>"),
            "{slug}: the follow-ups link with its count"
        );
        assert!(page.contains("service contacts caused by"), "{slug}");
        assert!(
            page.matches("class=\"chart sparkline\"").count() >= 1,
            "{slug}: objectives drawn month by month"
        );
        let csv = client
            .get(app.url(&format!("/departments/{slug}/scorecard.csv")))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 200, "{slug}");
        let csv = csv.text().await.unwrap();
        // Four rows per objective (value, baseline, target, progress): at least one objective.
        assert!(
            csv.lines().filter(|l| l.starts_with("objective,")).count() >= 4,
            "{slug}"
        );
    }
}

#[tokio::test]
async fn a_demo_scaled_for_benchmarks_holds_about_the_responses_asked_for_and_consistent_rollups() {
    let db = TestDb::new().await;
    let pool = &db.pool;

    let summary = demo::load_scaled(pool, false, Some(20_000))
        .await
        .expect("the scaled demo loads");

    let responses = count(pool, "SELECT count(*) FROM responses").await;
    assert_eq!(summary.responses, responses);
    assert!(
        (19_000..=21_000).contains(&responses),
        "{responses} responses for 20,000 asked"
    );
    let days = count(
        pool,
        "SELECT count(DISTINCT (submitted_at AT TIME ZONE (SELECT time_zone FROM organisation))::date) FROM responses",
    )
    .await;
    assert!(
        days >= 700,
        "the same two years: {days} days with responses"
    );
    assert_eq!(count(pool, "SELECT count(*) FROM departments").await, 8);
    assert_eq!(
        count(pool, ROLLUP_MISMATCHES).await,
        0,
        "rollups equal a recount"
    );
    assert!(count(pool, "SELECT count(*) FROM response_themes").await > 0);
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM responses WHERE submitted_at > now()"
        )
        .await,
        0
    );
}
