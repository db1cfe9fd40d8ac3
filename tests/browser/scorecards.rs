//! Each department head signs in to the demo organisation and reads their own scorecard:
//! the sections every department shares, then the panel of their business function (HR,
//! Finance, Legal, IT), or none for a front-line department. Figures are read off the
//! page as a person sees them, parsed, and compared with the demo database where that is
//! easy. Each test leaves a full-page screenshot, target/screenshots/scorecard-<slug>.png.

use crate::Browser;
use crate::helpers::{TestApp, spawn_demo_app};
use crate::programme::{submit, text_of, type_into};
use centric::db::demo::{DEMO_PASSWORD, DEMO_USERS};
use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::json;
use std::collections::BTreeSet;
use uuid::Uuid;

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 1000;

// Reading figures as the pages print them.

/// An NPS: signed, one decimal ("+12.3", "-4.0"), on the −100 to +100 scale.
fn signed(text: &str) -> f64 {
    let text = text.trim();
    assert!(
        text.starts_with('+') || text.starts_with('-'),
        "a signed number: {text:?}"
    );
    let value: f64 = text
        .parse()
        .unwrap_or_else(|_| panic!("a number: {text:?}"));
    assert!((-100.0..=100.0).contains(&value), "an NPS: {text}");
    value
}

/// A count, thousands grouped ("1,234").
fn count(text: &str) -> u64 {
    text.trim()
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("a count: {text:?}"))
}

/// An amount with its cents, thousands grouped ("12,000.00").
fn money(text: &str) -> f64 {
    let text = text.trim();
    assert!(
        text.rsplit_once('.')
            .is_some_and(|(_, cents)| cents.len() == 2),
        "an amount with cents: {text:?}"
    );
    text.replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("an amount: {text:?}"))
}

/// A plain number ("38", "+12.5", "99.4").
fn number(text: &str) -> f64 {
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("a number: {text:?}"))
}

/// A share ("12.5 %").
fn percent(text: &str) -> f64 {
    let value = number(
        text.trim()
            .strip_suffix(" %")
            .unwrap_or_else(|| panic!("a share: {text:?}")),
    );
    assert!((0.0..=100.0).contains(&value), "a share: {text}");
    value
}

/// A 95 % interval ("-1.5 to +6.0") around `nps`.
fn interval_around(text: &str, nps: f64) {
    let (low, high) = text
        .split_once(" to ")
        .unwrap_or_else(|| panic!("an interval: {text:?}"));
    let (low, high) = (signed(low), signed(high));
    assert!(low <= nps && nps <= high, "{nps} within {text}");
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim()
}

// Reading the page.

