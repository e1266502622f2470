//! Monthly line charts as inline SVG, built of ordered layers (bands and lines: fan
//! charts, reference lines, shaded gaps), and the frame every chart shares.
//!
//! Layers are painted in the order given, so a fan is its P5–P95 band, then its
//! P25–P75 band, then its median: each drawn over the wider one. Every chart carries
//! `role="img"` with a `<title>` and `<desc>` for screen readers, and uses the
//! Okabe–Ito palette, which stays distinct for colour-blind readers.

use maud::{Markup, html};

use super::svg::{
    LinearScale, Units, band_path, coord, line_path, month_ticks, nice_ticks, tick_labels,
};
use crate::stats::Summary;

/// Okabe–Ito colours.
pub mod colour {
    pub const BLUE: &str = "#0072B2";
    pub const VERMILLION: &str = "#D55E00";
    pub const ORANGE: &str = "#E69F00";
    pub const GREEN: &str = "#009E73";
    pub const SKY_BLUE: &str = "#56B4E9";
    pub const PURPLE: &str = "#CC79A7";
    pub const BLACK: &str = "#000000";
}

pub(super) const WIDTH: f64 = 600.0;
pub(super) const HEIGHT: f64 = 300.0;
pub(super) const LEFT: f64 = 68.0;
pub(super) const RIGHT: f64 = 14.0;
pub(super) const BOTTOM: f64 = 42.0;
/// Approximate width of one character of the 11-unit legend text, to space its items.
pub(super) const CHAR_WIDTH: f64 = 6.0;

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    Solid,
    Dashed,
    Dotted,
    DashDot,
    LongDash,
}

/// One layer of a line chart, painted in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Layer {
    /// The area between `lower` and `upper`.
    Band {
        lower: Vec<Option<f64>>,
        upper: Vec<Option<f64>>,
        fill: &'static str,
        opacity: f64,
        label: String,
    },
    Line {
        values: Vec<Option<f64>>,
        colour: &'static str,
        stroke: Stroke,
        label: String,
    },
}

impl Layer {
    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        let (a, b): (&[Option<f64>], &[Option<f64>]) = match self {
            Layer::Band { lower, upper, .. } => (lower, upper),
            Layer::Line { values, .. } => (values, &[]),
        };
        a.iter()
            .chain(b)
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
    }

    fn label(&self) -> &str {
        match self {
            Layer::Band { label, .. } | Layer::Line { label, .. } => label,
        }
    }
}

/// A band between two statistics of each month (say P5 and P95).
pub fn band(
    stats: &[Option<Summary>],
    lower: fn(&Summary) -> f64,
    upper: fn(&Summary) -> f64,
    fill: &'static str,
    opacity: f64,
    label: &str,
) -> Layer {
    Layer::Band {
        lower: stats.iter().map(|s| s.as_ref().map(lower)).collect(),
        upper: stats.iter().map(|s| s.as_ref().map(upper)).collect(),
        fill,
        opacity,
        label: label.to_string(),
    }
}

/// The median of each month as a solid line.
pub fn median(stats: &[Option<Summary>], colour: &'static str, label: &str) -> Layer {
    Layer::Line {
        values: stats.iter().map(|s| s.as_ref().map(|s| s.p50)).collect(),
        colour,
        stroke: Stroke::Solid,
        label: label.to_string(),
    }
}

/// A fan chart's layers for monthly statistics, widest first: P5–P95 band, P25–P75
/// band, median.
pub fn fan(stats: &[Option<Summary>], colour: &'static str, what: &str) -> Vec<Layer> {
    vec![
        band(
            stats,
            |s| s.p5,
            |s| s.p95,
            colour,
            0.18,
            "90% of futures (P5–P95)",
        ),
        band(stats, |s| s.p25, |s| s.p75, colour, 0.38, "50% (P25–P75)"),
        median(stats, colour, &format!("median {what}")),
    ]
}

/// A horizontal reference line at `value` over `months` months.
pub fn reference(value: f64, months: usize, colour: &'static str, label: String) -> Layer {
    Layer::Line {
        values: vec![Some(value); months],
        colour,
        stroke: Stroke::Dashed,
        label,
    }
}

