//! Property tests of the scenario language (STYLE 15): parsing, validating and
//! rendering the problems never panic, whatever the bytes; and a validated scenario
//! written back out by `Scenario::to_toml` reads back as the same scenario.
//!
//! Inputs are arbitrary bytes, text made of TOML's own tokens, and random edits of the
//! shipped scenarios (which get much further into the validator than random bytes
//! do). `PROPTEST_CASES=100000 cargo test --release --test integration properties::` runs them
//! longer; the cargo-fuzz target in `fuzz/` explores the same ground guided by
//! coverage.

use std::path::PathBuf;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use phbsim::cli::render_problems;
use phbsim::scenario::load::Source;
use phbsim::scenario::parse_scenario;

use crate::support::EXAMPLE;

const SHIPPED: [&str; 4] = [
    EXAMPLE,
    include_str!("../../scenarios/starter.toml"),
    include_str!("../../scenarios/fast-rollout.toml"),
    include_str!("../../scenarios/cautious-notional.toml"),
];

/// Parses `text`; a valid scenario must read back the same after writing, and the
/// problems of an invalid one must render.
fn check(text: &str) -> Result<(), TestCaseError> {
    match parse_scenario(text) {
        Ok(validated) => {
            let written = validated.scenario.to_toml();
            match parse_scenario(&written) {
                Ok(again) => prop_assert_eq!(again.scenario, validated.scenario),
                Err(problems) => {
                    prop_assert!(false, "written back invalid: {problems:#?}\n{written}")
                }
            }
        }
        Err(problems) => {
            prop_assert!(problems.iter().any(|p| p.is_error()));
            let source = Source {
                name: PathBuf::from("s.toml"),
                text: text.to_string(),
            };
            let rendered = render_problems(&source, &problems, false);
            prop_assert!(rendered.contains("s.toml"));
        }
    }
    Ok(())
}

/// Pieces of TOML and of scenario files, for inserting and for building text.
const TOKENS: [&str; 40] = [
    "=",
    "\"",
    "'",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    ",",
    ".",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "#",
    "\u{feff}",
    "\0",
    "\\",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "-1",
    "0",
    "1.5",
    "9223372036854775808",
    "true",
    "2027-04-01",
    "\"2027-13\"",
    "\"trust/crisis\"",
    "dist = \"pert\"",
    "min = 1",
    "[[cohorts]]",
    "[[providers.services]]",
    "id = \"trust\"",
    "size = ",
    "months = ",
    "uptake = { model = \"bass\" }",
    "é",
];

/// One random edit of a text (as bytes: edits may split a character).
#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, token: usize },
    Byte { at: usize, byte: u8 },
    CopyLine { from: usize, to: usize },
    SwapLines { a: usize, b: usize },
}

fn arb_edit() -> impl Strategy<Value = Edit> {
    let at = any::<usize>();
    prop_oneof![
        (at, 1usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
        (at, 0..TOKENS.len()).prop_map(|(at, token)| Edit::Insert { at, token }),
        (at, any::<u8>()).prop_map(|(at, byte)| Edit::Byte { at, byte }),
        (at, any::<usize>()).prop_map(|(from, to)| Edit::CopyLine { from, to }),
        (at, any::<usize>()).prop_map(|(a, b)| Edit::SwapLines { a, b }),
    ]
}

fn apply(text: &[u8], edit: &Edit) -> Vec<u8> {
    let mut out = text.to_vec();
    let len = out.len().max(1);
    match *edit {
        Edit::Delete { at, len: n } => {
            let start = at % len;
            let end = (start + n).min(out.len());
            out.drain(start.min(end)..end);
        }
        Edit::Insert { at, token } => {
            let at = at % (out.len() + 1);
            out.splice(at..at, TOKENS[token].bytes());
        }
        Edit::Byte { at, byte } => {
            if !out.is_empty() {
                out[at % len] = byte;
            }
        }
        Edit::CopyLine { from, to } | Edit::SwapLines { a: from, b: to } => {
            let mut lines: Vec<Vec<u8>> = out.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
            let n = lines.len();
            let (from, to) = (from % n, to % n);
            if matches!(edit, Edit::CopyLine { .. }) {
                let line = lines[from].clone();
                lines.insert(to, line);
            } else {
                lines.swap(from, to);
            }
            out = lines.join(&b'\n');
        }
    }
    out
}

/// A number as a scenario author might write it, or as no one would.
fn arb_number() -> impl Strategy<Value = String> {
    prop_oneof![
        (0.0..=1.0f64).prop_map(|v| format!("{v:?}")),
        (0u64..10_000_000).prop_map(|v| v.to_string()),
        any::<f64>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(|v| format!("{v:?}")),
        (-1e-300..1e-300f64).prop_map(|v| format!("{v:?}")),
        Just("0".to_string()),
        Just("-0.0".to_string()),
        Just("5e-324".to_string()),
    ]
}

/// Byte ranges of the numbers written after `=` in `text`.
fn number_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let mut start = i + 1;
            while start < bytes.len() && bytes[start] == b' ' {
                start += 1;
            }
            let mut end = start;
            while end < bytes.len()
                && (bytes[end].is_ascii_digit() || b"-+._eE".contains(&bytes[end]))
            {
                end += 1;
            }
            if end > start && bytes[start..end].iter().any(u8::is_ascii_digit) {
                spans.push(start..end);
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    spans
}

proptest! {
    // A failure is kept with the unit tests' in proptest-regressions/ (.cargo/config.toml).
    // By default proptest files it beside the nearest main.rs, here in
    // tests/proptest-regressions/, and it did so beside this file before the end-to-end
    // tests became one binary.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/tests/integration/properties.txt",
        ))),
        ..ProptestConfig::with_cases(256)
    })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn text_made_of_toml_tokens_never_panics(
        tokens in prop::collection::vec(0..TOKENS.len(), 0..120),
        words in prop::collection::vec("[a-z_]{1,12}", 1..8),
    ) {
        let mut text = String::new();
        for (i, &t) in tokens.iter().enumerate() {
            text.push_str(TOKENS[t]);
            text.push_str(&words[i % words.len()]);
        }
        check(&text)?;
    }

    #[test]
    fn edited_shipped_scenarios_never_panic(
        file in 0..SHIPPED.len(),
        edits in prop::collection::vec(arb_edit(), 1..6),
    ) {
        let mut bytes = SHIPPED[file].as_bytes().to_vec();
        for edit in &edits {
            bytes = apply(&bytes, edit);
        }
        check(&String::from_utf8_lossy(&bytes))?;
    }

    /// Numbers changed at random: many of these scenarios are still valid, and each
    /// valid one must survive writing and reading back (floats to the bit).
    #[test]
    fn scenarios_with_random_numbers_read_back_the_same(
        file in 0..SHIPPED.len(),
        changes in prop::collection::vec((any::<prop::sample::Index>(), arb_number()), 1..5),
    ) {
        let mut text = SHIPPED[file].to_string();
        for (index, number) in &changes {
            let spans = number_spans(&text);
            let span = index.get(&spans).clone();
            text.replace_range(span, number);
        }
        check(&text)?;
    }
}

#[test]
fn number_spans_find_the_numbers_after_equals_signs() {
    let text = "a = 1\nb = \"x\"\nc = { min = 0.5, max = 1e3 }\nd = -2_000\n";
    let found: Vec<&str> = number_spans(text).into_iter().map(|s| &text[s]).collect();
    assert_eq!(found, ["1", "0.5", "1e3", "-2_000"]);
}
