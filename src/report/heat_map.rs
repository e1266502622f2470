//! The heat map: one row per provider, one cell per month, each cell coloured by a
//! probability on a light-to-dark ramp that reads without hue (colour-blind safe) and
//! carrying its value as printed text (so a printed page carries the numbers), as well
//! as a tooltip and text alternative. When a long horizon makes the cells too narrow
//! for a number, each row's peak and its month are printed beside the row instead.

use maud::{Markup, html};

use super::charts::{BOTTOM, CHAR_WIDTH, LEFT, RIGHT, WIDTH, frame_sized, month_axis};
use super::svg::{LinearScale, coord};

/// Top of the cells, below the title and the colour key.
const TOP: f64 = 56.0;

/// Font size of the numbers in the cells, in chart units.
const CELL_FONT: f64 = 7.0;

/// Narrowest cell, in chart units, that holds a number of up to three characters
/// ("100", "<1") at [`CELL_FONT`] (about 0.55 of the font size per character).
const MIN_LABELLED_CELL: f64 = 12.0;

/// Width beside the rows for "peak 100% in 2027-04" when cells hold no number.
const PEAK_WIDTH: f64 = 130.0;

/// A probability in whole per cent for a cell: `0`, `<1` (below 0.5% but not
/// zero), `37`, `100`.
pub fn cell_label(p: f64) -> String {
    if p > 0.0 && p < 0.005 {
        "<1".to_string()
    } else {
        format!("{:.0}", p * 100.0)
    }
}

/// The text colour that reads on a cell of probability `p`: light on the dark end of
/// the ramp, dark elsewhere (the same switch as the report's risk cells).
pub fn ink(p: f64) -> &'static str {
    if p > 0.45 { "#fff" } else { "#222" }
}

/// A heat map of probabilities: one row per entity, one cell per month.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatMap<'a> {
    pub id: String,
    pub title: String,
    pub description: String,
    pub months: &'a [String],
    /// Row label and its monthly probabilities (`None` where undefined).
    pub rows: Vec<(String, Vec<Option<f64>>)>,
}

/// Light to dark with rising probability, so order reads without hue: near-white,
/// Okabe–Ito orange, vermillion, then a dark red-brown.
const RAMP: [(f64, [u8; 3]); 4] = [
    (0.0, [0xf7, 0xf7, 0xf7]),
    (0.25, [0xe6, 0x9f, 0x00]),
    (0.6, [0xd5, 0x5e, 0x00]),
    (1.0, [0x5c, 0x1a, 0x00]),
];

/// The heat map colour of probability `p` (clamped to 0..=1), as `#rrggbb`.
pub fn ramp(p: f64) -> String {
    let p = if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let upper = RAMP
        .iter()
        .position(|&(at, _)| at >= p)
        .unwrap_or(RAMP.len() - 1)
        .max(1);
    let (a, ca) = RAMP[upper - 1];
    let (b, cb) = RAMP[upper];
    let f = if b > a { (p - a) / (b - a) } else { 0.0 };
    let mix =
        |i: usize| (f64::from(ca[i]) + f * (f64::from(cb[i]) - f64::from(ca[i]))).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(0), mix(1), mix(2))
}

