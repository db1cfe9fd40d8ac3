//! Incentive plans and their links to objectives, as the CX lead edits them.

use const_format::concatcp;
use sqlx::{PgConnection, PgPool};
use time::Date;
use uuid::Uuid;

pub const NAME_KEY: &str = "incentive_plans_name_key";
pub const ONE_LINK_PER_OBJECTIVE: &str = "incentive_links_plan_id_objective_id_key";
pub const WEIGHT_CAP: &str = "incentive_links_weight_cap";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Plan {
    pub id: Uuid,
    pub name: String,
    pub role: Option<String>,
    pub department_id: Option<Uuid>,
    pub department_name: Option<String>,
    pub period_start: Date,
    pub period_end: Date,
    pub target_bonus_cents: i64,
    pub archived: bool,
    pub version: i32,
    /// Sum of its links' weights, in %.
    pub weight_total: f64,
}

const PLANS: &str = r#"
    SELECT p.id, p.name, p.role, p.department_id, d.name AS department_name, p.period_start,
           p.period_end, p.target_bonus_cents, p.archived_at IS NOT NULL AS archived, p.version,
           coalesce((SELECT sum(l.weight_pct) FROM incentive_links l WHERE l.plan_id = p.id), 0) AS weight_total
    FROM incentive_plans p LEFT JOIN departments d ON d.id = p.department_id
"#;

#[tracing::instrument(skip_all)]
pub async fn list(pool: &PgPool) -> Result<Vec<Plan>, sqlx::Error> {
    sqlx::query_as::<_, Plan>(concatcp!(
        PLANS,
        " ORDER BY p.archived_at IS NOT NULL, lower(p.name)"
    ))
    .fetch_all(pool)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<Plan>, sqlx::Error> {
    sqlx::query_as::<_, Plan>(concatcp!(PLANS, " WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// What a plan is made of, as saved (and audited).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlanFields {
    pub name: String,
    pub role: Option<String>,
    pub department_id: Option<Uuid>,
    pub period_start: Date,
    pub period_end: Date,
    pub target_bonus_cents: i64,
}

#[tracing::instrument(skip_all)]
pub async fn insert(conn: &mut PgConnection, f: &PlanFields) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO incentive_plans (name, role, department_id, period_start, period_end, target_bonus_cents)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&f.name)
    .bind(&f.role)
    .bind(f.department_id)
    .bind(f.period_start)
    .bind(f.period_end)
    .bind(f.target_bonus_cents)
    .fetch_one(conn)
    .await
}

#[derive(sqlx::FromRow)]
struct LockedPlan {
    name: String,
    role: Option<String>,
    department_id: Option<Uuid>,
    period_start: Date,
    period_end: Date,
    target_bonus_cents: i64,
    archived: bool,
    version: i32,
}

#[tracing::instrument(skip_all)]
pub async fn lock(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<(PlanFields, bool, i32)>, sqlx::Error> {
    let row = sqlx::query_as::<_, LockedPlan>(
        "SELECT name, role, department_id, period_start, period_end, target_bonus_cents,
                archived_at IS NOT NULL AS archived, version
         FROM incentive_plans WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| {
        (
            PlanFields {
                name: r.name,
                role: r.role,
                department_id: r.department_id,
                period_start: r.period_start,
                period_end: r.period_end,
                target_bonus_cents: r.target_bonus_cents,
            },
            r.archived,
            r.version,
        )
    }))
}

#[tracing::instrument(skip_all)]
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    f: &PlanFields,
    archived: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE incentive_plans SET name = $2, role = $3, department_id = $4, period_start = $5,
                period_end = $6, target_bonus_cents = $7,
                archived_at = CASE WHEN $8 THEN coalesce(archived_at, now()) END,
                version = version + 1
         WHERE id = $1",
    )
    .bind(id)
    .bind(&f.name)
    .bind(&f.role)
    .bind(f.department_id)
    .bind(f.period_start)
    .bind(f.period_end)
    .bind(f.target_bonus_cents)
    .bind(archived)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Link {
    pub id: Uuid,
    pub objective_id: Uuid,
    pub objective_title: String,
    pub metric: String,
    pub weight_pct: f64,
    pub threshold_value: f64,
    pub target_value: f64,
    pub stretch_value: f64,
    pub threshold_payout_pct: f64,
    pub stretch_payout_pct: f64,
    pub requires_confidence: bool,
    pub version: i32,
}

#[tracing::instrument(skip_all)]
pub async fn links(pool: &PgPool, plan: Uuid) -> Result<Vec<Link>, sqlx::Error> {
    sqlx::query_as::<_, Link>(
        "SELECT l.id, l.objective_id, o.title AS objective_title, o.metric, l.weight_pct,
                l.threshold_value, l.target_value, l.stretch_value, l.threshold_payout_pct,
                l.stretch_payout_pct, l.requires_confidence, l.version
         FROM incentive_links l JOIN objectives o ON o.id = l.objective_id
         WHERE l.plan_id = $1 ORDER BY l.weight_pct DESC, lower(o.title)",
    )
    .bind(plan)
    .fetch_all(pool)
    .await
}

