//! The embedded cluster: initialised, started, shared, stopped, recovered after a crash.

use crate::helpers::{children_of, cluster_config, scratch_dir, wait_until};
use centric::db::local_pg::{ClusterConfig, LaunchError, LocalCluster};
use sqlx::{ConnectOptions, Connection};
use std::path::Path;

async fn query_one(cluster: &LocalCluster, sql: &str) -> Result<i64, sqlx::Error> {
    let mut conn = cluster.connect_options("postgres").connect().await?;
    let value = sqlx::query_scalar(sql).fetch_one(&mut conn).await;
    conn.close().await?;
    value
}

fn process_exists(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[tokio::test]
async fn a_fresh_directory_is_initialised_started_stopped_and_restarted_with_its_data() {
    let dir = scratch_dir("launcher");
    let config = cluster_config(dir.join("data"));

    let cluster = LocalCluster::start_or_attach(&config)
        .await
        .expect("first start initialises");
    assert!(cluster.started_here());
    assert!(cluster.pgdata().join("PG_VERSION").is_file());
    let mut conn = cluster.connect_options("postgres").connect().await.unwrap();
    sqlx::raw_sql("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42);")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let pid_file = cluster.pgdata().join("postmaster.pid");
    cluster.stop().await.expect("stops cleanly");
    assert!(!pid_file.exists(), "a clean stop removes postmaster.pid");

    let cluster = LocalCluster::start_or_attach(&config)
        .await
        .expect("restarts");
    assert_eq!(
        query_one(&cluster, "SELECT v::bigint FROM kept")
            .await
            .unwrap(),
        42
    );
    cluster.stop().await.unwrap();
}

#[tokio::test]
async fn the_cluster_listens_on_a_socket_only_and_runs_as_postgres_when_started_as_root() {
    let dir = scratch_dir("launcher");
    let cluster = LocalCluster::start_or_attach(&cluster_config(dir.join("data")))
        .await
        .unwrap();
    let tcp: i64 = query_one(
        &cluster,
        "SELECT count(*) FROM pg_settings WHERE name = 'listen_addresses' AND setting = ''",
    )
    .await
    .unwrap();
    assert_eq!(tcp, 1, "no TCP listener");

    let pid = cluster.postmaster_pid().expect("a postmaster");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let uid: u32 = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let expected = if nix::unistd::Uid::effective().is_root() {
        nix::unistd::User::from_name("postgres")
            .unwrap()
            .expect("the postgres user")
            .uid
            .as_raw()
    } else {
        nix::unistd::Uid::effective().as_raw()
    };
    assert_eq!(uid, expected);
    cluster.stop().await.unwrap();
}

#[tokio::test]
async fn a_second_user_attaches_and_the_cluster_runs_until_the_last_user_stops() {
    let dir = scratch_dir("launcher");
    let config = cluster_config(dir.join("data"));
    let starter = LocalCluster::start_or_attach(&config).await.unwrap();
    let second = LocalCluster::start_or_attach(&config).await.unwrap();
    assert!(starter.started_here());
    assert!(!second.started_here(), "the second one attaches");
    assert_eq!(
        starter.postmaster_pid(),
        second.postmaster_pid(),
        "one postmaster"
    );

    // The starter (say, a short `centric user create`) finishes first: the other user
    // (say, the server) keeps its database.
    let pid = starter.postmaster_pid().unwrap();
    starter.stop().await.unwrap();
    assert!(
        process_exists(pid),
        "the cluster keeps running while someone uses it"
    );
    assert_eq!(query_one(&second, "SELECT 1::bigint").await.unwrap(), 1);

    second.stop().await.unwrap();
    wait_until(|| !process_exists(pid), "the postmaster exits").await;
}

#[tokio::test]
async fn an_interrupted_initdb_is_cleaned_up_and_redone() {
    let dir = scratch_dir("launcher");
    let half_made = dir.join("data/pgdata.init");
    std::fs::create_dir_all(&half_made).unwrap();
    std::fs::write(half_made.join("PG_VERSION"), "15\n").unwrap();
    let cluster = LocalCluster::start_or_attach(&cluster_config(dir.join("data")))
        .await
        .expect("starts anyway");
    assert!(!half_made.exists());
    assert_eq!(query_one(&cluster, "SELECT 1::bigint").await.unwrap(), 1);
    cluster.stop().await.unwrap();
}

#[tokio::test]
async fn a_stale_pid_file_after_a_crash_is_recovered_from() {
    let dir = scratch_dir("launcher");
    // Durable settings: a committed row must survive the crash.
    let config = ClusterConfig {
        ephemeral: false,
        ..cluster_config(dir.join("data"))
    };
    let cluster = LocalCluster::start_or_attach(&config).await.unwrap();
    let mut conn = cluster.connect_options("postgres").connect().await.unwrap();
    sqlx::raw_sql("CREATE TABLE survived (v int); INSERT INTO survived VALUES (7);")
        .execute(&mut conn)
        .await
        .unwrap();
    drop(conn);

    // Crash: the postmaster dies without cleaning up; its pid file now names a live,
    // unrelated process (a recycled pid), which would make PostgreSQL refuse to start.
    let pid = cluster.postmaster_pid().unwrap();
    let children = children_of(pid);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    wait_until(
        || !process_exists(pid) && children.iter().all(|c| !process_exists(*c)),
        "the crashed cluster is gone",
    )
    .await;
    let mut impostor = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .unwrap();
    let pid_file = cluster.pgdata().join("postmaster.pid");
    let text = std::fs::read_to_string(&pid_file).unwrap();
    let rest: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(&pid_file, format!("{}\n{rest}", impostor.id())).unwrap();

    let recovered = LocalCluster::start_or_attach(&config)
        .await
        .expect("recovers from the stale pid file");
    assert!(recovered.started_here());
    assert_eq!(
        query_one(&recovered, "SELECT v::bigint FROM survived")
            .await
            .unwrap(),
        7,
        "data survives the crash"
    );
    recovered.stop().await.unwrap();
    impostor.kill().unwrap();
    let _ = impostor.wait();
}

#[tokio::test]
async fn a_bin_directory_without_the_server_binaries_is_a_clear_error() {
    let dir = scratch_dir("launcher");
    let config = ClusterConfig {
        bin_dir: Some(dir.to_path_buf()),
        ..cluster_config(dir.join("data"))
    };
    let error = LocalCluster::start_or_attach(&config).await.unwrap_err();
    assert!(matches!(error, LaunchError::BadBinDir(_)), "{error}");
    assert!(
        error
            .to_string()
            .contains("does not contain initdb and pg_ctl"),
        "{error}"
    );
}

#[tokio::test]
async fn a_data_directory_the_postgres_user_cannot_reach_is_a_clear_error() {
    if !nix::unistd::Uid::effective().is_root() {
        // Only root hands the cluster to another user; as anyone else it runs as yourself.
        return;
    }
    let dir = scratch_dir("launcher");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&*dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let error = LocalCluster::start_or_attach(&cluster_config(dir.join("data")))
        .await
        .unwrap_err();
    assert!(matches!(error, LaunchError::Unreachable { .. }), "{error}");
    assert!(error.to_string().contains("execute bit"), "{error}");
}
