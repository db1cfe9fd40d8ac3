//! A horizontal bar chart: one labelled bar per item, longest first as given, from zero,
//! with the value written at the end of each bar (so it reads without hovering).

use super::axis::{Frame, Margins, Scale, Tick, round_step, widen};

const WIDTH: f64 = 520.0;
const ROW: f64 = 28.0;
const BAR: f64 = 18.0;
const MARGINS: Margins = Margins {
    left: 140.0,
    right: 84.0,
    top: 8.0,
    bottom: 26.0,
};

/// One item to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub label: String,
    pub value: f64,
    /// Written at the bar's end ("12,000.00").
    pub value_label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value_label: String,
    pub y: f64,
    /// The middle of the row, for the texts.
    pub baseline: f64,
    pub width: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    /// Unique on the page.
    pub id: String,
    pub title: String,
    pub description: String,
    pub frame: Frame,
    pub bar_height: f64,
    pub x_ticks: Vec<Tick>,
    pub bars: Vec<Bar>,
}

/// Lays out `items` on a scale from zero to a round step past the largest value;
/// `format` writes the tick labels, `unit` names what is measured in the description.
pub fn layout(
    id: &str,
    title: &str,
    unit: &str,
    items: &[Item],
    format: impl Fn(f64) -> String,
) -> Bars {
    let highest = items
        .iter()
        .map(|i| i.value)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let step = round_step(highest, 4);
    let (_, top) = widen(0.0, highest, step);
    let frame = Frame::new(
        WIDTH,
        MARGINS.top + items.len().max(1) as f64 * ROW + MARGINS.bottom,
        MARGINS,
    );
    let x = Scale {
        low: 0.0,
        high: top,
        start: frame.left,
        end: frame.right,
    };
    let bars = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let y = frame.top + i as f64 * ROW + (ROW - BAR) / 2.0;
            Bar {
                label: item.label.clone(),
                value_label: item.value_label.clone(),
                y,
                baseline: y + BAR / 2.0 + 4.0,
                width: x.at(item.value) - frame.left,
            }
        })
        .collect();
    let description = match (items.first(), items.last()) {
        (Some(first), Some(last)) => format!(
            "{title}: {} bar(s) of {unit}, from {} ({}) to {} ({}), on a scale from 0 to {}.",
            items.len(),
            first.label,
            first.value_label,
            last.label,
            last.value_label,
            format(top)
        ),
        _ => format!("{title}: nothing to show."),
    };
    Bars {
        id: id.to_owned(),
        title: title.to_owned(),
        description,
        frame,
        bar_height: BAR,
        x_ticks: x.ticks(step, format),
        bars,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(label: &str, value: f64) -> Item {
        Item {
            label: label.into(),
            value,
            value_label: format!("{value}"),
        }
    }

    #[test]
    fn bars_are_as_long_as_their_value_on_a_round_scale() {
        let chart = layout(
            "cost",
            "Cost",
            "cost",
            &[item("Finance", 800.0), item("IT", 200.0)],
            |v| format!("{v}"),
        );
        let plot = chart.frame.right - chart.frame.left;
        // The scale ends at the largest value when it is a whole step.
        assert_eq!(chart.bars[0].width, plot);
        assert_eq!(chart.bars[1].width, plot * 0.25);
        assert!(chart.bars[1].y > chart.bars[0].y);
        let ticks: Vec<&str> = chart.x_ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(ticks, ["0", "200", "400", "600", "800"]);
        assert!(chart.description.contains("from Finance (800) to IT (200)"));
    }
}
