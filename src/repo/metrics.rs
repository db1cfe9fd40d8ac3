//! The metric queries: counts of promoters, passives and detractors for any filter,
//! read from the daily rollups (so their cost grows with days, not responses).

use sqlx::PgPool;
use time::Date;
use uuid::Uuid;

use crate::services::metrics::Counts;

/// Which responses to count. `None` means "any". Days are in the organisation's time
/// zone; `from` is inclusive, `to` exclusive.
#[derive(Debug, Clone)]
pub struct ResponseFilter {
    pub survey: Option<Uuid>,
    pub kind: Option<String>,
    /// The department a response is attributed to: its touchpoint's owner, or the rated
    /// department of an internal survey.
    pub department: Option<Uuid>,
    /// The department the respondent works in (employee and internal surveys).
    pub respondent_department: Option<Uuid>,
    pub touchpoint: Option<Uuid>,
    pub segment: Option<String>,
    pub from: Date,
    pub to: Date,
}

impl ResponseFilter {
    /// The same responses over the period of equal length just before this one.
    pub fn period_before(&self) -> Self {
        Self {
            from: self.from - (self.to - self.from),
            to: self.from,
            ..self.clone()
        }
    }
}

#[derive(sqlx::FromRow)]
struct CountRow {
    promoters: i64,
    passives: i64,
    detractors: i64,
}

impl From<CountRow> for Counts {
    fn from(row: CountRow) -> Self {
        Counts {
            promoters: row.promoters as u64,
            passives: row.passives as u64,
            detractors: row.detractors as u64,
        }
    }
}

/// Totals over the filter's period.
#[tracing::instrument(skip_all)]
pub async fn counts(pool: &PgPool, filter: &ResponseFilter) -> Result<Counts, sqlx::Error> {
    let cells = counted(pool, filter, None, None).await?;
    Ok(cells.into_iter().map(|cell| cell.counts).sum())
}

/// Totals per week, month or quarter (`bucket` is a date_trunc unit), oldest first.
#[tracing::instrument(skip_all)]
pub async fn counts_by_period(
    pool: &PgPool,
    filter: &ResponseFilter,
    bucket: &str,
) -> Result<Vec<(Date, Counts)>, sqlx::Error> {
    let cells = counted(pool, filter, Some(bucket), None).await?;
    Ok(cells
        .into_iter()
        .map(|cell| (cell.period_start, cell.counts))
        .collect())
}

/// What a breakdown groups responses by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Touchpoint,
    /// The department a response is attributed to (touchpoint owner or rated department).
    Department,
    Segment,
    /// The respondent's own department (employee and internal surveys).
    RespondentDepartment,
}

impl Group {
    /// The name the query's grouping parameter takes.
    fn as_param(self) -> &'static str {
        match self {
            Self::Touchpoint => "touchpoint",
            Self::Department => "department",
            Self::Segment => "segment",
            Self::RespondentDepartment => "respondent_department",
        }
    }
}

/// Counts of one group in one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub period_start: Date,
    /// The group's key (a slug, or the segment); None for responses without one.
    pub key: Option<String>,
    pub label: Option<String>,
    pub counts: Counts,
}

/// The key `counts_by_group` gives the one group `filter` narrows to along `group`; None
/// when it does not narrow along it.
pub async fn narrowed_key(
    pool: &PgPool,
    filter: &ResponseFilter,
    group: Group,
) -> Result<Option<String>, sqlx::Error> {
    let (id, query) = match group {
        Group::Segment => return Ok(filter.segment.clone()),
        Group::Touchpoint => (
            filter.touchpoint,
            "SELECT slug::text FROM touchpoints WHERE id = $1",
        ),
        Group::Department => (
            filter.department,
            "SELECT slug::text FROM departments WHERE id = $1",
        ),
        Group::RespondentDepartment => (
            filter.respondent_department,
            "SELECT slug::text FROM departments WHERE id = $1",
        ),
    };
    match id {
        Some(id) => {
            sqlx::query_scalar(query)
                .bind(id)
                .fetch_optional(pool)
                .await
        }
        None => Ok(None),
    }
}