/// A chart of monthly values.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart<'a> {
    /// Prefix of the chart's element ids; unique in the page.
    pub id: String,
    pub title: String,
    /// What the chart shows, in words, for readers who cannot see it.
    pub description: String,
    /// Month labels, `YYYY-MM`.
    pub months: &'a [String],
    /// The y axis's title, with its unit: "£ a month".
    pub y_title: String,
    pub units: Units,
    pub layers: Vec<Layer>,
}

/// The `<svg>` root with its text alternatives and visible title.
pub(super) fn frame(id: &str, title: &str, description: &str, height: f64, body: Markup) -> Markup {
    frame_sized(id, title, description, WIDTH, height, body)
}

/// [`frame`] for a chart `width` units wide rather than the usual [`WIDTH`].
pub(super) fn frame_sized(
    id: &str,
    title: &str,
    description: &str,
    width: f64,
    height: f64,
    body: Markup,
) -> Markup {
    html! {
        svg viewBox=(format!("0 0 {} {}", width, coord(height))) role="img"
            aria-labelledby=(format!("{id}-title {id}-desc")) font-size="11" {
            title id=(format!("{id}-title")) { (title) }
            desc id=(format!("{id}-desc")) { (description) }
            text x="0" y="16" font-size="14" font-weight="bold" fill="#222" { (title) }
            (body)
        }
    }
}

/// The month axis: labels every few months and the axis title.
pub(super) fn month_axis(x: &LinearScale, months: &[String], baseline_y: f64) -> Markup {
    html! {
        g fill="#444" text-anchor="middle" {
            @for t in month_ticks(months.len(), 6) {
                line x1=(coord(x.map(t as f64))) x2=(coord(x.map(t as f64)))
                    y1=(coord(baseline_y)) y2=(coord(baseline_y + 4.0)) stroke="#888" {}
                text x=(coord(x.map(t as f64))) y=(coord(baseline_y + 16.0)) { (months[t]) }
            }
            text x=(coord((LEFT + WIDTH - RIGHT) / 2.0)) y=(coord(baseline_y + 34.0)) { "month (YYYY-MM)" }
        }
    }
}

/// Baseline of the legend's first row, and the spacing of its rows.
const LEGEND_Y: f64 = 34.0;
const LEGEND_ROW: f64 = 16.0;

/// Where each labelled layer's legend item goes, left to right, wrapping onto a new row
/// when the next item would run past the right edge.
fn legend_layout(layers: &[Layer]) -> Vec<(f64, f64, &Layer)> {
    let mut items = Vec::new();
    let (mut x, mut y) = (LEFT, LEGEND_Y);
    for layer in layers.iter().filter(|l| !l.label().is_empty()) {
        let width = 22.0 + layer.label().chars().count() as f64 * CHAR_WIDTH;
        if x > LEFT && x + width > WIDTH - RIGHT {
            (x, y) = (LEFT, y + LEGEND_ROW);
        }
        items.push((x, y, layer));
        x += width + 14.0;
    }
    items
}

/// The legend: one swatch and label per labelled layer.
fn legend(items: &[(f64, f64, &Layer)]) -> Markup {
    html! {
        g fill="#333" {
            @for &(x, y, layer) in items {
                @match layer {
                    Layer::Band { fill, opacity, .. } => {
                        rect x=(coord(x)) y=(coord(y - 8.0)) width="18" height="10"
                            fill=(fill) fill-opacity=(opacity) {}
                    }
                    Layer::Line { colour, stroke, .. } => {
                        line x1=(coord(x)) x2=(coord(x + 18.0)) y1=(coord(y - 3.0)) y2=(coord(y - 3.0))
                            stroke=(colour) stroke-width="2" stroke-dasharray=[dash(*stroke)] {}
                    }
                }
                text x=(coord(x + 22.0)) y=(coord(y)) { (layer.label()) }
            }
        }
    }
}

fn dash(stroke: Stroke) -> Option<&'static str> {
    match stroke {
        Stroke::Solid => None,
        Stroke::Dashed => Some("6 4"),
        Stroke::Dotted => Some("2 3"),
        Stroke::DashDot => Some("8 3 2 3"),
        Stroke::LongDash => Some("14 4"),
    }
}

