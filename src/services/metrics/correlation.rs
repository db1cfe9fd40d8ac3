//! How closely two measures go together across groups (Pearson's r), e.g. each
//! department's eNPS and its customers' NPS, and the straight line that fits them best.
//! Pure functions; a correlation is read in words, and never as a cause.

/// The pairs' means and sums of squared deviations, from which r and the line follow.
struct Moments {
    mean_x: f64,
    mean_y: f64,
    sxx: f64,
    syy: f64,
    sxy: f64,
}

/// None for fewer than three pairs (any two points lie on a line, so r would be ±1 by
/// construction), for a value that is not a number, or when either measure does not vary.
fn moments(points: &[(f64, f64)]) -> Option<Moments> {
    if points.len() < 3 || points.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
        return None;
    }
    let n = points.len() as f64;
    let mean_x = points.iter().map(|(x, _)| x).sum::<f64>() / n;
    let mean_y = points.iter().map(|(_, y)| y).sum::<f64>() / n;
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    let (mut squares_x, mut squares_y) = (0.0, 0.0);
    for (x, y) in points {
        let (dx, dy) = (x - mean_x, y - mean_y);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
        squares_x += x * x;
        squares_y += y * y;
    }
    // Equal values leave rounding dust in the deviations, not exact zeros: a measure
    // whose spread is that small against its size does not vary.
    let flat = |spread: f64, squares: f64| spread <= 1e-12 * squares;
    if flat(sxx, squares_x) || flat(syy, squares_y) {
        return None;
    }
    Some(Moments {
        mean_x,
        mean_y,
        sxx,
        syy,
        sxy,
    })
}

/// Pearson's r of (x, y) pairs, in [−1, 1]; None as `moments` explains.
pub fn pearson(points: &[(f64, f64)]) -> Option<f64> {
    let m = moments(points)?;
    Some((m.sxy / (m.sxx * m.syy).sqrt()).clamp(-1.0, 1.0))
}

/// A straight line y = slope × x + intercept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub slope: f64,
    pub intercept: f64,
}

impl Line {
    pub fn at(&self, x: f64) -> f64 {
        self.slope * x + self.intercept
    }
}

/// The least-squares line through the pairs (y on x); None whenever `pearson` is.
pub fn fit_line(points: &[(f64, f64)]) -> Option<Line> {
    let m = moments(points)?;
    let slope = m.sxy / m.sxx;
    Some(Line {
        slope,
        intercept: m.mean_y - slope * m.mean_x,
    })
}

/// How strong a correlation is, in Cohen's (1988) conventional words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// |r| < 0.1
    NoReal,
    /// |r| < 0.3
    Weak,
    /// |r| < 0.5
    Moderate,
    Strong,
}

impl Strength {
    pub fn of(r: f64) -> Self {
        match r.abs() {
            a if a < 0.1 => Self::NoReal,
            a if a < 0.3 => Self::Weak,
            a if a < 0.5 => Self::Moderate,
            _ => Self::Strong,
        }
    }

    /// For "… link": "a strong", "no real".
    pub fn label(self) -> &'static str {
        match self {
            Self::NoReal => "no real",
            Self::Weak => "a weak",
            Self::Moderate => "a moderate",
            Self::Strong => "a strong",
        }
    }
}

/// A correlation ready to show: r, over how many pairs, its reading and its line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Correlation {
    pub r: f64,
    pub n: usize,
    pub strength: Strength,
    pub line: Line,
}

impl Correlation {
    pub fn of(points: &[(f64, f64)]) -> Option<Self> {
        let r = pearson(points)?;
        Some(Self {
            r,
            n: points.len(),
            strength: Strength::of(r),
            line: fit_line(points)?,
        })
    }

    pub fn is_positive(&self) -> bool {
        self.r > 0.0
    }

    /// Is r different from zero beyond chance (two-sided, 95 %)? With few departments
    /// even a large r can be luck: t = r·√(n−2)/√(1−r²) against Student's t.
    pub fn is_significant(&self) -> bool {
        if self.n < 3 {
            return false;
        }
        if self.r.abs() >= 1.0 {
            return true;
        }
        let df = self.n - 2;
        let t = self.r.abs() * (df as f64).sqrt() / (1.0 - self.r * self.r).sqrt();
        t > t_critical_95(df)
    }
}

