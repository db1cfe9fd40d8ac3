//! `/executive`: the headline against a recount over the test's own data, the filters in
//! the query string (bad ones explained, never a 500), and who may read it.

use crate::helpers::{
    TestApp, add_department, add_organisation, add_survey, add_touchpoint, customer_response,
    spawn_app, store_responses,
};
use centric::repo::responses::NewResponse;
use time::{Duration, OffsetDateTime};

/// 100 × (promoters − detractors) / n.
fn nps(scores: &[i16]) -> f64 {
    let promoters = scores.iter().filter(|s| **s >= 9).count() as f64;
    let detractors = scores.iter().filter(|s| **s <= 6).count() as f64;
    100.0 * (promoters - detractors) / scores.len() as f64
}

/// Customer answers on one touchpoint: `(days ago, score, segment)`.
async fn answers(app: &TestApp, rows: &[(i64, i16, &str)]) {
    let pool = &app.db.pool;
    let owner = add_department(pool, "finance", "Finance", "support").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", owner).await;
    let survey = add_survey(pool, "invoice-nps", "customer", Some(invoice), None).await;
    let now = OffsetDateTime::now_utc();
    let rows: Vec<NewResponse> = rows
        .iter()
        .enumerate()
        .map(|(i, (days_ago, score, segment))| NewResponse {
            touchpoint_id: Some(invoice),
            segment: Some((*segment).into()),
            ..customer_response(
                survey,
                *score,
                now - Duration::days(*days_ago) - Duration::minutes(i as i64),
            )
        })
        .collect();
    store_responses(pool, &rows).await;
}

