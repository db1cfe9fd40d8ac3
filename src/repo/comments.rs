//! The why: customers' detractor and passive comments attributed to a department —
//! through a touchpoint it owns, or a theme it owns — newest first, paged by keyset; and
//! detractor comments counted by month and theme.

use const_format::concatcp;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Comment {
    pub id: i64,
    pub score: i16,
    pub comment: String,
    pub submitted_at: OffsetDateTime,
    pub touchpoint: Option<String>,
    pub segment: Option<String>,
    /// Names of the themes it is tagged with.
    pub themes: Vec<String>,
}

/// Where a page of comments starts: after this (submitted_at, id), going back in time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    pub submitted_at: OffsetDateTime,
    pub id: i64,
}

const ATTRIBUTED: &str = r#"
    FROM responses r
    LEFT JOIN touchpoints t ON t.id = r.touchpoint_id
    WHERE r.survey_kind = 'customer' AND r.score <= 8 AND r.comment IS NOT NULL
      AND (t.owner_department_id = $1 OR EXISTS (
            SELECT 1 FROM response_themes rt
            WHERE rt.response_id = r.id
              AND rt.theme_id = ANY (ARRAY(SELECT th.id FROM themes th
                                         WHERE th.owner_department_id = $1 AND th.archived_at IS NULL))))
      AND ($2::uuid IS NULL OR EXISTS (
            SELECT 1 FROM response_themes rt WHERE rt.response_id = r.id AND rt.theme_id = $2))
      AND ($3::boolean IS NULL OR (r.score <= 6) = $3)
"#;

/// The names of the themes response `r` is tagged with, as column `themes`.
const THEME_NAMES: &str = r#"
    coalesce((SELECT array_agg(th.name ORDER BY th.name) FROM response_themes rt
              JOIN themes th ON th.id = rt.theme_id
              WHERE rt.response_id = r.id AND th.archived_at IS NULL), '{}') AS themes
"#;

/// A page of at most `limit` comments, newest first, after `cursor`. `detractors`
/// narrows to detractors (true) or passives (false).
#[tracing::instrument(skip_all)]
pub async fn page(
    pool: &PgPool,
    department: Uuid,
    theme: Option<Uuid>,
    detractors: Option<bool>,
    cursor: Option<Cursor>,
    limit: i64,
) -> Result<Vec<Comment>, sqlx::Error> {
    sqlx::query_as::<_, Comment>(concatcp!(
        r#"SELECT r.id, r.score, r.comment, r.submitted_at, t.name AS touchpoint, r.segment, "#,
        THEME_NAMES,
        ATTRIBUTED,
        r#"
             AND ($4::timestamptz IS NULL OR (r.submitted_at, r.id) < ($4, $5))
           ORDER BY r.submitted_at DESC, r.id DESC
           LIMIT $6"#
    ))
    .bind(department)
    .bind(theme)
    .bind(detractors)
    .bind(cursor.map(|c| c.submitted_at))
    .bind(cursor.map_or(0, |c| c.id))
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// How many comments the filter reaches (for "showing 50 of N").
#[tracing::instrument(skip_all)]
pub async fn count(
    pool: &PgPool,
    department: Uuid,
    theme: Option<Uuid>,
    detractors: Option<bool>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(concatcp!("SELECT count(*) ", ATTRIBUTED))
        .bind(department)
        .bind(theme)
        .bind(detractors)
        .fetch_one(pool)
        .await
}

/// How many comments are attributed to the department, counted no further than `cap`
/// (a page says "1,000+"): the count stops early instead of visiting every comment ever made.
#[tracing::instrument(skip_all)]
pub async fn count_up_to(pool: &PgPool, department: Uuid, cap: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(concatcp!(
        "SELECT count(*) FROM (SELECT 1 ",
        ATTRIBUTED,
        " LIMIT $4) capped"
    ))
    .bind(department)
    .bind(None::<Uuid>)
    .bind(None::<bool>)
    .bind(cap)
    .fetch_one(pool)
    .await
}

/// Themes that tag at least one of the department's comments (for the filter).
#[tracing::instrument(skip_all)]
pub async fn themes(pool: &PgPool, department: Uuid) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT th.id, th.name FROM themes th WHERE th.archived_at IS NULL
           AND (th.owner_department_id = $1 OR EXISTS (
                SELECT 1 FROM response_themes rt JOIN responses r ON r.id = rt.response_id
                JOIN touchpoints t ON t.id = r.touchpoint_id
                WHERE rt.theme_id = th.id AND t.owner_department_id = $1))
         ORDER BY lower(th.name)",
    )
    .bind(department)
    .fetch_all(pool)
    .await
}

