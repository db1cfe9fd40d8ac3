//! `/executive`'s trend: each period's NPS, interval, n and significance against a recount
//! of the test's own answers, the chart's points and markers, the switch to quarters,
//! eNPS under the anonymity threshold, and the starts of objectives and plans.

use crate::helpers::{
    TestApp, add_department, add_organisation, add_survey, add_touchpoint, customer_response,
    spawn_app, store_responses,
};
use centric::repo::responses::NewResponse;
use time::{Date, Duration, Month, OffsetDateTime, Time};

/// Promoters, passives, detractors.
type Split = (u64, u64, u64);

/// The first day of the month `back` months before this one (UTC, the organisation's zone).
fn month_start(back: i32) -> Date {
    let today = OffsetDateTime::now_utc().date();
    let index = today.year() * 12 + i32::from(u8::from(today.month())) - 1 - back;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).unwrap()).unwrap();
    Date::from_calendar_date(index.div_euclid(12), month, 1).unwrap()
}

/// Scores making up a split: 10s, 8s and 3s.
fn scores((promoters, passives, detractors): Split) -> Vec<i16> {
    let mut scores = vec![10; promoters as usize];
    scores.extend(vec![8; passives as usize]);
    scores.extend(vec![3; detractors as usize]);
    scores
}

/// What PRODUCT.md says a period shows: NPS, the adjusted-Wald interval, the unadjusted SE.
struct Expected {
    nps: f64,
    low: f64,
    high: f64,
    se: f64,
    n: u64,
}

fn expected((promoters, passives, detractors): Split) -> Expected {
    let n = (promoters + passives + detractors) as f64;
    let (p, d) = (promoters as f64 / n, detractors as f64 / n);
    let variance = |p: f64, d: f64| p + d - (p - d) * (p - d);
    let (pa, da) = (
        (promoters as f64 + 0.75) / (n + 3.0),
        (detractors as f64 + 0.75) / (n + 3.0),
    );
    let half = 1.96 * (variance(pa, da) / (n + 3.0)).sqrt();
    Expected {
        nps: 100.0 * (p - d),
        low: (100.0 * (pa - da - half)).max(-100.0),
        high: (100.0 * (pa - da + half)).min(100.0),
        se: 100.0 * (variance(p, d) / n).sqrt(),
        n: n as u64,
    }
}

fn significant(before: &Expected, after: &Expected) -> bool {
    (after.nps - before.nps).abs() > 1.96 * (before.se.powi(2) + after.se.powi(2)).sqrt()
}

/// Customer answers on one touchpoint, each month's on its first day.
async fn customers(app: &TestApp, months: &[(i32, Split)]) {
    let pool = &app.db.pool;
    let owner = add_department(pool, "sales", "Sales", "front-line").await;
    let desk = add_touchpoint(pool, "sales-call", "Sales call", owner).await;
    let survey = add_survey(pool, "sales-nps", "customer", Some(desk), None).await;
    let mut rows = Vec::new();
    for (back, split) in months {
        let day = month_start(*back).with_time(Time::MIDNIGHT).assume_utc();
        for (i, score) in scores(*split).into_iter().enumerate() {
            rows.push(NewResponse {
                touchpoint_id: Some(desk),
                ..customer_response(survey, score, day + Duration::minutes(i as i64))
            });
        }
    }
    store_responses(pool, &rows).await;
}

/// The part of the page about one chart (`trend-main` or `trend-employees`).
fn chart<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}-heading\""))
        .unwrap_or_else(|| panic!("a chart {id}"));
    let rest = &page[start..];
    &rest[..rest.find("</article>").unwrap()]
}

fn svg(chart: &str) -> &str {
    let start = chart
        .find("<svg class=\"chart line-chart\"")
        .expect("an SVG");
    &chart[start..start + chart[start..].find("</svg>").unwrap()]
}

