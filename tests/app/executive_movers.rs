//! `/executive`'s movers, value chain and money sections against recounts over the test's
//! own data: which touchpoints and departments moved beyond the noise and their NPS, their
//! detractor themes and newest comments; internal ratings with small pairs hidden (and the
//! one that would give them away); failure-demand cost and projected payouts.

use crate::helpers::{
    TestApp, add_contact_reason, add_contacts, add_department, add_kpi_objective, add_organisation,
    add_plan, add_survey, add_touchpoint, between, customer_response, money, nps, spawn_app,
    store_responses,
};
use centric::repo::responses::NewResponse;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

async fn dashboard(app: &TestApp) -> String {
    let response = app.get("/executive").await;
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// One customer answer: touchpoint, days ago, minutes earlier still (so times differ),
/// score, comment.
struct Answer {
    touchpoint: &'static str,
    days_ago: i64,
    minutes: i64,
    score: i16,
    comment: Option<&'static str>,
}

/// `count` answers of `score` on a touchpoint, with a comment, `days_ago`.
fn answers(
    out: &mut Vec<Answer>,
    touchpoint: &'static str,
    days_ago: i64,
    score: i16,
    count: usize,
    comment: Option<&'static str>,
) {
    for _ in 0..count {
        let minutes = out.len() as i64;
        out.push(Answer {
            touchpoint,
            days_ago,
            minutes,
            score,
            comment,
        });
    }
}

/// Themes: (name, keyword, owning department's slug).
const THEMES: [(&str, &str, Option<&str>); 3] = [
    ("Billing", "invoice", Some("finance")),
    ("Clarity", "unclear", None),
    ("Slow service", "slow", Some("service")),
];

/// Touchpoints: (slug, name, owner).
const TOUCHPOINTS: [(&str, &str, &str); 4] = [
    ("invoice", "Invoice", "finance"),
    ("contract", "Contract", "finance"),
    ("onboarding", "Onboarding", "service"),
    ("website", "Website", "marketing"),
];

/// Before (120 days ago) and now (10 days ago), 100 answers each per touchpoint:
/// Invoice −40 → +40 (up), Onboarding +40 → −40 (down), Website 0 → +4 (noise), Contract
/// 0 → 0; so Finance (Invoice + Contract) −20 → +20, Service down, Marketing noise.
fn story() -> Vec<Answer> {
    let mut out = Vec::new();
    answers(&mut out, "invoice", 120, 10, 30, None);
    answers(&mut out, "invoice", 120, 2, 70, Some("invoice unclear")); // before: not counted
    answers(&mut out, "invoice", 10, 9, 70, None);
    answers(
        &mut out,
        "invoice",
        10,
        3,
        12,
        Some("The invoice is unclear"),
    );
    answers(&mut out, "invoice", 10, 4, 8, Some("Invoice came late"));
    answers(
        &mut out,
        "invoice",
        10,
        5,
        5,
        Some("Slow answer to my question"),
    );
    answers(&mut out, "invoice", 10, 6, 5, None);
    answers(&mut out, "onboarding", 120, 10, 70, None);
    answers(&mut out, "onboarding", 120, 0, 30, None);
    answers(&mut out, "onboarding", 10, 9, 30, None);
    answers(
        &mut out,
        "onboarding",
        10,
        1,
        10,
        Some("So slow to get started"),
    );
    answers(
        &mut out,
        "onboarding",
        10,
        2,
        4,
        Some("First invoice was wrong"),
    );
    answers(
        &mut out,
        "onboarding",
        10,
        3,
        56,
        Some("Nobody called back"),
    );
    answers(&mut out, "website", 120, 10, 50, None);
    answers(&mut out, "website", 120, 0, 50, None);
    answers(&mut out, "website", 10, 10, 52, None);
    answers(&mut out, "website", 10, 0, 48, Some("Unclear pricing page"));
    answers(&mut out, "contract", 120, 9, 50, None);
    answers(&mut out, "contract", 120, 5, 50, None);
    answers(&mut out, "contract", 10, 9, 50, None);
    answers(&mut out, "contract", 10, 5, 50, None);
    out
}

async fn tell(pool: &PgPool, story: &[Answer]) {
    add_organisation(pool, "UTC").await;
    let mut departments = Vec::new();
    for (slug, name) in [
        ("finance", "Finance"),
        ("service", "Service"),
        ("marketing", "Marketing"),
    ] {
        departments.push((slug, add_department(pool, slug, name, "front-line").await));
    }
    let department = |slug: &str| departments.iter().find(|d| d.0 == slug).map(|d| d.1);
    for (name, keyword, owner) in THEMES {
        sqlx::query(
            "INSERT INTO themes (name, keywords, owner_department_id) VALUES ($1, ARRAY[$2], $3)",
        )
        .bind(name)
        .bind(keyword)
        .bind(owner.and_then(department))
        .execute(pool)
        .await
        .unwrap();
    }
    let mut touchpoints = Vec::new();
    for (slug, name, owner) in TOUCHPOINTS {
        let id = add_touchpoint(pool, slug, name, department(owner).unwrap()).await;
        let survey = add_survey(pool, &format!("{slug}-nps"), "customer", Some(id), None).await;
        touchpoints.push((slug, id, survey));
    }
    let now = OffsetDateTime::now_utc();
    let rows: Vec<NewResponse> = story
        .iter()
        .map(|a| {
            let (_, touchpoint, survey) = touchpoints.iter().find(|t| t.0 == a.touchpoint).unwrap();
            NewResponse {
                touchpoint_id: Some(*touchpoint),
                comment: a.comment.map(str::to_owned),
                ..customer_response(
                    *survey,
                    a.score,
                    now - Duration::days(a.days_ago) - Duration::minutes(a.minutes),
                )
            }
        })
        .collect();
    store_responses(pool, &rows).await;
}

/// The scores of the answers `reached` picks, now (10 days ago) or before.
fn scores(story: &[Answer], now: bool, reached: impl Fn(&Answer) -> bool) -> Vec<i16> {
    story
        .iter()
        .filter(|a| (a.days_ago == 10) == now && reached(a))
        .map(|a| a.score)
        .collect()
}

fn owner_of(touchpoint: &str) -> &'static str {
    TOUCHPOINTS.iter().find(|t| t.0 == touchpoint).unwrap().2
}

