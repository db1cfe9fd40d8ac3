//! The demo's CX objectives for the current year: two organisation-wide ones cascaded to
//! every department, the KPI values department heads recorded, and the incentive plans
//! that pay on them. NPS baselines are last year's measured values.

use super::{Ids, catalogue, new_id};
use rand::rngs::StdRng;
use sqlx::PgConnection;
use time::{Date, Month};
use uuid::Uuid;

/// What an objective measures, and on what.
#[derive(Clone, Copy)]
enum Metric {
    /// Customer NPS: of everything, of a touchpoint, or of a department's touchpoints.
    Nps {
        touchpoint: Option<&'static str>,
        department: Option<&'static str>,
    },
    Enps,
    InternalNps(&'static str),
    /// Average monthly cost, in euros, of the contacts a department causes.
    ContactCost(&'static str),
    Kpi {
        unit: &'static str,
        baseline: f64,
        target: f64,
    },
}

impl Metric {
    fn name(self) -> &'static str {
        match self {
            Self::Nps { .. } => "nps",
            Self::Enps => "enps",
            Self::InternalNps(_) => "internal-nps",
            Self::ContactCost(_) => "contact-cost",
            Self::Kpi { .. } => "kpi",
        }
    }
}

struct Objective {
    id: Uuid,
    parent: Option<Uuid>,
    owner: Option<&'static str>,
    title: String,
    description: &'static str,
    metric: Metric,
    baseline: f64,
    target: f64,
    weight: f64,
}

/// The year the objectives run for, and a way to measure last year.
struct Year {
    current: i32,
    today: Date,
}

impl Year {
    fn start(&self) -> Date {
        Date::from_calendar_date(self.current, Month::January, 1).expect("1 January exists")
    }

