//! The two catalogues a service contact refers to: contact reasons (each charged to the
//! department whose work caused the contact) and channels (each with a unit cost). They
//! share their shape, so one set of functions serves both; what differs is the one
//! column each has of its own.

use const_format::concatcp;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catalogue {
    Reasons,
    Channels,
}

impl Catalogue {
    /// What one entry is called in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Reasons => "contact reason",
            Self::Channels => "channel",
        }
    }

    /// The unique constraint on the slug (a second line of defence behind the check).
    pub fn slug_key(self) -> &'static str {
        match self {
            Self::Reasons => "contact_reasons_slug_key",
            Self::Channels => "channels_slug_key",
        }
    }

    /// Orders changes to one catalogue, so that "is this name taken?" stays true until
    /// the change commits (names have no unique index of their own).
    fn change_lock(self) -> i64 {
        match self {
            Self::Reasons => 0x636f_6e74_7265,  // "contre"
            Self::Channels => 0x6368_616e_6e6c, // "channl"
        }
    }

    /// This catalogue's statements.
    fn sql(self) -> &'static Statements {
        match self {
            Self::Reasons => &REASONS,
            Self::Channels => &CHANNELS,
        }
    }
}

/// Every statement, written out per catalogue at compile time: table and column names
/// come from these two literals only, and every value is a bound parameter.
struct Statements {
    list: &'static str,
    count: &'static str,
    get: &'static str,
    taken: &'static str,
    insert: &'static str,
    lock: &'static str,
    update: &'static str,
}

const SELECT_HEAD: &str =
    "SELECT e.id, e.slug::text AS slug, e.name, e.archived_at IS NOT NULL AS archived, e.version, ";

macro_rules! statements {
    ($table:literal, $own:literal, $listing:literal, $locked_own:literal) => {
        Statements {
            list: concatcp!(SELECT_HEAD, $listing, " WHERE ", SEARCH,
                " ORDER BY e.archived_at IS NOT NULL, lower(e.name), e.id LIMIT $2 OFFSET $3"),
            count: concatcp!("SELECT count(*) FROM ", $table, " e WHERE ", SEARCH),
            get: concatcp!(SELECT_HEAD, $listing, " WHERE e.id = $1"),
            taken: concatcp!(
                "SELECT coalesce(bool_or(slug::text = $1), false), coalesce(bool_or(lower(name) = lower($2)), false) FROM ",
                $table,
                " WHERE (slug::text = $1 OR lower(name) = lower($2)) AND id IS DISTINCT FROM $3"
            ),
            insert: concatcp!("INSERT INTO ", $table, " (slug, name, ", $own, ") VALUES ($1, $2, $3) RETURNING id"),
            lock: concatcp!("SELECT name, ", $locked_own,
                ", archived_at IS NOT NULL AS archived, version FROM ", $table, " WHERE id = $1 FOR UPDATE"),
            update: concatcp!("UPDATE ", $table, " SET name = $2, ", $own,
                " = $3, archived_at = CASE WHEN $4 THEN coalesce(archived_at, now()) END, version = version + 1 WHERE id = $1 RETURNING version"),
        }
    };
}

const REASONS: Statements = statements!(
    "contact_reasons",
    "department_id",
    "e.department_id, d.name AS department_name, NULL::bigint AS unit_cost_cents,
                 coalesce(n.contacts, 0)::bigint AS contacts
                 FROM contact_reasons e
                 LEFT JOIN departments d ON d.id = e.department_id
                 LEFT JOIN (SELECT reason_id, sum(contacts) AS contacts FROM contact_rollups_daily
                            GROUP BY reason_id) n ON n.reason_id = e.id",
    "department_id, NULL::bigint AS unit_cost_cents"
);

const CHANNELS: Statements = statements!(
    "channels",
    "unit_cost_cents",
    "NULL::uuid AS department_id, NULL::text AS department_name, e.unit_cost_cents,
                 coalesce(n.contacts, 0)::bigint AS contacts
                 FROM channels e
                 LEFT JOIN (SELECT channel_id, sum(contacts) AS contacts FROM contact_rollups_daily
                            GROUP BY channel_id) n ON n.channel_id = e.id",
    "NULL::uuid AS department_id, unit_cost_cents"
);

/// A reason or channel as the CX lead sees and edits it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    /// Reasons: the originating department, if chosen.
    pub department_id: Option<Uuid>,
    pub department_name: Option<String>,
    /// Channels: the cost of one contact, in cents.
    pub unit_cost_cents: Option<i64>,
    pub archived: bool,
    pub version: i32,
    /// Contacts recorded with it, ever (from the daily rollups).
    pub contacts: i64,
}

