//! Themes: keywords that route a comment to the department that can fix its cause; and
//! the jobs that re-tag past comments after a theme changed.

use const_format::concatcp;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

/// The unique index that makes a theme's name (in any case) name one theme.
pub const NAME_KEY: &str = "themes_name_key";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThemeKeywords {
    pub id: Uuid,
    pub keywords: Vec<String>,
}

/// Every theme in use, with its keywords (for tagging new comments).
#[tracing::instrument(skip_all)]
pub async fn active(conn: &mut PgConnection) -> Result<Vec<ThemeKeywords>, sqlx::Error> {
    sqlx::query_as::<_, ThemeKeywords>(
        "SELECT id, keywords FROM themes WHERE archived_at IS NULL ORDER BY name",
    )
    .fetch_all(conn)
    .await
}

/// A theme as the CX lead sees and edits it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Theme {
    pub id: Uuid,
    pub name: String,
    pub keywords: Vec<String>,
    pub owner_department_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub archived: bool,
    pub version: i32,
    /// Comments tagged with it now.
    pub tagged: i64,
}

const THEME_COLUMNS: &str = r#"
    t.id, t.name, t.keywords, t.owner_department_id, d.name AS owner_name,
    t.archived_at IS NOT NULL AS archived, t.version,
    (SELECT count(*) FROM response_themes rt WHERE rt.theme_id = t.id) AS tagged
    FROM themes t LEFT JOIN departments d ON d.id = t.owner_department_id
"#;

/// Every theme, in use first, then by name.
#[tracing::instrument(skip_all)]
pub async fn list(pool: &PgPool) -> Result<Vec<Theme>, sqlx::Error> {
    sqlx::query_as::<_, Theme>(concatcp!(
        "SELECT ",
        THEME_COLUMNS,
        " ORDER BY t.archived_at IS NOT NULL, lower(t.name)"
    ))
    .fetch_all(pool)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<Theme>, sqlx::Error> {
    sqlx::query_as::<_, Theme>(concatcp!("SELECT ", THEME_COLUMNS, " WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// What a theme is made of, as saved.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ThemeFields {
    pub name: String,
    pub keywords: Vec<String>,
    pub owner_department_id: Option<Uuid>,
}

#[tracing::instrument(skip_all)]
pub async fn insert(conn: &mut PgConnection, fields: &ThemeFields) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO themes (name, keywords, owner_department_id) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(&fields.name)
    .bind(&fields.keywords)
    .bind(fields.owner_department_id)
    .fetch_one(conn)
    .await
}

/// A theme as stored, locked for an update.
#[derive(Debug, Clone)]
pub struct LockedTheme {
    pub fields: ThemeFields,
    pub archived: bool,
    pub version: i32,
}

/// The theme as it is now, locked until the transaction ends (for an update that
/// compares versions and records the before-image). `NO KEY UPDATE`, so that a re-tagging
/// chunk inserting tags (whose foreign key check share-locks the theme's key) is not
/// blocked by a save that in turn waits for that chunk's job row.
#[tracing::instrument(skip_all)]
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Option<LockedTheme>, sqlx::Error> {
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT name, keywords, owner_department_id, archived_at IS NOT NULL AS archived, version
         FROM themes WHERE id = $1 FOR NO KEY UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(LockedTheme {
            fields: ThemeFields {
                name: row.try_get("name")?,
                keywords: row.try_get("keywords")?,
                owner_department_id: row.try_get("owner_department_id")?,
            },
            archived: row.try_get("archived")?,
            version: row.try_get("version")?,
        })
    })
    .transpose()
}

/// Saves new fields and archive state; returns the new version.
#[tracing::instrument(skip_all)]
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    fields: &ThemeFields,
    archived: bool,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE themes SET name = $2, keywords = $3, owner_department_id = $4,
                archived_at = CASE WHEN $5 THEN coalesce(archived_at, now()) END,
                version = version + 1
         WHERE id = $1 RETURNING version",
    )
    .bind(id)
    .bind(&fields.name)
    .bind(&fields.keywords)
    .bind(fields.owner_department_id)
    .bind(archived)
    .fetch_one(conn)
    .await
}

