//! Contact reasons and channels under /admin: validation with the input kept, unique
//! slugs and names, optimistic concurrency, archiving instead of deleting, search and
//! paging, audit, and who may use them.

use crate::helpers::{TestApp, add_department, spawn_app};
use centric::repo::contacts::NewContact;
use uuid::Uuid;

async fn id_of(app: &TestApp, table: &str, slug: &str) -> Uuid {
    sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE slug = $1"))
        .bind(slug)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn save_reason(
    app: &TestApp,
    path: &str,
    (slug, name): (&str, &str),
    department: &str,
    version: &str,
) -> reqwest::Response {
    app.post_form(
        path,
        &[
            ("slug", slug),
            ("name", name),
            ("department", department),
            ("version", version),
        ],
    )
    .await
}

async fn save_channel(
    app: &TestApp,
    path: &str,
    (slug, name): (&str, &str),
    unit_cost: &str,
    version: &str,
) -> reqwest::Response {
    app.post_form(
        path,
        &[
            ("slug", slug),
            ("name", name),
            ("unit_cost", unit_cost),
            ("version", version),
        ],
    )
    .await
}

async fn audit_of(
    app: &TestApp,
    target: Uuid,
) -> Vec<(String, Option<serde_json::Value>, Option<serde_json::Value>)> {
    sqlx::query_as("SELECT action, before, after FROM audit_log WHERE target_id = $1 ORDER BY id")
        .bind(target.to_string())
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

/// Records one contact through the same path ingestion uses (rollups included).
async fn record_contact(app: &TestApp, reason: Uuid, channel: Uuid, cost_cents: i64) {
    let mut tx = app.db.pool.begin().await.unwrap();
    let contact = NewContact {
        reason_id: reason,
        channel_id: channel,
        occurred_at: time::OffsetDateTime::now_utc(),
        cost_cents,
        external_id: None,
        source: "api",
        import_id: None,
    };
    centric::repo::contacts::insert_batch(&mut tx, &[contact], "UTC")
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_contact_reason_is_created_charged_to_a_department_edited_and_audited() {
    let app = spawn_app().await;
    let cx = app.signed_in_as("cx-lead").await;
    let finance = add_department(&app.db.pool, "finance", "Finance", "support").await;
    let legal = add_department(&app.db.pool, "legal", "Legal", "support").await;

    let response = save_reason(
        &app,
        "/admin/contact-reasons",
        ("invoice-query", "Invoice query"),
        &finance.to_string(),
        "",
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/admin/contact-reasons?saved=created"
    );
    let reason = id_of(&app, "contact_reasons", "invoice-query").await;
    let listing = app
        .get("/admin/contact-reasons?saved=created")
        .await
        .text()
        .await
        .unwrap();
    assert!(listing.contains("Contact reason created."));
    assert!(listing.contains(">Invoice query</a>"));
    assert!(listing.contains("<td>Finance</td>"), "{listing}");

    let edit = app.get(&format!("/admin/contact-reasons/{reason}")).await;
    assert_eq!(edit.status(), 200);
    let body = edit.text().await.unwrap();
    assert!(
        body.contains("<code>invoice-query</code>"),
        "the slug is shown, fixed"
    );
    assert!(!body.contains("name=\"slug\""), "and cannot be edited");
    assert!(
        body.contains("the cost of every contact with this reason lands on that department"),
        "chargeback is explained"
    );

    // The slug in an edit is ignored: it is fixed after creation.
    let response = save_reason(
        &app,
        &format!("/admin/contact-reasons/{reason}"),
        ("renamed-slug", "Contract wording query"),
        &legal.to_string(),
        "1",
    )
    .await;
    assert_eq!(response.status(), 303);
    let (slug, name, department, version): (String, String, Option<Uuid>, i32) = sqlx::query_as(
        "SELECT slug::text, name, department_id, version FROM contact_reasons WHERE id = $1",
    )
    .bind(reason)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (slug.as_str(), name.as_str(), department, version),
        ("invoice-query", "Contract wording query", Some(legal), 2)
    );

    let audit = audit_of(&app, reason).await;
    let actions: Vec<&str> = audit.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(actions, ["contact_reason.create", "contact_reason.update"]);
    let (_, before, after) = &audit[1];
    assert_eq!(
        before.as_ref().unwrap()["department_id"],
        finance.to_string()
    );
    assert_eq!(after.as_ref().unwrap()["name"], "Contract wording query");
    let by: Option<Uuid> = sqlx::query_scalar(
        "SELECT actor_user_id FROM audit_log WHERE action = 'contact_reason.update'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(by, Some(cx.id));
}

#[tokio::test]
async fn a_channels_unit_cost_is_typed_in_units_stored_in_cents_and_never_rewrites_past_contacts() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let response = save_channel(&app, "/admin/channels", ("phone", "Phone"), "6.50", "").await;
    assert_eq!(response.status(), 303);
    let phone = id_of(&app, "channels", "phone").await;
    save_reason(&app, "/admin/contact-reasons", ("outage", "Outage"), "", "").await;
    let outage = id_of(&app, "contact_reasons", "outage").await;
    let cost: i64 = sqlx::query_scalar("SELECT unit_cost_cents FROM channels WHERE id = $1")
        .bind(phone)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(cost, 650);
    record_contact(&app, outage, phone, cost).await;

    let edit = app
        .get(&format!("/admin/channels/{phone}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains("value=\"6.50\""), "shown in units");
    assert!(edit.contains("does not rewrite past contacts"));

    let response = save_channel(
        &app,
        &format!("/admin/channels/{phone}"),
        ("", "Phone"),
        "7,2",
        "1",
    )
    .await;
    assert_eq!(response.status(), 303);
    let (unit, past): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT unit_cost_cents FROM channels WHERE id = $1),
                (SELECT sum(cost_cents)::bigint FROM service_contacts WHERE channel_id = $1)",
    )
    .bind(phone)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!((unit, past), (720, 650));
    let listing = app.get("/admin/channels").await.text().await.unwrap();
    assert!(listing.contains("<td class=\"num\">7.20</td>"), "{listing}");
    assert!(
        listing.contains("<td class=\"num\">1</td>"),
        "one contact recorded"
    );
    let actions: Vec<String> = audit_of(&app, phone)
        .await
        .into_iter()
        .map(|(a, _, _)| a)
        .collect();
    assert_eq!(actions, ["channel.create", "channel.update"]);
}

