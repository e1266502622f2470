//! Parameters named as people read them: `NHS Talking Therapies: unit price` for
//! `providers.trust.services.talking-therapies.unit_price`. The printed tables and the
//! sensitivity report speak in these labels; files keep the path, which is what a
//! variant or `--param` takes.

use crate::scenario::Scenario;

/// The label of the parameter at `path`: the name (from the scenario) of the service,
/// provider or cohort it belongs to, then its keys in words, a service reference
/// (`trust/crisis`) by the service's name. A path that names none of these is its own
/// label.
pub fn parameter_label(scenario: &Scenario, path: &str) -> String {
    let segments: Vec<&str> = path.split('.').collect();
    let (entity, rest) = match segments.as_slice() {
        ["providers", provider, "services", service, rest @ ..] => {
            (service_name(scenario, provider, service), rest)
        }
        ["providers", provider, rest @ ..] => (
            scenario
                .providers
                .iter()
                .find(|p| p.id == *provider)
                .map(|p| p.name.as_str()),
            rest,
        ),
        ["cohorts", cohort, rest @ ..] => (
            scenario
                .cohorts
                .iter()
                .find(|c| c.id == *cohort)
                .map(|c| c.name.as_str()),
            rest,
        ),
        // The keys of `[prices]` and `[commissioner]`; any other path under those
        // names (a metric, say) is not a parameter.
        [table @ ("prices" | "commissioner"), key]
            if crate::scenario::params::table(table).param(key).is_some() =>
        {
            let name = if *table == "prices" {
                "Prices"
            } else {
                "Commissioner"
            };
            (Some(name), &segments[1..])
        }
        _ => (None, &[][..]),
    };
    let Some(entity) = entity.filter(|_| !rest.is_empty()) else {
        return path.to_string();
    };
    // A cohort's use of a service reads as the key of that service:
    // `Section 117 aftercare: substitution of Community rehabilitation`.
    if let ["uses", reference, key] = rest
        && let Some((provider, service)) = reference.split_once('/')
        && let Some(name) = service_name(scenario, provider, service)
    {
        return format!("{entity}: {} of {name}", key.replace('_', " "));
    }
    let words: Vec<String> = rest
        .iter()
        .map(|segment| match segment.split_once('/') {
            Some((provider, service)) => service_name(scenario, provider, service)
                .unwrap_or(segment)
                .to_string(),
            None => segment.replace('_', " "),
        })
        .collect();
    format!("{entity}: {}", words.join(" "))
}

fn service_name<'a>(scenario: &'a Scenario, provider: &str, service: &str) -> Option<&'a str> {
    scenario
        .providers
        .iter()
        .find(|p| p.id == provider)?
        .services
        .iter()
        .find(|s| s.id == service)
        .map(|s| s.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::EXAMPLE;
    use crate::scenario::parse_scenario;

    #[test]
    fn labels_name_the_entity_from_the_scenario_and_the_key_in_words() {
        let s = parse_scenario(EXAMPLE).unwrap().scenario;
        let label = |path: &str| parameter_label(&s, path);
        assert_eq!(
            label("providers.trust.services.talking-therapies.unit_price"),
            "NHS Talking Therapies: unit price"
        );
        assert_eq!(
            label("providers.trust.other_income"),
            "Example Mental Health NHS Foundation Trust: other income"
        );
        assert_eq!(label("prices.cost_inflation"), "Prices: cost inflation");
        assert_eq!(
            label("commissioner.recover_overspend"),
            "Commissioner: recover overspend"
        );
        let cohort = &s.cohorts[0];
        assert_eq!(
            label(&format!("cohorts.{}.uptake.ceiling", cohort.id)),
            format!("{}: uptake ceiling", cohort.name)
        );
        assert_eq!(
            label(&format!(
                "cohorts.{}.uses.trust/crisis.per_month",
                cohort.id
            )),
            format!(
                "{}: per month of Crisis resolution and home treatment",
                cohort.name
            )
        );
        assert_eq!(
            label(&format!(
                "cohorts.{}.uses.trust/cmht.substitution",
                cohort.id
            )),
            format!(
                "{}: substitution of Community mental health teams",
                cohort.name
            )
        );
        // What the scenario does not name stays a path.
        assert_eq!(
            label("providers.nobody.reserves"),
            "providers.nobody.reserves"
        );
        assert_eq!(label("commissioner.admin"), "commissioner.admin");
    }
}
