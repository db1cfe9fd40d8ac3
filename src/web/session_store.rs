//! Session records in PostgreSQL, with those read at the current data version kept in
//! memory.
//!
//! Every signed-in request needs its session record, and a round trip to PostgreSQL for it
//! on every page view is most of what a cached dashboard costs. A record read (or written)
//! while the data version is *v* is served from memory for as long as the version stays
//! *v*. Whatever ends or changes a session from elsewhere (logging out, a password change,
//! an account disabled, a login on another app instance) is a write, which moves the version
//! on, so from the next request every instance reads the record afresh. Requests whose
//! version is not known (`freshness::snapshot_first` did not run) always read PostgreSQL.

use async_trait::async_trait;
use moka::future::Cache;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::Result;
use tower_sessions_sqlx_store::PostgresStore;

use crate::repo::data_version::DataVersion;
use crate::web::freshness;

/// Records of at most this many sessions are kept (a few hundred bytes each), each for at
/// most a minute: a change made outside Centric moves no version.
const RECORDS: u64 = 10_000;
const TIME_TO_LIVE: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct CachedSessionStore {
    store: PostgresStore,
    records: Cache<(DataVersion, Id), Record>,
}

impl CachedSessionStore {
    pub fn new(store: PostgresStore) -> Self {
        Self {
            store,
            records: Cache::builder()
                .max_capacity(RECORDS)
                .time_to_live(TIME_TO_LIVE)
                .build(),
        }
    }

    async fn remember(&self, record: &Record) {
        if let Some(version) = freshness::request_version() {
            self.records
                .insert((version, record.id), record.clone())
                .await;
        }
    }
}

#[async_trait]
impl SessionStore for CachedSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        self.store.create(record).await?;
        self.remember(record).await;
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.store.save(record).await?;
        self.remember(record).await;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some(version) = freshness::request_version() else {
            return self.store.load(id).await;
        };
        if let Some(record) = self.records.get(&(version, *id)).await
            && record.expiry_date > time::OffsetDateTime::now_utc()
        {
            return Ok(Some(record));
        }
        let record = self.store.load(id).await?;
        match &record {
            Some(record) => self.records.insert((version, *id), record.clone()).await,
            None => self.records.invalidate(&(version, *id)).await,
        }
        Ok(record)
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.store.delete(id).await?;
        if let Some(version) = freshness::request_version() {
            self.records.invalidate(&(version, *id)).await;
        }
        Ok(())
    }
}
