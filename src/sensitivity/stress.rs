//! Reverse stress tests (`phbsim stress`): the value of one parameter at which a
//! provider's probability of distress by the horizon reaches a target, with a 95%
//! interval from the Monte Carlo error.
//!
//! **The curve.** Pinning the parameter at `x` in every iteration (the others keep
//! their draws) and running `n` iterations gives `P̂(x)`, the share of iterations in
//! distress. Every `x` uses the same iterations and streams (common random numbers), so
//! `P̂` is a smooth-looking step function of `x` rather than independent noise, and a
//! bisection on it converges.
//!
//! **The search.** [`SearchRange::of`] gives the ends: a probability or share is
//! searched over [0, 1]; an open-ended value over the plausible range of its
//! distribution widened, from half its P1 to twice its P99 (a fixed value `x`: from
//! `x / 2` to `2x`), within its valid range; `--range` ([`SearchRange::given`])
//! searches elsewhere. The direction (does distress rise or fall with `x`?) comes
//! from the ends. If `P̂` is on the same side of the target at both ends, the target is
//! not reached anywhere in the range, which is an answer, not a failure. Otherwise the
//! curve is evaluated at [`GRID_POINTS`] values evenly between the ends, and a
//! bisection from the first grid interval where `P̂` crosses the target (walking from
//! the end where it is not reached) narrows the crossing to the tolerance (by default
//! a thousandth of the range).
//!
//! **The interval.** At the true threshold `x*`, `P(x*)` is the target `t`, and `n P̂(x*)`
//! is Binomial(`n`, `t`), so `|P̂(x*) − t| ≤ d = 1.96 √(t (1 − t) / n)` with
//! probability ≈ 95% (the score test of `P = t`). The values of `x` that pass the same
//! test, `{x : t − d ≤ P̂(x) ≤ t + d}`, therefore contain `x*` with probability ≈ 95%:
//! a confidence interval by inverting the test. With a monotone `P̂` it runs from where
//! `P̂` crosses `t − d` to where it crosses `t + d`, found by two more bisections, each
//! end rounded outwards to its bracket; where `P̂` stays inside the band up to an end of
//! the range, the interval is cut there and says so. Using `t`, not `P̂`, in the
//! standard error keeps the band right when `P̂` is 0 or 1. The interval reflects
//! Monte Carlo error only: uncertainty about the other parameters is already inside
//! `P̂`, as their draws.
//!
//! Common random numbers make `P̂` close to, not exactly, a monotone step function:
//! a pinned value can shift an iteration's later draws (a binomial with `n p ≥ 10` is
//! drawn by rejection and may be redrawn outright), so the interval's ends carry
//! local noise; the coverage argument holds whatever the curve's shape.
//!
//! The search evaluates each `x` once and remembers it. A curve that is not monotone
//! over the evaluated points is reported: the crossing found is then the first of
//! several, and a target reached only inside the range (not at either end) is
//! reported as not reached, with the curve to show where.

use std::str::FromStr;

use crate::engine::{OutputLayout, Slot};
use std::sync::atomic::AtomicBool;

use crate::run::{Cancelled, Run, RunSettings};
use crate::scenario::{Scenario, Uncertain, nearest};
use crate::sensitivity::{ProviderOutcomes, percentile_value};

/// The normal quantile of a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The percentiles of an open-ended parameter's distribution whose half and double
/// are the ends of its default search range.
pub const RANGE_PERCENTILES: (f64, f64) = (0.01, 0.99);

/// Values evaluated between the ends of the range, evenly spaced, before bisecting:
/// they show the shape of the curve (and whether it is monotone) and start each
/// bisection from a bracket a tenth of the range wide, which saves about as many
/// evaluations as they cost.
pub const GRID_POINTS: u32 = 9;

/// The default tolerance as a share of the searched range.
pub const DEFAULT_RELATIVE_TOLERANCE: f64 = 1e-3;

/// The metrics a target may name.
pub const TARGET_METRICS: [&str; 1] = ["distress"];

