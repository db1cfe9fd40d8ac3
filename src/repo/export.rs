//! Raw customer responses for export, streamed row by row (never all in memory).

use futures_util::stream::BoxStream;
use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::repo::metrics::ResponseFilter;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub submitted_at: OffsetDateTime,
    pub survey: String,
    pub score: i16,
    pub comment: Option<String>,
    pub touchpoint: Option<String>,
    pub department: Option<String>,
    pub segment: Option<String>,
    pub customer_ref: Option<String>,
    pub source: String,
    pub external_id: Option<String>,
}

/// Customer responses matching `filter`, oldest first, as a stream (run it on a
/// connection without the pool's short statement timeout: a download takes a while).
pub fn customer_responses<'a>(
    conn: &'a mut PgConnection,
    filter: &'a ResponseFilter,
    time_zone: &'a str,
) -> BoxStream<'a, Result<ExportRow, sqlx::Error>> {
    sqlx::query_as::<_, ExportRow>(
        r#"
        SELECT r.submitted_at, s.slug::text AS survey, r.score, r.comment, t.slug::text AS touchpoint,
               d.slug::text AS department, r.segment, r.customer_ref, r.source, r.external_id
        FROM responses r
        JOIN surveys s ON s.id = r.survey_id
        LEFT JOIN touchpoints t ON t.id = r.touchpoint_id
        LEFT JOIN departments d ON d.id = coalesce(t.owner_department_id, s.rated_department_id)
        WHERE r.survey_kind = 'customer'
          AND r.submitted_at >= ($1::date::timestamp AT TIME ZONE $8)
          AND r.submitted_at < ($2::date::timestamp AT TIME ZONE $8)
          AND ($3::uuid IS NULL OR r.survey_id = $3)
          AND ($5::uuid IS NULL OR coalesce(t.owner_department_id, s.rated_department_id) = $5)
          AND ($6::uuid IS NULL OR r.touchpoint_id = $6)
          AND ($7::text IS NULL OR r.segment = $7)
          AND ($4::text IS NULL OR $4 = 'customer')
        ORDER BY r.submitted_at, r.id
        "#,
    )
    .bind(filter.from)
    .bind(filter.to)
    .bind(filter.survey)
    .bind(filter.kind.as_deref())
    .bind(filter.department)
    .bind(filter.touchpoint)
    .bind(filter.segment.as_deref())
    .bind(time_zone)
    .fetch(conn)
}