/// The themes a comment is tagged with (its keywords, case-insensitively).
fn themes_of(comment: &str) -> Vec<&'static str> {
    THEMES
        .iter()
        .filter(|(_, keyword, _)| comment.to_lowercase().contains(keyword))
        .map(|(name, _, _)| *name)
        .collect()
}

/// Which answers a touchpoint or department reaches.
type Reach = Box<dyn Fn(&Answer) -> bool>;

/// A touchpoint's answers.
fn on_touchpoint(slug: &'static str) -> Reach {
    Box::new(move |a: &Answer| a.touchpoint == slug)
}

/// A department's answers: about the touchpoints it owns.
fn owned_by(slug: &'static str) -> Reach {
    Box::new(move |a: &Answer| owner_of(a.touchpoint) == slug)
}

/// A department's comments: about the touchpoints it owns, or tagged with a theme it owns.
fn attributed_to(slug: &'static str) -> Reach {
    Box::new(move |a: &Answer| {
        owner_of(a.touchpoint) == slug
            || a.comment.is_some_and(|c| {
                themes_of(c)
                    .iter()
                    .any(|t| THEMES.iter().any(|th| th.0 == *t && th.2 == Some(slug)))
            })
    })
}

/// A mover's card on the page.
fn card<'a>(section: &'a str, kind: &str, name: &str) -> &'a str {
    between(
        section,
        &format!("aria-label=\"{kind} {name}\""),
        "</article>",
    )
}

/// The dashboard an executive sees after `story`.
async fn dashboard_after(story: &[Answer]) -> String {
    let app = spawn_app().await;
    tell(&app.db.pool, story).await;
    app.signed_in_as("executive").await;
    dashboard(&app).await
}