#[tokio::test]
async fn bad_input_is_shown_again_with_field_messages_and_nothing_saved() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let response = save_reason(
        &app,
        "/admin/contact-reasons",
        ("Invoice Query", "  "),
        "not-a-department",
        "",
    )
    .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    for message in [
        "The contact reason was not saved.",
        "use lower-case letters and digits",
        "give it a name people recognise",
        "choose a department from the list",
    ] {
        assert!(body.contains(message), "{message} missing");
    }
    assert!(
        body.contains("value=\"Invoice Query\""),
        "the input is kept"
    );
    assert!(body.contains("aria-invalid=\"true\""));

    let response = save_channel(&app, "/admin/channels", ("chat", "Chat"), "2.805", "").await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("at most two decimals"));
    assert!(body.contains("value=\"2.805\""));
    assert!(body.contains("value=\"Chat\""));
    let response = save_channel(&app, "/admin/channels", ("chat", "Chat"), "-1", "").await;
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("cannot be negative")
    );

    // A field of the other catalogue does not fit the form.
    let response = save_reason(&app, "/admin/channels", ("chat", "Chat"), "x", "").await;
    assert_eq!(response.status(), 422);
    let rows: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM contact_reasons) + (SELECT count(*) FROM channels)",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn a_slug_or_name_already_taken_is_a_field_error_not_a_500() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    save_reason(
        &app,
        "/admin/contact-reasons",
        ("invoice-query", "Invoice query"),
        "",
        "",
    )
    .await;
    let response = save_reason(
        &app,
        "/admin/contact-reasons",
        ("invoice-query", "INVOICE QUERY"),
        "",
        "",
    )
    .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("another contact reason (perhaps an archived one) already has this slug")
    );
    assert!(
        body.contains("another contact reason (perhaps an archived one) already has this name")
    );
    assert!(body.contains("value=\"INVOICE QUERY\""));

    // Renaming another reason to a taken name is refused the same way.
    save_reason(
        &app,
        "/admin/contact-reasons",
        ("late-delivery", "Late delivery"),
        "",
        "",
    )
    .await;
    let late = id_of(&app, "contact_reasons", "late-delivery").await;
    let response = save_reason(
        &app,
        &format!("/admin/contact-reasons/{late}"),
        ("", "invoice query"),
        "",
        "1",
    )
    .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("already has this name")
    );

    // The same slug in the other catalogue is fine: they are separate lists.
    let response = save_channel(
        &app,
        "/admin/channels",
        ("invoice-query", "Invoice query"),
        "1",
        "",
    )
    .await;
    assert_eq!(response.status(), 303);
    let reasons: Vec<String> = sqlx::query_scalar("SELECT name FROM contact_reasons ORDER BY name")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(reasons, ["Invoice query", "Late delivery"]);
}

