//! The scorecard's numbers as CSV (one row per figure, long format) for spreadsheets and
//! board packs: section, item, measure, value, interval, n and a note.

use crate::services::export::neutralise;
use crate::services::metrics::NpsSummary;
use crate::services::metrics::scorecard::Scorecard;

const HEADER: [&str; 8] = [
    "section", "item", "measure", "value", "ci_low", "ci_high", "n", "note",
];

/// Rows of text cells, written out at the end.
#[derive(Default)]
struct Sheet(Vec<[String; 8]>);

fn number(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.2}")).unwrap_or_default()
}

impl Sheet {
    fn figure(&mut self, section: &str, item: &str, measure: &str, value: Option<f64>, note: &str) {
        self.0.push([
            section.into(),
            item.into(),
            measure.into(),
            number(value),
            String::new(),
            String::new(),
            String::new(),
            note.into(),
        ]);
    }

    fn count(&mut self, section: &str, item: &str, measure: &str, value: i64) {
        self.figure(section, item, measure, Some(value as f64), "");
        self.0.last_mut().expect("just pushed")[3] = value.to_string();
    }

    fn nps(&mut self, section: &str, item: &str, summary: &NpsSummary, note: &str) {
        let shown = summary.enough_data && !summary.suppressed;
        let note = match (summary.suppressed, summary.enough_data, note) {
            (true, _, _) => "hidden: too few answers to be anonymous",
            (false, false, _) if summary.n > 0 => "not enough responses",
            (_, _, note) => note,
        };
        self.0.push([
            section.into(),
            item.into(),
            "nps".into(),
            number(summary.nps.filter(|_| shown)),
            number(summary.ci_low.filter(|_| shown)),
            number(summary.ci_high.filter(|_| shown)),
            if summary.suppressed {
                String::new()
            } else {
                summary.n.to_string()
            },
            note.into(),
        ]);
    }

    fn into_csv(self) -> Vec<u8> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(HEADER)
            .expect("writing to memory cannot fail");
        for row in self.0 {
            writer
                .write_record(row.iter().enumerate().map(|(column, cell)| {
                    // Names and notes come from people; numbers (which may start with a
                    // minus) and fixed words from Centric.
                    if column == 1 || column == 7 {
                        neutralise(cell).into_owned()
                    } else {
                        cell.clone()
                    }
                }))
                .expect("writing to memory cannot fail");
        }
        writer.into_inner().expect("writing to memory cannot fail")
    }
}

pub fn scorecard_csv(scorecard: &Scorecard) -> Vec<u8> {
    let mut sheet = Sheet::default();
    let sc = scorecard;
    sheet.nps("customer NPS", "all it owns", &sc.nps, "");
    for t in &sc.touchpoints {
        let note = match (t.significant_change, t.previous_nps) {
            (true, Some(before)) => format!("significant change from {before:.1}"),
            (false, Some(before)) => format!("no real change from {before:.1}"),
            _ => String::new(),
        };
        sheet.nps("touchpoint", &t.name, &t.nps, &note);
    }
    sheet.nps(
        "internal NPS",
        "all rating departments",
        &sc.internal_nps,
        "",
    );
    for g in &sc.internal_by_rater.groups {
        let label = g.label.as_deref().unwrap_or("department not given");
        sheet.nps("internal NPS by rater", label, &g.summary, "");
    }
    for o in &sc.objectives {
        let period = format!("{} to {}", o.period_start, o.period_end);
        sheet.0.push([
            "objective".into(),
            o.title.clone(),
            o.metric.clone(),
            number(o.value),
            number(o.ci_low),
            number(o.ci_high),
            o.n.map(|n| n.to_string()).unwrap_or_default(),
            format!(
                "{}{}",
                o.status_label,
                if o.too_close_to_call {
                    "; too close to call"
                } else {
                    ""
                }
            ),
        ]);
        sheet.figure("objective", &o.title, "baseline", Some(o.baseline), &period);
        sheet.figure("objective", &o.title, "target", Some(o.target), &period);
        sheet.figure(
            "objective",
            &o.title,
            "progress %",
            o.progress.map(|p| p * 100.0),
            "",
        );
    }
    let demand = &sc.failure_demand;
    sheet.count(
        "failure demand",
        "this month",
        "contacts",
        demand.contacts_this_month,
    );
    sheet.figure(
        "failure demand",
        "this month",
        "cost",
        Some(demand.cost_this_month),
        "",
    );
    sheet.count(
        "failure demand",
        "this quarter",
        "contacts",
        demand.contacts_this_quarter,
    );
    sheet.figure(
        "failure demand",
        "this quarter",
        "cost",
        Some(demand.cost_this_quarter),
        "",
    );
    for r in &demand.top_reasons {
        sheet.count(
            "failure demand reason",
            &r.reason_name,
            "contacts this quarter",
            r.contacts,
        );
        sheet.figure(
            "failure demand reason",
            &r.reason_name,
            "cost this quarter",
            Some(r.cost),
            "",
        );
    }
    let loop_ = &sc.follow_ups;
    sheet.count("follow-ups", "open", "count", loop_.open);
    sheet.count("follow-ups", "contacted", "count", loop_.contacted);
    sheet.count("follow-ups", "overdue", "count", loop_.overdue);
    sheet.count(
        "follow-ups",
        "resolved in 90 days",
        "count",
        loop_.resolved_90_days,
    );
    sheet.figure(
        "follow-ups",
        "time to close",
        "median hours",
        loop_.median_hours_to_close,
        "",
    );
    for plan in &sc.incentives {
        sheet.figure(
            "incentive",
            &plan.name,
            "payout %",
            Some(plan.payout_pct),
            "a projection, not payroll",
        );
        sheet.figure(
            "incentive",
            &plan.name,
            "projected amount",
            Some(plan.projected_amount),
            "",
        );
        for link in &plan.links {
            let item = format!("{} / {}", plan.name, link.objective_title);
            let note = if link.requires_confidence {
                "paid on the interval's lower end"
            } else {
                ""
            };
            sheet.figure("incentive link", &item, "paid on", link.paid_on, note);
            sheet.figure(
                "incentive link",
                &item,
                "payout %",
                Some(link.payout_pct),
                "",
            );
        }
    }
    sheet.into_csv()
}
