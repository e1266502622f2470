//! "Assumptions": every parameter of the scenario as run, by its path, so a meeting
//! can audit what was assumed. Grouped as the file is (the scenario's settings, then
//! each provider followed by its services, then each cohort), each with its value or
//! distribution, the 10th, 50th and 90th percentiles of a distribution (clamped to the
//! valid range, as the draws are), its unit, whether the file gives it or its default
//! holds, and what it means.
//!
//! The parameters are those of the scenario written back out
//! ([`crate::scenario::Scenario::to_file`]), which spells out every default, flattened
//! by the same paths variants use ([`crate::scenario::paths::flatten`]).

use std::collections::BTreeMap;

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::style::{
    Shown, Styles, cell_text, cut_note, fitting, heading, number, page_setup, pages_across,
    table_header, text_width, total_width,
};
use crate::distribution::Distribution;
use crate::scenario::paths::{flatten, scenario_paths};
use crate::scenario::{Scenario, Uncertain, params};
use crate::sensitivity::parameter_label;

/// The percentiles shown for a distribution.
const PERCENTILES: [f64; 3] = [0.10, 0.50, 0.90];

/// A distribution as described, with its valid range's bounds (as bits): the
/// parameters that share it share their percentiles.
type QuantileKey = (String, Option<(u64, u64)>);

/// One parameter's row.
struct Row {
    /// Where the row sorts: the group's place, then the key's place in its table.
    order: (usize, usize, usize, usize),
    group: String,
    path: String,
    /// As written back (`0.8`, `"block"`, `{ dist = "pert", ... }`).
    written: String,
}

/// The place of `key` among the keys of the declared table `table`.
fn key_rank(table: &str, key: &str) -> usize {
    params::declared_table(table)
        .and_then(|t| t.params.iter().position(|p| p.key == key))
        .unwrap_or(usize::MAX)
}

/// The top-level tables, in the order the sheet lists them.
const SETTINGS: [&str; 8] = [
    "scenario",
    "contracts",
    "prices",
    "commissioner",
    "budget_forms",
    "providers",
    "cohorts",
    "correlations",
];

/// The group of a path and its place: `Provider: Trust (trust)`.
fn place(scenario: &Scenario, path: &str) -> (String, (usize, usize, usize, usize)) {
    let segments: Vec<&str> = path.split('.').collect();
    let top = SETTINGS
        .iter()
        .position(|t| *t == segments[0])
        .unwrap_or(SETTINGS.len());
    match segments.as_slice() {
        ["providers", provider, rest @ ..] => {
            let p = scenario.providers.iter().position(|x| x.id == *provider);
            let found = p.map(|p| &scenario.providers[p]);
            match rest {
                ["services", service, key, ..] => {
                    let s = found.and_then(|f| f.services.iter().position(|x| x.id == *service));
                    let name = found
                        .and_then(|f| s.map(|s| f.services[s].name.as_str()))
                        .unwrap_or(service);
                    (
                        format!("Service: {name} ({provider}/{service})"),
                        (
                            top,
                            p.unwrap_or(usize::MAX),
                            s.map_or(usize::MAX, |s| s + 1),
                            key_rank("providers.services", key),
                        ),
                    )
                }
                [key, ..] => (
                    format!(
                        "Provider: {} ({provider})",
                        found.map_or(*provider, |f| f.name.as_str())
                    ),
                    (top, p.unwrap_or(usize::MAX), 0, key_rank("providers", key)),
                ),
                [] => (path.to_string(), (top, usize::MAX, 0, 0)),
            }
        }
        ["cohorts", cohort, key, ..] => {
            let c = scenario.cohorts.iter().position(|x| x.id == *cohort);
            let name = c.map_or(*cohort, |c| scenario.cohorts[c].name.as_str());
            (
                format!("Cohort: {name} ({cohort})"),
                (top, c.unwrap_or(usize::MAX), 0, key_rank("cohorts", key)),
            )
        }
        ["budget_forms", form, key, ..] => {
            let f = ["direct_payment", "notional", "third_party"]
                .iter()
                .position(|x| x == form)
                .unwrap_or(3);
            (
                format!("Budget form: {}", form.replace('_', " ")),
                (top, f, 0, key_rank("budget_forms.<form>", key)),
            )
        }
        [table, key, ..] => {
            let mut name = table.to_string();
            if let Some(first) = name.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            (name, (top, 0, 0, key_rank(table, key)))
        }
        _ => (path.to_string(), (top, 0, 0, 0)),
    }
}

/// How a parameter's numbers are shown, from its unit.
fn shown(unit: &str) -> Shown {
    match unit {
        "£/year" | "£" => Shown::Money,
        "£ per unit" | "£ per £1/year removed" => Shown::Pennies,
        "per month" => Shown::Rate,
        "units/month" | "units per person per month" => Shown::Units,
        "people" => Shown::Count,
        u if u.starts_with("share") => Shown::Share,
        _ => Shown::Plain,
    }
}

