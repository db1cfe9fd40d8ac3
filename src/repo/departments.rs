//! Departments and the internal-customer links between them.

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
        SELECT d.id, d.slug, d.name, d.kind, d.impact_statement, head.name AS head_name,
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

/// Every department in use, by name (for owner pickers).
#[tracing::instrument(skip_all)]
pub async fn choices(pool: &PgPool) -> Result<Vec<DepartmentChoice>, sqlx::Error> {
    sqlx::query_as::<_, DepartmentChoice>(
        "SELECT id, name FROM departments WHERE archived_at IS NULL ORDER BY lower(name)",
    )
    .fetch_all(pool)
    .await
}
