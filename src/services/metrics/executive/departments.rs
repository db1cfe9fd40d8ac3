//! Departments side by side: each department's customer NPS (of what it owns) over the
//! filter's period against the period of equal length before, its last twelve months as a
//! mini trend, and the journey's touchpoints with their NPS in journey order. Five rollup
//! queries whatever the number of departments and touchpoints.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::PgPool;
use time::Date;

use super::ExecutiveFilter;
use crate::repo::departments;
use crate::repo::metrics::{self as queries, Cell, Group, ResponseFilter};
use crate::repo::surveys;
use crate::services::metrics::monthly::{every_month, window_start};
use crate::services::metrics::{
    Counts, NpsSummary, Rules, TrendPoint, change_is_significant, trend_points,
};

/// How the small multiples are ordered (`?sort=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Sort {
    /// Highest NPS first (the default).
    #[default]
    Nps,
    /// Largest rise first, largest fall last.
    Change,
}

impl Sort {
    /// Anything but `change` is the default: a sort order is harmless to get wrong.
    pub fn parse(raw: &str) -> Self {
        match raw.trim() {
            "change" => Self::Change,
            _ => Self::Nps,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::Nps => "nps",
            Self::Change => "change",
        }
    }
}

/// A move from the period before, when both periods have enough responses to compare.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    /// Now minus before, in NPS points.
    pub points: f64,
    /// Larger than the noise (95 %).
    pub significant: bool,
}

impl Change {
    pub fn between(before: &NpsSummary, now: &NpsSummary) -> Option<Self> {
        if !(before.enough_data && now.enough_data) {
            return None;
        }
        Some(Self {
            points: now.nps? - before.nps?,
            significant: change_is_significant(&before.counts()?, &now.counts()?),
        })
    }
}

/// NPS over the period and the period before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compared {
    pub now: NpsSummary,
    pub before: NpsSummary,
    pub change: Option<Change>,
}

impl Compared {
    fn of(now: Counts, before: Counts, rules: Rules) -> Self {
        let (now, before) = (
            NpsSummary::from_counts(now, rules),
            NpsSummary::from_counts(before, rules),
        );
        Self {
            change: Change::between(&before, &now),
            now,
            before,
        }
    }

    /// The NPS to show: None without enough responses.
    pub fn shown(&self) -> Option<f64> {
        self.now.nps.filter(|_| self.now.enough_data)
    }
}

/// One small multiple.
#[derive(Debug, Clone, Serialize)]
pub struct DepartmentMultiple {
    pub slug: String,
    pub name: String,
    pub nps: Compared,
    /// NPS month by month over the twelve months ending with the period's last day.
    pub trend: Vec<TrendPoint>,
}

/// A touchpoint's line of the journey table.
#[derive(Debug, Clone, Serialize)]
pub struct JourneyRow {
    pub stage: String,
    /// How many rows the stage spans, on its first row; 0 on the others.
    pub stage_span: usize,
    pub slug: String,
    pub name: String,
    /// The owning department's slug and name; None while nobody owns it.
    pub owner: Option<(String, String)>,
    pub nps: Compared,
}

#[derive(Debug, Clone, Serialize)]
pub struct SideBySide {
    pub sort: Sort,
    pub multiples: Vec<DepartmentMultiple>,
    /// Departments left out of the multiples: no touchpoint of theirs, no customer rating.
    pub without_customers: Vec<String>,
    pub journey: Vec<JourneyRow>,
    /// The filter's department, by name, when it narrows the section to one department.
    pub narrowed_to: Option<String>,
    /// The period before: first day and the day after its last.
    pub before_from: Date,
    pub before_to: Date,
    /// The first month of the mini trends.
    pub window_from: Date,
}

impl SideBySide {
    pub fn by_change(&self) -> bool {
        self.sort == Sort::Change
    }

    /// The mini trends' first month, as YYYY-MM.
    pub fn window_month(&self) -> String {
        let text = self.window_from.to_string();
        text.get(..7).unwrap_or(&text).to_owned()
    }

    pub fn before_last_day(&self) -> Date {
        self.before_to - time::Duration::days(1)
    }
}