/// What the stress test looks for: `distress=0.10` (or `distress=10%`), the
/// probability of distress by the horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// In (0, 1).
    pub probability: f64,
}

impl FromStr for Target {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let Some((metric, value)) = text.split_once('=') else {
            return Err(format!(
                "`{text}` is not METRIC=P; write e.g. `distress=0.10` (a 10% probability of distress by the horizon)"
            ));
        };
        let metric = metric.trim();
        if !TARGET_METRICS.contains(&metric) {
            let hint = nearest(metric, TARGET_METRICS)
                .map_or_else(String::new, |near| format!("did you mean `{near}`? "));
            return Err(format!(
                "unknown target metric `{metric}`; {hint}the metric a target can name is `distress` (the probability of distress by the horizon)"
            ));
        }
        let value = value.trim();
        let (number, scale) = match value.strip_suffix('%') {
            Some(percent) => (percent.trim(), 100.0),
            None => (value, 1.0),
        };
        let probability = number.parse::<f64>().map(|p| p / scale).map_err(|_| {
            format!("`{value}` is not a probability; write e.g. `distress=0.10` or `distress=10%`")
        })?;
        if !(probability > 0.0 && probability < 1.0) {
            return Err(format!(
                "the target probability must be strictly between 0 and 1 (got {value}); e.g. `distress=0.10`"
            ));
        }
        Ok(Target { probability })
    }
}

/// Where the search looks for the parameter's value: from `low` to `high`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchRange {
    pub low: f64,
    pub high: f64,
}

impl SearchRange {
    /// The default range of `u`: its valid range where that is bounded ([0, 1] for
    /// probabilities and shares); otherwise the plausible values of its distribution
    /// widened, from half its P1 to twice its P99 ([`RANGE_PERCENTILES`]; a fixed
    /// value `x`: from `x / 2` to `2x`; a value at 0: to 1), inside the valid range (a
    /// price, which cannot be 0, from a millionth of the upper end).
    pub fn of(u: &Uncertain) -> Self {
        let (low, high) = u.range.bounds();
        if high.is_finite() {
            return SearchRange { low, high };
        }
        let (p_low, p_high) = match u.fixed_value() {
            Some(x) => (x, x),
            None => (
                percentile_value(u, RANGE_PERCENTILES.0),
                percentile_value(u, RANGE_PERCENTILES.1),
            ),
        };
        // Open-ended ranges start at 0 (or just above), so both values are >= 0.
        let to = if p_high > 0.0 { 2.0 * p_high } else { 1.0 };
        let from = if p_low / 2.0 >= low {
            p_low / 2.0
        } else {
            to * 1e-6
        };
        SearchRange {
            low: from,
            high: to,
        }
    }

    /// The range `LO..HI` given on the command line for `u`, checked: two numbers,
    /// `LO < HI`, both inside the parameter's valid range.
    pub fn given(text: &str, u: &Uncertain) -> Result<Self, String> {
        let example = "e.g. `--range 0.1..0.9`";
        let Some((lo, hi)) = text.split_once("..") else {
            return Err(format!("`{text}` is not LO..HI; {example}"));
        };
        let number = |part: &str| {
            part.trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| {
                    format!(
                        "`{}` in --range {text} is not a number; {example}",
                        part.trim()
                    )
                })
        };
        let (lo, hi) = (number(lo)?, number(hi)?);
        if lo >= hi {
            return Err(format!(
                "--range {text}: the low end must be below the high end; {example}"
            ));
        }
        if !(u.range.contains(lo) && u.range.contains(hi)) {
            return Err(format!(
                "--range {text} is outside the valid range of {}: {}",
                u.path,
                u.range.describe()
            ));
        }
        Ok(SearchRange { low: lo, high: hi })
    }
}

/// One evaluated parameter value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub value: f64,
    /// Iterations in distress by the horizon.
    pub distressed: u64,
}

/// One end of the interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// Where the band edge is crossed (rounded outwards to the bisection's bracket).
    Value(f64),
    /// `P̂` stays inside the band up to this end of the searched range.
    RangeEnd(f64),
}