#[tokio::test]
async fn the_second_of_two_concurrent_edits_is_told_and_overwrites_nothing() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    save_channel(&app, "/admin/channels", ("email", "E-mail"), "4.20", "").await;
    let email = id_of(&app, "channels", "email").await;
    let path = format!("/admin/channels/{email}");
    // Both opened version 1; the first save wins.
    let first = save_channel(&app, &path, ("", "E-mail"), "4.50", "1").await;
    assert_eq!(first.status(), 303);
    let second = save_channel(&app, &path, ("", "Email inbox"), "3.00", "1").await;
    assert_eq!(second.status(), 409);
    let body = second.text().await.unwrap();
    assert!(body.contains("Someone else changed this channel"));
    assert!(
        body.contains("<strong>E-mail</strong>, 4.50 a contact"),
        "theirs is shown"
    );
    assert!(body.contains("value=\"Email inbox\""), "mine is kept");
    assert!(body.contains("name=\"version\" value=\"2\""));
    let (name, cost): (String, i64) =
        sqlx::query_as("SELECT name, unit_cost_cents FROM channels WHERE id = $1")
            .bind(email)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), cost), ("E-mail", 450));
}

#[tokio::test]
async fn archiving_keeps_every_past_contact_and_can_be_undone() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    save_reason(&app, "/admin/contact-reasons", ("outage", "Outage"), "", "").await;
    save_channel(&app, "/admin/channels", ("phone", "Phone"), "6.50", "").await;
    let outage = id_of(&app, "contact_reasons", "outage").await;
    let phone = id_of(&app, "channels", "phone").await;
    record_contact(&app, outage, phone, 650).await;
    record_contact(&app, outage, phone, 650).await;

    let edit = app
        .get(&format!("/admin/contact-reasons/{outage}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        edit.contains("never deleted: 2 recorded contacts refer to this one"),
        "{edit}"
    );

    let archive = format!("/admin/contact-reasons/{outage}/archive");
    let response = app
        .post_form(&archive, &[("version", "1"), ("archive", "1")])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/admin/contact-reasons?saved=archived"
    );
    let (archived, contacts): (bool, i64) = sqlx::query_as(
        "SELECT (SELECT archived_at IS NOT NULL FROM contact_reasons WHERE id = $1),
                (SELECT count(*) FROM service_contacts WHERE reason_id = $1)",
    )
    .bind(outage)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!((archived, contacts), (true, 2));
    let listing = app
        .get("/admin/contact-reasons")
        .await
        .text()
        .await
        .unwrap();
    assert!(listing.contains(">Outage</a>") && listing.contains("Archived"));

    // A stale form (old version) is refused and shows the reason as it is now.
    let stale = app
        .post_form(&archive, &[("version", "1"), ("archive", "0")])
        .await;
    assert_eq!(stale.status(), 409);
    assert!(stale.text().await.unwrap().contains("(archived)"));

    let response = app
        .post_form(&archive, &[("version", "2"), ("archive", "0")])
        .await;
    assert_eq!(response.status(), 303);
    let archived: bool =
        sqlx::query_scalar("SELECT archived_at IS NOT NULL FROM contact_reasons WHERE id = $1")
            .bind(outage)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(!archived);
    let actions: Vec<String> = audit_of(&app, outage)
        .await
        .into_iter()
        .map(|(a, _, _)| a)
        .collect();
    assert_eq!(
        actions,
        [
            "contact_reason.create",
            "contact_reason.archive",
            "contact_reason.restore"
        ]
    );
}

