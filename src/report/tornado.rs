//! `report.html` of `phbsim sensitivity`: per provider, a tornado chart of what moves
//! its income and one of what moves its probability of distress, and a table of the
//! strongest rank correlations (issue 6).
//!
//! The page shares the run report's shell and stylesheet ([`super::page`]), chart frame
//! ([`super::charts::frame_sized`]), scales and ticks ([`super::svg`]). Like the run
//! report it is a pure function of its inputs: no scripts, nothing fetched.
//!
//! A tornado row is one parameter. Two bars start at the base (the mean at the usual
//! draws, the vertical line): the upper one ends at the mean with the parameter at its
//! P10, the lower one at its P90. Both are drawn, one above the other, so a parameter
//! whose two ends move the outcome the same way is not hidden. The axis is the change
//! from the base: pounds for income, percentage points for P(distress).

use maud::{Markup, html};

use super::charts::{CHAR_WIDTH, colour, frame_sized};
use super::sections::figure;
use super::svg::{LinearScale, Units, coord, nice_ticks, tick_labels};
use crate::format::thousands;
use crate::format::{money, short};
use crate::manifest::Manifest;
use crate::scenario::Scenario;
use crate::sensitivity::one_way::{Metric, Row, Sensitivity};

/// What this page adds to the report's stylesheet.
const STYLE: &str = "\
p.method { margin-top: 12px; }
section.provider { break-before: page; }
section.provider figure.chart { max-width: 1000px; margin: 8px 0 14px; }
table.rank { margin: 6px 0 10px; }
table.rank th.param { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; font-weight: normal; }
td.noise { color: #999; }
@media print { section.provider figure.chart { width: 100%; max-width: none; } }
";

/// Parameters shown in each tornado chart.
pub const TOP: usize = 12;
/// Parameters in each rank-correlation table.
const TOP_RANK: usize = 8;

/// Width of a tornado chart's viewBox: wider than the run report's charts, as the
/// labels are long (`NHS Talking Therapies: unit price`).
const WIDTH: f64 = 900.0;
/// Room right of the plot for the last tick's label.
const RIGHT: f64 = 30.0;
/// Top of the first row: below the title and the legend.
const TOP_Y: f64 = 58.0;
const ROW: f64 = 34.0;
/// Height of each of a row's two bars.
const BAR: f64 = 10.0;
/// Below the last row: the axis's labels and title.
const AXIS: f64 = 44.0;
/// Narrowest and widest label column.
const LABEL_MIN: f64 = 140.0;
const LABEL_MAX: f64 = 420.0;

/// The low value is blue, the high value orange; the base is black.
const LOW_COLOUR: &str = colour::BLUE;
const HIGH_COLOUR: &str = colour::ORANGE;

/// What a tornado measures, which decides its axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Change in mean income, £.
    Money,
    /// Change in a probability, drawn in percentage points.
    Points,
}

impl Axis {
    /// A change as written at a bar's end: `+£43k`, `-2.5 pts`.
    fn change(self, value: f64) -> String {
        let sign = if value > 0.0 { "+" } else { "" };
        match self {
            Axis::Money => format!("{sign}{}", money(value)),
            Axis::Points => format!("{sign}{:.1} pts", value),
        }
    }
}

/// One row of a tornado: a parameter and the change in the outcome from the base at
/// each of its ends, in axis units (£ or percentage points).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The parameter's path (the label's tooltip).
    pub parameter: String,
    /// The parameter as the tables name it ([`Sensitivity::label`]).
    pub label: String,
    pub low_value: Option<f64>,
    pub high_value: Option<f64>,
    /// Change at the low value (P10); `None` if the result is undefined.
    pub low: Option<f64>,
    /// Change at the high value (P90).
    pub high: Option<f64>,
    /// Whether the swing is within two Monte Carlo standard errors of zero: drawn
    /// pale, as it may be noise.
    pub noise: bool,
}

impl Bar {
    fn swing(&self) -> f64 {
        match (self.low, self.high) {
            (Some(l), Some(h)) => (h - l).abs(),
            _ => 0.0,
        }
    }
}

