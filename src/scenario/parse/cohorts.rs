//! The walk over `[[cohorts]]`: their uptake, budget, forms and uses.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::document::tables_of;
use super::fields::{read_id, unknown_choice};
use crate::distribution::Distribution;
use crate::scenario::checks::{IdCheck, PendingRef};
use crate::scenario::problem::Problem;
use crate::scenario::reader::{Problems, TableReader, Value, kind_of, read_distribution};
use crate::scenario::types::*;

pub(super) fn read_cohort(
    table: &DeTable<'_>,
    span: Range<usize>,
    problems: &mut Problems,
    ids: &mut IdCheck,
) -> Cohort {
    let mut r = TableReader::declared(table, span.clone(), "cohorts", "cohorts");
    let id = read_id(&mut r, problems);
    let (id_text, id_span) = id.unwrap_or_else(|| ("?".to_string(), span.clone()));
    r.place = format!("cohorts[{id_text}]");
    let base = format!("cohorts.{id_text}");
    let cohort_index = ids.cohorts.len();
    ids.cohorts.push((id_text.clone(), id_span));
    let name = r
        .text_param(problems, "name")
        .map_or_else(|| id_text.clone(), |(n, _)| n);
    let size = r.integer_param(problems, "size");
    let offer_from = r.month_param(problems, "offer_from");
    ids.offer_spans
        .push(offer_from.as_ref().map(|(_, s)| s.clone()));
    let uptake = match r.get("uptake") {
        Some(value) => read_uptake(value, &base, problems),
        None => {
            r.require(problems, "uptake");
            None
        }
    };
    let return_rate = r.uncertain_or_default(problems, "return_rate", &base);
    let budget_range = r.param("budget").range().expect("a spread has a range");
    let budget = match r.get("budget") {
        Some(value) => read_distribution(problems, "budget", value).map(|dist| {
            crate::scenario::reader::check_against_range(
                problems,
                "budget",
                &dist,
                budget_range,
                value.span(),
            );
            let (lo, hi) = budget_range.bounds();
            let (clamped_mean, clamped_variance) = match dist {
                Distribution::Fixed(v) => (v, 0.0),
                ref d => d.clamped_moments(lo, hi),
            };
            BudgetDistribution {
                dist,
                clamped_mean,
                clamped_variance,
            }
        }),
        None => {
            r.require(problems, "budget");
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
            let mut u = TableReader::declared(
                t,
                use_span.clone(),
                format!("cohorts[{id_text}].uses"),
                "cohorts.uses",
            );
            let service = u.text_param(problems, "service");
            let reference = service
                .as_ref()
                .map_or_else(|| "?".to_string(), |(s, _)| s.clone());
            let use_base = format!("{base}.uses.{reference}");
            let per_month = u.uncertain_param(problems, "per_month", &use_base);
            let substitution = u.uncertain_or_default(problems, "substitution", &use_base);
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
                    substitution,
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
    let mut r = TableReader::declared(
        table,
        span.clone(),
        format!("cohorts[{cohort}].forms"),
        "cohorts.forms",
    );
    let mut shares = [0.0; 3];
    for form in Form::ALL {
        if let Some(v) = r.number_param(problems, form.key()) {
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
    let mut r = TableReader::declared(
        table,
        value.span(),
        format!("{}.uptake", base.replacen("cohorts.", "cohorts[", 1) + "]"),
        "cohorts.uptake",
    );
    let base = format!("{base}.uptake");
    let model = r.text_param(problems, "model");
    let ceiling = r.uncertain_or_default(problems, "ceiling", &base);
    let p = r.uncertain_param(problems, "p", &base);
    let q = r.uncertain_param(problems, "q", &base);
    let monthly = r.uncertain_param(problems, "monthly", &base);
    let Some((model_name, model_span)) = model else {
        r.finish(problems);
        return None;
    };
    let choices = r.param("model").choices();
    if !choices.contains(&model_name.as_str()) {
        problems.push(unknown_choice("model", &model_name, model_span, choices));
        r.finish(problems);
        return None;
    }
    r.check_conditional_keys(problems, "model", &model_name, |key, span| {
        Problem::error(
            format!("`{key}` does not apply to the {model_name} uptake model"),
            Some(span),
        )
        .with_help(format!("remove `{key}`, or change `model`"))
    });
    r.finish(problems);
    let model = match model_name.as_str() {
        "bass" => UptakeModel::Bass { p: p?, q: q? },
        _ => UptakeModel::Constant { monthly: monthly? },
    };
    Some(Uptake { model, ceiling })
}
