//! Scenario text -> validated [`Scenario`], reporting every problem at once.
//!
//! The walk follows SPEC section 2 table by table. Ids and references are resolved in
//! a second step ([`crate::scenario::checks`]) once every provider has been read, so a
//! cohort may refer to a service defined further down the file.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::distribution::Distribution;
use crate::scenario::checks::{self, IdCheck, PendingRef};
use crate::scenario::problem::{Problem, nearest};
use crate::scenario::reader::{Problems, TableReader, Value, kind_of, read_distribution};
use crate::scenario::types::*;
use crate::scenario::variants::{self, Variant, VariantSpec};

/// A validated scenario, its variants and the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Validated {
    pub scenario: Scenario,
    /// `[[variants]]` and the expansion of `[[sweeps]]`, in file order.
    pub variants: Vec<Variant>,
    pub warnings: Vec<Problem>,
}

impl Validated {
    /// The base scenario, then its variants in file order: the scenarios of one run.
    pub fn all(&self) -> Vec<&Scenario> {
        std::iter::once(&self.scenario)
            .chain(self.variants.iter().map(|v| &v.scenario))
            .collect()
    }
}

/// Parses and validates scenario text, variants included. `Err` holds every problem
/// found (errors and warnings) in file order; `Ok` the scenario and its warnings.
pub fn parse_scenario(text: &str) -> Result<Validated, Vec<Problem>> {
    let (plain, base) = parse_base(text);
    let (scenario, warnings, specs) = base?;
    if specs.is_empty() {
        return Ok(Validated {
            scenario,
            variants: Vec::new(),
            warnings,
        });
    }
    let mut base_doc = plain;
    base_doc.remove("variants");
    base_doc.remove("sweeps");
    let mut problems = warnings.clone();
    let variants = variants::build(
        specs,
        &scenario.name,
        &base_doc,
        &warnings,
        |variant_text| parse_base(variant_text).1.map(|(s, w, _)| (s, w)),
        &mut problems,
    );
    sort_by_place(&mut problems);
    if problems.iter().any(Problem::is_error) {
        return Err(problems);
    }
    Ok(Validated {
        scenario,
        variants,
        warnings: problems,
    })
}

fn sort_by_place(problems: &mut [Problem]) {
    problems.sort_by_key(|p| (p.span.as_ref().map_or(0, |s| s.start), p.severity));
}

/// What [`parse_base`] finds: the scenario, its warnings and its variants' specs.
type BaseResult = Result<(Scenario, Vec<Problem>, Vec<VariantSpec>), Vec<Problem>>;

/// Parses and validates one scenario without building its variants; also returns the
/// plain TOML document (empty when the text is not TOML).
fn parse_base(text: &str) -> (toml::Table, BaseResult) {
    if let Some(problem) = forbidden_character(text) {
        return (toml::Table::new(), Err(vec![problem]));
    }
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        let problems = syntax_errors
            .into_iter()
            .map(|error| syntax_problem(text, error.message().trim(), error.span()))
            .collect();
        return (toml::Table::new(), Err(problems));
    }
    let plain: toml::Table = toml::from_str(text).unwrap_or_default();
    let mut problems = Problems::default();
    let mut ids = IdCheck::default();
    let read = read_document(document.get_ref(), &plain, &mut problems, &mut ids);
    let scenario = read.map(|(mut s, specs)| {
        checks::resolve(&mut s, &ids, &mut problems);
        checks::cross_checks(&s, &ids, &mut problems);
        (s, specs)
    });
    let mut list = problems.list;
    sort_by_place(&mut list);
    let result = match scenario {
        Some((scenario, specs)) if !list.iter().any(Problem::is_error) => {
            Ok((scenario, list, specs))
        }
        _ => Err(list),
    };
    (plain, result)
}