/// The `top` rows of a tornado of `result` (already sorted by swing, largest first),
/// as changes from `base` scaled by `scale` (1 for £, 100 for percentage points).
pub fn bars(result: &Sensitivity, rows: &[&Row], base: f64, scale: f64, top: usize) -> Vec<Bar> {
    let change = |v: Option<f64>| {
        v.filter(|v| v.is_finite() && base.is_finite())
            .map(|v| (v - base) * scale)
    };
    rows.iter()
        .take(top)
        .map(|r| Bar {
            parameter: r.parameter.clone(),
            label: result.label(&r.parameter).to_string(),
            low_value: r.low_value,
            high_value: r.high_value,
            low: change(r.low_result),
            high: change(r.high_result),
            noise: match (r.swing, r.effect_se) {
                (Some(swing), Some(se)) => swing > 0.0 && swing < 2.0 * se,
                _ => false,
            },
        })
        .collect()
}

/// A tornado chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    /// Prefix of the chart's element ids; unique in the page.
    pub id: String,
    pub title: String,
    pub description: String,
    /// The axis's title, with its unit.
    pub x_title: String,
    /// The base, as the legend shows it: `£1.2m`, `27.9%`.
    pub base_label: String,
    pub axis: Axis,
    pub bars: Vec<Bar>,
}

/// Width of the label column: enough for the longest parameter label, within limits.
fn label_width(bars: &[Bar]) -> f64 {
    let longest = bars
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(0);
    (longest as f64 * CHAR_WIDTH + 16.0).clamp(LABEL_MIN, LABEL_MAX)
}

/// A label that fits `width` units: long paths lose their start, as the end names
/// the parameter.
fn fit(label: &str, width: f64) -> String {
    let max = ((width - 16.0) / CHAR_WIDTH).floor().max(4.0) as usize;
    let count = label.chars().count();
    if count <= max {
        label.to_string()
    } else {
        let tail: String = label.chars().skip(count - (max - 1)).collect();
        format!("…{tail}")
    }
}

/// The x position and width of a bar from the base (0) to `value`.
fn span(x: &LinearScale, value: f64) -> (f64, f64) {
    let (a, b) = (x.map(0.0), x.map(value));
    (a.min(b), (b - a).abs())
}

