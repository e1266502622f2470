use std::collections::BTreeSet;

use super::*;
use crate::scenario::{load, parse_scenario, paths};

/// Every shipped scenario's text, by file name.
fn shipped() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("scenarios/ exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            (p.display().to_string(), text)
        })
        .collect();
    files.sort();
    assert!(files.len() >= 4, "example, starter and the variants");
    files
}

#[test]
fn declarations_are_consistent() {
    let mut names = BTreeSet::new();
    for t in TABLES {
        assert!(names.insert(t.name), "table `{}` declared twice", t.name);
        let mut keys = BTreeSet::new();
        for p in t.params {
            assert!(keys.insert(p.key), "`{}` twice in `{}`", p.key, t.name);
            assert!(!p.meaning.is_empty(), "`{}` has no meaning", p.key);
            if let Kind::Table(name) | Kind::Tables(name) = p.kind {
                let _ = table(name);
            }
            if let Some((on, value)) = p.only_when {
                let deciding = t.param(on).expect("the deciding key is declared");
                assert!(deciding.choices().contains(&value), "`{}`", p.key);
            }
            if let (Need::Default(Fallback::Number(v)), Some(range)) = (p.need, p.range()) {
                assert!(
                    range.contains(v),
                    "`{}`'s default is outside its range",
                    p.key
                );
            }
        }
        if let Some(key) = t.named_by {
            assert!(
                t.param(key).is_some(),
                "`{}` is named by an undeclared key",
                t.name
            );
        }
    }
    assert_eq!(entry_key("uses"), Some("service"));
    assert_eq!(entry_key("providers"), Some("id"));
    assert_eq!(entry_key("variants"), None);
}

/// Every parameter the parser reads as uncertain has a path that leads to a (U)
/// declaration with the same range: the walk and the table say the same.
#[test]
fn every_uncertain_parameter_is_declared_uncertain_with_its_range() {
    for (name, text) in shipped() {
        let validated = parse_scenario(&text).unwrap_or_else(|p| panic!("{name}: {p:#?}"));
        for scenario in validated.all() {
            let mut uncertain = Vec::new();
            for provider in &scenario.providers {
                uncertain.extend([&provider.other_income, &provider.other_costs]);
                for s in &provider.services {
                    uncertain.extend([
                        &s.unit_price,
                        &s.fixed_cost,
                        &s.variable_cost,
                        &s.other_activity,
                        &s.cost_flex,
                        &s.backfill,
                    ]);
                    if let crate::scenario::Payment::Block {
                        contract_value,
                        pass_through,
                    } = &s.payment
                    {
                        uncertain.extend([contract_value, pass_through]);
                    }
                }
            }
            for cohort in &scenario.cohorts {
                uncertain.extend([&cohort.return_rate, &cohort.uptake.ceiling]);
                match &cohort.uptake.model {
                    crate::scenario::UptakeModel::Bass { p, q } => uncertain.extend([p, q]),
                    crate::scenario::UptakeModel::Constant { monthly } => uncertain.push(monthly),
                }
                uncertain.extend(cohort.uses.iter().map(|u| &u.per_month));
            }
            for form in scenario.budget_forms.iter().flatten() {
                uncertain.extend([&form.existing, &form.admin_cost]);
                uncertain.extend(form.services.iter().map(|(_, s)| s));
            }
            assert!(uncertain.len() > 10, "{name}");
            for u in uncertain {
                let param = lookup(&u.path).unwrap_or_else(|| panic!("{name}: `{}`", u.path));
                assert!(param.is_uncertain(), "{name}: `{}` is not (U)", u.path);
                assert_eq!(param.range(), Some(u.range), "{name}: `{}`", u.path);
            }
        }
    }
}

/// Every value of every shipped scenario, as written and as written back out by
/// `to_toml` (the serde shape of `scenario::file`), sits at a declared key.
#[test]
fn every_key_of_the_shipped_scenarios_and_their_written_form_is_declared() {
    for (name, text) in shipped() {
        let written = parse_scenario(&text).expect("valid").scenario.to_toml();
        for source in [&text, &written] {
            for path in paths::scenario_paths(source).keys() {
                assert!(lookup(path).is_some(), "{name}: `{path}` is not declared");
            }
        }
    }
}

