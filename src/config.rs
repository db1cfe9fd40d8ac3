//! Settings, read from command-line flags, then the environment, then `.env`
//! (every variable is listed with its default in `.env.example`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where the data lives: an external server (`DATABASE_URL`) or the embedded cluster.
#[derive(clap::Args, Debug, Clone)]
pub struct DatabaseSettings {
    /// Use this PostgreSQL server instead of the embedded cluster.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// A streaming replica of the database for dashboards and the read API; writes, and a
    /// session's reads until the replica has replayed its last write, go to the primary.
    #[arg(long, global = true, env = "DATABASE_READ_URL", hide_env_values = true)]
    pub database_read_url: Option<String>,

    /// Directory of the embedded cluster (created and initialised on first start).
    #[arg(
        long,
        global = true,
        env = "CENTRIC_DATA_DIR",
        default_value = "./.centric"
    )]
    pub data_dir: PathBuf,

    /// Directory holding initdb and pg_ctl (default: PATH, then the newest /usr/lib/postgresql/*/bin).
    #[arg(long, global = true, env = "CENTRIC_PG_BIN")]
    pub pg_bin: Option<PathBuf>,

    /// Unprivileged system user that runs the embedded cluster when Centric runs as root.
    #[arg(
        long,
        global = true,
        env = "CENTRIC_PG_USER",
        default_value = "postgres"
    )]
    pub pg_user: String,

    /// Connections in the pool; one to two per core is the sweet spot (see PERFORMANCE.md).
    #[arg(long, global = true, env = "CENTRIC_DB_POOL_SIZE", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub pool_size: u32,
}

impl DatabaseSettings {
    /// `DATABASE_URL`, treating an empty value (as in a copied `.env.example`) as unset.
    pub fn external_url(&self) -> Option<&str> {
        self.database_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
    }

    /// `DATABASE_READ_URL`, an empty value being unset.
    pub fn read_url(&self) -> Option<&str> {
        self.database_read_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
    }
}

/// How the HTTP server listens and drains.
#[derive(clap::Args, Debug, Clone)]
pub struct ServerSettings {
    /// Address to listen on.
    #[arg(long, env = "CENTRIC_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Seconds a request may take before it is answered with 503.
    #[arg(long, env = "CENTRIC_REQUEST_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_secs: u64,

    /// Seconds a client may take to send its request headers.
    #[arg(long, env = "CENTRIC_HEADER_READ_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_read_timeout_secs: u64,

    /// The address people use to reach Centric (e.g. https://cx.example.com); links are
    /// built from it, never from the request's Host header, and https makes cookies Secure.
    #[arg(
        long,
        env = "CENTRIC_PUBLIC_URL",
        default_value = "http://127.0.0.1:3000"
    )]
    pub public_url: String,

    /// Seconds without a request after which a session ends.
    #[arg(long, env = "CENTRIC_SESSION_IDLE_TIMEOUT", default_value_t = 7200, value_parser = clap::value_parser!(u64).range(1..=2_592_000))]
    pub session_idle_timeout_secs: u64,

    /// Seconds after login after which a session ends however active it is.
    #[arg(long, env = "CENTRIC_SESSION_LIFETIME", default_value_t = 43200, value_parser = clap::value_parser!(u64).range(1..=2_592_000))]
    pub session_lifetime_secs: u64,

    /// Reverse proxies whose X-Forwarded-For is believed (comma-separated IPs). Empty:
    /// the client is the socket peer, and X-Forwarded-For is ignored.
    #[arg(long, env = "CENTRIC_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Login attempts allowed per client IP per minute.
    #[arg(long, env = "CENTRIC_LOGIN_RATE", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub login_per_minute: u32,

    /// Survey answers allowed per client IP per minute.
    #[arg(long, env = "CENTRIC_SURVEY_RATE", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub survey_per_minute: u32,

    /// Survey answers allowed per survey per minute, from all clients together.
    #[arg(long, env = "CENTRIC_SURVEY_RATE_PER_SURVEY", default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub survey_total_per_minute: u32,

    /// API requests allowed per token per minute.
    #[arg(long, env = "CENTRIC_API_RATE", default_value_t = 600, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub api_per_minute: u32,

    /// Seconds in-flight requests get to finish after SIGINT/SIGTERM.
    #[arg(long, env = "CENTRIC_SHUTDOWN_TIMEOUT", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub shutdown_timeout_secs: u64,

    /// Whether this instance works on background jobs (re-tagging comments after a theme
    /// changed). Several instances may; set it false to keep an instance to requests.
    #[arg(long, env = "CENTRIC_BACKGROUND_JOBS", default_value_t = true, action = clap::ArgAction::Set)]
    pub background_jobs: bool,
}

impl ServerSettings {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs)
    }
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }
    pub fn session_idle_timeout(&self) -> Duration {
        Duration::from_secs(self.session_idle_timeout_secs)
    }
    pub fn session_lifetime(&self) -> Duration {
        Duration::from_secs(self.session_lifetime_secs)
    }
    /// Cookies are `Secure` when people reach Centric over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

impl Default for ServerSettings {
    /// The defaults of the flags above, for tests and embedding.
    fn default() -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            server: ServerSettings,
        }
        Only::parse_from(["centric"]).server
    }
}
