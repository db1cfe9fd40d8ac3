//! Surveys as the CX lead configures them: the searchable list, one survey with what its
//! form and share panel need, and the writes (create, edit, close, archive), each taking
//! the transaction that also records the audit entry.

use const_format::concatcp;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

/// The unique indexes that make a name (in any case) and a slug name one survey.
pub const NAME_KEY: &str = "surveys_name_key";
pub const SLUG_KEY: &str = "surveys_slug_key";

/// Whether people can answer now, as a word the pages and CSS use.
const STATUS: &str = r#"
    CASE WHEN s.closed_at IS NOT NULL AND s.closed_at <= now() THEN 'closed'
         WHEN s.opens_at > now() THEN 'scheduled'
         ELSE 'open' END"#;

/// What the list shows and filters by.
#[derive(Debug, Default, Clone)]
pub struct SurveyFilter {
    /// Part of the name or slug, any case.
    pub search: Option<String>,
    /// Archived surveys are left out unless asked for.
    pub include_archived: bool,
}

/// A survey in the list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SurveyRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub touchpoint: Option<String>,
    pub rated_department: Option<String>,
    /// `open`, `closed` or `scheduled`.
    pub status: String,
    pub archived: bool,
    /// Answers counted in the daily rollups over the last 30 days (cheap: O(days)).
    pub responses_30_days: i64,
}

