//! Surveys under /admin/surveys: create and edit with the rules of each kind, field
//! messages with the input kept, unique names and slugs, optimistic concurrency, close and
//! reopen as respondents see it, archive instead of delete, the share link and its QR
//! code, a preview that records nothing, audit, paging, and who may do any of it.

use crate::helpers::{
    TestApp, add_department, add_organisation, add_survey, add_touchpoint, customer_response,
    spawn_app, spawn_app_with, store_responses,
};
use time::OffsetDateTime;
use uuid::Uuid;

const PUBLIC_URL: &str = "https://cx.example.com";

/// An app whose public links start with [`PUBLIC_URL`], signed in as the CX lead.
async fn cx_app() -> (TestApp, Uuid) {
    let app = spawn_app_with(|settings| settings.public_url = PUBLIC_URL.to_owned()).await;
    add_organisation(&app.db.pool, "UTC").await;
    let cx = app.signed_in_as("cx-lead").await;
    (app, cx.id)
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.get(path).await;
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The survey form's fields, to be adjusted per test.
fn fields<'a>(name: &'a str, kind: &'a str, question: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("slug", ""),
        ("kind", kind),
        ("question", question),
        ("min_sample", ""),
        ("version", ""),
    ]
}

fn with<'a>(
    mut form: Vec<(&'a str, &'a str)>,
    key: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    form.retain(|(k, _)| *k != key);
    form.push((key, value));
    form
}

#[derive(Debug, sqlx::FromRow)]
struct Stored {
    id: Uuid,
    name: String,
    kind: String,
    public_token: String,
    question: String,
    touchpoint_id: Option<Uuid>,
    rated_department_id: Option<Uuid>,
    min_sample: Option<i32>,
    closed: bool,
    archived: bool,
    version: i32,
}

async fn stored(app: &TestApp, slug: &str) -> Stored {
    sqlx::query_as(
        "SELECT id, name, kind, public_token, question, touchpoint_id, rated_department_id,
                min_sample, closed_at IS NOT NULL AS closed, archived_at IS NOT NULL AS archived, version
         FROM surveys WHERE slug = $1",
    )
    .bind(slug)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn survey_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM surveys")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn response_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM responses")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// The survey audit actions by `actor`, oldest first.
async fn audit_actions(app: &TestApp, actor: Uuid) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE target_type = 'survey' AND actor_user_id = $1 ORDER BY id",
    )
    .bind(actor)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_customer_survey_is_created_with_its_default_question_and_a_share_link() {
    let (app, cx) = cx_app().await;
    let billing = add_department(&app.db.pool, "billing", "Billing", "support").await;
    let invoice = add_touchpoint(&app.db.pool, "invoice", "Invoice", billing).await;

    let (status, form) = page(&app, "/admin/surveys/new?kind=customer").await;
    assert_eq!(status, 200);
    let question = "How likely are you to recommend Acme to a friend or colleague?";
    assert!(form.contains(question), "{form}");
    assert!(form.contains("Invoice"), "the touchpoint is offered");

    let touchpoint = invoice.to_string();
    let response = app
        .post_form(
            "/admin/surveys",
            &with(
                fields("Invoice NPS", "customer", question),
                "touchpoint",
                &touchpoint,
            ),
        )
        .await;
    assert_eq!(response.status(), 303);
    let survey = stored(&app, "invoice-nps").await;
    assert_eq!(
        location(&response),
        format!("/admin/surveys/{}?saved=created", survey.id)
    );
    assert_eq!(
        (
            survey.name.as_str(),
            survey.kind.as_str(),
            survey.question.as_str()
        ),
        ("Invoice NPS", "customer", question)
    );
    assert_eq!(survey.touchpoint_id, Some(invoice));
    assert_eq!(
        (survey.min_sample, survey.rated_department_id),
        (None, None)
    );
    assert!(
        survey.public_token.len() >= 24
            && survey
                .public_token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{}",
        survey.public_token
    );

    // The survey's page shares the link built from the configured address, not the Host.
    let (status, edit) = page(&app, &format!("/admin/surveys/{}", survey.id)).await;
    assert_eq!(status, 200);
    let link = format!("{PUBLIC_URL}/s/{}", survey.public_token);
    assert!(edit.contains(&format!("value=\"{link}\"")), "{edit}");
    assert!(
        edit.contains("<svg") && !edit.contains("<?xml"),
        "inline QR code"
    );
    assert!(!edit.contains(&app.address.to_string()));

    // Respondents can answer at once.
    let (status, public) = page(&app, &format!("/s/{}", survey.public_token)).await;
    assert_eq!(status, 200);
    assert!(public.contains(question));

    assert_eq!(audit_actions(&app, cx).await, ["survey.create"]);
    let (status, listing) = page(&app, "/admin/surveys").await;
    assert_eq!(status, 200);
    assert!(listing.contains("Invoice NPS") && listing.contains("Touchpoint: Invoice"));
}

