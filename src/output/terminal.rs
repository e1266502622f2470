//! The short table printed after a run (SPEC section 5): per provider its baseline and
//! projected income over the horizon, its chance of distress with and without PHBs,
//! and how much of the income it loses to budgets comes back as budget spending; then
//! the commissioner's double-running cost; then where the outputs are and which file
//! to open first.

use std::fmt::Write;

use crate::engine::Level;
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

    #[test]
    fn the_guide_puts_the_report_first_and_compare_only_with_variants() {
        let plain = render_guide("out/icb", false);
        let lines: Vec<&str> = plain.lines().collect();
        assert_eq!(lines[0], "");
        assert_eq!(lines[1], "outputs: out/icb");
        assert!(lines[2].starts_with("  report.html    open this first, in a browser"));
        assert_eq!(lines.len(), 7, "{plain}");
        assert!(!plain.contains("compare.csv"));
        let with = render_guide("out/icb", true);
        assert!(with.contains("  compare.csv    each variant against the base"));
    }
}