const FILTER: &str = r#"
    ($1::text IS NULL
        OR s.name ILIKE '%' || replace(replace(replace($1, '\', '\\'), '%', '\%'), '_', '\_') || '%'
        OR s.slug::text ILIKE '%' || replace(replace(replace($1, '\', '\\'), '%', '\%'), '_', '\_') || '%')
    AND ($2 OR s.archived_at IS NULL)"#;

/// One page of surveys: in use first, then by name.
#[tracing::instrument(skip_all)]
pub async fn list(
    pool: &PgPool,
    filter: &SurveyFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<SurveyRow>, sqlx::Error> {
    sqlx::query_as::<_, SurveyRow>(concatcp!(
        r#"
        SELECT s.id, s.slug::text, s.name, s.kind, t.name AS touchpoint, d.name AS rated_department,
               "#,
        STATUS,
        r#" AS status, s.archived_at IS NOT NULL AS archived,
               coalesce((SELECT sum(r.promoters + r.passives + r.detractors)
                         FROM response_rollups_daily r
                         WHERE r.survey_id = s.id AND r.day >= $3), 0)::bigint AS responses_30_days
        FROM surveys s
        LEFT JOIN touchpoints t ON t.id = s.touchpoint_id
        LEFT JOIN departments d ON d.id = s.rated_department_id
        WHERE "#,
        FILTER,
        r#"
        ORDER BY s.archived_at IS NOT NULL, lower(s.name), s.id
        OFFSET $4 LIMIT $5
        "#
    ))
    .bind(filter.search.as_deref())
    .bind(filter.include_archived)
    .bind(OffsetDateTime::now_utc().date() - time::Duration::days(30))
    .bind(offset)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// How many surveys the filter matches (for paging).
#[tracing::instrument(skip_all)]
pub async fn count(pool: &PgPool, filter: &SurveyFilter) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(concatcp!("SELECT count(*) FROM surveys s WHERE ", FILTER))
        .bind(filter.search.as_deref())
        .bind(filter.include_archived)
        .fetch_one(pool)
        .await
}

/// One survey as its edit page shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdminSurvey {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub public_token: String,
    pub question: String,
    pub touchpoint_id: Option<Uuid>,
    pub touchpoint: Option<String>,
    pub rated_department_id: Option<Uuid>,
    pub rated_department: Option<String>,
    pub min_sample: Option<i32>,
    pub opens_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub status: String,
    pub archived: bool,
    pub version: i32,
    /// Every answer stored for it.
    pub responses: i64,
}

#[tracing::instrument(skip_all)]
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<AdminSurvey>, sqlx::Error> {
    sqlx::query_as::<_, AdminSurvey>(concatcp!(r#"
        SELECT s.id, s.slug::text, s.name, s.kind, s.public_token, s.question,
               s.touchpoint_id, t.name AS touchpoint, s.rated_department_id, d.name AS rated_department,
               s.min_sample, s.opens_at, s.closed_at, "#, STATUS, r#" AS status,
               s.archived_at IS NOT NULL AS archived, s.version,
               coalesce((SELECT sum(r.promoters + r.passives + r.detractors)
                         FROM response_rollups_daily r WHERE r.survey_id = s.id), 0)::bigint AS responses
        FROM surveys s
        LEFT JOIN touchpoints t ON t.id = s.touchpoint_id
        LEFT JOIN departments d ON d.id = s.rated_department_id
        WHERE s.id = $1
        "#))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// What a survey's form changes, as saved (and recorded in the audit log).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SurveyFields {
    pub name: String,
    pub question: String,
    pub touchpoint_id: Option<Uuid>,
    pub rated_department_id: Option<Uuid>,
    pub min_sample: Option<i32>,
}

/// A new survey: its fields plus what is fixed at creation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewSurvey {
    pub slug: String,
    pub kind: String,
    #[serde(skip)]
    pub public_token: String,
    #[serde(flatten)]
    pub fields: SurveyFields,
}

#[tracing::instrument(skip_all)]
pub async fn insert(conn: &mut PgConnection, survey: &NewSurvey) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO surveys (slug, name, kind, public_token, question, touchpoint_id, rated_department_id, min_sample)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&survey.slug)
    .bind(&survey.fields.name)
    .bind(&survey.kind)
    .bind(&survey.public_token)
    .bind(&survey.fields.question)
    .bind(survey.fields.touchpoint_id)
    .bind(survey.fields.rated_department_id)
    .bind(survey.fields.min_sample)
    .fetch_one(conn)
    .await
}

/// A survey as stored, locked for a change.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LockedSurvey {
    pub slug: String,
    pub kind: String,
    #[serde(flatten)]
    pub fields: SurveyFields,
    pub closed: bool,
    pub archived: bool,
    #[serde(skip)]
    pub version: i32,
    /// Whether any answer is stored for it.
    #[serde(skip)]
    pub has_responses: bool,
}

/// The survey as it is now, locked until the transaction ends. `NO KEY UPDATE`, so that
/// answers being stored meanwhile (whose foreign key check key-share locks the survey)
/// are not held up.
#[tracing::instrument(skip_all)]
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Option<LockedSurvey>, sqlx::Error> {
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT slug::text AS slug, kind, name, question, touchpoint_id, rated_department_id, min_sample,
                closed_at IS NOT NULL AND closed_at <= now() AS closed,
                archived_at IS NOT NULL AS archived, version,
                EXISTS (SELECT 1 FROM responses r WHERE r.survey_id = s.id) AS has_responses
         FROM surveys s WHERE id = $1 FOR NO KEY UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(LockedSurvey {
            slug: row.try_get("slug")?,
            kind: row.try_get("kind")?,
            fields: SurveyFields {
                name: row.try_get("name")?,
                question: row.try_get("question")?,
                touchpoint_id: row.try_get("touchpoint_id")?,
                rated_department_id: row.try_get("rated_department_id")?,
                min_sample: row.try_get("min_sample")?,
            },
            closed: row.try_get("closed")?,
            archived: row.try_get("archived")?,
            version: row.try_get("version")?,
            has_responses: row.try_get("has_responses")?,
        })
    })
    .transpose()
}

/// Saves the form's fields; returns the new version.
#[tracing::instrument(skip_all)]
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    fields: &SurveyFields,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE surveys SET name = $2, question = $3, touchpoint_id = $4, rated_department_id = $5,
                min_sample = $6, version = version + 1
         WHERE id = $1 RETURNING version",
    )
    .bind(id)
    .bind(&fields.name)
    .bind(&fields.question)
    .bind(fields.touchpoint_id)
    .bind(fields.rated_department_id)
    .bind(fields.min_sample)
    .fetch_one(conn)
    .await
}

/// Closes a survey now (a survey not yet open then counts as opened now, since it
/// cannot close before it opens) or opens it again; returns the new version.
#[tracing::instrument(skip_all)]
pub async fn set_closed(
    conn: &mut PgConnection,
    id: Uuid,
    closed: bool,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE surveys SET
                opens_at = CASE WHEN $2 THEN least(opens_at, now()) ELSE opens_at END,
                closed_at = CASE WHEN $2 THEN now() END,
                version = version + 1
         WHERE id = $1 RETURNING version",
    )
    .bind(id)
    .bind(closed)
    .fetch_one(conn)
    .await
}