#[tokio::test]
async fn editing_saves_the_fields_but_never_the_slug_or_the_kind() {
    let (app, cx) = cx_app().await;
    let id = add_survey(&app.db.pool, "web-nps", "customer", None, None).await;

    let form = vec![
        ("name", "Website NPS"),
        ("slug", "another-slug"),
        ("kind", "employee"),
        (
            "question",
            "  How likely are you\n to recommend our website?  ",
        ),
        ("touchpoint", ""),
        ("min_sample", "50"),
        ("version", "1"),
    ];
    let response = app.post_form(&format!("/admin/surveys/{id}"), &form).await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        format!("/admin/surveys/{id}?saved=updated")
    );
    let survey = stored(&app, "web-nps").await;
    assert_eq!(survey.id, id, "the slug stayed");
    assert_eq!(survey.kind, "customer");
    assert_eq!(survey.name, "Website NPS");
    assert_eq!(
        survey.question,
        "How likely are you to recommend our website?"
    );
    assert_eq!((survey.min_sample, survey.version), (Some(50), 2));

    // Blank goes back to the organisation's default.
    let form = with(form, "min_sample", "");
    let form = with(form, "version", "2");
    assert_eq!(
        app.post_form(&format!("/admin/surveys/{id}"), &form)
            .await
            .status(),
        303
    );
    assert_eq!(stored(&app, "web-nps").await.min_sample, None);

    assert_eq!(
        audit_actions(&app, cx).await,
        ["survey.update", "survey.update"]
    );
    let (before, after): (serde_json::Value, serde_json::Value) = sqlx::query_as(
        "SELECT before, after FROM audit_log WHERE action = 'survey.update' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(before["name"], "web-nps");
    assert_eq!(after["name"], "Website NPS");
    assert_eq!(after["min_sample"], 50);
}

#[tokio::test]
async fn bad_input_is_shown_again_with_field_messages_and_nothing_is_saved() {
    let (app, cx) = cx_app().await;
    let form = vec![
        ("name", ""),
        ("slug", "Not A Slug"),
        ("kind", "customer"),
        ("question", ""),
        ("touchpoint", "not-a-touchpoint"),
        ("min_sample", "0.5 please"),
        ("version", ""),
    ];
    let response = app.post_form("/admin/surveys", &form).await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    for kept in ["value=\"Not A Slug\"", "value=\"0.5 please\""] {
        assert!(body.contains(kept), "input kept: {kept}");
    }
    for message in [
        "give the survey a name",
        "use lower-case letters and digits",
        "write the question people answer",
        "choose a touchpoint from the list",
        "type a whole number from 1 to 100,000",
    ] {
        assert!(body.contains(message), "{message}: {body}");
    }
    assert!(body.contains("aria-invalid=\"true\""));

    // Too large a minimum sample, with the rest fine: only that field is marked.
    let response = app
        .post_form(
            "/admin/surveys",
            &with(
                fields("Relationship", "customer", "Recommend us?"),
                "min_sample",
                "100001",
            ),
        )
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("value=\"Relationship\"") && body.contains("Recommend us?"));
    assert!(body.contains("value=\"100001\""));

    assert_eq!(survey_count(&app).await, 0);
    assert!(audit_actions(&app, cx).await.is_empty());
}

