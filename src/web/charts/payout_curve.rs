//! An incentive link's payout curve: payout % (up) against the objective's value
//! (across), threshold → target → stretch, with today's value marked.

use super::axis::{Frame, Margins, Tick};
use crate::services::metrics::{LinkCurve, link_payout_pct};

const FRAME: Frame = Frame::new(
    420.0,
    220.0,
    Margins {
        left: 48.0,
        right: 16.0,
        top: 16.0,
        bottom: 40.0,
    },
);

#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub y: f64,
    pub label: String,
    /// Near the right edge the label goes to the left of the point.
    pub label_before: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PayoutCurve {
    /// Unique on the page (several curves may be drawn).
    pub id: String,
    pub frame: Frame,
    pub path: String,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    /// Today's value, and (for a gated link) the value it is paid on.
    pub markers: Vec<Marker>,
    pub description: String,
}

/// Draws `curve`; `now` is the objective's value today, `paid_on` what the link pays on.
pub fn draw(
    id: &str,
    curve: &LinkCurve,
    now: Option<f64>,
    paid_on: Option<f64>,
    format: impl Fn(f64) -> String,
) -> PayoutCurve {
    let low = curve.threshold.min(curve.stretch);
    let high = curve.threshold.max(curve.stretch);
    let margin = (high - low) * 0.25;
    let (x_min, x_max) = (low - margin, high + margin);
    let y_max = curve.stretch_payout_pct.max(100.0) * 1.1;
    let x = |v: f64| {
        FRAME.left + (v.clamp(x_min, x_max) - x_min) / (x_max - x_min) * (FRAME.right - FRAME.left)
    };
    let y = |p: f64| FRAME.bottom - p / y_max * (FRAME.bottom - FRAME.top);
    let points: Vec<(f64, f64)> = if curve.target > curve.threshold {
        vec![
            (x_min, 0.0),
            (curve.threshold, 0.0),
            (curve.threshold, curve.threshold_payout_pct),
            (curve.target, 100.0),
            (curve.stretch, curve.stretch_payout_pct),
            (x_max, curve.stretch_payout_pct),
        ]
    } else {
        vec![
            (x_min, curve.stretch_payout_pct),
            (curve.stretch, curve.stretch_payout_pct),
            (curve.target, 100.0),
            (curve.threshold, curve.threshold_payout_pct),
            (curve.threshold, 0.0),
            (x_max, 0.0),
        ]
    };
    let path = points
        .iter()
        .enumerate()
        .map(|(i, (v, p))| {
            format!(
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { "L" },
                x(*v),
                y(*p)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let x_ticks = [
        ("threshold", curve.threshold),
        ("target", curve.target),
        ("stretch", curve.stretch),
    ]
    .into_iter()
    .map(|(name, v)| Tick {
        at: x(v),
        label: format!("{} {name}", format(v)),
    })
    .collect();
    let y_ticks = [
        0.0,
        curve.threshold_payout_pct,
        100.0,
        curve.stretch_payout_pct,
    ]
    .into_iter()
    .fold(Vec::<f64>::new(), |mut kept, p| {
        if !kept.contains(&p) {
            kept.push(p);
        }
        kept
    })
    .into_iter()
    .map(|p| Tick {
        at: y(p),
        label: format!("{p:.0} %"),
    })
    .collect();
    let mut markers = Vec::new();
    if let Some(value) = now {
        markers.push(Marker {
            x: x(value),
            y: y(link_payout_pct(curve, value)),
            label: format!("now {}", format(value)),
            label_before: x(value) > FRAME.width - 120.0,
        });
    }
    if let (Some(paid), Some(value)) = (paid_on, now)
        && (paid - value).abs() > f64::EPSILON
    {
        markers.push(Marker {
            x: x(paid),
            y: y(link_payout_pct(curve, paid)),
            label: format!("paid on {} (interval)", format(paid)),
            label_before: x(paid) > FRAME.width - 160.0,
        });
    }
    let description = format!(
        "Pays nothing before {}, {:.0} % at {}, 100 % at {}, {:.0} % from {} on.{}",
        format(curve.threshold),
        curve.threshold_payout_pct,
        format(curve.threshold),
        format(curve.target),
        curve.stretch_payout_pct,
        format(curve.stretch),
        match (now, paid_on) {
            (Some(v), Some(p)) => format!(
                " Today's value {} pays {:.0} %.",
                format(v),
                link_payout_pct(curve, p)
            ),
            _ => " No value yet today.".to_owned(),
        }
    );
    PayoutCurve {
        id: id.to_owned(),
        frame: FRAME,
        path,
        x_ticks,
        y_ticks,
        markers,
        description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(threshold: f64, target: f64, stretch: f64) -> LinkCurve {
        LinkCurve {
            threshold,
            target,
            stretch,
            threshold_payout_pct: 50.0,
            stretch_payout_pct: 150.0,
        }
    }

    #[test]
    fn a_rising_curve_steps_up_at_the_threshold_and_marks_today() {
        let drawn = draw("c", &curve(0.0, 10.0, 20.0), Some(10.0), Some(10.0), |v| {
            format!("{v:+.0}")
        });
        // Six points: flat at 0, the step, target, stretch, flat after.
        assert_eq!(drawn.path.matches('L').count(), 5);
        assert_eq!(drawn.markers.len(), 1);
        assert_eq!(drawn.markers[0].label, "now +10");
        assert!(drawn.description.contains("Today's value +10 pays 100 %"));
        let labels: Vec<&str> = drawn.y_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0 %", "50 %", "100 %", "150 %"]);
    }

    #[test]
    fn a_gated_link_shows_what_it_is_paid_on() {
        let drawn = draw("c", &curve(0.0, 10.0, 20.0), Some(12.0), Some(5.0), |v| {
            format!("{v:.0}")
        });
        assert_eq!(drawn.markers.len(), 2);
        assert!(drawn.description.contains("pays 75 %"));
    }

    #[test]
    fn a_falling_curve_pays_more_to_the_left() {
        let drawn = draw("c", &curve(100.0, 80.0, 60.0), None, None, |v| {
            format!("{v:.0}")
        });
        let first_y: f64 = drawn.path[1..]
            .split([',', ' '])
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            first_y < drawn.frame.bottom,
            "starts high: stretch payout on the left"
        );
    }
}
