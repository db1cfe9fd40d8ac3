//! `/admin/departments`: create and edit with whom each department serves, validation
//! with the input kept, unique names and slugs, optimistic concurrency, archiving, audit,
//! and the value chain drawn from the links.

use crate::helpers::{TestApp, add_department, spawn_app};
use uuid::Uuid;

async fn department(app: &TestApp, slug: &str) -> (Uuid, i32, Vec<Uuid>, bool) {
    sqlx::query_as(
        "SELECT id, version, coalesce((SELECT array_agg(customer_id) FROM department_links WHERE supplier_id = d.id), '{}'),
                archived_at IS NOT NULL
         FROM departments d WHERE slug = $1",
    )
    .bind(slug)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn post(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let response = app.post_form(path, fields).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn a_department_is_created_with_its_head_and_internal_customers() {
    let app = spawn_app().await;
    let cx = app.signed_in_as("cx-lead").await;
    let sales = add_department(&app.db.pool, "sales", "Sales", "front-line").await;
    let service = add_department(&app.db.pool, "service", "Service", "front-line").await;
    let (status, _) = post(
        &app,
        "/admin/departments",
        &[
            ("name", "Finance"),
            ("slug", "finance"),
            ("kind", "support"),
            ("head", &cx.id.to_string()),
            ("impact_statement", "Clear invoices spare customers a call."),
            ("serves", &sales.to_string()),
            ("serves", &service.to_string()),
            ("version", ""),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (finance, version, mut serves, archived) = department(&app, "finance").await;
    serves.sort();
    let mut expected = vec![sales, service];
    expected.sort();
    assert_eq!((version, serves, archived), (1, expected, false));
    let head: Option<Uuid> =
        sqlx::query_scalar("SELECT head_user_id FROM departments WHERE id = $1")
            .bind(finance)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(head, Some(cx.id));
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'department.create' AND target_id = $1 AND actor_user_id = $2",
    )
    .bind(finance.to_string())
    .bind(cx.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // The value chain: Finance serves both front-line departments, which serve the customer.
    let page = app.get("/admin/departments").await.text().await.unwrap();
    assert!(page.contains("role=\"img\""));
    for link in [
        "Finance serves Sales",
        "Finance serves Service",
        "Sales serves the customer",
        "Service serves the customer",
    ] {
        assert!(page.contains(&format!("<title>{link}</title>")), "{link}");
        assert!(
            page.contains(&format!("<li>{link}</li>")),
            "{link} in the text alternative"
        );
    }
}

#[tokio::test]
async fn bad_input_is_shown_again_with_field_messages_and_nothing_saved() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    add_department(&app.db.pool, "sales", "Sales", "front-line").await;
    let (status, body) = post(
        &app,
        "/admin/departments",
        &[
            ("name", ""),
            ("slug", "Not A Slug"),
            ("kind", "elsewhere"),
            ("head", "nobody"),
            ("impact_statement", "Kept as typed"),
            ("serves", "not-an-id"),
            ("version", ""),
        ],
    )
    .await;
    assert_eq!(status, 422);
    for message in [
        "give the department a name",
        "choose front-line or support",
        "choose an active user from the list",
        "choose departments from the list",
    ] {
        assert!(body.contains(message), "{message}");
    }
    assert!(body.contains("id=\"slug-error\""));
    assert!(body.contains("value=\"Not A Slug\""));
    assert!(body.contains(">Kept as typed</textarea>"));

    // Names and slugs are unique, in any case.
    for (name, slug, message) in [
        (
            "SALES",
            "sales-2",
            "another department already has this name",
        ),
        (
            "Sales two",
            "sales",
            "another department already uses this slug",
        ),
    ] {
        let (status, body) = post(
            &app,
            "/admin/departments",
            &[
                ("name", name),
                ("slug", slug),
                ("kind", "support"),
                ("head", ""),
                ("impact_statement", ""),
                ("version", ""),
            ],
        )
        .await;
        assert_eq!(status, 422, "{name}");
        assert!(body.contains(message), "{message}");
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM departments")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn edits_go_over_the_version_seen_and_a_department_never_serves_itself() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let sales = add_department(&app.db.pool, "sales", "Sales", "front-line").await;
    let it = add_department(&app.db.pool, "it", "IT", "support").await;
    let path = format!("/admin/departments/{it}");
    let (status, body) = post(
        &app,
        &path,
        &[
            ("name", "IT"),
            ("kind", "support"),
            ("head", ""),
            ("impact_statement", ""),
            ("serves", &it.to_string()),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("a department cannot be its own internal customer"));

    let (status, _) = post(
        &app,
        &path,
        &[
            ("name", "IT & Digital"),
            ("kind", "support"),
            ("head", ""),
            ("impact_statement", ""),
            ("serves", &sales.to_string()),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    // A second editor who also opened version 1 is told, and overwrites nothing.
    let (status, body) = post(
        &app,
        &path,
        &[
            ("name", "Technology"),
            ("kind", "support"),
            ("head", ""),
            ("impact_statement", ""),
            ("version", "1"),
        ],
    )
    .await;
    assert_eq!(status, 409);
    assert!(body.contains("Someone else changed this department"));
    assert!(body.contains("value=\"Technology\""), "their input is kept");
    assert!(body.contains("name=\"version\" value=\"2\""));
    let name: String = sqlx::query_scalar("SELECT name FROM departments WHERE id = $1")
        .bind(it)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(name, "IT & Digital");
    assert_eq!(department(&app, "it").await.2, vec![sales]);
}

#[tokio::test]
async fn archiving_keeps_everything_and_hides_the_department_from_pickers() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let legal = add_department(&app.db.pool, "legal", "Legal", "support").await;
    let archive = format!("/admin/departments/{legal}/archive");
    let (status, _) = post(&app, &archive, &[("version", "1"), ("archive", "1")]).await;
    assert_eq!(status, 303);
    assert!(department(&app, "legal").await.3);
    let picker = app
        .get("/admin/departments/new")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !picker.contains(&legal.to_string()),
        "archived departments are not offered"
    );
    // A stale form is refused; the current one brings it back.
    let (status, _) = post(&app, &archive, &[("version", "1"), ("archive", "0")]).await;
    assert_eq!(status, 409);
    let (status, _) = post(&app, &archive, &[("version", "2"), ("archive", "0")]).await;
    assert_eq!(status, 303);
    assert!(!department(&app, "legal").await.3);
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE target_type = 'department' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["department.archive", "department.restore"]);
}

#[tokio::test]
async fn a_nul_character_in_a_form_is_dropped_not_a_failure() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let (status, _) = post(
        &app,
        "/admin/departments",
        &[
            ("name", "Fin\0ance"),
            ("slug", "finance"),
            ("kind", "support"),
            ("head", ""),
            ("impact_statement", "a\0b"),
            ("version", ""),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (name, impact): (String, String) =
        sqlx::query_as("SELECT name, impact_statement FROM departments WHERE slug = 'finance'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), impact.as_str()), ("Finance", "ab"));
}

#[tokio::test]
async fn a_function_picks_the_scorecard_panel_and_only_one_department_may_hold_it() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let fields = |name: &'static str, slug: &'static str, function: &'static str| {
        vec![
            ("name", name),
            ("slug", slug),
            ("kind", "support"),
            ("business_function", function),
            ("version", ""),
        ]
    };
    let (status, _) = post(
        &app,
        "/admin/departments",
        &fields("People", "people", "hr"),
    )
    .await;
    assert_eq!(status, 303);
    let stored: Option<String> =
        sqlx::query_scalar("SELECT business_function FROM departments WHERE slug = 'people'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(stored.as_deref(), Some("hr"));

    let (status, page) = post(
        &app,
        "/admin/departments",
        &fields("Talent", "talent", "hr"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("another department already has this function"));
    assert!(page.contains("value=\"Talent\""), "the input is kept");

    let (status, page) = post(
        &app,
        "/admin/departments",
        &fields("Talent", "talent", "payroll"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("choose a function from the list"));
    let talent: i64 = sqlx::query_scalar("SELECT count(*) FROM departments WHERE slug = 'talent'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(talent, 0);
}
