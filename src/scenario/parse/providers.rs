//! The walk over `[[providers]]` and their `[[providers.services]]`.

use std::ops::Range;

use toml::de::DeTable;

use super::document::tables_of;
use super::fields::{read_id, unknown_choice};
use crate::distribution::Distribution;
use crate::scenario::checks::IdCheck;
use crate::scenario::problem::Problem;
use crate::scenario::reader::{Problems, TableReader};
use crate::scenario::types::*;

pub(super) fn read_provider(
    table: &DeTable<'_>,
    span: Range<usize>,
    problems: &mut Problems,
    ids: &mut IdCheck,
) -> Provider {
    let mut r = TableReader::declared(table, span.clone(), "providers", "providers");
    let id = read_id(&mut r, problems);
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
        .text_param(problems, "name")
        .map_or_else(|| id_text.clone(), |(n, _)| n);
    let kind = match r.text_param(problems, "kind") {
        Some((text, kind_span)) => match ProviderKind::ALL.iter().find(|(_, key)| *key == text) {
            Some((kind, _)) => *kind,
            None => {
                problems.push(unknown_choice(
                    "kind",
                    &text,
                    kind_span,
                    r.param("kind").choices(),
                ));
                ProviderKind::NhsTrust
            }
        },
        None => ProviderKind::NhsTrust,
    };
    let other_income = r.uncertain_or_default(problems, "other_income", &base);
    let other_costs = r.uncertain_or_default(problems, "other_costs", &base);
    let mut number = |key| {
        r.number_param(problems, key)
            .unwrap_or_else(|| panic!("`{key}` is declared with a default"))
    };
    let reserves = number("reserves");
    let reserve_floor = number("reserve_floor");
    let min_margin = number("min_margin");
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

fn read_service(
    table: &DeTable<'_>,
    span: Range<usize>,
    provider_id: &str,
    problems: &mut Problems,
) -> (Service, Range<usize>) {
    let mut r = TableReader::declared(
        table,
        span.clone(),
        format!("providers[{provider_id}].services"),
        "providers.services",
    );
    let id = read_id(&mut r, problems);
    let (id_text, id_span) = id.unwrap_or_else(|| ("?".to_string(), span.clone()));
    r.place = format!("providers[{provider_id}].services[{id_text}]");
    let base = format!("providers.{provider_id}.services.{id_text}");
    let name = r
        .text_param(problems, "name")
        .map_or_else(|| id_text.clone(), |(n, _)| n);
    // Stands in for a required value that is missing or invalid: the file then has an
    // error, so the value is never used.
    let placeholder = |key: &str, range: ValueRange, value: f64| {
        Uncertain::new(Distribution::Fixed(value), range, format!("{base}.{key}"))
    };
    let payment_kind = r.text_param(problems, "payment");
    let unit_price = r.uncertain_param(problems, "unit_price", &base);
    let contract_value = r.uncertain_param(problems, "contract_value", &base);
    let pass_through = r.uncertain_or_default(problems, "pass_through", &base);
    let payment = match payment_kind {
        Some((kind, kind_span)) => {
            let choices = r.param("payment").choices();
            if choices.contains(&kind.as_str()) {
                r.check_conditional_keys(problems, "payment", &kind, |key, span| {
                    Problem::error(
                        format!("`{key}` applies only to block services, and `{id_text}` is paid by activity"),
                        Some(span),
                    )
                    .with_help(format!("remove `{key}`, or set `payment = \"block\"`"))
                });
            } else {
                problems.push(unknown_choice("payment", &kind, kind_span, choices));
            }
            match kind.as_str() {
                "block" => Payment::Block {
                    contract_value: contract_value.unwrap_or_else(|| {
                        placeholder("contract_value", ValueRange::NonNegative, 0.0)
                    }),
                    pass_through,
                },
                _ => Payment::Activity,
            }
        }
        None => Payment::Activity,
    };
    let fixed_cost = r.uncertain_or_default(problems, "fixed_cost", &base);
    let variable_cost = r.uncertain_or_default(problems, "variable_cost", &base);
    let other_activity = r.uncertain_or_default(problems, "other_activity", &base);
    let cost_flex = r.uncertain_or_default(problems, "cost_flex", &base);
    let backfill = r.uncertain_or_default(problems, "backfill", &base);
    let min_viable_activity = r.number_param(problems, "min_viable_activity");
    let budget_purchasable = r.bool_or_default(problems, "budget_purchasable");
    let cost_step = r.uncertain_or_default(problems, "cost_step", &base);
    let notice_months = r.integer_or_default(problems, "notice_months") as u32;
    let transition_cost = r.uncertain_or_default(problems, "transition_cost", &base);
    r.finish(problems);
    let service = Service {
        id: id_text,
        name,
        payment,
        unit_price: unit_price
            .unwrap_or_else(|| placeholder("unit_price", ValueRange::Positive, 1.0)),
        fixed_cost,
        variable_cost,
        other_activity,
        cost_flex,
        backfill,
        min_viable_activity,
        budget_purchasable,
        cost_step,
        notice_months,
        transition_cost,
    };
    (service, id_span)
}