/// The data table's rows: period, NPS, interval, n, note.
fn rows(chart: &str) -> Vec<Vec<String>> {
    chart
        .split("<tr><th scope=\"row\" class=\"nowrap\">")
        .skip(1)
        .map(|row| {
            row[..row.find("</tr>").unwrap()]
                .split("</t")
                .map(|cell| cell[cell.rfind('>').map_or(0, |i| i + 1)..].to_owned())
                .take(5)
                .collect()
        })
        .collect()
}

/// "+12.3 to +45.6" → (12.3, 45.6).
fn interval(text: &str) -> (f64, f64) {
    let (low, high) = text.split_once(" to ").expect("an interval");
    let number = |s: &str| s.replace('−', "-").parse::<f64>().unwrap();
    (number(low), number(high))
}

fn assert_row(row: &[String], name: &str, split: Split, note: &str) {
    let e = expected(split);
    assert_eq!(row[0], name);
    assert!(
        (row[1].parse::<f64>().unwrap() - e.nps).abs() < 0.051,
        "{row:?}"
    );
    let (low, high) = interval(&row[2]);
    assert!(
        (low - e.low).abs() < 0.051 && (high - e.high).abs() < 0.051,
        "{row:?}"
    );
    assert_eq!(row[3], e.n.to_string());
    assert_eq!(row[4], note, "{row:?}");
}

fn month_name(back: i32) -> String {
    month_start(back).to_string()[..7].to_owned()
}

#[tokio::test]
async fn each_months_nps_interval_n_and_significance_match_a_recount() {
    let app = spawn_app().await;
    add_organisation(&app.db.pool, "UTC").await;
    // Five months back −30, then a rise; nothing three months back; too few two months
    // back; a smaller fall last month; nothing yet this month.
    let data: [(i32, Split); 4] = [
        (5, (8, 12, 20)),
        (4, (30, 6, 4)),
        (2, (5, 3, 2)),
        (1, (26, 6, 8)),
    ];
    customers(&app, &data).await;
    app.signed_in_as("executive").await;

    let page = app.get("/executive").await.text().await.unwrap();
    let main = chart(&page, "trend-main");
    assert!(main.contains("NPS per month (customers)"));
    let rows = rows(main);
    // From the first month with answers to this month.
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, (0..=5).rev().map(month_name).collect::<Vec<_>>());

    let [m5, m4, m2, m1] = data.map(|(_, split)| split);
    let rise = significant(&expected(m5), &expected(m4));
    let fall = significant(&expected(m4), &expected(m1));
    assert!(rise && !fall, "the data is made so");
    assert_row(&rows[0], &month_name(5), m5, "");
    assert_row(&rows[1], &month_name(4), m4, "▲ significant rise");
    assert_eq!(rows[2][1..], ["—", "—", "0", "no responses"]);
    // Ten answers: below the minimum sample, a count but no number.
    let thin = expected(m2).n.to_string();
    assert_eq!(rows[3][1..], ["—", "—", &thin, "not enough responses"]);
    assert_row(&rows[4], &month_name(1), m1, "");
    assert_eq!(rows[5][3], "0");

    // The picture: a column per month, three values (one a rise), one withheld month.
    let svg = svg(main);
    assert!(svg.contains("role=\"img\"") && svg.contains("<desc"));
    assert!(svg.contains("NPS (points)"));
    assert_eq!(svg.matches("<g class=\"line-period\">").count(), 6);
    assert_eq!(svg.matches("<circle class=\"line-dot\"").count(), 2);
    assert_eq!(svg.matches("<polygon class=\"line-rise\"").count(), 1);
    assert_eq!(svg.matches("class=\"line-fall\"").count(), 0);
    assert_eq!(svg.matches("<circle class=\"line-withheld\"").count(), 1);
    // The gap splits the line in two; the tooltip gives the exact figures.
    assert_eq!(svg.matches("<polyline class=\"line-value\"").count(), 2);
    let e4 = expected(m4);
    assert!(svg.contains(&format!(
        "<title>{}: {:+.1} (95 % interval {:+.1} to {:+.1}), n = 40, a significant rise</title>",
        month_name(4),
        e4.nps,
        e4.low,
        e4.high
    )));

    // No employee answered: the eNPS chart says so, and does not draw.
    let employees = chart(&page, "trend-employees");
    assert!(employees.contains("No answers from employees"));
    assert!(!employees.contains("<svg"));
}

