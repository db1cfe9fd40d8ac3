//! Surveys as the public page needs them.

use sqlx::PgPool;
use uuid::Uuid;

/// A survey found by its public token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicSurvey {
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub question: String,
    pub touchpoint_id: Option<Uuid>,
    pub rated_department: Option<String>,
    pub closed: bool,
    pub org_name: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn by_public_token(
    pool: &PgPool,
    token: &str,
) -> Result<Option<PublicSurvey>, sqlx::Error> {
    sqlx::query_as::<_, PublicSurvey>(
        r#"
        SELECT s.id, s.kind, s.name, s.question, s.touchpoint_id, d.name AS rated_department,
               (s.closed_at IS NOT NULL AND s.closed_at <= now()) OR s.opens_at > now() AS closed,
               (SELECT name FROM organisation) AS org_name
        FROM surveys s LEFT JOIN departments d ON d.id = s.rated_department_id
        WHERE s.public_token = $1 AND s.archived_at IS NULL
        "#,
    )
    .bind(token)
    .fetch_optional(pool)
    .await
}

/// Departments a respondent may say they work in: (id, name), by name.
#[tracing::instrument(skip_all)]
pub async fn respondent_departments(pool: &PgPool) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, name FROM departments WHERE archived_at IS NULL ORDER BY name")
        .fetch_all(pool)
        .await
}

/// The id of an active touchpoint by slug (a relationship survey's link may name one).
#[tracing::instrument(skip_all)]
pub async fn touchpoint_id(pool: &PgPool, slug: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM touchpoints WHERE slug = $1 AND archived_at IS NULL")
        .bind(slug)
        .fetch_optional(pool)
        .await
}

/// What validating an API item needs to know about a survey.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SurveyRules {
    pub id: Uuid,
    pub slug: String,
    pub kind: String,
    pub touchpoint_id: Option<Uuid>,
    pub opens_at: time::OffsetDateTime,
    pub closed_at: Option<time::OffsetDateTime>,
}

#[tracing::instrument(skip_all)]
pub async fn rules(conn: &mut sqlx::PgConnection) -> Result<Vec<SurveyRules>, sqlx::Error> {
    sqlx::query_as::<_, SurveyRules>(
        "SELECT id, slug, kind, touchpoint_id, opens_at, closed_at FROM surveys WHERE archived_at IS NULL",
    )
    .fetch_all(conn)
    .await
}

/// Slug → id pairs.
pub type SlugIds = Vec<(String, Uuid)>;

/// Slug → id of every active touchpoint and of every active department, for validating
/// references.
#[tracing::instrument(skip_all)]
pub async fn slugs(conn: &mut sqlx::PgConnection) -> Result<(SlugIds, SlugIds), sqlx::Error> {
    let touchpoints =
        sqlx::query_as("SELECT slug::text, id FROM touchpoints WHERE archived_at IS NULL")
            .fetch_all(&mut *conn)
            .await?;
    let departments =
        sqlx::query_as("SELECT slug::text, id FROM departments WHERE archived_at IS NULL")
            .fetch_all(conn)
            .await?;
    Ok((touchpoints, departments))
}

/// A survey as the survey list shows it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct SurveyListing {
    pub slug: String,
    pub kind: String,
    pub name: String,
    pub question: String,
    #[schema(required = true)]
    pub touchpoint: Option<String>,
    #[schema(required = true)]
    pub rated_department: Option<String>,
    pub open: bool,
    #[serde(skip)]
    pub public_token: String,
}

#[tracing::instrument(skip_all)]
pub async fn list(pool: &PgPool) -> Result<Vec<SurveyListing>, sqlx::Error> {
    sqlx::query_as::<_, SurveyListing>(
        r#"
        SELECT s.slug::text, s.kind, s.name, s.question, t.slug::text AS touchpoint, d.slug::text AS rated_department,
               (s.closed_at IS NULL OR s.closed_at > now()) AND s.opens_at <= now() AS open, s.public_token
        FROM surveys s
        LEFT JOIN touchpoints t ON t.id = s.touchpoint_id
        LEFT JOIN departments d ON d.id = s.rated_department_id
        WHERE s.archived_at IS NULL
        ORDER BY s.kind, s.slug
        "#,
    )
    .fetch_all(pool)
    .await
}

/// A touchpoint along the journey, as the API lists it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct TouchpointListing {
    #[serde(skip)]
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub stage: String,
    pub channel: String,
    /// The owning department's slug; null while nobody owns it.
    #[schema(required = true)]
    pub owner: Option<String>,
}

/// Active touchpoints in journey order.
#[tracing::instrument(skip_all)]
pub async fn touchpoints(pool: &PgPool) -> Result<Vec<TouchpointListing>, sqlx::Error> {
    sqlx::query_as::<_, TouchpointListing>(
        r#"
        SELECT t.id, t.slug::text, t.name, st.name AS stage, t.channel, d.slug::text AS owner
        FROM touchpoints t
        JOIN journey_stages st ON st.id = t.stage_id
        LEFT JOIN departments d ON d.id = t.owner_department_id
        WHERE t.archived_at IS NULL
        ORDER BY st.position, t.position, t.name
        "#,
    )
    .fetch_all(pool)
    .await
}
