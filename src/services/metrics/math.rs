//! The metric definitions of PRODUCT.md as pure functions over counts: NPS, its standard
//! error, the adjusted-Wald interval (Rocks 2016), significance of a change, objective
//! progress and status, and incentive payouts. No IO; unit- and property-tested.

/// 95 % two-sided normal quantile.
const Z95: f64 = 1.96;

/// Promoters (9–10), passives (7–8) and detractors (0–6) of a group of responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
}

/// A 95 % interval on the NPS scale, clipped to [−100, 100].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

impl Counts {
    pub fn n(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    /// 100 × (promoters − detractors) / n; None without responses.
    pub fn nps(&self) -> Option<f64> {
        let n = self.n();
        (n > 0).then(|| 100.0 * (self.promoters as f64 - self.detractors as f64) / n as f64)
    }

    /// Standard error of the NPS: each response is +1/0/−1 with variance
    /// v = p + d − (p − d)², so SE = 100 × sqrt(v / n).
    pub fn standard_error(&self) -> Option<f64> {
        let n = self.n();
        (n > 0).then(|| {
            let (p, d) = (
                self.promoters as f64 / n as f64,
                self.detractors as f64 / n as f64,
            );
            100.0 * (variance(p, d) / n as f64).sqrt()
        })
    }

    /// The adjusted-Wald 95 % interval: add 0.75 promoters, 0.75 detractors and 1.5
    /// passives (n + 3), recompute p, d, v, and take (p − d) ± 1.96 sqrt(v / (n + 3)).
    /// Defined even for n = 0 (then it is wide), which is the point of the adjustment.
    pub fn interval(&self) -> Interval {
        let n = self.n() as f64 + 3.0;
        let p = (self.promoters as f64 + 0.75) / n;
        let d = (self.detractors as f64 + 0.75) / n;
        let half_width = Z95 * (variance(p, d) / n).sqrt();
        let centre = p - d;
        Interval {
            low: (100.0 * (centre - half_width)).max(-100.0),
            high: (100.0 * (centre + half_width)).min(100.0),
        }
    }

    /// Theme opportunity: the NPS points gained if `tagged_detractors` became passives.
    pub fn opportunity(&self, tagged_detractors: u64) -> Option<f64> {
        let n = self.n();
        (n > 0).then(|| 100.0 * tagged_detractors.min(self.detractors) as f64 / n as f64)
    }
}

impl std::ops::Add for Counts {
    type Output = Counts;
    fn add(self, other: Counts) -> Counts {
        Counts {
            promoters: self.promoters + other.promoters,
            passives: self.passives + other.passives,
            detractors: self.detractors + other.detractors,
        }
    }
}

impl std::iter::Sum for Counts {
    fn sum<I: Iterator<Item = Counts>>(iter: I) -> Counts {
        iter.fold(Counts::default(), |a, b| a + b)
    }
}

/// Variance of one ±1/0 response; never negative (rounding can make it −0.0…).
fn variance(p: f64, d: f64) -> f64 {
    (p + d - (p - d).powi(2)).max(0.0)
}

/// Is the change between two groups (or periods) real at 95 %?
/// |NPS₁ − NPS₂| > 1.96 × sqrt(SE₁² + SE₂²), with unadjusted standard errors.
pub fn change_is_significant(before: &Counts, after: &Counts) -> bool {
    match (
        before.nps(),
        after.nps(),
        before.standard_error(),
        after.standard_error(),
    ) {
        (Some(a), Some(b), Some(se_a), Some(se_b)) => {
            (a - b).abs() > Z95 * (se_a.powi(2) + se_b.powi(2)).sqrt()
        }
        _ => false,
    }
}

/// A part of a whole: e.g. the detractor comments tagged with a theme, of all detractor
/// comments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Share {
    pub part: u64,
    pub whole: u64,
}

impl Share {
    /// 100 × part / whole; None of nothing.
    pub fn pct(&self) -> Option<f64> {
        (self.whole > 0).then(|| 100.0 * self.part.min(self.whole) as f64 / self.whole as f64)
    }

    /// Standard error of the share in percentage points: 100 × sqrt(p (1 − p) / n).
    fn standard_error(&self) -> Option<f64> {
        let p = self.pct()? / 100.0;
        Some(100.0 * (p * (1.0 - p) / self.whole as f64).sqrt())
    }
}

