//! The HR, Finance, Legal and IT panels of `/departments/{slug}`, each number checked
//! against a recount of the test's own data (never against the service that drew it):
//! eNPS against customer NPS with its correlation and anonymity, the chargeback ledger,
//! NPS by segment and plan costs, channel touchpoints and theme detractor shares; and who
//! may read them.

use crate::helpers::{
    TestApp, add_contact_reason, add_contacts, add_department, add_kpi_objective, add_organisation,
    add_plan, add_survey, add_touchpoint, between, customer_response, money, new_client, nps,
    spawn_app, store_responses,
};
use centric::repo::responses::NewResponse;
use sqlx::PgPool;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

async fn add_function_department(pool: &PgPool, slug: &str, name: &str, function: &str) -> Uuid {
    let id = add_department(pool, slug, name, "support").await;
    sqlx::query("UPDATE departments SET business_function = $2 WHERE id = $1")
        .bind(id)
        .bind(function)
        .execute(pool)
        .await
        .unwrap();
    id
}

async fn set_min_sample(pool: &PgPool, min_sample: i32) {
    sqlx::query("UPDATE organisation SET min_sample = $1")
        .bind(min_sample)
        .execute(pool)
        .await
        .unwrap();
}

/// The table row whose header holds `label`.
fn row<'a>(section: &'a str, label: &str) -> &'a str {
    between(section, &format!(">{label}<"), "</tr>")
}

async fn page(app: &TestApp, slug: &str) -> String {
    let response = app.get(&format!("/departments/{slug}")).await;
    assert_eq!(response.status(), 200, "/departments/{slug}");
    response.text().await.unwrap()
}

fn days_ago(days: i64) -> OffsetDateTime {
    OffsetDateTime::now_utc() - Duration::days(days)
}

