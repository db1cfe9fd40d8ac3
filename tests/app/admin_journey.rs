//! `/admin/journey` and `/admin/touchpoints`: stages in order (add, rename, reorder,
//! delete only when empty), touchpoints with owners, validation, concurrency, audit.

use crate::helpers::{TestApp, add_department, spawn_app};
use uuid::Uuid;

async fn stages(app: &TestApp) -> Vec<(Uuid, String)> {
    sqlx::query_as("SELECT id, name FROM journey_stages ORDER BY position")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

async fn status_of(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let response = app.post_form(path, fields).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn stages_are_added_renamed_reordered_and_deleted_only_when_empty() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    for name in ["Purchase", "Billing", "Onboarding"] {
        let (status, _) = status_of(&app, "/admin/journey/stages", &[("stage_name", name)]).await;
        assert_eq!(status, 303, "{name}");
    }
    // A duplicate name (any case) is a field error with the input kept.
    let (status, body) =
        status_of(&app, "/admin/journey/stages", &[("stage_name", "billing")]).await;
    assert_eq!(status, 422);
    assert!(body.contains("another stage already has this name"));
    assert!(body.contains("value=\"billing\""));

    let onboarding = stages(&app).await[2].0;
    let (status, _) = status_of(
        &app,
        &format!("/admin/journey/stages/{onboarding}/move"),
        &[("direction", "up")],
    )
    .await;
    assert_eq!(status, 303);
    let names: Vec<String> = stages(&app).await.into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["Purchase", "Onboarding", "Billing"]);
    // Moving the first stage earlier changes nothing.
    let purchase = stages(&app).await[0].0;
    status_of(
        &app,
        &format!("/admin/journey/stages/{purchase}/move"),
        &[("direction", "up")],
    )
    .await;
    assert_eq!(stages(&app).await[0].1, "Purchase");

    let (status, _) = status_of(
        &app,
        &format!("/admin/journey/stages/{onboarding}"),
        &[("stage_name", "Getting started"), ("version", "2")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, body) = status_of(
        &app,
        &format!("/admin/journey/stages/{onboarding}"),
        &[("stage_name", "Welcome"), ("version", "2")],
    )
    .await;
    assert_eq!(status, 409, "a stale rename is refused");
    assert!(body.contains("Someone else changed this stage"));

    // A stage holding a touchpoint is not deleted; an empty one is.
    let finance = add_department(&app.db.pool, "finance", "Finance", "support").await;
    let billing = stages(&app).await[2].0;
    let (status, _) = status_of(
        &app,
        "/admin/touchpoints",
        &[
            ("name", "Invoice"),
            ("slug", "invoice"),
            ("stage", &billing.to_string()),
            ("channel", "document"),
            ("owner", &finance.to_string()),
            ("version", ""),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (status, body) = status_of(
        &app,
        &format!("/admin/journey/stages/{billing}/delete"),
        &[],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("still holds touchpoints"));
    let (status, _) = status_of(
        &app,
        &format!("/admin/journey/stages/{purchase}/delete"),
        &[],
    )
    .await;
    assert_eq!(status, 303);
    let names: Vec<String> = stages(&app).await.into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["Getting started", "Billing"]);

    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE target_type IN ('journey_stage', 'touchpoint') ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "stage.create",
            "stage.create",
            "stage.create",
            "stage.move_up",
            "stage.update",
            "touchpoint.create",
            "stage.delete"
        ]
    );
}

#[tokio::test]
async fn touchpoints_are_validated_owned_edited_and_archived() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    status_of(&app, "/admin/journey/stages", &[("stage_name", "Use")]).await;
    let stage = stages(&app).await[0].0;
    let it = add_department(&app.db.pool, "it", "IT", "support").await;

    let (status, body) = status_of(
        &app,
        "/admin/touchpoints",
        &[
            ("name", "Mobile app"),
            ("slug", "Mobile App"),
            ("stage", "nowhere"),
            ("channel", "pigeon"),
            ("owner", "nobody"),
            ("version", ""),
        ],
    )
    .await;
    assert_eq!(status, 422);
    for message in [
        "choose the journey stage it belongs to",
        "choose how customers meet it",
        "choose a department from the list",
    ] {
        assert!(body.contains(message), "{message}");
    }
    assert!(body.contains("id=\"slug-error\""));
    assert!(body.contains("value=\"Mobile app\""));

    let fields = [
        ("name", "Mobile app"),
        ("slug", "mobile-app"),
        ("stage", &stage.to_string()),
        ("channel", "digital"),
        ("owner", ""),
        ("version", ""),
    ];
    assert_eq!(status_of(&app, "/admin/touchpoints", &fields).await.0, 303);
    let (status, body) = status_of(&app, "/admin/touchpoints", &fields).await;
    assert_eq!(status, 422);
    assert!(body.contains("another touchpoint already uses this slug"));
    // Without an owner it shows as a gap on the journey page.
    let journey = app.get("/admin/journey").await.text().await.unwrap();
    assert!(journey.contains("No owner"));

    let id: Uuid = sqlx::query_scalar("SELECT id FROM touchpoints WHERE slug = 'mobile-app'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let edit = [
        ("name", "Mobile app"),
        ("stage", &stage.to_string()),
        ("channel", "digital"),
        ("owner", &it.to_string()),
        ("version", "1"),
    ];
    assert_eq!(
        status_of(&app, &format!("/admin/touchpoints/{id}"), &edit)
            .await
            .0,
        303
    );
    let (status, body) = status_of(&app, &format!("/admin/touchpoints/{id}"), &edit).await;
    assert_eq!(status, 409);
    assert!(body.contains("Someone else changed this touchpoint"));
    let owner: Option<Uuid> =
        sqlx::query_scalar("SELECT owner_department_id FROM touchpoints WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(owner, Some(it));

    let (status, _) = status_of(
        &app,
        &format!("/admin/touchpoints/{id}/archive"),
        &[("version", "2"), ("archive", "1")],
    )
    .await;
    assert_eq!(status, 303);
    let archived: bool =
        sqlx::query_scalar("SELECT archived_at IS NOT NULL FROM touchpoints WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(archived);
}
