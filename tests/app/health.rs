//! Probes and the basic serving path.

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_200_while_the_process_lives() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["status"],
        "ok"
    );
}

#[tokio::test]
async fn readyz_answers_200_when_the_database_answers() {
    let app = spawn_app().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    let id = response
        .headers()
        .get("x-request-id")
        .expect("x-request-id header");
    assert_eq!(id.to_str().unwrap().len(), 36, "a UUID");
}

#[tokio::test]
async fn static_files_are_served_with_long_lived_cache_headers() {
    let app = spawn_app().await;
    let response = app
        .get(&format!(
            "/static/app.css?v={}",
            centric::web::ASSET_VERSION
        ))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/css");
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        response.text().await.unwrap().contains("--"),
        "the stylesheet itself"
    );
}

#[tokio::test]
async fn unknown_paths_get_the_friendly_404_page() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    let body = response.text().await.unwrap();
    assert!(body.contains("Page not found"), "{body}");
    assert!(
        body.contains("<link rel=\"stylesheet\""),
        "rendered in the layout"
    );
}

#[tokio::test]
async fn readyz_answers_503_while_the_database_is_down_and_200_when_it_returns() {
    use crate::helpers::{cluster_config, scratch_dir};
    use centric::db::local_pg::LocalCluster;
    use centric::startup::Application;

    let dir = scratch_dir("readyz");
    let config = cluster_config(dir.join("data"));
    let cluster = LocalCluster::start_or_attach(&config).await.unwrap();
    let pool = centric::db::pool_options(2)
        .connect_with(cluster.connect_options("postgres"))
        .await
        .unwrap();
    let settings = centric::config::ServerSettings {
        addr: "127.0.0.1:0".parse().unwrap(),
        ..Default::default()
    };
    let application = Application::build(settings, pool, None).await.unwrap();
    let url = format!("http://{}/readyz", application.address());
    tokio::spawn(application.run_until(std::future::pending()));
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);

    cluster.stop().await.unwrap();
    let started = std::time::Instant::now();
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "fails fast, took {:?}",
        started.elapsed()
    );

    let cluster = LocalCluster::start_or_attach(&config).await.unwrap();
    assert_eq!(
        reqwest::get(&url).await.unwrap().status(),
        200,
        "recovers without a restart"
    );
    cluster.stop().await.unwrap();
}

#[tokio::test]
async fn a_missing_static_file_is_a_404_that_is_not_cached() {
    let app = spawn_app().await;
    let response = app.get("/static/no-such.css").await;
    assert_eq!(response.status(), 404);
    assert_ne!(
        response
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("public, max-age=31536000, immutable")
    );
}

#[tokio::test]
async fn every_pooled_connection_times_out_stuck_statements_and_plans_for_its_parameters() {
    let app = crate::helpers::spawn_app().await;
    let (timeout, plans): (String, String) = sqlx::query_as(
        "SELECT current_setting('statement_timeout'), current_setting('plan_cache_mode')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (timeout.as_str(), plans.as_str()),
        ("5s", "force_custom_plan")
    );
}

#[tokio::test]
async fn a_wrong_method_gets_an_error_page_that_says_so() {
    let app = spawn_app().await;
    let response = app.post_form("/healthz", &[]).await;
    assert_eq!(response.status(), 405);
    let body = response.text().await.unwrap();
    assert!(body.contains("Not available this way"), "{body}");
    assert!(
        !body.contains("has been logged"),
        "not reported as our failure"
    );
}