#[tokio::test]
async fn hr_sees_each_departments_enps_against_its_customers_nps_with_small_groups_left_out() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    set_min_sample(pool, 10).await;
    let hr = add_function_department(pool, "hr", "Human Resources", "hr").await;
    let customers = add_survey(pool, "relationship", "customer", None, None).await;
    let employees = add_survey(pool, "enps", "employee", None, None).await;
    // Employees answer in last month, a whole month inside the last 90 days.
    let last_month = (OffsetDateTime::now_utc().date().replace_day(1).unwrap()
        - Duration::days(10))
    .midnight()
    .assume_utc();
    // (department, employee scores, customer scores): Marketing's 3 answers are too few to
    // be anonymous, Finance's 6 too few to show (minimum sample 10).
    let departments: [(&str, &str, Vec<i16>, Vec<i16>); 5] = [
        (
            "sales",
            "Sales",
            [10; 7].into_iter().chain([3; 3]).collect(),
            [10; 12].into_iter().chain([5; 8]).collect(),
        ),
        (
            "service",
            "Service",
            [9; 5].into_iter().chain([2; 5]).chain([8; 2]).collect(),
            [10; 8].into_iter().chain([0; 8]).chain([7; 4]).collect(),
        ),
        (
            "operations",
            "Operations",
            [1; 9].into_iter().chain([10; 6]).collect(),
            [4; 12].into_iter().chain([9; 8]).collect(),
        ),
        ("marketing", "Marketing", vec![0, 0, 0], vec![9; 15]),
        (
            "finance",
            "Finance",
            vec![10, 10, 10, 2, 2, 8],
            vec![10; 12],
        ),
    ];
    let mut rows: Vec<NewResponse> = Vec::new();
    for (slug, name, staff, clients) in &departments {
        let department = add_department(pool, slug, name, "front-line").await;
        let touchpoint = add_touchpoint(
            pool,
            &format!("{slug}-desk"),
            &format!("{name} desk"),
            department,
        )
        .await;
        for score in staff {
            rows.push(NewResponse {
                survey_kind: "employee".into(),
                respondent_department_id: Some(department),
                ..customer_response(employees, *score, last_month)
            });
        }
        for (i, score) in clients.iter().enumerate() {
            rows.push(NewResponse {
                touchpoint_id: Some(touchpoint),
                ..customer_response(customers, *score, days_ago(2) - Duration::hours(i as i64))
            });
        }
    }
    // HR's own people answer too (3: too few), but HR owns no touchpoint.
    for _ in 0..3 {
        rows.push(NewResponse {
            survey_kind: "employee".into(),
            respondent_department_id: Some(hr),
            ..customer_response(employees, 9, last_month)
        });
    }
    store_responses(pool, &rows).await;
    let kpi: Uuid = sqlx::query_scalar(
        "INSERT INTO objectives (title, metric, owner_department_id, kpi_unit, baseline, target, period_start, period_end)
         VALUES ('Front-line staff trained in CX', 'kpi', $1, '%', 30, 90, $2, $3) RETURNING id",
    )
    .bind(hr)
    .bind(days_ago(200).date())
    .bind(days_ago(-200).date())
    .fetch_one(pool)
    .await
    .unwrap();
    for (months_ago, value) in [(3, 41.5), (1, 70.75), (2, 55.25)] {
        let start = days_ago(30 * months_ago).date();
        sqlx::query("INSERT INTO kpi_measurements (objective_id, value, period_start, period_end) VALUES ($1, $2, $3, $4)")
            .bind(kpi)
            .bind(value)
            .bind(start)
            .bind(start + Duration::days(27))
            .execute(pool)
            .await
            .unwrap();
    }
    app.signed_in_as("executive").await;

    let page = page(&app, "hr").await;
    let panel = between(&page, "id=\"panel-title\"", "</main>");
    // The recount: the three departments with enough answers on both sides.
    let compared = &departments[..3];
    let points: Vec<(f64, f64)> = compared
        .iter()
        .map(|(_, _, staff, clients)| (nps(staff), nps(clients)))
        .collect();
    for ((_, name, _, _), (enps, customer)) in compared.iter().zip(&points) {
        let tooltip =
            format!("<title>{name}: eNPS {enps:+.1}, customer NPS {customer:+.1}</title>");
        assert!(panel.contains(&tooltip), "{tooltip}");
        let figures = row(
            between(panel, "The figures behind the chart", "</table>"),
            name,
        );
        assert!(
            figures.contains(&format!("{enps:+.1}"))
                && figures.contains(&format!("{customer:+.1}"))
        );
    }
    assert_eq!(
        panel.matches("<circle").count(),
        3,
        "one dot per compared department"
    );
    // Pearson's r from the sums: (nΣxy − ΣxΣy) / √((nΣx² − (Σx)²)(nΣy² − (Σy)²)).
    let n = points.len() as f64;
    let (sx, sy) = (
        points.iter().map(|p| p.0).sum::<f64>(),
        points.iter().map(|p| p.1).sum::<f64>(),
    );
    let sxy: f64 = points.iter().map(|p| p.0 * p.1).sum();
    let (sxx, syy) = (
        points.iter().map(|p| p.0 * p.0).sum::<f64>(),
        points.iter().map(|p| p.1 * p.1).sum::<f64>(),
    );
    let r = (n * sxy - sx * sy) / ((n * sxx - sx * sx) * (n * syy - sy * sy)).sqrt();
    assert!(
        panel.contains(&format!(
            "Across 3 departments, <strong>r = {r:+.2}</strong>"
        )),
        "r = {r:+.2}"
    );
    assert!(panel.contains("Correlation is not causation"));
    // Marketing's three answers are hidden entirely; Finance has too few to show.
    let not_compared = between(panel, "Not compared:", "</p>");
    assert!(
        not_compared.contains("Marketing (no eNPS to show)"),
        "{not_compared}"
    );
    assert!(not_compared.contains("Finance (too few employee answers)"));
    assert!(
        !not_compared.contains("Human Resources"),
        "a hidden group is not even named"
    );
    assert!(!panel.contains("Marketing: eNPS") && !panel.contains("eNPS -100.0"));
    assert!(panel.contains("too few answers to be anonymous"));
    // HR's KPI with its values, oldest first.
    let kpis = between(panel, "CX KPIs", "</table>");
    let at = |value: &str| kpis.find(value).unwrap_or_else(|| panic!("{value} shown"));
    assert!(at("41.5") < at("55.25") && at("55.25") < at("70.75"));
    assert!(kpis.contains("<strong>70.75</strong>"), "latest");
}