    fn end(&self) -> Date {
        Date::from_calendar_date(self.current + 1, Month::January, 1).expect("1 January exists")
    }
}

pub async fn load(
    conn: &mut PgConnection,
    ids: &Ids,
    rng: &mut StdRng,
    today: Date,
) -> Result<(), sqlx::Error> {
    let year = Year {
        current: today.year(),
        today,
    };
    let objectives = cascade(conn, ids, rng, &year).await?;
    for objective in &objectives {
        insert(conn, ids, &year, objective).await?;
    }
    record_kpis(conn, ids, &year, &objectives).await?;
    insert_incentive_plans(conn, ids, rng, &year, &objectives).await?;
    Ok(())
}

/// Two organisation-wide objectives and, under them, at least one per department.
async fn cascade(
    conn: &mut PgConnection,
    ids: &Ids,
    rng: &mut StdRng,
    year: &Year,
) -> Result<Vec<Objective>, sqlx::Error> {
    let nps = Metric::Nps {
        touchpoint: None,
        department: None,
    };
    let customer_nps = Objective {
        id: new_id(rng),
        parent: None,
        owner: None,
        title: "Raise customer NPS to +30".into(),
        description: "Organisation-wide NPS over every customer survey. Everyone serves the customer, or serves \
                      someone who does.",
        metric: nps,
        baseline: last_year(conn, ids, year, nps).await?,
        target: 30.0,
        weight: 60.0,
    };
    let enps = Objective {
        id: new_id(rng),
        parent: None,
        owner: None,
        title: "Raise eNPS to +30".into(),
        description: "Happy employees make happy customers.",
        metric: Metric::Enps,
        baseline: last_year(conn, ids, year, Metric::Enps).await?,
        target: 30.0,
        weight: 40.0,
    };
    let mut children = Vec::new();
    for plan in department_plans() {
        let baseline = match plan.metric {
            Metric::Kpi { baseline, .. } => baseline,
            metric => last_year(conn, ids, year, metric).await?,
        };
        let target = match plan.metric {
            Metric::Kpi { target, .. } => target,
            Metric::ContactCost(_) => (baseline * 0.8 / 100.0).round() * 100.0,
            _ => ((baseline + plan.gain) / 5.0).round() * 5.0,
        };
        let parent = if plan.under_enps {
            &enps
        } else {
            &customer_nps
        };
        children.push(Objective {
            id: new_id(rng),
            parent: Some(parent.id),
            owner: Some(plan.owner),
            title: plan
                .title
                .replace("{target}", &signed(target))
                .replace("{euros}", &format!("{target:.0}")),
            description: plan.description,
            metric: plan.metric,
            baseline,
            target,
            weight: plan.weight,
        });
    }
    Ok([customer_nps, enps].into_iter().chain(children).collect())
}

struct DepartmentPlan {
    owner: &'static str,
    title: &'static str,
    description: &'static str,
    metric: Metric,
    /// NPS points to gain on last year.
    gain: f64,
    weight: f64,
    under_enps: bool,
}

fn department_plans() -> Vec<DepartmentPlan> {
    let touchpoint = |slug| Metric::Nps {
        touchpoint: Some(slug),
        department: None,
    };
    let plan = |owner, title, description, metric, gain, weight| DepartmentPlan {
        owner,
        title,
        description,
        metric,
        gain,
        weight,
        under_enps: false,
    };
    vec![
        plan(
            "customer-service",
            "Support-call NPS to {target}",
            "Solve it in the first call, without the wait.",
            touchpoint("support-call"),
            10.0,
            100.0,
        ),
        plan(
            "sales",
            "Sales-call NPS to {target}",
            "Sell the plan that fits, not the biggest one.",
            touchpoint("sales-call"),
            10.0,
            100.0,
        ),
        plan(
            "marketing",
            "Advertising NPS to {target}",
            "Campaigns that promise what the rest of the company delivers.",
            touchpoint("advertising"),
            10.0,
            100.0,
        ),
        plan(
            "operations",
            "Installation NPS to {target}",
            "Engineers on time, first time right.",
            touchpoint("installation"),
            10.0,
            100.0,
        ),
        plan(
            "it",
            "NPS of IT's digital touchpoints to {target}",
            "Website, app, portal and chatbot, measured as customers rate them.",
            Metric::Nps {
                touchpoint: None,
                department: Some("it"),
            },
            15.0,
            60.0,
        ),
        plan(
            "it",
            "Portal availability",
            "Share of the month the customer portal and app are up (monitoring, 24/7).",
            Metric::Kpi {
                unit: "%",
                baseline: 99.2,
                target: 99.9,
            },
            0.0,
            40.0,
        ),
        plan(
            "finance",
            "Invoice NPS to {target}",
            "An invoice every customer understands at a glance.",
            touchpoint("invoice"),
            15.0,
            60.0,
        ),
        plan(
            "finance",
            "Cut the cost of contacts caused by Finance to €{euros} a month",
            "Average monthly cost (EUR) of service contacts about unclear invoices and billing errors.",
            Metric::ContactCost("finance"),
            0.0,
            40.0,
        ),
        plan(
            "legal",
            "Contract NPS to {target}",
            "Contracts customers can read and trust.",
            touchpoint("contract"),
            10.0,
            60.0,
        ),
        plan(
            "legal",
            "Contract readability score",
            "Flesch reading ease of the standard contract, renewal letter and terms.",
            Metric::Kpi {
                unit: "Flesch score",
                baseline: 38.0,
                target: 60.0,
            },
            0.0,
            40.0,
        ),
        DepartmentPlan {
            under_enps: true,
            ..plan(
                "hr",
                "Internal NPS of HR to {target}",
                "How the departments HR serves rate its hiring, training and support.",
                Metric::InternalNps("hr"),
                10.0,
                50.0,
            )
        },
        plan(
            "hr",
            "Front-line staff trained in CX",
            "Share of front-line employees who completed the customer-experience training.",
            Metric::Kpi {
                unit: "%",
                baseline: 35.0,
                target: 90.0,
            },
            0.0,
            50.0,
        ),
    ]
}

fn signed(value: f64) -> String {
    format!("{:+}", value.round() as i64)
}

/// Last year's value of a measured metric, rounded to a whole number.
async fn last_year(
    conn: &mut PgConnection,
    ids: &Ids,
    year: &Year,
    metric: Metric,
) -> Result<f64, sqlx::Error> {
    if let Metric::ContactCost(department) = metric {
        return sqlx::query_scalar(
            "SELECT coalesce(round(sum(c.cost_cents) / 100.0 / 12), 0)::float8 \
             FROM service_contacts c JOIN contact_reasons cr ON cr.id = c.reason_id \
             WHERE cr.department_id = $1 \
               AND c.occurred_at >= make_timestamptz($2, 1, 1, 0, 0, 0, $3) \
               AND c.occurred_at < make_timestamptz($2 + 1, 1, 1, 0, 0, 0, $3)",
        )
        .bind(ids.department(department))
        .bind(year.current - 1)
        .bind(catalogue::TIME_ZONE)
        .fetch_one(conn)
        .await;
    }
    let (kind, touchpoint, department, rated) = match metric {
        Metric::Nps {
            touchpoint,
            department,
        } => (
            "customer",
            touchpoint.map(|t| ids.touchpoint(t)),
            department.map(|d| ids.department(d)),
            None,
        ),
        Metric::Enps => ("employee", None, None, None),
        Metric::InternalNps(rated) => ("internal", None, None, Some(ids.department(rated))),
        Metric::ContactCost(_) | Metric::Kpi { .. } => unreachable!("not a survey metric"),
    };
    sqlx::query_scalar(
        "SELECT coalesce(round(100.0 * (count(*) FILTER (WHERE r.score >= 9) - count(*) FILTER (WHERE r.score <= 6)) \
                               / nullif(count(*), 0)), 0)::float8 \
         FROM responses r \
         JOIN surveys s ON s.id = r.survey_id \
         LEFT JOIN touchpoints t ON t.id = r.touchpoint_id \
         WHERE r.submitted_at >= make_timestamptz($1, 1, 1, 0, 0, 0, $2) \
           AND r.submitted_at < make_timestamptz($1 + 1, 1, 1, 0, 0, 0, $2) \
           AND s.kind = $3 \
           AND ($4::uuid IS NULL OR r.touchpoint_id = $4) \
           AND ($5::uuid IS NULL OR t.owner_department_id = $5) \
           AND ($6::uuid IS NULL OR s.rated_department_id = $6)",
    )
    .bind(year.current - 1)
    .bind(catalogue::TIME_ZONE)
    .bind(kind)
    .bind(touchpoint)
    .bind(department)
    .bind(rated)
    .fetch_one(conn)
    .await
}

async fn insert(
    conn: &mut PgConnection,
    ids: &Ids,
    year: &Year,
    objective: &Objective,
) -> Result<(), sqlx::Error> {
    let (touchpoint, department, unit) = match objective.metric {
        Metric::Nps {
            touchpoint,
            department,
        } => (
            touchpoint.map(|t| ids.touchpoint(t)),
            department.map(|d| ids.department(d)),
            None,
        ),
        Metric::Enps => (None, None, None),
        Metric::InternalNps(d) | Metric::ContactCost(d) => (None, Some(ids.department(d)), None),
        Metric::Kpi { unit, .. } => (None, None, Some(unit)),
    };
    sqlx::query(
        "INSERT INTO objectives (id, parent_id, title, description, owner_department_id, metric, touchpoint_id, \
                                 department_id, kpi_unit, baseline, target, period_start, period_end, weight) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(objective.id)
    .bind(objective.parent)
    .bind(&objective.title)
    .bind(objective.description)
    .bind(objective.owner.map(|d| ids.department(d)))
    .bind(objective.metric.name())
    .bind(touchpoint)
    .bind(department)
    .bind(unit)
    .bind(objective.baseline)
    .bind(objective.target)
    .bind(year.start())
    .bind(year.end())
    .bind(objective.weight)
    .execute(conn)
    .await?;
    Ok(())
}

/// Monthly KPI values for last year and each finished month of this one, recorded by the
/// department head a couple of days after the month ends.
async fn record_kpis(
    conn: &mut PgConnection,
    ids: &Ids,
    year: &Year,
    objectives: &[Objective],
) -> Result<(), sqlx::Error> {
    for objective in objectives
        .iter()
        .filter(|o| matches!(o.metric, Metric::Kpi { .. }))
    {
        let owner = objective
            .owner
            .expect("KPI objectives belong to a department");
        for month in 0..24 {
            let start = month_start(year.current - 1, month);
            let end = month_start(year.current - 1, month + 1);
            if end
                .next_day()
                .and_then(Date::next_day)
                .is_none_or(|recorded| recorded > year.today)
            {
                break;
            }
            let (value, note) = kpi_value(&objective.title, month);
            sqlx::query(
                "INSERT INTO kpi_measurements (objective_id, value, period_start, period_end, note, recorded_by, \
                                               recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, ($4::date + 2) + time '10:00')",
            )
            .bind(objective.id)
            .bind(value)
            .bind(start)
            .bind(end)
            .bind(note)
            .bind(ids.head(owner))
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// The first day of the `month`-th month (0-based) after January of `year`.
fn month_start(year: i32, month: u8) -> Date {
    let month_of_year = Month::try_from(month % 12 + 1).expect("1 to 12");
    Date::from_calendar_date(year + i32::from(month / 12), month_of_year, 1)
        .expect("the first exists")
}

/// The KPI's value in `month` (0 = January last year), and now and then a note.
fn kpi_value(title: &str, month: u8) -> (f64, &'static str) {
    let m = f64::from(month);
    let wobble = (m * 2.3).sin();
    let (value, note) = match title {
        "Portal availability" => match month {
            9 => (98.4, "Portal outage during the data-centre migration."),
            10 => (99.1, "Portal relaunched on the new platform."),
            0..=11 => (99.0 + 0.25 * wobble, ""),
            _ => ((99.3 + 0.05 * (m - 12.0) + 0.05 * wobble).min(99.95), ""),
        },
        "Contract readability score" => match month {
            13 => (44.0, "New plain-language contract template in use."),
            18 => (52.0, "Renewal letter rewritten with customer panel."),
            0..=11 => (37.5 + 1.5 * wobble, ""),
            _ => (40.0 + 1.8 * (m - 12.0) + wobble, ""),
        },
        _ => match month {
            14 => (45.0, "Two more cohorts of contact-centre agents trained."),
            0..=11 => (5.0 + 2.5 * m, ""),
            _ => (35.0 + 5.0 * (m - 12.0), ""),
        },
    };
    ((value * 10.0_f64).round() / 10.0, note)
}

/// Plans for executives, for department heads (one link per department) and for the
/// Finance team, each with link weights adding up to 100 % and a payout curve around the
/// objective's target.
async fn insert_incentive_plans(
    conn: &mut PgConnection,
    ids: &Ids,
    rng: &mut StdRng,
    year: &Year,
    objectives: &[Objective],
) -> Result<(), sqlx::Error> {
    let find = |title_start: &str| {
        objectives
            .iter()
            .find(|o| o.title.starts_with(title_start))
            .expect("a demo objective")
    };
    let plans = [
        (
            format!("Executive CX bonus {}", year.current),
            Some("executive"),
            None,
            2_000_000_i64,
            vec![
                (find("Raise customer NPS"), 60.0, false),
                (find("Raise eNPS"), 40.0, false),
            ],
        ),
        (
            format!("Department heads CX bonus {}", year.current),
            Some("department-head"),
            None,
            800_000,
            // Every head is paid on their department's first objective, equally weighted.
            catalogue::DEPARTMENTS
                .iter()
                .map(|d| {
                    let first = objectives
                        .iter()
                        .find(|o| o.owner == Some(d.slug))
                        .expect("every department has an objective");
                    (first, 100.0 / catalogue::DEPARTMENTS.len() as f64, false)
                })
                .collect(),
        ),
        (
            format!("Finance team CX bonus {}", year.current),
            None,
            Some(ids.department("finance")),
            300_000,
            vec![
                (find("Invoice NPS"), 70.0, true),
                (find("Cut the cost"), 30.0, false),
            ],
        ),
    ];
    for (name, role, department, bonus_cents, links) in plans {
        let plan = new_id(rng);
        sqlx::query(
            "INSERT INTO incentive_plans (id, name, role, department_id, period_start, period_end, target_bonus_cents) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(plan)
        .bind(name)
        .bind(role)
        .bind(department)
        .bind(year.start())
        .bind(year.end())
        .bind(bonus_cents)
        .execute(&mut *conn)
        .await?;
        for (objective, weight, requires_confidence) in links {
            // Threshold and stretch sit half the planned improvement below and above target.
            let half_step = (objective.target - objective.baseline) / 2.0;
            sqlx::query(
                "INSERT INTO incentive_links (plan_id, objective_id, weight_pct, threshold_value, target_value, \
                                              stretch_value, threshold_payout_pct, stretch_payout_pct, \
                                              requires_confidence) \
                 VALUES ($1, $2, $3, $4, $5, $6, 50, 150, $7)",
            )
            .bind(plan)
            .bind(objective.id)
            .bind(weight)
            .bind(objective.target - half_step)
            .bind(objective.target)
            .bind(objective.target + half_step)
            .bind(requires_confidence)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_count_on_from_january_last_year() {
        assert_eq!(month_start(2025, 0), time::macros::date!(2025 - 01 - 01));
        assert_eq!(month_start(2025, 13), time::macros::date!(2026 - 02 - 01));
        assert_eq!(month_start(2025, 24), time::macros::date!(2027 - 01 - 01));
    }

    #[test]
    fn kpis_progress_from_their_baseline_towards_their_target() {
        for (title, baseline, target) in [
            ("Portal availability", 99.2, 99.9),
            ("Contract readability score", 38.0, 60.0),
            ("Front-line staff trained in CX", 35.0, 90.0),
        ] {
            let december = kpi_value(title, 11).0;
            let october = kpi_value(title, 21).0;
            assert!(
                (december - baseline).abs() < (target - baseline) * 0.5,
                "{title}: {december}"
            );
            assert!(october > december && october < target, "{title}: {october}");
        }
    }

    #[test]
    fn every_department_gets_an_objective() {
        let plans = department_plans();
        for department in catalogue::DEPARTMENTS {
            let weights: f64 = plans
                .iter()
                .filter(|p| p.owner == department.slug)
                .map(|p| p.weight)
                .sum();
            assert_eq!(weights, 100.0, "{}", department.slug);
        }
    }
}
