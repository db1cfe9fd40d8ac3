//! Departments and the internal-customer links between them.

use const_format::concatcp;
use sqlx::PgPool;

/// A department as the home page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DepartmentOverview {
    pub slug: String,
    pub name: String,
    /// "front-line" or "support".
    pub kind: String,
    pub impact_statement: String,
    pub head_name: Option<String>,
    /// Names of the departments this one serves (its internal customers), sorted.
    pub serves: Vec<String>,
    /// How many touchpoints it owns.
    pub touchpoints: i64,
}

impl DepartmentOverview {
    pub fn kind_label(&self) -> &'static str {
        crate::domain::DepartmentKind::label_of(&self.kind)
    }
}

/// Every department that is not archived, front line first, then by name.
#[tracing::instrument(skip_all)]
pub async fn overview(pool: &PgPool) -> Result<Vec<DepartmentOverview>, sqlx::Error> {
    sqlx::query_as::<_, DepartmentOverview>(
        r#"
        SELECT d.slug, d.name, d.kind, d.impact_statement,
               head.name AS head_name,
               coalesce((SELECT array_agg(c.name ORDER BY c.name)
                         FROM department_links l JOIN departments c ON c.id = l.customer_id
                         WHERE l.supplier_id = d.id AND c.archived_at IS NULL), '{}') AS serves,
               (SELECT count(*) FROM touchpoints t
                WHERE t.owner_department_id = d.id AND t.archived_at IS NULL) AS touchpoints
        FROM departments d
        LEFT JOIN users head ON head.id = d.head_user_id
        WHERE d.archived_at IS NULL
        ORDER BY d.kind = 'support', d.name
        "#,
    )
    .fetch_all(pool)
    .await
}

/// The id of the department with this slug, archived or not.
#[tracing::instrument(skip_all)]
pub async fn id_by_slug(
    conn: &mut sqlx::PgConnection,
    slug: &crate::domain::Slug,
) -> Result<Option<uuid::Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM departments WHERE slug = $1")
        .bind(slug.as_str())
        .fetch_optional(conn)
        .await
}

/// A department's header: who it is, who leads it, whom it serves and who serves it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct DepartmentProfile {
    #[serde(skip)]
    pub id: uuid::Uuid,
    pub slug: String,
    pub name: String,
    pub kind: String,
    /// hr, finance, legal or it: the panel its scorecard adds; null for any other.
    #[schema(required = true)]
    pub business_function: Option<String>,
    pub impact_statement: String,
    #[schema(required = true)]
    pub head_name: Option<String>,
    /// Its internal customers (the departments it serves), by name.
    pub serves: Vec<String>,
    /// The departments that serve it, by name.
    pub served_by: Vec<String>,
    /// The touchpoints it owns, in journey order.
    pub touchpoints: Vec<String>,
}

impl DepartmentProfile {
    pub fn kind_label(&self) -> &'static str {
        crate::domain::DepartmentKind::label_of(&self.kind)
    }
}

#[tracing::instrument(skip_all)]
pub async fn profile(pool: &PgPool, slug: &str) -> Result<Option<DepartmentProfile>, sqlx::Error> {
    sqlx::query_as::<_, DepartmentProfile>(
        r#"
        SELECT d.id, d.slug, d.name, d.kind, d.business_function, d.impact_statement, head.name AS head_name,
               coalesce((SELECT array_agg(c.name ORDER BY c.name) FROM department_links l
                         JOIN departments c ON c.id = l.customer_id
                         WHERE l.supplier_id = d.id AND c.archived_at IS NULL), '{}') AS serves,
               coalesce((SELECT array_agg(s.name ORDER BY s.name) FROM department_links l
                         JOIN departments s ON s.id = l.supplier_id
                         WHERE l.customer_id = d.id AND s.archived_at IS NULL), '{}') AS served_by,
               coalesce((SELECT array_agg(t.name ORDER BY st.position, t.position, t.name)
                         FROM touchpoints t JOIN journey_stages st ON st.id = t.stage_id
                         WHERE t.owner_department_id = d.id AND t.archived_at IS NULL), '{}') AS touchpoints
        FROM departments d LEFT JOIN users head ON head.id = d.head_user_id
        WHERE d.slug = $1 AND d.archived_at IS NULL
        "#,
    )
    .bind(slug)
    .fetch_optional(pool)
    .await
}