#[tokio::test]
async fn the_interval_switches_to_quarters_keeping_the_other_filters() {
    let app = spawn_app().await;
    add_organisation(&app.db.pool, "UTC").await;
    let data: [(i32, Split); 4] = [
        (13, (10, 10, 20)),
        (12, (12, 8, 20)),
        (7, (30, 5, 5)),
        (1, (20, 10, 10)),
    ];
    customers(&app, &data).await;
    app.signed_in_as("executive").await;

    let page = app
        .get("/executive?department=sales")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(
        "href=\"/executive?from=&#38;to=&#38;kind=&#38;segment=&#38;department=sales&#38;interval=quarter#trend-title\""
    ));

    let page = app
        .get("/executive?department=sales&interval=quarter")
        .await
        .text()
        .await
        .unwrap();
    let main = chart(&page, "trend-main");
    assert!(main.contains("NPS per quarter (customers)"));
    assert!(page.contains("interval=quarter#trend-title\" aria-current=\"true\">Quarters</a>"));
    // Recount by quarter: the months' answers added up in their calendar quarters.
    let quarter_of = |back: i32| {
        let day = month_start(back);
        format!("{} Q{}", day.year(), (u8::from(day.month()) - 1) / 3 + 1)
    };
    let mut quarters: Vec<(String, Split)> = Vec::new();
    for (back, (p, m, d)) in data {
        match quarters.last_mut() {
            Some((name, split)) if *name == quarter_of(back) => {
                *split = (split.0 + p, split.1 + m, split.2 + d)
            }
            _ => quarters.push((quarter_of(back), (p, m, d))),
        }
    }
    let rows = rows(main);
    // Each quarter (all have enough answers) against the one before it with answers.
    let mut before: Option<Expected> = None;
    let mut moves = 0;
    for (name, split) in &quarters {
        let row = rows
            .iter()
            .find(|r| r[0] == *name)
            .unwrap_or_else(|| panic!("{name} in {rows:?}"));
        let now = expected(*split);
        let note = match &before {
            Some(b) if significant(b, &now) && now.nps > b.nps => "▲ significant rise",
            Some(b) if significant(b, &now) => "▼ significant fall",
            _ => "",
        };
        moves += usize::from(!note.is_empty());
        assert_row(row, name, *split, note);
        before = Some(now);
    }
    assert!(
        moves > 0,
        "the data is made so: +50 seven months back is a rise"
    );
    assert_eq!(rows.last().unwrap()[0], quarter_of(0));
    assert!(svg(main).contains(">Quarter</text>"));
}