/// `phbsim init`'s starter shows every key of a scenario (variants and sweeps are
/// changes to a scenario, shown in README.md instead), each with a comment on its
/// line or just above, and it is valid. `[draws]` is shown commented out instead: it
/// names a file that `phbsim calibrate` writes, which a new starter cannot have, and
/// `phbsim validate` of the starter must pass (so the test only asks that the starter
/// mentions it).
#[test]
fn the_starter_uses_and_comments_every_declared_key() {
    let starter = load::STARTER;
    parse_scenario(starter).unwrap_or_else(|p| panic!("the starter is invalid: {p:#?}"));
    let doc: toml::Table = toml::from_str(starter).expect("TOML");
    let mut present: BTreeSet<(String, &str)> = BTreeSet::new();
    collect_keys(&toml::Value::Table(doc), "", &mut present);
    let lines: Vec<&str> = starter.lines().collect();
    assert!(
        starter.contains("# [draws]\n# file = "),
        "the starter shows `[draws]`, commented out"
    );
    for t in TABLES
        .iter()
        .filter(|t| !matches!(t.name, "variants" | "sweeps" | "draws"))
    {
        for p in t.params {
            if matches!(p.key, "variants" | "sweeps" | "draws") {
                continue;
            }
            assert!(
                present.contains(&(t.name.to_string(), p.key)),
                "scenarios/starter.toml never sets `{}` in `{}`",
                p.key,
                t.written
            );
            let sets = |line: &&str| {
                line.trim_start().starts_with(&format!("{} =", p.key))
                    || line.contains(&format!(" {} =", p.key))
                    || line.contains(&format!("{{{} =", p.key))
            };
            // A table written as a `[header]` has its keys commented instead.
            if matches!(p.kind, Kind::Table(_) | Kind::Tables(_)) && !lines.iter().any(sets) {
                continue;
            }
            let commented = lines.iter().enumerate().any(|(i, line)| {
                sets(line)
                    && (line.contains('#') || i > 0 && lines[i - 1].trim_start().starts_with('#'))
            });
            assert!(
                commented,
                "`{}` is set without a comment in the starter",
                p.key
            );
        }
    }
}

/// Adds (table name, key) for every key of `value`, a table declared as `name`.
fn collect_keys(value: &toml::Value, name: &str, out: &mut BTreeSet<(String, &'static str)>) {
    let toml::Value::Table(entries) = value else {
        return;
    };
    let declared = table(name);
    for (key, value) in entries {
        let Some(param) = declared.param(key) else {
            continue;
        };
        out.insert((name.to_string(), param.key));
        match (param.kind, value) {
            (Kind::Table(sub), _) => collect_keys(value, sub, out),
            (Kind::Tables(sub), toml::Value::Array(items)) => {
                items.iter().for_each(|item| collect_keys(item, sub, out));
            }
            _ => {}
        }
    }
}

#[test]
fn lookup_follows_ids_and_tables() {
    let q = lookup("cohorts.frequent-crisis.uptake.q").expect("declared");
    assert_eq!(q.key, "q");
    let per_month = lookup("cohorts.c1.uses.trust/crisis.per_month").expect("declared");
    assert_eq!(per_month.key, "per_month");
    let share = lookup("budget_forms.notional.services.trust/crisis").expect("declared");
    assert_eq!(share.key, "services");
    assert!(lookup("providers.trust.services.crisis.passthrough").is_none());
    assert!(lookup("providers.trust").is_none());
    assert!(lookup("variants.v.name").is_none());
    // An entry of a list without names is its place, as `paths::flatten` writes it.
    assert_eq!(lookup("correlations.#2.rank").map(|p| p.key), Some("rank"));
    assert!(lookup("correlations.first.rank").is_none());
}

/// The committed reference page is the one the declarations give.
#[test]
fn reference_page_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/scenario-reference.md");
    let generated = reference_markdown();
    if std::env::var_os("UPDATE_REFERENCE").is_some() {
        std::fs::write(path, &generated).expect("docs/ is writable");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/scenario-reference.md is not what src/scenario/params/table.rs declares; \
         regenerate it with `UPDATE_REFERENCE=1 cargo test --lib reference`"
    );
}

/// README.md's five-minute guide names the keys a typical scenario needs beyond the
/// required ones (a first scenario without them is quietly wrong: no activity, no
/// returns, every lost unit passed through) and sends the reader to the reference.
#[test]
fn the_readme_guide_names_the_keys_a_typical_scenario_needs() {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("## The scenario format")
        .expect("README.md has a scenario format section");
    let rest = &readme[start + 3..];
    let guide = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    for key in [
        "other_activity",
        "return_rate",
        "backfill",
        "cost_flex",
        "pass_through",
        "forms",
        "budget",
        "uses",
        "per_month",
    ] {
        assert!(
            guide.contains(&format!("`{key}`")) && guide.contains(&format!("{key} =")),
            "README.md's scenario guide neither shows nor explains `{key}`"
        );
        assert!(lookup_anywhere(key), "`{key}` is not a declared key");
    }
    assert!(guide.contains("per holder per year"));
    assert!(guide.contains("(docs/scenario-reference.md)"));
}

/// Whether some table declares `key`.
fn lookup_anywhere(key: &str) -> bool {
    TABLES.iter().any(|t| t.param(key).is_some())
}