/// Renders a line chart as inline SVG.
pub fn line_chart(chart: &LineChart<'_>) -> Markup {
    let (lo, hi) = chart
        .layers
        .iter()
        .flat_map(Layer::values)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let ticks = nice_ticks(lo, hi, 5);
    let labels = tick_labels(&ticks, chart.units);
    let items = legend_layout(&chart.layers);
    let legend_bottom = items.last().map_or(LEGEND_Y, |&(_, y, _)| y);
    // A legend of more than two rows (many variants) makes the chart taller rather
    // than the plot shorter.
    let height = HEIGHT + (legend_bottom - (LEGEND_Y + LEGEND_ROW)).max(0.0);
    let bottom = height - BOTTOM;
    let top = legend_bottom + 18.0;
    let x = LinearScale::new(
        (0.0, chart.months.len().saturating_sub(1) as f64),
        (LEFT, WIDTH - RIGHT),
    );
    let y = LinearScale::new(ticks.domain(), (bottom, top));
    // A single month is drawn across the plot, so its values show as a level rather
    // than as an invisible point.
    let single = chart.months.len() == 1;
    let xs: Vec<f64> = if single {
        vec![LEFT, WIDTH - RIGHT]
    } else {
        (0..chart.months.len()).map(|t| x.map(t as f64)).collect()
    };
    let scaled = |values: &[Option<f64>]| -> Vec<Option<f64>> {
        let values = if single && values.len() == 1 {
            vec![values[0]; 2]
        } else {
            values.to_vec()
        };
        values
            .iter()
            .map(|v| v.filter(|v| v.is_finite()).map(|v| y.map(v)))
            .collect()
    };
    let body = html! {
        g stroke="#e3e3e3" {
            @for tick in &ticks.values {
                line x1=(coord(LEFT)) x2=(coord(WIDTH - RIGHT)) y1=(coord(y.map(*tick))) y2=(coord(y.map(*tick))) {}
            }
        }
        g fill="#444" text-anchor="end" {
            @for (tick, label) in ticks.values.iter().zip(&labels) {
                text x=(coord(LEFT - 6.0)) y=(coord(y.map(*tick) + 4.0)) { (label) }
            }
        }
        text transform=(format!("translate(12 {}) rotate(-90)", coord((top + bottom) / 2.0)))
            text-anchor="middle" fill="#444" { (chart.y_title) }
        (legend(&items))
        @for layer in &chart.layers {
            @match layer {
                Layer::Band { lower, upper, fill, opacity, .. } => {
                    path class="band" d=(band_path(&xs, &scaled(lower), &scaled(upper)))
                        fill=(fill) fill-opacity=(opacity) {}
                }
                Layer::Line { values, colour, stroke, .. } => {
                    @let points: Vec<_> = xs.iter().zip(scaled(values)).map(|(&x, y)| y.map(|y| (x, y))).collect();
                    path class="line" d=(line_path(&points)) fill="none" stroke=(colour)
                        stroke-width="2" stroke-dasharray=[dash(*stroke)] {}
                }
            }
        }
        line x1=(coord(LEFT)) x2=(coord(WIDTH - RIGHT)) y1=(coord(bottom)) y2=(coord(bottom)) stroke="#888" {}
        (month_axis(&x, chart.months, bottom))
    };
    frame(&chart.id, &chart.title, &chart.description, height, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(p50: f64, spread: f64) -> Option<Summary> {
        Some(Summary::new(
            p50,
            spread,
            [-2.0, -1.0, 0.0, 1.0, 2.0].map(|k| p50 + k * spread),
        ))
    }

    /// A money line chart of `layers` over `months`, as SVG text.
    fn draw(id: &str, months: &[String], layers: Vec<Layer>) -> String {
        line_chart(&LineChart {
            id: id.into(),
            title: id.into(),
            description: "d".into(),
            months,
            y_title: "£".into(),
            units: Units::Money,
            layers,
        })
        .into_string()
    }

    fn months(n: usize) -> Vec<String> {
        (0..n).map(|t| format!("2027-{:02}", t + 1)).collect()
    }

    #[test]
    fn a_fan_is_the_wide_band_then_the_narrow_band_then_the_median() {
        let series: Vec<_> = (0..6).map(|t| stats(100.0 + t as f64, 5.0)).collect();
        let layers = fan(&series, colour::BLUE, "income");
        let labels = &months(6);
        let svg = draw("t", labels, layers);
        let wide = svg.find("class=\"band\"").unwrap();
        let narrow = svg[wide + 1..].find("class=\"band\"").unwrap() + wide + 1;
        let line = svg.find("class=\"line\"").unwrap();
        assert!(wide < narrow && narrow < line, "painted in the wrong order");
        assert!(svg[wide..narrow].contains("fill-opacity=\"0.18\""));
        assert!(svg[narrow..line].contains("fill-opacity=\"0.38\""));

        // Geometrically nested: at every month P5 <= P25 <= P50 <= P75 <= P95.
        let layers = fan(&series, colour::BLUE, "income");
        let (
            Layer::Band {
                lower: l5,
                upper: u95,
                ..
            },
            Layer::Band {
                lower: l25,
                upper: u75,
                ..
            },
            Layer::Line { values: mid, .. },
        ) = (&layers[0], &layers[1], &layers[2])
        else {
            panic!("a fan is two bands and a line");
        };
        for t in 0..6 {
            let chain = [l5[t], l25[t], mid[t], u75[t], u95[t]].map(Option::unwrap);
            assert!(
                chain.windows(2).all(|w| w[0] <= w[1]),
                "month {t}: {chain:?}"
            );
        }
    }

    #[test]
    fn the_y_axis_covers_every_layer() {
        let series: Vec<_> = (0..12).map(|t| stats(1000.0 * t as f64, 300.0)).collect();
        let mut layers = fan(&series, colour::BLUE, "reserves");
        layers.push(reference(-5_000.0, 12, colour::VERMILLION, "floor".into()));
        let labels = &months(12);
        let svg = draw("r", labels, layers);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        // Every path point lies inside the plot area.
        for path in doc.descendants().filter(|n| n.has_tag_name("path")) {
            let d = path.attribute("d").unwrap();
            for pair in d.split([' ', 'M', 'L', 'Z']).filter(|s| s.contains(',')) {
                let (x, y) = pair.split_once(',').unwrap();
                let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                assert!((LEFT - 0.05..=WIDTH - RIGHT + 0.05).contains(&x), "x {x}");
                assert!((LEGEND_Y..=HEIGHT - BOTTOM + 0.05).contains(&y), "y {y}");
            }
        }
        assert!(svg.contains(">-£5k<"), "the floor's level is on the axis");
    }

    #[test]
    fn a_single_month_is_drawn_across_the_plot() {
        let labels = &months(1);
        let svg = line_chart(&LineChart {
            id: "one".into(),
            title: "one".into(),
            description: "d".into(),
            months: labels,
            y_title: "£".into(),
            units: Units::Money,
            layers: fan(&[stats(10.0, 1.0)], colour::BLUE, "income"),
        })
        .into_string();
        let needle = "class=\"line\" d=\"M";
        let d = &svg[svg.find(needle).unwrap() + needle.len() - 1..];
        let d = &d[..d.find('"').unwrap()];
        assert!(d.starts_with(&format!("M{}", coord(LEFT))), "{d}");
        assert!(d.contains(&format!("L{}", coord(WIDTH - RIGHT))), "{d}");
    }

    #[test]
    fn missing_months_leave_gaps_and_nothing_panics() {
        let series = vec![stats(1.0, 0.1), None, stats(2.0, 0.1)];
        let labels = &months(3);
        let svg = line_chart(&LineChart {
            id: "g".into(),
            title: "g".into(),
            description: "d".into(),
            months: labels,
            y_title: "people".into(),
            units: Units::Count,
            layers: fan(&series, colour::GREEN, "holders"),
        })
        .into_string();
        let needle = "class=\"line\" d=\"";
        let line = &svg[svg.find(needle).unwrap() + needle.len()..];
        let d = &line[..line.find('"').unwrap()];
        assert_eq!(
            d.matches('M').count(),
            2,
            "the line restarts after the gap: {d}"
        );
        let empty = line_chart(&LineChart {
            id: "e".into(),
            title: "e".into(),
            description: "d".into(),
            months: &[],
            y_title: "people".into(),
            units: Units::Count,
            layers: fan(&[], colour::GREEN, "holders"),
        });
        assert!(roxmltree::Document::parse(&empty.into_string()).is_ok());
    }
}
