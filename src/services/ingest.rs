//! Storing responses, whatever their source (public survey, API, import): one
//! transaction per batch in which the rows, their rollup counts, their theme tags and the
//! follow-ups their detractors call for are written together.

use sqlx::PgConnection;

use crate::domain::Keywords;
use crate::repo::responses::{self, Counting, NewResponse, Stored};
use crate::repo::{follow_ups, themes};

/// Stores `rows` inside the caller's transaction, counted in the rollups at once;
/// duplicates (same `external_id` for a survey, same `submission_id`) are skipped.
/// Returns what was stored.
pub async fn store(
    tx: &mut PgConnection,
    rows: &[NewResponse],
) -> Result<Vec<Stored>, sqlx::Error> {
    store_counting(tx, rows, Counting::Now).await
}

/// `store`, with the rollup counting chosen by the caller (imports defer it).
pub async fn store_counting(
    tx: &mut PgConnection,
    rows: &[NewResponse],
    counting: Counting,
) -> Result<Vec<Stored>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let time_zone = responses::time_zone(tx).await?;
    let stored = responses::insert_batch(tx, rows, &time_zone, counting).await?;
    // Ordered against theme changes (see `themes::share_tagging_lock`).
    themes::share_tagging_lock(tx).await?;
    let themes: Vec<(uuid::Uuid, Keywords)> = themes::active(tx)
        .await?
        .into_iter()
        .filter_map(|theme| Some((theme.id, Keywords::from_list(&theme.keywords).ok()?)))
        .collect();
    let tags: Vec<(i64, uuid::Uuid)> = stored
        .iter()
        .filter_map(|row| Some((row.id, row.comment.as_deref()?)))
        .flat_map(|(id, comment)| {
            themes
                .iter()
                .filter(move |(_, keywords)| keywords.matches(comment))
                .map(move |(theme, _)| (id, *theme))
        })
        .collect();
    responses::tag(tx, &tags).await?;
    // Tags first: a theme's owner is one of the departments a detractor concerns.
    let ids: Vec<i64> = stored.iter().map(|row| row.id).collect();
    follow_ups::raise_for(tx, &ids).await?;
    Ok(stored)
}
