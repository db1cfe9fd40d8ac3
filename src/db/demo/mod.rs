//! The demo organisation: Northwind Energy and two years of its customer-centricity
//! programme — departments, journey, surveys, ~230,000 responses, service contacts,
//! objectives, incentives and follow-ups — loaded into an empty database in one transaction.

mod catalogue;
mod comments;
mod configure;
mod follow_ups;
mod generate;
mod objectives;
mod story;

use crate::domain::{Keywords, Password};
use crate::repo::rollups;
use anyhow::{Context, bail};
use generate::{Generator, Window};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use std::collections::HashMap;
use std::fmt::Write;
use std::io::IsTerminal;
use std::time::{Duration, Instant};
use time::Date;
use uuid::Uuid;

/// The password of every demo user (documented in the README).
pub const DEMO_PASSWORD: &str = "centric-demo-2026";

pub struct DemoUser {
    pub email: &'static str,
    pub name: &'static str,
    /// "cx-lead", "department-head" or "executive".
    pub role: &'static str,
    /// The slug of the department a head leads.
    pub department: Option<&'static str>,
}

const fn head(email: &'static str, name: &'static str, department: &'static str) -> DemoUser {
    DemoUser {
        email,
        name,
        role: "department-head",
        department: Some(department),
    }
}

pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser {
        email: "cx@demo.centric",
        name: "Charlotte de Vries",
        role: "cx-lead",
        department: None,
    },
    DemoUser {
        email: "exec@demo.centric",
        name: "Marc Jansen",
        role: "executive",
        department: None,
    },
    head(
        "customer-service@demo.centric",
        "Fatima El Amrani",
        "customer-service",
    ),
    head("sales@demo.centric", "Tom Bakker", "sales"),
    head("marketing@demo.centric", "Lisa Visser", "marketing"),
    head("operations@demo.centric", "Pieter Smit", "operations"),
    head("hr@demo.centric", "Anouk Meijer", "hr"),
    head("finance@demo.centric", "Ruben de Boer", "finance"),
    head("legal@demo.centric", "Sophie Mulder", "legal"),
    head("it@demo.centric", "Daan Hendriks", "it"),
];

/// What the demo loaded.
#[derive(Debug, sqlx::FromRow)]
pub struct DemoSummary {
    pub departments: i64,
    pub touchpoints: i64,
    pub surveys: i64,
    pub responses: i64,
    pub contacts: i64,
    pub users: i64,
    pub objectives: i64,
}

/// The database ids of the demo's configuration, for the rows that refer to it.
pub struct Ids {
    pub departments: HashMap<&'static str, Uuid>,
    /// The head user of each department, by department slug.
    pub heads: HashMap<&'static str, Uuid>,
    /// Parallel to `catalogue::TOUCHPOINTS`.
    pub touchpoints: Vec<Uuid>,
    /// Parallel to `catalogue::TOUCHPOINTS`: each touchpoint's customer survey.
    pub touchpoint_surveys: Vec<Uuid>,
    pub relationship_survey: Uuid,
    pub employee_survey: Uuid,
    /// Parallel to `catalogue::RATED`.
    pub internal_surveys: Vec<Uuid>,
    /// Parallel to `catalogue::THEMES`.
    pub themes: Vec<Uuid>,
    /// Parallel to `catalogue::CONTACT_REASONS`.
    pub reasons: Vec<Uuid>,
    /// Parallel to `catalogue::CHANNELS`.
    pub channels: Vec<Uuid>,
}

impl Ids {
    pub fn department(&self, slug: &str) -> Uuid {
        self.departments[slug]
    }

    pub fn head(&self, department: &str) -> Uuid {
        self.heads[department]
    }

    pub fn touchpoint(&self, slug: &str) -> Uuid {
        let index = catalogue::TOUCHPOINTS.iter().position(|t| t.slug == slug);
        self.touchpoints[index.expect("a catalogue touchpoint")]
    }
}

/// The same seed every time: the demo is the same story for everyone on the same day.
const SEED: u64 = 20_261_124;
/// COPY data goes to the server in pieces of about this many bytes.
const COPY_CHUNK: usize = 4 << 20;