/// The first character no TOML file may hold raw: a control character other than tab
/// and the line endings, or a carriage return not followed by a line feed (old Mac
/// line endings). One problem for the first, rather than one TOML error for each:
/// a file full of them is not a scenario file, or needs saving differently.
fn forbidden_character(text: &str) -> Option<Problem> {
    let mut chars = text.char_indices().peekable();
    let mut first = None;
    let mut count = 0usize;
    while let Some((offset, c)) = chars.next() {
        let forbidden = match c {
            '\r' => chars.peek().is_none_or(|&(_, next)| next != '\n'),
            '\t' | '\n' => false,
            c => c.is_control(),
        };
        if forbidden {
            count += 1;
            first.get_or_insert((offset, c));
        }
    }
    let (offset, c) = first?;
    let span = Some(offset..offset + c.len_utf8());
    let more = match count {
        1 => String::new(),
        n => format!(" ({} more after it)", n - 1),
    };
    Some(if c == '\r' {
        Problem::error(
            format!("a line ends with a carriage return alone{more}, which TOML does not allow"),
            span,
        )
        .with_help("save the file with LF (Unix) or CRLF (Windows) line endings")
    } else {
        Problem::error(
            format!(
                "the file holds the control character U+{:04X}{more}; a scenario is plain text",
                u32::from(c)
            ),
            span,
        )
        .with_help("delete it; if the file came from a word processor or a spreadsheet, save it as plain text")
    })
}

/// A TOML syntax error as a problem, with a fix for the mistakes people make most.
fn syntax_problem(text: &str, message: &str, span: Option<Range<usize>>) -> Problem {
    let at = span
        .as_ref()
        .and_then(|s| text.get(s.clone()))
        .unwrap_or("")
        .trim();
    let (message, help) = if message.contains("duplicate key") && !at.is_empty() {
        (
            format!("TOML syntax: `{at}` is defined twice"),
            "keep one definition; a key, or a `[table]` header, may appear once per table"
                .to_string(),
        )
    } else if message.contains("escape") || message.contains("unicode") {
        (
            format!("TOML syntax: {message}"),
            "in a \"...\" string a backslash starts an escape: write `\\\\` for a backslash, or use single quotes, as in 'C:\\Users\\plans'".to_string(),
        )
    } else if message.contains("must be quoted") {
        (
            format!("TOML syntax: {message}"),
            "put text in double quotes, e.g. `kind = \"voluntary\"`".to_string(),
        )
    } else if message.contains("basic string") {
        (
            format!("TOML syntax: {message}"),
            "close the string with `\"` on the same line; use `\"\"\"` quotes for text over several lines".to_string(),
        )
    } else if message.contains("missing comma")
        && span
            .as_ref()
            .is_some_and(|s| starts_its_line(text, s.start))
    {
        (
            format!("TOML syntax: {message}"),
            "an inline table `{ ... }` above is probably missing its closing `}`, so this line is read as part of it".to_string(),
        )
    } else if message.contains("unclosed") {
        (
            format!("TOML syntax: {message}"),
            "a `{`, `[` or `\"` earlier is never closed; the parser only notices here, so look above for the missing `}`, `]` or `\"`".to_string(),
        )
    } else {
        (
            format!("TOML syntax: {message}"),
            "fix the syntax; see the scenario format in README.md".to_string(),
        )
    };
    Problem::error(message, span).with_help(help)
}

/// Whether only blanks stand between the start of `offset`'s line and `offset`.
fn starts_its_line(text: &str, offset: usize) -> bool {
    text.get(..offset).is_some_and(|before| {
        before
            .rsplit('\n')
            .next()
            .is_some_and(|line| line.trim().is_empty())
    })
}

/// Bookkeeping of spans the cross-checks need.
fn read_document(
    root: &DeTable<'_>,
    plain: &toml::Table,
    problems: &mut Problems,
    ids: &mut IdCheck,
) -> Option<(Scenario, Vec<VariantSpec>)> {
    let whole_file = 0..0;
    let mut top = TableReader::new(root, whole_file.clone(), "");
    if let Some((version, span)) = top.integer(problems, "schema_version", 0, i128::from(i64::MAX))
        && version != 1
    {
        problems.push(
            Problem::error(
                format!("schema_version {version} is not supported"),
                Some(span),
            )
            .with_help("this phbsim reads schema_version = 1"),
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
                    .with_help("add a `[scenario]` table with `name`, `start` and `months`"),
                );
            }
            None
        }
    };
    let contracts = match top.table(problems, "contracts") {
        Some((table, span)) => read_contracts(table, span, problems, ids),
        None => Contracts {
            review_month: 4,
            first_review: None,
        },
    };
    let mut budget_forms: [Option<BudgetForm>; 3] = [None, None, None];
    if let Some((table, span)) = top.table(problems, "budget_forms") {
        let mut forms_reader = TableReader::new(table, span, "budget_forms");
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
        budget_forms,
        providers,
        cohorts,
    };
    Some((scenario, specs))
}

