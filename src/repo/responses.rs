//! Survey responses and their daily rollups, written together: every insert or delete
//! adjusts the rollups in the same statement (one aggregated upsert per batch, not a
//! per-row trigger), so dashboards can read O(days) rows and never disagree with the raw.

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

/// A response ready to store (validated by the service that built it).
#[derive(Debug, Clone)]
pub struct NewResponse {
    pub survey_id: Uuid,
    pub survey_kind: String,
    pub score: i16,
    pub comment: Option<String>,
    pub submitted_at: OffsetDateTime,
    pub touchpoint_id: Option<Uuid>,
    pub segment: Option<String>,
    pub respondent_department_id: Option<Uuid>,
    pub customer_ref: Option<String>,
    pub source: &'static str,
    pub external_id: Option<String>,
    pub submission_id: Option<Uuid>,
    pub import_id: Option<Uuid>,
}

/// A stored response, as the insert reports it back.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Stored {
    pub id: i64,
    pub survey_id: Uuid,
    pub external_id: Option<String>,
    pub comment: Option<String>,
}

/// Inserts `rows` and counts them into the rollups, in one statement. Rows whose
/// `external_id` (per survey) or `submission_id` already exists are skipped, not
/// duplicated; the stored ones are returned.
#[tracing::instrument(skip_all, fields(rows = rows.len()))]
pub async fn insert_batch(
    conn: &mut PgConnection,
    rows: &[NewResponse],
    time_zone: &str,
    counting: Counting,
) -> Result<Vec<Stored>, sqlx::Error> {
    let column =
        |f: &dyn Fn(&NewResponse) -> Option<String>| rows.iter().map(f).collect::<Vec<_>>();
    sqlx::query_as::<_, Stored>(
        r#"
        WITH inserted AS (
            INSERT INTO responses (survey_id, survey_kind, score, comment, submitted_at, touchpoint_id, segment,
                                   respondent_department_id, customer_ref, source, external_id, submission_id, import_id)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::smallint[], $4::text[], $5::timestamptz[], $6::uuid[],
                                 $7::text[], $8::uuid[], $9::text[], $10::text[], $11::text[], $12::uuid[], $13::uuid[])
            ON CONFLICT DO NOTHING
            RETURNING id, survey_id, score, comment, submitted_at, touchpoint_id, segment, respondent_department_id, external_id
        ), counted AS (
            INSERT INTO response_rollups_daily AS r
                (day, survey_id, touchpoint_id, segment, respondent_department_id, promoters, passives, detractors)
            SELECT (submitted_at AT TIME ZONE $14)::date, survey_id, touchpoint_id, segment, respondent_department_id,
                   count(*) FILTER (WHERE score >= 9), count(*) FILTER (WHERE score BETWEEN 7 AND 8),
                   count(*) FILTER (WHERE score <= 6)
            FROM inserted
            WHERE $15
            GROUP BY 1, 2, 3, 4, 5
            -- A fixed order, so concurrent batches lock rollup rows in the same order.
            ORDER BY 2, 1, 3, 4, 5
            ON CONFLICT ON CONSTRAINT response_rollups_daily_key DO UPDATE SET
                promoters = r.promoters + excluded.promoters,
                passives = r.passives + excluded.passives,
                detractors = r.detractors + excluded.detractors
        )
        SELECT id, survey_id, external_id, comment FROM inserted
        "#,
    )
    .bind(rows.iter().map(|r| r.survey_id).collect::<Vec<_>>())
    .bind(column(&|r| Some(r.survey_kind.clone())))
    .bind(rows.iter().map(|r| r.score).collect::<Vec<_>>())
    .bind(column(&|r| r.comment.clone()))
    .bind(rows.iter().map(|r| r.submitted_at).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.touchpoint_id).collect::<Vec<_>>())
    .bind(column(&|r| r.segment.clone()))
    .bind(rows.iter().map(|r| r.respondent_department_id).collect::<Vec<_>>())
    .bind(column(&|r| r.customer_ref.clone()))
    .bind(column(&|r| Some(r.source.to_owned())))
    .bind(column(&|r| r.external_id.clone()))
    .bind(rows.iter().map(|r| r.submission_id).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.import_id).collect::<Vec<_>>())
    .bind(time_zone)
    .bind(counting == Counting::Now)
    .fetch_all(conn)
    .await
}

