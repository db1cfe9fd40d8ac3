//! `/executive`'s departments side by side (small multiples and the journey table) and its
//! objectives matrix, each checked against a recount of the test's own rows.

use crate::helpers::{
    TestApp, add_department, add_organisation, add_survey, customer_response, spawn_app,
    store_responses,
};
use centric::repo::responses::NewResponse;
use sqlx::PgPool;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

/// Promoters, passives and detractors of `scores`.
fn split(scores: &[i16]) -> (f64, f64, f64) {
    let count = |keep: fn(i16) -> bool| scores.iter().filter(|s| keep(**s)).count() as f64;
    (
        count(|s| s >= 9),
        count(|s| (7..=8).contains(&s)),
        count(|s| s <= 6),
    )
}

fn nps(scores: &[i16]) -> f64 {
    let (p, _, d) = split(scores);
    100.0 * (p - d) / scores.len() as f64
}

/// The adjusted Wald interval of PRODUCT.md, recomputed here.
fn interval(scores: &[i16]) -> (f64, f64) {
    let (p, o, d) = split(scores);
    let n = p + o + d + 3.0;
    let (p, d) = ((p + 0.75) / n, (d + 0.75) / n);
    let half = 1.96 * ((p + d - (p - d).powi(2)) / n).sqrt();
    (
        (100.0 * (p - d - half)).max(-100.0),
        (100.0 * (p - d + half)).min(100.0),
    )
}

/// Unadjusted standard error, for significance.
fn se(scores: &[i16]) -> f64 {
    let (p, _, d) = split(scores);
    let n = scores.len() as f64;
    let (p, d) = (p / n, d / n);
    100.0 * ((p + d - (p - d).powi(2)) / n).sqrt()
}

fn significant(before: &[i16], now: &[i16]) -> bool {
    (nps(now) - nps(before)).abs() > 1.96 * (se(now).powi(2) + se(before).powi(2)).sqrt()
}

/// `count` copies of `score`.
fn scores(spec: &[(usize, i16)]) -> Vec<i16> {
    spec.iter()
        .flat_map(|(count, score)| std::iter::repeat_n(*score, *count))
        .collect()
}

async fn add_stage(pool: &PgPool, name: &str, position: i32) -> Uuid {
    sqlx::query_scalar("INSERT INTO journey_stages (name, position) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(position)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn add_touchpoint_at(
    pool: &PgPool,
    slug: &str,
    stage: Uuid,
    position: i32,
    owner: Uuid,
) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO touchpoints (slug, name, stage_id, position, owner_department_id, channel) VALUES ($1, $1, $2, $3, $4, 'phone') RETURNING id",
    )
    .bind(slug)
    .bind(stage)
    .bind(position)
    .bind(owner)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Customer answers on a touchpoint, `days_ago` days back.
async fn answer(pool: &PgPool, touchpoint: Uuid, days_ago: i64, scores: &[i16]) {
    let survey = add_survey(
        pool,
        &format!("s-{}", Uuid::new_v4().simple()),
        "customer",
        Some(touchpoint),
        None,
    )
    .await;
    let now = OffsetDateTime::now_utc();
    let rows: Vec<NewResponse> = scores
        .iter()
        .enumerate()
        .map(|(i, score)| NewResponse {
            touchpoint_id: Some(touchpoint),
            ..customer_response(
                survey,
                *score,
                now - Duration::days(days_ago) - Duration::minutes(i as i64),
            )
        })
        .collect();
    store_responses(pool, &rows).await;
}

/// The parts of `page` after each `marker` + `attribute="`, by the attribute's value.
fn chunks<'a>(page: &'a str, marker: &str) -> Vec<(&'a str, &'a str)> {
    page.split(marker)
        .skip(1)
        .map(|part| {
            let end = part.find('"').unwrap();
            (&part[..end], &part[end..])
        })
        .collect()
}

fn signed(v: f64) -> String {
    format!("{v:+.1}")
}

