//! `DATABASE_READ_URL`: dashboards read a real streaming replica, and a session that just
//! wrote reads the primary until the replica has replayed its write.

use crate::helpers::{
    TestApp, add_department, add_organisation, add_touchpoint, new_client, scratch_dir,
    spawn_app_with_replica, submission_id_in,
};
use centric::db::local_pg::LocalCluster;
use sqlx::PgPool;
use std::time::Duration;

const TOKEN: &str = "tok_replica_0123456789";

/// Where the page was read, and its headline card.
async fn dashboard(app: &TestApp, client: &reqwest::Client) -> (String, String) {
    let response = client.get(app.url("/executive")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let source = response.headers()["x-centric-read"]
        .to_str()
        .unwrap()
        .to_owned();
    let page = response.text().await.unwrap();
    let card = &page[page.find("headline-card").expect("a headline card")..];
    (source, card[..card.find("</div>").unwrap()].to_owned())
}

/// Waits until `client`'s dashboard is read from the replica with `expected` in its
/// headline (the replica replays on its own time), or fails.
async fn from_the_replica(app: &TestApp, client: &reqwest::Client, expected: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        let (source, headline) = dashboard(app, client).await;
        if source == "replica" && headline.contains(expected) {
            return;
        }
        last = format!("{source}: {headline}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the replica never showed {expected}; last {last}");
}

async fn standby_pool(standby: &LocalCluster) -> PgPool {
    PgPool::connect_with(standby.connect_options("centric"))
        .await
        .unwrap()
}

#[tokio::test]
async fn dashboards_read_the_replica_and_a_session_reads_its_own_writes_from_the_primary() {
    let dir = scratch_dir("replica");
    let (app, standby) = spawn_app_with_replica(&dir).await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    sqlx::query(
        "INSERT INTO surveys (slug, name, kind, public_token, question, touchpoint_id, opens_at)
         VALUES ('invoice', 'Invoice', 'customer', $1, 'How likely are you to recommend us?', $2,
                 now() - interval '1 day')",
    )
    .bind(TOKEN)
    .bind(invoice)
    .execute(pool)
    .await
    .unwrap();
    app.signed_in_as("executive").await;
    let onlooker = new_client();
    let user = app.create_user("executive", None).await;
    let signed_in = onlooker
        .post(app.url("/login"))
        .form(&[("email", user.email.as_str()), ("password", &user.password)])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);

    // Reads go to the replica once it holds what the session wrote (its sign-in).
    from_the_replica(&app, &app.client, "No responses in this period").await;
    from_the_replica(&app, &onlooker, "No responses in this period").await;

    // The replica stops replaying; the executive answers the survey through Centric.
    let standby_db = standby_pool(&standby).await;
    sqlx::query("SELECT pg_wal_replay_pause()")
        .execute(&standby_db)
        .await
        .unwrap();
    let form = app.get(&format!("/s/{TOKEN}")).await.text().await.unwrap();
    let answered = app
        .post_form(
            &format!("/s/{TOKEN}"),
            &[("score", "10"), ("submission_id", &submission_id_in(&form))],
        )
        .await;
    assert_eq!(answered.status(), 303);

    // The writer reads its own write from the primary; others read the replica, which
    // has not seen it yet.
    let (source, headline) = dashboard(&app, &app.client).await;
    assert_eq!(source, "primary");
    assert!(headline.contains("(n = 1)"), "{headline}");
    let (source, headline) = dashboard(&app, &onlooker).await;
    assert_eq!(source, "replica");
    assert!(
        headline.contains("No responses in this period"),
        "{headline}"
    );

    // An API token reads its own write too (it has no session: the instance remembers).
    let writer = token(pool, "admin").await;
    let reader = token(pool, "read").await;
    // (Clients without cookies: only the token can remember the write.)
    let stored = new_client()
        .post(app.url("/api/v1/responses"))
        .bearer_auth(&writer)
        .json(&serde_json::json!({"survey": "invoice", "score": 9}))
        .send()
        .await
        .unwrap();
    assert_eq!(stored.status(), 201);
    assert_eq!(nps_api(&app, &writer).await, ("primary".to_owned(), 2));
    assert_eq!(nps_api(&app, &reader).await, ("replica".to_owned(), 0));

    // Once the replica has replayed the writes, everyone reads them there.
    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&standby_db)
        .await
        .unwrap();
    from_the_replica(&app, &app.client, "(n = 2)").await;
    from_the_replica(&app, &onlooker, "(n = 2)").await;
    assert_eq!(nps_api(&app, &writer).await, ("replica".to_owned(), 2));
}

async fn token(pool: &PgPool, scope: &str) -> String {
    centric::services::accounts::create_token(pool, scope, scope, &centric::repo::audit::Actor::Cli)
        .await
        .unwrap()
        .token
}

/// Where the metrics API read, and the n it gave, for a token.
async fn nps_api(app: &TestApp, token: &str) -> (String, u64) {
    let response = new_client()
        .get(app.url("/api/v1/metrics/nps"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let source = response.headers()["x-centric-read"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = response.json().await.unwrap();
    (source, body["n"].as_u64().unwrap())
}
