//! The short table printed after a run (SPEC section 5): per provider its baseline and
//! projected income over the horizon, its chance of distress with and without PHBs,
//! and how much of the income it loses to budgets comes back as budget spending; then
//! each provider's worst financial year; then the commissioner's double-running cost;
//! then where the outputs are and which file to open first.

use std::fmt::Write;

use crate::engine::Level;
use crate::engine::layout::ProviderYear;
use crate::format::{money, percent};
use crate::report::money_follows::MoneyFollows;
use crate::run::{Comparison, RunResult, SetResult};
use crate::scenario::Scenario;
use crate::stats::Summary;

/// The summary statistic of `entity`'s `metric`, if the run has it.
fn find<'a>(
    result: &'a RunResult,
    level: Level,
    entity: &str,
    metric: &str,
) -> Option<&'a Summary> {
    result
        .layout
        .summary_names()
        .iter()
        .position(|n| n.level == level && n.entity == entity && n.metric == metric)
        .and_then(|i| result.summary[i].as_ref())
}

/// A series' mean summed over the months, if the run has it.
fn series_total(result: &RunResult, level: Level, entity: &str, metric: &str) -> f64 {
    let names = result.layout.monthly_names();
    names
        .iter()
        .position(|n| n.level == level && n.entity == entity && n.metric == metric)
        .map_or(0.0, |series| {
            result.monthly[result.layout.series_range(series)]
                .iter()
                .flatten()
                .map(|s| s.mean)
                .sum()
        })
}

/// Provider `p`'s worst financial year: the one whose median margin is lowest (the
/// first of equals), with that margin's statistics and the chance of a deficit that
/// year; `None` if no year's margin is defined.
fn worst_year(result: &RunResult, p: usize) -> Option<(usize, Summary, Option<Summary>)> {
    let layout = &result.layout;
    let stat = |metric, y| result.summary[layout.provider_year(p, metric, y)];
    (0..layout.years().len())
        .filter_map(|y| stat(ProviderYear::Margin, y).map(|margin| (y, margin)))
        .min_by(|(_, a), (_, b)| a.p50.total_cmp(&b.p50))
        .map(|(y, margin)| (y, margin, stat(ProviderYear::Deficit, y)))
}

/// One line per provider: its worst financial year, that year's median margin and its
/// chance of a deficit year.
fn render_worst_years(scenario: &Scenario, result: &RunResult, width: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nworst financial year (lowest median margin, in cash; a partial year counts its months only):"
    );
    let _ = writeln!(
        out,
        "{:<width$}  {:>12}  {:>6}  {:>12}  {:>10}",
        "provider", "year", "months", "margin P50", "P(deficit)"
    );
    for (p, provider) in scenario.providers.iter().enumerate() {
        let Some((y, margin, deficit)) = worst_year(result, p) else {
            continue;
        };
        let year = &result.layout.years()[y];
        let deficit = deficit.map_or(String::new(), |s| percent(s.mean));
        let _ = writeln!(
            out,
            "{:<width$}  {:>12}  {:>6}  {:>12}  {deficit:>10}",
            provider.id,
            year.label,
            year.months,
            money(margin.p50)
        );
    }
    out
}

/// The post-run table of `scenario`'s providers and the commissioner's double-running
/// cost.
pub fn render(scenario: &Scenario, result: &RunResult, horizon_label: &str) -> String {
    let width = (scenario.providers.iter())
        .map(|p| p.id.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:>12}  {:>12}  {:>23}  {:>10}  {:>10}  {:>10}",
        "provider",
        "baseline",
        "income P50",
        "income P5 – P95",
        "P(distr.)",
        "no PHBs",
        "comes back"
    );
    for p in &scenario.providers {
        let provider = p.id.as_str();
        let get = |metric| find(result, Level::Provider, provider, metric);
        let baseline = get("baseline_income").map_or(String::new(), |s| money(s.mean));
        let (p50, band) = get("income").map_or((String::new(), String::new()), |s| {
            (money(s.p50), format!("{} – {}", money(s.p5), money(s.p95)))
        });
        let distress = get("distressed").map_or(String::new(), |s| percent(s.mean));
        let distress_baseline =
            get("distressed_baseline").map_or(String::new(), |s| percent(s.mean));
        let mean = |metric| get(metric).map_or(0.0, |s| s.mean);
        let follows = MoneyFollows::of(p, mean("baseline_income"), mean("income"), |s| {
            let entity = format!("{provider}/{}", s.id);
            series_total(result, Level::Service, &entity, "phb_activity")
        });
        let back = match follows.share() {
            None => "–".to_string(),
            Some(share) if share > 1.0 => ">100%".to_string(),
            Some(share) => percent(share),
        };
        let _ = writeln!(
            out,
            "{provider:<width$}  {baseline:>12}  {p50:>12}  {band:>23}  {distress:>10}  {distress_baseline:>10}  {back:>10}"
        );
    }
    let _ = writeln!(
        out,
        "comes back: of the income a provider loses as patients take budgets, the share holders spend with it again"
    );
    out.push_str(&render_worst_years(scenario, result, width));
    if let Some(extra) = find(
        result,
        Level::Commissioner,
        "commissioner",
        "additional_vs_baseline",
    ) {
        let _ = writeln!(
            out,
            "\ncommissioner's double-running cost over {horizon_label}: {} on average (P5 {} – P95 {})",
            money(extra.mean),
            money(extra.p5),
            money(extra.p95)
        );
    }
    out
}