impl Bound {
    pub fn value(self) -> f64 {
        match self {
            Bound::Value(x) | Bound::RangeEnd(x) => x,
        }
    }
}

/// Where the target is crossed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    /// The estimate: the midpoint of the final bracket.
    pub value: f64,
    /// The final bracket: `P̂` below the target at `below`, at or above it at `above`.
    pub below: Point,
    pub above: Point,
    /// The 95% interval, lower value first.
    pub interval: (Bound, Bound),
}

/// What the search found.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Reached(Threshold),
    /// `P̂` is on the same side of the target at both ends of the range.
    NotReached,
}

/// The result of a stress test.
#[derive(Debug, Clone, PartialEq)]
pub struct StressResult {
    pub target: f64,
    pub iterations: u64,
    /// The range searched.
    pub range: SearchRange,
    pub tolerance: f64,
    /// Half-width of the band: `1.96 √(t (1 − t) / n)`.
    pub band: f64,
    /// Whether `P̂` rises with the parameter (from the ends of the range).
    pub rising: bool,
    pub outcome: Outcome,
    /// The ends of the range and [`GRID_POINTS`] values evenly between them, in
    /// increasing order: the shape of the curve.
    pub grid: Vec<Point>,
    /// Every value evaluated, in increasing order.
    pub points: Vec<Point>,
    /// Two evaluated values, the first lower, between which `P̂` moves against the
    /// direction of the ends by more than the band `d`: the curve is not monotone
    /// beyond its Monte Carlo error. (Smaller reversals happen under common random
    /// numbers, as a pinned value shifts an iteration's later draws, and are within
    /// the error the interval already carries.)
    pub non_monotone: Option<(Point, Point)>,
}

impl StressResult {
    /// `P̂` at an evaluated point.
    pub fn probability(&self, point: Point) -> f64 {
        point.distressed as f64 / self.iterations as f64
    }

    /// The evaluated points at the ends of the searched range.
    pub fn ends(&self) -> (Point, Point) {
        (self.grid[0], self.grid[self.grid.len() - 1])
    }
}

/// The evaluated points of `P̂`, each computed once.
struct Curve<'a> {
    iterations: u64,
    points: Vec<Point>,
    evaluate: &'a mut dyn FnMut(f64) -> u64,
}

impl Curve<'_> {
    fn at(&mut self, value: f64) -> Point {
        match self.points.binary_search_by(|p| p.value.total_cmp(&value)) {
            Ok(i) => self.points[i],
            Err(i) => {
                let point = Point {
                    value,
                    distressed: (self.evaluate)(value),
                };
                self.points.insert(i, point);
                point
            }
        }
    }

    /// Whether `P̂ ≥ level` at `point`, in whole iterations (no rounding).
    fn reaches(&self, point: Point, level: f64) -> bool {
        point.distressed as f64 >= level * self.iterations as f64
    }

    /// Where `P̂` crosses `level`, walking from `safe` (the end where the target is not
    /// reached) towards `danger`: the bracket (last point below, first at or above),
    /// narrowed to `tolerance`; `Err(end)` when `P̂` is on one side of `level` at both
    /// ends.
    fn crossing(
        &mut self,
        level: f64,
        safe: Point,
        danger: Point,
        tolerance: f64,
    ) -> Result<(Point, Point), Point> {
        if self.reaches(safe, level) {
            return Err(safe);
        }
        if !self.reaches(danger, level) {
            return Err(danger);
        }
        let mut walk: Vec<Point> = self.points.clone();
        if safe.value > danger.value {
            walk.reverse();
        }
        let (mut below, mut above) = walk
            .windows(2)
            .find(|w| !self.reaches(w[0], level) && self.reaches(w[1], level))
            .map(|w| (w[0], w[1]))
            .expect("the ends are on either side of the level");
        while (above.value - below.value).abs() > tolerance {
            let middle = 0.5 * (below.value + above.value);
            if !(middle > below.value.min(above.value) && middle < below.value.max(above.value)) {
                break; // no float left between them
            }
            let middle = self.at(middle);
            if self.reaches(middle, level) {
                above = middle;
            } else {
                below = middle;
            }
        }
        Ok((below, above))
    }
}

