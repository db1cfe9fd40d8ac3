//! Graceful shutdown: in-flight requests finish, new ones are refused, the embedded
//! cluster is stopped by the process that started it.

use crate::helpers::{
    add_survey, cluster_config, ingest_token, scratch_dir, spawn_app, spawn_serve, terminate,
    wait_ready,
};
use std::time::Duration;

#[tokio::test]
async fn graceful_shutdown_finishes_an_in_flight_request() {
    let mut app = spawn_app().await;
    // Hold a lock the login page's query needs, so its request stays in flight.
    let mut blocker = app.db.connect().await;
    sqlx::raw_sql("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE;")
        .execute(&mut blocker)
        .await
        .unwrap();
    let in_flight = tokio::spawn(app.client.get(app.url("/login")).send());
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'centric' AND wait_event_type = 'Lock'";
    for _ in 0..100 {
        let n: i64 = sqlx::query_scalar(waiting)
            .fetch_one(&mut blocker)
            .await
            .unwrap();
        if n > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let server = app.begin_shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        tokio::net::TcpStream::connect(app.address).await.is_err(),
        "no new connections once shutdown began"
    );
    assert!(
        !server.is_finished(),
        "the server waits for the request in flight"
    );

    sqlx::raw_sql("COMMIT").execute(&mut blocker).await.unwrap();
    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(response.status(), 200);
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops after draining")
        .unwrap();
}

