//! A sparkline: a month-by-month series small enough for a table cell, the 95 % interval
//! as a band, significant changes as triangles pointing the way the value moved (the
//! shape carries the meaning, not the colour), and an objective's target as a dashed line.

use crate::services::metrics::TrendPoint;
use crate::services::metrics::monthly::{MonthPoint, ObjectiveTrend};
use crate::services::metrics::objectives::ObjectiveView;
use crate::services::metrics::scorecard::TouchpointNps;
use crate::web::{is_nps_metric, metric_value};

const WIDTH: f64 = 120.0;
const HEIGHT: f64 = 32.0;
/// Room around the plot, so that markers at its edges are drawn whole.
const PAD: f64 = 4.0;
/// Half the width (and the height) of a significant change's triangle.
const TRIANGLE: f64 = 3.5;
/// Share of the plotted span added above and below the data.
const MARGIN: f64 = 0.1;

/// What the vertical axis may show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// Values the metric cannot leave (NPS: −100 to +100).
    pub bounds: Option<(f64, f64)>,
    /// The least span drawn, so that a move of a few points is not drawn as a cliff.
    pub min_span: f64,
}

/// The NPS scale: at least 20 points tall, never beyond ±100.
pub const NPS: Scale = Scale {
    bounds: Some((-100.0, 100.0)),
    min_span: 20.0,
};

/// How a month is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A value.
    Dot,
    /// A value significantly above the previous one: a triangle pointing up.
    Rise,
    /// A value significantly below the previous one: a triangle pointing down.
    Fall,
    /// Responses, but nothing to show (too few, or hidden for anonymity): a ring at the foot.
    Withheld,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub y: f64,
    pub shape: Shape,
}

impl Marker {
    pub fn class(&self) -> &'static str {
        match self.shape {
            Shape::Dot => "spark-dot",
            Shape::Rise | Shape::Fall => "spark-change",
            Shape::Withheld => "spark-withheld",
        }
    }

    /// The triangle's corners for a significant change; None for the round markers.
    pub fn triangle(&self) -> Option<String> {
        self.triangle_of(TRIANGLE)
    }

    /// The same, `half` pixels from the centre to each side (for larger charts).
    pub fn triangle_of(&self, half: f64) -> Option<String> {
        let tip = match self.shape {
            Shape::Rise => -half,
            Shape::Fall => half,
            Shape::Dot | Shape::Withheld => return None,
        };
        let (x, y) = (self.x, self.y);
        Some(format!(
            "{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
            x,
            y + tip,
            x - half,
            y - tip,
            x + half,
            y - tip
        ))
    }
}

/// One month: its column (the area that shows its tooltip) and its marker, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    pub left: f64,
    pub width: f64,
    pub marker: Option<Marker>,
    /// The tooltip and the text alternative: the exact value, interval and n.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sparkline {
    pub width: f64,
    pub height: f64,
    pub title: String,
    /// First and last value, significant changes, target: the summary read out.
    pub description: String,
    /// `points` of a polyline for each run of consecutive months with a value.
    pub lines: Vec<String>,
    /// `points` of a polygon for each run of consecutive months with an interval.
    pub bands: Vec<String>,
    /// Where the target's dashed line runs.
    pub target_y: Option<f64>,
    pub months: Vec<Month>,
}

impl Sparkline {
    /// Nothing to draw: no month has a value.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// A touchpoint's NPS over the last twelve months.
pub fn touchpoint(touchpoint: &TouchpointNps) -> Sparkline {
    nps_months(&touchpoint.name, &touchpoint.trend, NPS)
}

/// The NPS of whatever `name` is, month by month, on `scale`.
pub fn nps_months(name: &str, trend: &[TrendPoint], scale: Scale) -> Sparkline {
    let points: Vec<MonthPoint> = trend.iter().map(MonthPoint::from).collect();
    draw(
        format!("{name}: NPS month by month"),
        &points,
        scale,
        None,
        |v| format!("{v:+.1}"),
    )
}

/// One NPS scale for several sparklines drawn side by side, so that equal heights mean
/// equal values: everything the series show (intervals included), with the usual margin.
pub fn shared_nps_scale<'a>(series: impl Iterator<Item = &'a [TrendPoint]>) -> Scale {
    let values = series.flat_map(|trend| {
        trend.iter().flat_map(|point| {
            let shown = MonthPoint::from(point);
            [shown.value, shown.ci_low, shown.ci_high]
        })
    });
    let (low, high) = domain(values.flatten(), NPS);
    // A scale bounded by the shared range and at least as tall draws exactly that range.
    Scale {
        bounds: Some((low, high)),
        min_span: high - low,
    }
}