/// Finds where `P̂`, estimated by `evaluate` (iterations in distress out of
/// `iterations` with the parameter at a value), crosses `target` over `range`.
/// `tolerance` is absolute, in the parameter's units; `None` for
/// [`DEFAULT_RELATIVE_TOLERANCE`] of the range searched.
pub fn search(
    range: SearchRange,
    target: f64,
    iterations: u64,
    tolerance: Option<f64>,
    evaluate: &mut dyn FnMut(f64) -> u64,
) -> StressResult {
    let mut curve = Curve {
        iterations,
        points: Vec::new(),
        evaluate,
    };
    let low = curve.at(range.low);
    let high = curve.at(range.high);
    let searched = range;
    let tolerance =
        tolerance.unwrap_or(DEFAULT_RELATIVE_TOLERANCE * (searched.high - searched.low));
    let steps = f64::from(GRID_POINTS + 1);
    let mut grid = vec![low];
    grid.extend(
        (1..=GRID_POINTS).map(|k| {
            curve.at(searched.low + (searched.high - searched.low) * f64::from(k) / steps)
        }),
    );
    grid.push(high);
    let band = Z_95 * (target * (1.0 - target) / iterations as f64).sqrt();
    let rising = low.distressed < high.distressed;
    let (safe, danger) = if rising { (low, high) } else { (high, low) };

    let outcome = match curve.crossing(target, safe, danger, tolerance) {
        Err(_) => Outcome::NotReached,
        Ok((below, above)) => {
            // Each end of the interval is rounded outwards: to the bracket's point
            // outside the band.
            let near = match curve.crossing(target - band, safe, danger, tolerance) {
                Ok((outside, _)) => Bound::Value(outside.value),
                Err(end) => Bound::RangeEnd(end.value),
            };
            let far = match curve.crossing(target + band, safe, danger, tolerance) {
                Ok((_, outside)) => Bound::Value(outside.value),
                Err(end) => Bound::RangeEnd(end.value),
            };
            let interval = if near.value() <= far.value() {
                (near, far)
            } else {
                (far, near)
            };
            Outcome::Reached(Threshold {
                value: 0.5 * (below.value + above.value),
                below,
                above,
                interval,
            })
        }
    };
    let points = curve.points;
    let non_monotone = largest_reversal(&points, rising)
        .filter(|(a, b)| a.distressed.abs_diff(b.distressed) as f64 > band * iterations as f64);
    StressResult {
        target,
        iterations,
        range: searched,
        tolerance,
        band,
        rising,
        outcome,
        grid,
        points,
        non_monotone,
    }
}

/// The two points, the first at a lower value, between which `P̂` moves furthest
/// against the direction of the curve (falls, on a rising curve); `None` if it never
/// does.
fn largest_reversal(points: &[Point], rising: bool) -> Option<(Point, Point)> {
    let against = |from: Point, to: Point| {
        if rising {
            from.distressed.saturating_sub(to.distressed)
        } else {
            to.distressed.saturating_sub(from.distressed)
        }
    };
    let mut extreme = *points.first()?;
    let mut largest: Option<(Point, Point)> = None;
    for &point in &points[1..] {
        if against(extreme, point) > largest.map_or(0, |(a, b)| against(a, b)) {
            largest = Some((extreme, point));
        }
        if against(point, extreme) > 0 {
            extreme = point; // a new peak (rising) or trough (falling)
        }
    }
    largest
}