#[tokio::test]
async fn finance_sees_the_whole_ledger_nps_by_segment_and_what_the_plans_will_cost() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_function_department(pool, "finance", "Finance", "finance").await;
    let it = add_department(pool, "it", "IT", "support").await;
    let unclear =
        add_contact_reason(pool, "unclear-invoice", "Unclear invoice", Some(finance)).await;
    let billing = add_contact_reason(pool, "billing-error", "Billing error", Some(finance)).await;
    let login = add_contact_reason(pool, "login-problem", "Cannot log in", Some(it)).await;
    let moving = add_contact_reason(pool, "moving-house", "Moving house", None).await;
    let contacts = [
        (unclear, 5, 650),
        (unclear, 40, 650),
        (unclear, 80, 420),
        (billing, 10, 125_050),
        (login, 3, 280),
        (login, 4, 280),
        (login, 60, 150),
        (moving, 20, 650),
        // Before the last 90 days: not on the ledger.
        (unclear, 120, 99_900),
        (login, 200, 99_900),
    ];
    add_contacts(pool, &contacts).await;
    let recent: Vec<&(Uuid, i64, i64)> = contacts.iter().filter(|c| c.1 < 89).collect();
    let line = |reasons: &[Uuid]| {
        let mine: Vec<_> = recent.iter().filter(|c| reasons.contains(&c.0)).collect();
        (mine.len(), mine.iter().map(|c| c.2).sum::<i64>())
    };
    let customers = add_survey(pool, "relationship", "customer", None, None).await;
    // (segment, scores): consumers are too few for an NPS (minimum sample 30).
    let segments: [(Option<&str>, Vec<i16>); 4] = [
        (
            Some("enterprise"),
            [10; 25].into_iter().chain([3; 10]).chain([8; 5]).collect(),
        ),
        (
            Some("smb"),
            [9; 12].into_iter().chain([6; 18]).chain([7; 6]).collect(),
        ),
        (Some("consumer"), vec![10, 2, 2, 9, 8]),
        (None, [10; 30].into()),
    ];
    let mut rows = Vec::new();
    for (segment, scores) in &segments {
        for (i, score) in scores.iter().enumerate() {
            rows.push(NewResponse {
                segment: segment.map(str::to_owned),
                ..customer_response(customers, *score, days_ago(1) - Duration::minutes(i as i64))
            });
        }
    }
    // An enterprise detractor from before the period does not count.
    rows.push(NewResponse {
        segment: Some("enterprise".into()),
        ..customer_response(customers, 0, days_ago(100))
    });
    store_responses(pool, &rows).await;
    // Two KPI objectives, half-way through their period: one at 50 (on track), one at 10.
    let mut objectives = Vec::new();
    for (title, value) in [
        ("Invoices read at a glance", 50.0),
        ("Disputes settled in a week", 10.0),
    ] {
        objectives.push((add_kpi_objective(pool, title, finance, value).await, value));
    }
    // Each plan pays on one objective: 50 % at the threshold (0), 100 % at the target (100).
    let plans = [
        (
            "Finance team bonus",
            None,
            Some(finance),
            400_000_i64,
            objectives[0],
        ),
        (
            "Executive bonus",
            Some("executive"),
            None,
            1_000_000,
            objectives[1],
        ),
    ];
    for (name, role, department, bonus, (objective, _)) in plans {
        add_plan(pool, name, role, department, bonus, objective).await;
    }
    app.signed_in_as("cx-lead").await;

    let page = page(&app, "finance").await;
    let panel = between(&page, "id=\"panel-title\"", "</main>");
    let ledger = between(panel, "Chargeback ledger", "</table>");
    for (name, reasons, top) in [
        ("Finance", &[unclear, billing][..], "Billing error"),
        ("IT", &[login][..], "Cannot log in"),
    ] {
        let (count, cents) = line(reasons);
        let figures = row(ledger, name);
        assert!(
            figures.contains(&format!(">{count}<")),
            "{name}: {count} contacts in {figures}"
        );
        assert!(
            figures.contains(&format!(">{}<", money(cents))),
            "{name}: {} in {figures}",
            money(cents)
        );
        assert!(figures.contains(top), "{name}'s top reason");
    }
    assert!(row(ledger, "no department charged").contains(&format!(">{}<", money(650))));
    let (count, cents) = (recent.len(), recent.iter().map(|c| c.2).sum::<i64>());
    let total = row(ledger, "All departments");
    assert!(
        total.contains(&format!(">{count}<")) && total.contains(&format!(">{}<", money(cents))),
        "{total}"
    );
    assert!(
        ledger.find(">Finance<").unwrap() < ledger.find(">IT<").unwrap(),
        "most costly first"
    );

    let by_segment = between(panel, "NPS by customer segment", "</table>");
    for (segment, scores) in &segments[..2] {
        let figures = row(by_segment, segment.unwrap());
        assert!(
            figures.contains(&format!("{:+.1}", nps(scores))),
            "{figures}"
        );
        assert!(figures.contains(&format!(">{}<", scores.len())));
    }
    assert!(row(by_segment, "consumer").contains("not enough responses"));
    assert!(row(by_segment, "segment not given").contains(&format!("{:+.1}", nps(&segments[3].1))));

    // Payout at value v on this curve: 50 % + 50 % × v / 100.
    let payout = |value: f64| 50.0 + 50.0 * value / 100.0;
    let costs = between(panel, "Incentive plans: projected cost", "</table>");
    let mut projected_total = 0;
    for (name, _, _, bonus, (_, value)) in plans {
        let projected = (bonus as f64 * payout(value) / 100.0).round() as i64;
        projected_total += projected;
        let figures = row(costs, name);
        assert!(
            figures.contains(&money(projected)) && figures.contains(&money(bonus)),
            "{figures}"
        );
        assert!(figures.contains(&format!("{:.1} %", payout(value))));
    }
    // Half the period gone: 50 % of the way is on track, 10 % is off track.
    assert!(row(costs, "Finance team bonus").contains("status-on-track"));
    assert!(row(costs, "Executive bonus").contains("status-off-track"));
    assert!(panel.contains(&format!(
        "heading to pay <strong>{}</strong> of <strong>{}</strong>",
        money(projected_total),
        money(1_400_000)
    )));
}