/// The entries of an array of tables; anything else in it is reported.
fn tables_of<'a, 'i>(
    items: &'a [Value<'i>],
    key: &str,
    problems: &mut Problems,
) -> Vec<(&'a DeTable<'i>, Range<usize>)> {
    items
        .iter()
        .filter_map(|item| match item.get_ref() {
            DeValue::Table(t) => Some((t, item.span())),
            other => {
                problems.push(
                    Problem::error(
                        format!(
                            "each entry of `{key}` must be a table, found {}",
                            kind_of(other)
                        ),
                        Some(item.span()),
                    )
                    .with_help(format!("write entries as `[[{key}]]` tables")),
                );
                None
            }
        })
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
    let mut r = TableReader::new(table, span, "scenario");
    let name = r.string(problems, "name");
    if r.get("name").is_none() {
        r.missing(problems, "name", "\"My ICB, moderate rollout\"");
    }
    let description = r.string(problems, "description").map(|(d, _)| d);
    let start = r.month(problems, "start");
    if r.get("start").is_none() {
        r.missing(problems, "start", "\"2027-04\"");
    }
    let months = r.integer(problems, "months", 1, 600);
    if r.get("months").is_none() {
        r.missing(problems, "months", "36");
    }
    if let Some((m, span)) = &months
        && *m > 120
    {
        problems.push(
            Problem::warning(
                format!("a horizon of {m} months is long: money is in constant start prices and cohorts do not turn over"),
                Some(span.clone()),
            )
            .with_help("read results beyond 10 years with care"),
        );
    }
    let iterations = r
        .integer(problems, "iterations", 1, i128::from(i64::MAX))
        .map_or(1000, |(v, _)| v as u64);
    let seed = r
        .integer(problems, "seed", 0, i128::from(i64::MAX))
        .map_or(1, |(v, _)| v as u64);
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
    let mut r = TableReader::new(table, span, "contracts");
    let review_month = r
        .integer(problems, "review_month", 1, 12)
        .map_or(4, |(v, _)| v as u8);
    let first_review = r.month(problems, "first_review");
    r.finish(problems);
    ids.first_review_span = first_review.as_ref().map(|(_, s)| s.clone());
    Contracts {
        review_month,
        first_review: first_review.map(|(m, _)| m),
    }
}

fn read_budget_form(
    form: Form,
    table: &DeTable<'_>,
    span: Range<usize>,
    problems: &mut Problems,
    ids: &mut IdCheck,
) -> BudgetForm {
    let place = format!("budget_forms.{}", form.key());
    let mut r = TableReader::new(table, span.clone(), place.clone());
    let fixed_zero = |key: &str| {
        Uncertain::new(
            Distribution::Fixed(0.0),
            ValueRange::Probability,
            format!("{place}.{key}"),
        )
    };
    let existing = r
        .uncertain(
            problems,
            "existing",
            ValueRange::Probability,
            format!("{place}.existing"),
        )
        .unwrap_or_else(|| fixed_zero("existing"));
    let admin_cost = r
        .uncertain(
            problems,
            "admin_cost",
            ValueRange::Probability,
            format!("{place}.admin_cost"),
        )
        .unwrap_or_else(|| fixed_zero("admin_cost"));
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
                ValueRange::Probability,
                value.span(),
            );
            let share = Uncertain::new(
                dist,
                ValueRange::Probability,
                format!("{place}.services.{reference}"),
            );
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
    }
}

/// A well-formed id, or a problem at `span`.
fn read_id(
    r: &mut TableReader<'_, '_>,
    problems: &mut Problems,
    example: &str,
) -> Option<(String, Range<usize>)> {
    let id = r.string(problems, "id");
    if r.get("id").is_none() {
        r.missing(problems, "id", &format!("\"{example}\""));
        return None;
    }
    let (id, span) = id?;
    if !checks::is_valid_id(&id) {
        problems.push(
            Problem::error(format!("id `{id}` is not allowed"), Some(span.clone()))
                .with_help(format!(
                    "ids use lower-case letters, digits, `-` and `_`, starting with a letter or digit, e.g. `{}`",
                    checks::suggest_id(&id)
                )),
        );
        return None;
    }
    Some((id, span))
}

