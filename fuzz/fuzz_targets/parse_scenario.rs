//! Fuzzes the scenario language: any bytes, read as the loader reads a file, must be
//! either a valid scenario that survives writing and reading back, or a list of
//! problems that renders; never a panic, a hang or a crash.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use phbsim::output::problems::render_problems;
use phbsim::scenario::load::{BYTE_ORDER_MARK, Source};
use phbsim::scenario::parse_scenario;

fuzz_target!(|data: &[u8]| {
    // Bytes that are not UTF-8 are refused by the loader before parsing; fuzz the
    // parser with their lossy decoding instead, which keeps the structure.
    let text = String::from_utf8_lossy(data);
    let text = text.strip_prefix(BYTE_ORDER_MARK).unwrap_or(&text);
    match parse_scenario(text) {
        Ok(validated) => {
            let written = validated.scenario.to_toml();
            let again = parse_scenario(&written).unwrap_or_else(|problems| {
                panic!("written back invalid: {problems:#?}\n{written}")
            });
            assert_eq!(
                again.scenario, validated.scenario,
                "changed when written back"
            );
        }
        Err(problems) => {
            assert!(problems.iter().any(|p| p.is_error()));
            let source = Source {
                name: PathBuf::from("fuzz.toml"),
                text: text.to_string(),
            };
            render_problems(&source, &problems, false);
        }
    }
});