/// Renders a heat map as inline SVG.
pub fn heat_map(map: &HeatMap<'_>) -> Markup {
    const ROW: f64 = 28.0;
    let longest = map
        .rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let left = (longest as f64 * CHAR_WIDTH * 1.1 + 12.0).max(LEFT);
    let height = TOP + ROW * map.rows.len() as f64 + BOTTOM;
    let bottom = height - BOTTOM;
    let months = map.months.len().max(1);
    let labelled = (WIDTH - RIGHT - left) / months as f64 >= MIN_LABELLED_CELL;
    let width = if labelled { WIDTH } else { WIDTH + PEAK_WIDTH };
    let right = width - RIGHT - if labelled { 0.0 } else { PEAK_WIDTH };
    let cell = (right - left) / months as f64;
    // Month ticks sit at cell centres.
    let x = LinearScale::new((0.0, months as f64), (left, right));
    let centre = LinearScale::new((-0.5, months as f64 - 0.5), (left, right));
    let ramp_id = format!("{}-ramp", map.id);
    let key = if labelled {
        "chance of deficit that month, in % (grey: no data)"
    } else {
        "chance of deficit that month (grey: no data)"
    };
    let body = html! {
        defs {
            linearGradient id=(ramp_id) {
                @for (at, _) in RAMP {
                    stop offset=(format!("{}%", at * 100.0)) stop-color=(ramp(at)) {}
                }
            }
        }
        g fill="#333" {
            rect x=(coord(left)) y="24" width="160" height="10" fill=(format!("url(#{ramp_id})")) stroke="#bbb" {}
            text x=(coord(left)) y="48" { "0%" }
            text x=(coord(left + 80.0)) y="48" text-anchor="middle" { "50%" }
            text x=(coord(left + 160.0)) y="48" text-anchor="end" { "100%" }
            text x=(coord(left + 172.0)) y="33" { (key) }
        }
        @for (r, (label, values)) in map.rows.iter().enumerate() {
            @let top = TOP + r as f64 * ROW;
            text x=(coord(left - 8.0)) y=(coord(top + ROW / 2.0 + 4.0)) text-anchor="end" fill="#333" { (label) }
            @for (t, value) in values.iter().enumerate().take(months) {
                rect x=(coord(x.map(t as f64))) y=(coord(top + 1.0)) width=(coord(cell + 0.05)) height=(coord(ROW - 2.0))
                    fill=(value.map_or("#cccccc".to_string(), ramp)) {
                    title { (label) ", " (map.months[t]) ": " (value.map_or("no data".to_string(), |p| format!("{:.1}%", p * 100.0))) }
                }
            }
            @if labelled {
                g .cell-values font-size=(CELL_FONT) text-anchor="middle" {
                    @for (t, value) in values.iter().enumerate().take(months) {
                        @if let Some(p) = value {
                            text x=(coord(centre.map(t as f64))) y=(coord(top + ROW / 2.0 + CELL_FONT * 0.35)) fill=(ink(*p)) { (cell_label(*p)) }
                        }
                    }
                }
            } @else {
                @let peak = values.iter().take(months).enumerate()
                    .filter_map(|(t, v)| v.map(|p| (t, p)))
                    .fold(None, |best: Option<(usize, f64)>, (t, p)| match best {
                        Some((_, b)) if b >= p => best,
                        _ => Some((t, p)),
                    });
                text .peak x=(coord(right + 8.0)) y=(coord(top + ROW / 2.0 + 4.0)) fill="#333" {
                    @match peak {
                        Some((t, p)) => { "peak " (crate::format::percent(p)) " in " (map.months[t]) }
                        None => { "no data" }
                    }
                }
            }
        }
        (month_axis(&centre, map.months, bottom))
    };
    frame_sized(&map.id, &map.title, &map.description, width, height, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn months(n: usize) -> Vec<String> {
        (0..n).map(|t| format!("2027-{:02}", t + 1)).collect()
    }

    /// Relative luminance (sRGB, Rec. 709 weights, ignoring gamma: enough to order).
    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap());
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    #[test]
    fn the_heat_map_ramp_darkens_steadily_so_it_reads_without_hue() {
        let shades: Vec<f64> = (0..=20)
            .map(|i| luminance(&ramp(f64::from(i) / 20.0)))
            .collect();
        assert!(shades.windows(2).all(|w| w[1] < w[0]), "{shades:?}");
        assert_eq!(ramp(0.0), "#f7f7f7");
        assert_eq!(ramp(1.0), "#5c1a00");
        assert_eq!(ramp(f64::NAN), ramp(0.0));
        assert_eq!(ramp(2.0), ramp(1.0));
    }

    #[test]
    fn a_heat_map_has_one_cell_per_row_and_month_each_with_its_value() {
        let labels = &months(4);
        let svg = heat_map(&HeatMap {
            id: "h".into(),
            title: "h".into(),
            description: "d".into(),
            months: labels,
            rows: vec![
                ("a".into(), vec![Some(0.0), Some(0.25), Some(0.5), None]),
                ("b".into(), vec![Some(1.0); 4]),
            ],
        })
        .into_string();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        let cells: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect") && n.children().any(|c| c.has_tag_name("title")))
            .collect();
        assert_eq!(cells.len(), 8);
        let tip = |i: usize| {
            cells[i]
                .first_element_child()
                .unwrap()
                .text()
                .unwrap()
                .to_string()
        };
        assert_eq!(tip(1), "a, 2027-02: 25.0%");
        assert_eq!(tip(3), "a, 2027-04: no data");
        assert_eq!(cells[4].attribute("fill"), Some(ramp(1.0).as_str()));
    }
}
