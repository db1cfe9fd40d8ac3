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

/// Waits until `client`'s dashboard is read from the replica, and returns its headline.
async fn from_the_replica(app: &TestApp, client: &reqwest::Client) -> String {
    for _ in 0..100 {
        let (source, headline) = dashboard(app, client).await;
        if source == "replica" {
            return headline;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the replica never caught up");
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
    assert!(
        from_the_replica(&app, &app.client)
            .await
            .contains("No responses in this period")
    );
    assert!(
        from_the_replica(&app, &onlooker)
            .await
            .contains("No responses in this period")
    );

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

    // Once the replica has replayed the write, everyone reads it there, with the answer.
    sqlx::query("SELECT pg_wal_replay_resume()")
        .execute(&standby_db)
        .await
        .unwrap();
    assert!(
        from_the_replica(&app, &app.client)
            .await
            .contains("(n = 1)")
    );
    assert!(from_the_replica(&app, &onlooker).await.contains("(n = 1)"));
    let metrics = onlooker
        .get(app.url("/api/v1/metrics/nps"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.headers()["x-centric-read"], "replica");
    let body: serde_json::Value = metrics.json().await.unwrap();
    assert_eq!(body["n"], 1);
}
