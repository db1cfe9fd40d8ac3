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
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use moka::future::Cache;

use crate::error::AppError;
use crate::repo::data_version::DataVersion;

/// How many filters' data each page keeps, and for how long it is fresh: time moves figures
/// too (today's date, overdue follow-ups), and a write made outside Centric moves no version.
const ENTRIES: u64 = 2_000;
const FRESH_FOR: Duration = Duration::from_secs(60);
/// An entry nobody asked for in this long is dropped rather than served stale.
const KEPT_FOR: Duration = Duration::from_secs(600);

/// One computed value and whether a request is computing its successor.
struct Entry<T> {
    value: Arc<T>,
    computed: Instant,
    refreshing: AtomicBool,
}

impl<T> Entry<T> {
    fn new(value: T) -> Arc<Self> {
        Arc::new(Self {
            value: Arc::new(value),
            computed: Instant::now(),
            refreshing: AtomicBool::new(false),
        })
    }
}

/// Marks an entry as being recomputed until dropped.
struct Refreshing<'a>(&'a AtomicBool);

impl Drop for Refreshing<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

type Entries<T> = Cache<(DataVersion, String), Arc<Entry<T>>>;
type Builder<T> = moka::future::CacheBuilder<(DataVersion, String), Arc<Entry<T>>, Entries<T>>;

/// One page's data by (data version, filter key).
pub struct PageCache<T> {
    entries: Entries<T>,
    fresh_for: Duration,
}

impl<T: Send + Sync + 'static> Default for PageCache<T> {
    fn default() -> Self {
        Self::new(Cache::builder().max_capacity(ENTRIES), FRESH_FOR)
    }
}

impl<T: Send + Sync + 'static> PageCache<T> {
    fn new(builder: Builder<T>, fresh_for: Duration) -> Self {
        Self {
            entries: builder.time_to_idle(KEPT_FOR).build(),
            fresh_for,
        }
    }

    /// A cache holding at most `budget` bytes, each value weighing `weigh(value)`.
    pub fn with_budget(budget: u64, weigh: fn(&T) -> usize) -> Self {
        Self::new(
            Cache::builder()
                .weigher(move |key: &(DataVersion, String), entry: &Arc<Entry<T>>| {
                    u32::try_from(key.1.len() + weigh(&entry.value)).unwrap_or(u32::MAX)
                })
                .max_capacity(budget),
            FRESH_FOR,
        )
    }

    /// The data for `key` at `version`, loading it on a miss (once, however many ask). An
    /// entry older than its time to live is recomputed by the first request to find it;
    /// the others meanwhile get it as it was, rather than all waiting for the one load.
    pub async fn get_or_load<F>(
        &self,
        version: DataVersion,
        key: String,
        load: F,
    ) -> Result<Arc<T>, AppError>
    where
        F: Future<Output = Result<T, AppError>>,
    {
        // On the heap: a page's load is a large future, awaited in one of two places here.
        let load = Box::pin(load);
        let key = (version, key);
        if let Some(entry) = self.entries.get(&key).await {
            if entry.computed.elapsed() < self.fresh_for
                || entry.refreshing.swap(true, Ordering::AcqRel)
            {
                return Ok(entry.value.clone());
            }
            // Should this request fail or be dropped, the next one recomputes instead.
            let _refreshing = Refreshing(&entry.refreshing);
            let fresh = Entry::new(load.await?);
            self.entries.insert(key, fresh.clone()).await;
            return Ok(fresh.value.clone());
        }
        self.entries
            .try_get_with(key, async { load.await.map(Entry::new) })
            .await
            .map(|entry| entry.value.clone())
            .map_err(AppError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERSION: DataVersion = DataVersion {
        version: 1,
        started: 1,
    };

    fn short_lived() -> PageCache<u32> {
        PageCache::new(Cache::builder().max_capacity(10), Duration::from_millis(50))
    }

    /// A cache holding 1 under "k", past its freshness.
    async fn expired() -> PageCache<u32> {
        let cache = short_lived();
        cache
            .get_or_load(VERSION, "k".into(), async { Ok(1) })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(60)).await;
        cache
    }

    #[tokio::test]
    async fn a_fresh_entry_is_served_without_loading() {
        let cache = short_lived();
        let first = cache
            .get_or_load(VERSION, "k".into(), async { Ok(1) })
            .await;
        let again = cache
            .get_or_load(VERSION, "k".into(), async {
                panic!("fresh: not loaded again")
            })
            .await;
        assert_eq!((*first.unwrap(), *again.unwrap()), (1, 1));
    }

    #[tokio::test]
    async fn an_expired_entry_is_recomputed_by_one_request_while_the_others_get_the_old_one() {
        let cache = Arc::new(expired().await);
        let release = Arc::new(tokio::sync::Notify::new());
        let refresher = tokio::spawn({
            let (cache, release) = (cache.clone(), release.clone());
            async move {
                let load = async move {
                    release.notified().await;
                    Ok(2)
                };
                *cache.get_or_load(VERSION, "k".into(), load).await.unwrap()
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        // While the refresher loads, another request gets the old value at once.
        let meanwhile = cache
            .get_or_load(VERSION, "k".into(), async {
                panic!("only one request recomputes")
            })
            .await
            .unwrap();
        assert_eq!(*meanwhile, 1);
        release.notify_one();
        assert_eq!(refresher.await.unwrap(), 2);
        let after = cache
            .get_or_load(VERSION, "k".into(), async { panic!("fresh again") })
            .await
            .unwrap();
        assert_eq!(*after, 2);
    }

    #[tokio::test]
    async fn a_recomputation_dropped_halfway_leaves_the_next_request_to_try_again() {
        let cache = expired().await;
        let never = cache.get_or_load(VERSION, "k".into(), std::future::pending());
        assert!(
            tokio::time::timeout(Duration::from_millis(10), never)
                .await
                .is_err()
        );
        let retried = cache
            .get_or_load(VERSION, "k".into(), async { Ok(4) })
            .await
            .unwrap();
        assert_eq!(*retried, 4);
    }

    #[tokio::test]
    async fn a_failed_recomputation_leaves_the_next_request_to_try_again() {
        let cache = expired().await;
        let failed = cache
            .get_or_load(VERSION, "k".into(), async { Err(AppError::NotFound) })
            .await;
        assert!(failed.is_err());
        let retried = cache
            .get_or_load(VERSION, "k".into(), async { Ok(3) })
            .await
            .unwrap();
        assert_eq!(*retried, 3);
    }
}
