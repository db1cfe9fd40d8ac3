//! A scatter plot of named groups on two measures (e.g. each department's eNPS across and
//! its customers' NPS up), with an optional fitted line. Every point is labelled on the
//! chart and carries a tooltip; labels that would collide are moved apart.

use super::axis::{Frame, Margins, Scale, Tick, round_step, widen};
use crate::services::metrics::correlation::Line;

/// With room for the tick labels and the rotated title on the left, the title underneath.
const FRAME: Frame = Frame::new(
    560.0,
    380.0,
    Margins {
        left: 64.0,
        right: 24.0,
        top: 16.0,
        bottom: 56.0,
    },
);
/// What a 12 px label takes, roughly, for keeping labels apart.
const CHAR_WIDTH: f64 = 6.8;
const LINE_HEIGHT: f64 = 14.0;
const RADIUS: f64 = 6.0;

/// One measure: its short name (for tooltips), its title (beside the axis) and the values
/// it can take at most (the axis never runs past them), if any.
#[derive(Debug, Clone, Copy)]
pub struct Axis<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub bounds: Option<(f64, f64)>,
}

/// A group to plot.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dot {
    pub cx: f64,
    pub cy: f64,
    pub label: String,
    pub label_x: f64,
    pub label_y: f64,
    /// Near the right edge the label goes to the left of the dot.
    pub label_before: bool,
    pub tooltip: String,
}

/// A straight line between two points, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scatter {
    /// Unique on the page.
    pub id: String,
    pub frame: Frame,
    pub x_title: String,
    pub y_title: String,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub dots: Vec<Dot>,
    /// The fitted line, within the plot.
    pub fit: Option<Segment>,
    pub description: String,
}

/// Lays out `points`; `format` writes a value for the tooltips.
pub fn layout(
    id: &str,
    points: &[Point],
    x_axis: Axis,
    y_axis: Axis,
    fit: Option<Line>,
    format: impl Fn(f64) -> String,
) -> Scatter {
    let (x_scale, x_step) = scale(points.iter().map(|p| p.x), x_axis, FRAME.left, FRAME.right);
    let (y_scale, y_step) = scale(points.iter().map(|p| p.y), y_axis, FRAME.bottom, FRAME.top);
    let mut placed: Vec<Box> = Vec::new();
    let dots = points
        .iter()
        .map(|p| {
            let (cx, cy) = (x_scale.at(p.x), y_scale.at(p.y));
            let label = place_label(&p.label, cx, cy, &mut placed);
            Dot {
                cx,
                cy,
                label: p.label.clone(),
                label_x: label.0,
                label_y: label.1,
                label_before: label.2,
                tooltip: format!(
                    "{}: {} {}, {} {}",
                    p.label,
                    x_axis.name,
                    format(p.x),
                    y_axis.name,
                    format(p.y)
                ),
            }
        })
        .collect();
    let description = format!(
        "{} point(s). Across: {}. Up: {}.{}",
        points.len(),
        x_axis.title,
        y_axis.title,
        if fit.is_some() {
            " The dashed line is the straight line that fits the points best."
        } else {
            ""
        }
    );
    Scatter {
        id: id.to_owned(),
        frame: FRAME,
        x_title: x_axis.title.to_owned(),
        y_title: y_axis.title.to_owned(),
        x_ticks: x_scale.ticks(x_step, tick_label),
        y_ticks: y_scale.ticks(y_step, tick_label),
        dots,
        fit: fit.and_then(|line| clip(line, &x_scale, &y_scale)),
        description,
    }
}

/// A scale over the values with some room around them, in round steps, within the
/// axis's bounds.
fn scale(values: impl Iterator<Item = f64>, axis: Axis, start: f64, end: f64) -> (Scale, f64) {
    let (min, max) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (min, max) = if min <= max { (min, max) } else { (0.0, 0.0) };
    // Room so that no dot sits on an edge; a single value gets some span around it.
    let pad = ((max - min) * 0.1).max(5.0);
    let step = round_step(max - min + 2.0 * pad, 6);
    let (mut low, mut high) = widen(min - pad, max + pad, step);
    if let Some((lowest, highest)) = axis.bounds {
        (low, high) = (low.max(lowest), high.min(highest));
    }
    (
        Scale {
            low,
            high,
            start,
            end,
        },
        step,
    )
}

/// Signed, as the measures this chart compares can be negative: "−20", "0", "+20".
fn tick_label(value: f64) -> String {
    if value == 0.0 {
        "0".to_owned()
    } else {
        format!("{value:+}")
    }
}

/// A label's box: left, top, right, bottom.
type Box = (f64, f64, f64, f64);