#[tokio::test]
async fn long_lists_are_searched_and_paged() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    sqlx::query(
        "INSERT INTO channels (slug, name, unit_cost_cents)
         SELECT 'channel-' || lpad(i::text, 2, '0'), 'Channel ' || lpad(i::text, 2, '0'), i
         FROM generate_series(1, 55) i",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let first = app.get("/admin/channels").await.text().await.unwrap();
    assert!(first.contains("Showing 1–50 of 55"), "{first}");
    assert!(first.contains(">Channel 50</a>") && !first.contains(">Channel 51</a>"));
    assert!(first.contains("href=\"/admin/channels?page=2\""));

    let second = app
        .get("/admin/channels?page=2")
        .await
        .text()
        .await
        .unwrap();
    assert!(second.contains("Showing 51–55 of 55"));
    assert!(second.contains(">Channel 55</a>") && !second.contains(">Channel 01</a>"));

    // Search by name or slug; % and _ are taken literally.
    let found = app
        .get("/admin/channels?q=channel-0")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        found.contains("Showing 1–9 of 9 matching “channel-0”"),
        "{found}"
    );
    let none = app.get("/admin/channels?q=%25").await.text().await.unwrap();
    assert!(none.contains("Nothing matches “%”."));
}

#[tokio::test]
async fn a_department_head_may_not_see_or_change_the_catalogues() {
    let app = spawn_app().await;
    app.signed_in_as("department-head").await;
    for path in [
        "/admin/contact-reasons",
        "/admin/channels",
        "/admin/channels/new",
    ] {
        assert_eq!(app.get(path).await.status(), 403, "{path}");
    }
    let response = save_channel(&app, "/admin/channels", ("phone", "Phone"), "6.50", "").await;
    assert_eq!(response.status(), 403);
    let channels: i64 = sqlx::query_scalar("SELECT count(*) FROM channels")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(channels, 0);
}

#[tokio::test]
async fn a_reason_charged_to_a_department_archived_since_keeps_it_when_saved() {
    let app = spawn_app().await;
    app.signed_in_as("cx-lead").await;
    let legal = add_department(&app.db.pool, "legal", "Legal", "support").await;
    save_reason(
        &app,
        "/admin/contact-reasons",
        ("contract-question", "Contract question"),
        &legal.to_string(),
        "",
    )
    .await;
    let reason = id_of(&app, "contact_reasons", "contract-question").await;
    sqlx::query("UPDATE departments SET archived_at = now() WHERE id = $1")
        .bind(legal)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let path = format!("/admin/contact-reasons/{reason}");
    let page = app.get(&path).await.text().await.unwrap();
    assert!(
        page.contains(&format!(
            "<option value=\"{legal}\" selected>Legal (archived)</option>"
        )),
        "{page}"
    );
    let response = save_reason(
        &app,
        &path,
        ("", "Contract wording"),
        &legal.to_string(),
        "1",
    )
    .await;
    assert_eq!(response.status(), 303);
    let department: Option<Uuid> =
        sqlx::query_scalar("SELECT department_id FROM contact_reasons WHERE id = $1")
            .bind(reason)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(department, Some(legal));
}