fn stat_values(page: &str) -> Vec<String> {
    page.split("<span class=\"stat-value")
        .skip(1)
        .map(|part| {
            let text = &part[part.find('>').unwrap() + 1..];
            text[..text.find("</span>").unwrap()].trim().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_headline_is_the_periods_nps_and_a_real_change_is_marked() {
    let app = spawn_app().await;
    add_organisation(&app.db.pool, "UTC").await;
    // The 90 days before: 30 promoters, 70 detractors (−40). The last 90: 70 / 30 (+40),
    // of which Enterprise 40 promoters and SMB 30 promoters, 30 detractors.
    let mut rows = Vec::new();
    for i in 0..100 {
        rows.push((120, if i < 30 { 10 } else { 2 }, "SMB"));
        rows.push((
            10,
            if i < 70 { 9 } else { 3 },
            if i < 40 { "Enterprise" } else { "SMB" },
        ));
    }
    answers(&app, &rows).await;
    app.signed_in_as("executive").await;

    let page = app.get("/executive").await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let now: Vec<i16> = rows.iter().filter(|r| r.0 == 10).map(|r| r.1).collect();
    let values = stat_values(&page);
    assert_eq!(values[0], format!("{:+.1}", nps(&now)));
    assert_eq!(values[0], "+40.0");
    assert!(headline_card(&page).contains("n = 100"));
    assert!(values[1].contains("▲ 80.0 points"), "{values:?}");
    assert!(page.contains("A real change"));
    assert!(page.contains("Promoters (9–10) <strong>70 %</strong>"));
    assert!(page.contains("Detractors (0–6) <strong>30 %</strong>"));

    // Enterprise only: 40 promoters now, nothing before to compare with.
    let enterprise = app
        .get("/executive?segment=Enterprise")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(stat_values(&enterprise)[0], "+100.0");
    assert!(enterprise.contains("Not enough responses in one of the two periods"));
    assert!(enterprise.contains("Enterprise customers"));

    // A period of the test's choosing: only the older answers.
    let today = OffsetDateTime::now_utc().date();
    let older = app
        .get(&format!(
            "/executive?from={}&to={}",
            today - Duration::days(150),
            today - Duration::days(60)
        ))
        .await
        .text()
        .await
        .unwrap();
    let before: Vec<i16> = rows.iter().filter(|r| r.0 == 120).map(|r| r.1).collect();
    assert_eq!(stat_values(&older)[0], format!("{:+.1}", nps(&before)));
}

#[tokio::test]
async fn bad_filters_are_explained_with_the_default_view_never_a_500() {
    let app = spawn_app().await;
    add_organisation(&app.db.pool, "UTC").await;
    app.signed_in_as("executive").await;
    for (query, message) in [
        ("from=2026-02-30", "use a date such as 2026-01-31"),
        ("to=soon", "use a date such as 2026-01-31"),
        ("from=2026-05-01&to=2026-04-01", "must be before"),
        (
            "department=nowhere",
            "there is no department &#39;nowhere&#39;",
        ),
        ("kind=robots", "choose customer, employee or internal"),
        ("interval=fortnight", "choose week, month or quarter"),
        ("from=2019-01-01&to=2026-01-01", "at most three years"),
    ] {
        let response = app.get(&format!("/executive?{query}")).await;
        assert_eq!(response.status(), 400, "{query}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains("Those filters could not be applied"),
            "{query}"
        );
        assert!(page.contains(message), "{query}: {message}");
    }
    // A NUL character, which no link holds, is refused before it reaches the database.
    for query in ["department=%00", "segment=a%00b"] {
        let response = app.get(&format!("/executive?{query}")).await;
        assert_eq!(response.status(), 400, "{query}");
    }
}

#[tokio::test]
async fn every_signed_in_role_reads_the_dashboard_and_visitors_sign_in_first() {
    let app = spawn_app().await;
    add_organisation(&app.db.pool, "UTC").await;
    let anonymous = app.get("/executive").await;
    assert_eq!(anonymous.status(), 303);
    assert!(
        anonymous.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    for role in ["executive", "cx-lead", "department-head"] {
        app.signed_in_as(role).await;
        assert_eq!(app.get("/executive").await.status(), 200, "{role}");
    }
}

#[tokio::test]
async fn for_employees_a_department_means_the_people_who_work_there() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let sales = add_department(pool, "sales", "Sales", "front-line").await;
    let it = add_department(pool, "it", "IT", "support").await;
    let pulse = add_survey(pool, "pulse", "employee", None, None).await;
    // Last month: eight Sales promoters, six IT detractors.
    let today = OffsetDateTime::now_utc().date();
    let mid_last_month = mid_last_month(today);
    let rows: Vec<NewResponse> = (0..14)
        .map(|i| NewResponse {
            survey_kind: "employee".into(),
            respondent_department_id: Some(if i < 8 { sales } else { it }),
            ..customer_response(pulse, if i < 8 { 10 } else { 2 }, mid_last_month)
        })
        .collect();
    store_responses(pool, &rows).await;
    sqlx::query("UPDATE organisation SET min_sample = 5")
        .execute(pool)
        .await
        .unwrap();
    app.signed_in_as("executive").await;
    let page = app
        .get(&format!(
            "/executive?kind=employee&department=sales&from={}",
            today - Duration::days(70)
        ))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(stat_values(&page)[0], "+100.0");
    assert!(headline_card(&page).contains("n = 8"));
}

/// Midnight on the 15th of the month before `today`'s.
fn mid_last_month(today: time::Date) -> OffsetDateTime {
    (today.replace_day(1).unwrap() - Duration::days(1))
        .replace_day(15)
        .unwrap()
        .midnight()
        .assume_utc()
}

/// The headline card's HTML.
fn headline_card(page: &str) -> &str {
    let card = &page[page.find("headline-card").expect("a headline card")..];
    &card[..card.find("</div>").unwrap()]
}

#[tokio::test]
async fn a_department_whose_peoples_figure_would_reveal_a_small_team_by_subtraction_is_hidden() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let pulse = add_survey(pool, "pulse", "employee", None, None).await;
    // Last month: Sales 12, IT 8, HR 3 answers. HR is below the threshold (5); showing
    // Sales and IT would give HR as the organisation minus both, so IT, the smallest
    // other team, is hidden with it.
    let mut teams = Vec::new();
    for (slug, name, answers) in [("sales", "Sales", 12), ("it", "IT", 8), ("hr", "HR", 3)] {
        teams.push((
            slug,
            add_department(pool, slug, name, "support").await,
            answers,
        ));
    }
    let today = OffsetDateTime::now_utc().date();
    let mid_last_month = mid_last_month(today);
    let rows: Vec<NewResponse> = teams
        .iter()
        .flat_map(|(_, id, answers)| {
            (0..*answers).map(move |i| NewResponse {
                survey_kind: "employee".into(),
                respondent_department_id: Some(*id),
                ..customer_response(pulse, if i % 2 == 0 { 10 } else { 3 }, mid_last_month)
            })
        })
        .collect();
    store_responses(pool, &rows).await;
    sqlx::query("UPDATE organisation SET min_sample = 5, anonymity_threshold = 5")
        .execute(pool)
        .await
        .unwrap();
    app.signed_in_as("executive").await;
    let from = today - Duration::days(70);
    let mut shown = Vec::new();
    for department in ["", "sales", "it", "hr"] {
        let page = app
            .get(&format!(
                "/executive?kind=employee&department={department}&from={from}"
            ))
            .await
            .text()
            .await
            .unwrap();
        let card = headline_card(&page);
        // The trend's month is drawn exactly where the headline is shown.
        let dots = page.matches(r#"<circle class="line-dot""#).count();
        if card.contains("Hidden: too few answers to be anonymous") {
            assert!(!card.contains("n = "), "{department}: {card}");
            assert_eq!(dots, 0, "{department}");
        } else {
            assert_eq!(dots, 1, "{department}");
            shown.push(department);
        }
    }
    assert_eq!(shown, ["", "sales"]);
}

#[tokio::test]
async fn peoples_headline_compares_with_as_many_whole_months_before() {
    let app = spawn_app().await;
    add_organisation(&app.db.pool, "UTC").await;
    app.signed_in_as("executive").await;
    for (query, before) in [
        // March to May against December to February (not from November).
        (
            "kind=employee&from=2026-03-01&to=2026-05-31",
            "Against 2025-12-01 to 2026-02-28",
        ),
        (
            "kind=internal&from=2026-03-10&to=2026-03-20",
            "Against 2026-02-01 to 2026-02-28",
        ),
        // Customers: the same number of days.
        (
            "from=2026-03-01&to=2026-05-31",
            "Against 2025-11-29 to 2026-02-28",
        ),
    ] {
        let page = app
            .get(&format!("/executive?{query}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains(before), "{query}");
    }
}

#[tokio::test]
async fn below_the_minimum_sample_the_split_is_not_drawn() {
    let app = spawn_app().await;
    add_organisation(&app.db.pool, "UTC").await;
    answers(&app, &[(3, 10, "SMB"), (4, 10, "SMB"), (5, 2, "SMB")]).await;
    app.signed_in_as("executive").await;
    let page = app.get("/executive").await.text().await.unwrap();
    assert!(headline_card(&page).contains("Not enough responses yet (n = 3)"));
    assert!(page.contains("Nothing to split yet."));
    assert!(!page.contains("split-promoters\" x="));
}

#[tokio::test]
async fn switching_the_survey_keeps_a_usable_view() {
    let app = spawn_app().await;
    add_organisation(&app.db.pool, "UTC").await;
    app.signed_in_as("executive").await;
    // A weekly view switched to employees shows them by month rather than refusing.
    let response = app.get("/executive?interval=week&kind=employee").await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("Weeks are not offered for people"));
    // People's whole-month default is not written into the dates, so switching back to
    // customers gives their own 90 days; customers' default is.
    assert!(page.contains(r#"id="from" name="from" value="""#));
    let customers = app.get("/executive").await.text().await.unwrap();
    let today = OffsetDateTime::now_utc().date();
    assert!(customers.contains(&format!(
        r#"id="from" name="from" value="{}""#,
        today - Duration::days(89)
    )));
}

#[tokio::test]
async fn the_print_view_opens_every_table_and_stays_in_print() {
    let app = spawn_app().await;
    add_organisation(&app.db.pool, "UTC").await;
    let rows: Vec<(i64, i16, &str)> = (0..200).map(|i| (i % 60, (i % 11) as i16, "SMB")).collect();
    answers(&app, &rows).await;
    app.signed_in_as("executive").await;
    let screen = app.get("/executive").await.text().await.unwrap();
    assert!(screen.contains(r#"<details class="chart-alternative">"#));
    assert!(!screen.contains("view=print&#38;") && !screen.contains("Printed from Centric"));

    let print = app.get("/executive?view=print&sort=change").await;
    assert_eq!(print.status(), 200);
    let print = print.text().await.unwrap();
    assert!(print.contains("Printed from Centric"));
    // The trend tables are open on paper, none closed.
    assert!(print.contains(r#"<details class="chart-alternative" open>"#));
    assert!(!print.contains(r#"<details class="chart-alternative">"#));
    // Switching the periods or the order stays in the print view.
    assert!(print.contains("interval=quarter&#38;sort=change&#38;view=print#trend-title"));
    assert!(print.contains("sort=nps&#38;view=print#departments"));
    assert!(print.contains(r#"<input type="hidden" name="view" value="print">"#));
}

#[tokio::test]
async fn the_programme_counts_responses_of_exactly_the_last_90_days() {
    let app = spawn_app().await;
    add_organisation(&app.db.pool, "UTC").await;
    // 89 days ago is the first of the 90 days (today the last); 90 and 91 are before.
    answers(
        &app,
        &[
            (0, 10, "SMB"),
            (89, 10, "SMB"),
            (90, 10, "SMB"),
            (91, 3, "SMB"),
        ],
    )
    .await;
    app.signed_in_as("executive").await;
    let page = app.get("/executive").await.text().await.unwrap();
    assert!(page.contains(
        r#"<p class="stat-value num">2</p><p class="stat-label">survey responses in the last 90 days"#
    ));
}