#[tokio::test]
async fn enps_hides_a_month_below_the_anonymity_threshold() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    sqlx::query("UPDATE organisation SET min_sample = 5, anonymity_threshold = 5")
        .execute(pool)
        .await
        .unwrap();
    let hr = add_department(pool, "hr", "HR", "support").await;
    let survey = add_survey(pool, "pulse", "employee", None, None).await;
    // Three months back 10 answers, two months back 3 (too few), last month 8.
    let data: [(i32, Split); 3] = [(3, (6, 2, 2)), (2, (3, 0, 0)), (1, (2, 2, 4))];
    let mut rows = Vec::new();
    for (back, split) in data {
        let day = month_start(back).with_time(Time::MIDNIGHT).assume_utc();
        for (i, score) in scores(split).into_iter().enumerate() {
            rows.push(NewResponse {
                survey_kind: "employee".into(),
                respondent_department_id: Some(hr),
                ..customer_response(survey, score, day + Duration::hours(i as i64 + 1))
            });
        }
    }
    store_responses(pool, &rows).await;
    app.signed_in_as("executive").await;

    // Next to the customers' (empty) chart; asked for weeks, it is drawn by month.
    let page = app
        .get("/executive?interval=week")
        .await
        .text()
        .await
        .unwrap();
    assert!(chart(&page, "trend-main").contains("NPS per week (customers)"));
    let employees = chart(&page, "trend-employees");
    assert!(employees.contains("eNPS per month (employees)"));
    assert!(employees.contains("never counted by week"));
    let table = self::rows(employees);
    assert_eq!(table.len(), 4);
    assert_row(&table[0], &month_name(3), data[0].1, "");
    assert_eq!(
        table[1][1..],
        ["—", "—", "—", "hidden: too few answers to be anonymous"]
    );
    assert_row(&table[2], &month_name(1), data[2].1, "");
    let svg = svg(employees);
    assert!(svg.contains("eNPS (points)"));
    assert!(svg.contains(&format!(
        "<title>{}: hidden, too few answers to be anonymous</title>",
        month_name(2)
    )));
    assert!(!svg.contains("n = 3"));

    // The page on employees: one chart, eNPS, and no weeks on offer.
    let page = app
        .get("/executive?kind=employee&department=hr")
        .await
        .text()
        .await
        .unwrap();
    assert!(chart(&page, "trend-main").contains("eNPS per month (employees)"));
    assert!(!page.contains("trend-employees-heading"));
    assert!(page.contains("Weeks are not offered for people&#39;s answers"));
    assert_eq!(self::rows(chart(&page, "trend-main")).len(), 4);
}

#[tokio::test]
async fn objectives_and_plans_starting_in_the_window_are_marked() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    customers(&app, &[(6, (20, 10, 10)), (1, (25, 10, 5))]).await;
    let began = month_start(3) + Duration::days(14);
    for (title, start) in [
        ("Lift NPS to +40", began),
        ("Ancient objective", month_start(40)),
    ] {
        sqlx::query(
            "INSERT INTO objectives (title, metric, baseline, target, period_start, period_end)
             VALUES ($1, 'nps', 20, 40, $2, $2 + 365)",
        )
        .bind(title)
        .bind(start)
        .execute(pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO incentive_plans (name, role, period_start, period_end, target_bonus_cents)
         VALUES ('Executive bonus', 'executive', $1, $1 + 365, 100000)",
    )
    .bind(began)
    .execute(pool)
    .await
    .unwrap();
    app.signed_in_as("executive").await;

    let page = app.get("/executive").await.text().await.unwrap();
    let main = svg(chart(&page, "trend-main"));
    assert_eq!(main.matches("<g class=\"line-annotation\">").count(), 1);
    assert!(main.contains(&format!(
        "<title>Began {began}: objectives Lift NPS to +40; incentive plans Executive bonus.</title>"
    )));
    assert!(main.contains(">1 objective, 1 plan</text>"));
    // (The objectives matrix lists it; the trend must not mark it.)
    let trend = &page[page.find("id=\"trend-title\"").unwrap()..];
    let trend = &trend[..trend.find("</section>").unwrap()];
    assert!(!trend.contains("Ancient objective"));
    assert!(page.contains("An objective or incentive plan began"));

    // A department's own objective (no parent) marks its trend, not the organisation's.
    let sales = add_department(pool, "sales", "Sales", "front-line").await;
    sqlx::query(
        "INSERT INTO objectives (title, metric, baseline, target, period_start, period_end,
                                 owner_department_id)
         VALUES ('Faster quotes', 'nps', 20, 40, $1, $1 + 365, $2)",
    )
    .bind(began)
    .bind(sales)
    .execute(pool)
    .await
    .unwrap();
    let page = app.get("/executive").await.text().await.unwrap();
    assert!(!svg(chart(&page, "trend-main")).contains("Faster quotes"));
    let page = app
        .get("/executive?department=sales")
        .await
        .text()
        .await
        .unwrap();
    let sales_svg = svg(chart(&page, "trend-main"));
    assert!(sales_svg.contains(&format!(
        "<title>Began {began}: objectives Lift NPS to +40; Faster quotes; incentive plans Executive bonus.</title>"
    )));
}