#[tokio::test]
async fn a_name_or_slug_that_another_survey_has_is_a_field_error_not_a_500() {
    let (app, _) = cx_app().await;
    add_survey(&app.db.pool, "web-nps", "customer", None, None).await;

    let form = with(
        fields("WEB-NPS", "employee", "Recommend us as a workplace?"),
        "slug",
        "web-nps",
    );
    let response = app.post_form("/admin/surveys", &form).await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("another survey already has this name"),
        "{body}"
    );
    assert!(
        body.contains("another survey already has this slug"),
        "{body}"
    );

    // A slug made from a name clashes the same way; an archived survey still holds its
    // name, and the message says so.
    sqlx::query("UPDATE surveys SET archived_at = now() WHERE slug = 'web-nps'")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let response = app
        .post_form(
            "/admin/surveys",
            &fields("Web NPS", "customer", "Recommend us?"),
        )
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("“web-nps”, made from the name, is taken by another survey; type a slug"),
        "{body}"
    );

    // Renaming an existing survey onto another's name is refused too.
    let other = add_survey(&app.db.pool, "app-nps", "customer", None, None).await;
    let form = vec![
        ("name", "Web-NPS"),
        ("question", "Recommend us?"),
        ("version", "1"),
    ];
    let response = app
        .post_form(&format!("/admin/surveys/{other}"), &form)
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("an archived survey already has this name; choose another")
    );
    assert_eq!(stored(&app, "app-nps").await.name, "app-nps");
    assert_eq!(survey_count(&app).await, 2);
}

#[tokio::test]
async fn each_kind_points_only_at_what_it_may() {
    let (app, _) = cx_app().await;
    let finance = add_department(&app.db.pool, "finance", "Finance", "support").await;
    let legal = add_department(&app.db.pool, "legal", "Legal", "support").await;
    let invoice = add_touchpoint(&app.db.pool, "invoice", "Invoice", finance).await;
    let (finance_id, invoice_id) = (finance.to_string(), invoice.to_string());

    // Only customer surveys sit on a touchpoint.
    let form = with(
        fields("eNPS", "employee", "Recommend us as a workplace?"),
        "touchpoint",
        &invoice_id,
    );
    let response = app.post_form("/admin/surveys", &form).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("only customer surveys sit on a touchpoint")
    );

    // Only internal surveys rate a department, and they must.
    let form = with(
        fields("Relationship", "customer", "Recommend us?"),
        "rated_department",
        &finance_id,
    );
    let response = app.post_form("/admin/surveys", &form).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("only internal surveys rate a department")
    );
    let (status, new_internal) = page(&app, "/admin/surveys/new?kind=internal").await;
    assert_eq!(status, 200);
    let question =
        "How likely are you to recommend the {department} department&#39;s service to a colleague?";
    assert!(new_internal.contains(question), "{new_internal}");
    let internal = fields(
        "Internal NPS: Finance",
        "internal",
        "How likely are you to recommend the {department} department's service to a colleague?",
    );
    let response = app.post_form("/admin/surveys", &internal).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("choose the department that this survey rates")
    );
    assert_eq!(survey_count(&app).await, 0);

    // With the department, the question names it.
    let response = app
        .post_form(
            "/admin/surveys",
            &with(internal, "rated_department", &finance_id),
        )
        .await;
    assert_eq!(response.status(), 303);
    let survey = stored(&app, "internal-nps-finance").await;
    assert_eq!(survey.rated_department_id, Some(finance));
    assert_eq!(
        survey.question,
        "How likely are you to recommend the Finance department's service to a colleague?"
    );

    // Once colleagues have rated Finance, the survey cannot be turned onto Legal.
    let mut answer = customer_response(survey.id, 9, OffsetDateTime::now_utc());
    answer.survey_kind = "internal".into();
    answer.respondent_department_id = Some(legal);
    store_responses(&app.db.pool, &[answer]).await;
    let legal_id = legal.to_string();
    let edit = vec![
        ("name", "Internal NPS: Finance"),
        ("question", survey.question.as_str()),
        ("rated_department", legal_id.as_str()),
        ("version", "1"),
    ];
    let response = app
        .post_form(&format!("/admin/surveys/{}", survey.id), &edit)
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("already has answers about its department")
    );
    assert_eq!(
        stored(&app, "internal-nps-finance")
            .await
            .rated_department_id,
        Some(finance)
    );
}