/// A customer response about a touchpoint at a time, with an optional comment.
fn said(
    survey: Uuid,
    touchpoint: Uuid,
    score: i16,
    comment: Option<&str>,
    at: OffsetDateTime,
) -> NewResponse {
    NewResponse {
        touchpoint_id: Some(touchpoint),
        comment: comment.map(str::to_owned),
        ..customer_response(survey, score, at)
    }
}

/// The 15th of the month `months` before this one, at noon UTC.
fn mid_month(months: i32) -> OffsetDateTime {
    let today = OffsetDateTime::now_utc().date();
    let index = today.year() * 12 + i32::from(u8::from(today.month())) - 1 - months;
    let month = time::Month::try_from((index % 12 + 1) as u8).unwrap();
    Date::from_calendar_date(index / 12, month, 15)
        .unwrap()
        .midnight()
        .assume_utc()
        + Duration::hours(12)
}

#[tokio::test]
async fn legal_and_it_see_their_channels_touchpoints_and_their_themes_share_of_detractor_comments()
{
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    set_min_sample(pool, 10).await;
    let legal = add_function_department(pool, "legal", "Legal", "legal").await;
    let it = add_function_department(pool, "it", "IT", "it").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let sales = add_department(pool, "sales", "Sales", "front-line").await;
    let contract = add_touchpoint(pool, "contract", "Contract", legal).await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    // Sales runs the website: IT's panel shows it all the same (whoever owns it).
    let website = add_touchpoint(pool, "website", "Website", sales).await;
    let app_touchpoint = add_touchpoint(pool, "mobile-app", "Mobile app", it).await;
    let call = add_touchpoint(pool, "sales-call", "Sales call", sales).await;
    sqlx::query("UPDATE touchpoints SET channel = 'digital' WHERE id = ANY($1)")
        .bind(vec![website, app_touchpoint])
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE touchpoints SET channel = 'phone' WHERE id = $1")
        .bind(call)
        .execute(pool)
        .await
        .unwrap();
    for (name, keywords, owner) in [
        ("Contract clarity", "{contract*,terms}", legal),
        ("Login", "{login}", it),
    ] {
        sqlx::query(
            "INSERT INTO themes (name, keywords, owner_department_id) VALUES ($1, $2::text[], $3)",
        )
        .bind(name)
        .bind(keywords)
        .bind(owner)
        .execute(pool)
        .await
        .unwrap();
    }
    let survey = add_survey(pool, "relationship", "customer", None, None).await;
    let mut rows = Vec::new();
    for months in 1..=3 {
        let at = mid_month(months);
        let mut add = |touchpoint, score, comment, count: i32| {
            for i in 0..count {
                rows.push(said(
                    survey,
                    touchpoint,
                    score,
                    comment,
                    at + Duration::minutes(i64::from(i)),
                ));
            }
        };
        add(
            contract,
            2,
            Some("The contract small print is unfair"),
            2 + months,
        );
        add(contract, 10, Some("The contract was clear"), 4);
        add(contract, 4, None, 2);
        add(invoice, 7, Some("Invoice terms were fine-ish"), 3);
        add(invoice, 9, None, 6);
        add(website, 1, Some("The login failed again"), 5 - months);
        add(website, 10, None, 8);
        add(app_touchpoint, 9, None, 6);
        add(app_touchpoint, 3, None, 2);
        add(call, 3, Some("A rude salesperson"), 2 * months);
    }
    // Over a year ago: outside the trend.
    rows.push(said(
        survey,
        contract,
        0,
        Some("contract trouble"),
        mid_month(14),
    ));
    store_responses(pool, &rows).await;
    app.signed_in_as("department-head").await;

    let today = OffsetDateTime::now_utc().date();
    for (slug, shown, hidden, theme) in [
        (
            "legal",
            &[("Contract", contract), ("Invoice", invoice)][..],
            &["Website", "Mobile app", "Sales call"][..],
            "Contract clarity",
        ),
        (
            "it",
            &[("Website", website), ("Mobile app", app_touchpoint)][..],
            &["Contract", "Invoice", "Sales call"][..],
            "Login",
        ),
    ] {
        let page = page(&app, slug).await;
        let panel = between(&page, "id=\"panel-title\"", "</main>");
        let touchpoints = between(panel, "touchpoints, last 90 days</h3>", "</table>");
        for (name, id) in shown.iter().copied() {
            let scores: Vec<i16> = rows
                .iter()
                .filter(|r| {
                    r.touchpoint_id == Some(id)
                        && r.submitted_at.date() > today - Duration::days(90)
                })
                .map(|r| r.score)
                .collect();
            let figures = row(touchpoints, name);
            assert!(
                figures.contains(&format!("{:+.1}", nps(&scores))),
                "{slug}: {name} {figures}"
            );
            assert!(figures.contains(&format!(">{}<", scores.len())));
        }
        for name in hidden {
            assert!(
                !touchpoints.contains(&format!(">{name}<")),
                "{slug} leaves out {name}"
            );
        }
        // The recount: customers' detractor comments per month, and those about the theme.
        let keyword = if theme == "Login" {
            "login"
        } else {
            "contract"
        };
        let table = between(panel, "The shares as a table", "</table>");
        let (mut later_part, mut later_whole) = (0, 0);
        for months in 0..12 {
            let month = mid_month(months);
            let of_month: Vec<&NewResponse> = rows
                .iter()
                .filter(|r| r.score <= 6 && r.comment.is_some())
                .filter(|r| {
                    (r.submitted_at.year(), r.submitted_at.month()) == (month.year(), month.month())
                })
                .collect();
            let whole = of_month.len();
            let part = of_month
                .iter()
                .filter(|r| {
                    r.comment
                        .as_deref()
                        .unwrap()
                        .to_lowercase()
                        .contains(keyword)
                })
                .count();
            let label = format!("{}-{:02}", month.year(), u8::from(month.month()));
            let figures = row(table, &label);
            assert!(
                figures.contains(&format!(">{whole}<")),
                "{slug} {label}: {whole} in {figures}"
            );
            let share = if whole == 0 {
                "—".to_owned()
            } else {
                format!("{:.1} %", 100.0 * part as f64 / whole as f64)
            };
            assert!(
                figures.contains(&format!("{share} <span class=\"muted small\">({part})")),
                "{slug} {label}: {share} in {figures}"
            );
            if months < 6 {
                later_part += part;
                later_whole += whole;
            }
        }
        let card = between(panel, &format!(">{theme}</h4>"), "</article>");
        let later = format!(
            "Last 6 months: <strong>{:.1} %</strong> ({later_part} of {later_whole})",
            100.0 * later_part as f64 / later_whole as f64
        );
        assert!(card.contains(&later), "{slug}: {later} in {card}");
        assert!(
            card.contains("too few detractor comments to tell"),
            "nothing in the first half"
        );
        assert!(card.contains("<svg class=\"chart columns\" role=\"img\""));
        assert_eq!(
            card.matches("<rect class=\"column\"").count(),
            3,
            "a column per month with comments"
        );
    }

    // Once IT owns every digital touchpoint, its panel points at its own table instead of
    // repeating it.
    sqlx::query("UPDATE touchpoints SET owner_department_id = $1 WHERE id = $2")
        .bind(it)
        .bind(website)
        .execute(pool)
        .await
        .unwrap();
    // Changed in the database directly: move the data version on, as a save through the
    // journey's admin page does, so cached pages follow.
    centric::repo::data_version::bump(pool).await.unwrap();
    let page = page(&app, "it").await;
    let panel = between(&page, "id=\"panel-title\"", "</main>");
    assert!(
        panel.contains("Every digital touchpoint is IT's own"),
        "{panel}"
    );
    assert!(
        !panel
            .contains("<caption class=\"visually-hidden\">NPS of the touchpoints of this channel")
    );
}

