//! Abuse and overload: clients dribbling their headers, bodies far over the limit, and
//! more uncached dashboards at once than the pool can compute. Normal clients keep being
//! served, memory stays flat, and what cannot be served is a fast 503, not a queue.

use crate::helpers::{
    TestDb, add_survey, ingest_token, public_token, serve, spawn_app_with, spawn_serve, wait_ready,
};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn two_hundred_uncached_dashboards_at_once_on_a_pool_of_ten_get_fast_503s_beyond_capacity() {
    let app = serve(TestDb::with_demo().await.resized(10).await, |_| {}).await;
    app.signed_in_as("executive").await;
    let today = time::OffsetDateTime::now_utc().date();
    // Each a different filter: none can be served from the cache.
    let requests = (0..200).map(|i| {
        let url = app.url(&format!(
            "/executive?from={}",
            today - time::Duration::days(30 + i)
        ));
        let client = app.client.clone();
        async move {
            let started = Instant::now();
            let response = client.get(url).send().await.unwrap();
            let retry_after = response.headers().contains_key("retry-after");
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            (status, retry_after, body, started.elapsed())
        }
    });
    let answers = futures_util::future::join_all(requests).await;

    let served: Vec<_> = answers.iter().filter(|a| a.0 == 200).collect();
    let refused: Vec<_> = answers.iter().filter(|a| a.0 == 503).collect();
    assert_eq!(
        served.len() + refused.len(),
        200,
        "every answer is the page or a 503: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(
        served.len() >= 20,
        "as many as the pool can compute are served ({})",
        served.len()
    );
    assert!(!refused.is_empty(), "the rest are refused, not queued");
    let slowest = answers.iter().map(|a| a.3).max().unwrap();
    eprintln!(
        "200 dashboards at once: {} served, {} refused, slowest refusal {:?}, slowest answer {slowest:?}",
        served.len(),
        refused.len(),
        refused.iter().map(|a| a.3).max().unwrap()
    );
    for (_, retry_after, body, took) in &refused {
        assert!(retry_after, "a refusal says when to come back");
        assert!(body.contains("Busy right now"), "and why, in words");
        assert!(
            *took < Duration::from_secs(2),
            "refused fast, took {took:?}"
        );
    }
    assert!(
        slowest < Duration::from_secs(10),
        "no unbounded queue: the slowest answer took {slowest:?}"
    );
    // Once the crowd is gone, the same pages are served.
    let again = app
        .get(&format!(
            "/executive?from={}",
            today - time::Duration::days(30)
        ))
        .await;
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn clients_dribbling_their_headers_do_not_stop_others_and_are_cut_off() {
    let app = spawn_app_with(|settings| settings.header_read_timeout_secs = 2).await;
    let mut dribblers = Vec::new();
    for _ in 0..500 {
        let mut stream = TcpStream::connect(app.address).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            .await
            .unwrap();
        dribblers.push(stream);
    }
    let started = Instant::now();
    let mut served = 0;
    while started.elapsed() < Duration::from_millis(1500) {
        for stream in &mut dribblers {
            // A byte at a time, never finishing the headers (errors: already cut off).
            let _ = stream.write_all(b"a").await;
        }
        let asked = Instant::now();
        let page = app.get("/login").await;
        assert_eq!(page.status(), 200, "a normal client is served meanwhile");
        assert!(
            asked.elapsed() < Duration::from_secs(1),
            "promptly: {:?}",
            asked.elapsed()
        );
        served += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(served >= 5);

    // Past the header-read timeout, the server has closed every one of them.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut closed = 0;
    for stream in &mut dribblers {
        let mut buffer = [0u8; 1024];
        match tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buffer)).await {
            // EOF, or whatever the server answered before closing (a 408).
            Ok(Ok(_)) | Ok(Err(_)) => closed += 1,
            Err(_) => {}
        }
    }
    assert_eq!(closed, 500, "every dribbling connection was cut off");
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status")
}

/// Sends only the headers of a request declaring `length` bytes of body, and returns the
/// status line of the answer (which must come without the body being sent).
async fn declare_body(
    address: std::net::SocketAddr,
    path: &str,
    length: u64,
    extra: &str,
) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {length}\r\n{extra}\r\n{{\"score\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
            .await
            .expect("answered without waiting for the body")
            .unwrap();
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..n]);
    }
    let text = String::from_utf8_lossy(&answer);
    text.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_without_the_server_growing() {
    let db = TestDb::new().await;
    let survey = add_survey(&db.pool, "relationship", "customer", None, None).await;
    let survey_token = public_token(&db.pool, survey).await;
    let api_token = ingest_token(&db.pool).await;
    // A process of its own, so its memory is measured alone.
    let (mut server, address) = spawn_serve(&[("DATABASE_URL", db.url()), ("RUST_LOG", "error")]);
    assert!(wait_ready(address).await, "the server comes up");
    let pid = server.id().unwrap();
    let before = peak_rss_kib(pid);

    let bearer = format!("Authorization: Bearer {api_token}\r\nContent-Type: application/json\r\n");
    let survey_path = format!("/s/{survey_token}");
    let form = "Content-Type: application/x-www-form-urlencoded\r\n";
    let attempts = (0..100).map(|i| {
        let (path, length, extra) = if i % 2 == 0 {
            // Four times the API's 16 MiB batch limit.
            ("/api/v1/responses", 64 << 20, bearer.as_str())
        } else {
            // Far over the survey form's 64 KiB.
            (survey_path.as_str(), 1 << 30, form)
        };
        declare_body(address, path, length, extra)
    });
    let statuses = futures_util::future::join_all(attempts).await;
    for status in &statuses {
        assert!(status.contains(" 413 "), "refused as too large: {status:?}");
    }
    let after = peak_rss_kib(pid);
    eprintln!("oversized bodies: peak RSS {before} KiB before, {after} KiB after");
    assert!(
        after.saturating_sub(before) < 8 * 1024,
        "peak memory grew from {before} KiB to {after} KiB"
    );
    server.kill().await.unwrap();
}
