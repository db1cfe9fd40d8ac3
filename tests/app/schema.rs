//! The migrations, and the invariants the schema itself guards (constraints, not code).

use crate::helpers::TestDb;
use sqlx::PgPool;
use uuid::Uuid;

async fn scalar_id(pool: &PgPool, sql: &str) -> Uuid {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A department, a stage, a touchpoint and a customer survey on it.
async fn survey_fixture(pool: &PgPool) -> (Uuid, Uuid) {
    let department = scalar_id(pool, "INSERT INTO departments (slug, name, kind) VALUES ('finance', 'Finance', 'support') RETURNING id").await;
    let stage = scalar_id(
        pool,
        "INSERT INTO journey_stages (name, position) VALUES ('Pay', 0) RETURNING id",
    )
    .await;
    let touchpoint: Uuid = sqlx::query_scalar(
        "INSERT INTO touchpoints (slug, name, stage_id, owner_department_id, channel) VALUES ('invoice', 'Invoice', $1, $2, 'document') RETURNING id",
    )
    .bind(stage)
    .bind(department)
    .fetch_one(pool)
    .await
    .unwrap();
    let survey: Uuid = sqlx::query_scalar(
        "INSERT INTO surveys (slug, name, kind, public_token, question, touchpoint_id) VALUES ('invoice-nps', 'Invoice NPS', 'customer', 'tok_abcdefghijklmnop', 'How likely…?', $1) RETURNING id",
    )
    .bind(touchpoint)
    .fetch_one(pool)
    .await
    .unwrap();
    (department, survey)
}

fn violated_constraint(error: sqlx::Error) -> String {
    let db = error.as_database_error().expect("a database error");
    db.constraint()
        .map(str::to_owned)
        .unwrap_or_else(|| db.message().to_owned())
}

#[tokio::test]
async fn migrations_create_every_table_of_the_domain() {
    let db = TestDb::new().await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    for expected in [
        "organisation",
        "departments",
        "department_links",
        "journey_stages",
        "touchpoints",
        "surveys",
        "responses",
        "response_rollups_daily",
        "objectives",
        "kpi_measurements",
        "incentive_plans",
        "incentive_links",
        "themes",
        "response_themes",
        "contact_reasons",
        "channels",
        "service_contacts",
        "contact_rollups_daily",
        "follow_ups",
        "users",
        "sessions",
        "api_tokens",
        "idempotency_keys",
        "audit_log",
        "imports",
    ] {
        assert!(
            tables.iter().any(|t| t == expected),
            "missing table {expected}"
        );
    }
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(applied as usize, centric::db::MIGRATOR.iter().count());
}

#[tokio::test]
async fn migrating_twice_changes_nothing() {
    let db = TestDb::new().await;
    centric::db::MIGRATOR
        .run(&db.pool)
        .await
        .expect("an up-to-date database migrates cleanly");
}

#[tokio::test]
async fn scores_outside_zero_to_ten_are_refused_by_the_database() {
    let db = TestDb::new().await;
    let (_, survey) = survey_fixture(&db.pool).await;
    let error = sqlx::query("INSERT INTO responses (survey_id, survey_kind, score, submitted_at, source) VALUES ($1, 'customer', 11, now(), 'api')")
        .bind(survey)
        .execute(&db.pool)
        .await
        .unwrap_err();
    assert_eq!(violated_constraint(error), "responses_score_check");
}

#[tokio::test]
async fn a_repeated_external_id_for_the_same_survey_is_refused() {
    let db = TestDb::new().await;
    let (_, survey) = survey_fixture(&db.pool).await;
    let insert = "INSERT INTO responses (survey_id, survey_kind, score, submitted_at, source, external_id) VALUES ($1, 'customer', 9, now(), 'api', 'crm-1')";
    sqlx::query(insert)
        .bind(survey)
        .execute(&db.pool)
        .await
        .unwrap();
    let error = sqlx::query(insert)
        .bind(survey)
        .execute(&db.pool)
        .await
        .unwrap_err();
    assert_eq!(
        violated_constraint(error),
        "responses_survey_external_id_key"
    );
}

#[tokio::test]
async fn deleting_configuration_never_takes_responses_with_it() {
    let db = TestDb::new().await;
    let (department, survey) = survey_fixture(&db.pool).await;
    sqlx::query("INSERT INTO responses (survey_id, survey_kind, score, submitted_at, source) VALUES ($1, 'customer', 3, now(), 'web')")
        .bind(survey)
        .execute(&db.pool)
        .await
        .unwrap();
    assert!(
        sqlx::query("DELETE FROM surveys WHERE id = $1")
            .bind(survey)
            .execute(&db.pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM touchpoints")
            .execute(&db.pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM departments WHERE id = $1")
            .bind(department)
            .execute(&db.pool)
            .await
            .is_err()
    );
    let responses: i64 = sqlx::query_scalar("SELECT count(*) FROM responses")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(responses, 1);
}

#[tokio::test]
async fn rollup_rows_are_unique_even_where_dimensions_are_null() {
    let db = TestDb::new().await;
    let (_, survey) = survey_fixture(&db.pool).await;
    let upsert = r#"
        INSERT INTO response_rollups_daily (day, survey_id, promoters) VALUES ('2026-01-01', $1, 1)
        ON CONFLICT ON CONSTRAINT response_rollups_daily_key
        DO UPDATE SET promoters = response_rollups_daily.promoters + excluded.promoters"#;
    for _ in 0..3 {
        sqlx::query(upsert)
            .bind(survey)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let rows: Vec<i32> = sqlx::query_scalar("SELECT promoters FROM response_rollups_daily")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(rows, vec![3]);
}

#[tokio::test]
async fn an_objective_cascade_cannot_form_a_cycle() {
    let db = TestDb::new().await;
    let (department, _) = survey_fixture(&db.pool).await;
    let insert = r#"
        INSERT INTO objectives (parent_id, title, owner_department_id, metric, baseline, target, period_start, period_end)
        VALUES ($1, $2, $3, 'nps', 0, 30, '2026-01-01', '2027-01-01') RETURNING id"#;
    let org: Uuid = sqlx::query_scalar(insert)
        .bind(None::<Uuid>)
        .bind("Org")
        .bind(None::<Uuid>)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let child: Uuid = sqlx::query_scalar(insert)
        .bind(org)
        .bind("Dept")
        .bind(department)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let error =
        sqlx::query("UPDATE objectives SET parent_id = $1, owner_department_id = $2 WHERE id = $3")
            .bind(child)
            .bind(department)
            .bind(org)
            .execute(&db.pool)
            .await
            .unwrap_err();
    assert_eq!(violated_constraint(error), "objectives_no_cycle");
}

#[tokio::test]
async fn kpi_values_can_only_be_recorded_for_kpi_objectives() {
    let db = TestDb::new().await;
    let nps_objective: Uuid = sqlx::query_scalar(
        "INSERT INTO objectives (title, metric, baseline, target, period_start, period_end) VALUES ('NPS', 'nps', 0, 30, '2026-01-01', '2027-01-01') RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let result = sqlx::query("INSERT INTO kpi_measurements (objective_id, value, period_start, period_end) VALUES ($1, 5, '2026-01-01', '2026-01-31')")
        .bind(nps_objective)
        .execute(&db.pool)
        .await;
    assert!(
        result.is_err(),
        "an NPS objective is measured from responses, not recorded"
    );
}

#[tokio::test]
async fn incentive_link_weights_of_a_plan_cannot_exceed_one_hundred_percent() {
    let db = TestDb::new().await;
    let plan: Uuid = sqlx::query_scalar(
        "INSERT INTO incentive_plans (name, role, period_start, period_end, target_bonus_cents) VALUES ('Exec', 'executive', '2026-01-01', '2027-01-01', 100000) RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let objective = "INSERT INTO objectives (title, metric, baseline, target, period_start, period_end) VALUES ($1, 'nps', 0, 30, '2026-01-01', '2027-01-01') RETURNING id";
    let link = r#"INSERT INTO incentive_links (plan_id, objective_id, weight_pct, threshold_value, target_value, stretch_value, threshold_payout_pct, stretch_payout_pct)
                  VALUES ($1, $2, $3, 10, 30, 40, 50, 150)"#;
    let first: Uuid = sqlx::query_scalar(objective)
        .bind("A")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let second: Uuid = sqlx::query_scalar(objective)
        .bind("B")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    sqlx::query(link)
        .bind(plan)
        .bind(first)
        .bind(60.0)
        .execute(&db.pool)
        .await
        .unwrap();
    let error = sqlx::query(link)
        .bind(plan)
        .bind(second)
        .bind(50.0)
        .execute(&db.pool)
        .await
        .unwrap_err();
    assert_eq!(violated_constraint(error), "incentive_links_weight_cap");
    sqlx::query(link)
        .bind(plan)
        .bind(second)
        .bind(40.0)
        .execute(&db.pool)
        .await
        .expect("exactly 100 % is fine");
}

#[tokio::test]
async fn the_audit_log_is_append_only() {
    let db = TestDb::new().await;
    sqlx::query("INSERT INTO audit_log (actor_label, action) VALUES ('cli', 'user.create')")
        .execute(&db.pool)
        .await
        .unwrap();
    assert!(
        sqlx::query("UPDATE audit_log SET action = 'user.delete'")
            .execute(&db.pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM audit_log")
            .execute(&db.pool)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_response_must_match_its_surveys_kind_and_only_customers_meet_touchpoints() {
    let db = TestDb::new().await;
    let (department, survey) = survey_fixture(&db.pool).await;
    let wrong_kind = sqlx::query("INSERT INTO responses (survey_id, survey_kind, score, submitted_at, source) VALUES ($1, 'employee', 9, now(), 'api')")
        .bind(survey)
        .execute(&db.pool)
        .await
        .unwrap_err();
    assert_eq!(violated_constraint(wrong_kind), "responses_survey_fkey");

    let employee: Uuid = sqlx::query_scalar(
        "INSERT INTO surveys (slug, name, kind, public_token, question) VALUES ('enps', 'eNPS', 'employee', 'tok_qrstuvwxyzabcdef', 'Work here?') RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let touchpoint: Uuid = sqlx::query_scalar("SELECT id FROM touchpoints")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let on_touchpoint = sqlx::query("INSERT INTO responses (survey_id, survey_kind, score, submitted_at, source, touchpoint_id, respondent_department_id) VALUES ($1, 'employee', 9, now(), 'api', $2, $3)")
        .bind(employee)
        .bind(touchpoint)
        .bind(department)
        .execute(&db.pool)
        .await
        .unwrap_err();
    assert_eq!(
        violated_constraint(on_touchpoint),
        "responses_touchpoint_only_for_customers"
    );
}

#[tokio::test]
async fn an_unknown_time_zone_is_refused() {
    let db = TestDb::new().await;
    let error = sqlx::query(
        "INSERT INTO organisation (name, time_zone) VALUES ('Acme', 'Mars/Olympus_Mons')",
    )
    .execute(&db.pool)
    .await
    .unwrap_err();
    assert_eq!(violated_constraint(error), "organisation_time_zone_known");
    sqlx::query("INSERT INTO organisation (name, time_zone) VALUES ('Acme', 'Europe/Amsterdam')")
        .execute(&db.pool)
        .await
        .expect("a real zone is fine");
}
