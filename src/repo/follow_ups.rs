//! The closed loop: customer detractors attributed to a department (through a touchpoint
//! or a theme it owns) become follow-ups, worked open → contacted → resolved.

use const_format::concatcp;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

/// Detractors older than this when they arrive (historical imports) are not followed up:
/// the loop has to close while the customer still remembers the experience.
pub const RAISE_WITHIN_DAYS: i32 = 30;

/// Raises a follow-up for every detractor among `responses` attributed to a department
/// in use — one per department concerned — assigned to the department's head. A
/// follow-up that already exists is left alone. Returns how many were raised.
#[tracing::instrument(skip_all)]
pub async fn raise_for(conn: &mut PgConnection, responses: &[i64]) -> Result<u64, sqlx::Error> {
    if responses.is_empty() {
        return Ok(0);
    }
    let raised = sqlx::query(
        r#"
        INSERT INTO follow_ups (response_id, department_id, assigned_to)
        SELECT a.response_id, d.id, d.head_user_id
        FROM (
            SELECT r.id AS response_id, t.owner_department_id AS department_id
            FROM responses r JOIN touchpoints t ON t.id = r.touchpoint_id
            WHERE r.id = ANY($1) AND r.survey_kind = 'customer' AND r.score <= 6
              AND r.submitted_at >= now() - make_interval(days => $2)
            UNION
            SELECT r.id, th.owner_department_id
            FROM responses r
            JOIN response_themes rt ON rt.response_id = r.id
            JOIN themes th ON th.id = rt.theme_id AND th.archived_at IS NULL
            WHERE r.id = ANY($1) AND r.survey_kind = 'customer' AND r.score <= 6
              AND r.submitted_at >= now() - make_interval(days => $2)
        ) a
        JOIN departments d ON d.id = a.department_id AND d.archived_at IS NULL
        ON CONFLICT (response_id, department_id) DO NOTHING
        "#,
    )
    .bind(responses)
    .bind(RAISE_WITHIN_DAYS)
    .execute(conn)
    .await?;
    Ok(raised.rows_affected())
}

/// Which follow-ups a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// Open or contacted, oldest first: the work to do.
    ToDo,
    /// Open or contacted past the organisation's deadline, oldest first.
    Overdue,
    /// Resolved, most recently raised first.
    Resolved,
}

impl Show {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "" | "to-do" => Some(Self::ToDo),
            "overdue" => Some(Self::Overdue),
            "resolved" => Some(Self::Resolved),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::ToDo => "to-do",
            Self::Overdue => "overdue",
            Self::Resolved => "resolved",
        }
    }

    fn oldest_first(self) -> bool {
        self != Self::Resolved
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FollowUp {
    pub id: Uuid,
    pub status: String,
    pub note: String,
    pub version: i32,
    pub created_at: OffsetDateTime,
    pub contacted_at: Option<OffsetDateTime>,
    pub resolved_at: Option<OffsetDateTime>,
    pub assigned_to: Option<String>,
    pub resolved_by: Option<String>,
    /// Open or contacted for longer than the organisation allows.
    pub overdue: bool,
    pub score: i16,
    pub comment: Option<String>,
    pub customer_ref: Option<String>,
    pub submitted_at: OffsetDateTime,
    pub touchpoint: Option<String>,
}

/// Where a page starts: after this (created_at, id) in the list's order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    pub created_at: OffsetDateTime,
    pub id: Uuid,
}

const SELECT: &str = r#"
    SELECT f.id, f.status, f.note, f.version, f.created_at, f.contacted_at, f.resolved_at,
           assignee.name AS assigned_to, resolver.name AS resolved_by,
           f.status <> 'resolved'
               AND f.created_at < now() - make_interval(days => o.followup_overdue_days) AS overdue,
           r.score, r.comment, r.customer_ref, r.submitted_at, t.name AS touchpoint
    FROM follow_ups f
    JOIN responses r ON r.id = f.response_id
    LEFT JOIN touchpoints t ON t.id = r.touchpoint_id
    LEFT JOIN users assignee ON assignee.id = f.assigned_to
    LEFT JOIN users resolver ON resolver.id = f.resolved_by
    CROSS JOIN organisation o
    WHERE f.department_id = $1
"#;

const SHOWN: &str = r#"
      AND CASE $2
            WHEN 'resolved' THEN f.status = 'resolved'
            WHEN 'overdue' THEN f.status <> 'resolved'
                 AND f.created_at < now() - make_interval(days => o.followup_overdue_days)
            ELSE f.status <> 'resolved'
          END
"#;