/// What else a reader should know of the parameter at `path`: that it is drawn with
/// others, from a file of draws, or across holders.
fn note(scenario: &Scenario, path: &str) -> Option<String> {
    if let Some(draws) = &scenario.draws
        && draws
            .table
            .as_ref()
            .is_some_and(|t| t.paths.iter().any(|p| p == path))
    {
        return Some(format!(
            "replaced by the joint draws of {} (iteration i takes draw i mod their number); \
             the distribution shown is the prior",
            draws.file
        ));
    }
    for block in &scenario.correlations {
        if let Some(member) = block.member(path) {
            let others: Vec<String> = block
                .paths()
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != member)
                .map(|(k, other)| format!("{other} ({})", block.rank()[member][k]))
                .collect();
            return Some(format!(
                "drawn with rank correlations: {}",
                others.join(", ")
            ));
        }
    }
    if path.starts_with("cohorts.") && path.ends_with(".budget") {
        return Some("the spread across holders: each new holder draws their own".to_string());
    }
    None
}

/// The parameter's words without the entity its group names already: `unit price`
/// for `NHS Talking Therapies: unit price`, `admin cost` for
/// `budget_forms.notional.admin_cost`.
fn key_words(scenario: &Scenario, path: &str) -> String {
    let label = parameter_label(scenario, path);
    if label != path
        && let Some((_, words)) = label.split_once(": ")
    {
        return words.to_string();
    }
    let skip = if path.starts_with("budget_forms.") {
        2
    } else {
        1
    };
    let words: Vec<String> = path
        .split('.')
        .skip(skip)
        .map(|key| key.replace('_', " "))
        .collect();
    if words.is_empty() {
        path.to_string()
    } else {
        words.join(": ")
    }
}

/// A value as written back, for a reader: strings without their quotes.
fn readable(written: &str) -> String {
    written
        .strip_prefix('"')
        .and_then(|w| w.strip_suffix('"'))
        .unwrap_or(written)
        .to_string()
}

