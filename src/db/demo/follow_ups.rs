//! The closed loop in the demo: a sample of recent detractors who explained themselves,
//! followed up by the department that owns the touchpoint — older ones mostly resolved,
//! the newest still open.

use super::Ids;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use uuid::Uuid;

const SAMPLE: usize = 300;

#[derive(sqlx::FromRow)]
struct Candidate {
    response_id: i64,
    department_id: Uuid,
    department: String,
    age_hours: f64,
}

/// The follow-ups to insert, column by column for UNNEST; times are hours after the
/// response came in.
#[derive(Default)]
struct FollowUps {
    response_ids: Vec<i64>,
    departments: Vec<Uuid>,
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
    let candidates: Vec<Candidate> = sqlx::query_as(
        "SELECT r.id AS response_id, d.id AS department_id, d.slug AS department, \
                extract(epoch FROM now() - r.submitted_at)::float8 / 3600 AS age_hours \
         FROM responses r \
         JOIN touchpoints t ON t.id = r.touchpoint_id \
         JOIN departments d ON d.id = t.owner_department_id \
         WHERE r.score <= 6 AND r.comment IS NOT NULL AND r.submitted_at >= now() - interval '60 days' \
         ORDER BY r.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut rows = FollowUps::default();
    for candidate in candidates.choose_multiple(rng, SAMPLE) {
        rows.push(candidate, ids, rng);
    }
    let inserted = sqlx::query(
        "INSERT INTO follow_ups (response_id, department_id, status, note, assigned_to, contacted_at, resolved_at, \
                                 resolved_by, created_at, updated_at) \
         SELECT f.response_id, f.department_id, f.status, f.note, f.assigned_to, \
                r.submitted_at + f.contacted_after * interval '1 hour', \
                r.submitted_at + f.resolved_after * interval '1 hour', \
                CASE WHEN f.status = 'resolved' THEN f.assigned_to END, \
                r.submitted_at, \
                r.submitted_at + coalesce(f.resolved_after, f.contacted_after, 0) * interval '1 hour' \
         FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::float8[], $7::float8[]) \
              AS f (response_id, department_id, status, note, assigned_to, contacted_after, resolved_after) \
         JOIN responses r ON r.id = f.response_id",
    )
    .bind(&rows.response_ids)
    .bind(&rows.departments)
    .bind(&rows.statuses)
    .bind(&rows.notes)
    .bind(&rows.assignees)
    .bind(&rows.contacted_after)
    .bind(&rows.resolved_after)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected())
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
        self.response_ids.push(candidate.response_id);
        self.departments.push(candidate.department_id);
        self.statuses.push(status);
        self.notes.push(note(&candidate.department, status, rng));
        self.assignees.push(ids.head(&candidate.department));
        self.contacted_after.push(contacted_after);
        self.resolved_after.push(resolved_after);
    }
}

/// Most detractors older than two weeks have been resolved.
fn resolved_share(age_hours: f64) -> f64 {
    if age_hours > 14.0 * 24.0 { 0.75 } else { 0.35 }
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
