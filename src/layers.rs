//! Keeps the claim of `lib.rs` true: the top-level modules form layers, and a module
//! may use only the modules below it. A test reads every source file and fails on an
//! import that points up or sideways, naming the file, the line and the layer order.
//!
//! Test code is exempt (`tests.rs` files and inline `mod tests` blocks): a test may
//! build its inputs the way the program does, e.g. a report test writes its CSV input
//! with `output::tables`.

/// The top-level modules, lowest first. A module may use any module listed before it
/// and none listed after it.
pub const LAYERS: [&str; 18] = [
    // Foundations: no knowledge of scenarios.
    "rng",
    "hash",
    "format",
    "distribution",
    "stats",
    // The model: validated input, then the pure simulation.
    "scenario",
    "engine",
    "compare",
    // Running it: the one run path, then what is built on it.
    "run",
    "shard",
    "sensitivity",
    "estimate",
    "calibrate",
    // What a run leaves behind: its record, its report, its files and tables.
    "manifest",
    "report",
    "output",
    // Answering what-ifs live, on the run, report and output paths.
    "serve",
    // The edge: arguments, commands, printing, exit codes.
    "cli",
];

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::LAYERS;

    /// Every `.rs` file under `dir`, sorted.
    fn rust_files(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                files.extend(rust_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
        files.sort();
        files
    }

    /// The top-level module a file under `src` belongs to (`None` for lib.rs and
    /// main.rs, which tie the modules together, for this file, and for test files).
    fn module_of(src: &Path, file: &Path) -> Option<String> {
        let relative = file.strip_prefix(src).ok()?;
        if relative.file_name()? == "tests.rs" {
            return None;
        }
        let first = relative.components().next()?.as_os_str().to_str()?;
        let name = first.strip_suffix(".rs").unwrap_or(first);
        (!["lib", "main", "layers"].contains(&name)).then(|| name.to_string())
    }

    /// The top-level modules a line of code names as `crate::<module>`, including
    /// `use crate::{a, b::c}` groups. Comments are not code.
    fn used_modules(line: &str) -> Vec<String> {
        let code = line.split("//").next().unwrap_or("");
        let mut used = Vec::new();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inside = group.split('}').next().unwrap_or("");
                used.extend(
                    inside
                        .split(',')
                        .map(|item| item.trim().split("::").next().unwrap_or("").to_string()),
                );
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                used.push(name);
            }
        }
        used.retain(|m| !m.is_empty());
        used
    }

    #[test]
    fn every_import_points_down_the_layers() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let rank = |module: &str| LAYERS.iter().position(|m| *m == module);
        let mut wrong = Vec::new();
        for file in rust_files(&src) {
            let Some(module) = module_of(&src, &file) else {
                continue;
            };
            let Some(own) = rank(&module) else {
                wrong.push(format!(
                    "{}: module `{module}` is not in layers::LAYERS; add it at its layer",
                    file.display()
                ));
                continue;
            };
            let text = std::fs::read_to_string(&file).expect("a readable source file");
            let code = text.lines().take_while(|line| line.trim() != "mod tests {");
            for (n, line) in code.enumerate() {
                for used in used_modules(line) {
                    match rank(&used) {
                        Some(theirs) if theirs < own || used == module => {}
                        _ => wrong.push(format!(
                            "{}:{}: `{module}` uses `{used}`, which is not below it",
                            file.display(),
                            n + 1
                        )),
                    }
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "imports that point up or sideways (layers, lowest first: {}):\n{}",
            LAYERS.join(" < "),
            wrong.join("\n")
        );
    }

    #[test]
    fn every_top_level_module_is_in_a_layer() {
        let lib = include_str!("lib.rs");
        for line in lib.lines() {
            if let Some(name) = line
                .strip_prefix("pub mod ")
                .or_else(|| line.strip_prefix("mod "))
                .and_then(|rest| rest.strip_suffix(';'))
            {
                assert!(
                    LAYERS.contains(&name) || name == "layers",
                    "lib.rs declares `{name}`, which layers::LAYERS does not place"
                );
            }
        }
    }

    #[test]
    fn imports_are_read_from_plain_and_grouped_uses() {
        assert_eq!(used_modules("use crate::run::Run;"), ["run"]);
        assert_eq!(
            used_modules("use crate::{hash::sha256_hex, stats};"),
            ["hash", "stats"]
        );
        assert_eq!(
            used_modules("let x = 1; // see crate::cli"),
            Vec::<String>::new()
        );
    }
}