/// A page of at most `limit` follow-ups of `department`, after `cursor`.
#[tracing::instrument(skip_all)]
pub async fn page(
    pool: &PgPool,
    department: Uuid,
    show: Show,
    cursor: Option<Cursor>,
    limit: i64,
) -> Result<Vec<FollowUp>, sqlx::Error> {
    // Two orders, each a plain index walk over (department_id, status, created_at).
    let sql = if show.oldest_first() {
        concatcp!(
            SELECT,
            SHOWN,
            " AND ($3::timestamptz IS NULL OR (f.created_at, f.id) > ($3, $4))
              ORDER BY f.created_at, f.id LIMIT $5"
        )
    } else {
        concatcp!(
            SELECT,
            SHOWN,
            " AND ($3::timestamptz IS NULL OR (f.created_at, f.id) < ($3, $4))
              ORDER BY f.created_at DESC, f.id DESC LIMIT $5"
        )
    };
    sqlx::query_as::<_, FollowUp>(sql)
        .bind(department)
        .bind(show.key())
        .bind(cursor.map(|c| c.created_at))
        .bind(cursor.map_or(Uuid::nil(), |c| c.id))
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// One follow-up of `department`.
#[tracing::instrument(skip_all)]
pub async fn one(
    pool: &PgPool,
    department: Uuid,
    id: Uuid,
) -> Result<Option<FollowUp>, sqlx::Error> {
    sqlx::query_as::<_, FollowUp>(concatcp!(SELECT, " AND f.id = $2"))
        .bind(department)
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// A department's closed loop in numbers.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct LoopSummary {
    pub open: i64,
    pub contacted: i64,
    /// Open or contacted past the organisation's deadline.
    pub overdue: i64,
    /// Resolved in the last 90 days.
    pub resolved_90_days: i64,
    /// Median hours from raised to resolved, over those resolved in the last 90 days.
    #[schema(required = true)]
    pub median_hours_to_close: Option<f64>,
    /// Days after which an unresolved follow-up is overdue (the organisation's setting).
    pub overdue_after_days: i32,
}

#[tracing::instrument(skip_all)]
pub async fn summary(pool: &PgPool, department: Uuid) -> Result<LoopSummary, sqlx::Error> {
    sqlx::query_as::<_, LoopSummary>(
        r#"
        SELECT count(*) FILTER (WHERE f.status = 'open') AS open,
               count(*) FILTER (WHERE f.status = 'contacted') AS contacted,
               count(*) FILTER (WHERE f.status <> 'resolved'
                   AND f.created_at < now() - make_interval(days => o.followup_overdue_days)) AS overdue,
               count(*) FILTER (WHERE f.status = 'resolved'
                   AND f.resolved_at >= now() - interval '90 days') AS resolved_90_days,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY extract(epoch FROM f.resolved_at - f.created_at) / 3600)
                   FILTER (WHERE f.status = 'resolved' AND f.resolved_at >= now() - interval '90 days')
                   AS median_hours_to_close,
               o.followup_overdue_days AS overdue_after_days
        FROM organisation o
        LEFT JOIN follow_ups f ON f.department_id = $1
        GROUP BY o.followup_overdue_days
        "#,
    )
    .bind(department)
    .fetch_optional(pool)
    .await
    .map(Option::unwrap_or_default)
}

/// A follow-up's state as saved (and audited).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FollowUpState {
    pub status: String,
    pub note: String,
}

/// The follow-up of `department`, locked for an update, with its version.
#[tracing::instrument(skip_all)]
pub async fn lock(
    conn: &mut PgConnection,
    department: Uuid,
    id: Uuid,
) -> Result<Option<(FollowUpState, i32)>, sqlx::Error> {
    let row: Option<(String, String, i32)> = sqlx::query_as(
        "SELECT status, note, version FROM follow_ups
         WHERE id = $1 AND department_id = $2 FOR NO KEY UPDATE",
    )
    .bind(id)
    .bind(department)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(status, note, version)| (FollowUpState { status, note }, version)))
}

/// Saves a new state by `user`: contact is stamped the first time the follow-up leaves
/// "open", resolution (when and by whom) while it is resolved; reopening clears it.
#[tracing::instrument(skip_all)]
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    state: &FollowUpState,
    user: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"
        UPDATE follow_ups SET
            status = $2, note = $3,
            contacted_at = CASE WHEN $2 = 'open' THEN NULL ELSE coalesce(contacted_at, now()) END,
            resolved_at = CASE WHEN $2 = 'resolved' THEN coalesce(resolved_at, now()) END,
            resolved_by = CASE WHEN $2 = 'resolved' THEN coalesce(resolved_by, $4) END,
            assigned_to = coalesce(assigned_to, $4),
            version = version + 1, updated_at = now()
        WHERE id = $1
        "#,
    )
    .bind(id)
    .bind(&state.status)
    .bind(&state.note)
    .bind(user)
    .execute(conn)
    .await?;
    Ok(())
}