/// Renders a tornado chart as inline SVG.
pub fn tornado_chart(chart: &Tornado) -> Markup {
    let left = label_width(&chart.bars);
    let values = chart
        .bars
        .iter()
        .flat_map(|b| [b.low, b.high])
        .flatten()
        .chain([0.0]);
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    // Room beyond the longest bars for their labels.
    let pad = (hi - lo) * 0.22;
    let ticks = nice_ticks(
        if lo < 0.0 { lo - pad } else { lo },
        if hi > 0.0 { hi + pad } else { hi },
        6,
    );
    let units = match chart.axis {
        Axis::Money => Units::Money,
        Axis::Points => Units::Count,
    };
    let labels: Vec<String> = tick_labels(&ticks, units)
        .into_iter()
        .zip(&ticks.values)
        .map(|(label, &v)| if v > 0.0 { format!("+{label}") } else { label })
        .collect();
    let x = LinearScale::new(ticks.domain(), (left, WIDTH - RIGHT));
    let bottom = TOP_Y + chart.bars.len().max(1) as f64 * ROW;
    let height = bottom + AXIS;
    let zero = x.map(0.0);
    let legend = [
        (LOW_COLOUR, "parameter at its P10 (low value)"),
        (HIGH_COLOUR, "at its P90 (high value)"),
    ];
    let body = html! {
        g fill="#333" {
            @for (i, (fill, label)) in legend.iter().enumerate() {
                @let lx = i as f64 * 230.0;
                rect x=(coord(lx)) y="28" width="18" height="10" fill=(fill) {}
                text x=(coord(lx + 24.0)) y="37" { (label) }
            }
            line x1="430" x2="430" y1="26" y2="40" stroke=(colour::BLACK) stroke-width="2" {}
            text x="436" y="37" { "usual draws (the base): " (chart.base_label) }
        }
        g stroke="#e3e3e3" {
            @for tick in &ticks.values {
                line x1=(coord(x.map(*tick))) x2=(coord(x.map(*tick))) y1=(coord(TOP_Y - 4.0)) y2=(coord(bottom)) {}
            }
        }
        @for (i, bar) in chart.bars.iter().enumerate() {
            @let y = TOP_Y + i as f64 * ROW;
            @let mid = y + ROW / 2.0;
            g class="row" {
                text class="label" x=(coord(left - 8.0)) y=(coord(mid - 2.0)) text-anchor="end" fill="#222" {
                    title { (bar.parameter) }
                    (fit(&bar.label, left))
                }
                text x=(coord(left - 8.0)) y=(coord(mid + 11.0)) text-anchor="end" fill="#666" font-size="10" {
                    "P10 " (bar.low_value.map_or("–".to_string(), short))
                    " · P90 " (bar.high_value.map_or("–".to_string(), short))
                    @if bar.noise { " · within noise" }
                }
                @for (class, value, fill, top) in [("low", bar.low, LOW_COLOUR, mid - BAR), ("high", bar.high, HIGH_COLOUR, mid)] {
                    @if let Some(value) = value {
                        @let (bx, width) = span(&x, value);
                        rect class=(class) x=(coord(bx)) y=(coord(top)) width=(coord(width)) height=(coord(BAR)) fill=(fill)
                            fill-opacity=[bar.noise.then_some("0.4")] {}
                        @if bar.swing() > 0.0 {
                            @let (tx, anchor) = if value < 0.0 { (bx - 4.0, "end") } else { (bx + width + 4.0, "start") };
                            text x=(coord(tx)) y=(coord(top + BAR - 1.5)) text-anchor=(anchor) fill="#333" font-size="10" { (chart.axis.change(value)) }
                        }
                    }
                }
                @if bar.swing() == 0.0 {
                    text x=(coord(zero + 6.0)) y=(coord(mid + 4.0)) fill="#666" font-size="10" { "no effect" }
                }
            }
        }
        line x1=(coord(zero)) x2=(coord(zero)) y1=(coord(TOP_Y - 4.0)) y2=(coord(bottom)) stroke=(colour::BLACK) stroke-width="1.5" {}
        line x1=(coord(left)) x2=(coord(WIDTH - RIGHT)) y1=(coord(bottom)) y2=(coord(bottom)) stroke="#888" {}
        g fill="#444" text-anchor="middle" {
            @for (tick, label) in ticks.values.iter().zip(&labels) {
                line x1=(coord(x.map(*tick))) x2=(coord(x.map(*tick))) y1=(coord(bottom)) y2=(coord(bottom + 4.0)) stroke="#888" {}
                text x=(coord(x.map(*tick))) y=(coord(bottom + 16.0)) { (label) }
            }
            text x=(coord((left + WIDTH - RIGHT) / 2.0)) y=(coord(bottom + 34.0)) { (chart.x_title) }
        }
    };
    frame_sized(
        &chart.id,
        &chart.title,
        &chart.description,
        WIDTH,
        height,
        body,
    )
}

/// The page's identity block: what was analysed, with what, by which version.
fn header(scenario: &Scenario, manifest: &Manifest, result: &Sensitivity, horizon: &str) -> Markup {
    let runs = 1 + 2 * result.parameters.len() as u64;
    html! {
        header #run {
            p .kicker { "Personal health budgets: what drives each provider's risk" }
            h1 { (scenario.name) }
            @if let Some(description) = &scenario.description {
                p .lead { (description) }
            }
            dl .meta {
                dt { "Horizon" } dd { (horizon) }
                dt { "Seed" } dd { (manifest.seed) }
                dt { "Iterations" }
                dd {
                    (thousands(manifest.iterations)) " simulated futures per run, "
                    (thousands(runs)) " runs"
                    @if !manifest.exact_percentiles { "; percentiles approximate (SPEC section 6)" }
                }
                dt { "phbsim version" } dd { (manifest.phbsim_version) }
                dt { "Scenario SHA-256" } dd .sha { (manifest.scenario_sha256) }
                dt { "Scenario file" } dd { (manifest.scenario_file) }
                dt { "Run finished" } dd { (manifest.finished) }
                dt { "Parameters varied" } dd { (result.parameters.len()) " uncertain assumptions" }
            }
            p .lead .method {
                "Each uncertain assumption in turn is set to its 10th percentile (P10, a low value) and then its 90th (P90, a high value), while every other assumption keeps its simulated values in every future. The charts show how far that moves each provider's mean income over the horizon and its chance of financial distress by the end of it: the longer the bars, the more the assumption matters."
            }
        }
    }
}