#[tokio::test]
async fn movers_are_the_touchpoints_and_departments_that_moved_beyond_the_noise() {
    let story = story();
    let page = dashboard_after(&story).await;
    let section = between(&page, "id=\"movers-title\"", "</section>");
    let up = between(section, "movers-up", "movers-down");
    let down = between(section, "movers-down", "</section>");

    let checks: [(&str, &str, &str, Reach); 4] = [
        ("up", "Touchpoint", "Invoice", on_touchpoint("invoice")),
        ("up", "Department", "Finance", owned_by("finance")),
        (
            "down",
            "Touchpoint",
            "Onboarding",
            on_touchpoint("onboarding"),
        ),
        ("down", "Department", "Service", owned_by("service")),
    ];
    for (direction, kind, name, reached) in &checks {
        let list = if *direction == "up" { up } else { down };
        let card = card(list, kind, name);
        let (now, before) = (
            nps(&scores(&story, true, reached)),
            nps(&scores(&story, false, reached)),
        );
        assert!(
            card.contains(&format!("<strong class=\"mover-now\">{now:+.1}</strong>")),
            "{name} now {now}: {card}"
        );
        assert!(
            card.contains(&format!("<span class=\"mover-before\">{before:+.1}</span>")),
            "{name} before {before}"
        );
        let arrow = if *direction == "up" { "▲" } else { "▼" };
        assert!(card.contains(&format!("{arrow} {:.1} points", (now - before).abs())));
    }
    // The biggest move first: Invoice (+80) before Finance (+40).
    assert!(up.find("Touchpoint Invoice").unwrap() < up.find("Department Finance").unwrap());
    // Website and Marketing moved by 4 points: noise. Contract did not move.
    for quiet in ["Website", "Marketing", "Contract"] {
        assert!(
            !section.contains(&format!(" {quiet}\"")),
            "{quiet} is no mover"
        );
    }
}