/// A department to choose in a form.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DepartmentChoice {
    pub id: uuid::Uuid,
    pub name: String,
}

/// Every department in use, by name (for owner pickers), plus those in `keep` even when
/// archived: a record that already points at one keeps it when saved.
#[tracing::instrument(skip_all)]
pub async fn choices(
    pool: &PgPool,
    keep: &[uuid::Uuid],
) -> Result<Vec<DepartmentChoice>, sqlx::Error> {
    sqlx::query_as::<_, DepartmentChoice>(
        "SELECT id, name || CASE WHEN archived_at IS NULL THEN '' ELSE ' (archived)' END AS name
         FROM departments WHERE archived_at IS NULL OR id = ANY($1) ORDER BY lower(name)",
    )
    .bind(keep)
    .fetch_all(pool)
    .await
}

/// The unique indexes a department's name and slug must respect.
pub const NAME_KEY: &str = "departments_name_key";
pub const SLUG_KEY: &str = "departments_slug_key";
pub const FUNCTION_KEY: &str = "departments_business_function_key";

/// A department as the CX lead edits it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EditableDepartment {
    pub id: uuid::Uuid,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub business_function: Option<String>,
    pub impact_statement: String,
    pub head_user_id: Option<uuid::Uuid>,
    pub head_name: Option<String>,
    /// Ids of the departments it serves.
    pub serves: Vec<uuid::Uuid>,
    pub archived: bool,
    pub version: i32,
    /// Touchpoints it owns (shown before archiving).
    pub touchpoints: i64,
}

const EDITABLE: &str = r#"
    SELECT d.id, d.slug::text AS slug, d.name, d.kind, d.business_function, d.impact_statement,
           d.head_user_id, head.name AS head_name,
           coalesce((SELECT array_agg(l.customer_id) FROM department_links l WHERE l.supplier_id = d.id), '{}') AS serves,
           d.archived_at IS NOT NULL AS archived, d.version,
           (SELECT count(*) FROM touchpoints t WHERE t.owner_department_id = d.id AND t.archived_at IS NULL) AS touchpoints
    FROM departments d LEFT JOIN users head ON head.id = d.head_user_id
"#;

/// Every department, in use first, by name; `search` matches name or slug.
#[tracing::instrument(skip_all)]
pub async fn editable_list(
    pool: &PgPool,
    search: &str,
) -> Result<Vec<EditableDepartment>, sqlx::Error> {
    sqlx::query_as::<_, EditableDepartment>(concatcp!(
        EDITABLE,
        r#" WHERE $1 = '' OR d.name ILIKE '%' || $1 || '%' OR d.slug::text ILIKE '%' || $1 || '%'
         ORDER BY d.archived_at IS NOT NULL, lower(d.name)"#
    ))
    .bind(search)
    .fetch_all(pool)
    .await
}