async fn find(client: &Client, css: &str) -> Element {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn find_all(client: &Client, css: &str) -> Vec<Element> {
    client.find_all(Locator::Css(css)).await.unwrap()
}

async fn text_in(element: &Element, css: &str) -> String {
    element
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The text of each cell (header or data) of each row `rows` selects.
async fn table(client: &Client, rows: &str) -> Vec<Vec<String>> {
    let mut table = Vec::new();
    for row in find_all(client, rows).await {
        let mut cells = Vec::new();
        for cell in row.find_all(Locator::Css("th, td")).await.unwrap() {
            cells.push(cell.text().await.unwrap().trim().to_owned());
        }
        table.push(cells);
    }
    table
}

fn names(rows: &[Vec<String>]) -> BTreeSet<String> {
    rows.iter().map(|row| row[0].clone()).collect()
}

/// Resizes the window to show the whole page, and saves it as
/// target/screenshots/`name`.png.
async fn full_page_screenshot(browser: &Browser, name: &str) {
    // The window is taller than the page it shows by the browser's own bars (headless
    // too); a page whose scrollbar goes gets wider, and may get shorter.
    for _ in 0..3 {
        let sizes = browser
            .client
            .execute(
                "return [document.body.scrollHeight, window.innerHeight, window.outerHeight];",
                vec![],
            )
            .await
            .unwrap();
        let [page, inner, outer] = [0, 1, 2].map(|i| sizes[i].as_u64().expect("a height"));
        if inner == page {
            break;
        }
        let window = u32::try_from(page + outer - inner).unwrap();
        browser.client.set_window_size(WIDTH, window).await.unwrap();
    }
    browser.screenshot(name).await;
}

// The demo database.

/// The text values `sql` selects, `binds` bound to $1, $2 ….
async fn strings(app: &TestApp, sql: &str, binds: &[&str]) -> BTreeSet<String> {
    let mut query = sqlx::query_scalar::<_, String>(sql);
    for value in binds {
        query = query.bind(*value);
    }
    query
        .fetch_all(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .collect()
}

/// The count `sql` selects about the department `id` ($1).
async fn number_of(app: &TestApp, sql: &str, id: Uuid) -> u64 {
    let n: i64 = sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    u64::try_from(n).unwrap()
}

// Steps every test takes.

/// Signs in through the login form as the demo head of `slug`, who lands on their own
/// scorecard.
async fn sign_in_as_head_of(client: &Client, app: &TestApp, slug: &str) {
    let head = DEMO_USERS
        .iter()
        .find(|u| u.role == "department-head" && u.department == Some(slug))
        .expect("a demo head");
    assert_eq!(head.email, format!("{slug}@demo.centric"));
    client.goto(&app.url("/login")).await.unwrap();
    type_into(client, "email", head.email).await;
    type_into(client, "password", DEMO_PASSWORD).await;
    submit(client, "form.form button[type=submit]").await;
    assert_eq!(
        client.current_url().await.unwrap().path(),
        format!("/departments/{slug}"),
        "{} lands on their scorecard",
        head.email
    );
    client
        .wait()
        .for_element(Locator::Css("footer.site-footer"))
        .await
        .expect("the whole scorecard");
}

/// The closed loop's four figures, as the scorecard and the follow-ups list show them.
#[derive(Debug, PartialEq)]
struct LoopFigures {
    open: u64,
    contacted: u64,
    overdue: u64,
    median_to_close: String,
}

async fn loop_figures(client: &Client, css: &str) -> LoopFigures {
    let figures = find_all(client, &format!("{css} .card-grid-4 .stat-value")).await;
    assert_eq!(figures.len(), 4, "open, contacted, overdue, median time");
    let mut texts = Vec::new();
    for figure in figures {
        texts.push(figure.text().await.unwrap());
    }
    let median_to_close = texts[3].clone();
    if median_to_close != "—" {
        let hours = median_to_close
            .strip_suffix(" h")
            .or_else(|| median_to_close.strip_suffix(" days"))
            .unwrap_or_else(|| panic!("a duration: {median_to_close:?}"));
        assert!(number(hours) >= 0.0);
    }
    LoopFigures {
        open: count(&texts[0]),
        contacted: count(&texts[1]),
        overdue: count(&texts[2]),
        median_to_close,
    }
}

/// Checks the sections every department's scorecard shows, and returns the loop figures.
async fn the_shared_scorecard(client: &Client, app: &TestApp, slug: &str) -> LoopFigures {
    let (id, name): (Uuid, String) =
        sqlx::query_as("SELECT id, name FROM departments WHERE slug = $1")
            .bind(slug)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let title = text_of(client, "h1.page-title").await;
    assert!(title.starts_with(&name), "{title}");
    let subtitle = text_of(client, ".page-subtitle").await;
    assert!(
        subtitle.contains("Your department's scorecard."),
        "{subtitle}"
    );

    // The headline: customer NPS with its interval and sample, or why there is none.
    let owned_touchpoints = number_of(
        app,
        "SELECT count(*) FROM touchpoints WHERE owner_department_id = $1 AND archived_at IS NULL",
        id,
    )
    .await;
    let headline = find(client, "section[aria-labelledby='headline-title'] .card").await;
    let label = text_in(&headline, ".stat-label").await;
    assert_eq!(label, "Customer NPS, last 90 days");
    let value = text_in(&headline, ".stat-value").await;
    let note = text_in(&headline, ".small").await;
    if value == "—" {
        assert_eq!(
            note,
            format!("No customer responses about what {name} owns"),
            "{slug}: no NPS, and the plain reason"
        );
        assert_eq!(owned_touchpoints, 0, "{slug} owns rated touchpoints");
    } else {
        let nps = signed(&value);
        let (interval, n) = note
            .strip_prefix("95 % interval ")
            .and_then(|rest| rest.split_once(" · n = "))
            .unwrap_or_else(|| panic!("an interval and a sample: {note:?}"));
        interval_around(interval, nps);
        assert!(count(n) > 0, "{note}");
    }

    // Objectives: each with its status and its month-by-month sparkline.
    let objectives = number_of(
        app,
        "SELECT count(*) FROM objectives WHERE owner_department_id = $1 AND archived_at IS NULL",
        id,
    )
    .await;
    let rows = find_all(
        client,
        "section[aria-labelledby='objectives-title'] tbody tr",
    )
    .await;
    assert!(objectives > 0, "every demo department has an objective");
    assert_eq!(rows.len() as u64, objectives, "{slug}: a row per objective");
    let mut titles = Vec::new();
    for row in &rows {
        let title = first_line(&text_in(row, "th").await).to_owned();
        assert!(!title.is_empty());
        let range = text_in(row, "td:nth-of-type(1)").await;
        let (baseline, target) = range
            .split_once(" → ")
            .unwrap_or_else(|| panic!("{title}: baseline → target: {range:?}"));
        assert_ne!(number(baseline), number(target), "{title}");
        let now = text_in(row, "td:nth-of-type(2)").await;
        if first_line(&now) != "—" {
            number(first_line(&now));
        }
        let progress = row
            .find(Locator::Css("progress"))
            .await
            .unwrap()
            .attr("value")
            .await
            .unwrap()
            .expect("a progress value");
        assert!((0.0..=100.0).contains(&number(&progress)), "{title}");
        let badge = row
            .find(Locator::Css("td:nth-of-type(4) [class^='status-']"))
            .await
            .unwrap_or_else(|_| panic!("{title}: a status badge"));
        let (class, label) = (
            badge.attr("class").await.unwrap().unwrap(),
            badge.text().await.unwrap(),
        );
        let expected = match class.as_str() {
            "status-achieved" => "Achieved",
            "status-on-track" => "On track",
            "status-at-risk" => "At risk",
            "status-off-track" => "Off track",
            "status-not-enough-data" => "Not enough data",
            other => panic!("{title}: status {other}"),
        };
        assert_eq!(label, expected, "{title}: the badge says its colour");
        let sparkline = row
            .find(Locator::Css("td.sparkline-cell svg.sparkline"))
            .await
            .unwrap_or_else(|_| panic!("{title}: a sparkline"));
        assert_eq!(
            sparkline.attr("role").await.unwrap().as_deref(),
            Some("img")
        );
        let described = sparkline.prop("textContent").await.unwrap().unwrap();
        assert!(
            !described.trim().is_empty(),
            "{title}: the sparkline's text"
        );
        titles.push(title);
    }

    // The touchpoints the department owns, each with a number and its trend.
    let touchpoints = table(
        client,
        "section[aria-labelledby='touchpoints-title'] tbody tr",
    )
    .await;
    assert_eq!(touchpoints.len() as u64, owned_touchpoints, "{slug}");
    for row in &touchpoints {
        let nps = signed(&row[1]);
        interval_around(&row[2], nps);
        assert!(count(&row[3]) > 0, "{row:?}");
    }
    assert_eq!(
        find_all(
            client,
            "section[aria-labelledby='touchpoints-title'] tbody svg.sparkline[role=img]"
        )
        .await
        .len(),
        touchpoints.len()
    );

    // Closing the loop: four figures, the first two as the database counts them.
    let figures = loop_figures(client, "section[aria-labelledby='loop-title']").await;
    let (open, contacted): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'contacted')
         FROM follow_ups WHERE department_id = $1",
    )
    .bind(id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (figures.open, figures.contacted),
        (open as u64, contacted as u64),
        "{slug}: open and contacted follow-ups"
    );
    assert!(figures.overdue <= figures.open + figures.contacted);
    let work = text_of(
        client,
        &format!("section[aria-labelledby='loop-title'] a[href='/departments/{slug}/follow-ups']"),
    )
    .await;
    assert_eq!(
        work,
        format!(
            "Work your follow-ups ({} to do)",
            centric::web::thousands(figures.open + figures.contacted)
        )
    );

    // Print view and CSV, over the same period; the CSV downloads with the session.
    let print = find(
        client,
        &format!(".page-actions a[href^='/departments/{slug}?'][href$='&view=print']"),
    )
    .await;
    assert_eq!(print.text().await.unwrap(), "Print view");
    let csv = find(
        client,
        &format!(".page-actions a[download][href^='/departments/{slug}/scorecard.csv?']"),
    )
    .await;
    assert_eq!(csv.text().await.unwrap(), "Download CSV");
    let href = csv.attr("href").await.unwrap().unwrap();
    let fetched = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.text().then(body =>
                 done([r.status, r.headers.get('content-type'), body])));",
            vec![json!(href)],
        )
        .await
        .unwrap();
    assert_eq!(fetched[0], json!(200), "{href}");
    assert!(
        fetched[1].as_str().unwrap().starts_with("text/csv"),
        "{fetched:?}"
    );
    let body = fetched[2].as_str().unwrap();
    for title in &titles {
        assert!(body.contains(title.as_str()), "the CSV has {title}");
    }
    figures
}

