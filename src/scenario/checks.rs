//! Checks that span the whole file: unique ids, service references, dates against
//! the horizon, budget-form shares, and the warnings about forms.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::scenario::problem::{Problem, nearest};
use crate::scenario::reader::{Problems, round_for_message};
use crate::scenario::types::*;

/// A service reference waiting to be resolved once every provider is known.
#[derive(Debug)]
pub enum PendingRef {
    FormService {
        form: Form,
        position: usize,
        reference: String,
        span: Range<usize>,
    },
    CohortUse {
        cohort: usize,
        position: usize,
        reference: String,
        span: Range<usize>,
    },
}

/// Ids and spans gathered during the walk, for the checks that need the whole file.
#[derive(Debug, Default)]
pub struct IdCheck {
    pub providers: Vec<(String, Range<usize>)>,
    /// Per provider, its services' ids.
    pub services: Vec<Vec<(String, Range<usize>)>>,
    pub cohorts: Vec<(String, Range<usize>)>,
    /// Per cohort, the span of `offer_from` if it was given.
    pub offer_spans: Vec<Option<Range<usize>>>,
    pub first_review_span: Option<Range<usize>>,
    /// Per form, the span of its `[budget_forms.<form>]` table.
    pub form_spans: [Option<Range<usize>>; 3],
    pub pending: Vec<PendingRef>,
}

/// Whether `id` matches `[a-z0-9][a-z0-9_-]*`.
pub fn is_valid_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'))
}

/// The nearest valid id to an invalid one, for the fix hint.
pub fn suggest_id(id: &str) -> String {
    let mut out: String = id
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    out = out.trim_start_matches(['-', '_']).to_string();
    if out.is_empty() {
        "my-id".to_string()
    } else {
        out
    }
}

/// Reports every id used twice in one scope.
fn check_unique(ids: &[(String, Range<usize>)], what: &str, problems: &mut Problems) {
    let mut seen: BTreeMap<&str, &Range<usize>> = BTreeMap::new();
    for (id, span) in ids {
        if id == "?" {
            continue;
        }
        if let Some(first) = seen.get(id.as_str()) {
            let _ = first;
            problems.push(
                Problem::error(
                    format!("{what} id `{id}` is used twice"),
                    Some(span.clone()),
                )
                .with_help(format!("give each {what} its own id")),
            );
        } else {
            seen.insert(id, span);
        }
    }
}