/// The same filter without narrowing along `group`.
pub fn widened(filter: &ResponseFilter, group: Group) -> ResponseFilter {
    let mut wider = filter.clone();
    match group {
        Group::Segment => wider.segment = None,
        Group::Touchpoint => wider.touchpoint = None,
        Group::Department => wider.department = None,
        Group::RespondentDepartment => wider.respondent_department = None,
    }
    wider
}

/// Totals per group, per month when `monthly` (for anonymity rules), ordered by key.
#[tracing::instrument(skip_all)]
pub async fn counts_by_group(
    pool: &PgPool,
    filter: &ResponseFilter,
    group: Group,
    monthly: bool,
) -> Result<Vec<Cell>, sqlx::Error> {
    counted(pool, filter, monthly.then_some("month"), Some(group)).await
}

/// The one rollup query: optionally grouped by period and by a dimension.
async fn counted(
    pool: &PgPool,
    filter: &ResponseFilter,
    bucket: Option<&str>,
    group: Option<Group>,
) -> Result<Vec<Cell>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct CellRow {
        period_start: Date,
        key: Option<String>,
        label: Option<String>,
        #[sqlx(flatten)]
        counts: CountRow,
    }
    // One static query: the grouping is a bound parameter ($10), chosen by CASE.
    let rows = sqlx::query_as::<_, CellRow>(
        r#"
        SELECT CASE WHEN $8::text IS NULL THEN $1 ELSE date_trunc($8, r.day)::date END AS period_start,
               CASE $10::text WHEN 'touchpoint' THEN t.slug::text WHEN 'department' THEN ad.slug::text
                              WHEN 'segment' THEN r.segment WHEN 'respondent_department' THEN rd.slug::text
               END AS key,
               CASE $10::text WHEN 'touchpoint' THEN t.name WHEN 'department' THEN ad.name
                              WHEN 'segment' THEN r.segment WHEN 'respondent_department' THEN rd.name
               END AS label,
               sum(r.promoters)::bigint AS promoters, sum(r.passives)::bigint AS passives,
               sum(r.detractors)::bigint AS detractors
        FROM response_rollups_daily r
        JOIN surveys s ON s.id = r.survey_id
        LEFT JOIN touchpoints t ON t.id = r.touchpoint_id
        LEFT JOIN departments ad ON ad.id = coalesce(t.owner_department_id, s.rated_department_id)
        LEFT JOIN departments rd ON rd.id = r.respondent_department_id
        WHERE r.day >= $1 AND r.day < $2
          AND ($3::uuid IS NULL OR r.survey_id = $3)
          AND ($4::text IS NULL OR s.kind = $4)
          AND ($5::uuid IS NULL OR ad.id = $5)
          AND ($6::uuid IS NULL OR r.touchpoint_id = $6)
          AND ($7::text IS NULL OR r.segment = $7)
          AND ($9::uuid IS NULL OR r.respondent_department_id = $9)
        GROUP BY 1, 2, 3
        ORDER BY 2 NULLS LAST, 1
        "#,
    )
    .bind(filter.from)
    .bind(filter.to)
    .bind(filter.survey)
    .bind(filter.kind.as_deref())
    .bind(filter.department)
    .bind(filter.touchpoint)
    .bind(filter.segment.as_deref())
    .bind(bucket)
    .bind(filter.respondent_department)
    .bind(group.map(Group::as_param))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Cell {
            period_start: row.period_start,
            key: row.key,
            label: row.label,
            counts: row.counts.into(),
        })
        .collect())
}

/// The organisation's minimum sample and anonymity threshold (defaults before setup).
#[tracing::instrument(skip_all)]
pub async fn thresholds(pool: &PgPool) -> Result<(i32, i32), sqlx::Error> {
    sqlx::query_as(
        "SELECT coalesce((SELECT min_sample FROM organisation), 30), coalesce((SELECT anonymity_threshold FROM organisation), 5)",
    )
    .fetch_one(pool)
    .await
}

