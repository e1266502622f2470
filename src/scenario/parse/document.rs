//! The walk over the top level of a scenario file, `[scenario]`, `[contracts]` and
//! `[budget_forms.*]`; providers and cohorts have their own files.

use std::ops::Range;

use toml::de::DeTable;

use super::cohorts::read_cohort;
use super::correlations::{self, CorrelationSpec};
use super::providers::read_provider;
use crate::distribution::Distribution;
use crate::scenario::checks::{IdCheck, PendingRef};
use crate::scenario::params::{self, Kind};
use crate::scenario::problem::Problem;
use crate::scenario::reader::{Problems, TableReader, Value, read_distribution, table_entry};
use crate::scenario::types::*;
use crate::scenario::variants::{self, VariantSpec};

/// Reads the whole document; `ids` gathers the ids and spans the cross-checks need.
pub(super) fn read_document(
    root: &DeTable<'_>,
    plain: &toml::Table,
    problems: &mut Problems,
    ids: &mut IdCheck,
) -> Option<(Scenario, Vec<VariantSpec>, Vec<CorrelationSpec>)> {
    let whole_file = 0..0;
    let mut top = TableReader::declared(root, whole_file.clone(), "", "");
    let Kind::Version(supported) = top.param("schema_version").kind else {
        unreachable!("schema_version is declared as a version")
    };
    if let Some((version, span)) = top.integer_param(problems, "schema_version")
        && version != supported
    {
        problems.push(
            Problem::error(
                format!("schema_version {version} is not supported"),
                Some(span),
            )
            .with_help(format!("this phbsim reads schema_version = {supported}")),
        );
    }
    let header = match top.table(problems, "scenario") {
        Some((table, span)) => Some(read_header(table, span, problems)),
        None => {
            if top.get("scenario").is_none() {
                problems.push(
                    Problem::error(
                        "missing required table `[scenario]`",
                        Some(whole_file.clone()),
                    )
                    .with_help(format!(
                        "add a `[scenario]` table with {}",
                        required_keys("scenario")
                    )),
                );
            }
            None
        }
    };
    let contracts = match top.table(problems, "contracts") {
        Some((table, span)) => read_contracts(table, span, problems, ids),
        None => Contracts {
            review_month: params::table("contracts")
                .param("review_month")
                .expect("declared")
                .default_integer() as u8,
            first_review: None,
        },
    };
    let prices = match top.table(problems, "prices") {
        Some((table, span)) => read_prices(table, span, problems),
        None => default_prices(),
    };
    let envelope = match top.table(problems, "commissioner") {
        Some((table, span)) => read_commissioner(table, span, problems),
        None => None,
    };
    let mut budget_forms: [Option<BudgetForm>; 3] = [None, None, None];
    if let Some((table, span)) = top.table(problems, "budget_forms") {
        let mut forms_reader = TableReader::declared(table, span, "budget_forms", "budget_forms");
        for form in Form::ALL {
            if let Some((form_table, form_span)) = forms_reader.table(problems, form.key()) {
                ids.form_spans[form.index()] = Some(form_span.clone());
                budget_forms[form.index()] =
                    Some(read_budget_form(form, form_table, form_span, problems, ids));
            }
        }
        forms_reader.finish(problems);
    }
    let providers = match top.array(problems, "providers") {
        Some((items, _)) => tables_of(items, "providers", problems)
            .into_iter()
            .map(|(t, span)| read_provider(t, span, problems, ids))
            .collect(),
        None => Vec::new(),
    };
    let cohorts = match top.array(problems, "cohorts") {
        Some((items, _)) => tables_of(items, "cohorts", problems)
            .into_iter()
            .map(|(t, span)| read_cohort(t, span, problems, ids))
            .collect(),
        None => Vec::new(),
    };
    let specs = variants::read_specs(&mut top, plain, problems);
    let correlation_specs = correlations::read_specs(&mut top, problems);
    let draws = top
        .table(problems, "draws")
        .and_then(|(table, span)| read_draws(table, span, problems));
    top.finish(problems);
    let header = header??;
    let scenario = Scenario {
        name: header.name,
        description: header.description,
        start: header.start,
        months: header.months,
        iterations: header.iterations,
        seed: header.seed,
        contracts,
        prices,
        envelope,
        budget_forms,
        providers,
        cohorts,
        correlations: Vec::new(),
        draws,
    };
    Some((scenario, specs, correlation_specs))
}

/// The required keys of a declared table, in words: "`name`, `start` and `months`".
fn required_keys(table: &str) -> String {
    let keys: Vec<String> = params::table(table)
        .params
        .iter()
        .filter(|p| p.is_required())
        .map(|p| format!("`{}`", p.key))
        .collect();
    match keys.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The entries of an array of tables; anything else in it is reported.
pub(super) fn tables_of<'a, 'i>(
    items: &'a [Value<'i>],
    key: &str,
    problems: &mut Problems,
) -> Vec<(&'a DeTable<'i>, Range<usize>)> {
    items
        .iter()
        .filter_map(|item| table_entry(item, key, problems).map(|t| (t, item.span())))
        .collect()
}

struct Header {
    name: String,
    description: Option<String>,
    start: YearMonth,
    months: u32,
    iterations: u64,
    seed: u64,
}

fn read_header(table: &DeTable<'_>, span: Range<usize>, problems: &mut Problems) -> Option<Header> {
    let mut r = TableReader::declared(table, span, "scenario", "scenario");
    let name = r.text_param(problems, "name");
    let description = r.text_param(problems, "description").map(|(d, _)| d);
    let start = r.month_param(problems, "start");
    let months = r.integer_param(problems, "months");
    if let Some((m, span)) = &months
        && *m > 120
    {
        problems.push(
            Problem::warning(
                format!("a horizon of {m} months is long: cohorts do not turn over (nobody joins or leaves them)"),
                Some(span.clone()),
            )
            .with_help("read results beyond 10 years with care"),
        );
    }
    let iterations = r.integer_or_default(problems, "iterations") as u64;
    let seed = r.integer_or_default(problems, "seed") as u64;
    r.finish(problems);
    Some(Header {
        name: name?.0,
        description,
        start: start?.0,
        months: months?.0 as u32,
        iterations,
        seed,
    })
}