/// A KPI of the panel's "Our CX KPIs": its baseline and target as the objective sets them,
/// and its latest value as last recorded.
async fn the_kpi(client: &Client, app: &TestApp, title: &str) -> f64 {
    let rows = table(
        client,
        "section[aria-labelledby='panel-kpis-title'] tbody tr",
    )
    .await;
    let row = rows
        .iter()
        .find(|row| first_line(&row[0]) == title)
        .unwrap_or_else(|| panic!("{title} in {rows:?}"));
    let (baseline, target, latest): (f64, f64, f64) = sqlx::query_as(
        "SELECT o.baseline, o.target, m.value FROM objectives o
         JOIN kpi_measurements m ON m.objective_id = o.id
         WHERE o.title = $1 AND o.archived_at IS NULL
         ORDER BY m.period_start DESC LIMIT 1",
    )
    .bind(title)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let (shown_baseline, shown_target) = row[1].split_once(" → ").unwrap();
    assert_eq!(
        (number(shown_baseline), number(shown_target)),
        (baseline, target),
        "{title}"
    );
    assert_eq!(number(&row[3]), latest, "{title}: the latest value");
    let recorded = row[2].lines().count();
    assert!(recorded >= 2, "{title}: its history: {:?}", row[2]);
    latest
}

/// The panel of Legal (documents) or IT (digital): the channel's touchpoints, the shares
/// of detractor comments about the department's themes over 12 months, its KPIs.
async fn the_channel_panel(client: &Client, app: &TestApp, slug: &str, channel: &str) {
    let expected = strings(
        app,
        "SELECT name FROM touchpoints WHERE channel = $1 AND archived_at IS NULL",
        &[channel],
    )
    .await;
    assert!(expected.len() >= 4, "{channel}: {expected:?}");
    let others = strings(
        app,
        "SELECT t.name FROM touchpoints t LEFT JOIN departments d ON d.id = t.owner_department_id
         WHERE t.channel = $1 AND t.archived_at IS NULL AND d.slug IS DISTINCT FROM $2",
        &[channel, slug],
    )
    .await;
    // When the department owns the whole channel, the panel points at its own table.
    let selector = if others.is_empty() {
        let panel = text_of(client, "section[aria-labelledby='panel-touchpoints-title']").await;
        assert!(
            panel.contains(&format!("Every {channel} touchpoint is")),
            "{panel}"
        );
        "section[aria-labelledby='touchpoints-title']"
    } else {
        "section[aria-labelledby='panel-touchpoints-title']"
    };
    let touchpoints = table(client, &format!("{selector} tbody tr")).await;
    assert_eq!(names(&touchpoints), expected, "every {channel} touchpoint");
    for row in &touchpoints {
        let nps = signed(&row[1]);
        interval_around(&row[2], nps);
        assert!(count(&row[3]) > 0, "{row:?}");
    }
    assert_eq!(
        find_all(client, &format!("{selector} svg.sparkline[role=img]"))
            .await
            .len(),
        touchpoints.len(),
        "a trend per touchpoint"
    );

    let themes = strings(
        app,
        "SELECT t.name FROM themes t JOIN departments d ON d.id = t.owner_department_id
         WHERE d.slug = $1 AND t.archived_at IS NULL",
        &[slug],
    )
    .await;
    assert!(!themes.is_empty());
    let cards = find_all(client, ".department-panel .theme-grid > article.card").await;
    let mut shown = BTreeSet::new();
    for card in &cards {
        let theme = text_in(card, "h4").await;
        let chart = card
            .find(Locator::Css("svg.chart.columns"))
            .await
            .unwrap_or_else(|_| panic!("{theme}: a chart"));
        assert_eq!(chart.attr("role").await.unwrap().as_deref(), Some("img"));
        let columns = chart.find_all(Locator::Css("rect.column")).await.unwrap();
        assert_eq!(columns.len(), 12, "{theme}: a column a month");
        let mut months = BTreeSet::new();
        for label in chart
            .find_all(Locator::Css("text.tick[text-anchor=middle]"))
            .await
            .unwrap()
        {
            months.insert(label.text().await.unwrap());
        }
        assert_eq!(
            months.len(),
            12,
            "{theme}: twelve different months: {months:?}"
        );
        let later = text_in(card, "p strong").await;
        percent(&later);
        shown.insert(theme);
    }
    assert_eq!(shown, themes, "a chart per theme {slug} owns");
    let months = find_all(
        client,
        ".department-panel details.chart-alternative tbody tr",
    )
    .await;
    assert_eq!(months.len(), 12, "the shares as a table, a row a month");
}

