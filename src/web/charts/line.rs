//! A full-size NPS line chart: one point per week, month or quarter, its 95 % interval as
//! a band, gaps where a period has nothing to show, significant changes as triangles
//! pointing the way the value moved (shape, not colour only), and dashed vertical lines
//! on the days an objective or an incentive plan started. Laid out here, drawn by
//! `templates/charts/line.html`, with a table of the same figures as its alternative.

use time::Date;

use super::axis::{Frame, Margins, Scale, Tick, round_step, widen};
use super::sparkline::{self, Marker, Shape, describe, label, lines_and_bands, markers, round};
use crate::services::metrics::Bucket;
use crate::services::metrics::executive::trend::Series;
use crate::services::metrics::monthly::MonthPoint;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 320.0;
const MARGINS: Margins = Margins {
    left: 64.0,
    right: 20.0,
    top: 44.0,
    bottom: 52.0,
};
/// Half the width of a significant change's triangle.
const TRIANGLE: f64 = 6.5;
/// The NPS axis: never beyond ±100, at least 40 points tall so noise is not a cliff.
const NPS: sparkline::Scale = sparkline::Scale {
    bounds: Some((-100.0, 100.0)),
    min_span: 40.0,
};
/// The narrowest a labelled period may be; narrower ones are labelled every so often.
const LABEL_ROOM: f64 = 44.0;
/// The longest short label an annotation carries above the plot.
const ANNOTATION_CHARS: usize = 24;

/// How far apart the rows of annotation labels above the plot are; three fit the margin.
const ANNOTATION_ROW: f64 = 14.0;
const ANNOTATION_ROWS: usize = 3;
/// About how wide a character of an annotation's label is (11 px text).
const ANNOTATION_CHAR_WIDTH: f64 = 6.0;

/// Where the labels placed so far end on each row above the plot, so that a label goes
/// on the lowest row it does not overlap (left to right, as the days come).
#[derive(Default)]
struct LabelRows {
    /// Per row, the rightmost x taken.
    taken: Vec<f64>,
}

impl LabelRows {
    /// The row for a label of `chars` characters at `x` (to its left when `anchor_end`).
    fn place(&mut self, x: f64, chars: usize, anchor_end: bool) -> usize {
        let width = chars as f64 * ANNOTATION_CHAR_WIDTH + 8.0;
        let (left, right) = if anchor_end {
            (x - width, x)
        } else {
            (x, x + width)
        };
        let row = (0..ANNOTATION_ROWS)
            .find(|row| self.taken.get(*row).is_none_or(|end| *end < left))
            // Every row taken there: the one whose label ends first.
            .unwrap_or_else(|| {
                (0..ANNOTATION_ROWS)
                    .min_by(|a, b| self.taken[*a].total_cmp(&self.taken[*b]))
                    .expect("rows")
            });
        if row == self.taken.len() {
            self.taken.push(right);
        } else {
            self.taken[row] = right;
        }
        row
    }
}

/// Something that began on a day (an objective's or a plan's period).
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    pub day: Date,
    /// Short, above the plot.
    pub label: String,
    /// In full, as its tooltip.
    pub detail: String,
}

/// One period: its column (where its tooltip shows), its marker, its words.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    pub left: f64,
    pub width: f64,
    pub marker: Option<Marker>,
    /// The exact value, interval and n.
    pub label: String,
}

impl Period {
    pub fn class(&self) -> &'static str {
        match self.marker.as_ref().map(|m| m.shape) {
            Some(Shape::Rise) => "line-rise",
            Some(Shape::Fall) => "line-fall",
            Some(Shape::Withheld) => "line-withheld",
            _ => "line-dot",
        }
    }

    pub fn triangle(&self) -> Option<String> {
        self.marker.as_ref()?.triangle_of(TRIANGLE)
    }
}

/// A label under the x axis, with the year under it where a year begins.
#[derive(Debug, Clone, PartialEq)]
pub struct XTick {
    pub at: f64,
    pub label: String,
    pub year: Option<String>,
}

