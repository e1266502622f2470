//! A served session end to end, without HTTP: a what-if checked, run and drawn, then
//! kept in a scenario file that still validates and runs to the same numbers.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use crate::run::{Run, RunSettings};
use crate::scenario::load::{self, EXAMPLE};
use crate::serve::Served;
use crate::serve::keep::KeepError;
use crate::serve::whatif::WhatIf;

const ITERATIONS: u64 = 60;

fn what_if(json: &str) -> WhatIf {
    WhatIf::from_json(&serde_json::from_str(json).unwrap()).unwrap()
}

/// A session serving `path` (the example's text written there).
fn serving(path: Option<&Path>) -> Served {
    if let Some(path) = path {
        std::fs::write(path, EXAMPLE).unwrap();
    }
    let (source, validated) = load::load(path).unwrap();
    let settings = RunSettings::new(ITERATIONS, validated.scenario.seed);
    Served::new(
        source,
        path.map(PathBuf::from),
        validated,
        settings,
        true,
        1,
    )
    .unwrap()
}

/// `compare.csv` without its first column (the variant's name).
fn without_names(csv: &str) -> Vec<String> {
    csv.lines()
        .map(|line| {
            // The name never holds a comma here, so the first field ends at the first.
            line.split_once(',')
                .map_or("", |(_, rest)| rest)
                .to_string()
        })
        .collect()
}

#[test]
fn a_kept_what_if_validates_and_runs_to_the_numbers_served() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("icb.toml");
    let served = serving(Some(&path));
    let question = what_if(
        r#"{"cohorts.s117.uptake.ceiling": 0.9, "providers.trust.services.cmht.pass_through": 0.9}"#,
    );
    let prepared = served.prepare(question.clone()).unwrap();
    let answer = served.answer(prepared, &AtomicBool::new(false)).unwrap();
    let live = answer.live().unwrap();
    assert!(live.variants.contains("Variants against the base"));
    assert!(live.headline.contains("Headlines"));

    let kept = served
        .keep("s117 ceiling 90%", Some("asked in the meeting"), &question)
        .unwrap();
    assert_eq!(kept.name, "s117 ceiling 90%");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with(EXAMPLE.trim_end()),
        "the file's text was not kept"
    );
    for comment in EXAMPLE.lines().filter(|l| l.trim_start().starts_with('#')) {
        assert!(text.contains(comment), "lost the comment {comment}");
    }
    assert!(text.ends_with(
        "[[variants]]\nname = \"s117 ceiling 90%\"\ndescription = \"asked in the meeting\"\nset = { \"cohorts.s117.uptake.ceiling\" = 0.9, \"providers.trust.services.cmht.pass_through\" = 0.9 }\n"
    ), "{}", &text[text.len() - 300..]);
    let no_temporary = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(
        no_temporary, 1,
        "a temporary file was left beside the scenario"
    );

    // The file validates, and its new variant runs to the numbers the page showed.
    let (_, validated) = load::load(Some(&path)).unwrap();
    let variant = validated.variants.last().unwrap();
    assert_eq!(variant.name, "s117 ceiling 90%");
    let scenarios = [&validated.scenario, &variant.scenario];
    let set = Run::new(&scenarios, served.base.settings).all().unwrap();
    let mut compare = Vec::new();
    let names = [validated.scenario.name.as_str(), variant.name.as_str()];
    crate::output::tables::write_compare(&mut compare, names[0], &set, &names).unwrap();
    let compare = String::from_utf8(compare).unwrap();
    assert_eq!(without_names(&compare), without_names(&live.compare_csv));
}

#[test]
fn keeping_refuses_and_leaves_the_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("icb.toml");
    let served = serving(Some(&path));
    let question = what_if(r#"{"cohorts.s117.uptake.ceiling": 0.9}"#);
    // A name the file already uses: the message is `validate`'s.
    match served.keep("contracts re-based after two years", None, &question) {
        Err(KeepError::Invalid(message)) => {
            assert!(message.contains("is used twice"), "{message}");
            assert!(message.contains("icb.toml:"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        served.keep("x", None, &WhatIf::default()),
        Err(KeepError::Empty)
    ));
    assert!(matches!(
        served.keep(" ", None, &question),
        Err(KeepError::BadName(_))
    ));
    assert!(matches!(
        served.keep("a\nb", None, &question),
        Err(KeepError::BadName(_))
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), EXAMPLE);
    // Changed on disk since it was read: not overwritten.
    let edited = format!("{EXAMPLE}\n# edited by someone else\n");
    std::fs::write(&path, &edited).unwrap();
    assert!(matches!(
        served.keep("x", None, &question),
        Err(KeepError::Changed(_))
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
}

#[test]
fn the_built_in_example_is_never_written() {
    let served = serving(None);
    let question = what_if(r#"{"cohorts.s117.uptake.ceiling": 0.9}"#);
    assert_eq!(served.keep("x", None, &question), Err(KeepError::NoFile));
}

#[test]
fn an_invalid_what_if_gets_the_message_validate_gives() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("icb.toml");
    let served = serving(Some(&path));
    let question = what_if(r#"{"providers.trust.services.crisis.pass_through": 1.5}"#);
    let message = served.prepare(question.clone()).unwrap_err().0;
    // What `phbsim validate` prints for the file with the what-if as a variant.
    let with = crate::serve::whatif::with_variant(EXAMPLE, "what-if", None, &question).unwrap();
    let problems = crate::scenario::parse_scenario(&with).unwrap_err();
    let errors: Vec<_> = problems.into_iter().filter(|p| p.is_error()).collect();
    let source = load::Source {
        name: path.clone(),
        text: with,
    };
    let expected = crate::output::problems::render_problems(&source, &errors, false);
    assert_eq!(message, expected);
    assert!(message.contains("variant `what-if`"), "{message}");
    // The page keeps working: the next what-if answers.
    let fine = served.prepare(what_if(
        r#"{"providers.trust.services.crisis.pass_through": 0.5}"#,
    ));
    assert!(fine.is_ok());
}