fn read_contracts(
    table: &DeTable<'_>,
    span: Range<usize>,
    problems: &mut Problems,
    ids: &mut IdCheck,
) -> Contracts {
    let mut r = TableReader::declared(table, span, "contracts", "contracts");
    let review_month = r.integer_or_default(problems, "review_month") as u8;
    let first_review = r.month_param(problems, "first_review");
    r.finish(problems);
    ids.first_review_span = first_review.as_ref().map(|(_, s)| s.clone());
    Contracts {
        review_month,
        first_review: first_review.map(|(m, _)| m),
    }
}

/// A declared `(U)` key's default, as if the file had left it out: a fixed value at
/// `{table}.{key}`.
fn default_uncertain(table: &str, key: &str) -> Uncertain {
    let param = params::table(table).param(key).expect("declared");
    Uncertain::new(
        Distribution::Fixed(param.default_number().expect("declared with a default")),
        param.range().expect("a (U) key has a range"),
        format!("{table}.{key}"),
    )
}

/// `[prices]` left out: constant prices, financial years from the declared month.
fn default_prices() -> Prices {
    Prices {
        year_start: params::table("prices")
            .param("year_start")
            .expect("declared")
            .default_integer() as u8,
        tariff_uplift: default_uncertain("prices", "tariff_uplift"),
        cost_inflation: default_uncertain("prices", "cost_inflation"),
        budget_uplift: default_uncertain("prices", "budget_uplift"),
    }
}

fn read_prices(table: &DeTable<'_>, span: Range<usize>, problems: &mut Problems) -> Prices {
    let mut r = TableReader::declared(table, span, "prices", "prices");
    let year_start = r.integer_or_default(problems, "year_start") as u8;
    let tariff_uplift = r.uncertain_or_default(problems, "tariff_uplift", "prices");
    let cost_inflation = r.uncertain_or_default(problems, "cost_inflation", "prices");
    let budget_uplift = r.uncertain_or_default(problems, "budget_uplift", "prices");
    r.finish(problems);
    Prices {
        year_start,
        tariff_uplift,
        cost_inflation,
        budget_uplift,
    }
}

/// `[commissioner]`: its envelope, if it has one. `envelope_growth` and
/// `recover_overspend` describe an envelope, so each is an error without one.
fn read_commissioner(
    table: &DeTable<'_>,
    span: Range<usize>,
    problems: &mut Problems,
) -> Option<Envelope> {
    let mut r = TableReader::declared(table, span, "commissioner", "commissioner");
    let has_envelope = r.get("envelope").is_some();
    let envelope = r.uncertain_param(problems, "envelope", "commissioner");
    let mut dependent = |r: &mut TableReader<'_, '_>, key: &'static str| {
        if !has_envelope && let Some(value) = r.get(key) {
            problems.push(
                Problem::error(
                    format!("`{key}` needs an `envelope`: without one there is no limit to grow or recover"),
                    Some(value.span()),
                )
                .with_help(format!(
                    "add `envelope = ...` (£/year) to `[commissioner]`, or remove `{key}`"
                )),
            );
        }
        r.uncertain_or_default(problems, key, "commissioner")
    };
    let growth = dependent(&mut r, "envelope_growth");
    let recover_overspend = dependent(&mut r, "recover_overspend");
    r.finish(problems);
    envelope.map(|envelope| Envelope {
        envelope,
        growth,
        recover_overspend,
    })
}

fn read_budget_form(
    form: Form,
    table: &DeTable<'_>,
    span: Range<usize>,
    problems: &mut Problems,
    ids: &mut IdCheck,
) -> BudgetForm {
    let place = format!("budget_forms.{}", form.key());
    let mut r = TableReader::declared(table, span.clone(), place.clone(), "budget_forms.<form>");
    let existing = r.uncertain_or_default(problems, "existing", &place);
    let admin_cost = r.uncertain_or_default(problems, "admin_cost", &place);
    let underspend = r.uncertain_or_default(problems, "underspend", &place);
    let range = r.param("services").range().expect("shares have a range");
    let mut services = Vec::new();
    if let Some((shares, _)) = r.table(problems, "services") {
        for (key, value) in shares.iter() {
            let reference = key.get_ref().to_string();
            let Some(dist) = read_distribution(problems, &reference, value) else {
                continue;
            };
            crate::scenario::reader::check_against_range(
                problems,
                &reference,
                &dist,
                range,
                value.span(),
            );
            let share = Uncertain::new(dist, range, format!("{place}.services.{reference}"));
            // The index is resolved once every provider has been read.
            ids.pending.push(PendingRef::FormService {
                form,
                position: services.len(),
                reference,
                span: key.span(),
            });
            services.push((ServiceIndex(usize::MAX), share));
        }
    }
    r.finish(problems);
    BudgetForm {
        existing,
        services,
        admin_cost,
        underspend,
    }
}

/// `[draws]`: the file's name and place; the file itself is read by `scenario::load`.
fn read_draws(table: &DeTable<'_>, span: Range<usize>, problems: &mut Problems) -> Option<Draws> {
    let mut r = TableReader::declared(table, span, "draws", "draws");
    let file = r.text_param(problems, "file");
    r.finish(problems);
    let (file, span) = file?;
    Some(Draws {
        file,
        span,
        table: None,
    })
}
