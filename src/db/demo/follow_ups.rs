//! The closed loop in the demo: every recent detractor raises follow-ups exactly as
//! ingestion would, and each department has worked through them — older ones mostly
//! resolved, the newest still open.

use super::Ids;
use crate::repo::follow_ups::{RAISE_WITHIN_DAYS, raise_for};
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Candidate {
    id: Uuid,
    department: String,
    age_hours: f64,
}

/// How far each follow-up got, column by column for UNNEST; times are hours after the
/// response came in.
#[derive(Default)]
struct FollowUps {
    ids: Vec<Uuid>,
    statuses: Vec<&'static str>,
    notes: Vec<&'static str>,
    assignees: Vec<Uuid>,
    contacted_after: Vec<Option<f64>>,
    resolved_after: Vec<Option<f64>>,
}

pub async fn load(
    conn: &mut sqlx::PgConnection,
    ids: &Ids,
    rng: &mut StdRng,
) -> Result<u64, sqlx::Error> {
    let recent: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM responses \
         WHERE survey_kind = 'customer' AND score <= 6 AND submitted_at >= now() - make_interval(days => $1)",
    )
    .bind(RAISE_WITHIN_DAYS)
    .fetch_all(&mut *conn)
    .await?;
    let raised = raise_for(conn, &recent).await?;
    let candidates: Vec<Candidate> = sqlx::query_as(
        "SELECT f.id, d.slug::text AS department, \
                extract(epoch FROM now() - r.submitted_at)::float8 / 3600 AS age_hours \
         FROM follow_ups f JOIN responses r ON r.id = f.response_id JOIN departments d ON d.id = f.department_id \
         ORDER BY f.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut rows = FollowUps::default();
    for candidate in &candidates {
        rows.push(candidate, ids, rng);
    }
    // Raised when the response came in, worked since.
    sqlx::query(
        "UPDATE follow_ups f SET status = x.status, note = x.note, assigned_to = x.assigned_to, \
                contacted_at = r.submitted_at + x.contacted_after * interval '1 hour', \
                resolved_at = r.submitted_at + x.resolved_after * interval '1 hour', \
                resolved_by = CASE WHEN x.status = 'resolved' THEN x.assigned_to END, \
                created_at = r.submitted_at, \
                updated_at = r.submitted_at + coalesce(x.resolved_after, x.contacted_after, 0) * interval '1 hour' \
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::float8[], $6::float8[]) \
              AS x (id, status, note, assigned_to, contacted_after, resolved_after), responses r \
         WHERE f.id = x.id AND r.id = f.response_id",
    )
    .bind(&rows.ids)
    .bind(&rows.statuses)
    .bind(&rows.notes)
    .bind(&rows.assignees)
    .bind(&rows.contacted_after)
    .bind(&rows.resolved_after)
    .execute(conn)
    .await?;
    Ok(raised)
}

impl FollowUps {
    /// Decides how far the department got, never past the present.
    fn push(&mut self, candidate: &Candidate, ids: &Ids, rng: &mut StdRng) {
        let age = candidate.age_hours;
        let contacted = rng.random_range(2.0..48.0_f64);
        let resolved = contacted + rng.random_range(1.0..96.0_f64);
        let progress: f64 = rng.random();
        let (status, contacted_after, resolved_after) =
            if age > resolved && progress < resolved_share(age) {
                ("resolved", Some(contacted), Some(resolved))
            } else if age > contacted && progress < 0.85 {
                ("contacted", Some(contacted), None)
            } else {
                ("open", None, None)
            };
        self.ids.push(candidate.id);
        self.statuses.push(status);
        self.notes.push(note(&candidate.department, status, rng));
        self.assignees.push(ids.head(&candidate.department));
        self.contacted_after.push(contacted_after);
        self.resolved_after.push(resolved_after);
    }
}

/// Most detractors older than the week's deadline have been resolved; a few slip.
fn resolved_share(age_hours: f64) -> f64 {
    if age_hours > 7.0 * 24.0 { 0.9 } else { 0.4 }
}

fn note(department: &str, status: &str, rng: &mut StdRng) -> &'static str {
    let notes: &[&str] = match (status, department) {
        ("open", _) => &[""],
        ("contacted", _) => &[
            "Left a voicemail; will try again tomorrow.",
            "E-mailed the customer to set up a call.",
            "Spoke to the customer; waiting for details from the team.",
        ],
        (_, "finance") => &[
            "Walked the customer through the invoice line by line and credited the estimated overcharge.",
            "Billing error corrected, refund sent; fed the case into the invoice redesign.",
        ],
        (_, "legal") => &[
            "Explained the clause in plain words and waived the cancellation fee.",
            "Sent the one-page contract summary; the customer is satisfied.",
        ],
        (_, "it") => &[
            "Reset the account and confirmed the customer can log in again.",
            "Bug reproduced and fixed in the next app release; customer informed.",
        ],
        (_, "operations") => &[
            "Rebooked the engineer for the first slot and apologised.",
            "Called after the repair; everything works again.",
        ],
        _ => &[
            "Called the customer, apologised and solved the issue.",
            "Customer called back personally; problem solved.",
        ],
    };
    notes.choose(rng).copied().unwrap_or_default()
}