/// Archives a survey (hidden from lists, its link answers "not found"; every answer is
/// kept) or brings it back; returns the new version.
#[tracing::instrument(skip_all)]
pub async fn set_archived(
    conn: &mut PgConnection,
    id: Uuid,
    archived: bool,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE surveys SET archived_at = CASE WHEN $2 THEN coalesce(archived_at, now()) END,
                version = version + 1
         WHERE id = $1 RETURNING version",
    )
    .bind(id)
    .bind(archived)
    .fetch_one(conn)
    .await
}

/// Another survey holding a name or slug: whether it is archived (so the message can say
/// where to look), or None when the value is free.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow)]
pub struct Clashes {
    pub name: Option<bool>,
    pub slug: Option<bool>,
}

/// Which of `name` (any case) and `slug` another survey than `except` already has.
#[tracing::instrument(skip_all)]
pub async fn clashes(
    pool: &PgPool,
    name: &str,
    slug: Option<&str>,
    except: Option<Uuid>,
) -> Result<Clashes, sqlx::Error> {
    sqlx::query_as::<_, Clashes>(
        "SELECT (SELECT archived_at IS NOT NULL FROM surveys
                 WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $3 LIMIT 1) AS name,
                (SELECT archived_at IS NOT NULL FROM surveys
                 WHERE slug::text = $2 AND id IS DISTINCT FROM $3 LIMIT 1) AS slug",
    )
    .bind(name)
    .bind(slug)
    .bind(except)
    .fetch_one(pool)
    .await
}

/// A touchpoint or department a survey may point at.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Choice {
    pub id: Uuid,
    pub name: String,
    /// The journey stage (touchpoints) or nothing (departments).
    pub stage: Option<String>,
}

/// Active touchpoints in journey order, plus `current` even if it has been archived
/// since (so editing a survey never silently drops it).
#[tracing::instrument(skip_all)]
pub async fn touchpoint_choices(
    pool: &PgPool,
    current: Option<Uuid>,
) -> Result<Vec<Choice>, sqlx::Error> {
    sqlx::query_as::<_, Choice>(
        "SELECT t.id, t.name, st.name AS stage
         FROM touchpoints t JOIN journey_stages st ON st.id = t.stage_id
         WHERE t.archived_at IS NULL OR t.id = $1
         ORDER BY st.position, t.position, t.name",
    )
    .bind(current)
    .fetch_all(pool)
    .await
}

/// Active departments by name, plus `current` even if archived since.
#[tracing::instrument(skip_all)]
pub async fn department_choices(
    pool: &PgPool,
    current: Option<Uuid>,
) -> Result<Vec<Choice>, sqlx::Error> {
    sqlx::query_as::<_, Choice>(
        "SELECT id, name, NULL::text AS stage FROM departments
         WHERE archived_at IS NULL OR id = $1 ORDER BY lower(name)",
    )
    .bind(current)
    .fetch_all(pool)
    .await
}

/// The organisation's name and default minimum sample (30 before it is set up).
#[tracing::instrument(skip_all)]
pub async fn organisation_defaults(pool: &PgPool) -> Result<(Option<String>, i32), sqlx::Error> {
    Ok(
        sqlx::query_as::<_, (String, i32)>("SELECT name, min_sample FROM organisation")
            .fetch_optional(pool)
            .await?
            .map_or((None, 30), |(name, min)| (Some(name), min)),
    )
}
