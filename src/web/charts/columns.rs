//! A small column chart of one value per period (e.g. a theme's share of detractor
//! comments, month by month), starting from zero, with a tooltip per column. A period
//! without a value gets no column, not a zero one.

use super::axis::{Frame, Margins, Scale, Tick, round_step, widen};

const COLUMN_WIDTH: f64 = 24.0;
const GAP: f64 = 10.0;
const HEIGHT: f64 = 170.0;
const MARGINS: Margins = Margins {
    left: 48.0,
    right: 8.0,
    top: 12.0,
    bottom: 26.0,
};

/// One period to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Under the column, short ("Mar").
    pub label: String,
    pub value: Option<f64>,
    pub tooltip: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub x: f64,
    /// The centre, for the label underneath.
    pub middle: f64,
    /// None for a period without a value.
    pub top: Option<f64>,
    pub label: String,
    pub tooltip: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    /// Unique on the page.
    pub id: String,
    pub title: String,
    /// As wide as the columns need.
    pub frame: Frame,
    pub column_width: f64,
    pub y_ticks: Vec<Tick>,
    pub columns: Vec<Column>,
    pub description: String,
}

/// Lays out `bars` on an axis from 0 to at least `at_least` (so charts drawn side by
/// side can share a scale, and a small value does not fill the chart); `format` writes
/// the tick labels.
pub fn layout(
    id: &str,
    title: &str,
    bars: &[Bar],
    at_least: f64,
    format: impl Fn(f64) -> String,
) -> Columns {
    let highest = bars
        .iter()
        .filter_map(|b| b.value)
        .fold(at_least, f64::max)
        .max(f64::MIN_POSITIVE);
    let step = round_step(highest, 4);
    let (_, top) = widen(0.0, highest, step);
    let frame = Frame::new(
        MARGINS.left + bars.len() as f64 * (COLUMN_WIDTH + GAP) + MARGINS.right,
        HEIGHT,
        MARGINS,
    );
    let y = Scale {
        low: 0.0,
        high: top,
        start: frame.bottom,
        end: frame.top,
    };
    let columns = bars
        .iter()
        .enumerate()
        .map(|(i, bar)| {
            let x = frame.left + GAP / 2.0 + i as f64 * (COLUMN_WIDTH + GAP);
            Column {
                x,
                middle: x + COLUMN_WIDTH / 2.0,
                top: bar.value.map(|v| y.at(v)),
                label: bar.label.clone(),
                tooltip: bar.tooltip.clone(),
            }
        })
        .collect();
    let description = match bars.iter().filter(|b| b.value.is_some()).count() {
        0 => format!("{title}: no values yet."),
        shown => format!(
            "{title}: {shown} column(s) of {}, from {} to {}, on a scale from 0 to {}.",
            bars.len(),
            bars.first().map_or("", |b| b.label.as_str()),
            bars.last().map_or("", |b| b.label.as_str()),
            format(top)
        ),
    };
    Columns {
        id: id.to_owned(),
        title: title.to_owned(),
        frame,
        column_width: COLUMN_WIDTH,
        y_ticks: y.ticks(step, format),
        columns,
        description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: Option<f64>) -> Bar {
        Bar {
            label: label.to_owned(),
            value,
            tooltip: format!("{label}: {value:?}"),
        }
    }

    fn pct(v: f64) -> String {
        format!("{v:.0} %")
    }

    #[test]
    fn columns_rise_with_their_values_from_a_shared_zero() {
        let chart = layout(
            "c",
            "Contracts",
            &[
                bar("Jan", Some(10.0)),
                bar("Feb", Some(20.0)),
                bar("Mar", None),
            ],
            5.0,
            pct,
        );
        let tops: Vec<Option<f64>> = chart.columns.iter().map(|c| c.top).collect();
        let (jan, feb) = (tops[0].unwrap(), tops[1].unwrap());
        // Twice the value, twice the height above the baseline.
        let height = |top: f64| chart.frame.bottom - top;
        assert!((height(feb) - 2.0 * height(jan)).abs() < 1e-9);
        assert_eq!(tops[2], None, "no value, no column");
        assert!(chart.columns[0].x < chart.columns[1].x);
        assert!(chart.columns[2].middle + COLUMN_WIDTH / 2.0 < chart.frame.right);
        let labels: Vec<&str> = chart.y_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0 %", "5 %", "10 %", "15 %", "20 %"]);
        assert!(
            chart
                .description
                .contains("2 column(s) of 3, from Jan to Mar")
        );
    }

    #[test]
    fn a_small_value_does_not_fill_a_chart_with_a_floor() {
        let chart = layout("c", "Login", &[bar("Jan", Some(1.0))], 10.0, pct);
        let top = chart.columns[0].top.unwrap();
        assert!(chart.frame.bottom - top < (chart.frame.bottom - chart.frame.top) / 5.0);
        assert_eq!(
            layout("c", "Login", &[bar("Jan", None)], 10.0, pct).description,
            "Login: no values yet."
        );
    }
}