/// `ρ` to two decimals, grey when within the noise of no association.
fn rho_cell(rho: Option<f64>, noise: f64) -> Markup {
    html! {
        @match rho {
            Some(r) if r.abs() < noise => td .noise { (format!("{r:+.2}")) }
            Some(r) => td { (format!("{r:+.2}")) }
            None => td .noise { "–" }
        }
    }
}

/// The strongest rank correlations of one provider, by `|ρ|` with income.
fn rank_table(result: &Sensitivity, provider: &str, noise: f64) -> Markup {
    let rows = result.tornado(provider, Metric::RankCorrelationIncome);
    let distress_rows = result.tornado(provider, Metric::RankCorrelationDistressed);
    let distress = |parameter: &str| {
        distress_rows
            .iter()
            .find(|r| r.parameter == parameter)
            .and_then(|r| r.effect)
    };
    html! {
        table .rank {
            caption {
                "Rank correlation (Spearman's ρ) of each assumption's simulated value with the outcome, over the "
                (thousands(result.iterations)) " futures of the plain run; the "
                (rows.len().min(TOP_RANK)) " strongest with income. ρ near +1: higher values go with a higher outcome; near −1: with a lower one. Values within ±"
                (format!("{noise:.2}")) " (greyed) are indistinguishable from chance."
            }
            thead { tr { th scope="col" { "Assumption" } th scope="col" { "ρ with income" } th scope="col" { "ρ with distress" } } }
            tbody {
                @for row in rows.iter().take(TOP_RANK) {
                    tr {
                        th scope="row" .param title=(row.parameter) { (result.label(&row.parameter)) }
                        (rho_cell(row.effect, noise))
                        (rho_cell(distress(&row.parameter), noise))
                    }
                }
            }
        }
    }
}

/// The caption's note on pale bars, when a chart has any.
fn pale(bars: &[Bar]) -> &'static str {
    if bars.iter().any(|b| b.noise) {
        "Pale bars (“within noise”): the swing is less than two Monte Carlo standard errors, so it may be chance; raise -n to tell. "
    } else {
        ""
    }
}

/// One provider's section: its two tornadoes and its rank correlations.
fn provider_section(scenario: &Scenario, result: &Sensitivity, i: usize, horizon: &str) -> Markup {
    let base = &result.base[i];
    let id = base.provider.as_str();
    let name = scenario
        .providers
        .iter()
        .find(|p| p.id == id)
        .map_or(id, |p| p.name.as_str());
    let income_rows = result.tornado(id, Metric::Income);
    let distress_rows = result.tornado(id, Metric::Distressed);
    let total = income_rows.len();
    let shown = total.min(TOP);
    let of = if total > shown {
        format!(
            "The {shown} of {total} assumptions with the largest swing are shown; sensitivity.csv has them all."
        )
    } else {
        String::new()
    };
    let noise = 2.0 / ((result.iterations.max(2) - 1) as f64).sqrt();
    let income_bars = bars(result, &income_rows, base.income, 1.0, TOP);
    let distress_bars = bars(result, &distress_rows, base.distressed, 100.0, TOP);
    let income = tornado_chart(&Tornado {
        id: format!("income-{i}"),
        title: format!("{id}: what moves income"),
        description: format!(
            "Tornado chart of the {shown} assumptions that most change the mean income of {name} over {horizon}, from {} at the usual draws; for each, the change with the assumption at its P10 and at its P90.",
            money(base.income)
        ),
        x_title: format!(
            "change in mean income over the horizon from {} (£)",
            money(base.income)
        ),
        base_label: money(base.income),
        axis: Axis::Money,
        bars: income_bars.clone(),
    });
    let distress_moves = distress_rows
        .iter()
        .any(|r| r.swing.is_some_and(|s| s > 0.0));
    let distress_shown = distress_rows.len().min(TOP);
    let distress = tornado_chart(&Tornado {
        id: format!("distress-{i}"),
        title: format!("{id}: what moves the chance of distress"),
        description: format!(
            "Tornado chart of the {distress_shown} assumptions that most change the probability that {name} is in distress by the end of {horizon}, from {:.1}% at the usual draws; for each, the change in percentage points with the assumption at its P10 and at its P90.",
            base.distressed * 100.0
        ),
        x_title: format!(
            "change in P(distress) from {:.1}% (percentage points)",
            base.distressed * 100.0
        ),
        base_label: format!("{:.1}%", base.distressed * 100.0),
        axis: Axis::Points,
        bars: distress_bars.clone(),
    });
    html! {
        section .provider id=(format!("provider-{id}")) {
            h2 { (name) " " span .id { "(" (id) ")" } }
            p .lead {
                "At the usual draws: mean income " strong { (money(base.income)) } " over " (horizon)
                ", chance of distress by the end " strong { (format!("{:.1}%", base.distressed * 100.0)) } "."
            }
            @if income_rows.is_empty() {
                p .note { "No uncertain assumption in the scenario: nothing to vary." }
            } @else {
                (figure(income, &format!(
                    "How to read: each row is one assumption. The blue bar shows how much higher (right) or lower (left) {id}'s mean income over the horizon is with the assumption at its P10, the orange bar the same at its P90, against {} at the usual draws (the black line). Rows are sorted by swing, the gap between the two ends: the top rows matter most. {}{of}",
                    money(base.income),
                    pale(&income_bars)
                )))
                @if distress_moves {
                    (figure(distress, &format!(
                        "How to read: as above, for the chance that {id} is in distress (reserves below the floor) by the end of the horizon, {:.1}% at the usual draws. A bar to +10 pts means a 10 percentage point higher chance (say from {:.1}% to {:.1}%). Sorted by their own swing, so the order can differ from the income chart. {}",
                        base.distressed * 100.0,
                        base.distressed * 100.0,
                        (base.distressed * 100.0 + 10.0).min(100.0),
                        pale(&distress_bars)
                    )))
                } @else {
                    p .note {
                        "No assumption moves " (id) "'s chance of distress from "
                        (format!("{:.1}%", base.distressed * 100.0))
                        " at either end of its range, so there is no distress chart."
                    }
                }
                (rank_table(result, id, noise))
            }
        }
    }
}