/// Detractor comments of one local month: all customers' (no theme), or those tagged with
/// one theme.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ThemeMonth {
    /// None for all of the month's detractor comments.
    pub theme: Option<String>,
    /// None (with no comments) for a theme that tags none in the period.
    pub month: Option<Date>,
    pub comments: i64,
}

/// Customers' detractor comments over [from, to) (local days) by local month: in all, and
/// tagged with each theme `department` owns (every such theme at least once). All first,
/// then by theme and month.
#[tracing::instrument(skip_all)]
pub async fn detractors_by_owned_theme(
    pool: &PgPool,
    department: Uuid,
    from: Date,
    to: Date,
) -> Result<Vec<ThemeMonth>, sqlx::Error> {
    sqlx::query_as::<_, ThemeMonth>(
        r#"
        WITH bounds AS (
            SELECT zone, $1::date::timestamp AT TIME ZONE zone AS low, $2::date::timestamp AT TIME ZONE zone AS high
            FROM (SELECT coalesce((SELECT time_zone FROM organisation), 'UTC') AS zone) z
        ), detractors AS (
            SELECT r.id, date_trunc('month', r.submitted_at AT TIME ZONE (SELECT zone FROM bounds))::date AS month
            FROM responses r
            WHERE r.survey_kind = 'customer' AND r.score <= 6 AND r.comment IS NOT NULL
              AND r.submitted_at >= (SELECT low FROM bounds) AND r.submitted_at < (SELECT high FROM bounds)
        )
        SELECT NULL::text AS theme, month, count(*) AS comments FROM detractors GROUP BY month
        UNION ALL
        SELECT th.name, d.month, count(d.id)
        FROM themes th
        LEFT JOIN (response_themes rt JOIN detractors d ON d.id = rt.response_id) ON rt.theme_id = th.id
        WHERE th.owner_department_id = $3 AND th.archived_at IS NULL
        GROUP BY th.id, th.name, d.month
        ORDER BY theme NULLS FIRST, month
        "#,
    )
    .bind(from)
    .bind(to)
    .bind(department)
    .fetch_all(pool)
    .await
}

/// Whose detractor comments: a touchpoint's own, or a department's attributed ones (through
/// a touchpoint or a theme it owns, as above), by slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    Touchpoint(&'a str),
    Department(&'a str),
}

impl<'a> Scope<'a> {
    /// (touchpoint slug, department slug), one of them set.
    fn slugs(self) -> (Option<&'a str>, Option<&'a str>) {
        match self {
            Self::Touchpoint(slug) => (Some(slug), None),
            Self::Department(slug) => (None, Some(slug)),
        }
    }
}

/// The scopes as two parallel arrays of slugs ($4 touchpoints, $5 departments).
fn scope_slugs(scopes: &[Scope<'_>]) -> (Vec<Option<String>>, Vec<Option<String>>) {
    scopes
        .iter()
        .map(|scope| {
            let (touchpoint, department) = scope.slugs();
            (touchpoint.map(str::to_owned), department.map(str::to_owned))
        })
        .unzip()
}

/// Customers' detractor comments over [$1, $2) (local days), optionally of one segment
/// ($3), as `scoped(n, id, submitted_at)`: one row per scope it belongs to, the scopes
/// numbered from 1 in the order of $4 (touchpoint slugs) and $5 (department slugs). The
/// period's detractor comments are found once, through their own partial index, for all
/// scopes together: the cost grows with them, not with all responses or the scopes.
const SCOPED_DETRACTORS: &str = r#"
    WITH bounds AS (
        SELECT $1::date::timestamp AT TIME ZONE zone AS low, $2::date::timestamp AT TIME ZONE zone AS high
        FROM (SELECT coalesce((SELECT time_zone FROM organisation), 'UTC') AS zone) z
    ), detractors AS MATERIALIZED (
        SELECT r.id, r.touchpoint_id, r.submitted_at FROM responses r, bounds b
        WHERE r.survey_kind = 'customer' AND r.score <= 6 AND r.comment IS NOT NULL
          AND r.submitted_at >= b.low AND r.submitted_at < b.high
          AND ($3::text IS NULL OR r.segment = $3)
    ), scopes AS (
        SELECT s.n, s.touchpoint, d.id AS department
        FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS s(touchpoint, department_slug, n)
        LEFT JOIN departments d ON d.slug = s.department_slug
    ), scoped AS (
        SELECT s.n, r.id, r.submitted_at
        FROM scopes s
        JOIN touchpoints t ON t.slug = s.touchpoint OR t.owner_department_id = s.department
        JOIN detractors r ON r.touchpoint_id = t.id
        UNION
        SELECT s.n, r.id, r.submitted_at
        FROM scopes s
        JOIN themes th ON th.owner_department_id = s.department AND th.archived_at IS NULL
        JOIN response_themes rt ON rt.theme_id = th.id
        JOIN detractors r ON r.id = rt.response_id
    )
"#;

/// A theme and how many of a scope's detractor comments it tags.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ThemeCount {
    pub id: Uuid,
    pub name: String,
    pub comments: i64,
}

