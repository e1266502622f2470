//! The geometry of the report's charts: linear scales, "nice" axis ticks, tick labels
//! and SVG path data.
//!
//! Pure functions of numbers, so the geometry is tested without drawing. Coordinates
//! are written with one decimal (a tenth of a viewBox unit is far below a printed dot),
//! which keeps the file small and the output identical on every run.

use crate::format::group_thousands;

/// Maps a domain interval linearly onto a range interval (either may be reversed: SVG's
/// y axis grows downwards, so a y scale maps `lo..hi` to `bottom..top`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearScale {
    domain: (f64, f64),
    range: (f64, f64),
}

impl LinearScale {
    /// A scale from `domain` to `range`. A degenerate domain (both ends equal) maps
    /// every value to the middle of the range rather than dividing by zero.
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        LinearScale { domain, range }
    }

    /// The position of `value` in the range.
    pub fn map(&self, value: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        let span = d1 - d0;
        if span == 0.0 {
            return (r0 + r1) / 2.0;
        }
        r0 + (value - d0) / span * (r1 - r0)
    }
}

/// Axis ticks: equally spaced values `step` apart, the first at or below the data's
/// lowest value and the last at or above its highest.
#[derive(Debug, Clone, PartialEq)]
pub struct Ticks {
    pub values: Vec<f64>,
    pub step: f64,
}

impl Ticks {
    /// The lowest and highest tick: the axis's domain.
    pub fn domain(&self) -> (f64, f64) {
        (self.values[0], self.values[self.values.len() - 1])
    }
}

/// A step of 1, 2, 2.5 or 5 × 10^k giving at most `max_ticks` intervals over `span`.
fn nice_step(span: f64, max_ticks: usize) -> f64 {
    let raw = span / max_ticks.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|&step| step >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude)
}

/// Ticks covering `lo..=hi` with at most `max_ticks` intervals (and at least one).
/// A degenerate or non-finite interval is widened so the axis still has a scale.
pub fn nice_ticks(lo: f64, hi: f64, max_ticks: usize) -> Ticks {
    let (lo, hi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) if lo <= hi => (lo, hi),
        (true, true) => (hi, lo),
        (true, false) => (lo, lo),
        (false, true) => (hi, hi),
        (false, false) => (0.0, 1.0),
    };
    let (lo, hi) = if hi - lo > hi.abs().max(lo.abs()) * 1e-9 {
        (lo, hi)
    } else {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        (lo - pad, hi + pad)
    };
    let step = nice_step(hi - lo, max_ticks);
    // Integer multiples of the step, so labels carry no accumulated rounding.
    let first = (lo / step + 1e-9).floor() as i64;
    let last = (hi / step - 1e-9).ceil() as i64;
    let last = last.max(first + 1);
    Ticks {
        values: (first..=last).map(|i| i as f64 * step).collect(),
        step,
    }
}

/// What an axis counts, which decides how its ticks read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Units {
    /// Pounds, with k / m suffixes: `£1.5m`.
    Money,
    /// People or units of activity, with a k suffix in the thousands: `12.5k`.
    Count,
    /// A probability shown as a percentage: `25%`.
    Percent,
}

/// Decimals needed to write every multiple of `step` exactly (at most 3).
fn decimals_for(step: f64) -> usize {
    (0..3)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(3)
}

/// Labels of `ticks` in `units`, all with the same suffix and decimals, so an axis
/// reads `£28.6m £28.8m £29.0m` rather than `£28.6m £28.8m £29m`.
pub fn tick_labels(ticks: &Ticks, units: Units) -> Vec<String> {
    let largest = ticks.values.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if units == Units::Percent {
        let d = decimals_for(ticks.step * 100.0);
        return ticks
            .values
            .iter()
            .map(|v| format!("{:.d$}%", v * 100.0))
            .collect();
    }
    let natural = if largest >= 1e6 {
        0
    } else if largest >= 1e4 || (units == Units::Money && largest >= 1e3) {
        1
    } else {
        2
    };
    let mega = if units == Units::Money { "m" } else { "M" };
    // The largest unit whose labels still tell adjacent ticks apart with two decimals
    // and stay below 1,000 of it; otherwise whole units with thousands separators: a
    // narrow axis around £6.5m reads `£6,511,020` rather than `£6.511m` five times
    // over or `£6511.02k`.
    let (divisor, suffix) = [(1e6, mega), (1e3, "k"), (1.0, "")][natural..]
        .iter()
        .copied()
        .find(|&(divisor, suffix)| {
            decimals_for(ticks.step / divisor) <= 2
                && (suffix.is_empty() || largest / divisor < 1000.0)
        })
        .unwrap_or((1.0, ""));
    let d = decimals_for(ticks.step / divisor);
    ticks
        .values
        .iter()
        .map(|v| {
            let pound = if units == Units::Money { "£" } else { "" };
            let scaled = v / divisor;
            if scaled.abs() < 0.5 * 10f64.powi(-(d as i32)) {
                return format!("{pound}0");
            }
            let sign = if scaled < 0.0 { "-" } else { "" };
            let number = format!("{:.d$}", scaled.abs());
            let number = if suffix.is_empty() {
                group_thousands(&number)
            } else {
                number
            };
            format!("{sign}{pound}{number}{suffix}")
        })
        .collect()
}

