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
    serving_as_is(path)
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

/// A session serving the file at `path` as it is on disk (the built-in example
/// without one).
fn serving_as_is(path: Option<&Path>) -> Served {
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

/// The bytes of the file `name` in `dir`, first written as `bytes`, once a what-if
/// has been kept in it as the variant "kept".
fn kept_in(dir: &Path, name: &str, bytes: Vec<u8>) -> Vec<u8> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let served = serving_as_is(Some(&path));
    let question = what_if(r#"{"cohorts.s117.uptake.ceiling": 0.9}"#);
    served.keep("kept", Some("a note"), &question).unwrap();
    std::fs::read(&path).unwrap()
}

#[test]
fn a_kept_variant_takes_the_files_line_endings_and_byte_order_mark() {
    let dir = tempfile::tempdir().unwrap();
    let plain = kept_in(dir.path(), "lf.toml", EXAMPLE.as_bytes().to_vec());
    let plain = String::from_utf8(plain).unwrap();
    assert!(!plain.contains('\r'));

    let crlf = EXAMPLE.replace('\n', "\r\n");
    let kept = String::from_utf8(kept_in(dir.path(), "crlf.toml", crlf.into_bytes())).unwrap();
    let lone = kept
        .match_indices('\n')
        .filter(|&(i, _)| !kept[..i].ends_with('\r'))
        .count();
    assert_eq!(lone, 0, "a line without its CR:\n{kept}");
    assert_eq!(
        kept.replace("\r\n", "\n"),
        plain,
        "more changed than the endings"
    );

    let marked = ["\u{feff}", EXAMPLE].concat();
    let kept = String::from_utf8(kept_in(dir.path(), "bom.toml", marked.into_bytes())).unwrap();
    assert_eq!(kept.strip_prefix('\u{feff}'), Some(plain.as_str()));

    // A second variant kept in the CRLF file: the server's copy of the file is what
    // it wrote, so the file is not taken for one changed by someone else.
    let path = dir.path().join("twice.toml");
    std::fs::write(&path, EXAMPLE.replace('\n', "\r\n")).unwrap();
    let served = serving_as_is(Some(&path));
    let question = what_if(r#"{"cohorts.s117.uptake.ceiling": 0.9}"#);
    served.keep("first", None, &question).unwrap();
    served.keep("second", None, &question).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("name = \"second\"\r\n"), "{text}");
    load::load(Some(&path)).expect("the file still validates");
}

#[cfg(unix)]
#[test]
fn a_kept_variant_keeps_the_files_permissions_and_its_symbolic_link() {
    use std::os::unix::fs::{PermissionsExt, symlink};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("shared")).unwrap();
    let real = dir.path().join("shared/icb.toml");
    std::fs::write(&real, EXAMPLE).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("icb.toml");
    symlink("shared/icb.toml", &link).unwrap();

    let served = serving_as_is(Some(&link));
    let question = what_if(r#"{"cohorts.s117.uptake.ceiling": 0.9}"#);
    served.keep("kept", None, &question).unwrap();

    let link_meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(
        link_meta.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(
        text.contains("name = \"kept\""),
        "the linked file has no variant"
    );
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "permissions {mode:o}");
    let beside = std::fs::read_dir(dir.path().join("shared"))
        .unwrap()
        .count();
    assert_eq!(beside, 1, "a temporary file was left beside the scenario");
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

/// A scenario whose only income is `other_income`, taken from a `[draws]` file:
/// 1,200, 2,400 and 3,600 a year, so income over its two months is 200, 400 or 600.
const DRAWN: &str = "schema_version = 1\n[scenario]\nname = \"draws\"\nstart = \"2027-01\"\nmonths = 2\niterations = 6\nseed = 5\n\n[[providers]]\nid = \"p\"\nother_income = { dist = \"uniform\", min = 1000, max = 2000 }\n\n[draws]\nfile = \"fit/posterior.csv\"\n";

/// The mean of provider `p`'s income in an answer's `summary.csv`, for `scenario`.
fn mean_income(summary: &str, scenario: &str) -> f64 {
    let row = summary
        .lines()
        .find(|l| l.starts_with(&format!("{scenario},")) && l.contains(",provider,p,income,"))
        .expect("p's income");
    row.split(',').nth(4).unwrap().parse().unwrap()
}

#[test]
fn what_ifs_run_with_the_draws_file_read_once_and_never_another() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("fit")).unwrap();
    let posterior = "draw,path,value\n0,providers.p.other_income,1200\n1,providers.p.other_income,2400\n2,providers.p.other_income,3600\n";
    std::fs::write(dir.path().join("fit/posterior.csv"), posterior).unwrap();
    let path = dir.path().join("draws.toml");
    std::fs::write(&path, DRAWN).unwrap();
    let (source, validated) = load::load(Some(&path)).unwrap();
    let settings = RunSettings::new(6, validated.scenario.seed);
    let served = Served::new(source, Some(path.clone()), validated, settings, false, 1).unwrap();
    // The draws file is gone: what-ifs use the text read at the start.
    std::fs::remove_file(dir.path().join("fit/posterior.csv")).unwrap();
    let answer = |json: &str| {
        let prepared = served.prepare(what_if(json)).unwrap();
        let answer = served.answer(prepared, &AtomicBool::new(false)).unwrap();
        answer.live().unwrap().summary_csv
    };
    let summary = answer(r#"{"providers.p.reserves": 5}"#);
    // Draws 0, 1, 2, 0, 1, 2: a mean of 400 (to rounding in the mean's sum).
    let near = |x: f64, y: f64| (x - y).abs() < 1e-9;
    assert!(near(mean_income(&summary, "draws"), 400.0), "{summary}");
    assert!(near(mean_income(&summary, "what-if"), 400.0), "{summary}");
    // A parameter the what-if sets leaves the draws, as in a [[variants]] entry.
    let summary = answer(r#"{"providers.p.other_income": 6000}"#);
    assert!(near(mean_income(&summary, "what-if"), 1000.0), "{summary}");
    // Another draws file is refused, not read.
    let refused = served
        .prepare(what_if(r#"{"draws.file": "../../elsewhere.csv"}"#))
        .unwrap_err();
    assert!(
        refused.0.contains("reads only the draws file"),
        "{}",
        refused.0
    );
}

#[test]
fn the_base_and_the_what_ifs_run_from_one_draws_text() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("fit")).unwrap();
    let draws = dir.path().join("fit/posterior.csv");
    let table = |value: u32| {
        (0..3)
            .map(|d| format!("{d},providers.p.other_income,{value}\n"))
            .collect::<String>()
    };
    std::fs::write(&draws, format!("draw,path,value\n{}", table(1200))).unwrap();
    let path = dir.path().join("draws.toml");
    std::fs::write(&path, DRAWN).unwrap();
    let (source, validated) = load::load(Some(&path)).unwrap();
    // Rewritten after the scenario was loaded, before the server read it for its
    // what-ifs: the base must not run from the older table.
    std::fs::write(&draws, format!("draw,path,value\n{}", table(2400))).unwrap();
    let settings = RunSettings::new(6, validated.scenario.seed);
    let served = Served::new(source, Some(path.clone()), validated, settings, false, 1).unwrap();
    let prepared = served
        .prepare(what_if(r#"{"providers.p.reserves": 5}"#))
        .unwrap();
    let answer = served.answer(prepared, &AtomicBool::new(false)).unwrap();
    let summary = answer.live().unwrap().summary_csv;
    // 2,400 a year: 400 over the two months, in the base as in the what-if.
    let near = |x: f64, y: f64| (x - y).abs() < 1e-9;
    assert!(near(mean_income(&summary, "draws"), 400.0), "{summary}");
    assert!(near(mean_income(&summary, "what-if"), 400.0), "{summary}");
}
