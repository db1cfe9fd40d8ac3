//! The database: an external server or the embedded cluster, the pool Centric uses,
//! and the migrations that shape it.

pub mod backup;
pub mod demo;
pub mod local_pg;

use crate::config::DatabaseSettings;
use local_pg::{ClusterConfig, LaunchError, LocalCluster};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// The schema, compiled into the binary (build.rs reruns when migrations change).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The name of the embedded cluster's application database.
pub const DATABASE_NAME: &str = "centric";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {0}")]
    BadUrl(String),
    #[error("cannot connect to the database")]
    Connect(#[source] sqlx::Error),
    #[error("Centric needs PostgreSQL 15 or later; the server runs {0}")]
    TooOld(String),
    #[error("cannot migrate the database")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl DbError {
    /// Whether trying again later may succeed: the server is not (yet) reachable, as
    /// opposed to refusing Centric for good (too old, a migration that cannot apply).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Connect(_) => true,
            Self::Migrate(
                sqlx::migrate::MigrateError::Execute(error)
                | sqlx::migrate::MigrateError::ExecuteMigration(error, _),
            ) => crate::error::is_unavailable(error),
            _ => false,
        }
    }
}

/// The pool, and the embedded cluster when Centric runs one.
pub struct Database {
    pub pool: PgPool,
    /// The read replica (`DATABASE_READ_URL`), connected lazily: a replica that is down
    /// only sends reads to the primary.
    pub read_pool: Option<PgPool>,
    /// Connection options without the pool's statement timeout, for long maintenance.
    options: PgConnectOptions,
    cluster: Option<LocalCluster>,
}

impl Database {
    /// Connects to `DATABASE_URL`, or starts (or attaches to) the embedded cluster.
    pub async fn open(settings: &DatabaseSettings) -> Result<Self, DbError> {
        let database = Self::open_lazily(settings).await?;
        match database.check_server().await {
            Ok(()) => Ok(database),
            Err(error) => {
                if let Some(cluster) = database.cluster {
                    let _ = cluster.stop().await;
                }
                Err(error)
            }
        }
    }

    /// `open` without connecting to an external server yet (the embedded cluster is
    /// started): `centric serve` comes up while its database is still down, and
    /// `check_server` then `migrate` until it answers.
    pub async fn open_lazily(settings: &DatabaseSettings) -> Result<Self, DbError> {
        let read_options = settings
            .read_url()
            .map(PgConnectOptions::from_str)
            .transpose()
            .map_err(|e| DbError::BadUrl(format!("DATABASE_READ_URL: {e}")))?;
        let (options, cluster) = match settings.external_url() {
            Some(url) => (
                PgConnectOptions::from_str(url).map_err(|e| DbError::BadUrl(e.to_string()))?,
                None,
            ),
            None => {
                let cluster = LocalCluster::start_or_attach(&ClusterConfig {
                    data_dir: settings.data_dir.clone(),
                    bin_dir: settings.pg_bin.clone(),
                    run_as: settings.pg_user.clone(),
                    ephemeral: false,
                })
                .await?;
                if let Err(error) = cluster.ensure_database(DATABASE_NAME).await {
                    let _ = cluster.stop().await;
                    return Err(error.into());
                }
                (cluster.connect_options(DATABASE_NAME), Some(cluster))
            }
        };
        let read_pool = read_options.map(|options| {
            pool_options(settings.pool_size).connect_lazy_with(session_settings(options))
        });
        Ok(Self {
            pool: pool_options(settings.pool_size)
                .connect_lazy_with(session_settings(options.clone())),
            read_pool,
            options: options.application_name("centric"),
            cluster,
        })
    }

    /// Connects once directly, so that a failure reports its real cause (not "pool timed
    /// out"), and checks the server's version.
    pub async fn check_server(&self) -> Result<(), DbError> {
        let mut probe = self.maintenance_connection().await?;
        let version: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
            .fetch_one(&mut probe)
            .await
            .map_err(DbError::Connect)?;
        let _ = probe.close().await;
        // The schema relies on UNIQUE NULLS NOT DISTINCT (PostgreSQL 15).
        if version < 150_000 {
            return Err(DbError::TooOld(format!(
                "{}.{}",
                version / 10_000,
                version % 10_000
            )));
        }
        Ok(())
    }

    /// Applies pending migrations on a connection of its own without the pool's statement
    /// timeout (a migration may rightly take minutes). sqlx holds an advisory lock, so
    /// concurrent starts migrate once.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let mut conn = self.maintenance_connection().await?;
        MIGRATOR.run(&mut conn).await?;
        let _ = conn.close().await;
        Ok(())
    }

    /// A connection of its own without the pool's statement timeout, for maintenance
    /// that reads every row.
    pub async fn maintenance_connection(&self) -> Result<sqlx::PgConnection, DbError> {
        self.options.connect().await.map_err(DbError::Connect)
    }

    pub fn cluster(&self) -> Option<&LocalCluster> {
        self.cluster.as_ref()
    }

    /// Closes the pool (waiting a bounded time for connections still checked out), then
    /// stops the embedded cluster unless another Centric process still uses it.
    pub async fn close(self) -> Result<(), DbError> {
        if let Some(replica) = &self.read_pool {
            replica.close().await;
        }
        if tokio::time::timeout(Duration::from_secs(10), self.pool.close())
            .await
            .is_err()
        {
            tracing::warn!("database connections still busy after 10 s; closing anyway");
        }
        if let Some(cluster) = self.cluster {
            cluster.stop().await?;
        }
        Ok(())
    }
}

/// Fail fast rather than queue forever (SECURITY.md, "fail fast, fail closed").
pub fn pool_options(size: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(size.max(1))
        .acquire_timeout(Duration::from_secs(3))
        .test_before_acquire(true)
}

/// Per-connection settings of the pool: a name to find our connections by, a statement
/// timeout so a stuck query cannot hold a request (or a connection) forever, and plans
/// made for each query's actual parameters.
pub fn session_settings(options: PgConnectOptions) -> PgConnectOptions {
    options
        .application_name("centric")
        // Dashboard queries pick their grouping and filters by parameter; a plan cached
        // for "any parameters" scans far more than the one made for the actual ones
        // (measured on the demo: scorecard p50 236 ms → 147 ms).
        .options([
            ("statement_timeout", "5s"),
            ("plan_cache_mode", "force_custom_plan"),
        ])
}