/// What a link is made of, as saved (and audited).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LinkFields {
    pub objective_id: Uuid,
    pub weight_pct: f64,
    pub threshold_value: f64,
    pub target_value: f64,
    pub stretch_value: f64,
    pub threshold_payout_pct: f64,
    pub stretch_payout_pct: f64,
    pub requires_confidence: bool,
}

#[tracing::instrument(skip_all)]
pub async fn insert_link(
    conn: &mut PgConnection,
    plan: Uuid,
    f: &LinkFields,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO incentive_links (plan_id, objective_id, weight_pct, threshold_value, target_value,
                                      stretch_value, threshold_payout_pct, stretch_payout_pct, requires_confidence)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(plan)
    .bind(f.objective_id)
    .bind(f.weight_pct)
    .bind(f.threshold_value)
    .bind(f.target_value)
    .bind(f.stretch_value)
    .bind(f.threshold_payout_pct)
    .bind(f.stretch_payout_pct)
    .bind(f.requires_confidence)
    .fetch_one(conn)
    .await
}

/// The link's fields and version, locked with its plan; None when it is not this plan's.
#[tracing::instrument(skip_all)]
pub async fn lock_link(
    conn: &mut PgConnection,
    plan: Uuid,
    link: Uuid,
) -> Result<Option<(LinkFields, i32)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Locked {
        objective_id: Uuid,
        weight_pct: f64,
        threshold_value: f64,
        target_value: f64,
        stretch_value: f64,
        threshold_payout_pct: f64,
        stretch_payout_pct: f64,
        requires_confidence: bool,
        version: i32,
    }
    let row = sqlx::query_as::<_, Locked>(
        "SELECT l.objective_id, l.weight_pct, l.threshold_value, l.target_value, l.stretch_value,
                l.threshold_payout_pct, l.stretch_payout_pct, l.requires_confidence, l.version
         FROM incentive_links l JOIN incentive_plans p ON p.id = l.plan_id
         WHERE l.id = $2 AND l.plan_id = $1 FOR UPDATE OF l",
    )
    .bind(plan)
    .bind(link)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| {
        (
            LinkFields {
                objective_id: r.objective_id,
                weight_pct: r.weight_pct,
                threshold_value: r.threshold_value,
                target_value: r.target_value,
                stretch_value: r.stretch_value,
                threshold_payout_pct: r.threshold_payout_pct,
                stretch_payout_pct: r.stretch_payout_pct,
                requires_confidence: r.requires_confidence,
            },
            r.version,
        )
    }))
}

#[tracing::instrument(skip_all)]
pub async fn update_link(
    conn: &mut PgConnection,
    link: Uuid,
    f: &LinkFields,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE incentive_links SET objective_id = $2, weight_pct = $3, threshold_value = $4,
                target_value = $5, stretch_value = $6, threshold_payout_pct = $7,
                stretch_payout_pct = $8, requires_confidence = $9, version = version + 1
         WHERE id = $1",
    )
    .bind(link)
    .bind(f.objective_id)
    .bind(f.weight_pct)
    .bind(f.threshold_value)
    .bind(f.target_value)
    .bind(f.stretch_value)
    .bind(f.threshold_payout_pct)
    .bind(f.stretch_payout_pct)
    .bind(f.requires_confidence)
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all)]
pub async fn delete_link(conn: &mut PgConnection, link: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM incentive_links WHERE id = $1")
        .bind(link)
        .execute(conn)
        .await?;
    Ok(())
}

/// The weights of a plan's other links, summed (for a friendly check before the
/// database's own cap).
#[tracing::instrument(skip_all)]
pub async fn other_weights(
    conn: &mut PgConnection,
    plan: Uuid,
    except: Option<Uuid>,
) -> Result<f64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT coalesce(sum(weight_pct), 0) FROM incentive_links
         WHERE plan_id = $1 AND ($2::uuid IS NULL OR id <> $2)",
    )
    .bind(plan)
    .bind(except)
    .fetch_one(conn)
    .await
}

/// Objectives in use that a link may pay on, plus those in `keep`.
#[tracing::instrument(skip_all)]
pub async fn objective_choices(
    pool: &PgPool,
    keep: &[Uuid],
) -> Result<Vec<super::objectives::Choice>, sqlx::Error> {
    sqlx::query_as::<_, super::objectives::Choice>(
        "SELECT o.id, o.title || coalesce(' (' || d.name || ')', ' (organisation)')
                || CASE WHEN o.archived_at IS NULL THEN '' ELSE ' (archived)' END AS name
         FROM objectives o LEFT JOIN departments d ON d.id = o.owner_department_id
         WHERE o.archived_at IS NULL OR o.id = ANY($1)
         ORDER BY o.owner_department_id IS NOT NULL, d.name, lower(o.title)",
    )
    .bind(keep)
    .fetch_all(pool)
    .await
}