/// Iterations (of `settings.iterations`) in which provider `provider` is distressed by
/// the horizon, with the parameter in `slot` pinned at a value in every iteration
/// (`None`: at its usual draws). Stops early, with [`Cancelled`], once `cancel` is set.
pub fn distressed_count(
    scenario: &Scenario,
    settings: RunSettings,
    provider: usize,
    pinned: Option<(Slot, f64)>,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<u64, Cancelled> {
    let index = ProviderOutcomes::new(scenario, &OutputLayout::new(scenario)).distressed[provider];
    let mut count = 0;
    let pin = |_: usize, params: &mut crate::engine::DrawnParameters| {
        if let Some((slot, value)) = pinned {
            *params.get_mut(slot) = value;
        }
    };
    let mut observe = |_: usize, _: u64, summary: &[f64]| count += u64::from(summary[index] > 0.5);
    // Only the observed flag is read: the run keeps no statistics.
    Run::new(&[scenario], settings)
        .adjust(&pin)
        .observe(&mut observe)
        .only_summary(&[])
        .progress(progress)
        .cancel_on(cancel)
        .all()?;
    Ok(count)
}

/// The stress test of `provider` against `target`, varying the parameter in `slot`
/// (whose definition is `u`) over `range`. `progress` is told the
/// iterations simulated so far (the number of runs is not known in advance). Stops
/// early, with [`Cancelled`], once `cancel` is set.
#[allow(clippy::too_many_arguments)]
pub fn stress(
    scenario: &Scenario,
    settings: RunSettings,
    provider: usize,
    slot: Slot,
    range: SearchRange,
    target: Target,
    tolerance: Option<f64>,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<StressResult, Cancelled> {
    let mut runs = 0;
    let mut cancelled = false;
    let result = search(
        range,
        target.probability,
        settings.iterations,
        tolerance,
        &mut |value| {
            let before = runs * settings.iterations;
            runs += 1;
            let progress = |done| progress(before + done);
            let pinned = Some((slot, value));
            // Once cancelled, every later run stops before its first iteration, so
            // the search ends quickly; its answer is then dropped.
            distressed_count(scenario, settings, provider, pinned, &progress, cancel)
                .unwrap_or_else(|Cancelled| {
                    cancelled = true;
                    0
                })
        },
    );
    if cancelled {
        Err(Cancelled)
    } else {
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distribution::Distribution;
    use crate::scenario::ValueRange;
    use crate::sensitivity::find_parameter;
    use crate::sensitivity::test_scenario::{
        CLOSED_FORM, analytic_threshold, closed_form, p_distress,
    };
    use crate::stats::tolerance::STANDARD_ERRORS;

    /// A curve `P̂(x) = round(n · f(x)) / n` from a known function.
    fn curve(n: u64, f: impl Fn(f64) -> f64) -> impl FnMut(f64) -> u64 {
        move |x| (n as f64 * f(x)).round() as u64
    }

    const UNIT: SearchRange = SearchRange {
        low: 0.0,
        high: 1.0,
    };

    #[test]
    fn targets_are_parsed_with_clear_errors() {
        assert_eq!(
            "distress=0.1"
                .parse::<Target>()
                .unwrap()
                .probability
                .to_bits(),
            0.1f64.to_bits()
        );
        assert!(("distress = 12.5%".parse::<Target>().unwrap().probability - 0.125).abs() < 1e-15);
        let error = |text: &str| text.parse::<Target>().unwrap_err();
        assert!(error("distress:0.1").contains("is not METRIC=P"));
        assert!(error("distres=0.1").contains("did you mean `distress`?"));
        assert!(error("deficit=0.1").contains("unknown target metric `deficit`"));
        assert!(error("distress=ten").contains("is not a probability"));
        assert!(error("distress=1.5").contains("strictly between 0 and 1"));
        assert!(error("distress=0").contains("strictly between 0 and 1"));
        assert!(error("distress=NaN").contains("strictly between 0 and 1"));
    }

    #[test]
    fn ranges_follow_the_parameters_valid_range() {
        let u = |range, dist| Uncertain::new(dist, range, "x".into());
        let share = u(ValueRange::Probability, Distribution::Fixed(0.8));
        assert_eq!(SearchRange::of(&share), UNIT);
        let money = u(
            ValueRange::NonNegative,
            Distribution::Uniform {
                min: 0.0,
                max: 100.0,
            },
        );
        // P1 = 1, P99 = 99: from 0.5 to 198.
        let range = SearchRange::of(&money);
        assert_eq!(
            [range.low, range.high].map(f64::to_bits),
            [0.5f64, 198.0].map(f64::to_bits)
        );
        let price = u(ValueRange::Positive, Distribution::Fixed(50.0));
        assert_eq!(
            SearchRange::of(&price),
            SearchRange {
                low: 25.0,
                high: 100.0
            }
        );
        let zero = u(ValueRange::NonNegative, Distribution::Fixed(0.0));
        assert_eq!(
            SearchRange::of(&zero),
            SearchRange {
                low: 0.0,
                high: 1.0
            }
        );
    }

    #[test]
    fn a_given_range_is_checked_against_the_valid_range() {
        let u = |range| Uncertain::new(Distribution::Fixed(0.5), range, "a.b".into());
        let share = u(ValueRange::Probability);
        assert_eq!(
            SearchRange::given("0.1..0.9", &share),
            Ok(SearchRange {
                low: 0.1,
                high: 0.9
            })
        );
        let error = |text: &str, u: &Uncertain| SearchRange::given(text, u).unwrap_err();
        assert!(error("0.1-0.9", &share).contains("is not LO..HI"));
        assert!(error("a..0.9", &share).contains("`a` in --range a..0.9 is not a number"));
        assert!(error("0.9..0.1", &share).contains("the low end must be below the high end"));
        assert!(error("0.5..0.5", &share).contains("the low end must be below the high end"));
        assert!(
            error("0.5..1.5", &share)
                .starts_with("--range 0.5..1.5 is outside the valid range of a.b: ")
        );
        let price = u(ValueRange::Positive);
        assert!(error("0..10", &price).contains("outside the valid range"));
        assert!(SearchRange::given("0.01..1e6", &price).is_ok());
    }

    #[test]
    fn a_rising_curve_is_crossed_within_the_tolerance_and_its_band() {
        let n = 1000;
        // P = x², crossing 0.25 at 0.5; band d = 1.96 √(0.25 · 0.75 / 1000) = 0.02684.
        let result = search(UNIT, 0.25, n, None, &mut curve(n, |x| x * x));
        let Outcome::Reached(threshold) = result.outcome else {
            panic!("{result:?}")
        };
        assert!(result.rising);
        assert!((threshold.value - 0.5).abs() <= result.tolerance);
        assert!((result.band - 0.026_838).abs() < 1e-5);
        let (lo, hi) = threshold.interval;
        // √(0.25 ∓ d), rounded outwards by at most the tolerance and the 1/n steps.
        assert!(matches!((lo, hi), (Bound::Value(_), Bound::Value(_))));
        assert!((lo.value() - (0.25 - result.band).sqrt()).abs() < 2.0 * result.tolerance);
        assert!((hi.value() - (0.25 + result.band).sqrt()).abs() < 2.0 * result.tolerance);
        assert!(lo.value() < threshold.value && threshold.value < hi.value());
        assert_eq!(result.non_monotone, None);
        // The grid, then about log2(1000 / 10) ≈ 7 evaluations per crossing.
        let bisections = result.points.len() - result.grid.len();
        assert!(bisections <= 3 * 7, "{bisections}");
    }

    #[test]
    fn a_falling_curve_is_crossed_too() {
        let n = 400;
        let result = search(UNIT, 0.1, n, Some(1e-4), &mut curve(n, |x| 0.5 * (1.0 - x)));
        let Outcome::Reached(threshold) = result.outcome else {
            panic!("{result:?}")
        };
        assert!(!result.rising);
        assert!((threshold.value - 0.8).abs() <= 1e-4 + 1.0 / n as f64);
        // Falling: P̂ ≥ target below the threshold, less above it.
        assert!(threshold.above.value < threshold.below.value);
        let (lo, hi) = threshold.interval;
        assert!(lo.value() < 0.8 && 0.8 < hi.value());
    }

    #[test]
    fn a_target_outside_the_curve_is_not_reached() {
        let n = 100;
        let below = search(UNIT, 0.5, n, None, &mut curve(n, |x| 0.1 * x));
        assert_eq!(below.outcome, Outcome::NotReached);
        assert_eq!(
            below.points.len(),
            2 + GRID_POINTS as usize,
            "the grid only"
        );
        assert_eq!(below.grid, below.points);
        let above = search(UNIT, 0.5, n, None, &mut curve(n, |_| 0.9));
        assert_eq!(above.outcome, Outcome::NotReached);
    }

    #[test]
    fn a_band_past_the_end_of_the_range_is_cut_there() {
        let n = 100;
        // P̂(0) = 0.07 is inside the band 0.1 ± 0.0588 of the target 0.1.
        let result = search(UNIT, 0.1, n, None, &mut curve(n, |x| 0.07 + 0.5 * x));
        let Outcome::Reached(threshold) = result.outcome else {
            panic!("{result:?}")
        };
        assert_eq!(threshold.interval.0, Bound::RangeEnd(0.0));
        assert!(matches!(threshold.interval.1, Bound::Value(_)));
    }

    #[test]
    fn a_curve_that_turns_back_is_reported() {
        let n = 1000;
        // Rises overall (0 → 0.8) but dips between 0.5 and 0.6.
        let f = |x: f64| {
            if (0.5..0.6).contains(&x) {
                0.0
            } else {
                0.8 * x
            }
        };
        let result = search(UNIT, 0.3, n, None, &mut curve(n, f));
        assert!(matches!(result.outcome, Outcome::Reached(_)));
        let (a, b) = result.non_monotone.expect("the dip is seen");
        assert!((a.value - 0.4).abs() < 1e-9 && (b.value - 0.5).abs() < 1e-9);
        // A dip of a few iterations is within the band and not reported.
        let g = |x: f64| 0.8 * x - if (0.5..0.6).contains(&x) { 0.005 } else { 0.0 };
        let result = search(UNIT, 0.3, n, None, &mut curve(n, g));
        assert_eq!(result.non_monotone, None);
    }

    /// The acceptance test. In [`closed_form`] distress happens exactly when
    /// more than K of N patients leave before the review, so P(distress) at uptake h
    /// is P(Binomial(N, h) > K), and the uptake at which it equals the target is known
    /// to machine precision. The search over the engine must put it inside its stated
    /// 95% interval; the interval must be no wider than the Monte Carlo error says: its
    /// ends are where P̂ = t ∓ d, and P̂ errs from P by d / 1.96 (one standard error)
    /// at any one value, so the true P there lies within the suite's tolerance
    /// ([`STANDARD_ERRORS`] standard errors) beyond the band edge, in
    /// [t − 3.04 d, t + 3.04 d]; and the true P at the estimate is within the band d of
    /// the target. The seed is fixed, so the test is deterministic.
    #[test]
    fn the_search_finds_the_analytic_threshold_within_its_interval() {
        let scenario = closed_form();
        let (slot, u) = find_parameter(&scenario, CLOSED_FORM, "cohorts.c.uptake.monthly")
            .expect("the uptake is a parameter");
        let target = Target { probability: 0.1 };
        let n = 1000;
        let result = stress(
            &scenario,
            RunSettings::new(n, 17),
            0,
            slot,
            SearchRange::of(u),
            target,
            None,
            &|_| {},
            &AtomicBool::new(false),
        )
        .expect("not cancelled");
        let Outcome::Reached(threshold) = result.outcome else {
            panic!("{result:?}")
        };
        let exact = analytic_threshold(0.1);
        let (lo, hi) = (threshold.interval.0.value(), threshold.interval.1.value());
        assert!(lo <= exact && exact <= hi, "{exact} not in [{lo}, {hi}]");
        assert!(result.rising);
        let d = result.band;
        assert!((p_distress(threshold.value) - 0.1).abs() <= d);
        let beyond_band = d + STANDARD_ERRORS * d / Z_95;
        assert!(
            p_distress(lo) >= 0.1 - beyond_band,
            "interval too wide below"
        );
        assert!(
            p_distress(hi) <= 0.1 + beyond_band,
            "interval too wide above"
        );
        assert_eq!(result.non_monotone, None);
    }
}
