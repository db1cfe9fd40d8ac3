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
/// numbered from 1 in the order of $4 (touchpoint slugs) and $5 (department slugs). Only
/// the period's newest $8 are read, once, through their own partial index (newest first),
/// for all scopes together: the cost is bounded, whatever the period and the data size.
const SCOPED_DETRACTORS: &str = r#"
    WITH bounds AS (
        SELECT $1::date::timestamp AT TIME ZONE zone AS low, $2::date::timestamp AT TIME ZONE zone AS high
        FROM (SELECT coalesce((SELECT time_zone FROM organisation), 'UTC') AS zone) z
    ), detractors AS MATERIALIZED (
        SELECT r.id, r.touchpoint_id, r.submitted_at FROM responses r, bounds b
        WHERE r.survey_kind = 'customer' AND r.score <= 6 AND r.comment IS NOT NULL
          AND r.submitted_at >= b.low AND r.submitted_at < b.high
          AND ($3::text IS NULL OR r.segment = $3)
        ORDER BY r.submitted_at DESC
        LIMIT $8
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

/// What explains a scope's move: its top detractor themes and newest comments with them.
#[derive(Debug, Clone, Default)]
pub struct Explained {
    pub themes: Vec<ThemeCount>,
    pub comments: Vec<Comment>,
}

/// One row of `explain`: a top theme, or an example comment, of the scope numbered `n`.
#[derive(sqlx::FromRow)]
struct ExplainRow {
    n: i64,
    sampled: bool,
    theme_id: Option<Uuid>,
    theme_name: Option<String>,
    theme_comments: Option<i64>,
    id: Option<i64>,
    score: Option<i16>,
    comment: Option<String>,
    submitted_at: Option<OffsetDateTime>,
    touchpoint: Option<String>,
    segment: Option<String>,
    themes: Option<Vec<String>>,
}

/// The period's newest detractor comments `explain` reads at most. A company-wide period
/// can hold millions; the newest 20,000 tell which themes drive a move now, and reading
/// them costs the same at any data size.
pub const EXPLAIN_SAMPLE: i64 = 20_000;

/// For each scope, over [from, to) (local days): the `top` themes tagging most of its
/// detractor comments (most first), and its newest `examples` detractor comments tagged
/// with one of them; and whether the period held more detractor comments than the
/// `EXPLAIN_SAMPLE` newest read. One query for all scopes: the period's detractor comments
/// are found and tagged once.
#[tracing::instrument(skip_all, fields(scopes = scopes.len()))]
pub async fn explain(
    pool: &PgPool,
    scopes: &[Scope<'_>],
    segment: Option<&str>,
    from: Date,
    to: Date,
    top: i64,
    examples: i64,
) -> Result<(Vec<Explained>, bool), sqlx::Error> {
    let (touchpoints, departments) = scope_slugs(scopes);
    let rows = sqlx::query_as::<_, ExplainRow>(concatcp!(
        SCOPED_DETRACTORS,
        r#", tagged AS (
            SELECT s.n, s.id, s.submitted_at, th.id AS theme, th.name
            FROM scoped s JOIN response_themes rt ON rt.response_id = s.id
            JOIN themes th ON th.id = rt.theme_id AND th.archived_at IS NULL
        ), top AS (
            SELECT n, theme, name, comments, rank FROM (
                SELECT n, theme, name, count(*) AS comments,
                       row_number() OVER (PARTITION BY n ORDER BY count(*) DESC, lower(name)) AS rank
                FROM tagged GROUP BY n, theme, name
            ) ranked
            WHERE rank <= $6
        ), examples AS (
            SELECT n, id, rank FROM (
                SELECT n, id, row_number() OVER (PARTITION BY n ORDER BY submitted_at DESC, id DESC) AS rank
                FROM (SELECT DISTINCT t.n, t.id, t.submitted_at
                      FROM tagged t JOIN top ON top.n = t.n AND top.theme = t.theme) with_top_theme
            ) ranked
            WHERE rank <= $7
        )
        SELECT n, 0 AS part, rank, (SELECT count(*) FROM detractors) >= $8 AS sampled, theme AS theme_id, name AS theme_name, comments AS theme_comments,
               NULL::bigint AS id, NULL::smallint AS score, NULL::text AS comment,
               NULL::timestamptz AS submitted_at, NULL::text AS touchpoint, NULL::text AS segment,
               NULL::text[] AS themes
        FROM top
        UNION ALL
        SELECT e.n, 1, e.rank, (SELECT count(*) FROM detractors) >= $8, NULL, NULL, NULL, r.id, r.score, r.comment, r.submitted_at,
               t.name, r.segment, "#,
        THEME_NAMES,
        r#"FROM examples e JOIN responses r ON r.id = e.id
           LEFT JOIN touchpoints t ON t.id = r.touchpoint_id
           ORDER BY n, part, rank"#
    ))
    .bind(from)
    .bind(to)
    .bind(segment)
    .bind(touchpoints)
    .bind(departments)
    .bind(top)
    .bind(examples)
    .bind(EXPLAIN_SAMPLE)
    .fetch_all(pool)
    .await?;
    let sampled = rows.iter().any(|row| row.sampled);
    let mut explained = vec![Explained::default(); scopes.len()];
    for row in rows {
        let Some(scope) = usize::try_from(row.n - 1)
            .ok()
            .and_then(|i| explained.get_mut(i))
        else {
            continue;
        };
        match (
            row.theme_id,
            row.theme_name,
            row.id,
            row.comment,
            row.submitted_at,
        ) {
            (Some(id), Some(name), ..) => scope.themes.push(ThemeCount {
                id,
                name,
                comments: row.theme_comments.unwrap_or_default(),
            }),
            (_, _, Some(id), Some(comment), Some(submitted_at)) => scope.comments.push(Comment {
                id,
                score: row.score.unwrap_or_default(),
                comment,
                submitted_at,
                touchpoint: row.touchpoint,
                segment: row.segment,
                themes: row.themes.unwrap_or_default(),
            }),
            _ => {}
        }
    }
    Ok((explained, sampled))
}