/// The "Assumptions" sheet of `scenario` (as run, its `[draws]` read), read from the
/// text `scenario_text` (to tell a value the file gives from a default).
pub(super) fn sheet(
    scenario: &Scenario,
    scenario_text: &str,
    styles: &Styles,
) -> Result<Worksheet, XlsxError> {
    let written: toml::Table = toml::Table::try_from(scenario.to_file()).unwrap_or_default();
    let in_file = scenario_paths(scenario_text);
    let uncertain: BTreeMap<&str, &Uncertain> = scenario
        .uncertain_parameters()
        .into_iter()
        .map(|u| (u.path.as_str(), u))
        .collect();
    let budgets: BTreeMap<String, &Distribution> = scenario
        .cohorts
        .iter()
        .map(|c| (format!("cohorts.{}.budget", c.id), &c.budget.dist))
        .collect();
    let mut rows: Vec<Row> = flatten(&written)
        .into_iter()
        .filter(|(path, _)| {
            let key = path.rsplit('.').next().unwrap_or("");
            // An entry's id is in its path already; the version is not an assumption.
            !(key == "id"
                || path == "schema_version"
                || path.ends_with(".uses") && key == "service")
        })
        .map(|(path, written)| {
            let (group, order) = place(scenario, &path);
            Row {
                order,
                group,
                path,
                written,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.path.cmp(&b.path)));

    let columns = [
        (
            "Group",
            text_width(rows.iter().map(|r| r.group.as_str()), 16.0, 44.0),
        ),
        ("Parameter", 24.0),
        ("Value or distribution", 34.0),
        ("P10", 14.0),
        ("P50", 14.0),
        ("P90", 14.0),
        ("Unit", 16.0),
        ("Given", 8.0),
        ("Path, as the scenario file and its variants name it", 52.0),
        ("Meaning", 80.0),
    ];
    let header = 2;
    let all = rows.len();
    rows.truncate(fitting(all, header));
    let mut sheet = Worksheet::new();
    sheet.set_name("Assumptions")?;
    heading(
        &mut sheet,
        styles,
        &format!("Assumptions of {}", scenario.name),
        &format!(
            "Every parameter by path; a distribution with its 10th, 50th and 90th percentiles \
             (each future draws one value). Given: \"file\" where the scenario file sets it, \
             \"default\" where phbsim's default holds.{}",
            cut_note(rows.len(), all, "parameters", "scenario.toml")
        ),
    )?;
    let last = header + rows.len() as u32;
    table_header(&mut sheet, styles, header, &columns, 3..6, 2, last)?;
    let mut quantiles: BTreeMap<QuantileKey, [f64; 3]> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let r = header + 1 + i as u32;
        let declared = params::lookup(&row.path);
        let unit = declared.map_or("", |p| p.unit);
        let format = styles.number(shown(unit), false);
        sheet.write_string_with_format(r, 0, cell_text(&row.group), &styles.text)?;
        sheet.write_string(r, 1, cell_text(&key_words(scenario, &row.path)))?;
        sheet.write_string_with_format(r, 8, cell_text(&row.path), &styles.code)?;
        let dist = uncertain
            .get(row.path.as_str())
            .map(|u| (&u.dist, Some(*u)))
            .or_else(|| budgets.get(&row.path).map(|d| (*d, None)));
        match dist {
            Some((dist, u)) if !matches!(dist, Distribution::Fixed(_)) => {
                let described = dist.describe();
                // Many parameters share a distribution (a national scenario repeats
                // its ICBs'), and some quantiles are slow (a beta's is a search).
                let bounds = u.map(|u| u.range.bounds());
                let key = (
                    described.clone(),
                    bounds.map(|(lo, hi)| (lo.to_bits(), hi.to_bits())),
                );
                let values = *quantiles.entry(key).or_insert_with(|| {
                    PERCENTILES.map(|p| match u {
                        Some(u) => u.at_quantile(p),
                        // A budget is clamped at zero, as each holder's draw is.
                        None => dist.quantile(p).max(0.0),
                    })
                });
                sheet.write_string(r, 2, described)?;
                for (k, value) in values.into_iter().enumerate() {
                    number(&mut sheet, r, 3 + k as u16, Some(value), format)?;
                }
            }
            Some((Distribution::Fixed(value), _)) => {
                number(&mut sheet, r, 2, Some(*value), format)?;
            }
            _ => match row.written.parse::<f64>() {
                Ok(value) => number(&mut sheet, r, 2, Some(value), format)?,
                Err(_) => {
                    sheet.write_string(r, 2, cell_text(&readable(&row.written)))?;
                }
            },
        }
        sheet.write_string_with_format(r, 6, unit, &styles.unit)?;
        let given = if in_file.contains_key(&row.path) {
            "file"
        } else {
            "default"
        };
        sheet.write_string(r, 7, given)?;
        let meaning = declared.map_or("", |p| p.meaning);
        let text = match note(scenario, &row.path) {
            Some(note) if meaning.is_empty() => note,
            Some(note) => format!("{meaning} ({note})"),
            None => meaning.to_string(),
        };
        sheet.write_string(r, 9, cell_text(&text))?;
    }
    // The path and the meaning are read on screen; printed pages stop before them.
    let printed = &columns[..8];
    page_setup(&mut sheet, header, 2, pages_across(total_width(printed)))?;
    sheet.set_print_area(0, 0, last, printed.len() as u16 - 1)?;
    Ok(sheet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::EXAMPLE;
    use crate::scenario::parse_scenario;

    /// Every uncertain parameter of the example is a row of the sheet: the paths the
    /// sheet flattens are the paths the engine draws by.
    #[test]
    fn every_uncertain_parameter_has_its_row() {
        let scenario = parse_scenario(EXAMPLE).unwrap().scenario;
        let written: toml::Table = toml::Table::try_from(scenario.to_file()).unwrap();
        let paths = flatten(&written);
        let missing: Vec<&str> = scenario
            .uncertain_parameters()
            .iter()
            .map(|u| u.path.as_str())
            .filter(|p| !paths.contains_key(*p))
            .collect();
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn paths_are_grouped_as_the_file_is() {
        let scenario = parse_scenario(EXAMPLE).unwrap().scenario;
        let trust = &scenario.providers[0];
        let service = &trust.services[1];
        let (group, order) = place(
            &scenario,
            &format!("providers.{}.services.{}.unit_price", trust.id, service.id),
        );
        assert_eq!(
            group,
            format!("Service: {} ({}/{})", service.name, trust.id, service.id)
        );
        assert_eq!(order.0, 5);
        assert_eq!((order.1, order.2), (0, 2));
        let (group, provider) = place(&scenario, &format!("providers.{}.reserves", trust.id));
        assert_eq!(group, format!("Provider: {} ({})", trust.name, trust.id));
        assert!(provider < order, "a provider comes before its services");
        assert_eq!(place(&scenario, "prices.tariff_uplift").0, "Prices");
        assert!(place(&scenario, "scenario.months").1 < place(&scenario, "prices.year_start").1);
        assert_eq!(shown("£/year"), Shown::Money);
        assert_eq!(shown("share per year"), Shown::Share);
        assert_eq!(readable("\"block\""), "block");
    }
}
