//! "Read me": what was run (scenario, file, SHA-256, seed, iterations, phbsim version
//! and build, whether percentiles are exact), how to read the other sheets, and where
//! the CSV files with everything else are. No time of day: it would make two runs'
//! bytes differ.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::LeftOut;
use super::monthly::CHARTED_PROVIDERS;
use super::style::{Styles, cell_text, page_setup};
use crate::format::thousands;
use crate::report::data::OutputData;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The columns' widths, in characters.
const LABEL_WIDTH: f64 = 22.0;
const TEXT_WIDTH: f64 = 100.0;

/// Rows of (label, text) in two columns; a label alone is a heading, text alone a
/// paragraph.
struct Lines {
    rows: Vec<(String, String)>,
}

impl Lines {
    fn pair(&mut self, label: &str, text: impl Into<String>) {
        self.rows.push((label.to_string(), text.into()));
    }
    fn heading(&mut self, label: &str) {
        self.rows.push((String::new(), String::new()));
        self.rows.push((label.to_string(), String::new()));
    }
    fn point(&mut self, text: impl Into<String>) {
        self.rows.push((String::new(), text.into()));
    }
}

/// The "Read me" sheet; `left_out` are the detail sheets too long for Excel.
pub(super) fn sheet(
    data: &OutputData,
    build: &str,
    left_out: &[LeftOut],
    styles: &Styles,
) -> Result<Worksheet, XlsxError> {
    let m = &data.manifest;
    let s = &data.scenario;
    let first = data.months.first().map_or("", String::as_str);
    let last = data.months.last().map_or("", String::as_str);
    let set = |yes: bool| {
        if yes {
            " (set on the command line)"
        } else {
            ""
        }
    };
    let futures = thousands(m.iterations);
    let mut lines = Lines { rows: Vec::new() };
    lines.pair("Scenario", s.name.clone());
    if let Some(description) = &s.description {
        lines.pair("Description", description.clone());
    }
    lines.pair("Scenario file", m.scenario_file.clone());
    lines.pair("Scenario SHA-256", m.scenario_sha256.clone());
    lines.pair(
        "Horizon",
        format!("{first} to {last} ({} months)", data.months.len()),
    );
    let year_start = MONTHS[usize::from(s.prices.year_start.clamp(1, 12)) - 1];
    lines.pair("Financial years", format!("start in {year_start}"));
    lines.pair("Seed", format!("{}{}", m.seed, set(m.seed_overridden)));
    lines.pair(
        "Iterations",
        format!(
            "{futures} simulated futures{}",
            set(m.iterations_overridden)
        ),
    );
    lines.pair(
        "Percentiles",
        if m.exact_percentiles {
            "exact (type 7, as R and numpy compute them)".to_string()
        } else {
            "approximate: each within 0.5% of its series' range over the futures (max − min) \
             of the exact value; means and standard deviations are exact"
                .to_string()
        },
    );
    if data.variants.is_empty() {
        lines.pair("Variants", "none");
    } else {
        for (i, variant) in data.variants.iter().enumerate() {
            let changes: Vec<String> = variant
                .changes
                .iter()
                .map(|(path, value)| format!("{path} = {value}"))
                .collect();
            let mut text = variant.name.clone();
            if let Some(description) = &variant.description {
                text.push_str(&format!(": {description}"));
            }
            text.push_str(&format!(" (sets {})", changes.join("; ")));
            lines.pair(if i == 0 { "Variants" } else { "" }, text);
        }
    }
    lines.pair("phbsim version", m.phbsim_version.clone());
    lines.pair("phbsim build", build.to_string());

    lines.heading("How to read this workbook");
    lines.point(format!(
        "Every figure summarises {futures} simulated futures of the same scenario: in each, \
         every uncertain assumption takes one random value and every month runs once."
    ));
    lines.point(
        "P5, P50 and P95: in 5% of the futures the value is at or below P5, in half of them \
         at or below P50 (the median), in 95% at or below P95. P5 to P95 holds the middle 90% \
         of the futures, P25 to P75 the middle half. A mean is the average over the futures.",
    );
    lines.point(format!(
        "Chance of distress: the share of the futures in which a provider's reserves fall \
         below its reserve floor in some month up to {last}. \"Without PHBs\" is the same \
         futures with no budgets offered, so the difference is what budgets do."
    ));
    lines.point(
        "Money is in cash: each month at the prices of its financial year. Income change is \
         in per cent of the income without PHBs.",
    );
    lines.point(
        "Every number is a value, not a formula, copied from the CSV files beside this \
         workbook. A few columns are worked out from them and say so: the risk added by \
         PHBs, the income that comes back, the monthly charts' reference lines and the band \
         widths in \"Chart data\".",
    );
    lines.point(if data.variants.is_empty() {
        "Every sheet shows the scenario as run.".to_string()
    } else {
        "Every sheet shows the base (the scenario as run) except \"Variants\", which holds \
         each variant against it."
            .to_string()
    });

    lines.heading("Sheets");
    lines.pair(
        "Assumptions",
        "every parameter of the scenario by its path, with its value or distribution and, \
         for a distribution, its 10th, 50th and 90th percentiles",
    );
    lines.pair(
        "Providers",
        "each provider's chance of distress with and without PHBs, income change and lowest \
         reserves, riskiest first",
    );
    if data.base().years.is_some() {
        lines.pair(
            "Financial years",
            "per provider and the commissioner, each measure by financial year: median with \
             P5 and P95 beside it, and the mean (for a yes/no measure, its chance)",
        );
    }
    let charts = if data.scenario.providers.len() > CHARTED_PROVIDERS {
        format!("a fan chart each for the {CHARTED_PROVIDERS} riskiest")
    } else {
        "a fan chart each".to_string()
    };
    lines.pair(
        "Monthly",
        format!(
            "per provider, income and reserves by month (P5 to P95) with {charts}; the \
             commissioner's spend against its spend without PHBs"
        ),
    );
    if !data.variants.is_empty() {
        lines.pair(
            "Variants",
            "each variant against the base, paired future by future: the difference and the \
             chance the variant is worse",
        );
    }
    for (name, text) in [
        (
            "Services",
            "each service's income and activity by financial year, laid out as \"Financial \
             years\"",
        ),
        (
            "Cohorts",
            "each cohort's budget holders, new holders and budget spending by month (months \
             across)",
        ),
    ] {
        let written = name != "Services" || data.base().years.is_some();
        if written && left_out.iter().all(|l| l.name != name) {
            lines.pair(name, text);
        }
    }
    lines.pair(
        "Chart data",
        "the band widths the Monthly charts stack (P25 − P5, P75 − P25, P95 − P75), row by \
         row beside Monthly's rows",
    );

    lines.heading("The CSV files");
    let mut files = vec!["months.csv", "summary.csv"];
    if data.base().years.is_some() {
        files.push("years.csv");
    }
    if !data.variants.is_empty() {
        files.push("compare.csv");
    }
    lines.point(format!(
        "This workbook was written in the same folder as {}, manifest.json, scenario.toml \
         and report.html. The CSV files hold every statistic (mean, sd, P5, P25, P50, P75, \
         P95) of every series, the variants' included; this workbook is a selection for \
         finance teams. Open report.html for the same results as a report.",
        files.join(", ")
    ));
    lines.point(
        "Left to the CSV files: providers' costs, margin and deficit by month, services' \
         monthly series, cohorts' people without a budget and returns, the commissioner's \
         spending by kind, standard deviations, and every series of the variants but their \
         comparison.",
    );
    for sheet in left_out {
        let file = if sheet.level == crate::engine::Level::Service {
            "years.csv"
        } else {
            "months.csv"
        };
        lines.point(format!(
            "\"{}\" is left out: it would need {} rows, more than Excel's {}. Its numbers are \
             in {file} (level \"{}\").",
            sheet.name,
            thousands(sheet.rows),
            thousands(super::MAX_ROWS),
            sheet.level.as_str(),
        ));
    }

    let mut sheet = Worksheet::new();
    sheet.set_name("Read me")?;
    let title = format!("phbsim results: {}", s.name);
    sheet.write_string_with_format(0, 0, cell_text(&title), &styles.title)?;
    sheet.set_row_height(0, 21)?;
    sheet.set_column_width(0, LABEL_WIDTH)?;
    sheet.set_column_width(1, TEXT_WIDTH)?;
    for (i, (label, text)) in lines.rows.iter().enumerate() {
        let row = i as u32 + 2;
        if !label.is_empty() {
            sheet.write_string_with_format(row, 0, label, &styles.label)?;
        }
        if !text.is_empty() {
            sheet.write_string_with_format(row, 1, cell_text(text), &styles.wrap)?;
            // Spreadsheets do not all grow a row to its wrapped text: say how high (a
            // column holds about 1.15 characters of text per unit of width).
            let lines = (text.chars().count() as f64 / (TEXT_WIDTH * 1.15))
                .ceil()
                .max(1.0);
            if lines > 1.0 {
                sheet.set_row_height(row, 15.0 * lines)?;
            }
        }
    }
    page_setup(&mut sheet, 0, 0, 1)?;
    sheet.set_portrait();
    Ok(sheet)
}
