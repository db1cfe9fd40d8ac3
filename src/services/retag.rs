//! Re-tagging past comments after a theme changed, in the background: a worker takes the
//! oldest pending job and works through it a chunk at a time. Each chunk commits its tags
//! together with the job's progress, so progress is visible while it runs, a restart
//! resumes where it stopped, and several Centric instances share the work (a job's row
//! is locked by whoever works on it).

use std::time::Duration;

use sqlx::PgPool;

use crate::domain::Keywords;
use crate::repo::themes;

/// Comments per chunk: large enough to amortise a round trip, small enough that a
/// theme save waiting for the chunk's row lock waits well under a second.
const CHUNK: i64 = 2_000;
/// How often an idle worker looks for new jobs.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Works through one chunk of the oldest pending job. Returns false when there was
/// nothing to do.
pub async fn work_one_chunk(pool: &PgPool) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(job) = themes::claim_job(&mut tx).await? else {
        return Ok(false);
    };
    // An archived theme tags nothing; keywords that no longer parse (only possible by
    // editing the table by hand) leave the tags alone rather than wiping them.
    let keywords = match job.keywords.as_deref().map(Keywords::from_list) {
        None => None,
        Some(Ok(keywords)) => Some(keywords),
        Some(Err(invalid)) => {
            tracing::warn!(theme = %job.theme_id, %invalid, "theme keywords are unusable; not re-tagging");
            themes::advance_job(&mut tx, job.id, job.upto_response_id + 1, 0, 0).await?;
            tx.commit().await?;
            return Ok(true);
        }
    };
    let comments =
        themes::comments_from(&mut tx, job.next_response_id, job.upto_response_id, CHUNK).await?;
    // A short chunk is the last one: the job ends past its upper bound.
    let through = match comments.last() {
        Some((last, _)) if comments.len() as i64 == CHUNK => *last,
        _ => job.upto_response_id,
    };
    let tagged: Vec<i64> = comments
        .iter()
        .filter(|(_, comment)| keywords.as_ref().is_some_and(|k| k.matches(comment)))
        .map(|(id, _)| *id)
        .collect();
    themes::replace_tags(
        &mut tx,
        job.theme_id,
        (job.next_response_id, through),
        &tagged,
    )
    .await?;
    themes::advance_job(
        &mut tx,
        job.id,
        through + 1,
        comments.len() as i64,
        tagged.len() as i64,
    )
    .await?;
    tx.commit().await?;
    // Theme shares on the pages changed.
    crate::repo::data_version::bump(pool).await?;
    Ok(true)
}

/// Works until no job is pending (used by the worker, and by tests and the CLI to
/// finish the work at once).
pub async fn work_until_idle(pool: &PgPool) -> Result<(), sqlx::Error> {
    while work_one_chunk(pool).await? {}
    Ok(())
}

/// The background worker: runs for as long as the pool is open.
pub async fn worker(pool: PgPool) {
    while !pool.is_closed() {
        if let Err(error) = work_until_idle(&pool).await {
            tracing::warn!(%error, "re-tagging paused; retrying");
        }
        tokio::time::sleep(IDLE_POLL).await;
    }
}
