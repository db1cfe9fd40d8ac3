//! Browser tests: real headless Chromium, driven through chromedriver, against the real
//! app on a real database. Without a browser they are skipped locally and fail under CI.

#[path = "../app/helpers.rs"]
#[allow(dead_code)] // the integration tests use more of the harness than these do
mod helpers;

mod executive;
mod login;
mod programme;
mod scorecards;
mod survey;

use fantoccini::{Client, ClientBuilder};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A chromedriver process and a WebDriver session on it; both end on drop.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Browser {
    /// Starts headless Chromium at `width`×`height`, or `None` (a skip) when no browser is
    /// installed — unless CI=true, where a missing browser fails the run.
    pub async fn start(width: u32, height: u32) -> Option<Self> {
        let installed = ["/usr/bin/chromium", "/usr/bin/chromedriver"]
            .iter()
            .all(|p| std::path::Path::new(p).exists());
        if !installed {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "CI=true: a browser test needs chromium and chromium-driver"
            );
            eprintln!("skipping browser test: chromium/chromedriver not installed");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", format!("--window-size={width},{height}"),
                ]
            }
        });
        let capabilities = capabilities.as_object().unwrap().clone();
        let mut last_error = None;
        for _ in 0..50 {
            match ClientBuilder::native()
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => return Some(Self { client, driver }),
                Err(error) => last_error = Some(error),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("cannot start a browser session: {last_error:?}");
    }

    /// Saves a screenshot under target/screenshots/ for people to look at.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Ends the WebDriver session; chromedriver itself goes on drop.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