/// The most recent comments, newest first (for previews).
#[tracing::instrument(skip_all)]
pub async fn recent_comments(pool: &PgPool, limit: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT comment FROM responses WHERE comment IS NOT NULL ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The advisory lock that orders tagging against theme changes: storing responses holds
/// it shared from reading the themes until commit; a theme change takes it exclusively
/// before queueing its re-tagging, so every response stored with the old keywords is
/// committed, and inside the job's range, by then.
const TAGGING_LOCK: i64 = 0x7468_656d_6573; // "themes"

/// Taken by every transaction that tags responses, before it reads the themes.
#[tracing::instrument(skip_all)]
pub async fn share_tagging_lock(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock_shared($1)")
        .bind(TAGGING_LOCK)
        .execute(conn)
        .await?;
    Ok(())
}

/// Taken by a theme change; waits at most `wait` for responses being stored (a large
/// import holds the lock for its whole transaction). False when it timed out.
#[tracing::instrument(skip_all)]
pub async fn exclude_tagging(conn: &mut PgConnection, wait: &str) -> Result<bool, sqlx::Error> {
    sqlx::query("SELECT set_config('lock_timeout', $1, true)")
        .bind(wait)
        .execute(&mut *conn)
        .await?;
    match sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(TAGGING_LOCK)
        .execute(&mut *conn)
        .await
    {
        Ok(_) => {}
        // 55P03: lock_not_available.
        Err(error)
            if error.as_database_error().and_then(|e| e.code()).as_deref() == Some("55P03") =>
        {
            return Ok(false);
        }
        Err(error) => return Err(error),
    }
    sqlx::query("SELECT set_config('lock_timeout', '0', true)")
        .execute(conn)
        .await?;
    Ok(true)
}

/// Queues re-tagging of every comment stored so far for `theme` at `version`, and
/// supersedes any earlier job for it still under way.
#[tracing::instrument(skip_all)]
pub async fn enqueue_retag(
    conn: &mut PgConnection,
    theme: Uuid,
    version: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE theme_retag_jobs SET status = 'superseded', finished_at = now()
         WHERE theme_id = $1 AND status IN ('queued', 'running')",
    )
    .bind(theme)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO theme_retag_jobs (theme_id, theme_version, upto_response_id, total)
         SELECT $1, $2, coalesce(max(id), 0), count(*) FROM responses WHERE comment IS NOT NULL",
    )
    .bind(theme)
    .bind(version)
    .execute(conn)
    .await?;
    Ok(())
}

/// A re-tagging job, as progress is shown.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RetagJob {
    pub id: i64,
    pub theme_id: Uuid,
    pub status: String,
    pub total: i64,
    pub done: i64,
    pub tagged: i64,
    pub created_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

impl RetagJob {
    /// Whole per cent done.
    pub fn percent(&self) -> i64 {
        if self.total == 0 {
            100
        } else {
            (self.done * 100 / self.total).min(100)
        }
    }

    pub fn is_pending(&self) -> bool {
        matches!(self.status.as_str(), "queued" | "running")
    }
}

/// The latest job of every theme that has one.
#[tracing::instrument(skip_all)]
pub async fn latest_jobs(pool: &PgPool) -> Result<Vec<RetagJob>, sqlx::Error> {
    sqlx::query_as::<_, RetagJob>(
        "SELECT DISTINCT ON (theme_id) id, theme_id, status, total, done, tagged, created_at, finished_at
         FROM theme_retag_jobs ORDER BY theme_id, id DESC",
    )
    .fetch_all(pool)
    .await
}

/// The next chunk of a pending job, claimed (row-locked, skipping jobs another worker
/// holds) until the transaction ends.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: i64,
    pub theme_id: Uuid,
    pub next_response_id: i64,
    pub upto_response_id: i64,
    /// The theme's keywords, or None when it is archived (it then tags nothing).
    pub keywords: Option<Vec<String>>,
}

#[tracing::instrument(skip_all)]
pub async fn claim_job(conn: &mut PgConnection) -> Result<Option<ClaimedJob>, sqlx::Error> {
    sqlx::query_as::<_, ClaimedJob>(
        "SELECT j.id, j.theme_id, j.next_response_id, j.upto_response_id,
                CASE WHEN t.archived_at IS NULL THEN t.keywords END AS keywords
         FROM theme_retag_jobs j JOIN themes t ON t.id = j.theme_id
         WHERE j.status IN ('queued', 'running')
         ORDER BY j.id LIMIT 1
         FOR UPDATE OF j SKIP LOCKED",
    )
    .fetch_optional(conn)
    .await
}

/// Commented responses with ids from `from` up to `upto`, in id order, at most `limit`,
/// key-share locked first: a concurrent delete of one of them then waits for the chunk
/// instead of deadlocking with its tag rows.
#[tracing::instrument(skip_all)]
pub async fn comments_from(
    conn: &mut PgConnection,
    from: i64,
    upto: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, comment FROM responses
         WHERE comment IS NOT NULL AND id >= $1 AND id <= $2 ORDER BY id LIMIT $3
         FOR KEY SHARE",
    )
    .bind(from)
    .bind(upto)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Replaces `theme`'s tags on responses with ids in `from..=through` by `tagged`.
#[tracing::instrument(skip_all)]
pub async fn replace_tags(
    conn: &mut PgConnection,
    theme: Uuid,
    (from, through): (i64, i64),
    tagged: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM response_themes WHERE theme_id = $1 AND response_id BETWEEN $2 AND $3",
    )
    .bind(theme)
    .bind(from)
    .bind(through)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO response_themes (response_id, theme_id)
         SELECT unnest($1::bigint[]), $2 ON CONFLICT DO NOTHING",
    )
    .bind(tagged)
    .bind(theme)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a chunk's progress; the job is done when `next_response_id` passed its end.
#[tracing::instrument(skip_all)]
pub async fn advance_job(
    conn: &mut PgConnection,
    job: i64,
    next_response_id: i64,
    looked_at: i64,
    tagged: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE theme_retag_jobs
         SET next_response_id = $2, done = done + $3, tagged = tagged + $4,
             started_at = coalesce(started_at, now()),
             status = CASE WHEN $2 > upto_response_id THEN 'done' ELSE 'running' END,
             finished_at = CASE WHEN $2 > upto_response_id THEN now() END
         WHERE id = $1",
    )
    .bind(job)
    .bind(next_response_id)
    .bind(looked_at)
    .bind(tagged)
    .execute(conn)
    .await?;
    Ok(())
}