#[tokio::test]
async fn a_movers_top_detractor_themes_and_newest_comments_match_a_recount() {
    let story = story();
    let page = dashboard_after(&story).await;
    let section = between(&page, "id=\"movers-title\"", "</section>");

    let checks: [(&str, &str, Reach); 4] = [
        ("Touchpoint", "Invoice", on_touchpoint("invoice")),
        ("Department", "Finance", attributed_to("finance")),
        ("Touchpoint", "Onboarding", on_touchpoint("onboarding")),
        ("Department", "Service", attributed_to("service")),
    ];
    for (kind, name, reached) in &checks {
        let detractors: Vec<&Answer> = story
            .iter()
            .filter(|a| a.days_ago == 10 && a.score <= 6 && a.comment.is_some() && reached(a))
            .collect();
        let mut counts: Vec<(&str, usize)> = THEMES
            .iter()
            .map(|(theme, _, _)| {
                let tagged = detractors
                    .iter()
                    .filter(|a| themes_of(a.comment.unwrap()).contains(theme))
                    .count();
                (*theme, tagged)
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        counts.sort_by_key(|(theme, n)| (std::cmp::Reverse(*n), *theme));
        counts.truncate(3);
        let card = card(section, kind, name);
        let shown: Vec<(String, usize)> = card
            .split("<span class=\"mover-theme\">")
            .skip(1)
            .map(|part| {
                let theme = part[..part.find('<').unwrap()].to_owned();
                let rest = &part[part.find("small\">").unwrap() + 7..];
                let n = rest[..rest.find(' ').unwrap()].parse().unwrap();
                (theme, n)
            })
            .collect();
        let expected: Vec<(String, usize)> =
            counts.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect();
        assert_eq!(shown, expected, "{name}'s themes");
        // The newest two with one of those themes (smaller `minutes` is newer).
        let mut examples: Vec<&&Answer> = detractors
            .iter()
            .filter(|a| {
                themes_of(a.comment.unwrap())
                    .iter()
                    .any(|t| counts.iter().any(|(c, _)| c == t))
            })
            .collect();
        examples.sort_by_key(|a| a.minutes);
        let quotes: Vec<&str> = card
            .split("<blockquote>")
            .skip(1)
            .map(|part| &part[..part.find("</blockquote>").unwrap()])
            .collect();
        let expected: Vec<&str> = examples
            .iter()
            .take(2)
            .map(|a| a.comment.unwrap())
            .collect();
        assert_eq!(quotes, expected, "{name}'s comments");
        assert_eq!(quotes.len(), 2);
    }
}

#[tokio::test]
async fn without_real_moves_the_movers_section_says_the_changes_are_noise() {
    let mut story = Vec::new();
    answers(&mut story, "website", 120, 10, 50, None);
    answers(&mut story, "website", 120, 0, 50, None);
    answers(&mut story, "website", 10, 10, 55, None);
    answers(&mut story, "website", 10, 0, 45, None);
    let page = dashboard_after(&story).await;
    let section = between(&page, "id=\"movers-title\"", "</section>");
    assert!(
        section.contains("No significant moves in this period — the changes are within the noise.")
    );
    assert!(!section.contains("<article"));
}

#[tokio::test]
async fn the_value_chain_hides_small_pairs_and_the_one_that_would_give_them_away() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    sqlx::query("UPDATE organisation SET min_sample = 10")
        .execute(pool)
        .await
        .unwrap();
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let mut raters = Vec::new();
    for (slug, name) in [
        ("sales", "Sales"),
        ("service", "Service"),
        ("operations", "Operations"),
        ("marketing", "Marketing"),
        ("legal", "Legal"),
    ] {
        raters.push((name, add_department(pool, slug, name, "front-line").await));
    }
    let id = |name: &str| raters.iter().find(|r| r.0 == name).unwrap().1;
    // Finance serves Sales, Service, Operations and Marketing; Legal rates it unlinked.
    for customer in ["Sales", "Service", "Operations", "Marketing"] {
        sqlx::query("INSERT INTO department_links (supplier_id, customer_id) VALUES ($1, $2)")
            .bind(finance)
            .bind(id(customer))
            .execute(pool)
            .await
            .unwrap();
    }
    let survey = add_survey(pool, "rate-finance", "internal", None, Some(finance)).await;
    // Sales: 3 answers (too few); Operations: 6, the next smallest, hidden with it so that
    // Sales cannot be worked out from Finance's total; Marketing: none.
    let given: [(&str, Vec<i16>); 4] = [
        ("Sales", vec![10, 2, 9]),
        ("Operations", vec![10, 10, 9, 8, 3, 10]),
        (
            "Service",
            [10; 12].into_iter().chain([7; 3]).chain([4; 5]).collect(),
        ),
        ("Legal", [9; 6].into_iter().chain([2; 6]).collect()),
    ];
    // All in one month of the period (whole months are counted).
    let when = OffsetDateTime::now_utc() - Duration::days(20);
    let mut rows = Vec::new();
    for (rater, scores) in &given {
        for score in scores {
            rows.push(NewResponse {
                survey_kind: "internal".into(),
                respondent_department_id: Some(id(rater)),
                ..customer_response(survey, *score, when)
            });
        }
    }
    store_responses(pool, &rows).await;
    app.signed_in_as("executive").await;
    let page = dashboard(&app).await;
    let section = between(&page, "id=\"chain-section-title\"", "</section>");
    let row = |rater: &str| between(section, &format!("<td>{rater}"), "</tr>");
    for hidden in ["Sales", "Operations", "Marketing"] {
        assert!(
            row(hidden).contains("too few answers to show"),
            "{hidden}: {}",
            row(hidden)
        );
    }
    for (rater, scores) in &given[2..] {
        let figures = row(rater);
        assert!(
            figures.contains(&format!("<strong>{:+.1}</strong>", nps(scores))),
            "{rater}: {figures}"
        );
        assert!(figures.contains(&format!(">{}<", scores.len())));
    }
    assert!(row("Legal").contains("not linked as an internal customer"));
    assert!(!section.contains(">6<"), "Operations' count is not shown");
}

#[tokio::test]
async fn money_is_the_periods_failure_demand_cost_and_every_plans_projected_payout() {
    let app = spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "support").await;
    let it = add_department(pool, "it", "IT", "support").await;
    let invoice =
        add_contact_reason(pool, "unclear-invoice", "Unclear invoice", Some(finance)).await;
    let login = add_contact_reason(pool, "login", "Cannot log in", Some(it)).await;
    // (reason, days ago, cents); the last two are before the period.
    let contacts = [
        (invoice, 3, 650),
        (invoice, 30, 125_050),
        (login, 5, 280),
        (login, 70, 420),
        (invoice, 150, 99_900),
        (login, 200, 99_900),
    ];
    add_contacts(pool, &contacts).await;
    let cost = |reason: Uuid| -> i64 {
        contacts
            .iter()
            .filter(|c| c.0 == reason && c.1 < 89)
            .map(|c| c.2)
            .sum()
    };
    // A KPI objective at 40 of 0 → 100, and plans paying 50 % at 0, 100 % at 100.
    let objective = add_kpi_objective(pool, "Invoices read at a glance", finance, 40.0).await;
    let plans = [
        ("Finance team bonus", 400_000_i64),
        ("Executive bonus", 1_000_000),
    ];
    for (name, bonus) in plans {
        add_plan(pool, name, None, Some(finance), bonus, objective).await;
    }
    app.signed_in_as("executive").await;
    let page = dashboard(&app).await;
    let section = between(&page, "id=\"money-title\"", "</section>");

    let table = between(section, "cost-table", "</table>");
    let row = |label: &str| between(table, &format!(">{label}<"), "</tr>");
    assert!(row("Finance").contains(&format!(">{}<", money(cost(invoice)))));
    assert!(row("IT").contains(&format!(">{}<", money(cost(login)))));
    assert!(
        table.find(">Finance<").unwrap() < table.find(">IT<").unwrap(),
        "biggest first"
    );
    assert!(row("Total").contains(&format!(">{}<", money(cost(invoice) + cost(login)))));
    // The chart labels each bar with its value.
    let chart = between(section, "<svg class=\"chart bars\"", "</svg>");
    assert!(chart.contains(&format!(">{}</text>", money(cost(invoice)))));
    assert!(chart.contains("role=\"img\""));

    // At 40: 50 % + 50 % × 40 / 100 = 70 %.
    let payouts = between(section, "payout-table", "</table>");
    let row = |label: &str| between(payouts, &format!(">{label}<"), "</tr>");
    let mut total = 0;
    for (name, bonus) in plans {
        let projected = bonus * 70 / 100;
        total += projected;
        let figures = row(name);
        assert!(figures.contains("70.0 %"), "{figures}");
        assert!(figures.contains(&money(bonus)) && figures.contains(&money(projected)));
    }
    assert!(row("All plans").contains(&format!(">{}<", money(total))));
    assert!(row("All plans").contains(&money(1_400_000)));
}