/// Two-sided 95 % critical values of Student's t for 1 to 30 degrees of freedom; beyond,
/// the normal 1.96 is close enough.
fn t_critical_95(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    TABLE.get(df.wrapping_sub(1)).copied().unwrap_or(1.96)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_textbook_example_gives_its_textbook_r_and_line() {
        let points = [(1.0, 2.0), (2.0, 4.0), (3.0, 5.0), (4.0, 4.0), (5.0, 5.0)];
        // Sxy = 6, Sxx = 10, Syy = 6: r = 6 / √60; slope 0.6 through the means (3, 4).
        let r = pearson(&points).unwrap();
        assert!((r - 6.0 / 60f64.sqrt()).abs() < 1e-12, "{r}");
        let line = fit_line(&points).unwrap();
        assert!((line.slope - 0.6).abs() < 1e-12 && (line.intercept - 2.2).abs() < 1e-12);
        let reading = Correlation::of(&points).unwrap();
        assert_eq!((reading.n, reading.strength), (5, Strength::Strong));
        assert!(reading.is_positive());
    }

    #[test]
    fn two_points_or_a_measure_that_does_not_vary_have_no_correlation() {
        assert_eq!(pearson(&[(1.0, 2.0), (3.0, 5.0)]), None);
        assert_eq!(pearson(&[(0.1, 2.0), (0.1, 5.0), (0.1, 7.0)]), None);
        assert_eq!(pearson(&[(1.0, 4.0), (2.0, 4.0), (3.0, 4.0)]), None);
        assert_eq!(pearson(&[(1.0, 4.0), (2.0, f64::NAN), (3.0, 5.0)]), None);
        assert_eq!(Correlation::of(&[]), None);
    }

    #[test]
    fn strength_follows_cohens_conventions_either_way() {
        assert_eq!(Strength::of(0.05), Strength::NoReal);
        assert_eq!(Strength::of(-0.2), Strength::Weak);
        assert_eq!(Strength::of(0.3), Strength::Moderate);
        assert_eq!(Strength::of(-0.5), Strength::Strong);
    }

    fn any_points() -> impl Strategy<Value = Vec<(f64, f64)>> {
        prop::collection::vec((-100.0f64..100.0, -100.0f64..100.0), 0..20)
    }

    proptest! {
        #[test]
        fn r_lies_in_minus_1_to_1_and_is_symmetric(points in any_points()) {
            let swapped: Vec<(f64, f64)> = points.iter().map(|(x, y)| (*y, *x)).collect();
            match (pearson(&points), pearson(&swapped)) {
                (Some(r), Some(s)) => {
                    prop_assert!((-1.0..=1.0).contains(&r));
                    prop_assert!((r - s).abs() < 1e-9);
                }
                (None, None) => prop_assert!(points.len() < 3 || points.iter().all(|p| p.0 == points[0].0) || points.iter().all(|p| p.1 == points[0].1)),
                _ => prop_assert!(false, "r defined one way only"),
            }
        }

        #[test]
        fn rescaling_a_measure_keeps_r_and_flipping_it_flips_r(points in any_points(),
                scale in 0.1f64..10.0, shift in -50.0f64..50.0) {
            let rescaled: Vec<(f64, f64)> = points.iter().map(|(x, y)| (scale * x + shift, *y)).collect();
            let flipped: Vec<(f64, f64)> = points.iter().map(|(x, y)| (-x, *y)).collect();
            if let (Some(r), Some(s), Some(f)) = (pearson(&points), pearson(&rescaled), pearson(&flipped)) {
                prop_assert!((r - s).abs() < 1e-6);
                prop_assert!((r + f).abs() < 1e-9);
            }
        }

        #[test]
        fn points_on_a_sloped_line_correlate_perfectly_and_fit_it(xs in prop::collection::vec(-100.0f64..100.0, 3..20),
                slope in prop_oneof![-5.0f64..-0.1, 0.1f64..5.0], intercept in -50.0f64..50.0) {
            let points: Vec<(f64, f64)> = xs.iter().map(|x| (*x, slope * x + intercept)).collect();
            if let Some(r) = pearson(&points) {
                prop_assert!((r.abs() - 1.0).abs() < 1e-6);
                prop_assert_eq!(r > 0.0, slope > 0.0);
                let line = fit_line(&points).unwrap();
                prop_assert!((line.slope - slope).abs() < 1e-6);
                prop_assert!((line.at(0.0) - intercept).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn a_strong_r_over_few_departments_can_still_be_chance() {
        let line = Line {
            slope: 1.0,
            intercept: 0.0,
        };
        let correlation = |r: f64, n: usize| Correlation {
            r,
            n,
            strength: Strength::of(r),
            line,
        };
        // Critical r at 95 %: 0.997 for 3 points, 0.811 for 6, 0.632 for 10.
        assert!(!correlation(0.9, 3).is_significant());
        assert!(correlation(0.999, 3).is_significant());
        assert!(!correlation(0.8, 6).is_significant());
        assert!(correlation(0.82, 6).is_significant());
        assert!(correlation(-0.64, 10).is_significant());
        assert!(!correlation(0.62, 10).is_significant());
        assert!(!correlation(0.2, 50).is_significant());
        assert!(correlation(0.3, 50).is_significant());
    }
}
