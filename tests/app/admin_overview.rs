//! `/admin`: the programme overview lists what is missing, each with a link to fix it,
//! and stops listing it once fixed.

use crate::helpers::{add_department, add_survey, add_touchpoint, spawn_app};
use uuid::Uuid;

#[tokio::test]
async fn the_overview_names_every_gap_with_a_link_to_fix_it() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let pool = &app.db.pool;
    // `signed_in_as` has no department; these are the programme's parts.
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    sqlx::query("UPDATE touchpoints SET owner_department_id = NULL WHERE id = $1")
        .bind(invoice)
        .execute(pool)
        .await
        .unwrap();
    let survey = add_survey(pool, "invoice-nps", "customer", Some(invoice), None).await;
    let objective: Uuid = sqlx::query_scalar(
        "INSERT INTO objectives (title, metric, baseline, target, period_start, period_end)
         VALUES ('Org NPS to +20', 'nps', 0, 20, '2026-01-01', '2027-01-01') RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let theme: Uuid = sqlx::query_scalar(
        "INSERT INTO themes (name, keywords) VALUES ('Billing', '{invoice}') RETURNING id",
    )
    .fetch_one(pool)
    .await
    .unwrap();

    let page = app.get("/admin").await.text().await.unwrap();
    for (heading, link, name) in [
        (
            "Departments without objectives",
            "/admin/objectives/new".to_owned(),
            "Finance",
        ),
        (
            "Touchpoints without an owner",
            format!("/admin/touchpoints/{invoice}"),
            "Invoice",
        ),
        (
            "Open surveys without responses in 30 days",
            format!("/admin/surveys/{survey}"),
            "invoice-nps",
        ),
        (
            "Objectives no incentive pays on",
            "/admin/plans".to_owned(),
            "Org NPS to +20",
        ),
        (
            "Themes that tag no comment",
            format!("/admin/themes/{theme}"),
            "Billing",
        ),
    ] {
        assert!(page.contains(heading), "{heading}");
        assert!(
            page.contains(&format!("<a href=\"{link}\">{name}</a>")),
            "{name} → {link}"
        );
    }

    // Fixed, they drop off the list.
    sqlx::query("UPDATE touchpoints SET owner_department_id = $1 WHERE id = $2")
        .bind(finance)
        .bind(invoice)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE objectives SET owner_department_id = $1 WHERE id = $2")
        .bind(finance)
        .bind(objective)
        .execute(pool)
        .await
        .unwrap();
    let page = app.get("/admin").await.text().await.unwrap();
    assert!(!page.contains("Touchpoints without an owner"));
    assert!(!page.contains("Departments without objectives"));
    assert!(page.contains("Objectives no incentive pays on"));
}