fn read_provider(
    table: &DeTable<'_>,
    span: Range<usize>,
    problems: &mut Problems,
    ids: &mut IdCheck,
) -> Provider {
    let mut r = TableReader::new(table, span.clone(), "providers");
    let id = read_id(&mut r, problems, "trust");
    if let Some((id, _)) = &id {
        r.place = format!("providers[{id}]");
    }
    let id_text = id
        .as_ref()
        .map_or_else(|| "?".to_string(), |(id, _)| id.clone());
    ids.providers.push((
        id_text.clone(),
        id.as_ref().map_or(span.clone(), |(_, s)| s.clone()),
    ));
    let base = format!("providers.{id_text}");
    let name = r
        .string(problems, "name")
        .map_or_else(|| id_text.clone(), |(n, _)| n);
    let kind = match r.string(problems, "kind") {
        Some((text, kind_span)) => match ProviderKind::ALL.iter().find(|(_, key)| *key == text) {
            Some((kind, _)) => *kind,
            None => {
                problems.push(unknown_choice(
                    "kind",
                    &text,
                    kind_span,
                    ProviderKind::ALL.iter().map(|(_, k)| *k),
                ));
                ProviderKind::NhsTrust
            }
        },
        None => ProviderKind::NhsTrust,
    };
    let money = |r: &mut TableReader<'_, '_>, problems: &mut Problems, key: &'static str| {
        r.uncertain(
            problems,
            key,
            ValueRange::NonNegative,
            format!("{base}.{key}"),
        )
        .unwrap_or_else(|| {
            Uncertain::new(
                Distribution::Fixed(0.0),
                ValueRange::NonNegative,
                format!("{base}.{key}"),
            )
        })
    };
    let other_income = money(&mut r, problems, "other_income");
    let other_costs = money(&mut r, problems, "other_costs");
    let reserves = r.number(problems, "reserves").map_or(0.0, |(v, _)| v);
    let reserve_floor = r.number(problems, "reserve_floor").map_or(0.0, |(v, _)| v);
    let min_margin = r
        .number_in(problems, "min_margin", ValueRange::Margin)
        .unwrap_or(0.0);
    let mut services = Vec::new();
    let mut service_ids = Vec::new();
    if let Some((items, _)) = r.array(problems, "services") {
        for (t, s_span) in tables_of(items, "services", problems) {
            let (service, id_span) = read_service(t, s_span, &id_text, problems);
            service_ids.push((service.id.clone(), id_span));
            services.push(service);
        }
    }
    ids.services.push(service_ids);
    r.finish(problems);
    Provider {
        id: id_text,
        name,
        kind,
        other_income,
        other_costs,
        reserves,
        reserve_floor,
        min_margin,
        services,
    }
}