#[tokio::test]
async fn sigterm_stops_the_server_and_the_embedded_cluster_it_started() {
    let dir = scratch_dir("serve");
    let data_dir = dir.join("data");
    let (mut child, address) = spawn_serve(&[("CENTRIC_DATA_DIR", data_dir.to_str().unwrap())]);
    let port = address.port();
    assert!(
        wait_ready(address).await,
        "centric serve becomes ready on its embedded cluster"
    );
    let client = reqwest::Client::new();
    let pid_file = data_dir.join("pgdata/postmaster.pid");
    assert!(pid_file.exists(), "the embedded cluster runs");

    // A second process on the same data directory uses the running cluster and leaves
    // it running for the server.
    let mut create = std::process::Command::new(env!("CARGO_BIN_EXE_centric"))
        .args([
            "user",
            "create",
            "--email",
            "lead@example.com",
            "--name",
            "Lead",
            "--role",
            "cx-lead",
            "--password-stdin",
        ])
        .env("DATABASE_URL", "") // empty means unset, and keeps a developer's .env out
        .env("CENTRIC_DATA_DIR", &data_dir)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    create
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough secret\n")
        .unwrap();
    assert!(
        create.wait().unwrap().success(),
        "user create attaches to the running cluster"
    );
    let readiness = client
        .get(format!("http://127.0.0.1:{port}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        readiness.status(),
        200,
        "the server's cluster is still running"
    );

    let status = terminate(&mut child, Duration::from_secs(30)).await;
    assert!(status.success(), "exit status {status}");
    assert!(!pid_file.exists(), "the cluster was stopped cleanly");
}

/// The embedded cluster in `data_dir` (started if it is not running), and a pool on it.
async fn attach(data_dir: &std::path::Path) -> (centric::db::local_pg::LocalCluster, sqlx::PgPool) {
    let config = cluster_config(data_dir.to_owned());
    let cluster = centric::db::local_pg::LocalCluster::start_or_attach(&config)
        .await
        .unwrap();
    let pool = centric::db::pool_options(1)
        .connect_with(cluster.connect_options("centric"))
        .await
        .unwrap();
    (cluster, pool)
}

/// One request of the load: when it was sent and answered, and what came back.
struct Sent {
    external_id: String,
    answered: std::time::Instant,
    /// The status, or the transport error (`true`: the connection was refused).
    outcome: Result<u16, bool>,
}

#[tokio::test]
async fn sigterm_under_load_drains_in_flight_requests_refuses_new_ones_and_exits_cleanly() {
    let dir = scratch_dir("drain");
    let data_dir = dir.join("data");
    let (mut server, address) = spawn_serve(&[
        ("CENTRIC_DATA_DIR", data_dir.to_str().unwrap()),
        ("CENTRIC_API_RATE", "1000000"),
        ("CENTRIC_SHUTDOWN_TIMEOUT", "15"),
    ]);
    assert!(wait_ready(address).await, "centric serve becomes ready");

    // Set up through the running cluster, then let go of it, so the server is its last
    // user and stops it on the way out.
    let (token, mut blocker) = {
        let (cluster, pool) = attach(&data_dir).await;
        add_survey(&pool, "relationship", "customer", None, None).await;
        let token = ingest_token(&pool).await;
        pool.close().await;
        use sqlx::ConnectOptions;
        let blocker = cluster.connect_options("centric").connect().await.unwrap();
        (token, blocker)
    };

    // Eight clients, each request on a new connection, until connections are refused.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (token, stop) = (token.clone(), stop.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(0)
                    .build()
                    .unwrap();
                let mut sent = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let external_id = uuid::Uuid::new_v4().to_string();
                    let outcome = client
                        .post(format!("http://{address}/api/v1/responses"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"survey": "relationship", "score": 8, "external_id": external_id}))
                        .send()
                        .await
                        .map(|response| response.status().as_u16())
                        .map_err(|error| error.is_connect());
                    let refused = outcome == Err(true);
                    sent.push(Sent {
                        external_id,
                        answered: std::time::Instant::now(),
                        outcome,
                    });
                    if refused {
                        break;
                    }
                }
                sent
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Hold the responses table so that requests are in flight when SIGTERM arrives.
    sqlx::raw_sql("BEGIN; LOCK TABLE responses IN SHARE MODE;")
        .execute(&mut blocker)
        .await
        .unwrap();
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'centric' AND wait_event_type = 'Lock'";
    let mut in_flight = 0;
    for _ in 0..100 {
        in_flight = sqlx::query_scalar::<_, i64>(waiting)
            .fetch_one(&mut blocker)
            .await
            .unwrap();
        if in_flight > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(in_flight > 0, "requests are in flight");
    let terminated = std::time::Instant::now();
    let exited = tokio::spawn(async move { terminate(&mut server, Duration::from_secs(15)).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        tokio::net::TcpStream::connect(address).await.is_err(),
        "no new connections once shutdown began"
    );
    sqlx::raw_sql("COMMIT").execute(&mut blocker).await.unwrap();
    drop(blocker);

    let exit = exited.await.unwrap();
    assert!(exit.success(), "exit status {exit}");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut sent = Vec::new();
    for client in clients {
        sent.extend(client.await.unwrap());
    }

    let answered: Vec<&Sent> = sent.iter().filter(|s| s.outcome.is_ok()).collect();
    assert!(
        answered.iter().all(|s| s.outcome == Ok(201)),
        "every request that was let in was stored: {:?}",
        answered.iter().map(|s| s.outcome).collect::<Vec<_>>()
    );
    assert!(
        answered.iter().filter(|s| s.answered > terminated).count() >= in_flight as usize,
        "the requests in flight at SIGTERM were answered after it"
    );
    assert!(
        sent.iter()
            .filter(|s| s.outcome.is_err())
            .all(|s| s.answered > terminated),
        "only requests after SIGTERM failed to connect"
    );
    assert!(
        !data_dir.join("pgdata/postmaster.pid").exists(),
        "the embedded cluster was stopped"
    );
    let log = std::fs::read_to_string(data_dir.join("postgres.log")).unwrap_or_default();
    assert!(
        log.contains("database system is shut down"),
        "and shut down cleanly"
    );

    // Every answer the clients were told was stored is there.
    let (cluster, pool) = attach(&data_dir).await;
    let ids: Vec<String> = answered.iter().map(|s| s.external_id.clone()).collect();
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM responses WHERE external_id = ANY($1)")
            .bind(&ids)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(stored, ids.len() as i64);
    pool.close().await;
    cluster.stop().await.unwrap();
}
