//! Graceful shutdown: in-flight requests finish, new ones are refused, the embedded
//! cluster is stopped by the process that started it.

use crate::helpers::{scratch_dir, spawn_app};
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
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_centric"))
        .arg("serve")
        .env("DATABASE_URL", "") // empty means unset, and keeps a developer's .env out
        .env("CENTRIC_DATA_DIR", &data_dir)
        .env("CENTRIC_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..300 {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
        {
            ready = response.status() == 200;
            if ready {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "centric serve becomes ready on its embedded cluster");
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

    let pid = nix::unistd::Pid::from_raw(child.id().unwrap() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("exits promptly")
        .unwrap();
    assert!(status.success(), "exit status {status}");
    assert!(!pid_file.exists(), "the cluster was stopped cleanly");
}
