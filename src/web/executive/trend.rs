//! The dashboard's trend section: the page's NPS and eNPS laid out as line charts with
//! the objectives' and plans' starts marked, and the links that switch its periods.

use crate::services::metrics::Bucket;
use crate::services::metrics::executive::trend::{Series, Start, Trend, periods};
use crate::services::metrics::executive::{ExecutiveFilter, ExecutiveQuery};
use crate::web::charts::line::{self, Annotation, LineChart, YRange};

/// One chart with what is said around it.
#[derive(Debug, Clone)]
pub struct TrendChart {
    pub heading: String,
    /// Said under the heading (how people's answers are protected).
    pub note: Option<String>,
    /// Said instead of the chart when it has nothing to draw.
    pub empty: String,
    pub chart: LineChart,
}

/// A link to the same page with other periods.
#[derive(Debug, Clone)]
pub struct IntervalLink {
    pub label: &'static str,
    /// None when the page's answers cannot be shown with these periods.
    pub href: Option<String>,
    pub current: bool,
}

#[derive(Debug, Clone)]
pub struct TrendSection {
    pub subtitle: String,
    pub links: Vec<IntervalLink>,
    pub charts: Vec<TrendChart>,
    /// Why weekly periods are not offered, when they are not.
    pub no_weeks: Option<&'static str>,
}

impl TrendSection {
    pub fn new(trend: &Trend, filter: &ExecutiveFilter, query: &ExecutiveQuery) -> Self {
        let annotations: Vec<Annotation> = trend.starts.iter().map(annotation).collect();
        // NPS and eNPS side by side on one fixed scale.
        let range = YRange::shared(
            &[Some(&trend.main), trend.employees.as_ref()]
                .into_iter()
                .flatten()
                .map(|series| series.points.as_slice())
                .collect::<Vec<_>>(),
        );
        let threshold = filter.rules.anonymity_threshold;
        let hidden_note = |bucket: Bucket| {
            let which = match bucket {
                Bucket::Quarter => "A quarter with a month of",
                _ => "A month with",
            };
            format!(
                "{which} fewer than {threshold} answers is hidden, so that no one's answer can be singled out."
            )
        };
        let mut charts = vec![chart(
            "trend-main",
            &trend.main,
            filter.last_day(),
            &annotations,
            range,
            filter
                .protects_anonymity()
                .then(|| hidden_note(trend.main.bucket)),
        )];
        if let Some(employees) = &trend.employees {
            let mut note = hidden_note(employees.bucket);
            if trend.employees_by_month {
                note = format!(
                    "Shown by month: employees' answers are never counted by week, to protect anonymity. {note}"
                );
            }
            charts.push(chart(
                "trend-employees",
                employees,
                filter.last_day(),
                &annotations,
                range,
                Some(note),
            ));
        }
        let no_weeks = filter
            .protects_anonymity()
            .then_some("Weeks are not offered for people's answers, to protect anonymity.");
        let links = [
            ("week", "Weeks", Bucket::Week),
            ("month", "Months", Bucket::Month),
            ("quarter", "Quarters", Bucket::Quarter),
        ]
        .into_iter()
        .map(|(key, label, bucket)| IntervalLink {
            label,
            href: (bucket != Bucket::Week || no_weeks.is_none()).then(|| {
                let switched = ExecutiveQuery {
                    interval: key.to_owned(),
                    ..query.clone()
                };
                format!("/executive?{}#trend-title", switched.filter_query())
            }),
            current: bucket == filter.bucket,
        })
        .collect();
        let unit = filter.bucket.unit();
        Self {
            subtitle: format!(
                "Per {unit} over the last {} {unit}s up to {}, following the filters above (eNPS: the department's own people, all segments). The band is the 95 % interval; ▲ and ▼ mark changes larger than the noise; dashed lines mark where an objective or incentive plan began.",
                periods(filter.bucket),
                filter.last_day()
            ),
            links,
            charts,
            no_weeks,
        }
    }
}

fn chart(
    id: &str,
    series: &Series,
    last_day: time::Date,
    annotations: &[Annotation],
    range: YRange,
    note: Option<String>,
) -> TrendChart {
    let (measure, who) = match series.kind.as_str() {
        "employee" => ("eNPS", "employees"),
        "internal" => ("Internal NPS", "departments rating departments"),
        _ => ("NPS", "customers"),
    };
    let unit = series.bucket.unit();
    let heading = format!("{measure} per {unit} ({who})");
    TrendChart {
        empty: format!(
            "No answers from {who} with enough responses to show in the {} {unit}s up to {last_day}.",
            periods(series.bucket)
        ),
        chart: line::layout(id, &heading, measure, series, annotations, range),
        heading,
        note,
    }
}

/// A start in words: short above the plot, in full on hover.
fn annotation(start: &Start) -> Annotation {
    let count = |n: usize, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    };
    let label = match (&start.objectives[..], &start.plans[..]) {
        ([only], []) => format!("Objective: {only}"),
        ([], [only]) => format!("Plan: {only}"),
        (objectives, plans) => [
            count(objectives.len(), "objective", "objectives"),
            count(plans.len(), "plan", "plans"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", "),
    };
    let mut detail = format!("Began {}:", start.day);
    if !start.objectives.is_empty() {
        detail += &format!(" objectives {};", start.objectives.join("; "));
    }
    if !start.plans.is_empty() {
        detail += &format!(" incentive plans {};", start.plans.join("; "));
    }
    detail.pop();
    detail.push('.');
    Annotation {
        day: start.day,
        label,
        detail,
    }
}