#[tokio::test]
async fn without_data_the_three_sections_read_as_finished() {
    let app = spawn_app().await;
    add_organisation(&app.db.pool, "UTC").await;
    app.signed_in_as("executive").await;
    let page = dashboard(&app).await;
    assert!(page.contains("No significant moves in this period"));
    assert!(page.contains("No internal customers yet"));
    assert!(page.contains("No service contacts in this period"));
    assert!(page.contains("No incentive plans yet"));
}

#[tokio::test]
async fn a_movers_themes_come_from_the_periods_newest_detractor_comments_only() {
    use centric::repo::comments::{EXPLAIN_SAMPLE, Scope, explain};
    let app = crate::helpers::spawn_app().await;
    let pool = &app.db.pool;
    add_organisation(pool, "UTC").await;
    let finance = add_department(pool, "finance", "Finance", "front-line").await;
    let invoice = add_touchpoint(pool, "invoice", "Invoice", finance).await;
    let survey = add_survey(pool, "invoice-nps", "customer", Some(invoice), None).await;
    for (name, keyword) in [("Billing", "bill"), ("Delays", "late")] {
        sqlx::query("INSERT INTO themes (name, keywords) VALUES ($1, ARRAY[$2])")
            .bind(name)
            .bind(keyword)
            .execute(pool)
            .await
            .unwrap();
    }
    // The newest EXPLAIN_SAMPLE detractors wrote about the bill; the oldest one, about delays.
    let now = OffsetDateTime::now_utc();
    let answer = |minutes: i64, comment: &str| NewResponse {
        touchpoint_id: Some(invoice),
        comment: Some(comment.to_owned()),
        ..customer_response(survey, 2, now - Duration::minutes(minutes))
    };
    let mut rows: Vec<NewResponse> = (0..EXPLAIN_SAMPLE)
        .map(|i| answer(i + 1, "the bill was wrong"))
        .collect();
    // 20,000 minutes is under 14 days; the oldest is 20 days old.
    rows.push(answer(20 * 24 * 60, "the engineer came late"));
    for batch in rows.chunks(5_000) {
        store_responses(pool, batch).await;
    }
    let today = now.date();
    let from = today - Duration::days(30);
    let to = today + Duration::days(1);
    let scopes = [Scope::Touchpoint("invoice")];
    let (explained, sampled) = explain(pool, &scopes, None, from, to, 3, 2).await.unwrap();
    assert!(sampled, "more detractor comments than the sample");
    let themes: Vec<(&str, i64)> = explained[0]
        .themes
        .iter()
        .map(|t| (t.name.as_str(), t.comments))
        .collect();
    assert_eq!(
        themes,
        [("Billing", EXPLAIN_SAMPLE)],
        "the oldest is outside the sample"
    );
    assert_eq!(explained[0].comments.len(), 2);
    assert!(explained[0].comments[0].submitted_at > explained[0].comments[1].submitted_at);

    // Over a period holding only the oldest comment, nothing is left out.
    let (explained, sampled) = explain(pool, &scopes, None, from, today - Duration::days(15), 3, 2)
        .await
        .unwrap();
    assert!(!sampled);
    let themes: Vec<(&str, i64)> = explained[0]
        .themes
        .iter()
        .map(|t| (t.name.as_str(), t.comments))
        .collect();
    assert_eq!(themes, [("Delays", 1)]);
}
