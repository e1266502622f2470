//! Scenario text -> validated [`Scenario`], reporting every problem at once: the
//! orchestration (syntax, then the walk, then the whole-file checks, then variants)
//! and the order problems are reported in.
//!
//! `syntax` turns TOML syntax errors into problems with fixes; `document` walks the
//! top level, `[scenario]`, `[contracts]` and `[budget_forms]`; `providers` and
//! `cohorts` walk theirs; `fields` reads one key as its declaration in
//! [`crate::scenario::params`] says. Ids and references are resolved in a second
//! step ([`crate::scenario::checks`]) once every provider has been read, so a cohort
//! may refer to a service defined further down the file; `correlations` reads the
//! `[[correlations]]` blocks and checks them once every parameter is known.

mod cohorts;
mod correlations;
mod document;
mod fields;
mod providers;
mod syntax;

use toml::de::DeTable;

use crate::scenario::checks::{self, IdCheck};
use crate::scenario::plausibility;
use crate::scenario::problem::Problem;
use crate::scenario::reader::Problems;
use crate::scenario::types::*;
use crate::scenario::variants::{self, Variant, VariantSpec};

use correlations::Role;
use document::read_document;
use syntax::{forbidden_character, syntax_problem};

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
    let (plain, base) = parse_base(text, Role::Base);
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
        |variant_text| {
            parse_base(variant_text, Role::Variant)
                .1
                .map(|(s, w, _)| (s, w))
        },
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
/// plain TOML document (empty when the text is not TOML). `role` says whether it is
/// the file's scenario or a variant built from it.
fn parse_base(text: &str, role: Role) -> (toml::Table, BaseResult) {
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
    let scenario = read.map(|(mut s, specs, correlation_specs)| {
        checks::resolve(&mut s, &ids, &mut problems);
        checks::cross_checks(&s, &ids, &mut problems);
        s.correlations = correlations::resolve(&s, correlation_specs, role, &mut problems);
        if !problems.has_errors() {
            plausibility::check(&s, document.get_ref(), text, &mut problems);
        }
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
