//! Page data computed once per filter and data version, then served from memory.
//!
//! A dashboard is tens of rollup queries; the same filter asked again with nothing changed
//! gets the same numbers. Each entry is keyed by the data version read when the request
//! began (`repo::data_version`), and every write moves that version on after it commits,
//! so a change is in the very next page anyone loads (read-your-writes), on every app
//! instance, since the version lives in PostgreSQL. Entries of old versions are never
//! read again and age out. Concurrent requests for the same missing entry compute it once.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;

use crate::error::AppError;
use crate::repo::data_version::DataVersion;

/// How many filters' data each page keeps, and for how long at most: time moves figures
/// too (today's date, overdue follow-ups), and a write made outside Centric moves no version.
const ENTRIES: u64 = 2_000;
const TIME_TO_LIVE: Duration = Duration::from_secs(60);

/// One page's data by (data version, filter key).
pub struct PageCache<T> {
    entries: Cache<(DataVersion, String), Arc<T>>,
}

impl<T: Send + Sync + 'static> Default for PageCache<T> {
    fn default() -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(ENTRIES)
                .time_to_live(TIME_TO_LIVE)
                .build(),
        }
    }
}

impl<T: Send + Sync + 'static> PageCache<T> {
    /// The data for `key` at `version`, loading it on a miss (once, however many ask).
    pub async fn get_or_load<F>(
        &self,
        version: DataVersion,
        key: String,
        load: F,
    ) -> Result<Arc<T>, AppError>
    where
        F: Future<Output = Result<T, AppError>>,
    {
        self.entries
            .try_get_with((version, key), async { load.await.map(Arc::new) })
            .await
            .map_err(AppError::from)
    }
}