/// Whether a batch is added to the rollups as it is inserted, or later in one go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counting {
    Now,
    /// For long imports: rollup rows are then locked only for the final upsert
    /// ([`count_import`]), not for the whole import, so live answers are not blocked.
    Deferred,
}

/// Adds an import's responses to the rollups in one aggregated upsert.
#[tracing::instrument(skip_all)]
pub async fn count_import(
    conn: &mut PgConnection,
    import_id: Uuid,
    time_zone: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"
        INSERT INTO response_rollups_daily AS r
            (day, survey_id, touchpoint_id, segment, respondent_department_id, promoters, passives, detractors)
        SELECT (submitted_at AT TIME ZONE $2)::date, survey_id, touchpoint_id, segment, respondent_department_id,
               count(*) FILTER (WHERE score >= 9), count(*) FILTER (WHERE score BETWEEN 7 AND 8),
               count(*) FILTER (WHERE score <= 6)
        FROM responses WHERE import_id = $1
        GROUP BY 1, 2, 3, 4, 5
        ORDER BY 2, 1, 3, 4, 5
        ON CONFLICT ON CONSTRAINT response_rollups_daily_key DO UPDATE SET
            promoters = r.promoters + excluded.promoters,
            passives = r.passives + excluded.passives,
            detractors = r.detractors + excluded.detractors
        "#,
    )
    .bind(import_id)
    .bind(time_zone)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Deletes responses and takes them out of the rollups, in one statement. Their theme
/// tags go with them; a response with a follow-up is refused by its foreign key.
#[tracing::instrument(skip_all, fields(rows = ids.len()))]
pub async fn delete(
    conn: &mut PgConnection,
    ids: &[i64],
    time_zone: &str,
) -> Result<u64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        r#"
        WITH deleted AS (
            DELETE FROM responses WHERE id = ANY($1)
            RETURNING score, submitted_at, survey_id, touchpoint_id, segment, respondent_department_id
        ), removed AS (
            SELECT (submitted_at AT TIME ZONE $2)::date AS day, survey_id, touchpoint_id, segment, respondent_department_id,
                   count(*) FILTER (WHERE score >= 9) AS promoters,
                   count(*) FILTER (WHERE score BETWEEN 7 AND 8) AS passives,
                   count(*) FILTER (WHERE score <= 6) AS detractors
            FROM deleted GROUP BY 1, 2, 3, 4, 5
        ), uncounted AS (
            UPDATE response_rollups_daily r SET
                promoters = r.promoters - x.promoters,
                passives = r.passives - x.passives,
                detractors = r.detractors - x.detractors
            FROM removed x
            WHERE r.day = x.day AND r.survey_id = x.survey_id
              AND r.touchpoint_id IS NOT DISTINCT FROM x.touchpoint_id
              AND r.segment IS NOT DISTINCT FROM x.segment
              AND r.respondent_department_id IS NOT DISTINCT FROM x.respondent_department_id
        )
        SELECT count(*) FROM deleted
        "#,
    )
    .bind(ids)
    .bind(time_zone)
    .fetch_one(conn)
    .await
    .map(|n| n as u64)
}

/// The organisation's time zone, in which rollup days are counted ('UTC' before setup).
pub async fn time_zone(conn: &mut PgConnection) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT coalesce((SELECT time_zone FROM organisation), 'UTC')")
        .fetch_one(conn)
        .await
}

/// Tags stored responses with the themes whose keywords their comments match.
#[tracing::instrument(skip_all)]
pub async fn tag(conn: &mut PgConnection, tags: &[(i64, Uuid)]) -> Result<(), sqlx::Error> {
    if tags.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO response_themes (response_id, theme_id) SELECT * FROM unnest($1::bigint[], $2::uuid[]) ON CONFLICT DO NOTHING",
    )
    .bind(tags.iter().map(|t| t.0).collect::<Vec<_>>())
    .bind(tags.iter().map(|t| t.1).collect::<Vec<_>>())
    .execute(conn)
    .await
    .map(|_| ())
}