/// Month ticks along a horizon of `months` months: every 1, 2, 3, 6, 12, 24, 60 or
/// 120 months from the first, whichever first gives at most `max_ticks` intervals.
pub fn month_ticks(months: usize, max_ticks: usize) -> Vec<usize> {
    let span = months.saturating_sub(1);
    let step = [1, 2, 3, 6, 12, 24, 60, 120]
        .into_iter()
        .find(|&s| span / s <= max_ticks)
        .unwrap_or(span.max(1));
    (0..months).step_by(step).collect()
}

/// A coordinate as written in SVG: one decimal, no `-0.0`.
pub fn coord(value: f64) -> String {
    let text = format!("{value:.1}");
    match text.as_str() {
        "-0.0" => "0.0".to_string(),
        _ => text,
    }
}

/// Path data of a polyline through `points`, broken where a point is missing (`None`),
/// so a series undefined in some months shows a gap rather than a false line.
pub fn line_path(points: &[Option<(f64, f64)>]) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for point in points {
        match point {
            Some((x, y)) => {
                if !d.is_empty() {
                    d.push(' ');
                }
                d.push(if pen_down { 'L' } else { 'M' });
                d.push_str(&coord(*x));
                d.push(',');
                d.push_str(&coord(*y));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    d
}

/// Path data of the area between two series sharing their x positions: along `upper`,
/// back along `lower`, closed. Each run of months where both are defined is its own
/// closed shape.
pub fn band_path(xs: &[f64], lower: &[Option<f64>], upper: &[Option<f64>]) -> String {
    let mut shapes = Vec::new();
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    let mut close = |run: &mut Vec<(f64, f64, f64)>| {
        if !run.is_empty() {
            let forward = run.iter().map(|&(x, _, hi)| Some((x, hi)));
            let back = run.iter().rev().map(|&(x, lo, _)| Some((x, lo)));
            let points: Vec<_> = forward.chain(back).collect();
            shapes.push(format!("{} Z", line_path(&points)));
            run.clear();
        }
    };
    for ((&x, lo), hi) in xs.iter().zip(lower).zip(upper) {
        match (lo, hi) {
            (Some(lo), Some(hi)) => run.push((x, *lo, *hi)),
            _ => close(&mut run),
        }
    }
    close(&mut run);
    shapes.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Positions are compared to a thousandth of a viewBox unit: far finer than the one
    /// decimal the SVG is written with.
    const POSITION: f64 = 1e-3;

    #[test]
    fn a_scale_maps_domain_ends_to_range_ends_even_reversed() {
        let x = LinearScale::new((3.0, 15.0), (50.0, 550.0));
        assert!((x.map(3.0) - 50.0).abs() < POSITION);
        assert!((x.map(15.0) - 550.0).abs() < POSITION);
        assert!((x.map(9.0) - 300.0).abs() < POSITION);
        let y = LinearScale::new((-2e6, 8e6), (260.0, 40.0));
        assert!((y.map(-2e6) - 260.0).abs() < POSITION);
        assert!((y.map(8e6) - 40.0).abs() < POSITION);
        assert!(
            y.map(0.0) > y.map(1e6),
            "larger values sit higher on the page"
        );
    }

    #[test]
    fn a_degenerate_domain_maps_to_the_middle() {
        let s = LinearScale::new((5.0, 5.0), (0.0, 100.0));
        assert!((s.map(5.0) - 50.0).abs() < POSITION);
    }

    #[test]
    fn nice_ticks_cover_the_domain_with_round_steps() {
        let cases = [
            (0.0, 1.0),
            (28_629_293.8, 28_983_039.2),
            (-1_209_286.0, 2_237_155.9),
            (0.003, 0.0041),
            (60_000.0, 204_701.0),
            (-5.0, -1.0),
            (7.0, 7.0),
            (0.0, 0.0),
        ];
        for (lo, hi) in cases {
            let ticks = nice_ticks(lo, hi, 5);
            let (first, last) = ticks.domain();
            assert!(
                first <= lo && last >= hi,
                "{lo}..{hi} not covered: {ticks:?}"
            );
            assert!(
                ticks.values.len() >= 2 && ticks.values.len() <= 7,
                "{ticks:?}"
            );
            let mantissa = ticks.step / 10f64.powf(ticks.step.log10().floor());
            assert!(
                [1.0, 2.0, 2.5, 5.0]
                    .iter()
                    .any(|m| (m - mantissa).abs() < 1e-9),
                "step {} is not 1, 2, 2.5 or 5 × 10^k",
                ticks.step
            );
            for pair in ticks.values.windows(2) {
                assert!((pair[1] - pair[0] - ticks.step).abs() < ticks.step * 1e-9);
            }
        }
    }

    #[test]
    fn nice_ticks_survive_reversed_and_non_finite_input() {
        let reversed = nice_ticks(10.0, 0.0, 5);
        assert_eq!(reversed.domain(), (0.0, 10.0));
        let (lo, hi) = nice_ticks(f64::NAN, f64::INFINITY, 5).domain();
        assert!(lo < hi);
    }

    #[test]
    fn tick_labels_share_a_suffix_and_decimals() {
        let ticks = nice_ticks(28_600_000.0, 29_000_000.0, 4);
        assert_eq!(
            tick_labels(&ticks, Units::Money),
            ["£28.6m", "£28.7m", "£28.8m", "£28.9m", "£29.0m"]
        );
        let ticks = nice_ticks(-50_000.0, 200_000.0, 5);
        assert_eq!(
            tick_labels(&ticks, Units::Money),
            ["-£50k", "£0", "£50k", "£100k", "£150k", "£200k"]
        );
        let ticks = nice_ticks(0.0, 1.0, 4);
        assert_eq!(
            tick_labels(&ticks, Units::Percent),
            ["0%", "25%", "50%", "75%", "100%"]
        );
        let ticks = nice_ticks(0.0, 250.0, 5);
        assert_eq!(
            tick_labels(&ticks, Units::Count),
            ["0", "50", "100", "150", "200", "250"]
        );
        let ticks = nice_ticks(15_000.0, 25_000.0, 4);
        assert_eq!(
            tick_labels(&ticks, Units::Count),
            ["15.0k", "17.5k", "20.0k", "22.5k", "25.0k"]
        );
        // A narrow axis far from zero: labels stay distinct.
        let ticks = nice_ticks(6_511_020.0, 6_511_090.0, 4);
        let labels = tick_labels(&ticks, Units::Money);
        assert_eq!(labels[..2], ["£6,511,020", "£6,511,040"]);
        let distinct: std::collections::BTreeSet<_> = labels.iter().collect();
        assert_eq!(distinct.len(), labels.len(), "{labels:?}");
    }

    #[test]
    fn month_ticks_start_at_the_first_month_and_stay_few() {
        assert_eq!(month_ticks(36, 7), [0, 6, 12, 18, 24, 30]);
        assert_eq!(month_ticks(12, 7), [0, 2, 4, 6, 8, 10]);
        assert_eq!(month_ticks(1, 7), [0]);
        assert!(month_ticks(600, 7).len() <= 8);
    }

    #[test]
    fn paths_break_at_missing_points_and_bands_close() {
        assert_eq!(
            line_path(&[
                Some((0.0, 1.0)),
                Some((2.0, 3.04)),
                None,
                Some((4.0, -0.01))
            ]),
            "M0.0,1.0 L2.0,3.0 M4.0,0.0"
        );
        let band = band_path(
            &[0.0, 1.0, 2.0],
            &[Some(5.0), Some(6.0), None],
            &[Some(1.0), Some(2.0), Some(3.0)],
        );
        assert_eq!(band, "M0.0,1.0 L1.0,2.0 L1.0,6.0 L0.0,5.0 Z");
        assert_eq!(band_path(&[0.0], &[None], &[None]), "");
    }
}