/// A problem for a string that must be one of a few choices.
fn unknown_choice<'a>(
    key: &str,
    text: &str,
    span: Range<usize>,
    choices: impl Iterator<Item = &'a str> + Clone,
) -> Problem {
    let problem = Problem::error(format!("`{key}` cannot be `{text}`"), Some(span));
    match nearest(text, choices.clone()) {
        Some(near) => problem.with_help(format!("did you mean `{near}`?")),
        None => problem.with_help(format!(
            "use one of: {}",
            choices
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn read_service(
    table: &DeTable<'_>,
    span: Range<usize>,
    provider_id: &str,
    problems: &mut Problems,
) -> (Service, Range<usize>) {
    let mut r = TableReader::new(
        table,
        span.clone(),
        format!("providers[{provider_id}].services"),
    );
    let id = read_id(&mut r, problems, "crisis");
    let (id_text, id_span) = id.unwrap_or_else(|| ("?".to_string(), span.clone()));
    r.place = format!("providers[{provider_id}].services[{id_text}]");
    let base = format!("providers.{provider_id}.services.{id_text}");
    let name = r
        .string(problems, "name")
        .map_or_else(|| id_text.clone(), |(n, _)| n);
    let param =
        |r: &mut TableReader<'_, '_>,
         problems: &mut Problems,
         key: &'static str,
         range: ValueRange| { r.uncertain(problems, key, range, format!("{base}.{key}")) };
    let or_default = |value: Option<Uncertain>, key: &str, range: ValueRange, default: f64| {
        value.unwrap_or_else(|| {
            Uncertain::new(Distribution::Fixed(default), range, format!("{base}.{key}"))
        })
    };
    let payment_kind = r.string(problems, "payment");
    if r.get("payment").is_none() {
        r.missing(problems, "payment", "\"block\"");
    }
    let unit_price = param(&mut r, problems, "unit_price", ValueRange::Positive);
    if r.get("unit_price").is_none() {
        r.missing(problems, "unit_price", "380");
    }
    let contract_value = param(&mut r, problems, "contract_value", ValueRange::NonNegative);
    let pass_through = param(&mut r, problems, "pass_through", ValueRange::Probability);
    let payment = match payment_kind {
        Some((kind, _)) if kind == "block" => {
            if r.get("contract_value").is_none() {
                r.missing(problems, "contract_value", "9_000_000");
            }
            Payment::Block {
                contract_value: or_default(
                    contract_value,
                    "contract_value",
                    ValueRange::NonNegative,
                    0.0,
                ),
                pass_through: or_default(
                    pass_through,
                    "pass_through",
                    ValueRange::Probability,
                    1.0,
                ),
            }
        }
        Some((kind, kind_span)) => {
            if kind != "activity" {
                problems.push(unknown_choice(
                    "payment",
                    &kind,
                    kind_span,
                    ["block", "activity"].into_iter(),
                ));
            } else {
                for key in ["contract_value", "pass_through"] {
                    if let Some(value) = r.get(key) {
                        problems.push(
                            Problem::error(
                                format!("`{key}` applies only to block services, and `{id_text}` is paid by activity"),
                                Some(value.span()),
                            )
                            .with_help(format!("remove `{key}`, or set `payment = \"block\"`")),
                        );
                    }
                }
            }
            Payment::Activity
        }
        None => Payment::Activity,
    };
    let fixed_cost = param(&mut r, problems, "fixed_cost", ValueRange::NonNegative);
    let variable_cost = param(&mut r, problems, "variable_cost", ValueRange::NonNegative);
    let other_activity = param(&mut r, problems, "other_activity", ValueRange::NonNegative);
    let cost_flex = param(&mut r, problems, "cost_flex", ValueRange::Probability);
    let backfill = param(&mut r, problems, "backfill", ValueRange::Probability);
    let min_viable_activity = r.number_in(problems, "min_viable_activity", ValueRange::NonNegative);
    r.finish(problems);
    let service = Service {
        id: id_text,
        name,
        payment,
        unit_price: or_default(unit_price, "unit_price", ValueRange::Positive, 1.0),
        fixed_cost: or_default(fixed_cost, "fixed_cost", ValueRange::NonNegative, 0.0),
        variable_cost: or_default(variable_cost, "variable_cost", ValueRange::NonNegative, 0.0),
        other_activity: or_default(
            other_activity,
            "other_activity",
            ValueRange::NonNegative,
            0.0,
        ),
        cost_flex: or_default(cost_flex, "cost_flex", ValueRange::Probability, 0.0),
        backfill: or_default(backfill, "backfill", ValueRange::Probability, 0.0),
        min_viable_activity,
    };
    (service, id_span)
}

fn read_cohort(
    table: &DeTable<'_>,
    span: Range<usize>,
    problems: &mut Problems,
    ids: &mut IdCheck,
) -> Cohort {
    let mut r = TableReader::new(table, span.clone(), "cohorts");
    let id = read_id(&mut r, problems, "frequent-crisis");
    let (id_text, id_span) = id.unwrap_or_else(|| ("?".to_string(), span.clone()));
    r.place = format!("cohorts[{id_text}]");
    let base = format!("cohorts.{id_text}");
    let cohort_index = ids.cohorts.len();
    ids.cohorts.push((id_text.clone(), id_span));
    let name = r
        .string(problems, "name")
        .map_or_else(|| id_text.clone(), |(n, _)| n);
    let size = r.integer(problems, "size", 0, i128::from(i64::MAX));
    if r.get("size").is_none() {
        r.missing(problems, "size", "900");
    }
    let offer_from = r.month(problems, "offer_from");
    ids.offer_spans
        .push(offer_from.as_ref().map(|(_, s)| s.clone()));
    let uptake = match r.get("uptake") {
        Some(value) => read_uptake(value, &base, problems),
        None => {
            r.missing(
                problems,
                "uptake",
                "{ model = \"constant\", monthly = 0.02 }",
            );
            None
        }
    };
    let return_rate = r
        .uncertain(
            problems,
            "return_rate",
            ValueRange::Probability,
            format!("{base}.return_rate"),
        )
        .unwrap_or_else(|| {
            Uncertain::new(
                Distribution::Fixed(0.0),
                ValueRange::Probability,
                format!("{base}.return_rate"),
            )
        });
    let budget = match r.get("budget") {
        Some(value) => read_distribution(problems, "budget", value).map(|dist| {
            crate::scenario::reader::check_against_range(
                problems,
                "budget",
                &dist,
                ValueRange::NonNegative,
                value.span(),
            );
            let (clamped_mean, clamped_variance) = match dist {
                Distribution::Fixed(v) => (v, 0.0),
                ref d => d.clamped_moments(0.0, f64::INFINITY),
            };
            BudgetDistribution {
                dist,
                clamped_mean,
                clamped_variance,
            }
        }),
        None => {
            r.missing(
                problems,
                "budget",
                "{ dist = \"lognormal\", mean = 9_000, sd = 4_000 }",
            );
            None
        }
    };
    let (forms, forms_defaulted) = match r.table(problems, "forms") {
        Some((table, forms_span)) => (read_forms(table, forms_span, &id_text, problems), false),
        // `forms` given but not a table: already an error; no default to warn about.
        None if r.get("forms").is_some() => ([0.0; 3], false),
        None => {
            problems.push(
                Problem::warning(
                    format!("cohort `{id_text}` has no `forms`; the national split 15% direct payment, 80% notional, 5% third party is assumed"),
                    Some(id_span_or(&span, ids)),
                )
                .with_help("state the split: `forms = { direct_payment = 0.15, notional = 0.80, third_party = 0.05 }`"),
            );
            (NATIONAL_FORMS, true)
        }
    };
    let mut uses = Vec::new();
    if let Some((items, _)) = r.array(problems, "uses") {
        for (t, use_span) in tables_of(items, "uses", problems) {
            let mut u = TableReader::new(t, use_span.clone(), format!("cohorts[{id_text}].uses"));
            let service = u.string(problems, "service");
            if u.get("service").is_none() {
                u.missing(problems, "service", "\"trust/crisis\"");
            }
            let reference = service
                .as_ref()
                .map_or_else(|| "?".to_string(), |(s, _)| s.clone());
            let per_month = u.uncertain(
                problems,
                "per_month",
                ValueRange::NonNegative,
                format!("{base}.uses.{reference}.per_month"),
            );
            if u.get("per_month").is_none() {
                u.missing(problems, "per_month", "0.8");
            }
            u.finish(problems);
            if let (Some((reference, ref_span)), Some(per_month)) = (service, per_month) {
                ids.pending.push(PendingRef::CohortUse {
                    cohort: cohort_index,
                    position: uses.len(),
                    reference,
                    span: ref_span,
                });
                uses.push(ServiceUse {
                    service: ServiceIndex(usize::MAX),
                    per_month,
                });
            }
        }
    }
    r.finish(problems);
    let placeholder_uptake = || Uptake {
        model: UptakeModel::Constant {
            monthly: Uncertain::new(
                Distribution::Fixed(0.0),
                ValueRange::Probability,
                format!("{base}.uptake.monthly"),
            ),
        },
        ceiling: Uncertain::new(
            Distribution::Fixed(1.0),
            ValueRange::Probability,
            format!("{base}.uptake.ceiling"),
        ),
    };
    Cohort {
        key: crate::rng::StreamKey::of(&id_text),
        id: id_text,
        name,
        size: size.map_or(0, |(v, _)| v as u64),
        // A missing `offer_from` means "from the start"; the caller fills it in.
        offer_from: offer_from.map_or(YearMonth { year: 0, month: 1 }, |(m, _)| m),
        uptake: uptake.unwrap_or_else(placeholder_uptake),
        return_rate,
        budget: budget.unwrap_or(BudgetDistribution {
            dist: Distribution::Fixed(0.0),
            clamped_mean: 0.0,
            clamped_variance: 0.0,
        }),
        forms,
        forms_defaulted,
        uses,
    }
}

/// Where to point a cohort-wide warning: its id if read, else the table.
fn id_span_or(span: &Range<usize>, ids: &IdCheck) -> Range<usize> {
    ids.cohorts.last().map_or(span.clone(), |(_, s)| s.clone())
}

fn read_forms(
    table: &DeTable<'_>,
    span: Range<usize>,
    cohort: &str,
    problems: &mut Problems,
) -> [f64; 3] {
    let mut r = TableReader::new(table, span.clone(), format!("cohorts[{cohort}].forms"));
    let mut shares = [0.0; 3];
    for form in Form::ALL {
        if let Some(v) = r.number_in(problems, form.key(), ValueRange::Probability) {
            shares[form.index()] = v;
        }
    }
    r.finish(problems);
    let total: f64 = shares.iter().sum();
    if !problems.has_errors_at(&span) && (total - 1.0).abs() > 1e-9 {
        problems.push(
            Problem::error(
                format!(
                    "forms sum to {}; they must sum to 1",
                    crate::scenario::reader::round_for_message(total)
                ),
                Some(span),
            )
            .with_help(
                "adjust the shares of direct_payment, notional and third_party so they add up to 1",
            ),
        );
    }
    shares
}

fn read_uptake(value: &Value<'_>, base: &str, problems: &mut Problems) -> Option<Uptake> {
    let DeValue::Table(table) = value.get_ref() else {
        problems.push(
            Problem::error(
                format!(
                    "`uptake` must be a table, found {}",
                    kind_of(value.get_ref())
                ),
                Some(value.span()),
            )
            .with_help(
                "for example `uptake = { model = \"bass\", p = 0.004, q = 0.25, ceiling = 0.3 }`",
            ),
        );
        return None;
    };
    let mut r = TableReader::new(
        table,
        value.span(),
        format!("{}.uptake", base.replacen("cohorts.", "cohorts[", 1) + "]"),
    );
    let path = |key: &str| format!("{base}.uptake.{key}");
    let model = r.string(problems, "model");
    if r.get("model").is_none() {
        r.missing(problems, "model", "\"bass\"");
    }
    let ceiling = r
        .uncertain(
            problems,
            "ceiling",
            ValueRange::Probability,
            path("ceiling"),
        )
        .unwrap_or_else(|| {
            Uncertain::new(
                Distribution::Fixed(1.0),
                ValueRange::Probability,
                path("ceiling"),
            )
        });
    let p = r.uncertain(problems, "p", ValueRange::Probability, path("p"));
    let q = r.uncertain(problems, "q", ValueRange::NonNegative, path("q"));
    let monthly = r.uncertain(
        problems,
        "monthly",
        ValueRange::Probability,
        path("monthly"),
    );
    let Some((model_name, model_span)) = model else {
        r.finish(problems);
        return None;
    };
    let misplaced = |r: &mut TableReader<'_, '_>,
                     problems: &mut Problems,
                     keys: &[&'static str],
                     model: &str| {
        for &key in keys {
            if let Some(v) = r.get(key) {
                problems.push(
                    Problem::error(
                        format!("`{key}` does not apply to the {model} uptake model"),
                        Some(v.span()),
                    )
                    .with_help(format!("remove `{key}`, or change `model`")),
                );
            }
        }
    };
    let model = match model_name.as_str() {
        "bass" => {
            misplaced(&mut r, problems, &["monthly"], "bass");
            for (key, example) in [("p", "0.004"), ("q", "0.25")] {
                if r.get(key).is_none() {
                    r.missing(problems, key, example);
                }
            }
            r.finish(problems);
            UptakeModel::Bass { p: p?, q: q? }
        }
        "constant" => {
            misplaced(&mut r, problems, &["p", "q"], "constant");
            if r.get("monthly").is_none() {
                r.missing(problems, "monthly", "0.02");
            }
            r.finish(problems);
            UptakeModel::Constant { monthly: monthly? }
        }
        other => {
            problems.push(unknown_choice(
                "model",
                other,
                model_span,
                ["bass", "constant"].into_iter(),
            ));
            r.finish(problems);
            return None;
        }
    };
    Some(Uptake { model, ceiling })
}