#[tokio::test]
async fn the_second_of_two_concurrent_edits_is_told_and_overwrites_nothing() {
    let (app, cx) = cx_app().await;
    let id = add_survey(&app.db.pool, "web-nps", "customer", None, None).await;
    let path = format!("/admin/surveys/{id}");
    let (_, edit) = page(&app, &path).await;
    assert!(edit.contains("name=\"version\" value=\"1\""));

    // Both editors opened version 1; the first saves.
    let first = vec![
        ("name", "First editor's name"),
        ("question", "First question?"),
        ("version", "1"),
    ];
    assert_eq!(app.post_form(&path, &first).await.status(), 303);

    let second = vec![
        ("name", "Second editor's name"),
        ("question", "Second question?"),
        ("min_sample", "40"),
        ("version", "1"),
    ];
    let response = app.post_form(&path, &second).await;
    assert_eq!(response.status(), 409);
    let body = response.text().await.unwrap();
    assert!(body.contains("Someone else changed this survey"), "{body}");
    assert!(
        body.contains("First editor&#39;s name"),
        "shows what is saved now"
    );
    assert!(body.contains("Second question?"), "keeps the second input");
    assert!(
        body.contains("name=\"version\" value=\"2\""),
        "a resubmission goes over what was seen"
    );
    let survey = stored(&app, "web-nps").await;
    assert_eq!(
        (survey.name.as_str(), survey.min_sample, survey.version),
        ("First editor's name", None, 2)
    );

    // Closing with the version seen before the edit is refused the same way.
    let response = app
        .post_form(
            &format!("{path}/close"),
            &[("version", "1"), ("close", "1")],
        )
        .await;
    assert_eq!(response.status(), 409);
    assert!(!stored(&app, "web-nps").await.closed);

    // Having seen it, the second editor saves over it.
    let response = app.post_form(&path, &with(second, "version", "2")).await;
    assert_eq!(response.status(), 303);
    assert_eq!(stored(&app, "web-nps").await.name, "Second editor's name");
    assert_eq!(
        audit_actions(&app, cx).await,
        ["survey.update", "survey.update"]
    );
}

#[tokio::test]
async fn a_closed_survey_shows_respondents_the_closed_page_until_it_is_reopened() {
    let (app, cx) = cx_app().await;
    let id = add_survey(&app.db.pool, "web-nps", "customer", None, None).await;
    let token = stored(&app, "web-nps").await.public_token;
    let close_path = format!("/admin/surveys/{id}/close");

    let response = app
        .post_form(&close_path, &[("version", "1"), ("close", "1")])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        format!("/admin/surveys/{id}?saved=closed")
    );
    let (status, public) = page(&app, &format!("/s/{token}")).await;
    assert_eq!(status, 410);
    assert!(public.contains("This survey is closed"));
    let answer = app
        .post_form(&format!("/s/{token}"), &[("score", "9")])
        .await;
    assert_eq!(answer.status(), 410);
    assert_eq!(response_count(&app).await, 0);

    let (_, edit) = page(&app, &format!("/admin/surveys/{id}")).await;
    assert!(edit.contains("Reopen survey"));
    let (_, listing) = page(&app, "/admin/surveys").await;
    assert!(listing.contains("surveys-status-closed"));

    let response = app
        .post_form(&close_path, &[("version", "2"), ("close", "0")])
        .await;
    assert_eq!(response.status(), 303);
    let (status, _) = page(&app, &format!("/s/{token}")).await;
    assert_eq!(status, 200);
    let survey = stored(&app, "web-nps").await;
    assert_eq!((survey.closed, survey.version), (false, 3));
    assert_eq!(
        audit_actions(&app, cx).await,
        ["survey.close", "survey.reopen"]
    );
}