/// Resolves service references to indices and fills defaults that need the header.
pub fn resolve(scenario: &mut Scenario, ids: &IdCheck, problems: &mut Problems) {
    check_unique(&ids.providers, "provider", problems);
    for services in &ids.services {
        check_unique(services, "service", problems);
    }
    check_unique(&ids.cohorts, "cohort", problems);

    let mut by_name: BTreeMap<String, ServiceIndex> = BTreeMap::new();
    for (index, (p, service)) in scenario.services().enumerate() {
        // An id that could not be read (already an error) is no service to suggest.
        if scenario.providers[p].id == "?" || service.id == "?" {
            continue;
        }
        by_name
            .entry(format!("{}/{}", scenario.providers[p].id, service.id))
            .or_insert(ServiceIndex(index));
    }
    let lookup =
        |reference: &str, span: &Range<usize>, problems: &mut Problems| -> Option<ServiceIndex> {
            if let Some(index) = by_name.get(reference) {
                return Some(*index);
            }
            let mut problem =
                Problem::error(format!("no service `{reference}`"), Some(span.clone()));
            problem = match nearest(reference, by_name.keys().map(String::as_str)) {
                Some(near) => problem.with_help(format!("did you mean `{near}`?")),
                None if !reference.contains('/') => problem.with_help(
                    "refer to a service as \"provider-id/service-id\", e.g. \"trust/crisis\"",
                ),
                None => problem.with_help(format!(
                    "known services: {}",
                    by_name
                        .keys()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            problems.push(problem);
            None
        };
    for pending in &ids.pending {
        match pending {
            PendingRef::FormService {
                form,
                position,
                reference,
                span,
            } => {
                if let Some(index) = lookup(reference, span, problems) {
                    let (p, service) = scenario
                        .services()
                        .nth(index.0)
                        .expect("a resolved service exists");
                    if !service.budget_purchasable {
                        problems.push(
                            Problem::error(
                                format!(
                                    "budgets cannot be spent at `{reference}`: it has `budget_purchasable = false`"
                                ),
                                Some(span.clone()),
                            )
                            .with_help(format!(
                                "remove `{reference}` from `budget_forms.{}.services`, or set `budget_purchasable = true` on service `{}` of provider `{}`",
                                form.key(),
                                service.id,
                                scenario.providers[p].id
                            )),
                        );
                    }
                    if let Some(budget_form) = scenario.budget_forms[form.index()].as_mut() {
                        budget_form.services[*position].0 = index;
                    }
                }
            }
            PendingRef::CohortUse {
                cohort,
                position,
                reference,
                span,
            } => {
                if let Some(index) = lookup(reference, span, problems) {
                    let cohort = &mut scenario.cohorts[*cohort];
                    if cohort.uses[..*position].iter().any(|u| u.service == index) {
                        problems.push(
                            Problem::error(
                                format!("cohort `{}` uses `{reference}` twice", cohort.id),
                                Some(span.clone()),
                            )
                            .with_help("list each service once and add the units together"),
                        );
                    }
                    cohort.uses[*position].service = index;
                }
            }
        }
    }
    for (cohort, span) in scenario.cohorts.iter_mut().zip(&ids.offer_spans) {
        if span.is_none() {
            cohort.offer_from = scenario.start;
        }
    }
}

/// Dates against the horizon, form shares, and the warnings of SPEC section 2.
pub fn cross_checks(scenario: &Scenario, ids: &IdCheck, problems: &mut Problems) {
    let end = scenario.month_label(scenario.months - 1);
    let horizon = |month: YearMonth, key: &str, span: &Range<usize>, problems: &mut Problems| {
        let t = scenario.month_index(month);
        if t < 0 {
            problems.push(
                Problem::error(
                    format!(
                        "`{key}` {month} is before the scenario starts ({})",
                        scenario.start
                    ),
                    Some(span.clone()),
                )
                .with_help(format!("use {} or later", scenario.start)),
            );
        } else if t >= i64::from(scenario.months) {
            problems.push(
                Problem::warning(format!("`{key}` {month} is beyond the horizon (last month {end}), so it has no effect"), Some(span.clone()))
                    .with_help("move it earlier, or lengthen `months`"),
            );
        }
    };
    for (cohort, span) in scenario.cohorts.iter().zip(&ids.offer_spans) {
        if let Some(span) = span {
            horizon(cohort.offer_from, "offer_from", span, problems);
        }
    }
    if let (Some(month), Some(span)) = (scenario.contracts.first_review, &ids.first_review_span) {
        horizon(month, "first_review", span, problems);
    }
    for form in Form::ALL {
        let Some(budget_form) = &scenario.budget_forms[form.index()] else {
            continue;
        };
        // Uncertain shares are scaled down in proportion when a draw exceeds 1 (SPEC
        // section 3); what must not exceed 1 is the sum of the central values.
        let central = Uncertain::mean;
        let total = central(&budget_form.existing)
            + budget_form
                .services
                .iter()
                .map(|(_, s)| central(s))
                .sum::<f64>();
        if total > 1.0 + 1e-9 {
            problems.push(
                Problem::error(
                    format!(
                        "budget_forms.{}: existing + services shares sum to {}; they must be at most 1",
                        form.key(),
                        round_for_message(total)
                    ),
                    ids.form_spans[form.index()].clone(),
                )
                .with_help("lower the shares; the rest of a budget is spent outside the modelled providers"),
            );
        }
    }
    for (cohort, (_, span)) in scenario.cohorts.iter().zip(&ids.cohorts) {
        for form in Form::ALL {
            if cohort.forms[form.index()] > 0.0 && scenario.budget_forms[form.index()].is_none() {
                problems.push(
                    Problem::warning(
                        format!(
                            "cohort `{}` has {}% {} budgets but there is no `[budget_forms.{}]` table, so all of that money leaves the modelled providers",
                            cohort.id,
                            round_for_message(cohort.forms[form.index()] * 100.0),
                            form.key(),
                            form.key()
                        ),
                        Some(span.clone()),
                    )
                    .with_help(format!("add `[budget_forms.{}]` with `existing = ...` if some of it is spent at the cohort's own services", form.key())),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_pattern() {
        assert!(is_valid_id("trust"));
        assert!(is_valid_id("0a_b-c"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("-trust"));
        assert!(!is_valid_id("Trust"));
        assert!(!is_valid_id("my trust"));
        assert_eq!(suggest_id("My Trust"), "my-trust");
    }
}
