//! The departments pages: real data, through the service and template, escaped.

use crate::helpers::{add_department, spawn_app};

#[tokio::test]
async fn the_departments_page_lists_departments_with_whom_they_serve() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    sqlx::query("INSERT INTO organisation (name) VALUES ('Acme Energy')")
        .execute(pool)
        .await
        .unwrap();
    let sales = add_department(pool, "sales", "Sales", "front-line").await;
    let legal = add_department(pool, "legal", "Legal", "support").await;
    sqlx::query(
        "UPDATE departments SET impact_statement = 'Contracts a customer can read.' WHERE id = $1",
    )
    .bind(legal)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO department_links (supplier_id, customer_id) VALUES ($1, $2)")
        .bind(legal)
        .bind(sales)
        .execute(pool)
        .await
        .unwrap();
    app.signed_in_as("executive").await;

    let response = app.get("/departments").await;
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(body.contains("Acme Energy"));
    assert!(body.contains("/departments/legal"));
    let legal_card = &body[body.find("Contracts a customer can read.").unwrap()..];
    assert!(
        legal_card.contains("Sales"),
        "Legal's card names Sales as its internal customer"
    );

    let page = app.get("/departments/legal").await.text().await.unwrap();
    assert!(page.contains("Contracts a customer can read."));
    assert!(page.contains("Whom we serve") && page.contains("Sales"));
}

#[tokio::test]
async fn without_departments_the_list_explains_how_to_start() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let body = app.get("/departments").await.text().await.unwrap();
    assert!(body.contains("centric demo"), "{body}");
}

#[tokio::test]
async fn an_unknown_department_is_a_404() {
    let app = spawn_app().await;
    app.signed_in_as("executive").await;
    assert_eq!(app.get("/departments/no-such").await.status(), 404);
}