/// Where the outputs of a run are and what each file holds, the one to open first
/// at the top; `compare.csv` only when the run had variants.
pub fn render_guide(output_dir: &str, with_comparisons: bool) -> String {
    let files = [
        (
            "report.html",
            "open this first, in a browser: the run's charts and tables",
        ),
        (
            "results.xlsx",
            "the same for Excel: providers, financial years, monthly fan charts, assumptions",
        ),
        (
            "months.csv",
            "monthly series: each provider, service, cohort and the commissioner",
        ),
        (
            "summary.csv",
            "whole-horizon metrics: income change, P(distress), double-running cost",
        ),
        (
            "years.csv",
            "each financial year, as finance teams plan: income, margin, P(deficit), spend",
        ),
        ("compare.csv", "each variant against the base, paired"),
        (
            "manifest.json",
            "what was run: version, seed, iterations, timing (scenario.toml: its file)",
        ),
    ];
    let mut out = format!("\noutputs: {output_dir}\n");
    for (name, holds) in files {
        if name != "compare.csv" || with_comparisons {
            let _ = writeln!(out, "  {name:<13}  {holds}");
        }
    }
    out
}

/// Per variant and provider: the paired change in income over the horizon (mean and
/// P5–P95), the change in P(distress), and how often the variant lowers income.
pub fn render_comparisons(set: &SetResult, names: &[&str]) -> String {
    let mut out = String::new();
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(
        out,
        "\nvariants against the base (paired, common random numbers):"
    );
    let pairs_a_provider = |comparison: &Comparison| {
        comparison
            .metrics
            .iter()
            .any(|m| m.name.level == Level::Provider && m.name.metric == "income")
    };
    if set.comparisons.iter().any(pairs_a_provider) {
        let _ = writeln!(
            out,
            "{:<width$}  {:<16}  {:>12}  {:>23}  {:>11}  {:>12}",
            "variant", "provider", "Δ income", "Δ income P5 – P95", "Δ P(distr.)", "P(less inc.)"
        );
    }
    for comparison in &set.comparisons {
        let find = |entity: &str, metric: &str| {
            comparison
                .metrics
                .iter()
                .position(|m| m.name.entity == entity && m.name.metric == metric)
        };
        let providers: Vec<&str> = comparison
            .metrics
            .iter()
            .filter(|m| m.name.level == Level::Provider && m.name.metric == "income")
            .map(|m| m.name.entity.as_str())
            .collect();
        if !pairs_a_provider(comparison) {
            // Only what both scenarios have is paired: without a common provider the
            // table would be empty and say nothing.
            let _ = writeln!(
                out,
                "{} and {} have no provider in common, so there is nothing to pair; run each with `phbsim run` to see its results",
                names[0], names[comparison.variant]
            );
        }
        for provider in providers {
            let income = find(provider, "income");
            let (mean, band, p_less) = income
                .and_then(|k| comparison.difference[k].map(|d| (d, comparison.p_worse[k])))
                .map_or((String::new(), String::new(), String::new()), |(d, p)| {
                    (
                        money(d.mean),
                        format!("{} – {}", money(d.p5), money(d.p95)),
                        percent(p),
                    )
                });
            let distress = find(provider, "distressed")
                .and_then(|k| comparison.difference[k])
                .map_or(String::new(), |d| format!("{:+.1} pts", d.mean * 100.0));
            let _ = writeln!(
                out,
                "{:<width$}  {provider:<16}  {mean:>12}  {band:>23}  {distress:>11}  {p_less:>12}",
                names[comparison.variant]
            );
        }
    }
    out
}

/// The tables printed after a run or a merge (SPEC section 5): providers, then the
/// variants against the base, then where the outputs are and what each file holds.
pub fn render_run(scenarios: &[&Scenario], set: &SetResult, output_dir: &str) -> String {
    let scenario = scenarios[0];
    let horizon = format!(
        "{} to {}",
        scenario.start,
        scenario.month_label(scenario.months - 1)
    );
    let mut out = render(scenario, &set.runs[0], &horizon);
    if !set.comparisons.is_empty() {
        let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
        out.push_str(&render_comparisons(set, &names));
    }
    out.push_str(&render_guide(output_dir, !set.comparisons.is_empty()));
    out
}

