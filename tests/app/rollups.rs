//! Rollups always equal a full recount, whatever sequence of inserts and deletes; theme
//! tags are set at ingestion.

use crate::helpers::{TestDb, add_department};
use centric::repo::responses::{self, NewResponse};
use centric::services::ingest;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

struct Fixture {
    surveys: Vec<(Uuid, &'static str)>,
    touchpoint: Uuid,
    department: Uuid,
}

async fn fixture(db: &TestDb) -> Fixture {
    let pool = &db.pool;
    sqlx::query("INSERT INTO organisation (name, time_zone) VALUES ('Acme', 'Europe/Amsterdam')")
        .execute(pool)
        .await
        .unwrap();
    let department = add_department(pool, "finance", "Finance", "support").await;
    let stage: Uuid = sqlx::query_scalar(
        "INSERT INTO journey_stages (name, position) VALUES ('Pay', 0) RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let touchpoint: Uuid = sqlx::query_scalar(
        "INSERT INTO touchpoints (slug, name, stage_id, owner_department_id, channel) VALUES ('invoice', 'Invoice', $1, $2, 'document') RETURNING id",
    )
    .bind(stage)
    .bind(department)
    .fetch_one(pool)
    .await
    .unwrap();
    let mut surveys = Vec::new();
    for (slug, kind, rated) in [
        ("invoice-nps", "customer", None),
        ("enps", "employee", None),
        ("finance-internal", "internal", Some(department)),
    ] {
        let id: Uuid = sqlx::query_scalar(
            "INSERT INTO surveys (slug, name, kind, public_token, question, rated_department_id) VALUES ($1, $1, $2, $3, 'How likely…?', $4) RETURNING id",
        )
        .bind(slug)
        .bind(kind)
        .bind(format!("tok_{}", Uuid::new_v4().simple()))
        .bind(rated)
        .fetch_one(pool)
        .await
        .unwrap();
        surveys.push((id, kind));
    }
    Fixture {
        surveys,
        touchpoint,
        department,
    }
}

fn random_response(rng: &mut impl Rng, f: &Fixture) -> NewResponse {
    let (survey_id, kind) = f.surveys[rng.random_range(0..f.surveys.len())];
    let customer = kind == "customer";
    NewResponse {
        survey_id,
        survey_kind: kind.to_owned(),
        score: rng.random_range(0..=10),
        comment: rng
            .random_bool(0.5)
            .then(|| "The invoice was unclear".to_owned()),
        // Around midnight in Amsterdam, so the day boundary in the org's zone matters.
        submitted_at: time::macros::datetime!(2026-03-01 22:30 UTC)
            + time::Duration::minutes(rng.random_range(0..240)),
        touchpoint_id: (customer && rng.random_bool(0.7)).then_some(f.touchpoint),
        segment: (customer && rng.random_bool(0.5))
            .then(|| ["smb", "enterprise"][rng.random_range(0..2)].to_owned()),
        respondent_department_id: (!customer && (kind == "internal" || rng.random_bool(0.5)))
            .then_some(f.department),
        customer_ref: None,
        source: "api",
        external_id: rng
            .random_bool(0.3)
            .then(|| format!("ext-{}", rng.random_range(0..40))),
        submission_id: None,
        import_id: None,
    }
}

/// Rollup rows that differ from a full recount.
async fn drift(db: &TestDb) -> i64 {
    let mut conn = db.pool.acquire().await.unwrap();
    let drift = centric::repo::rollups::drift(&mut conn).await.unwrap();
    drift.response_rows + drift.contact_rows
}

#[tokio::test]
async fn rollups_equal_a_full_recount_after_any_inserts_and_deletes() {
    let db = TestDb::new().await;
    let f = fixture(&db).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    for step in 0..30 {
        let mut tx = db.pool.begin().await.unwrap();
        if step % 3 == 2 {
            let ids: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM responses ORDER BY random() LIMIT 7")
                    .fetch_all(&mut *tx)
                    .await
                    .unwrap();
            let tz = responses::time_zone(&mut tx).await.unwrap();
            responses::delete(&mut tx, &ids, &tz).await.unwrap();
        } else {
            let batch: Vec<NewResponse> = (0..rng.random_range(1..25))
                .map(|_| random_response(&mut rng, &f))
                .collect();
            ingest::store(&mut tx, &batch).await.unwrap();
        }
        tx.commit().await.unwrap();
        assert_eq!(drift(&db).await, 0, "rollups drifted at step {step}");
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM responses")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(
        stored > 50,
        "the sequence stored a fair number of responses ({stored})"
    );
}

#[tokio::test]
async fn a_repeated_external_id_is_stored_once_and_counted_once() {
    let db = TestDb::new().await;
    let f = fixture(&db).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut response = random_response(&mut rng, &f);
    response.external_id = Some("crm-42".into());
    let mut tx = db.pool.begin().await.unwrap();
    let first = ingest::store(&mut tx, &[response.clone(), response.clone()])
        .await
        .unwrap();
    let again = ingest::store(&mut tx, std::slice::from_ref(&response))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((first.len(), again.len()), (1, 0));
    let counted: i64 = sqlx::query_scalar(
        "SELECT sum(promoters + passives + detractors) FROM response_rollups_daily",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(counted, 1);
}

#[tokio::test]
async fn comments_are_tagged_with_every_theme_whose_keywords_they_contain() {
    let db = TestDb::new().await;
    let f = fixture(&db).await;
    let billing: Uuid = sqlx::query_scalar(
        "INSERT INTO themes (name, keywords) VALUES ('Billing', '{invoic*,bill}') RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let clarity: Uuid = sqlx::query_scalar("INSERT INTO themes (name, keywords) VALUES ('Clarity', '{unclear,confusing}') RETURNING id").fetch_one(&db.pool).await.unwrap();
    sqlx::query("INSERT INTO themes (name, keywords) VALUES ('Apps', '{app}')")
        .execute(&db.pool)
        .await
        .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut response = random_response(&mut rng, &f);
    response.comment = Some("Invoices are unclear and I'm unhappy with the approach".into());
    let mut tx = db.pool.begin().await.unwrap();
    let stored = ingest::store(&mut tx, &[response]).await.unwrap();
    tx.commit().await.unwrap();
    let mut tagged: Vec<Uuid> =
        sqlx::query_scalar("SELECT theme_id FROM response_themes WHERE response_id = $1")
            .bind(stored[0].id)
            .fetch_all(&db.pool)
            .await
            .unwrap();
    tagged.sort();
    let mut expected = vec![billing, clarity];
    expected.sort();
    assert_eq!(
        tagged, expected,
        "'app' does not tag 'unhappy' or 'approach'"
    );
}