/// What the page says about a change from `before` to `now`.
fn change_words(before: &[i16], now: &[i16]) -> String {
    let change = nps(now) - nps(before);
    match (significant(before, now), change > 0.0) {
        (true, true) => format!("▲ up {:.1} points", change.abs()),
        (true, false) => format!("▼ down {:.1} points", change.abs()),
        (false, _) => format!(
            "{}{:.1}",
            if change >= 0.0 { "+" } else { "−" },
            change.abs()
        ),
    }
}

struct Journey {
    /// (touchpoint slug, owner slug, answers now, answers in the period before)
    touchpoints: Vec<(&'static str, &'static str, Vec<i16>, Vec<i16>)>,
}

impl Journey {
    /// A department's answers now and before: all of its touchpoints'.
    fn department(&self, slug: &str) -> (Vec<i16>, Vec<i16>) {
        let mine = self.touchpoints.iter().filter(|t| t.1 == slug);
        (
            mine.clone().flat_map(|t| t.2.clone()).collect(),
            mine.flat_map(|t| t.3.clone()).collect(),
        )
    }
}

/// Three stages whose positions differ from their names' and the insertion order; four
/// touchpoints of Sales, Service and Finance; HR owns none.
async fn journey(app: &TestApp) -> Journey {
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let sales = add_department(pool, "sales", "Sales", "front-line").await;
    let service = add_department(pool, "service", "Service", "front-line").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    add_department(pool, "hr", "HR", "support").await;
    let pay = add_stage(pool, "Pay", 2).await;
    let consider = add_stage(pool, "Consider", 0).await;
    let using = add_stage(pool, "Use", 1).await;
    let journey = Journey {
        touchpoints: vec![
            // Sales: +40 now (n = 50), −25 before (n = 40), a real rise.
            (
                "sales-call",
                "sales",
                scores(&[(30, 10), (10, 3)]),
                scores(&[(15, 10), (25, 3)]),
            ),
            ("onboarding", "sales", scores(&[(5, 9), (5, 5)]), vec![]),
            // Service: +25 now, +30 before, within the noise.
            (
                "support-call",
                "service",
                scores(&[(20, 10), (10, 8), (10, 2)]),
                scores(&[(22, 10), (8, 8), (10, 2)]),
            ),
            // Finance: the highest NPS now, too few answers before to compare.
            (
                "invoice",
                "finance",
                scores(&[(28, 9), (2, 4)]),
                scores(&[(5, 9)]),
            ),
        ],
    };
    let places = [
        ("invoice", pay, 0, finance),
        ("support-call", using, 1, service),
        ("onboarding", using, 0, sales),
        ("sales-call", consider, 0, sales),
    ];
    for (slug, stage, position, owner) in places {
        let touchpoint = add_touchpoint_at(pool, slug, stage, position, owner).await;
        let (_, _, now, before) = journey.touchpoints.iter().find(|t| t.0 == slug).unwrap();
        answer(pool, touchpoint, 10, now).await;
        answer(pool, touchpoint, 120, before).await;
    }
    journey
}