// The tests.

#[tokio::test]
async fn the_hr_head_sees_enps_against_customer_nps_on_the_demo() {
    let Some(browser) = Browser::start(WIDTH, HEIGHT).await else {
        return;
    };
    let app = spawn_demo_app().await;
    let client = &browser.client;
    sign_in_as_head_of(client, &app, "hr").await;
    full_page_screenshot(&browser, "scorecard-hr").await;
    the_shared_scorecard(client, &app, "hr").await;

    assert_eq!(
        text_of(client, ".department-panel #panel-title").await,
        "Happy employees, happy customers"
    );
    let section = "section[aria-labelledby='enps-nps-title']";
    let scatter = find(client, &format!("{section} svg.chart.scatter")).await;
    assert_eq!(scatter.attr("role").await.unwrap().as_deref(), Some("img"));
    let mut dots = BTreeSet::new();
    for dot in scatter.find_all(Locator::Css("g.dot")).await.unwrap() {
        dot.find(Locator::Css("circle")).await.expect("a point");
        dots.insert(text_in(&dot, "text").await);
    }
    let figures = table(client, &format!("{section} table tbody tr")).await;
    assert!(figures.len() >= 3, "enough departments for r: {figures:?}");
    assert_eq!(
        dots,
        names(&figures),
        "a labelled point per department in the table"
    );
    for row in &figures {
        signed(&row[1]);
        assert!(count(&row[2]) > 0, "{row:?}");
        signed(&row[3]);
        assert!(count(&row[4]) > 0, "{row:?}");
    }

    // "Across 7 departments, r = +0.81: strong positive link — …"
    let reading = text_of(client, &format!("{section} > p")).await;
    let r = text_of(client, &format!("{section} > p strong")).await;
    let r = number(r.strip_prefix("r = ").expect("r = …"));
    assert!((-1.0..=1.0).contains(&r), "{reading}");
    assert!(
        reading.starts_with(&format!("Across {} departments, r = ", figures.len())),
        "{reading}"
    );
    if reading.contains("positive link") {
        assert!(r > 0.0, "{reading}");
    } else if reading.contains("negative link") {
        assert!(r < 0.0, "{reading}");
    }

    // Every department is on the chart or named with why it is not.
    let mut left_out = BTreeSet::new();
    for note in find_all(client, &format!("{section} p.small")).await {
        let note = note.text().await.unwrap();
        if let Some(list) = note.strip_prefix("Not compared: ") {
            for entry in list.trim_end_matches('.').split("; ") {
                let (name, _why) = entry.split_once(" (").expect("a name and a reason");
                left_out.insert(name.to_owned());
            }
        }
    }
    let everyone = strings(
        &app,
        "SELECT name FROM departments WHERE archived_at IS NULL",
        &[],
    )
    .await;
    let compared: BTreeSet<String> = names(&figures).union(&left_out).cloned().collect();
    assert_eq!(compared, everyone, "compared or named as not compared");
    assert!(
        left_out.contains("Human Resources"),
        "HR owns no touchpoint"
    );

    let trained = the_kpi(client, &app, "Front-line staff trained in CX").await;
    assert!((0.0..=100.0).contains(&trained));
    browser.close().await;
}