#[tracing::instrument(skip_all)]
pub async fn editable(
    pool: &PgPool,
    id: uuid::Uuid,
) -> Result<Option<EditableDepartment>, sqlx::Error> {
    sqlx::query_as::<_, EditableDepartment>(concatcp!(EDITABLE, " WHERE d.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// What a department is made of, as saved (and audited).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DepartmentFields {
    pub name: String,
    pub kind: String,
    pub business_function: Option<String>,
    pub impact_statement: String,
    pub head_user_id: Option<uuid::Uuid>,
    pub serves: Vec<uuid::Uuid>,
}

#[tracing::instrument(skip_all)]
pub async fn insert(
    conn: &mut sqlx::PgConnection,
    slug: &str,
    fields: &DepartmentFields,
) -> Result<uuid::Uuid, sqlx::Error> {
    let id: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO departments (slug, name, kind, impact_statement, head_user_id, business_function)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(slug)
    .bind(&fields.name)
    .bind(&fields.kind)
    .bind(&fields.impact_statement)
    .bind(fields.head_user_id)
    .bind(&fields.business_function)
    .fetch_one(&mut *conn)
    .await?;
    set_serves(conn, id, &fields.serves).await?;
    Ok(id)
}

/// The department as stored, locked for an update, with its version and archive state.
#[tracing::instrument(skip_all)]
pub async fn lock(
    conn: &mut sqlx::PgConnection,
    id: uuid::Uuid,
) -> Result<Option<(DepartmentFields, bool, i32)>, sqlx::Error> {
    use sqlx::Row;
    let row = sqlx::query(
        "SELECT name, kind, business_function, impact_statement, head_user_id, archived_at IS NOT NULL AS archived, version,
                coalesce((SELECT array_agg(customer_id ORDER BY customer_id) FROM department_links WHERE supplier_id = d.id), '{}') AS serves
         FROM departments d WHERE id = $1 FOR NO KEY UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok((
            DepartmentFields {
                name: row.try_get("name")?,
                kind: row.try_get("kind")?,
                business_function: row.try_get("business_function")?,
                impact_statement: row.try_get("impact_statement")?,
                head_user_id: row.try_get("head_user_id")?,
                serves: row.try_get("serves")?,
            },
            row.try_get("archived")?,
            row.try_get("version")?,
        ))
    })
    .transpose()
}

/// Saves fields and archive state, bumping the version.
#[tracing::instrument(skip_all)]
pub async fn update(
    conn: &mut sqlx::PgConnection,
    id: uuid::Uuid,
    fields: &DepartmentFields,
    archived: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE departments SET name = $2, kind = $3, impact_statement = $4, head_user_id = $5,
                archived_at = CASE WHEN $6 THEN coalesce(archived_at, now()) END, business_function = $7,
                version = version + 1, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(&fields.name)
    .bind(&fields.kind)
    .bind(&fields.impact_statement)
    .bind(fields.head_user_id)
    .bind(archived)
    .bind(&fields.business_function)
    .execute(&mut *conn)
    .await?;
    set_serves(conn, id, &fields.serves).await
}

/// Replaces the departments `supplier` serves.
async fn set_serves(
    conn: &mut sqlx::PgConnection,
    supplier: uuid::Uuid,
    customers: &[uuid::Uuid],
) -> Result<(), sqlx::Error> {
    // Links to archived departments are not offered in the form, so they stay.
    sqlx::query(
        "DELETE FROM department_links WHERE supplier_id = $1 AND NOT (customer_id = ANY($2))
         AND customer_id IN (SELECT id FROM departments WHERE archived_at IS NULL)",
    )
    .bind(supplier)
    .bind(customers)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO department_links (supplier_id, customer_id)
         SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING",
    )
    .bind(supplier)
    .bind(customers)
    .execute(conn)
    .await?;
    Ok(())
}

/// A person who may head a department.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HeadChoice {
    pub id: uuid::Uuid,
    pub name: String,
    pub email: String,
}

/// Active users, by name (for the head picker), plus those in `keep`.
#[tracing::instrument(skip_all)]
pub async fn head_choices(
    pool: &PgPool,
    keep: &[uuid::Uuid],
) -> Result<Vec<HeadChoice>, sqlx::Error> {
    sqlx::query_as::<_, HeadChoice>(
        "SELECT id, name, email::text AS email FROM users
         WHERE disabled_at IS NULL OR id = ANY($1) ORDER BY lower(name)",
    )
    .bind(keep)
    .fetch_all(pool)
    .await
}

/// A node and the edges of the value chain: who serves whom (departments in use).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChainNode {
    pub id: uuid::Uuid,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub serves: Vec<uuid::Uuid>,
}

#[tracing::instrument(skip_all)]
pub async fn value_chain(pool: &PgPool) -> Result<Vec<ChainNode>, sqlx::Error> {
    sqlx::query_as::<_, ChainNode>(
        "SELECT d.id, d.slug::text AS slug, d.name, d.kind,
                coalesce((SELECT array_agg(l.customer_id) FROM department_links l
                          JOIN departments c ON c.id = l.customer_id AND c.archived_at IS NULL
                          WHERE l.supplier_id = d.id), '{}') AS serves
         FROM departments d WHERE d.archived_at IS NULL ORDER BY lower(d.name)",
    )
    .fetch_all(pool)
    .await
}