/// True when there is no organisation and no department yet.
#[tracing::instrument(skip_all)]
pub async fn is_empty(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM organisation) AND NOT EXISTS (SELECT 1 FROM departments)",
    )
    .fetch_one(pool)
    .await
}

/// Is the demo organisation loaded (so its documented accounts exist)?
pub async fn is_loaded(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = $1)")
        .bind(DEMO_USERS[0].email)
        .fetch_one(pool)
        .await
}

/// Loads the demo organisation into an empty database: all of it, or nothing.
pub async fn load(pool: &PgPool, show_progress: bool) -> anyhow::Result<DemoSummary> {
    load_scaled(pool, show_progress, None).await
}

/// Loads the demo with about `responses` survey responses over the same 24 months
/// instead of the usual ~230,000 (for benchmarks): each day's volume is scaled, and
/// everything derived from responses (theme tags, follow-ups, rollups) is built from
/// them as usual. `None` loads the demo as documented.
pub async fn load_scaled(
    pool: &PgPool,
    show_progress: bool,
    responses: Option<u64>,
) -> anyhow::Result<DemoSummary> {
    let started = Instant::now();
    if !is_empty(pool).await? {
        bail!(
            "the database already holds an organisation; the demo loads only into an empty database"
        );
    }
    let progress = Progress::new(show_progress);
    progress.stage("hashing the demo users' passwords");
    let password_hashes = hash_passwords().await?;

    // A connection of its own: the bulk statements below are slow by design, and would
    // otherwise be logged as slow-statement warnings.
    let options = pool
        .connect_options()
        .as_ref()
        .clone()
        .disable_statement_logging();
    let mut conn = PgConnection::connect_with(&options).await?;
    let mut tx = conn.begin().await?;
    // Bulk work outlasts the statement timeout meant for requests, and COPY reads the
    // generated local times in the organisation's zone.
    sqlx::query(
        "SELECT set_config('statement_timeout', '0', true), set_config('TimeZone', $1, true)",
    )
    .bind(catalogue::TIME_ZONE)
    .execute(&mut *tx)
    .await?;
    let window = window(&mut tx).await?;
    let mut rng = StdRng::seed_from_u64(SEED);

    progress.stage("organisation, departments, journey and surveys");
    let ids = configure::configure(&mut tx, &mut rng, &password_hashes).await?;
    let mut generator = Generator::new(&ids, window, rng.random());
    if let Some(responses) = responses {
        generator = generator.scaled_to(responses);
    }
    progress.bar("responses", generator.expected_responses());
    copy_days(&mut tx, generate::RESPONSES_COPY, window, |day, csv| {
        progress.advance(generator.responses(day, csv));
    })
    .await?;
    progress.complete();
    progress.stage("tagging comments with themes");
    let tagged = tag_themes(&mut tx, &ids.themes).await?;
    progress.stage("service contacts");
    copy_days(&mut tx, generate::CONTACTS_COPY, window, |day, csv| {
        generator.contacts(day, csv);
    })
    .await?;
    progress.stage("objectives, KPIs and incentive plans");
    objectives::load(&mut tx, &ids, &mut rng, window.end.date()).await?;
    progress.stage("follow-ups");
    let follow_ups = follow_ups::load(&mut tx, &ids, &mut rng).await?;
    progress.stage("rollups");
    rollups::rebuild(&mut tx).await?;
    // Dashboards run right after the demo; give the planner statistics before autovacuum would.
    sqlx::query(
        "ANALYZE responses, response_themes, service_contacts, \
                 response_rollups_daily, contact_rollups_daily",
    )
    .execute(&mut *tx)
    .await?;
    let summary = summarise(&mut tx).await?;
    tx.commit().await?;
    conn.close().await?;
    progress.finish();

    tracing::info!(
        responses = summary.responses,
        contacts = summary.contacts,
        theme_tags = tagged,
        follow_ups,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "loaded the demo organisation {}",
        catalogue::ORGANISATION
    );
    Ok(summary)
}