#[tokio::test]
async fn the_finance_head_sees_the_ledger_nps_by_segment_and_plan_costs_on_the_demo() {
    let Some(browser) = Browser::start(WIDTH, HEIGHT).await else {
        return;
    };
    let app = spawn_demo_app().await;
    let client = &browser.client;
    sign_in_as_head_of(client, &app, "finance").await;
    full_page_screenshot(&browser, "scorecard-finance").await;
    the_shared_scorecard(client, &app, "finance").await;
    assert_eq!(
        text_of(client, ".department-panel #panel-title").await,
        "What customer experience costs and earns"
    );

    // The chargeback ledger: a row per department a contact reason charges, and the total.
    let ledger = "section[aria-labelledby='ledger-title']";
    let rows = table(client, &format!("{ledger} tbody tr")).await;
    let charged = strings(
        &app,
        "SELECT DISTINCT d.name FROM contact_reasons r JOIN departments d ON d.id = r.department_id
         WHERE r.archived_at IS NULL",
        &[],
    )
    .await;
    assert_eq!(names(&rows), charged, "a row per department charged");
    let (mut contacts, mut cost) = (0, 0.0);
    for row in &rows {
        let n = count(&row[1]);
        assert!(n > 0, "{row:?}");
        let amount = money(&row[2]);
        assert!(amount > 0.0, "{row:?}");
        assert!(!row[3].is_empty(), "{row:?}: its top reason");
        contacts += n;
        cost += amount;
    }
    let total = table(client, &format!("{ledger} tfoot tr")).await;
    assert_eq!(total[0][0], "All departments");
    assert_eq!(count(&total[0][1]), contacts, "the contacts add up");
    assert!(
        (money(&total[0][2]) - cost).abs() <= 0.01 * rows.len() as f64,
        "the costs add up: {} against {cost:.2}",
        total[0][2]
    );

    // NPS by value segment.
    let segments = table(client, "section[aria-labelledby='segments-title'] tbody tr").await;
    let known = strings(
        &app,
        "SELECT DISTINCT segment FROM response_rollups_daily WHERE segment IS NOT NULL",
        &[],
    )
    .await;
    let mut shown = names(&segments);
    shown.remove("segment not given");
    assert_eq!(shown, known, "a row per segment");
    for row in &segments {
        let nps = signed(&row[1]);
        interval_around(&row[2], nps);
        assert!(count(&row[3]) > 0, "{row:?}");
    }

    // The plans' projected cost against their target bonuses.
    let costs = "section[aria-labelledby='plan-costs-title']";
    let heading = find_all(client, &format!("{costs} > p strong")).await;
    assert_eq!(heading.len(), 2, "projected of target");
    let projected = money(&heading[0].text().await.unwrap());
    let target = money(&heading[1].text().await.unwrap());
    assert!(target > 0.0 && projected >= 0.0);
    let plans = find_all(client, &format!("{costs} tbody tr")).await;
    let expected: i64 =
        sqlx::query_scalar("SELECT count(*) FROM incentive_plans WHERE archived_at IS NULL")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(plans.len() as i64, expected, "a row per plan");
    let (mut projected_sum, mut target_sum) = (0.0, 0.0);
    for plan in &plans {
        let name = first_line(&text_in(plan, "th").await).to_owned();
        let projection = text_in(plan, "td:nth-of-type(1)").await;
        let (amount, pct) = projection.split_once('\n').expect("amount and share");
        let (amount, pct) = (money(amount), number(pct.trim().trim_end_matches(" %")));
        let bonus = money(&text_in(plan, "td:nth-of-type(2)").await);
        assert!(
            (amount - bonus * pct / 100.0).abs() <= bonus * 0.0005 + 0.01,
            "{name}: {amount} is {pct} % of {bonus}"
        );
        let objectives = plan
            .find_all(Locator::Css("ul.plan-objectives > li"))
            .await
            .unwrap();
        assert!(!objectives.is_empty(), "{name} pays on objectives");
        for objective in objectives {
            objective
                .find(Locator::Css("[class^='status-']"))
                .await
                .unwrap_or_else(|_| panic!("{name}: each objective's status"));
        }
        projected_sum += amount;
        target_sum += bonus;
    }
    let tolerance = 0.01 * plans.len() as f64;
    assert!(
        (projected_sum - projected).abs() <= tolerance,
        "{projected_sum}"
    );
    assert!((target_sum - target).abs() <= tolerance, "{target_sum}");
    let all = table(client, &format!("{costs} tfoot tr")).await;
    assert_eq!(
        (money(&all[0][1]), money(&all[0][2])),
        (projected, target),
        "the total row repeats the sentence"
    );
    browser.close().await;
}