/// The parameters that differ between two scenario files, by path: `changed` holds
/// (path, value in A, value in B), `None` where a file leaves it at its default.
pub fn render_differences(
    a: &str,
    b: &str,
    changed: &[(String, Option<String>, Option<String>)],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} parameter(s) differ between {a} (A) and {b} (B):",
        changed.len()
    );
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(default)".to_string());
    for (path, in_a, in_b) in changed {
        let _ = writeln!(
            out,
            "  {path}\n      A: {}\n      B: {}",
            shown(in_a),
            shown(in_b)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::OutputLayout;
    use crate::scenario::parse_scenario;

    /// Statistics with median `p50` and mean `mean`, spread around the median.
    fn stats(mean: f64, p50: f64) -> Option<Summary> {
        Some(Summary::new(
            mean,
            1.0,
            [p50 - 2.0, p50 - 1.0, p50, p50 + 1.0, p50 + 2.0],
        ))
    }

    /// Providers `a` and `b` from February 2027 for 15 months (years 2026-27 of 2
    /// months, 2027-28, and 2028-29 of 1), every statistic undefined.
    fn two_providers() -> (Scenario, RunResult) {
        let text = r#"
schema_version = 1

[scenario]
name = "two"
start = "2027-02"
months = 15

[[providers]]
id = "a"
[[providers.services]]
id = "x"
payment = "activity"
unit_price = 10

[[providers]]
id = "b"
[[providers.services]]
id = "y"
payment = "activity"
unit_price = 10

[[cohorts]]
id = "c"
size = 10
uptake = { model = "constant", monthly = 0.1 }
budget = 1_000
uses = [{ service = "a/x", per_month = 1 }]
"#;
        let s = parse_scenario(text).expect("valid").scenario;
        let layout = OutputLayout::new(&s);
        let result = RunResult {
            monthly: vec![None; layout.monthly_len()],
            summary: vec![None; layout.summary_len()],
            layout,
            exact_percentiles: true,
        };
        (s, result)
    }

    #[test]
    fn each_provider_s_worst_year_is_the_one_with_the_lowest_median_margin() {
        let (s, mut result) = two_providers();
        let layout = result.layout.clone();
        let labels: Vec<&str> = layout.years().iter().map(|y| y.label.as_str()).collect();
        assert_eq!(labels, ["2026-27", "2027-28", "2028-29"]);
        // `a`: the full year is worst by its median, though the partial first year has
        // the lower mean; `b`: equal medians, the first is named.
        for (y, mean, p50, deficit) in [
            (0, -900_000.0, -10_000.0, 0.1),
            (1, -200_000.0, -250_000.0, 0.345),
            (2, 5_000.0, 5_000.0, 0.0),
        ] {
            result.summary[layout.provider_year(0, ProviderYear::Margin, y)] = stats(mean, p50);
            result.summary[layout.provider_year(0, ProviderYear::Deficit, y)] = stats(deficit, 0.0);
        }
        for y in 0..3 {
            result.summary[layout.provider_year(1, ProviderYear::Margin, y)] = stats(0.0, -1_000.0);
            result.summary[layout.provider_year(1, ProviderYear::Deficit, y)] = stats(0.25, 0.0);
        }
        let text = render(&s, &result, "the horizon");
        let block = &text[text.find("\nworst financial year").expect("the block")..];
        let lines: Vec<&str> = block.lines().skip(1).take(4).collect();
        assert_eq!(
            lines,
            [
                "worst financial year (lowest median margin, in cash; a partial year counts its months only):",
                "provider          year  months    margin P50  P(deficit)",
                "a              2027-28      12        -£250k       34.5%",
                "b              2026-27       2          -£1k       25.0%",
            ]
        );
        assert!(
            text.find("comes back:").unwrap() < text.find("worst financial year").unwrap(),
            "after the provider table and its note"
        );
    }

    #[test]
    fn a_provider_without_a_defined_margin_has_no_worst_year_line() {
        let (s, result) = two_providers();
        let text = render(&s, &result, "the horizon");
        assert!(text.contains("margin P50  P(deficit)"));
        let block = &text[text.find("margin P50").unwrap()..];
        assert_eq!(block.lines().count(), 1, "{text}");
    }

    #[test]
    fn the_guide_puts_the_report_first_and_compare_only_with_variants() {
        let plain = render_guide("out/icb", false);
        let lines: Vec<&str> = plain.lines().collect();
        assert_eq!(lines[0], "");
        assert_eq!(lines[1], "outputs: out/icb");
        assert!(lines[2].starts_with("  report.html    open this first, in a browser"));
        assert!(lines[3].starts_with("  results.xlsx   the same for Excel"));
        assert_eq!(lines.len(), 8, "{plain}");
        assert!(!plain.contains("compare.csv"));
        let with = render_guide("out/icb", true);
        assert!(with.contains("  compare.csv    each variant against the base"));
    }
}