/// An objective's metric month by month, against its target.
pub fn objective(objective: &ObjectiveView, trend: &ObjectiveTrend) -> Sparkline {
    let scale = if is_nps_metric(&objective.metric) {
        NPS
    } else {
        // The road from baseline to target is what a move is measured against.
        Scale {
            bounds: None,
            min_span: (objective.target - objective.baseline).abs() / 2.0,
        }
    };
    draw(
        format!("{}: month by month", objective.title),
        &trend.points,
        scale,
        Some(objective.target),
        |v| metric_value(&objective.metric, v),
    )
}

/// Lays `points` (one per month, oldest first) out on a 120 × 32 plot.
pub fn draw(
    title: String,
    points: &[MonthPoint],
    scale: Scale,
    target: Option<f64>,
    format: impl Fn(f64) -> String,
) -> Sparkline {
    let (low, high) = domain(
        points
            .iter()
            .flat_map(|p| [p.value, p.ci_low, p.ci_high])
            .flatten()
            .chain(target),
        scale,
    );
    let column = (WIDTH - 2.0 * PAD) / points.len().max(1) as f64;
    let x = |i: usize| round(PAD + (i as f64 + 0.5) * column);
    let y = |v: f64| {
        round(HEIGHT - PAD - (v.clamp(low, high) - low) / (high - low) * (HEIGHT - 2.0 * PAD))
    };
    let months = markers(points, x, y, HEIGHT - PAD / 2.0)
        .into_iter()
        .enumerate()
        .map(|(i, marker)| Month {
            left: round(PAD + i as f64 * column),
            width: round(column),
            label: label(
                month_name(&points[i]),
                &points[i],
                marker.as_ref().map(|m| m.shape),
                &format,
            ),
            marker,
        })
        .collect::<Vec<_>>();
    let (lines, bands) = lines_and_bands(points, x, y, 1.5);
    Sparkline {
        width: WIDTH,
        height: HEIGHT,
        description: describe(
            points,
            target,
            &format,
            |p| month_name(p).to_owned(),
            "month",
        ),
        title,
        lines,
        bands,
        target_y: target.map(y),
        months,
    }
}

/// The axis: the data (intervals and target included) plus a margin, at least
/// `min_span` tall, shifted rather than cut where it would leave the scale's bounds.
pub(super) fn domain(values: impl Iterator<Item = f64>, scale: Scale) -> (f64, f64) {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), v| {
        (low.min(v), high.max(v))
    });
    if !low.is_finite() {
        return scale.bounds.unwrap_or((0.0, 1.0));
    }
    let span = (high - low).max(scale.min_span);
    // A flat series with no span of its own still needs a height to be drawn in.
    let span = if span > 0.0 { span } else { 1.0 };
    let half = span / 2.0 + span * MARGIN;
    let middle = (low + high) / 2.0;
    let (mut low, mut high) = (middle - half, middle + half);
    if let Some((floor, ceiling)) = scale.bounds {
        if low < floor {
            high = (high + floor - low).min(ceiling);
            low = floor;
        }
        if high > ceiling {
            low = (low - (high - ceiling)).max(floor);
            high = ceiling;
        }
    }
    (low, high)
}

/// Each point's marker: a dot, a triangle for a significant change (pointing the way the
/// value moved from the previous value shown), a ring at `withheld_y` for responses
/// without a value to show, nothing for a period without responses.
pub(super) fn markers(
    points: &[MonthPoint],
    x: impl Fn(usize) -> f64,
    y: impl Fn(f64) -> f64,
    withheld_y: f64,
) -> Vec<Option<Marker>> {
    let mut previous: Option<f64> = None;
    points
        .iter()
        .enumerate()
        .map(|(i, point)| match point.value {
            Some(value) => {
                let shape = match previous {
                    Some(before) if point.significant_change && value > before => Shape::Rise,
                    Some(before) if point.significant_change && value < before => Shape::Fall,
                    _ => Shape::Dot,
                };
                previous = Some(value);
                Some(Marker {
                    x: x(i),
                    y: y(value),
                    shape,
                })
            }
            None if point.suppressed || point.n.is_some_and(|n| n > 0) => Some(Marker {
                x: x(i),
                y: withheld_y,
                shape: Shape::Withheld,
            }),
            None => None,
        })
        .collect()
}