/// Today in the organisation's time zone.
#[tracing::instrument(skip_all)]
pub async fn today(pool: &PgPool) -> Result<Date, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT (now() AT TIME ZONE coalesce((SELECT time_zone FROM organisation), 'UTC'))::date",
    )
    .fetch_one(pool)
    .await
}

/// What a metrics filter's slugs refer to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SurveyRef {
    pub id: Uuid,
    pub kind: String,
    pub min_sample: Option<i32>,
}

#[tracing::instrument(skip_all)]
pub async fn survey_by_slug(pool: &PgPool, slug: &str) -> Result<Option<SurveyRef>, sqlx::Error> {
    sqlx::query_as("SELECT id, kind, min_sample FROM surveys WHERE slug = $1")
        .bind(slug)
        .fetch_optional(pool)
        .await
}

#[tracing::instrument(skip_all)]
pub async fn department_by_slug(pool: &PgPool, slug: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM departments WHERE slug = $1")
        .bind(slug)
        .fetch_optional(pool)
        .await
}

#[tracing::instrument(skip_all)]
pub async fn touchpoint_by_slug(pool: &PgPool, slug: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM touchpoints WHERE slug = $1")
        .bind(slug)
        .fetch_optional(pool)
        .await
}

/// An objective as evaluation needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObjectiveRow {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub title: String,
    pub owner_department: Option<String>,
    pub metric: String,
    pub survey_id: Option<Uuid>,
    pub survey_min_sample: Option<i32>,
    pub touchpoint_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub kpi_unit: Option<String>,
    pub baseline: f64,
    pub target: f64,
    pub period_start: Date,
    pub period_end: Date,
    pub weight: f64,
}

#[tracing::instrument(skip_all)]
pub async fn objectives(pool: &PgPool) -> Result<Vec<ObjectiveRow>, sqlx::Error> {
    sqlx::query_as::<_, ObjectiveRow>(
        r#"
        SELECT o.id, o.parent_id, o.title, d.slug::text AS owner_department, o.metric, o.survey_id,
               s.min_sample AS survey_min_sample, o.touchpoint_id, o.department_id, o.kpi_unit,
               o.baseline, o.target, o.period_start, o.period_end, o.weight
        FROM objectives o
        LEFT JOIN departments d ON d.id = o.owner_department_id
        LEFT JOIN surveys s ON s.id = o.survey_id
        WHERE o.archived_at IS NULL
        ORDER BY o.parent_id NULLS FIRST, d.name NULLS FIRST, o.title
        "#,
    )
    .fetch_all(pool)
    .await
}

/// Service contacts and their cost in cents over [from, to), for contacts whose reason
/// originates in `department` (all when None), from the contact rollups.
#[tracing::instrument(skip_all)]
pub async fn contact_totals(
    pool: &PgPool,
    department: Option<Uuid>,
    from: Date,
    to: Date,
) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        r#"
        SELECT coalesce(sum(c.contacts), 0)::bigint, coalesce(sum(c.cost_cents), 0)::bigint
        FROM contact_rollups_daily c JOIN contact_reasons r ON r.id = c.reason_id
        WHERE c.day >= $1 AND c.day < $2 AND ($3::uuid IS NULL OR r.department_id = $3)
        "#,
    )
    .bind(from)
    .bind(to)
    .bind(department)
    .fetch_one(pool)
    .await
}

/// The same totals per month of [from, to), oldest first; months without contacts are
/// left out.
#[tracing::instrument(skip_all)]
pub async fn contact_totals_by_month(
    pool: &PgPool,
    department: Option<Uuid>,
    from: Date,
    to: Date,
) -> Result<Vec<(Date, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        r#"
        SELECT date_trunc('month', c.day)::date, sum(c.contacts)::bigint, sum(c.cost_cents)::bigint
        FROM contact_rollups_daily c JOIN contact_reasons r ON r.id = c.reason_id
        WHERE c.day >= $1 AND c.day < $2 AND ($3::uuid IS NULL OR r.department_id = $3)
        GROUP BY 1
        ORDER BY 1
        "#,
    )
    .bind(from)
    .bind(to)
    .bind(department)
    .fetch_all(pool)
    .await
}

