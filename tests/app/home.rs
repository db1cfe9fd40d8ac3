//! The home page: departments straight from the database, through the service and template.

use crate::helpers::spawn_app;

async fn add_department(
    pool: &sqlx::PgPool,
    slug: &str,
    name: &str,
    kind: &str,
    impact: &str,
) -> uuid::Uuid {
    sqlx::query_scalar("INSERT INTO departments (slug, name, kind, impact_statement) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(slug)
        .bind(name)
        .bind(kind)
        .bind(impact)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn home_page_lists_departments_with_whom_they_serve() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    sqlx::query("INSERT INTO organisation (name) VALUES ('Acme Energy')")
        .execute(pool)
        .await
        .unwrap();
    let sales = add_department(
        pool,
        "sales",
        "Sales",
        "front-line",
        "We promise what we can keep.",
    )
    .await;
    let legal = add_department(
        pool,
        "legal",
        "Legal",
        "support",
        "Contracts a customer can read.",
    )
    .await;
    sqlx::query("INSERT INTO department_links (supplier_id, customer_id) VALUES ($1, $2)")
        .bind(legal)
        .bind(sales)
        .execute(pool)
        .await
        .unwrap();

    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(body.contains("Acme Energy"));
    assert!(body.contains("We promise what we can keep."));
    assert!(body.contains("Contracts a customer can read."));
    assert!(body.contains("/departments/legal"));
    let legal_card = &body[body.find("Contracts a customer can read.").unwrap()..];
    assert!(
        legal_card.contains("Sales"),
        "Legal's card names Sales as its internal customer"
    );
}

#[tokio::test]
async fn home_page_without_departments_explains_how_to_start() {
    let app = spawn_app().await;
    let body = app.get("/").await.text().await.unwrap();
    assert!(body.contains("centric demo"), "{body}");
}

#[tokio::test]
async fn department_text_is_escaped_on_the_home_page() {
    let app = spawn_app().await;
    add_department(
        &app.db.pool,
        "it",
        "IT <script>alert(1)</script>",
        "support",
        "\"><svg onload=alert(1)>",
    )
    .await;
    let body = app.get("/").await.text().await.unwrap();
    assert!(!body.contains("<script>alert(1)</script>"));
    assert!(!body.contains("<svg onload"));
    assert!(
        body.contains("IT &#60;script&#62;alert(1)&#60;/script&#62;"),
        "shown as text, escaped"
    );
}