/// `points` of a polyline for each run of consecutive points with a value, and of a
/// polygon for each run with an interval (a lone point's interval is a bar
/// 2 × `lone_half` wide rather than a line without area).
pub(super) fn lines_and_bands(
    points: &[MonthPoint],
    x: impl Fn(usize) -> f64,
    y: impl Fn(f64) -> f64,
    lone_half: f64,
) -> (Vec<String>, Vec<String>) {
    let lines = runs(points, |p| p.value)
        .into_iter()
        .map(|run| polyline(run.into_iter().map(|(i, v)| (x(i), y(v)))))
        .collect();
    let bands = runs(points, |p| p.ci_low.zip(p.ci_high))
        .into_iter()
        .map(|run| match run[..] {
            [(i, (low, high))] => polyline(
                [
                    (x(i) - lone_half, y(high)),
                    (x(i) + lone_half, y(high)),
                    (x(i) + lone_half, y(low)),
                    (x(i) - lone_half, y(low)),
                ]
                .into_iter(),
            ),
            _ => {
                // The upper edge left to right, then the lower edge back.
                let upper = run.iter().map(|&(i, (_, high))| (x(i), y(high)));
                let lower = run.iter().rev().map(|&(i, (low, _))| (x(i), y(low)));
                polyline(upper.chain(lower))
            }
        })
        .collect();
    (lines, bands)
}

/// Runs of consecutive months for which `pick` finds something, with their indices.
fn runs<T>(points: &[MonthPoint], pick: impl Fn(&MonthPoint) -> Option<T>) -> Vec<Vec<(usize, T)>> {
    let mut runs: Vec<Vec<(usize, T)>> = Vec::new();
    for (i, point) in points.iter().enumerate() {
        let Some(found) = pick(point) else { continue };
        match runs.last_mut() {
            Some(run) if run.last().map(|(j, _)| j + 1) == Some(i) => run.push((i, found)),
            _ => runs.push(vec![(i, found)]),
        }
    }
    runs
}

