//! The organisation's settings (a single row).

use sqlx::PgPool;

/// The organisation's name, if it has been set up.
#[tracing::instrument(skip_all)]
pub async fn name(pool: &PgPool) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM organisation")
        .fetch_optional(pool)
        .await
}

/// How much of the programme exists: the at-a-glance numbers of the landing pages.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ProgrammeCounts {
    pub departments: i64,
    pub touchpoints: i64,
    pub open_surveys: i64,
    pub objectives: i64,
    pub incentive_plans: i64,
    pub themes: i64,
    pub users: i64,
    pub active_tokens: i64,
    pub responses_90_days: i64,
    pub open_follow_ups: i64,
}

#[tracing::instrument(skip_all)]
pub async fn counts(pool: &PgPool) -> Result<ProgrammeCounts, sqlx::Error> {
    sqlx::query_as::<_, ProgrammeCounts>(
        r#"
        SELECT (SELECT count(*) FROM departments WHERE archived_at IS NULL) AS departments,
               (SELECT count(*) FROM touchpoints WHERE archived_at IS NULL) AS touchpoints,
               (SELECT count(*) FROM surveys WHERE archived_at IS NULL AND closed_at IS NULL) AS open_surveys,
               (SELECT count(*) FROM objectives WHERE archived_at IS NULL) AS objectives,
               (SELECT count(*) FROM incentive_plans WHERE archived_at IS NULL) AS incentive_plans,
               (SELECT count(*) FROM themes WHERE archived_at IS NULL) AS themes,
               (SELECT count(*) FROM users WHERE disabled_at IS NULL) AS users,
               (SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL) AS active_tokens,
               (SELECT coalesce(sum(promoters + passives + detractors), 0)::bigint
                  FROM response_rollups_daily WHERE day >= $1) AS responses_90_days,
               (SELECT count(*) FROM follow_ups WHERE status <> 'resolved') AS open_follow_ups
        "#,
    )
    // The last 90 days, today (in the organisation's time zone) the last of them.
    .bind(super::metrics::today(pool).await? - time::Duration::days(89))
    .fetch_one(pool)
    .await
}

/// The organisation's name and programme counts, as the landing pages show them.
pub async fn summary(pool: &PgPool) -> Result<(Option<String>, ProgrammeCounts), sqlx::Error> {
    Ok((name(pool).await?, counts(pool).await?))
}

/// Something configured but incomplete, with where to fix it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Gap {
    /// Which list it belongs to (see `gaps`).
    pub kind: String,
    pub name: String,
    pub fix_url: String,
}

/// What is missing from the programme: departments without objectives, touchpoints
/// without an owner, open surveys without responses in 30 days, objectives that no
/// incentive pays on, and themes that tag no comment.
#[tracing::instrument(skip_all)]
pub async fn gaps(pool: &PgPool) -> Result<Vec<Gap>, sqlx::Error> {
    sqlx::query_as::<_, Gap>(
        r#"
        SELECT 'department' AS kind, d.name, '/admin/objectives/new' AS fix_url
        FROM departments d
        WHERE d.archived_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM objectives o WHERE o.owner_department_id = d.id AND o.archived_at IS NULL)
        UNION ALL
        SELECT 'touchpoint', t.name, '/admin/touchpoints/' || t.id
        FROM touchpoints t WHERE t.archived_at IS NULL AND t.owner_department_id IS NULL
        UNION ALL
        SELECT 'survey', s.name, '/admin/surveys/' || s.id
        FROM surveys s
        WHERE s.archived_at IS NULL AND (s.closed_at IS NULL OR s.closed_at > now()) AND s.opens_at <= now()
          AND NOT EXISTS (SELECT 1 FROM response_rollups_daily r WHERE r.survey_id = s.id AND r.day >= $1)
        UNION ALL
        SELECT 'objective', o.title, '/admin/plans'
        FROM objectives o
        WHERE o.archived_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM incentive_links l JOIN incentive_plans p ON p.id = l.plan_id
                          WHERE l.objective_id = o.id AND p.archived_at IS NULL)
        UNION ALL
        SELECT 'theme', th.name, '/admin/themes/' || th.id
        FROM themes th
        WHERE th.archived_at IS NULL AND NOT EXISTS (SELECT 1 FROM response_themes rt WHERE rt.theme_id = th.id)
        ORDER BY 1, 2
        "#,
    )
    .bind(time::OffsetDateTime::now_utc().date() - time::Duration::days(30))
    .fetch_all(pool)
    .await
}
