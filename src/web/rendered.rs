//! Whole rendered pages, kept per person, address and data version.
//!
//! The executive dashboard is over 100 KB of HTML with hundreds of formatted numbers in its
//! charts: rendering it costs more than everything else a request with cached data does.
//! The same person asking for the same address at the same data version (and day) gets the
//! same bytes, so they are kept, within a memory budget, and served as they are. The key
//! holds the person, so nobody is served a page rendered for someone else; like the page
//! data (`services::page_cache`), a write moves the version on and the next request renders
//! afresh.

use std::future::Future;

use axum::body::Bytes;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, Response};

use crate::error::AppError;
use crate::services::page_cache::PageCache;
use crate::web::caller::Caller;
use crate::web::freshness::Reader;

/// At most this many bytes of pages are kept (a dashboard is about 115 KB).
const BUDGET_BYTES: u64 = 32 * 1024 * 1024;

struct Rendered {
    status: StatusCode,
    body: Bytes,
}

pub struct RenderedPages {
    pages: PageCache<Rendered>,
}

impl Default for RenderedPages {
    fn default() -> Self {
        Self {
            pages: PageCache::with_budget(BUDGET_BYTES, |page| page.body.len()),
        }
    }
}

impl RenderedPages {
    /// The page at `uri` as rendered for this caller at the reader's data version, rendering
    /// it on a miss (once, however many ask). Only signed-in people's pages are kept.
    pub async fn get_or_render<F>(
        &self,
        reader: &Reader,
        caller: &Caller,
        uri: &Uri,
        render: F,
    ) -> Result<Response, AppError>
    where
        F: Future<Output = Result<(StatusCode, Html<String>), AppError>>,
    {
        let Some(user) = caller.user() else {
            return Ok(reader.mark(render.await?));
        };
        let key = format!("{}|{}|{uri}", user.id, reader.snapshot.today);
        let page = self
            .pages
            .get_or_load(reader.snapshot.version, key, async {
                let (status, Html(body)) = render.await?;
                Ok(Rendered {
                    status,
                    body: Bytes::from(body),
                })
            })
            .await?;
        Ok(reader.mark((page.status, Html(page.body.clone()))))
    }
}