#[tokio::test]
async fn archiving_hides_a_survey_but_keeps_every_answer() {
    let (app, cx) = cx_app().await;
    let id = add_survey(&app.db.pool, "web-nps", "customer", None, None).await;
    store_responses(
        &app.db.pool,
        &[customer_response(id, 10, OffsetDateTime::now_utc())],
    )
    .await;
    let token = stored(&app, "web-nps").await.public_token;
    let (_, listing) = page(&app, "/admin/surveys").await;
    assert!(listing.contains("web-nps"));

    let response = app
        .post_form(
            &format!("/admin/surveys/{id}/archive"),
            &[("version", "1"), ("archive", "1")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin/surveys?saved=archived");

    let (_, listing) = page(&app, "/admin/surveys").await;
    assert!(!listing.contains(&format!("/admin/surveys/{id}\"")));
    let (_, with_archived) = page(&app, "/admin/surveys?archived=1").await;
    assert!(with_archived.contains(&format!("/admin/surveys/{id}\"")));
    assert_eq!(page(&app, &format!("/s/{token}")).await.0, 404);
    assert_eq!(response_count(&app).await, 1, "the answer is kept");
    let survey = stored(&app, "web-nps").await;
    assert!(survey.archived);

    // It comes back.
    let response = app
        .post_form(
            &format!("/admin/surveys/{id}/archive"),
            &[("version", "2"), ("archive", "0")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(page(&app, &format!("/s/{token}")).await.0, 200);
    assert_eq!(
        audit_actions(&app, cx).await,
        ["survey.archive", "survey.restore"]
    );
}

/// The dark modules drawn by an SVG QR code of 8-unit modules with a 4-module quiet zone,
/// as (row, column) pairs.
fn dark_modules(svg: &str) -> Vec<(u32, u32)> {
    let d_start = svg.find(" d=\"").expect("a path") + 4;
    let d = &svg[d_start..d_start + svg[d_start..].find('"').unwrap()];
    let mut modules = Vec::new();
    for rect in d.split('M').filter(|s| !s.is_empty()) {
        let numbers: Vec<u32> = rect
            .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
            .filter(|s| !s.is_empty())
            .map(|n| n.parse().unwrap())
            .collect();
        let (left, top, width, height) = (numbers[0], numbers[1], numbers[2], numbers[3]);
        for row in top / 8..(top + height) / 8 {
            for column in left / 8..(left + width) / 8 {
                modules.push((row - 4, column - 4));
            }
        }
    }
    modules.sort_unstable();
    modules
}

#[tokio::test]
async fn the_qr_code_downloads_as_svg_and_encodes_the_public_link() {
    let (app, _) = cx_app().await;
    let id = add_survey(&app.db.pool, "web-nps", "customer", None, None).await;
    let token = stored(&app, "web-nps").await.public_token;

    let response = app.get(&format!("/admin/surveys/{id}/qr.svg")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("web-nps-qr.svg")
    );
    let svg = response.text().await.unwrap();
    assert!(svg.contains("<svg") && svg.ends_with("</svg>"));

    let link = format!("{PUBLIC_URL}/s/{token}");
    let code = qrcode::QrCode::new(link.as_bytes()).unwrap();
    let width = code.width() as u32;
    let mut expected: Vec<(u32, u32)> = code
        .to_colors()
        .iter()
        .enumerate()
        .filter(|(_, color)| **color == qrcode::Color::Dark)
        .map(|(i, _)| (i as u32 / width, i as u32 % width))
        .collect();
    expected.sort_unstable();
    assert!(expected.len() > 100);
    assert_eq!(dark_modules(&svg), expected, "the modules encode {link}");

    // The inline code on the survey's page is the same.
    let (_, edit) = page(&app, &format!("/admin/surveys/{id}")).await;
    let inline = &edit[edit.find("<svg").unwrap()..];
    assert_eq!(dark_modules(inline), expected);

    assert_eq!(
        app.get(&format!("/admin/surveys/{}/qr.svg", Uuid::new_v4()))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_preview_shows_the_public_page_and_records_nothing() {
    let (app, _) = cx_app().await;
    add_department(&app.db.pool, "it", "IT", "support").await;
    let id = add_survey(&app.db.pool, "enps", "employee", None, None).await;
    let before = response_count(&app).await;

    let (status, preview) = page(&app, &format!("/admin/surveys/{id}/preview")).await;
    assert_eq!(status, 200);
    assert!(preview.contains("Preview — answers are not recorded"));
    assert!(preview.contains("How likely are you to recommend us?"));
    assert!(preview.contains("name=\"score\""), "the 0–10 scale");
    assert!(preview.contains(">IT<"), "asks the respondent's department");
    assert!(!preview.contains("action=\"/s/"), "the form goes nowhere");
    assert!(preview.contains("survey-submit\" disabled"));

    // Even a hand-made post to the preview stores nothing.
    let response = app
        .post_form(&format!("/admin/surveys/{id}/preview"), &[("score", "9")])
        .await;
    assert_eq!(response.status(), 405);
    assert_eq!(response_count(&app).await, before);

    // A closed survey's preview says what respondents see instead.
    sqlx::query("UPDATE surveys SET closed_at = now() WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (status, preview) = page(&app, &format!("/admin/surveys/{id}/preview")).await;
    assert_eq!(status, 200);
    assert!(preview.contains("respondents see a polite"));
}

#[tokio::test]
async fn the_list_is_searched_and_paged_and_counts_recent_answers() {
    let (app, _) = cx_app().await;
    sqlx::query(
        "INSERT INTO surveys (slug, name, kind, public_token, question)
         SELECT 'survey-' || n, 'Survey ' || lpad(n::text, 3, '0'), 'customer',
                'token_' || md5(n::text), 'Recommend us?'
         FROM generate_series(1, 60) n",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let busy = add_survey(&app.db.pool, "zz-busy", "customer", None, None).await;
    sqlx::query("UPDATE surveys SET name = 'Zz busy_one' WHERE id = $1")
        .bind(busy)
        .execute(&app.db.pool)
        .await
        .unwrap();
    store_responses(
        &app.db.pool,
        &[
            customer_response(busy, 9, OffsetDateTime::now_utc()),
            customer_response(busy, 3, OffsetDateTime::now_utc()),
        ],
    )
    .await;

    let (status, first) = page(&app, "/admin/surveys").await;
    assert_eq!(status, 200);
    assert!(first.contains("1–50 of 61"), "{first}");
    assert!(first.contains("Survey 050") && !first.contains("Survey 051"));
    assert!(first.contains("href=\"/admin/surveys?page=2\""));
    let (_, second) = page(&app, "/admin/surveys?page=2").await;
    assert!(second.contains("51–61 of 61") && second.contains("Survey 051"));
    let busy_row = &second[second.find("Zz busy_one").unwrap()..];
    let busy_row = &busy_row[..busy_row.find("</tr>").unwrap()];
    assert!(busy_row.contains("<td class=\"num\">2</td>"), "{busy_row}");

    // By name or slug, any case.
    let (_, found) = page(&app, "/admin/surveys?q=SURVEY%2000").await;
    assert!(found.contains("1–9 of 9"), "{found}");
    let (_, found) = page(&app, "/admin/surveys?q=zz-BUSY").await;
    assert!(found.contains("1–1 of 1"), "{found}");
    // Wildcards are searched for literally.
    let (_, literal) = page(&app, "/admin/surveys?q=busy_").await;
    assert!(literal.contains("1–1 of 1"), "{literal}");
    for wildcard in ["%25", "y_0"] {
        let (status, none) = page(&app, &format!("/admin/surveys?q={wildcard}")).await;
        assert_eq!(status, 200);
        assert!(none.contains("No survey matches"), "{wildcard}: {none}");
    }
    // Paging keeps the search; a page past the end shows the last.
    let (_, last) = page(&app, "/admin/surveys?q=survey&page=99").await;
    assert!(last.contains("51–60 of 60"), "{last}");
    assert!(last.contains("href=\"/admin/surveys?q=survey\""));
}

#[tokio::test]
async fn a_department_head_can_use_none_of_it() {
    let app = spawn_app().await;
    let id = add_survey(&app.db.pool, "web-nps", "customer", None, None).await;
    let head = app.signed_in_as("department-head").await;
    let path = format!("/admin/surveys/{id}");
    for get in [
        "/admin/surveys".to_owned(),
        "/admin/surveys/new?kind=customer".to_owned(),
        path.clone(),
        format!("{path}/qr.svg"),
        format!("{path}/preview"),
    ] {
        assert_eq!(app.get(&get).await.status(), 403, "GET {get}");
    }
    let form = [
        ("name", "Taken over"),
        ("kind", "customer"),
        ("question", "Recommend us?"),
        ("version", "1"),
        ("close", "1"),
        ("archive", "1"),
    ];
    for post in [
        "/admin/surveys".to_owned(),
        path.clone(),
        format!("{path}/close"),
        format!("{path}/archive"),
    ] {
        assert_eq!(
            app.post_form(&post, &form).await.status(),
            403,
            "POST {post}"
        );
    }
    let survey = stored(&app, "web-nps").await;
    assert_eq!(
        (
            survey.name.as_str(),
            survey.closed,
            survey.archived,
            survey.version
        ),
        ("web-nps", false, false, 1)
    );
    assert_eq!(survey_count(&app).await, 1);
    assert!(audit_actions(&app, head.id).await.is_empty());
}
