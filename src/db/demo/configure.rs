//! The demo organisation's configuration as rows: the organisation, departments and their
//! value chain, users, journey, surveys, themes, contact reasons and channels.

use super::{DEMO_USERS, Ids, catalogue, new_id};
use crate::domain::Keywords;
use rand::Rng;
use rand::rngs::StdRng;
use sqlx::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

/// Inserts everything the responses hang off, and returns the ids.
pub async fn configure(
    conn: &mut PgConnection,
    rng: &mut StdRng,
    password_hashes: &[String],
) -> anyhow::Result<Ids> {
    sqlx::query("INSERT INTO organisation (name, time_zone, currency) VALUES ($1, $2, $3)")
        .bind(catalogue::ORGANISATION)
        .bind(catalogue::TIME_ZONE)
        .bind(catalogue::CURRENCY)
        .execute(&mut *conn)
        .await?;
    let departments = insert_departments(conn, rng).await?;
    let heads = insert_users(conn, rng, &departments, password_hashes).await?;
    let touchpoints = insert_journey(conn, rng, &departments).await?;
    let surveys = insert_surveys(conn, rng, &departments, &touchpoints).await?;
    let themes = insert_themes(conn, rng, &departments).await?;
    let (reasons, channels) = insert_contact_catalogue(conn, rng, &departments).await?;
    Ok(Ids {
        departments,
        heads,
        touchpoints,
        touchpoint_surveys: surveys.touchpoints,
        relationship_survey: surveys.relationship,
        employee_survey: surveys.employee,
        internal_surveys: surveys.internal,
        themes,
        reasons,
        channels,
    })
}