/// Orders the multiples: by NPS or change, highest first, those without one last, ties
/// by name.
pub fn sort(multiples: &mut [DepartmentMultiple], by: Sort) {
    let key = |m: &DepartmentMultiple| match by {
        Sort::Nps => m.nps.shown(),
        Sort::Change => m.nps.change.map(|c| c.points),
    };
    multiples.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.name.cmp(&b.name)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.name.cmp(&b.name),
    });
}

/// Totals per group key (cells of a query without periods: one per key).
fn totals(cells: Vec<Cell>) -> HashMap<String, Counts> {
    let mut totals: HashMap<String, Counts> = HashMap::new();
    for cell in cells {
        if let Some(key) = cell.key {
            let total = totals.entry(key).or_default();
            *total = *total + cell.counts;
        }
    }
    totals
}

/// Monthly counts per group key, oldest first.
fn months(cells: Vec<Cell>) -> HashMap<String, Vec<(Date, Counts)>> {
    let mut months: HashMap<String, Vec<(Date, Counts)>> = HashMap::new();
    for cell in cells {
        if let Some(key) = cell.key {
            months
                .entry(key)
                .or_default()
                .push((cell.period_start, cell.counts));
        }
    }
    for series in months.values_mut() {
        series.sort_by_key(|(month, _)| *month);
    }
    months
}

/// `rows` (touchpoints in journey order) with each stage's span on its first row.
fn stage_spans(rows: &mut [JourneyRow]) {
    let mut start = 0;
    while start < rows.len() {
        let end = start
            + rows[start..]
                .iter()
                .take_while(|r| r.stage == rows[start].stage)
                .count();
        rows[start].stage_span = end - start;
        for row in &mut rows[start + 1..end] {
            row.stage_span = 0;
        }
        start = end;
    }
}