#[tokio::test]
async fn executive_departments_side_by_side_show_each_ones_nps_sorted_by_nps_or_change() {
    let app = spawn_app().await;
    let journey = journey(&app).await;
    app.signed_in_as("executive").await;
    let page = app.get("/executive").await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();

    let mut expected: Vec<(&str, f64, Option<f64>)> = ["sales", "service", "finance"]
        .into_iter()
        .map(|slug| {
            let (now, before) = journey.department(slug);
            let change = (before.len() >= 30).then(|| nps(&now) - nps(&before));
            (slug, nps(&now), change)
        })
        .collect();
    expected.sort_by(|a, b| b.1.total_cmp(&a.1));
    let multiples = chunks(&page, "<li class=\"card multiple\" data-department=\"");
    let order: Vec<&str> = multiples.iter().map(|(slug, _)| *slug).collect();
    let by_nps: Vec<&str> = expected.iter().map(|e| e.0).collect();
    assert_eq!(order, by_nps);
    assert_eq!(order, ["finance", "sales", "service"]);
    for (slug, card) in &multiples {
        let (now, before) = journey.department(slug);
        let (low, high) = interval(&now);
        assert!(
            card.contains(&format!(
                "<span class=\"multiple-value\">{}</span>",
                signed(nps(&now))
            )),
            "{slug}: {card}"
        );
        assert!(
            card.contains(&format!(
                "95 % interval {} to {} · n = {}",
                signed(low),
                signed(high),
                now.len()
            )),
            "{slug}"
        );
        if before.len() >= 30 {
            assert!(card.contains(&change_words(&before, &now)), "{slug}");
        } else {
            assert!(card.contains("Not enough responses to compare"), "{slug}");
        }
        // This month's point of the mini trend is the same recount.
        assert!(
            card.contains(&format!(
                ": {} (95 % interval {} to {}), n = {}",
                signed(nps(&now)),
                signed(low),
                signed(high),
                now.len()
            )),
            "{slug}"
        );
    }
    assert!(page.contains("Not shown, as they own no customer touchpoint: HR"));

    let by_change = app
        .get("/executive?sort=change")
        .await
        .text()
        .await
        .unwrap();
    let order: Vec<&str> = chunks(&by_change, "<li class=\"card multiple\" data-department=\"")
        .into_iter()
        .map(|(slug, _)| slug)
        .collect();
    expected.sort_by(|a, b| match (a.2, b.2) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (a, b) => b.is_some().cmp(&a.is_some()),
    });
    assert_eq!(order, expected.iter().map(|e| e.0).collect::<Vec<_>>());
    assert_eq!(order, ["sales", "service", "finance"]);
    // The sort links keep the filters.
    let segment = app
        .get("/executive?sort=change&segment=Retail")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        segment.contains("segment=Retail&#38;department=&#38;interval=&#38;sort=nps#departments")
    );
    // The order survives the filter form and the print view.
    assert!(segment.contains(r#"<input type="hidden" name="sort" value="change">"#));
    assert!(segment.contains("interval=&#38;sort=change&#38;view=print"));
}

#[tokio::test]
async fn executive_departments_journey_table_follows_the_journey_with_each_touchpoints_numbers() {
    let app = spawn_app().await;
    let journey = journey(&app).await;
    app.signed_in_as("executive").await;
    let page = app.get("/executive").await.text().await.unwrap();

    let rows = chunks(&page, "<tr data-touchpoint=\"");
    let order: Vec<&str> = rows.iter().map(|(slug, _)| *slug).collect();
    // Stages by position (Consider, Use, Pay), touchpoints by position within them.
    assert_eq!(
        order,
        ["sales-call", "onboarding", "support-call", "invoice"]
    );
    assert!(
        rows[0]
            .1
            .contains("rowspan=\"1\" class=\"journey-stage\">Consider")
    );
    assert!(
        rows[1]
            .1
            .contains("rowspan=\"2\" class=\"journey-stage\">Use")
    );
    assert!(!rows[2].1.contains("journey-stage"));
    for (slug, row) in &rows {
        let row = &row[..row.find("</tr>").unwrap()];
        let (_, owner, now, before) = journey.touchpoints.iter().find(|t| t.0 == *slug).unwrap();
        assert!(
            row.contains(&format!("<a href=\"/departments/{owner}\">")),
            "{slug}"
        );
        assert!(
            row.contains(&format!("<td class=\"num\">{}</td>", now.len())),
            "{slug}"
        );
        if now.len() >= 30 {
            let (low, high) = interval(now);
            assert!(
                row.contains(&format!("<td class=\"num\">{}</td>", signed(nps(now)))),
                "{slug}"
            );
            assert!(
                row.contains(&format!("{} to {}", signed(low), signed(high))),
                "{slug}"
            );
        } else {
            assert!(row.contains("not enough responses"), "{slug}");
        }
        if now.len() >= 30 && before.len() >= 30 {
            assert!(row.contains(&change_words(before, now)), "{slug}: {row}");
        } else {
            assert!(row.contains("<span class=\"muted\">—</span>"), "{slug}");
        }
    }

    // One department's view: its own card and touchpoints only.
    let finance = app
        .get("/executive?department=finance")
        .await
        .text()
        .await
        .unwrap();
    let cards: Vec<&str> = chunks(&finance, "<li class=\"card multiple\" data-department=\"")
        .into_iter()
        .map(|(slug, _)| slug)
        .collect();
    assert_eq!(cards, ["finance"]);
    let rows: Vec<&str> = chunks(&finance, "<tr data-touchpoint=\"")
        .into_iter()
        .map(|(slug, _)| slug)
        .collect();
    assert_eq!(rows, ["invoice"]);
    assert!(finance.contains("Customer NPS of what Finance owns (the department chosen above)"));
}

#[tokio::test]
async fn executive_departments_empty_programme_explains_both_sections() {
    let app = spawn_app().await;
    add_organisation(&app.db.pool, "UTC").await;
    app.signed_in_as("executive").await;
    let page = app.get("/executive").await.text().await.unwrap();
    assert!(page.contains("No department owns a customer touchpoint yet."));
    assert!(page.contains("No touchpoints on the journey yet."));
    assert!(page.contains("No organisation-wide objectives yet."));
}

/// An objective the matrix test sets up: a KPI in %, with a value recorded for last
/// month unless `value` is None.
struct Spec {
    title: &'static str,
    /// The owning department's id and name; None for an organisation-wide objective.
    owner: Option<(Uuid, &'static str)>,
    /// The title of the objective it cascades from.
    parent: Option<&'static str>,
    road: (f64, f64),
    value: Option<f64>,
}

async fn add_objective(
    pool: &PgPool,
    spec: &Spec,
    parent: Option<Uuid>,
    (start, end): (Date, Date),
    today: Date,
) -> Uuid {
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO objectives (title, metric, owner_department_id, parent_id, kpi_unit, baseline, target, period_start, period_end)
         VALUES ($1, 'kpi', $2, $3, '%', $4, $5, $6, $7) RETURNING id",
    )
    .bind(spec.title)
    .bind(spec.owner.map(|o| o.0))
    .bind(parent)
    .bind(spec.road.0)
    .bind(spec.road.1)
    .bind(start)
    .bind(end)
    .fetch_one(pool)
    .await
    .unwrap();
    if let Some(value) = spec.value {
        sqlx::query("INSERT INTO kpi_measurements (objective_id, value, period_start, period_end) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(value)
            .bind(today - Duration::days(30))
            .bind(today - Duration::days(1))
            .execute(pool)
            .await
            .unwrap();
    }
    id
}

/// PRODUCT.md's status rule, recomputed: (CSS key, words).
fn status(
    value: Option<f64>,
    (baseline, target): (f64, f64),
    elapsed: f64,
) -> (&'static str, &'static str) {
    let Some(value) = value else {
        return ("not-enough-data", "Not enough data");
    };
    let progress = (value - baseline) / (target - baseline);
    if progress >= 1.0 {
        ("achieved", "Achieved")
    } else if progress >= elapsed {
        ("on-track", "On track")
    } else if progress >= elapsed - 0.15 {
        ("at-risk", "At risk")
    } else {
        ("off-track", "Off track")
    }
}

#[tokio::test]
async fn executive_matrix_cells_show_each_cascaded_objectives_status_and_value() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let sales = add_department(pool, "sales", "Sales", "front-line").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let legal = add_department(pool, "legal", "Legal", "support").await;
    let today: Date = sqlx::query_scalar("SELECT (now() AT TIME ZONE 'UTC')::date")
        .fetch_one(pool)
        .await
        .unwrap();
    let period = (today - Duration::days(100), today + Duration::days(265));
    let elapsed = 100.0 / 365.0;
    let specs = [
        Spec {
            title: "Documents customers understand",
            owner: None,
            parent: None,
            road: (50.0, 90.0),
            value: Some(95.0),
        },
        Spec {
            title: "Fewer repeat contacts",
            owner: None,
            parent: None,
            road: (40.0, 20.0),
            value: None,
        },
        Spec {
            title: "Clear quotes",
            owner: Some((sales, "Sales")),
            parent: Some("Documents customers understand"),
            road: (50.0, 90.0),
            value: Some(80.0),
        },
        Spec {
            title: "Clear invoices",
            owner: Some((finance, "Finance")),
            parent: Some("Documents customers understand"),
            road: (10.0, 20.0),
            value: Some(5.0),
        },
        Spec {
            title: "Fewer billing calls",
            owner: Some((finance, "Finance")),
            parent: Some("Fewer repeat contacts"),
            road: (40.0, 20.0),
            value: Some(36.0),
        },
        Spec {
            title: "Contracts signed in a week",
            owner: Some((legal, "Legal")),
            parent: None,
            road: (5.0, 10.0),
            value: Some(7.0),
        },
    ];
    let mut ids: Vec<(&str, Uuid)> = Vec::new();
    for spec in &specs {
        let parent = spec
            .parent
            .map(|p| ids.iter().find(|(t, _)| *t == p).unwrap().1);
        let id = add_objective(pool, spec, parent, period, today).await;
        ids.push((spec.title, id));
    }
    app.signed_in_as("executive").await;
    let page = app.get("/executive").await.text().await.unwrap();
    let matrix = &page[page.find("id=\"objectives-matrix\"").unwrap()..];

    // Columns: the organisation-wide objectives (by title).
    let header = &matrix[..matrix.find("</thead>").unwrap()];
    let first = header.find("Documents customers understand").unwrap();
    assert!(first < header.find("Fewer repeat contacts").unwrap());
    assert!(!header.contains("Clear quotes"));

    let cell = |spec: &Spec| {
        let Spec {
            title,
            owner,
            road: (baseline, target),
            value,
            ..
        } = *spec;
        let (key, words) = status(value, (baseline, target), elapsed);
        let id = ids.iter().find(|(t, _)| *t == title).unwrap().1;
        let now = value.map_or("no value yet".to_owned(), |v| format!("now {v:.1} %"));
        let who = owner.map_or("Organisation", |o| o.1);
        let summary = format!(
            "{who}: {title}, {now}, target {target:.1} % (baseline {baseline:.1}), {} to {}. {words}.",
            period.0, period.1
        );
        match owner {
            Some(_) => format!(
                "<a class=\"matrix-cell status-{key}\" href=\"/departments/{}#objectives-title\" title=\"{summary}\" data-objective=\"{id}\">{words}",
                who.to_lowercase()
            ),
            None => format!(
                "<span class=\"matrix-cell status-{key}\" title=\"{summary}\" data-objective=\"{id}\">{words}"
            ),
        }
    };
    let rows = chunks(matrix, "<tr data-department=\"");
    let row = |slug: &str| {
        let part = rows.iter().find(|(s, _)| *s == slug).unwrap().1;
        &part[..part.find("</tr>").unwrap()]
    };
    let organisation = &matrix[matrix.find("matrix-organisation").unwrap()..];
    let organisation = &organisation[..organisation.find("</tr>").unwrap()];
    let (achieved, no_data) = (cell(&specs[0]), cell(&specs[1]));
    assert!(achieved.contains("status-achieved") && no_data.contains("status-not-enough-data"));
    assert!(organisation.find(&achieved).unwrap() < organisation.find(&no_data).unwrap());

    let sales_row = row("sales");
    assert!(sales_row.contains(&cell(&specs[2])), "{sales_row}");
    assert!(cell(&specs[2]).contains("status-on-track"));
    // Nothing of Sales cascades from the second column: an empty cell.
    assert_eq!(sales_row.matches("matrix-empty").count(), 1);

    let finance_row = row("finance");
    let (invoices, calls) = (cell(&specs[3]), cell(&specs[4]));
    assert!(invoices.contains("status-off-track") && calls.contains("status-at-risk"));
    assert!(finance_row.find(&invoices).unwrap() < finance_row.find(&calls).unwrap());

    // Legal's objective cascades from nothing: an empty row, and a note.
    assert_eq!(row("legal").matches("matrix-empty").count(), 2);
    assert!(!matrix.contains("Contracts signed in a week"));
    assert!(
        matrix.contains("1 department objective does not cascade from an organisation-wide one")
    );
}