/// An annotation placed on the plot.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotationMark {
    pub x: f64,
    /// Where its label's baseline sits (staggered so neighbours do not overlap).
    pub label_y: f64,
    /// The label ends at the line (near the right edge) rather than starting there.
    pub anchor_end: bool,
    pub label: String,
    pub detail: String,
}

/// A period as a row of the table under the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub period: String,
    pub nps: String,
    pub interval: String,
    pub n: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Unique on the page.
    pub id: String,
    pub title: String,
    pub description: String,
    pub frame: Frame,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<XTick>,
    /// "NPS (points)", "eNPS (points)".
    pub y_title: String,
    /// "Month", "Week (starting Monday)", "Quarter".
    pub x_title: &'static str,
    pub lines: Vec<String>,
    pub bands: Vec<String>,
    pub periods: Vec<Period>,
    pub annotations: Vec<AnnotationMark>,
    pub rows: Vec<Row>,
}

impl LineChart {
    /// Nothing to draw: no period has a value.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn has_changes(&self) -> bool {
        self.periods
            .iter()
            .any(|p| matches!(p.class(), "line-rise" | "line-fall"))
    }

    pub fn has_withheld(&self) -> bool {
        self.periods.iter().any(|p| p.class() == "line-withheld")
    }

    /// The middle of the plot, for the axis titles.
    pub fn middle_x(&self) -> f64 {
        (self.frame.left + self.frame.right) / 2.0
    }

    pub fn middle_y(&self) -> f64 {
        (self.frame.top + self.frame.bottom) / 2.0
    }
}

/// The Y axis of one or more line charts read side by side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YRange {
    pub low: f64,
    pub high: f64,
    pub step: f64,
}

impl YRange {
    /// One fixed axis for every series given: their values and intervals, and 0 (as many
    /// promoters as detractors) always on it, in whole steps, at least 40 points tall and
    /// within −100 to +100, so that charts next to each other read on the same scale and
    /// a small move is not blown up to fill the plot.
    pub fn shared(series: &[&[MonthPoint]]) -> Self {
        let (low, high) = sparkline::domain(
            series
                .iter()
                .flat_map(|points| points.iter())
                .flat_map(|p| [p.value, p.ci_low, p.ci_high])
                .flatten()
                .chain([0.0]),
            NPS,
        );
        let step = round_step(high - low, 5);
        let (low, high) = widen(low, high, step);
        Self {
            low: low.max(-100.0),
            high: high.min(100.0),
            step,
        }
    }
}