fn footer(manifest: &Manifest, result: &Sensitivity) -> Markup {
    html! {
        footer #notes {
            h2 { "How to read this report" }
            ul {
                li { "P10 and P90 are the values below which 10% and 90% of the assumption's range of uncertainty lies; each is held fixed in all "
                    (thousands(result.iterations)) " futures of its run while every other assumption varies as usual, with the same random numbers as the base run, so the difference is the assumption's alone." }
                li { "A bar's length is the change in the mean over those futures. Changes much smaller than the Monte Carlo error (the effect_se column of sensitivity.csv) are noise; raise " code { "-n" } " before acting on them." }
                li { "One assumption moves at a time. The rank correlations, from the plain run in which all of them vary together, catch effects that depend on the others." }
                li { "Every number comes from sensitivity.csv in this folder." }
            }
            p .generated { "phbsim " (manifest.phbsim_version) ", scenario SHA-256 " span .sha { (manifest.scenario_sha256) } }
        }
    }
}

/// The sensitivity report, as HTML text.
pub fn build(scenario: &Scenario, manifest: &Manifest, result: &Sensitivity) -> String {
    let horizon = format!(
        "{} to {}",
        scenario.start,
        scenario.month_label(scenario.months - 1)
    );
    super::page(
        &format!("phbsim sensitivity: {}", scenario.name),
        Some(STYLE),
        html! {
            (header(scenario, manifest, result, &horizon))
            @for i in 0..result.base.len() {
                (provider_section(scenario, result, i, &horizon))
            }
            (footer(manifest, result))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensitivity::one_way::ProviderBase;
    use crate::sensitivity::one_way::test_rows::{rank, row};

    /// Base income £1m: `big` swings £300k, `small` £50k (both ends above the base),
    /// `idle` nothing.
    fn result() -> Sensitivity {
        let income = [
            row("providers.p.big", Metric::Income, 1_200_000.0, 900_000.0),
            row("cohorts.c.small", Metric::Income, 1_010_000.0, 1_060_000.0),
            row("providers.p.idle", Metric::Income, 1_000_000.0, 1_000_000.0),
        ];
        let distress = [
            row("cohorts.c.small", Metric::Distressed, 0.1, 0.4),
            row("providers.p.big", Metric::Distressed, 0.15, 0.25),
            row("providers.p.idle", Metric::Distressed, 0.2, 0.2),
        ];
        let ranks = [
            rank("providers.p.big", Metric::RankCorrelationIncome, -0.6),
            rank("cohorts.c.small", Metric::RankCorrelationIncome, 0.02),
            rank("providers.p.idle", Metric::RankCorrelationIncome, 0.01),
            rank("cohorts.c.small", Metric::RankCorrelationDistressed, 0.3),
            rank("providers.p.big", Metric::RankCorrelationDistressed, 0.1),
            rank("providers.p.idle", Metric::RankCorrelationDistressed, 0.0),
        ];
        Sensitivity {
            iterations: 400,
            seed: 1,
            parameters: vec![
                "providers.p.big".into(),
                "cohorts.c.small".into(),
                "providers.p.idle".into(),
            ],
            labels: vec![
                "providers.p.big".into(),
                "cohorts.c.small".into(),
                "providers.p.idle".into(),
            ],
            base: vec![ProviderBase {
                provider: "p".into(),
                income: 1_000_000.0,
                distressed: 0.2,
            }],
            rows: income.into_iter().chain(distress).chain(ranks).collect(),
            exact_percentiles: true,
        }
    }

    fn chart(result: &Sensitivity, metric: Metric) -> String {
        let base = &result.base[0];
        let (value, scale, axis) = match metric {
            Metric::Income => (base.income, 1.0, Axis::Money),
            _ => (base.distressed, 100.0, Axis::Points),
        };
        tornado_chart(&Tornado {
            id: "t".into(),
            title: "t".into(),
            description: "d".into(),
            x_title: "x".into(),
            base_label: "b".into(),
            axis,
            bars: bars(result, &result.tornado("p", metric), value, scale, TOP),
        })
        .into_string()
    }

    /// A drawn bar: its class (`low` or `high`), x and width.
    type Rect = (String, f64, f64);

    /// `(label, bars)` of each row, top to bottom.
    fn rows(svg: &str) -> Vec<(String, Vec<Rect>)> {
        let doc = roxmltree::Document::parse(svg).expect("well-formed");
        doc.descendants()
            .filter(|n| n.attribute("class") == Some("row"))
            .map(|g| {
                let label = g
                    .descendants()
                    .find(|n| n.attribute("class") == Some("label"))
                    .and_then(|t| t.children().find(|c| c.has_tag_name("title")))
                    .and_then(|t| t.text())
                    .unwrap_or_default()
                    .to_string();
                let rects = g
                    .descendants()
                    .filter(|n| n.has_tag_name("rect"))
                    .map(|r| {
                        let num = |a: &str| r.attribute(a).unwrap().parse::<f64>().unwrap();
                        (
                            r.attribute("class").unwrap().to_string(),
                            num("x"),
                            num("width"),
                        )
                    })
                    .collect();
                (label, rects)
            })
            .collect()
    }

    #[test]
    fn bars_are_drawn_in_order_of_swing_with_every_label() {
        let r = result();
        let svg = chart(&r, Metric::Income);
        let drawn = rows(&svg);
        let labels: Vec<&str> = drawn.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            ["providers.p.big", "cohorts.c.small", "providers.p.idle"]
        );
        // Wider bars higher up: each row's extent (the swing) shrinks downwards.
        let extent = |rects: &[Rect]| {
            let lo = rects.iter().map(|r| r.1).fold(f64::INFINITY, f64::min);
            let hi = rects.iter().map(|r| r.1 + r.2).fold(0.0, f64::max);
            hi - lo
        };
        let extents: Vec<f64> = drawn.iter().map(|(_, r)| extent(r)).collect();
        assert!(extents.windows(2).all(|w| w[0] > w[1]), "{extents:?}");
        // `big`: low end above the base (right of it), high end below (left of it),
        // both bars touching the base line.
        let big = &drawn[0].1;
        let (low, high) = (&big[0], &big[1]);
        assert_eq!((low.0.as_str(), high.0.as_str()), ("low", "high"));
        assert!((low.1 - (high.1 + high.2)).abs() < 0.11, "{big:?}");
        assert!(
            (low.2 / high.2 - 2.0 / 1.0).abs() < 0.01,
            "+200k against -100k"
        );
        assert!(
            svg.contains(">+£200k<") && svg.contains(">-£100k<"),
            "{svg}"
        );
        // The distress chart has its own order, in percentage points.
        let svg = chart(&r, Metric::Distressed);
        let labels: Vec<String> = rows(&svg).into_iter().map(|(l, _)| l).collect();
        assert_eq!(labels[0], "cohorts.c.small");
        assert!(svg.contains(">+20.0 pts<") && svg.contains(">-10.0 pts<"));
    }

    #[test]
    fn a_parameter_with_no_effect_has_zero_width_bars() {
        let svg = chart(&result(), Metric::Income);
        let drawn = rows(&svg);
        let (label, idle) = drawn.last().unwrap();
        assert_eq!(label, "providers.p.idle");
        assert_eq!(idle.len(), 2);
        assert!(idle.iter().all(|r| r.2 == 0.0), "{idle:?}");
        assert!(svg.contains(">no effect<"));
        assert!(
            !svg.contains("within noise"),
            "a zero swing is no effect, not noise"
        );
        assert!(!svg.contains("fill-opacity"));
    }

    #[test]
    fn a_swing_within_two_standard_errors_is_drawn_pale() {
        let mut r = result();
        r.rows[1].effect_se = Some(30_000.0); // `small`: swing £50k < 2 × £30k
        let svg = chart(&r, Metric::Income);
        let drawn = rows(&svg);
        assert_eq!(drawn[1].0, "cohorts.c.small");
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let pale: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("fill-opacity") == Some("0.4"))
            .collect();
        assert_eq!(pale.len(), 2, "both of its bars and no other");
        assert_eq!(svg.matches("within noise").count(), 1);
    }

    #[test]
    fn only_the_top_parameters_are_drawn_and_long_labels_keep_their_end() {
        let mut r = result();
        let many: Vec<Row> = (0..20)
            .map(|k| row(&format!("x{k:02}"), Metric::Income, 0.0, 20.0 - k as f64))
            .collect();
        r.rows = many;
        let svg = chart(&r, Metric::Income);
        assert_eq!(rows(&svg).len(), TOP);
        let long = "budget_forms.direct_payment.services.a-very-long-provider-name/a-very-long-service-name";
        let fitted = fit(long, LABEL_MAX);
        assert!(fitted.starts_with('…') && fitted.ends_with("a-very-long-service-name"));
        assert!(fitted.chars().count() as f64 * CHAR_WIDTH <= LABEL_MAX);
    }

    fn manifest() -> Manifest {
        serde_json::from_value(serde_json::json!({
            "tool": "phbsim", "phbsim_version": "0.0.0", "scenario_name": "closed form",
            "scenario_file": "closed.toml", "scenario_sha256": "ab".repeat(32), "seed": 17,
            "iterations": 400, "iterations_overridden": false, "seed_overridden": false,
            "threads": 1, "exact_percentiles": true, "variants": [],
            "started": "2026-01-01T00:00:00Z", "finished": "2026-01-01T00:00:01Z",
            "elapsed_seconds": 1.0
        }))
        .expect("a manifest")
    }

    #[test]
    fn the_page_is_self_contained_and_every_chart_is_labelled() {
        let scenario = crate::sensitivity::test_scenario::closed_form();
        let page = build(&scenario, &manifest(), &result());
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(!page.contains("<script"));
        assert!(!page.contains("http://") && !page.contains("https://"));
        assert!(page.contains("closed form") && page.contains(&"ab".repeat(32)));
        assert!(page.contains("0.0.0") && page.contains(">17<"));
        let svgs: Vec<&str> = page.split("<svg").skip(1).collect();
        assert_eq!(svgs.len(), 2, "income and distress tornadoes");
        for svg in svgs {
            let open = &svg[..svg.find('>').unwrap()];
            assert!(open.contains("role=\"img\""), "{open}");
            assert!(svg.contains("<title"), "every chart has a title");
            assert!(svg.contains("<desc"));
        }
        // The rank table: strongest with income first, noise greyed.
        let table = &page[page.find("<table").unwrap()..];
        assert!(table.find("providers.p.big").unwrap() < table.find("cohorts.c.small").unwrap());
        assert!(table.contains("<td>-0.60</td>"));
        assert!(table.contains("<td class=\"noise\">+0.02</td>"));
    }
}