impl std::ops::Add for Share {
    type Output = Share;
    fn add(self, other: Share) -> Share {
        Share {
            part: self.part + other.part,
            whole: self.whole + other.whole,
        }
    }
}

impl std::iter::Sum for Share {
    fn sum<I: Iterator<Item = Share>>(iter: I) -> Share {
        iter.fold(Share::default(), |a, b| a + b)
    }
}

/// Is the move between two shares real at 95 %? The same rule as for NPS, with the
/// unadjusted standard errors of two proportions.
pub fn share_change_is_significant(before: Share, after: Share) -> bool {
    match (
        before.pct(),
        after.pct(),
        before.standard_error(),
        after.standard_error(),
    ) {
        (Some(a), Some(b), Some(se_a), Some(se_b)) => {
            (a - b).abs() > Z95 * (se_a.powi(2) + se_b.powi(2)).sqrt()
        }
        _ => false,
    }
}

/// Where an objective stands between baseline and target, and how much of its period
/// has gone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// (value − baseline) / (target − baseline): 0 at the baseline, 1 at the target; works
    /// for lower-is-better targets too, since the signs flip together.
    pub fraction: f64,
    /// Fraction of the objective's period gone, in [0, 1].
    pub elapsed: f64,
}

impl Progress {
    pub fn new(value: f64, baseline: f64, target: f64, elapsed: f64) -> Option<Self> {
        let span = target - baseline;
        (span != 0.0 && value.is_finite()).then(|| Self {
            fraction: (value - baseline) / span,
            elapsed: elapsed.clamp(0.0, 1.0),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectiveStatus {
    Achieved,
    OnTrack,
    AtRisk,
    OffTrack,
    NotEnoughData,
}

impl ObjectiveStatus {
    /// The CSS/status key, e.g. `on-track`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Achieved => "achieved",
            Self::OnTrack => "on-track",
            Self::AtRisk => "at-risk",
            Self::OffTrack => "off-track",
            Self::NotEnoughData => "not-enough-data",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Achieved => "Achieved",
            Self::OnTrack => "On track",
            Self::AtRisk => "At risk",
            Self::OffTrack => "Off track",
            Self::NotEnoughData => "Not enough data",
        }
    }
}

/// Achieved at progress ≥ 1; on track at ≥ elapsed; at risk within 0.15 of elapsed;
/// otherwise off track. `None` progress (a survey metric below the minimum sample, or
/// no value yet) is "not enough data".
pub fn objective_status(progress: Option<Progress>) -> ObjectiveStatus {
    let Some(progress) = progress else {
        return ObjectiveStatus::NotEnoughData;
    };
    if progress.fraction >= 1.0 {
        ObjectiveStatus::Achieved
    } else if progress.fraction >= progress.elapsed {
        ObjectiveStatus::OnTrack
    } else if progress.fraction >= progress.elapsed - 0.15 {
        ObjectiveStatus::AtRisk
    } else {
        ObjectiveStatus::OffTrack
    }
}

/// Which way is better for a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

/// An incentive link's payout curve: threshold → target → stretch (monotone, either way).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkCurve {
    pub threshold: f64,
    pub target: f64,
    pub stretch: f64,
    /// Payout % at the threshold (e.g. 50); 100 % at target.
    pub threshold_payout_pct: f64,
    /// Payout % at (and beyond) the stretch value (e.g. 150).
    pub stretch_payout_pct: f64,
}

impl LinkCurve {
    pub fn direction(&self) -> Direction {
        if self.target >= self.threshold {
            Direction::HigherIsBetter
        } else {
            Direction::LowerIsBetter
        }
    }
}

/// Payout % of one link at `value`: 0 below the threshold, linear from the threshold's
/// payout % to 100 % at target, linear on to the stretch payout % at stretch, capped.
pub fn link_payout_pct(curve: &LinkCurve, value: f64) -> f64 {
    // Measure position along the curve so that "better" is always "greater".
    let sign = match curve.direction() {
        Direction::HigherIsBetter => 1.0,
        Direction::LowerIsBetter => -1.0,
    };
    let (x, threshold, target, stretch) = (
        sign * value,
        sign * curve.threshold,
        sign * curve.target,
        sign * curve.stretch,
    );
    if !x.is_finite() || x < threshold {
        0.0
    } else if x < target {
        curve.threshold_payout_pct
            + (100.0 - curve.threshold_payout_pct) * (x - threshold) / (target - threshold)
    } else if x < stretch {
        100.0 + (curve.stretch_payout_pct - 100.0) * (x - target) / (stretch - target)
    } else {
        curve.stretch_payout_pct
    }
}

/// The value a confidence-gated link is paid on: the end of the interval that is worse
/// for the objective, so nobody is paid for noise.
pub fn gated_value(curve: &LinkCurve, interval: &Interval) -> f64 {
    match curve.direction() {
        Direction::HigherIsBetter => interval.low,
        Direction::LowerIsBetter => interval.high,
    }
}

/// A plan's payout %: the weighted sum of its links' payouts (weights in % summing to 100).
pub fn plan_payout_pct(links: &[(f64, f64)]) -> f64 {
    links
        .iter()
        .map(|(weight_pct, payout_pct)| weight_pct * payout_pct / 100.0)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn counts(promoters: u64, passives: u64, detractors: u64) -> Counts {
        Counts {
            promoters,
            passives,
            detractors,
        }
    }

    #[test]
    fn the_worked_example_of_product_md() {
        let c = counts(90, 60, 50);
        assert_eq!(c.nps(), Some(20.0));
        let interval = c.interval();
        assert!((interval.low - 8.5).abs() < 0.05, "{interval:?}");
        assert!((interval.high - 30.9).abs() < 0.05, "{interval:?}");
    }

    #[test]
    fn standard_error_follows_the_trinomial_variance() {
        // p = 0.45, d = 0.25: v = 0.70 − 0.04 = 0.66; SE = 100 × sqrt(0.66 / 200).
        let se = counts(90, 60, 50).standard_error().unwrap();
        assert!((se - 100.0 * (0.66_f64 / 200.0).sqrt()).abs() < 1e-9);
        assert_eq!(Counts::default().nps(), None);
        assert_eq!(Counts::default().standard_error(), None);
    }

    #[test]
    fn a_small_move_is_noise_and_a_big_one_is_real() {
        let before = counts(90, 60, 50);
        assert!(!change_is_significant(&before, &counts(95, 58, 47)));
        assert!(change_is_significant(&before, &counts(130, 50, 20)));
    }

    #[test]
    fn status_compares_progress_with_time_gone() {
        let status = |value, elapsed| objective_status(Progress::new(value, 0.0, 30.0, elapsed));
        assert_eq!(status(30.0, 0.5), ObjectiveStatus::Achieved);
        assert_eq!(status(15.0, 0.5), ObjectiveStatus::OnTrack);
        assert_eq!(status(12.0, 0.5), ObjectiveStatus::AtRisk);
        assert_eq!(status(9.0, 0.5), ObjectiveStatus::OffTrack);
        assert_eq!(objective_status(None), ObjectiveStatus::NotEnoughData);
    }

    #[test]
    fn progress_works_for_lower_is_better_targets() {
        // Contact cost: baseline 3,266 → target 2,600; at 2,933 we are half way.
        let progress = Progress::new(2933.0, 3266.0, 2600.0, 0.5).unwrap();
        assert!((progress.fraction - 0.5).abs() < 1e-9);
        assert_eq!(objective_status(Some(progress)), ObjectiveStatus::OnTrack);
    }

    #[test]
    fn payout_curve_points() {
        let curve = LinkCurve {
            threshold: 10.0,
            target: 30.0,
            stretch: 40.0,
            threshold_payout_pct: 50.0,
            stretch_payout_pct: 150.0,
        };
        assert_eq!(link_payout_pct(&curve, 9.9), 0.0);
        assert_eq!(link_payout_pct(&curve, 10.0), 50.0);
        assert_eq!(link_payout_pct(&curve, 20.0), 75.0);
        assert_eq!(link_payout_pct(&curve, 30.0), 100.0);
        assert_eq!(link_payout_pct(&curve, 35.0), 125.0);
        assert_eq!(link_payout_pct(&curve, 99.0), 150.0);
        let lower = LinkCurve {
            threshold: 4000.0,
            target: 3000.0,
            stretch: 2500.0,
            threshold_payout_pct: 50.0,
            stretch_payout_pct: 150.0,
        };
        assert_eq!(link_payout_pct(&lower, 4100.0), 0.0);
        assert_eq!(link_payout_pct(&lower, 3500.0), 75.0);
        assert_eq!(link_payout_pct(&lower, 2000.0), 150.0);
        assert_eq!(plan_payout_pct(&[(60.0, 100.0), (40.0, 50.0)]), 80.0);
    }

    #[test]
    fn a_gated_link_is_paid_on_the_pessimistic_end_of_the_interval() {
        let interval = Interval {
            low: 12.0,
            high: 28.0,
        };
        let up = LinkCurve {
            threshold: 10.0,
            target: 30.0,
            stretch: 40.0,
            threshold_payout_pct: 50.0,
            stretch_payout_pct: 150.0,
        };
        assert_eq!(gated_value(&up, &interval), 12.0);
        let down = LinkCurve {
            threshold: 30.0,
            target: 20.0,
            stretch: 10.0,
            threshold_payout_pct: 50.0,
            stretch_payout_pct: 150.0,
        };
        assert_eq!(gated_value(&down, &interval), 28.0);
    }

    #[test]
    fn a_share_moves_only_beyond_the_noise() {
        let share = |part, whole| Share { part, whole };
        // 10 % of 400 against 15 % of 400: SEs 1.5 and 1.785, 1.96 × 2.33 = 4.57 < 5.
        assert!(share_change_is_significant(share(40, 400), share(60, 400)));
        // The same move on 100 comments each is within the noise (1.96 × 4.66 = 9.1 > 5).
        assert!(!share_change_is_significant(share(10, 100), share(15, 100)));
        assert!(!share_change_is_significant(share(0, 0), share(5, 10)));
        assert_eq!(share(1, 8).pct(), Some(12.5));
        assert_eq!(Share::default().pct(), None);
    }

    fn any_share() -> impl Strategy<Value = Share> {
        (0u64..5000, 0u64..5000).prop_map(|(a, b)| Share {
            part: a.min(b),
            whole: a.max(b),
        })
    }

    fn any_counts() -> impl Strategy<Value = Counts> {
        (0u64..5000, 0u64..5000, 0u64..5000).prop_map(|(p, n, d)| counts(p, n, d))
    }

    proptest! {
        #[test]
        fn nps_lies_in_minus_100_to_100(c in any_counts()) {
            if let Some(nps) = c.nps() {
                prop_assert!((-100.0..=100.0).contains(&nps));
            }
        }

        #[test]
        fn the_interval_is_ordered_clipped_and_holds_the_adjusted_estimate(c in any_counts()) {
            let interval = c.interval();
            prop_assert!(interval.low <= interval.high);
            prop_assert!(interval.low >= -100.0 && interval.high <= 100.0);
            let n = c.n() as f64 + 3.0;
            let adjusted = 100.0 * ((c.promoters as f64 + 0.75) - (c.detractors as f64 + 0.75)) / n;
            prop_assert!(interval.contains(adjusted));
        }

        #[test]
        fn more_of_the_same_narrows_the_interval(c in any_counts()) {
            let doubled = c + c;
            let width = |i: Interval| i.high - i.low;
            prop_assert!(width(doubled.interval()) <= width(c.interval()) + 1e-9);
        }

        #[test]
        fn a_group_compared_with_itself_never_changes_significantly(c in any_counts()) {
            prop_assert!(!change_is_significant(&c, &c));
        }

        #[test]
        fn a_share_lies_in_0_to_100_and_never_moves_against_itself(s in any_share()) {
            if let Some(pct) = s.pct() {
                prop_assert!((0.0..=100.0).contains(&pct));
            }
            prop_assert!(!share_change_is_significant(s, s));
        }

        #[test]
        fn payout_never_falls_as_the_metric_improves(a in -100.0f64..100.0, b in -100.0f64..100.0,
                threshold_pct in 0.0f64..100.0, stretch_pct in 100.0f64..300.0) {
            let curve = LinkCurve { threshold: -20.0, target: 10.0, stretch: 40.0, threshold_payout_pct: threshold_pct, stretch_payout_pct: stretch_pct };
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(link_payout_pct(&curve, low) <= link_payout_pct(&curve, high) + 1e-9);
            let payout = link_payout_pct(&curve, high);
            prop_assert!((0.0..=stretch_pct).contains(&payout));
        }
    }
}
