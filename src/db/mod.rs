//! The database: an external server or the embedded cluster, the pool Centric uses,
//! and the migrations that shape it.

pub mod demo;
pub mod local_pg;

use crate::config::DatabaseSettings;
use local_pg::{ClusterConfig, LaunchError, LocalCluster};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
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
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// The pool, and the embedded cluster when Centric runs one.
pub struct Database {
    pub pool: PgPool,
    cluster: Option<LocalCluster>,
}

impl Database {
    /// Connects to `DATABASE_URL`, or starts (or attaches to) the embedded cluster.
    pub async fn open(settings: &DatabaseSettings) -> Result<Self, DbError> {
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
                cluster.ensure_database(DATABASE_NAME).await?;
                (cluster.connect_options(DATABASE_NAME), Some(cluster))
            }
        };
        let pool = pool_options(settings.pool_size)
            .connect_with(session_settings(options))
            .await
            .map_err(DbError::Connect)?;
        Ok(Self { pool, cluster })
    }

    /// Applies pending migrations; sqlx holds an advisory lock, so concurrent starts
    /// migrate once.
    pub async fn migrate(&self) -> Result<(), DbError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    pub fn cluster(&self) -> Option<&LocalCluster> {
        self.cluster.as_ref()
    }

    /// Closes the pool, then stops the embedded cluster if this process started it.
    pub async fn close(self) -> Result<(), DbError> {
        self.pool.close().await;
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

/// Per-connection settings: a name to find our connections by, and a statement timeout.
pub fn session_settings(options: PgConnectOptions) -> PgConnectOptions {
    options
        .application_name("centric")
        .options([("statement_timeout", "5s")])
}