fn polyline(corners: impl Iterator<Item = (f64, f64)>) -> String {
    corners
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// "2026-03" of a month's first day.
fn month_name(point: &MonthPoint) -> &str {
    point.month.get(..7).unwrap_or(&point.month)
}

/// A period in words, exact: value, interval, n and whether it moved significantly.
pub(super) fn label(
    month: &str,
    point: &MonthPoint,
    shape: Option<Shape>,
    format: &impl Fn(f64) -> String,
) -> String {
    let Some(value) = point.value else {
        return match point.n {
            _ if point.suppressed => format!("{month}: hidden, too few answers to be anonymous"),
            Some(0) => format!("{month}: no responses"),
            Some(n) => format!("{month}: not enough responses (n = {n})"),
            None => format!("{month}: nothing recorded"),
        };
    };
    let mut text = format!("{month}: {}", format(value));
    if let (Some(low), Some(high)) = (point.ci_low, point.ci_high) {
        text += &format!(" (95 % interval {} to {})", format(low), format(high));
    }
    if let Some(n) = point.n {
        text += &format!(", n = {n}");
    }
    match shape {
        Some(Shape::Rise) => text += ", a significant rise",
        Some(Shape::Fall) => text += ", a significant fall",
        _ => {}
    }
    text
}

/// The summary a screen reader reads for the picture; `name` names a period.
pub(super) fn describe(
    points: &[MonthPoint],
    target: Option<f64>,
    format: &impl Fn(f64) -> String,
    name: impl Fn(&MonthPoint) -> String,
    unit: &str,
) -> String {
    let shown: Vec<(String, f64)> = points
        .iter()
        .filter_map(|p| p.value.map(|v| (name(p), v)))
        .collect();
    let mut text = match (shown.first(), shown.last()) {
        (Some(first), Some(last)) if shown.len() > 1 => format!(
            "From {} in {} to {} in {}.",
            format(first.1),
            first.0,
            format(last.1),
            last.0
        ),
        (Some(only), _) => format!(
            "{} in {}, the only {unit} with a value.",
            format(only.1),
            only.0
        ),
        _ if points.is_empty() => format!("No {unit} to show yet."),
        _ => format!("No {unit} with a value to show yet."),
    };
    // Significance is a property of survey metrics (those with responses behind them).
    if points.iter().any(|p| p.n.is_some()) && !shown.is_empty() {
        let changes = points.iter().filter(|p| p.significant_change).count();
        text += &match changes {
            0 => " No significant change.".to_owned(),
            1 => " 1 significant change.".to_owned(),
            k => format!(" {k} significant changes."),
        };
    }
    if let Some(target) = target {
        text += &format!(" Target {}.", format(target));
    }
    text
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn month(i: usize) -> String {
        format!("2026-{:02}-01", i + 1)
    }

    /// A survey month: value with a ±10 interval and n = 100.
    fn surveyed(i: usize, value: f64, significant: bool) -> MonthPoint {
        MonthPoint {
            month: month(i),
            value: Some(value),
            n: Some(100),
            ci_low: Some(value - 10.0),
            ci_high: Some(value + 10.0),
            significant_change: significant,
            suppressed: false,
        }
    }

    fn empty(i: usize, n: Option<u64>) -> MonthPoint {
        MonthPoint {
            month: month(i),
            value: None,
            n,
            ci_low: None,
            ci_high: None,
            significant_change: false,
            suppressed: false,
        }
    }

    fn signed(v: f64) -> String {
        format!("{v:+.1}")
    }

    /// A polyline's or polygon's `points` back as numbers.
    pub(in crate::web::charts) fn coordinates(points: &str) -> Vec<(f64, f64)> {
        points
            .split(' ')
            .map(|pair| {
                let (x, y) = pair.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn each_month_gets_a_column_and_higher_values_are_drawn_higher() {
        let points = [
            surveyed(0, 10.0, false),
            surveyed(1, 20.0, false),
            surveyed(2, 0.0, false),
        ];
        let chart = draw("t".into(), &points, NPS, None, signed);
        assert_eq!(chart.lines.len(), 1);
        let line = coordinates(&chart.lines[0]);
        assert_eq!(line.len(), 3);
        assert!(
            line[0].0 < line[1].0 && line[1].0 < line[2].0,
            "left to right"
        );
        assert!(line[1].1 < line[0].1 && line[0].1 < line[2].1, "up is more");
        for (x, y) in &line {
            assert!((PAD..=WIDTH - PAD).contains(x) && (PAD..=HEIGHT - PAD).contains(y));
        }
        assert_eq!(chart.months.len(), 3);
        assert_eq!(chart.months[1].marker.as_ref().unwrap().shape, Shape::Dot);
    }

    #[test]
    fn the_interval_band_surrounds_the_line() {
        let points = [surveyed(0, 10.0, false), surveyed(1, 20.0, false)];
        let chart = draw("t".into(), &points, NPS, None, signed);
        let band = coordinates(&chart.bands[0]);
        let line = coordinates(&chart.lines[0]);
        // Upper edge left to right, then lower edge right to left.
        assert_eq!(band.len(), 4);
        assert!(band[0].1 < line[0].1 && band[3].1 > line[0].1);
        assert!(band[1].1 < line[1].1 && band[2].1 > line[1].1);
    }

    #[test]
    fn the_nps_axis_fits_the_data_with_a_margin_inside_the_bounds() {
        // Data and intervals from 0 to 40: 40 tall plus 10 % either side.
        assert_eq!(domain([0.0, 40.0].into_iter(), NPS), (-4.0, 44.0));
        // A flat series is drawn at least 20 points tall, not as a cliff out of noise.
        assert_eq!(domain([5.0].into_iter(), NPS), (-7.0, 17.0));
        // Near the top the axis is shifted down rather than cut.
        assert_eq!(domain([95.0, 100.0].into_iter(), NPS), (76.0, 100.0));
        // Never wider than the scale.
        assert_eq!(domain([-100.0, 100.0].into_iter(), NPS), (-100.0, 100.0));
    }

    #[test]
    fn significant_changes_are_triangles_pointing_the_way_they_moved() {
        let points = [
            surveyed(0, 0.0, false),
            surveyed(1, 30.0, true),
            empty(2, Some(0)),
            surveyed(3, -10.0, true),
        ];
        let chart = draw("t".into(), &points, NPS, None, signed);
        let shapes: Vec<Option<Shape>> = chart
            .months
            .iter()
            .map(|m| m.marker.as_ref().map(|m| m.shape))
            .collect();
        assert_eq!(
            shapes,
            [Some(Shape::Dot), Some(Shape::Rise), None, Some(Shape::Fall)]
        );
        let rise = chart.months[1].marker.as_ref().unwrap();
        let corners = coordinates(&rise.triangle().unwrap());
        assert!(corners[0].1 < rise.y && corners[1].1 > rise.y, "tip on top");
        assert!(
            chart.months[0]
                .marker
                .as_ref()
                .unwrap()
                .triangle()
                .is_none()
        );
        assert_eq!(
            chart.months[1].label,
            "2026-02: +30.0 (95 % interval +20.0 to +40.0), n = 100, a significant rise"
        );
        assert!(chart.description.contains("2 significant changes"));
    }

    #[test]
    fn a_gap_breaks_the_line_and_withheld_months_say_why() {
        let mut hidden = empty(2, None);
        hidden.suppressed = true;
        let points = [
            surveyed(0, 10.0, false),
            surveyed(1, 12.0, false),
            hidden,
            empty(3, Some(12)),
            surveyed(4, 14.0, false),
        ];
        let chart = draw("t".into(), &points, NPS, None, signed);
        assert_eq!(chart.lines.len(), 2);
        assert_eq!(coordinates(&chart.lines[1]).len(), 1);
        // A lone month's interval is a narrow bar, not a line without area.
        let bar = coordinates(&chart.bands[1]);
        assert!(bar[1].0 - bar[0].0 > 2.0);
        assert_eq!(
            chart.months[2].marker.as_ref().unwrap().shape,
            Shape::Withheld
        );
        assert_eq!(
            chart.months[2].label,
            "2026-03: hidden, too few answers to be anonymous"
        );
        assert_eq!(
            chart.months[3].label,
            "2026-04: not enough responses (n = 12)"
        );
        assert_eq!(
            chart.description,
            "From +10.0 in 2026-01 to +14.0 in 2026-05. No significant change."
        );
    }

    #[test]
    fn a_target_is_drawn_and_kept_in_view() {
        let recorded = |i, value| MonthPoint {
            value,
            ..empty(i, None)
        };
        let points = [
            recorded(0, Some(4.0)),
            recorded(1, None),
            recorded(2, Some(5.0)),
        ];
        let scale = Scale {
            bounds: None,
            min_span: 1.0,
        };
        let chart = draw("t".into(), &points, scale, Some(9.0), |v| format!("{v:.1}"));
        let target = chart.target_y.unwrap();
        assert!((PAD..=HEIGHT - PAD).contains(&target));
        assert!(target < chart.months[2].marker.as_ref().unwrap().y, "above");
        assert_eq!(chart.months[1].label, "2026-02: nothing recorded");
        assert!(chart.bands.is_empty());
        assert_eq!(
            chart.description,
            "From 4.0 in 2026-01 to 5.0 in 2026-03. Target 9.0."
        );
    }

    #[test]
    fn a_shared_scale_draws_every_series_on_the_same_range() {
        use crate::services::metrics::{Counts, NpsSummary, Rules};
        let rules = Rules {
            min_sample: 30,
            anonymity_threshold: 5,
            protects_anonymity: false,
        };
        let point = |promoters, detractors| TrendPoint {
            period_start: month(0),
            summary: NpsSummary::from_counts(
                Counts {
                    promoters,
                    passives: 0,
                    detractors,
                },
                rules,
            ),
            significant_change: false,
        };
        // −10 and +40.
        let (a, b) = (vec![point(45, 55)], vec![point(70, 30)]);
        let scale = shared_nps_scale([a.as_slice(), b.as_slice()].into_iter());
        let (floor, ceiling) = scale.bounds.unwrap();
        assert!(floor < -10.0 && ceiling > 40.0 && ceiling <= 100.0);
        // The same value lands at the same height in either chart.
        assert_eq!(
            domain([0.0].into_iter(), scale),
            domain([30.0].into_iter(), scale)
        );
        assert_eq!(domain([0.0].into_iter(), scale), (floor, ceiling));
        let (left, right) = (nps_months("a", &a, scale), nps_months("b", &b, scale));
        let y = |chart: &Sparkline| chart.months[0].marker.as_ref().unwrap().y;
        assert!(y(&left) > y(&right), "the lower NPS is drawn lower");
    }

    #[test]
    fn without_a_value_there_is_nothing_to_draw() {
        let chart = draw("t".into(), &[empty(0, Some(0))], NPS, None, signed);
        assert!(chart.is_empty());
        assert_eq!(chart.description, "No month with a value to show yet.");
        assert!(draw("t".into(), &[], NPS, None, signed).is_empty());
    }
}
