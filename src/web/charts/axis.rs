//! What the charts' axes share: the frame the plot stands in, a linear scale from values
//! to pixels, round steps, and ticks with labels.

/// A chart's picture size and the edges of its plot inside it (pixels); the margins
/// around the plot hold ticks and titles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Frame {
    /// A `width` × `height` picture with these margins around the plot.
    pub const fn new(width: f64, height: f64, margins: Margins) -> Self {
        Self {
            width,
            height,
            left: margins.left,
            right: width - margins.right,
            top: margins.top,
            bottom: height - margins.bottom,
        }
    }
}

/// Room around a plot, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margins {
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

/// A tick on an axis: where it stands (in pixels) and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

/// Maps values in [low, high] onto pixels from `start` to `end` (`end` may be less than
/// `start`: SVG's y grows downwards); values outside are held at the edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub low: f64,
    pub high: f64,
    pub start: f64,
    pub end: f64,
}

impl Scale {
    pub fn at(&self, value: f64) -> f64 {
        let span = self.high - self.low;
        let fraction = if span > 0.0 {
            (value.clamp(self.low, self.high) - self.low) / span
        } else {
            0.5
        };
        self.start + fraction * (self.end - self.start)
    }

    /// A tick every `step` from `low` to `high`.
    pub fn ticks(&self, step: f64, label: impl Fn(f64) -> String) -> Vec<Tick> {
        let count = ((self.high - self.low) / step).round().max(0.0) as usize;
        (0..=count)
            .map(|i| {
                let value = self.low + step * i as f64;
                Tick {
                    at: self.at(value),
                    label: label(value),
                }
            })
            .collect()
    }
}

/// A round step (1, 2 or 5 × 10ⁿ) that cuts `span` into at most `most` parts.
pub fn round_step(span: f64, most: usize) -> f64 {
    let rough = span.abs().max(f64::MIN_POSITIVE) / most.max(1) as f64;
    let power = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= rough)
        .unwrap_or(10.0 * power)
}

/// [low, high] widened outwards to whole steps.
pub fn widen(low: f64, high: f64, step: f64) -> (f64, f64) {
    ((low / step).floor() * step, (high / step).ceil() * step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round_and_cut_the_span_into_few_parts() {
        assert_eq!(round_step(100.0, 5), 20.0);
        assert_eq!(round_step(37.0, 4), 10.0);
        assert_eq!(round_step(7.0, 4), 2.0);
        assert_eq!(widen(-17.0, 42.0, 10.0), (-20.0, 50.0));
    }

    #[test]
    fn a_scale_maps_its_ends_and_holds_values_outside_at_the_edge() {
        let y = Scale {
            low: 0.0,
            high: 50.0,
            start: 200.0,
            end: 0.0,
        };
        assert_eq!(y.at(0.0), 200.0);
        assert_eq!(y.at(25.0), 100.0);
        assert_eq!(y.at(80.0), 0.0);
        let labels: Vec<String> = y
            .ticks(25.0, |v| format!("{v}"))
            .into_iter()
            .map(|t| t.label)
            .collect();
        assert_eq!(labels, ["0", "25", "50"]);
    }
}
