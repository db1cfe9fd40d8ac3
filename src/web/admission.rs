//! Admission of dashboard computations. A page whose data is not cached runs tens of
//! queries; beyond what the pool can serve at once, more such computations only queue
//! for connections until every one of them is slow. So at most a few per pool connection
//! run at a time, and a request beyond that gets a fast 503 with Retry-After instead of
//! joining an unbounded queue. Pages served from the cache are never held back.

use std::future::Future;
use std::sync::Arc;
use tokio::sync::Semaphore;

use crate::error::AppError;

#[derive(Clone, Debug)]
pub struct Admission(Arc<Semaphore>);

impl Admission {
    /// Two computations per pool connection: one running queries, one between them.
    pub fn for_pool(connections: u32) -> Self {
        Self(Arc::new(Semaphore::new(connections.max(1) as usize * 2)))
    }

    /// Runs `work` if there is room, else answers "busy" at once.
    pub async fn admit<T>(
        &self,
        work: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        let Ok(_permit) = self.0.try_acquire() else {
            return Err(AppError::Busy);
        };
        work.await
    }
}