impl Entry {
    /// Channels: the unit cost, to show in currency units.
    pub fn unit_cost(&self) -> Option<crate::domain::Cents> {
        self.unit_cost_cents.map(crate::domain::Cents::from_stored)
    }
}

const SEARCH: &str = "($1::text IS NULL OR e.name ILIKE $1 OR e.slug::text ILIKE $1)";

/// One page of entries whose name or slug contains `search`: in use first, then by name.
#[tracing::instrument(skip_all)]
pub async fn list(
    pool: &PgPool,
    catalogue: Catalogue,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    sqlx::query_as::<_, Entry>(catalogue.sql().list)
        .bind(search.map(super::contains_pattern))
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await
}

#[tracing::instrument(skip_all)]
pub async fn count(
    pool: &PgPool,
    catalogue: Catalogue,
    search: Option<&str>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(catalogue.sql().count)
        .bind(search.map(super::contains_pattern))
        .fetch_one(pool)
        .await
}

#[tracing::instrument(skip_all)]
pub async fn get(
    pool: &PgPool,
    catalogue: Catalogue,
    id: Uuid,
) -> Result<Option<Entry>, sqlx::Error> {
    sqlx::query_as::<_, Entry>(catalogue.sql().get)
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// What an entry is made of, as saved (the slug is fixed at creation).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EntryFields {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_cost_cents: Option<i64>,
}

/// Waits for any other change to this catalogue to commit; held until this one does.
#[tracing::instrument(skip_all)]
pub async fn lock_catalogue(
    conn: &mut PgConnection,
    catalogue: Catalogue,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(catalogue.change_lock())
        .execute(conn)
        .await
        .map(|_| ())
}

/// Is the slug, or (in any case) the name, already used by an entry other than `except`?
#[tracing::instrument(skip_all)]
pub async fn taken(
    conn: &mut PgConnection,
    catalogue: Catalogue,
    slug: Option<&str>,
    name: &str,
    except: Option<Uuid>,
) -> Result<(bool, bool), sqlx::Error> {
    sqlx::query_as(catalogue.sql().taken)
        .bind(slug)
        .bind(name)
        .bind(except)
        .fetch_one(conn)
        .await
}

#[tracing::instrument(skip_all)]
pub async fn insert(
    conn: &mut PgConnection,
    catalogue: Catalogue,
    slug: &str,
    fields: &EntryFields,
) -> Result<Uuid, sqlx::Error> {
    let sql = catalogue.sql().insert;
    let query = sqlx::query_scalar::<_, Uuid>(sql)
        .bind(slug)
        .bind(&fields.name);
    bind_own(query, catalogue, fields).fetch_one(conn).await
}

/// Binds the value of the column only this catalogue has.
fn bind_own<'q, O>(
    query: sqlx::query::QueryScalar<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    catalogue: Catalogue,
    fields: &EntryFields,
) -> sqlx::query::QueryScalar<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    match catalogue {
        Catalogue::Reasons => query.bind(fields.department_id),
        Catalogue::Channels => query.bind(fields.unit_cost_cents.unwrap_or(0)),
    }
}

/// An entry's fields, archive flag and version as stored, locked until the transaction
/// ends.
#[tracing::instrument(skip_all)]
pub async fn lock(
    conn: &mut PgConnection,
    catalogue: Catalogue,
    id: Uuid,
) -> Result<Option<(EntryFields, bool, i32)>, sqlx::Error> {
    use sqlx::Row;
    let row = sqlx::query(catalogue.sql().lock)
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.map(|row| {
        let fields = EntryFields {
            name: row.try_get("name")?,
            department_id: row.try_get("department_id")?,
            unit_cost_cents: row.try_get("unit_cost_cents")?,
        };
        Ok((fields, row.try_get("archived")?, row.try_get("version")?))
    })
    .transpose()
}

/// Saves new fields and archive state, bumping the version.
#[tracing::instrument(skip_all)]
pub async fn update(
    conn: &mut PgConnection,
    catalogue: Catalogue,
    id: Uuid,
    fields: &EntryFields,
    archived: bool,
) -> Result<(), sqlx::Error> {
    let sql = catalogue.sql().update;
    let query = sqlx::query_scalar::<_, i32>(sql)
        .bind(id)
        .bind(&fields.name);
    bind_own(query, catalogue, fields)
        .bind(archived)
        .fetch_one(conn)
        .await
        .map(|_| ())
}

/// The organisation's currency code (e.g. EUR), to label amounts; None before set-up.
#[tracing::instrument(skip_all)]
pub async fn currency(pool: &PgPool) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT currency FROM organisation")
        .fetch_optional(pool)
        .await
}