#[tokio::test]
async fn a_department_without_a_business_function_has_no_panel() {
    let app = spawn_app().await;
    add_department(&app.db.pool, "marketing", "Marketing", "front-line").await;
    app.signed_in_as("executive").await;
    let page = page(&app, "marketing").await;
    assert!(page.contains("Incentives"), "the shared scorecard");
    assert!(!page.contains("panel-title"));
}

#[tokio::test]
async fn every_panel_reads_as_finished_before_there_is_any_data() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    for (slug, name) in [
        ("hr", "Human Resources"),
        ("finance", "Finance"),
        ("legal", "Legal"),
        ("it", "IT"),
    ] {
        add_function_department(pool, slug, name, slug).await;
    }
    app.signed_in_as("executive").await;
    for (slug, messages) in [
        (
            "hr",
            &[
                "No department has both an eNPS and a customer NPS to show yet",
                "Human Resources records no KPI of its own yet",
            ][..],
        ),
        (
            "finance",
            &[
                "No service contacts in this period",
                "No customer responses in this period",
                "No incentive plans yet",
            ][..],
        ),
        (
            "legal",
            &[
                "No document touchpoint on the customer journey yet",
                "Legal owns no theme yet",
                "Legal records no KPI of its own yet",
            ][..],
        ),
        (
            "it",
            &[
                "No digital touchpoint on the customer journey yet",
                "IT owns no theme yet",
            ][..],
        ),
    ] {
        let page = page(&app, slug).await;
        for message in messages {
            assert!(page.contains(message), "{slug}: {message}");
        }
        assert!(
            !page.contains("<svg class=\"chart"),
            "{slug}: no empty chart"
        );
    }
}

#[tokio::test]
async fn every_signed_in_role_can_read_a_panel_and_a_visitor_is_sent_to_log_in() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    for slug in ["hr", "finance", "legal", "it"] {
        add_function_department(pool, slug, &slug.to_uppercase(), slug).await;
    }
    for role in ["executive", "department-head", "cx-lead"] {
        app.signed_in_as(role).await;
        for slug in ["hr", "finance", "legal", "it"] {
            assert!(
                page(&app, slug).await.contains("id=\"panel-title\""),
                "{role} reads {slug}'s panel"
            );
        }
    }
    let visitor = new_client();
    let response = visitor
        .get(app.url("/departments/finance"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/login?next="), "{location}");
}