#[tokio::test]
async fn the_legal_head_sees_the_documents_customers_read_on_the_demo() {
    let Some(browser) = Browser::start(WIDTH, HEIGHT).await else {
        return;
    };
    let app = spawn_demo_app().await;
    let client = &browser.client;
    sign_in_as_head_of(client, &app, "legal").await;
    full_page_screenshot(&browser, "scorecard-legal").await;
    the_shared_scorecard(client, &app, "legal").await;
    assert_eq!(
        text_of(client, ".department-panel #panel-title").await,
        "What customers read"
    );
    the_channel_panel(client, &app, "legal", "document").await;
    let readability = the_kpi(client, &app, "Contract readability score").await;
    assert!((0.0..=100.0).contains(&readability), "a Flesch score");
    browser.close().await;
}

#[tokio::test]
async fn the_it_head_sees_what_customers_use_online_on_the_demo() {
    let Some(browser) = Browser::start(WIDTH, HEIGHT).await else {
        return;
    };
    let app = spawn_demo_app().await;
    let client = &browser.client;
    sign_in_as_head_of(client, &app, "it").await;
    full_page_screenshot(&browser, "scorecard-it").await;
    the_shared_scorecard(client, &app, "it").await;
    assert_eq!(
        text_of(client, ".department-panel #panel-title").await,
        "What customers use online"
    );
    the_channel_panel(client, &app, "it", "digital").await;
    let availability = the_kpi(client, &app, "Portal availability").await;
    assert!((90.0..=100.0).contains(&availability), "{availability} %");
    browser.close().await;
}