/// Puts a label beside its dot, moving it down or up a line at a time until it clears
/// the labels placed before; returns (x, baseline y, whether it stands left of the dot).
fn place_label(label: &str, cx: f64, cy: f64, placed: &mut Vec<Box>) -> (f64, f64, bool) {
    let width = label.chars().count() as f64 * CHAR_WIDTH;
    let before = cx + RADIUS + 4.0 + width > FRAME.right;
    let x = if before {
        cx - RADIUS - 4.0
    } else {
        cx + RADIUS + 4.0
    };
    let (left, right) = if before {
        (x - width, x)
    } else {
        (x, x + width)
    };
    let clear = |y: f64, placed: &[Box]| {
        placed
            .iter()
            .all(|b| right <= b.0 || left >= b.2 || y - LINE_HEIGHT + 3.0 >= b.3 || y + 3.0 <= b.1)
    };
    let baseline = cy + 4.0;
    let y = [0.0, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0]
        .into_iter()
        .map(|lines| baseline + lines * LINE_HEIGHT)
        .find(|y| clear(*y, placed))
        .unwrap_or(baseline);
    placed.push((left, y - LINE_HEIGHT + 3.0, right, y + 3.0));
    (x, y, before)
}

/// The part of the line inside the plot, if any.
fn clip(line: Line, x: &Scale, y: &Scale) -> Option<Segment> {
    let (mut from, mut to) = (x.low, x.high);
    if line.slope != 0.0 {
        let at_low = (y.low - line.intercept) / line.slope;
        let at_high = (y.high - line.intercept) / line.slope;
        from = from.max(at_low.min(at_high));
        to = to.min(at_low.max(at_high));
    } else if !(y.low..=y.high).contains(&line.intercept) {
        return None;
    }
    (from < to).then(|| Segment {
        x1: x.at(from),
        y1: y.at(line.at(from)),
        x2: x.at(to),
        y2: y.at(line.at(to)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NPS: Axis = Axis {
        name: "NPS",
        title: "NPS",
        bounds: Some((-100.0, 100.0)),
    };

    fn point(label: &str, x: f64, y: f64) -> Point {
        Point {
            label: label.to_owned(),
            x,
            y,
        }
    }

    fn signed(v: f64) -> String {
        format!("{v:+.0}")
    }

    #[test]
    fn dots_stand_inside_the_plot_in_the_order_of_their_values() {
        let points = [
            point("Sales", -12.0, 35.0),
            point("Service", 40.0, 60.0),
            point("IT", 10.0, -5.0),
        ];
        let chart = layout("s", &points, NPS, NPS, None, signed);
        for dot in &chart.dots {
            assert!(FRAME.left < dot.cx && dot.cx < FRAME.right);
            assert!(FRAME.top < dot.cy && dot.cy < FRAME.bottom);
        }
        let (sales, service, it) = (&chart.dots[0], &chart.dots[1], &chart.dots[2]);
        assert!(sales.cx < it.cx && it.cx < service.cx);
        assert!(service.cy < sales.cy && sales.cy < it.cy, "higher is up");
        assert_eq!(sales.tooltip, "Sales: NPS -12, NPS +35");
        assert!(chart.fit.is_none());
    }

    #[test]
    fn axes_stay_within_their_bounds_in_round_steps() {
        let chart = layout(
            "s",
            &[point("A", -98.0, 95.0), point("B", 90.0, -97.0)],
            NPS,
            NPS,
            None,
            signed,
        );
        let labels: Vec<&str> = chart.x_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels.first(), Some(&"-100"));
        assert_eq!(labels.last(), Some(&"+100"));
        assert!(chart.y_ticks.len() <= 12);
    }

    #[test]
    fn labels_of_points_in_the_same_place_do_not_overlap() {
        let chart = layout(
            "s",
            &[
                point("Finance", 10.0, 10.0),
                point("Legal", 10.0, 10.0),
                point("Marketing", 11.0, 10.5),
            ],
            NPS,
            NPS,
            None,
            signed,
        );
        let mut baselines: Vec<f64> = chart.dots.iter().map(|d| d.label_y).collect();
        baselines.sort_by(f64::total_cmp);
        assert!(baselines.windows(2).all(|w| w[1] - w[0] >= LINE_HEIGHT));
    }

    #[test]
    fn the_fitted_line_is_clipped_to_the_plot() {
        let line = Line {
            slope: 3.0,
            intercept: 0.0,
        };
        let chart = layout(
            "s",
            &[point("A", -20.0, -20.0), point("B", 20.0, 20.0)],
            NPS,
            NPS,
            Some(line),
            signed,
        );
        let fit = chart.fit.unwrap();
        for (x, y) in [(fit.x1, fit.y1), (fit.x2, fit.y2)] {
            assert!((FRAME.left - 1e-9..=FRAME.right + 1e-9).contains(&x));
            assert!((FRAME.top - 1e-9..=FRAME.bottom + 1e-9).contains(&y));
        }
        assert!(fit.y2 < fit.y1, "rising to the right");
        assert!(chart.description.contains("dashed line"));
    }
}