/// A row for the scope numbered `n` (from 1).
#[derive(sqlx::FromRow)]
struct OfScope<T> {
    n: i64,
    #[sqlx(flatten)]
    row: T,
}

/// Rows of numbered scopes, as one list per scope, in the scopes' order.
fn per_scope<T>(count: usize, rows: Vec<OfScope<T>>) -> Vec<Vec<T>> {
    let mut lists: Vec<Vec<T>> = (0..count).map(|_| Vec::new()).collect();
    for OfScope { n, row } in rows {
        if let Some(list) = usize::try_from(n - 1).ok().and_then(|i| lists.get_mut(i)) {
            list.push(row);
        }
    }
    lists
}

/// For each scope, the `limit` themes tagging most of its detractor comments over
/// [from, to) (local days), most first; in one query for all scopes.
#[tracing::instrument(skip_all, fields(scopes = scopes.len()))]
pub async fn top_detractor_themes(
    pool: &PgPool,
    scopes: &[Scope<'_>],
    segment: Option<&str>,
    from: Date,
    to: Date,
    limit: i64,
) -> Result<Vec<Vec<ThemeCount>>, sqlx::Error> {
    let (touchpoints, departments) = scope_slugs(scopes);
    let rows = sqlx::query_as::<_, OfScope<ThemeCount>>(concatcp!(
        SCOPED_DETRACTORS,
        r#"SELECT n, id, name, comments FROM (
               SELECT s.n, th.id, th.name, count(*) AS comments,
                      row_number() OVER (PARTITION BY s.n ORDER BY count(*) DESC, lower(th.name)) AS rank
               FROM scoped s JOIN response_themes rt ON rt.response_id = s.id
               JOIN themes th ON th.id = rt.theme_id AND th.archived_at IS NULL
               GROUP BY s.n, th.id, th.name
           ) ranked
           WHERE rank <= $6
           ORDER BY n, rank"#
    ))
    .bind(from)
    .bind(to)
    .bind(segment)
    .bind(touchpoints)
    .bind(departments)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(per_scope(scopes.len(), rows))
}

/// For each scope, the newest `limit` of its detractor comments over [from, to) tagged
/// with one of its `themes`; in one query for all scopes.
#[tracing::instrument(skip_all, fields(scopes = scopes.len()))]
pub async fn newest_detractors_with_themes(
    pool: &PgPool,
    scopes: &[(Scope<'_>, Vec<Uuid>)],
    segment: Option<&str>,
    from: Date,
    to: Date,
    limit: i64,
) -> Result<Vec<Vec<Comment>>, sqlx::Error> {
    let only: Vec<Scope<'_>> = scopes.iter().map(|(scope, _)| *scope).collect();
    let (touchpoints, departments) = scope_slugs(&only);
    // (scope number, theme) pairs.
    let (numbers, themes): (Vec<i64>, Vec<Uuid>) = (1i64..)
        .zip(scopes)
        .flat_map(|(n, (_, themes))| themes.iter().map(move |theme| (n, *theme)))
        .unzip();
    let rows = sqlx::query_as::<_, OfScope<Comment>>(concatcp!(
        SCOPED_DETRACTORS,
        "SELECT ranked.n, r.id, r.score, r.comment, r.submitted_at, t.name AS touchpoint, r.segment, ",
        THEME_NAMES,
        r#"FROM (
               SELECT s.n, s.id,
                      row_number() OVER (PARTITION BY s.n ORDER BY s.submitted_at DESC, s.id DESC) AS rank
               FROM scoped s
               WHERE EXISTS (SELECT 1 FROM response_themes rt
                             JOIN unnest($6::bigint[], $7::uuid[]) AS wanted(n, theme) ON wanted.theme = rt.theme_id
                             WHERE rt.response_id = s.id AND wanted.n = s.n)
           ) ranked
           JOIN responses r ON r.id = ranked.id
           LEFT JOIN touchpoints t ON t.id = r.touchpoint_id
           WHERE ranked.rank <= $8
           ORDER BY ranked.n, ranked.rank"#
    ))
    .bind(from)
    .bind(to)
    .bind(segment)
    .bind(touchpoints)
    .bind(departments)
    .bind(numbers)
    .bind(themes)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(per_scope(scopes.len(), rows))
}
