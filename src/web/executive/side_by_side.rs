//! What the departments and objectives sections draw beyond plain numbers: each
//! department's mini trend, and each objective's words for the matrix's hover text.

use crate::services::metrics::executive::departments::DepartmentMultiple;
use crate::services::metrics::objectives::ObjectiveView;
use crate::web::charts::sparkline::{Scale, Sparkline, nps_months, shared_nps_scale};
use crate::web::{Number, metric_value};

/// The one scale every small multiple is drawn on, so that their heights compare.
pub fn multiples_scale(multiples: &[DepartmentMultiple]) -> Scale {
    shared_nps_scale(multiples.iter().map(|m| m.trend.as_slice()))
}

pub fn sparkline(multiple: &DepartmentMultiple, scale: &Scale) -> Sparkline {
    nps_months(&multiple.name, &multiple.trend, *scale)
}

/// The shared scale's range in words, e.g. "−20 to +40".
pub fn scale_words(scale: &Scale) -> String {
    let (low, high) = scale.bounds.unwrap_or((-100.0, 100.0));
    let signed = |v: f64| match v.round() {
        v if v < 0.0 => format!("−{}", -v),
        v if v > 0.0 => format!("+{v}"),
        _ => "0".to_owned(),
    };
    format!("{} to {}", signed(low), signed(high))
}

/// An objective's value with its unit (an NPS needs none).
pub fn value_with_unit(objective: &ObjectiveView, value: impl Number) -> String {
    let shown = metric_value(&objective.metric, value.get());
    match objective.unit.as_str() {
        "" | "NPS" => shown,
        unit => format!("{shown} {unit}"),
    }
}

/// The exact figures behind a matrix cell, for its tooltip and screen readers.
pub fn objective_summary(owner: &str, objective: &ObjectiveView) -> String {
    let now = match (objective.value, objective.n) {
        (Some(value), _) => format!("now {}", value_with_unit(objective, value)),
        (None, Some(n)) => format!("not enough responses yet (n = {n})"),
        (None, None) => "no value yet".to_owned(),
    };
    let mut text = format!(
        "{owner}: {}, {now}, target {} (baseline {}), {} to {}. {}.",
        objective.title,
        value_with_unit(objective, objective.target),
        metric_value(&objective.metric, objective.baseline),
        objective.period_start,
        objective.period_end,
        objective.status_label,
    );
    if objective.too_close_to_call {
        text += " Too close to call: the target is inside the 95 % interval.";
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::metrics::ObjectiveStatus;

    #[test]
    fn the_shared_scale_is_said_in_whole_points() {
        let scale = Scale {
            bounds: Some((-20.4, 40.0)),
            min_span: 60.4,
        };
        assert_eq!(scale_words(&scale), "−20 to +40");
    }

    #[test]
    fn a_cell_says_the_value_against_the_target_and_the_status_in_words() {
        let objective = ObjectiveView {
            id: uuid::Uuid::nil(),
            parent_id: None,
            title: "Clear invoices".into(),
            owner_department: Some("finance".into()),
            metric: "kpi".into(),
            unit: "%".into(),
            baseline: 50.0,
            target: 90.0,
            period_start: "2026-01-01".into(),
            period_end: "2027-01-01".into(),
            weight: 1.0,
            value: Some(80.0),
            n: None,
            ci_low: None,
            ci_high: None,
            progress: Some(0.75),
            elapsed: 0.5,
            status: ObjectiveStatus::OnTrack,
            status_label: "On track",
            too_close_to_call: false,
        };
        assert_eq!(
            objective_summary("Finance", &objective),
            "Finance: Clear invoices, now 80.0 %, target 90.0 % (baseline 50.0), 2026-01-01 to 2027-01-01. On track."
        );
        let nps = ObjectiveView {
            metric: "nps".into(),
            unit: "NPS".into(),
            value: None,
            n: Some(12),
            status: ObjectiveStatus::NotEnoughData,
            status_label: "Not enough data",
            ..objective
        };
        assert!(objective_summary("Sales", &nps).starts_with(
            "Sales: Clear invoices, not enough responses yet (n = 12), target +90.0 (baseline +50.0)"
        ));
    }
}