#[tokio::test]
async fn a_front_line_head_sees_the_shared_scorecard_without_a_panel() {
    let Some(browser) = Browser::start(WIDTH, HEIGHT).await else {
        return;
    };
    let app = spawn_demo_app().await;
    let client = &browser.client;
    sign_in_as_head_of(client, &app, "customer-service").await;
    full_page_screenshot(&browser, "scorecard-customer-service").await;
    let figures = the_shared_scorecard(client, &app, "customer-service").await;
    assert!(
        find_all(client, ".department-panel, #panel-title")
            .await
            .is_empty(),
        "a front-line department has no panel"
    );

    // The follow-ups: the same four figures, and the oldest to-dos with their detractor.
    submit(
        client,
        "section[aria-labelledby='loop-title'] a[href='/departments/customer-service/follow-ups']",
    )
    .await;
    assert_eq!(text_of(client, "h1.page-title").await, "Follow-ups");
    assert_eq!(loop_figures(client, "main").await, figures);
    let to_do = figures.open + figures.contacted;
    assert_eq!(
        text_of(client, "nav.tabs a[aria-current=page]").await,
        format!("To do ({})", centric::web::thousands(to_do))
    );
    let rows = find_all(client, "table.follow-up-table tbody tr.follow-up-row").await;
    assert!(to_do > 0, "the demo leaves follow-ups to do");
    assert_eq!(
        rows.len() as u64,
        to_do.min(50),
        "a page of to-dos, 50 a page"
    );
    let mut overdue = 0;
    for row in &rows {
        let score = text_in(row, ".score.score-detractor").await;
        let score = score.strip_suffix("/10").expect("a score out of 10");
        assert!(count(score) <= 6, "a detractor: {score}");
        let states = row
            .find_all(Locator::Css("td.follow-up-state [class^='status-']"))
            .await
            .unwrap();
        let state = states[0].text().await.unwrap();
        assert!(["Open", "Contacted"].contains(&state.as_str()), "{state}");
        if states.len() > 1 {
            assert_eq!(states[1].text().await.unwrap(), "Overdue");
            overdue += 1;
        }
        assert!(text_in(row, "a.button").await.starts_with("Update"));
    }
    if to_do <= 50 {
        assert_eq!(overdue, figures.overdue, "the overdue ones are marked");
    }
    full_page_screenshot(&browser, "follow-ups-customer-service").await;
    browser.close().await;
}