async fn insert_departments(
    conn: &mut PgConnection,
    rng: &mut StdRng,
) -> Result<HashMap<&'static str, Uuid>, sqlx::Error> {
    let mut ids = HashMap::new();
    for department in catalogue::DEPARTMENTS {
        let id = new_id(rng);
        // The demo's HR, Finance, Legal and IT carry their function's slug.
        sqlx::query(
            "INSERT INTO departments (id, slug, name, kind, impact_statement, business_function) \
             VALUES ($1, $2, $3, $4, $5, CASE WHEN $2 IN ('hr', 'finance', 'legal', 'it') THEN $2 END)",
        )
            .bind(id)
            .bind(department.slug)
            .bind(department.name)
            .bind(department.kind)
            .bind(department.impact)
            .execute(&mut *conn)
            .await?;
        ids.insert(department.slug, id);
    }
    for (supplier, customers) in catalogue::SERVES {
        for customer in *customers {
            sqlx::query("INSERT INTO department_links (supplier_id, customer_id) VALUES ($1, $2)")
                .bind(ids[supplier])
                .bind(ids[customer])
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(ids)
}

/// Inserts the demo users and makes each head their department's head; returns the
/// heads by department slug.
async fn insert_users(
    conn: &mut PgConnection,
    rng: &mut StdRng,
    departments: &HashMap<&'static str, Uuid>,
    password_hashes: &[String],
) -> Result<HashMap<&'static str, Uuid>, sqlx::Error> {
    let mut heads = HashMap::new();
    for (user, password_hash) in DEMO_USERS.iter().zip(password_hashes) {
        let id = new_id(rng);
        let department = user.department.map(|slug| departments[slug]);
        sqlx::query(
            "INSERT INTO users (id, email, name, role, department_id, password_hash) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(user.email)
        .bind(user.name)
        .bind(user.role)
        .bind(department)
        .bind(password_hash)
        .execute(&mut *conn)
        .await?;
        if let (Some(slug), Some(department)) = (user.department, department) {
            sqlx::query("UPDATE departments SET head_user_id = $1 WHERE id = $2")
                .bind(id)
                .bind(department)
                .execute(&mut *conn)
                .await?;
            heads.insert(slug, id);
        }
    }
    Ok(heads)
}

/// Inserts the journey stages and touchpoints; returns the touchpoint ids in catalogue order.
async fn insert_journey(
    conn: &mut PgConnection,
    rng: &mut StdRng,
    departments: &HashMap<&'static str, Uuid>,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let mut stages = Vec::new();
    for (position, name) in catalogue::STAGES.iter().enumerate() {
        let id = new_id(rng);
        sqlx::query("INSERT INTO journey_stages (id, name, position) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(name)
            .bind(position as i32)
            .execute(&mut *conn)
            .await?;
        stages.push(id);
    }
    let mut touchpoints = Vec::new();
    for (position, touchpoint) in catalogue::TOUCHPOINTS.iter().enumerate() {
        let id = new_id(rng);
        sqlx::query(
            "INSERT INTO touchpoints (id, slug, name, stage_id, position, owner_department_id, channel) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(touchpoint.slug)
        .bind(touchpoint.name)
        .bind(stages[touchpoint.stage])
        .bind(position as i32)
        .bind(departments[touchpoint.owner])
        .bind(touchpoint.channel)
        .execute(&mut *conn)
        .await?;
        touchpoints.push(id);
    }
    Ok(touchpoints)
}

struct Surveys {
    touchpoints: Vec<Uuid>,
    relationship: Uuid,
    employee: Uuid,
    internal: Vec<Uuid>,
}

/// One survey per touchpoint, a relationship survey, an eNPS survey and an internal survey
/// per rated department, all open since before the first response.
async fn insert_surveys(
    conn: &mut PgConnection,
    rng: &mut StdRng,
    departments: &HashMap<&'static str, Uuid>,
    touchpoint_ids: &[Uuid],
) -> Result<Surveys, sqlx::Error> {
    let organisation = catalogue::ORGANISATION;
    let recommend =
        format!("how likely are you to recommend {organisation} to a friend or colleague?");
    let mut touchpoints = Vec::new();
    for (touchpoint, touchpoint_id) in catalogue::TOUCHPOINTS.iter().zip(touchpoint_ids) {
        let survey = NewSurvey {
            slug: &format!("{}-nps", touchpoint.slug),
            name: &format!("{} NPS", touchpoint.name),
            kind: "customer",
            question: &format!("Based on {}, {recommend}", touchpoint.moment),
            touchpoint: Some(*touchpoint_id),
            rated_department: None,
        };
        touchpoints.push(survey.insert(conn, rng).await?);
    }
    let relationship = NewSurvey {
        slug: "relationship-nps",
        name: "Relationship NPS",
        kind: "customer",
        question: &format!(
            "How likely are you to recommend {organisation} to a friend or colleague?"
        ),
        touchpoint: None,
        rated_department: None,
    };
    let relationship = relationship.insert(conn, rng).await?;
    let employee = NewSurvey {
        slug: "employee-nps",
        name: "Employee NPS",
        kind: "employee",
        question: &format!(
            "How likely are you to recommend working at {organisation} to a friend?"
        ),
        touchpoint: None,
        rated_department: None,
    };
    let employee = employee.insert(conn, rng).await?;
    let mut internal = Vec::new();
    for (slug, _) in catalogue::RATED {
        let name = catalogue::DEPARTMENTS
            .iter()
            .find(|d| d.slug == *slug)
            .map_or(*slug, |d| d.name);
        let survey = NewSurvey {
            slug: &format!("internal-nps-{slug}"),
            name: &format!("Internal NPS: {name}"),
            kind: "internal",
            question: &format!(
                "How likely are you to recommend the {name} department's service to a colleague?"
            ),
            touchpoint: None,
            rated_department: Some(departments[slug]),
        };
        internal.push(survey.insert(conn, rng).await?);
    }
    Ok(Surveys {
        touchpoints,
        relationship,
        employee,
        internal,
    })
}

struct NewSurvey<'a> {
    slug: &'a str,
    name: &'a str,
    kind: &'a str,
    question: &'a str,
    touchpoint: Option<Uuid>,
    rated_department: Option<Uuid>,
}

impl NewSurvey<'_> {
    async fn insert(&self, conn: &mut PgConnection, rng: &mut StdRng) -> Result<Uuid, sqlx::Error> {
        let id = new_id(rng);
        sqlx::query(
            "INSERT INTO surveys (id, slug, name, kind, public_token, question, touchpoint_id, rated_department_id, \
                                  opens_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() - interval '25 months', now() - interval '25 months')",
        )
        .bind(id)
        .bind(self.slug)
        .bind(self.name)
        .bind(self.kind)
        .bind(public_token(rng))
        .bind(self.question)
        .bind(self.touchpoint)
        .bind(self.rated_department)
        .execute(conn)
        .await?;
        Ok(id)
    }
}

/// 24 URL-safe characters: 144 bits, unguessable.
fn public_token(rng: &mut StdRng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..24)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Inserts the themes with their keywords normalised as the admin form would; returns
/// their ids in catalogue order.
async fn insert_themes(
    conn: &mut PgConnection,
    rng: &mut StdRng,
    departments: &HashMap<&'static str, Uuid>,
) -> anyhow::Result<Vec<Uuid>> {
    let mut ids = Vec::new();
    for theme in catalogue::THEMES {
        let id = new_id(rng);
        let keywords = Keywords::from_list(theme.keywords)?;
        sqlx::query(
            "INSERT INTO themes (id, name, keywords, owner_department_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(theme.name)
        .bind(keywords.as_slice())
        .bind(departments[theme.owner])
        .execute(&mut *conn)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// Inserts the contact reasons and channels; returns both id lists in catalogue order.
async fn insert_contact_catalogue(
    conn: &mut PgConnection,
    rng: &mut StdRng,
    departments: &HashMap<&'static str, Uuid>,
) -> Result<(Vec<Uuid>, Vec<Uuid>), sqlx::Error> {
    let mut reasons = Vec::new();
    for reason in catalogue::CONTACT_REASONS {
        let id = new_id(rng);
        sqlx::query(
            "INSERT INTO contact_reasons (id, slug, name, department_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(reason.slug)
        .bind(reason.name)
        .bind(departments[reason.department])
        .execute(&mut *conn)
        .await?;
        reasons.push(id);
    }
    let mut channels = Vec::new();
    for channel in catalogue::CHANNELS {
        let id = new_id(rng);
        sqlx::query(
            "INSERT INTO channels (id, slug, name, unit_cost_cents) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(channel.slug)
        .bind(channel.name)
        .bind(channel.unit_cost_cents)
        .execute(&mut *conn)
        .await?;
        channels.push(id);
    }
    Ok((reasons, channels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn public_tokens_fit_the_schema() {
        let mut rng = StdRng::seed_from_u64(1);
        let token = public_token(&mut rng);
        assert_eq!(token.len(), 24);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(token, public_token(&mut rng));
    }
}
