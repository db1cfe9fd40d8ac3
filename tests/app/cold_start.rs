//! `centric serve` started while its database is down: it stays up, says "not ready"
//! until the database appears, then migrates it once (also with two instances starting
//! together) and serves.

use crate::helpers::{cluster_config, scratch_dir, spawn_serve, terminate};
use centric::db::local_pg::LocalCluster;
use std::time::{Duration, Instant};

async fn get(client: &reqwest::Client, port: u16, path: &str) -> Option<reqwest::Response> {
    client
        .get(format!("http://127.0.0.1:{port}{path}"))
        .send()
        .await
        .ok()
}

#[tokio::test]
async fn serve_waits_for_a_database_that_is_down_then_migrates_it_once_and_serves() {
    let dir = scratch_dir("cold-start");
    let config = cluster_config(dir.join("data"));
    // A cluster with an empty database, then stopped: the database Centric will wait for.
    let cluster = LocalCluster::start_or_attach(&config).await.unwrap();
    cluster.ensure_database("centric").await.unwrap();
    let url = cluster.database_url("centric");
    cluster.stop().await.unwrap();

    let (mut servers, ports): (Vec<_>, Vec<_>) = (0..2)
        .map(|_| {
            let (server, address) = spawn_serve(&[("DATABASE_URL", &url)]);
            (server, address.port())
        })
        .unzip();
    let client = reqwest::Client::new();
    for &port in &ports {
        let mut up = false;
        for _ in 0..100 {
            if let Some(response) = get(&client, port, "/healthz").await {
                up = response.status() == 200;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(up, "centric serve listens although its database is down");
    }
    // Give them time to try (and fail) to reach the database a few times.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for &port in &ports {
        let ready = get(&client, port, "/readyz").await.unwrap();
        assert_eq!(ready.status(), 503, "not ready without a database");
        let page = get(&client, port, "/login").await.unwrap();
        assert_eq!(page.status(), 503, "pages wait for the database too");
        assert!(page.headers().contains_key("retry-after"));
        assert!(
            page.text().await.unwrap().contains("Starting up"),
            "people see the error page"
        );
    }
    for server in &mut servers {
        assert!(server.try_wait().unwrap().is_none(), "still running");
    }

    let cluster = LocalCluster::start_or_attach(&config).await.unwrap();
    let appeared = Instant::now();
    for &port in &ports {
        let mut ready = false;
        while appeared.elapsed() < Duration::from_secs(30) {
            if get(&client, port, "/readyz")
                .await
                .is_some_and(|r| r.status() == 200)
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "ready once the database appears");
        let page = get(&client, port, "/login").await.unwrap();
        assert_eq!(page.status(), 200, "and serving pages");
    }
    let pool = centric::db::pool_options(1)
        .connect_with(cluster.connect_options("centric"))
        .await
        .unwrap();
    let (applied, distinct, failed): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT version), count(*) FILTER (WHERE NOT success) FROM _sqlx_migrations",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (applied, distinct, failed),
        (centric::db::MIGRATOR.iter().count() as i64, applied, 0),
        "every migration applied exactly once"
    );
    pool.close().await;

    for server in &mut servers {
        let exit = terminate(server, Duration::from_secs(30)).await;
        assert!(exit.success(), "{exit:?}");
    }
    cluster.stop().await.unwrap();
}