/// Customer NPS always (whatever the survey filter): what a department owns is measured
/// by its customers. `selected` is the filter's department, whose slug narrows both parts.
pub async fn load(
    pool: &PgPool,
    filter: &ExecutiveFilter,
    selected: Option<&str>,
    by: Sort,
) -> Result<SideBySide, sqlx::Error> {
    let customers = ResponseFilter {
        survey: None,
        kind: Some("customer".into()),
        respondent_department: None,
        touchpoint: None,
        ..filter.responses.clone()
    };
    let rules = Rules {
        protects_anonymity: false,
        ..filter.rules
    };
    let before = customers.period_before();
    let window = ResponseFilter {
        from: window_start(customers.to - time::Duration::days(1)),
        ..customers.clone()
    };
    let department_now =
        totals(queries::counts_by_group(pool, &customers, Group::Department, false).await?);
    let department_before =
        totals(queries::counts_by_group(pool, &before, Group::Department, false).await?);
    let mut department_months =
        months(queries::counts_by_group(pool, &window, Group::Department, true).await?);
    let touchpoint_now =
        totals(queries::counts_by_group(pool, &customers, Group::Touchpoint, false).await?);
    let touchpoint_before =
        totals(queries::counts_by_group(pool, &before, Group::Touchpoint, false).await?);

    let shown = |slug: &str| selected.is_none_or(|s| s == slug);
    let all_departments = departments::overview(pool).await?;
    let mut multiples = Vec::new();
    let mut without_customers = Vec::new();
    for department in all_departments.iter().filter(|d| shown(&d.slug)) {
        let monthly = department_months.remove(&department.slug);
        if department.touchpoints == 0 && monthly.is_none() {
            without_customers.push(department.name.clone());
            continue;
        }
        let measured = trend_points(monthly.unwrap_or_default(), rules);
        let count = |totals: &HashMap<String, Counts>| {
            totals.get(&department.slug).copied().unwrap_or_default()
        };
        multiples.push(DepartmentMultiple {
            slug: department.slug.clone(),
            name: department.name.clone(),
            nps: Compared::of(count(&department_now), count(&department_before), rules),
            trend: every_month(window.from, window.to, measured, rules),
        });
    }
    sort(&mut multiples, by);

    let names: HashMap<&str, &str> = all_departments
        .iter()
        .map(|d| (d.slug.as_str(), d.name.as_str()))
        .collect();
    let mut journey: Vec<JourneyRow> = surveys::touchpoints(pool)
        .await?
        .into_iter()
        .filter(|t| selected.is_none() || t.owner.as_deref() == selected)
        .map(|t| {
            let count =
                |totals: &HashMap<String, Counts>| totals.get(&t.slug).copied().unwrap_or_default();
            JourneyRow {
                nps: Compared::of(count(&touchpoint_now), count(&touchpoint_before), rules),
                owner: t.owner.map(|slug| {
                    // An archived owner is not in the overview: its slug stands in.
                    let name = names
                        .get(slug.as_str())
                        .map_or(slug.clone(), |n| (*n).to_owned());
                    (slug, name)
                }),
                stage: t.stage,
                stage_span: 0,
                slug: t.slug,
                name: t.name,
            }
        })
        .collect();
    stage_spans(&mut journey);
    let narrowed_to = selected.map(|slug| names.get(slug).map_or(slug, |n| *n).to_owned());
    Ok(SideBySide {
        narrowed_to,
        sort: by,
        multiples,
        without_customers,
        journey,
        before_from: before.from,
        before_to: before.to,
        window_from: window.from,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: Rules = Rules {
        min_sample: 30,
        anonymity_threshold: 5,
        protects_anonymity: false,
    };

    fn counts(promoters: u64, passives: u64, detractors: u64) -> Counts {
        Counts {
            promoters,
            passives,
            detractors,
        }
    }

    fn multiple(name: &str, now: Counts, before: Counts) -> DepartmentMultiple {
        DepartmentMultiple {
            slug: name.to_lowercase(),
            name: name.into(),
            nps: Compared::of(now, before, RULES),
            trend: Vec::new(),
        }
    }

    fn names(multiples: &[DepartmentMultiple]) -> Vec<&str> {
        multiples.iter().map(|m| m.name.as_str()).collect()
    }

    #[test]
    fn a_change_needs_enough_responses_on_both_sides_and_is_marked_only_beyond_the_noise() {
        let compared = Compared::of(counts(70, 0, 30), counts(30, 0, 70), RULES);
        let change = compared.change.unwrap();
        assert!((change.points - 80.0).abs() < 1e-9);
        assert!(change.significant);
        let noise = Compared::of(counts(52, 0, 48), counts(50, 0, 50), RULES).change;
        assert!(noise.is_some_and(|c| !c.significant && (c.points - 4.0).abs() < 1e-9));
        // 29 responses before: nothing to compare with, and nothing shown for it.
        let thin = Compared::of(counts(70, 0, 30), counts(29, 0, 0), RULES);
        assert_eq!(thin.change, None);
        assert_eq!(
            Compared::of(counts(29, 0, 0), counts(0, 0, 0), RULES).shown(),
            None
        );
    }

    #[test]
    fn multiples_sort_by_nps_or_change_with_the_unmeasured_last() {
        let mut multiples = vec![
            multiple("Sales", counts(60, 0, 40), counts(20, 0, 80)), // +20, up 80
            multiple("Legal", counts(5, 0, 5), counts(0, 0, 0)),     // too few
            multiple("Billing", counts(80, 0, 20), counts(70, 0, 30)), // +60, up 20
            multiple("Care", counts(60, 0, 40), counts(0, 0, 0)),    // +20, nothing before
        ];
        sort(&mut multiples, Sort::Nps);
        assert_eq!(names(&multiples), ["Billing", "Care", "Sales", "Legal"]);
        sort(&mut multiples, Sort::Change);
        assert_eq!(names(&multiples), ["Sales", "Billing", "Care", "Legal"]);
        assert_eq!(Sort::parse(" change "), Sort::Change);
        assert_eq!(Sort::parse("anything"), Sort::Nps);
    }

    #[test]
    fn each_stage_spans_its_consecutive_touchpoints() {
        let row = |stage: &str| JourneyRow {
            stage: stage.into(),
            stage_span: 9,
            slug: String::new(),
            name: String::new(),
            owner: None,
            nps: Compared::of(Counts::default(), Counts::default(), RULES),
        };
        let mut rows = vec![row("Buy"), row("Buy"), row("Use"), row("Pay"), row("Pay")];
        stage_spans(&mut rows);
        let spans: Vec<usize> = rows.iter().map(|r| r.stage_span).collect();
        assert_eq!(spans, [2, 0, 1, 2, 0]);
    }
}