/// Stage names and a bar for the responses on a terminal; nothing otherwise.
struct Progress(ProgressBar);

impl Progress {
    fn new(show: bool) -> Self {
        if !(show && std::io::stderr().is_terminal()) {
            return Self(ProgressBar::hidden());
        }
        let bar = ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(bar)
    }

    fn stage(&self, name: &'static str) {
        self.0
            .set_style(ProgressStyle::with_template("{spinner} {msg}").expect("valid template"));
        self.0.set_message(name);
    }

    fn bar(&self, name: &'static str, length: u64) {
        let style = ProgressStyle::with_template("{msg} [{bar:40}] {human_pos}/{human_len}")
            .expect("valid template")
            .progress_chars("=> ");
        self.0.set_length(length);
        self.0.set_position(0);
        self.0.set_style(style);
        self.0.set_message(name);
    }

    fn advance(&self, rows: usize) {
        self.0.inc(rows as u64);
    }

    /// Ends the bar at what was done, whatever the estimate was.
    fn complete(&self) {
        self.0.set_length(self.0.position());
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// Each user gets their own salted hash; two run at a time, like logins do.
async fn hash_passwords() -> anyhow::Result<Vec<String>> {
    let password = Password::parse(DEMO_PASSWORD)?;
    let hashes = DEMO_USERS
        .iter()
        .map(|_| crate::services::passwords::hash(&password));
    Ok(futures_util::future::join_all(hashes).await)
}

/// 24 months ending an hour ago, in local time (the session's time zone).
async fn window(conn: &mut PgConnection) -> Result<Window, sqlx::Error> {
    let (end, start) = sqlx::query_as(
        "SELECT localtimestamp(0) - interval '1 hour', (localtimestamp - interval '24 months')::date",
    )
    .fetch_one(conn)
    .await?;
    Ok(Window { start, end })
}

/// A random (version 4) id from the seeded generator, so ids repeat with the demo.
fn new_id(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// Streams generated rows to a COPY a day at a time, sending a chunk whenever a few MB
/// have piled up, so the server digests one chunk while the next is generated.
async fn copy_days(
    conn: &mut PgConnection,
    statement: &str,
    window: Window,
    mut generate_day: impl FnMut(Date, &mut String),
) -> Result<(), sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    let mut csv = String::with_capacity(COPY_CHUNK + (1 << 16));
    for day in window.days() {
        generate_day(day, &mut csv);
        if csv.len() >= COPY_CHUNK {
            copy.send(csv.as_bytes()).await?;
            csv.clear();
        }
    }
    copy.send(csv.as_bytes()).await?;
    copy.finish().await?;
    Ok(())
}

/// Tags every response with the themes its comment matches. The corpus is small, so each
/// distinct comment is matched once here and the database joins the result.
async fn tag_themes(conn: &mut PgConnection, themes: &[Uuid]) -> anyhow::Result<u64> {
    let matchers = catalogue::THEMES
        .iter()
        .map(|theme| Keywords::from_list(theme.keywords))
        .collect::<Result<Vec<_>, _>>()?;
    let mut csv = String::new();
    for comment in comments::corpus() {
        for (matcher, theme) in matchers.iter().zip(themes) {
            if matcher.matches(comment) {
                let _ = writeln!(csv, "\"{}\",{theme}", comment.replace('"', "\"\""));
            }
        }
    }
    sqlx::query(
        "CREATE TEMPORARY TABLE demo_comment_themes (comment text NOT NULL, theme_id uuid NOT NULL) \
         ON COMMIT DROP",
    )
    .execute(&mut *conn)
    .await?;
    let mut copy = conn
        .copy_in_raw("COPY demo_comment_themes (comment, theme_id) FROM STDIN WITH (FORMAT csv)")
        .await?;
    copy.send(csv.as_bytes()).await?;
    copy.finish().await?;
    let tagged = sqlx::query(
        "INSERT INTO response_themes (response_id, theme_id) \
         SELECT r.id, m.theme_id FROM responses r JOIN demo_comment_themes m ON m.comment = r.comment",
    )
    .execute(&mut *conn)
    .await
    .context("tagging responses with themes")?;
    Ok(tagged.rows_affected())
}

async fn summarise(conn: &mut PgConnection) -> Result<DemoSummary, sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM departments) AS departments, \
                (SELECT count(*) FROM touchpoints) AS touchpoints, \
                (SELECT count(*) FROM surveys) AS surveys, \
                (SELECT count(*) FROM responses) AS responses, \
                (SELECT count(*) FROM service_contacts) AS contacts, \
                (SELECT count(*) FROM users) AS users, \
                (SELECT count(*) FROM objectives) AS objectives",
    )
    .fetch_one(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, Role, Slug};

    #[test]
    fn demo_users_are_valid_and_every_department_has_one_head() {
        assert!(Password::parse(DEMO_PASSWORD).is_ok());
        for user in DEMO_USERS {
            assert!(Email::parse(user.email).is_ok(), "{}", user.email);
            let role = Role::parse(user.role).unwrap();
            assert_eq!(
                role == Role::DepartmentHead,
                user.department.is_some(),
                "{}",
                user.email
            );
        }
        for department in catalogue::DEPARTMENTS {
            let heads = DEMO_USERS
                .iter()
                .filter(|u| u.department == Some(department.slug))
                .count();
            assert_eq!(heads, 1, "{}", department.slug);
        }
        let roles: Vec<&str> = DEMO_USERS.iter().map(|u| u.role).collect();
        assert!(roles.contains(&"cx-lead") && roles.contains(&"executive"));
    }

    #[test]
    fn catalogue_slugs_and_references_are_valid() {
        let departments: Vec<&str> = catalogue::DEPARTMENTS.iter().map(|d| d.slug).collect();
        let touchpoint_slugs = catalogue::TOUCHPOINTS.iter().map(|t| t.slug);
        let reason_slugs = catalogue::CONTACT_REASONS.iter().map(|r| r.slug);
        for slug in departments
            .iter()
            .copied()
            .chain(touchpoint_slugs)
            .chain(reason_slugs)
        {
            assert!(Slug::parse(slug).is_ok(), "{slug}");
        }
        for touchpoint in catalogue::TOUCHPOINTS {
            assert!(
                departments.contains(&touchpoint.owner),
                "{}",
                touchpoint.slug
            );
            assert!(touchpoint.stage < catalogue::STAGES.len());
            if touchpoint.owner == "it" {
                assert_eq!(touchpoint.channel, "digital", "{}", touchpoint.slug);
            }
        }
        for (supplier, customers) in catalogue::SERVES {
            assert!(departments.contains(supplier));
            assert!(
                customers
                    .iter()
                    .all(|c| departments.contains(c) && c != supplier)
            );
        }
        for (rated, _) in catalogue::RATED {
            assert!(
                !catalogue::customers_of(rated).is_empty(),
                "{rated} serves nobody"
            );
        }
        for theme in catalogue::THEMES {
            assert!(departments.contains(&theme.owner), "{}", theme.name);
        }
    }

    #[test]
    fn every_touchpoint_has_its_own_comments_and_detractors_name_a_theme() {
        let themes: Vec<Keywords> = catalogue::THEMES
            .iter()
            .map(|t| Keywords::from_list(t.keywords).unwrap())
            .collect();
        let relationship = comments::customer(None);
        let mut customer_pools = vec![relationship];
        for touchpoint in catalogue::TOUCHPOINTS {
            let pool = comments::customer(Some(touchpoint.slug));
            assert!(
                !std::ptr::eq(pool, relationship),
                "{} has no comments of its own",
                touchpoint.slug
            );
            customer_pools.push(pool);
        }
        for comment in customer_pools.iter().flat_map(|pool| pool.detractor) {
            assert!(
                themes.iter().any(|t| t.matches(comment)),
                "no theme for {comment:?}"
            );
        }
        assert!(
            comments::corpus()
                .iter()
                .all(|comment| comment.len() <= 2000 && !comment.is_empty())
        );
        assert!(
            comments::corpus().len() >= 120,
            "{} distinct comments",
            comments::corpus().len()
        );
    }
}