/// Lays out a series' points (one per period, oldest first, gaps included; its `to` is
/// the day after the last period) with the `annotations` that fall inside them.
pub fn layout(
    id: &str,
    title: &str,
    measure: &str,
    series: &Series,
    annotations: &[Annotation],
    range: YRange,
) -> LineChart {
    let (bucket, points, to) = (series.bucket, series.points.as_slice(), series.to);
    let frame = Frame::new(WIDTH, HEIGHT, MARGINS);
    let YRange { low, high, step } = range;
    let y = Scale {
        low,
        high,
        start: frame.bottom,
        end: frame.top,
    };
    let column = (frame.right - frame.left) / points.len().max(1) as f64;
    let x = |i: usize| round(frame.left + (i as f64 + 0.5) * column);
    let y_at = |v: f64| round(y.at(v));
    let starts: Vec<Option<Date>> = points
        .iter()
        .map(|p| crate::domain::parse_date(&p.month))
        .collect();
    let name = |p: &MonthPoint| period_name(bucket, &p.month);
    let format = |v: f64| format!("{v:+.1}");
    let periods: Vec<Period> = markers(points, x, y_at, frame.bottom - 6.0)
        .into_iter()
        .zip(points)
        .enumerate()
        .map(|(i, (marker, point))| Period {
            left: round(frame.left + i as f64 * column),
            width: round(column),
            label: label(
                &name(point),
                point,
                marker.as_ref().map(|m| m.shape),
                &format,
            ),
            marker,
        })
        .collect();
    let (lines, bands) = lines_and_bands(points, x, y_at, 3.0);
    let every = (LABEL_ROOM / column).ceil().max(1.0) as usize;
    let mut last_year = None;
    let x_ticks = starts
        .iter()
        .enumerate()
        // The latest period is always labelled; the others every `every`.
        .filter(|(i, _)| (points.len() - 1 - i).is_multiple_of(every))
        .filter_map(|(i, start)| {
            let start = (*start)?;
            let year = (last_year != Some(start.year())).then(|| start.year().to_string());
            last_year = Some(start.year());
            Some(XTick {
                at: x(i),
                label: tick_label(bucket, start),
                year,
            })
        })
        .collect();
    // Each annotation stands where its day falls inside its period.
    let ends: Vec<Option<Date>> = starts.iter().skip(1).copied().chain([Some(to)]).collect();
    let annotations: Vec<AnnotationMark> = annotations
        .iter()
        .filter_map(|a| {
            let i = starts
                .iter()
                .zip(&ends)
                .position(|(s, e)| s.zip(*e).is_some_and(|(s, e)| s <= a.day && a.day < e))?;
            let (start, end) = (starts[i]?, ends[i]?);
            let fraction = (a.day - start).whole_days() as f64 / (end - start).whole_days() as f64;
            Some((round(frame.left + (i as f64 + fraction) * column), a))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .scan(LabelRows::default(), |rows, (at, a)| {
            let label = shorten(&a.label);
            let anchor_end = at > frame.right - 160.0;
            let row = rows.place(at, label.chars().count(), anchor_end);
            Some(AnnotationMark {
                x: at,
                label_y: frame.top - 8.0 - ANNOTATION_ROW * row as f64,
                anchor_end,
                label,
                detail: a.detail.clone(),
            })
        })
        .collect();
    let unit = bucket.unit();
    let mut description = format!(
        "{measure} per {unit}{}. {}",
        match (points.first(), points.last()) {
            (Some(first), Some(last)) => format!(", {} to {}", name(first), name(last)),
            _ => String::new(),
        },
        describe(points, None, &format, name, unit)
    );
    if !annotations.is_empty() {
        description += &format!(
            " {} marked start(s) of objectives or incentive plans.",
            annotations.len()
        );
    }
    LineChart {
        id: id.to_owned(),
        title: title.to_owned(),
        description,
        frame,
        y_ticks: y.ticks(step, |v| {
            if v.abs() < step / 2.0 {
                "0".to_owned()
            } else if v > 0.0 {
                format!("+{v:.0}")
            } else {
                format!("−{:.0}", v.abs())
            }
        }),
        x_ticks,
        y_title: format!("{measure} (points)"),
        x_title: match bucket {
            Bucket::Week => "Week (starting Monday)",
            Bucket::Month => "Month",
            Bucket::Quarter => "Quarter",
        },
        lines,
        bands,
        rows: points
            .iter()
            .zip(&periods)
            .map(|(point, period)| row(&name(point), point, period))
            .collect(),
        periods,
        annotations,
    }
}

/// A period in words: "2026-03", "2026 Q1", "week of 2026-03-09".
pub fn period_name(bucket: Bucket, start: &str) -> String {
    let Some(day) = crate::domain::parse_date(start) else {
        return start.to_owned();
    };
    match bucket {
        Bucket::Week => format!("week of {day}"),
        Bucket::Month => format!("{}-{:02}", day.year(), u8::from(day.month())),
        Bucket::Quarter => format!("{} Q{}", day.year(), quarter(day)),
    }
}

fn quarter(day: Date) -> u8 {
    (u8::from(day.month()) - 1) / 3 + 1
}

/// Under the axis (the year goes on a second line): "Mar", "Q1", "03-09".
fn tick_label(bucket: Bucket, start: Date) -> String {
    match bucket {
        Bucket::Week => format!("{:02}-{:02}", u8::from(start.month()), start.day()),
        Bucket::Month => start.month().to_string()[..3].to_owned(),
        Bucket::Quarter => format!("Q{}", quarter(start)),
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= ANNOTATION_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(ANNOTATION_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

fn row(name: &str, point: &MonthPoint, period: &Period) -> Row {
    let signed = |v: f64| format!("{v:+.1}");
    let dash = || "—".to_owned();
    Row {
        period: name.to_owned(),
        nps: point.value.map_or_else(dash, signed),
        interval: match (point.ci_low, point.ci_high) {
            (Some(low), Some(high)) => format!("{} to {}", signed(low), signed(high)),
            _ => dash(),
        },
        n: match point.n {
            Some(n) if !point.suppressed => crate::web::thousands(n),
            _ => dash(),
        },
        note: match period.class() {
            "line-rise" => "▲ significant rise".to_owned(),
            "line-fall" => "▼ significant fall".to_owned(),
            _ if point.suppressed => "hidden: too few answers to be anonymous".to_owned(),
            _ if point.value.is_none() && point.n.is_some_and(|n| n > 0) => {
                "not enough responses".to_owned()
            }
            _ if point.value.is_none() => "no responses".to_owned(),
            _ => String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::charts::sparkline::tests::coordinates;
    use time::macros::date;

    /// A month of 2025 (`i` from 0) with a ±10 interval and n = 100.
    fn surveyed(i: u8, value: f64, significant: bool) -> MonthPoint {
        MonthPoint {
            month: format!("2025-{:02}-01", i + 1),
            value: Some(value),
            n: Some(100),
            ci_low: Some(value - 10.0),
            ci_high: Some(value + 10.0),
            significant_change: significant,
            suppressed: false,
        }
    }

    fn empty(i: u8, n: u64, suppressed: bool) -> MonthPoint {
        MonthPoint {
            value: None,
            n: (!suppressed).then_some(n),
            ci_low: None,
            ci_high: None,
            significant_change: false,
            suppressed,
            ..surveyed(i, 0.0, false)
        }
    }

    fn chart(points: &[MonthPoint], annotations: &[Annotation]) -> LineChart {
        let to = date!(2025 - 01 - 01) + time::Duration::days(31 * points.len() as i64);
        let to = crate::services::metrics::first_of_month(to);
        let range = YRange::shared(&[points]);
        let series = Series {
            kind: "customer".into(),
            bucket: Bucket::Month,
            points: points.to_vec(),
            to,
        };
        layout("t", "NPS", "NPS", &series, annotations, range)
    }

    #[test]
    fn periods_stand_in_equal_columns_left_to_right() {
        let points: Vec<MonthPoint> = (0..4).map(|i| surveyed(i, 10.0, false)).collect();
        let c = chart(&points, &[]);
        let xs: Vec<f64> = c
            .periods
            .iter()
            .map(|p| p.marker.as_ref().unwrap().x)
            .collect();
        let column = (WIDTH - MARGINS.left - MARGINS.right) / 4.0;
        for (i, x) in xs.iter().enumerate() {
            assert!((x - (MARGINS.left + (i as f64 + 0.5) * column)).abs() < 0.1);
        }
        assert!(c.periods.iter().all(|p| (p.width - column).abs() < 0.1));
        assert_eq!(c.y_title, "NPS (points)");
    }

    #[test]
    fn the_axis_fits_the_data_in_round_ticks_within_plus_minus_100() {
        let c = chart(&[surveyed(0, 12.0, false), surveyed(1, 18.0, false)], &[]);
        let labels: Vec<&str> = c.y_ticks.iter().map(|t| t.label.as_str()).collect();
        // Data and intervals 2 to 28, at least 40 tall, plus margins: −10 to +40.
        assert_eq!(labels, ["−10", "0", "+10", "+20", "+30", "+40"]);
        let wide = chart(&[surveyed(0, -95.0, false), surveyed(1, 95.0, false)], &[]);
        let ends = (
            wide.y_ticks.first().unwrap().label.as_str(),
            wide.y_ticks.last().unwrap().label.as_str(),
        );
        assert_eq!(ends, ("−100", "+100"));
        // Higher values stand higher.
        let line = coordinates(&c.lines[0]);
        assert!(line[1].1 < line[0].1);
    }

    #[test]
    fn gaps_break_the_line_and_the_band_and_withheld_periods_say_why() {
        let points = [
            surveyed(0, 10.0, false),
            surveyed(1, 12.0, false),
            empty(2, 0, true),
            empty(3, 12, false),
            surveyed(4, 20.0, false),
            surveyed(5, 22.0, false),
            empty(6, 0, false),
        ];
        let c = chart(&points, &[]);
        assert_eq!(c.lines.len(), 2);
        assert_eq!(c.bands.len(), 2);
        // The band: upper edge left to right, then the lower back, around the line.
        let band = coordinates(&c.bands[0]);
        let line = coordinates(&c.lines[0]);
        assert_eq!(band.len(), 4);
        assert!(band[0].1 < line[0].1 && band[3].1 > line[0].1);
        let classes: Vec<&str> = c.periods.iter().map(Period::class).collect();
        assert_eq!(classes[2..4], ["line-withheld", "line-withheld"]);
        assert!(c.periods[6].marker.is_none());
        assert_eq!(
            c.periods[2].label,
            "2025-03: hidden, too few answers to be anonymous"
        );
        assert_eq!(c.rows[3].note, "not enough responses");
        assert_eq!(c.rows[6].note, "no responses");
        assert_eq!(c.rows[2].n, "—");
        assert!(c.has_withheld() && !c.has_changes());
    }

    #[test]
    fn significant_changes_are_triangles_with_the_exact_figures_on_hover() {
        let points = [
            surveyed(0, 0.0, false),
            surveyed(1, 30.0, true),
            surveyed(2, 28.0, false),
            surveyed(3, 5.0, true),
        ];
        let c = chart(&points, &[]);
        let classes: Vec<&str> = c.periods.iter().map(Period::class).collect();
        assert_eq!(classes, ["line-dot", "line-rise", "line-dot", "line-fall"]);
        let rise = c.periods[1].marker.as_ref().unwrap();
        let corners = coordinates(&c.periods[1].triangle().unwrap());
        assert!(corners[0].1 < rise.y && corners[1].1 > rise.y, "tip on top");
        assert!(c.periods[0].triangle().is_none());
        assert_eq!(
            c.periods[1].label,
            "2025-02: +30.0 (95 % interval +20.0 to +40.0), n = 100, a significant rise"
        );
        assert_eq!(c.rows[3].note, "▼ significant fall");
        assert_eq!(c.rows[1].interval, "+20.0 to +40.0");
        assert!(
            c.description
                .starts_with("NPS per month, 2025-01 to 2025-04. ")
        );
        assert!(c.description.contains("2 significant changes"));
    }

    #[test]
    fn annotations_stand_where_their_day_falls_and_outside_ones_are_dropped() {
        let points: Vec<MonthPoint> = (0..6).map(|i| surveyed(i, 10.0, false)).collect();
        let at = |day: Date| Annotation {
            day,
            label: "Objective: answer every invoice query within two days".into(),
            detail: "full".into(),
        };
        let c = chart(
            &points,
            &[
                at(date!(2024 - 12 - 01)),
                at(date!(2025 - 03 - 01)),
                at(date!(2025 - 06 - 16)),
                at(date!(2025 - 07 - 01)),
            ],
        );
        assert_eq!(c.annotations.len(), 2);
        // The first of March is the left edge of the third column.
        assert_eq!(c.annotations[0].x, c.periods[2].left);
        // Halfway through June is about the middle of the last column.
        let june = &c.periods[5];
        assert!((c.annotations[1].x - (june.left + june.width / 2.0)).abs() < june.width * 0.05);
        assert!(c.annotations[1].anchor_end);
        // Far enough apart to share the lowest row.
        assert_eq!(c.annotations[0].label_y, c.annotations[1].label_y);
        assert_eq!(c.annotations[0].label.chars().count(), ANNOTATION_CHARS);
        assert!(c.annotations[0].label.ends_with('…'));
        assert!(c.description.contains("2 marked start(s)"));
    }

    #[test]
    fn annotation_labels_take_the_lowest_row_they_do_not_overlap() {
        let points: Vec<MonthPoint> = (0..12).map(|i| surveyed(i, 10.0, false)).collect();
        let at = |day: Date| Annotation {
            day,
            label: "Answer every invoice query within two days".into(),
            detail: "full".into(),
        };
        let c = chart(
            &points,
            &[
                at(date!(2025 - 01 - 10)),
                at(date!(2025 - 02 - 10)),
                at(date!(2025 - 03 - 10)),
                at(date!(2025 - 06 - 10)),
            ],
        );
        let rows: Vec<f64> = c.annotations.iter().map(|a| a.label_y).collect();
        // Three neighbours (73 px apart, labels about 150 px wide) on three rows; one far
        // to the right back on the lowest, which every label stays above the plot from.
        assert_eq!(rows[0], rows[3]);
        assert!(rows[0] > rows[1] && rows[1] > rows[2]);
        assert!(rows.iter().all(|y| *y > 0.0 && *y < c.frame.top));
    }

    #[test]
    fn charts_side_by_side_share_one_axis_with_zero_on_it() {
        let customers: Vec<MonthPoint> = (0..6).map(|i| surveyed(i, 40.0, false)).collect();
        let employees: Vec<MonthPoint> = (0..6).map(|i| surveyed(i, 12.0, false)).collect();
        let range = YRange::shared(&[&customers, &employees]);
        assert!(range.low <= 0.0 && range.high >= 50.0, "{range:?}");
        assert!(range.high - range.low >= 40.0);
        assert_eq!(range.low % range.step, 0.0);
        // A flat series far below zero still shows zero; nothing beyond ±100.
        let low: Vec<MonthPoint> = (0..3).map(|i| surveyed(i, -95.0, false)).collect();
        let range = YRange::shared(&[&low]);
        assert_eq!(range.low, -100.0);
        assert!(range.high >= 0.0);
    }

    #[test]
    fn ticks_name_the_periods_with_the_year_where_it_begins() {
        let points: Vec<MonthPoint> = (0..3).map(|i| surveyed(i, 10.0, false)).collect();
        let c = chart(&points, &[]);
        let labels: Vec<(&str, Option<&str>)> = c
            .x_ticks
            .iter()
            .map(|t| (t.label.as_str(), t.year.as_deref()))
            .collect();
        assert_eq!(
            labels,
            [("Jan", Some("2025")), ("Feb", None), ("Mar", None)]
        );
        assert_eq!(period_name(Bucket::Quarter, "2026-04-01"), "2026 Q2");
        assert_eq!(
            period_name(Bucket::Week, "2026-03-09"),
            "week of 2026-03-09"
        );
        // Twenty-four months are labelled every other month, the latest always.
        let many: Vec<MonthPoint> = (0..24)
            .map(|i| MonthPoint {
                month: format!("{}-{:02}-01", 2024 + i / 12, i % 12 + 1),
                ..surveyed(0, 10.0, false)
            })
            .collect();
        let c = chart(&many, &[]);
        assert_eq!(c.x_ticks.len(), 12);
        assert_eq!(c.x_ticks.last().unwrap().label, "Dec");
    }

    #[test]
    fn without_a_value_there_is_nothing_to_draw() {
        let c = chart(&[empty(0, 0, false)], &[]);
        assert!(c.is_empty());
        assert!(c.description.contains("No month with a value to show yet."));
    }
}