/// The latest recorded value of a KPI objective whose period starts within [from, to)
/// (by start, so inclusive and exclusive period ends both count in the right month).
#[tracing::instrument(skip_all)]
pub async fn latest_kpi(
    pool: &PgPool,
    objective: Uuid,
    from: Date,
    to: Date,
) -> Result<Option<f64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT value FROM kpi_measurements WHERE objective_id = $1 AND period_start >= $2 AND period_start < $3
         ORDER BY period_start DESC, period_end DESC, recorded_at DESC LIMIT 1",
    )
    .bind(objective)
    .bind(from)
    .bind(to)
    .fetch_optional(pool)
    .await
}

/// Service contacts and their cost per originating department and reason.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChargebackRow {
    /// None for reasons no department is charged for.
    pub department: Option<String>,
    pub department_name: Option<String>,
    pub reason: String,
    pub reason_name: String,
    pub contacts: i64,
    pub cost_cents: i64,
}

/// Contacts and cost over [from, to) by originating department and reason, from the
/// contact rollups.
#[tracing::instrument(skip_all)]
pub async fn chargeback(
    pool: &PgPool,
    from: Date,
    to: Date,
) -> Result<Vec<ChargebackRow>, sqlx::Error> {
    sqlx::query_as::<_, ChargebackRow>(
        r#"
        SELECT d.slug::text AS department, d.name AS department_name,
               r.slug::text AS reason, r.name AS reason_name,
               sum(c.contacts)::bigint AS contacts, sum(c.cost_cents)::bigint AS cost_cents
        FROM contact_rollups_daily c
        JOIN contact_reasons r ON r.id = c.reason_id
        LEFT JOIN departments d ON d.id = r.department_id
        WHERE c.day >= $1 AND c.day < $2
        GROUP BY 1, 2, 3, 4
        HAVING sum(c.contacts) > 0
        ORDER BY 6 DESC, 3
        "#,
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

/// An incentive plan with one of its links (None for a plan without links yet).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanLinkRow {
    pub plan_id: Uuid,
    pub plan_name: String,
    pub role: Option<String>,
    /// The department the plan covers, by slug.
    pub department: Option<String>,
    pub period_start: Date,
    pub period_end: Date,
    pub target_bonus_cents: i64,
    pub objective_id: Option<Uuid>,
    pub weight_pct: Option<f64>,
    pub threshold_value: Option<f64>,
    pub target_value: Option<f64>,
    pub stretch_value: Option<f64>,
    pub threshold_payout_pct: Option<f64>,
    pub stretch_payout_pct: Option<f64>,
    pub requires_confidence: Option<bool>,
}

/// Every plan in use with its links, by plan name.
#[tracing::instrument(skip_all)]
pub async fn plan_links(pool: &PgPool) -> Result<Vec<PlanLinkRow>, sqlx::Error> {
    sqlx::query_as::<_, PlanLinkRow>(
        r#"
        SELECT p.id AS plan_id, p.name AS plan_name, p.role, d.slug::text AS department,
               p.period_start, p.period_end, p.target_bonus_cents,
               l.objective_id, l.weight_pct, l.threshold_value, l.target_value, l.stretch_value,
               l.threshold_payout_pct, l.stretch_payout_pct, l.requires_confidence
        FROM incentive_plans p
        LEFT JOIN departments d ON d.id = p.department_id
        LEFT JOIN incentive_links l ON l.plan_id = p.id
        WHERE p.archived_at IS NULL
        ORDER BY lower(p.name), p.id, l.weight_pct DESC, l.objective_id
        "#,
    )
    .fetch_all(pool)
    .await
}

/// The customer segments responses were sent with, for filter pickers.
#[tracing::instrument(skip_all)]
pub async fn segments(pool: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    // Read from the rollups (a row per day and segment), not from every response.
    sqlx::query_scalar(
        "SELECT DISTINCT segment FROM response_rollups_daily WHERE segment IS NOT NULL ORDER BY segment",
    )
    .fetch_all(pool)
    .await
}
