//! The README and docs/ stand alone: every relative link and anchor resolves inside
//! the repository, nothing points outside it, the README opens with its two
//! commands, and every `phbsim` command it names is one the binary has.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::subcommands;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every docs/*.md, as (path from the root, text).
fn documents() -> Vec<(PathBuf, String)> {
    let mut paths = vec![PathBuf::from("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ exists")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .map(|path| Path::new("docs").join(path.file_name().expect("a name")))
        .collect();
    docs.sort();
    paths.extend(docs);
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(root().join(&path)).expect("readable");
            (path, text)
        })
        .collect()
}

/// The lines outside fenced code blocks, and the fenced blocks themselves.
fn split_fences(text: &str) -> (Vec<&str>, Vec<Vec<&str>>) {
    let mut prose = Vec::new();
    let mut blocks = Vec::new();
    let mut block: Option<Vec<&str>> = None;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            match block.take() {
                Some(done) => blocks.push(done),
                None => block = Some(Vec::new()),
            }
        } else if let Some(lines) = block.as_mut() {
            lines.push(line);
        } else {
            prose.push(line);
        }
    }
    assert!(block.is_none(), "a fenced code block is never closed");
    (prose, blocks)
}

/// The targets of the inline links and images `[text](target)` in `lines`.
fn link_targets(lines: &[&str]) -> Vec<String> {
    let mut targets = Vec::new();
    for line in lines {
        let mut rest = *line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after
                .find(')')
                .expect("a link's target is closed on its line");
            targets.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    targets
}

/// GitHub's anchor of a heading: lower case, punctuation other than `-` and `_`
/// dropped, spaces turned into hyphens.
fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The anchors of a markdown file's headings (outside code blocks), with GitHub's
/// `-1`, `-2` suffixes for repeated headings.
fn anchors(text: &str) -> BTreeSet<String> {
    let (prose, _) = split_fences(text);
    let mut seen = BTreeSet::new();
    for line in prose {
        let Some(heading) = line.strip_prefix('#') else {
            continue;
        };
        let base = anchor(heading.trim_start_matches('#').trim());
        let mut name = base.clone();
        let mut n = 0;
        while seen.contains(&name) {
            n += 1;
            name = format!("{base}-{n}");
        }
        seen.insert(name);
    }
    seen
}

#[test]
fn the_heading_anchor_follows_github() {
    assert_eq!(
        anchor("5. Choices made where the rules are silent"),
        "5-choices-made-where-the-rules-are-silent"
    );
    assert_eq!(anchor("`[budget_forms.<form>]`"), "budget_formsform");
    assert_eq!(
        anchor("The scenario format in five minutes"),
        "the-scenario-format-in-five-minutes"
    );
    let repeated = anchors("# A\n## A\n```\n# not a heading\n```\n");
    assert_eq!(
        repeated,
        BTreeSet::from(["a".to_string(), "a-1".to_string()])
    );
}

#[test]
fn every_relative_link_and_anchor_resolves_inside_the_repository() {
    let repository = root().canonicalize().unwrap();
    let mut checked = 0;
    for (path, text) in documents() {
        let (prose, _) = split_fences(&text);
        for target in link_targets(&prose) {
            if target.starts_with("https://") || target.starts_with("http://") {
                continue;
            }
            let (file, fragment) = match target.split_once('#') {
                Some((file, fragment)) => (file, Some(fragment)),
                None => (target.as_str(), None),
            };
            let linked = if file.is_empty() {
                root().join(&path)
            } else {
                root().join(path.parent().expect("a folder")).join(file)
            };
            let resolved = linked.canonicalize().unwrap_or_else(|_| {
                panic!("{}: the link `{target}` names no file", path.display())
            });
            assert!(
                resolved.starts_with(&repository),
                "{}: the link `{target}` points outside the repository",
                path.display()
            );
            if let Some(fragment) = fragment {
                let text = std::fs::read_to_string(&resolved).expect("a markdown file");
                assert!(
                    anchors(&text).contains(fragment),
                    "{}: the link `{target}` names no heading of {}",
                    path.display(),
                    resolved.display()
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 20,
        "only {checked} links found: is the parser broken?"
    );
}

#[test]
fn nothing_points_to_files_outside_the_repository() {
    for (path, text) in documents() {
        for (number, line) in text.lines().enumerate() {
            for outside in ["../shared", "SPEC.md", "DOMAIN.md", "SPEC section"] {
                assert!(
                    !line.contains(outside),
                    "{}:{}: mentions `{outside}`, which a reader of the repository does not have: {line}",
                    path.display(),
                    number + 1
                );
            }
        }
    }
}

#[test]
fn the_readme_opens_with_its_two_commands() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let (_, blocks) = split_fences(&readme);
    let commands: Vec<&str> = blocks[0]
        .iter()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .collect();
    assert_eq!(commands, ["cargo run --release -- run", "cargo test"]);
}

/// The lines of the fenced block under `## Commands`.
fn commands_block(readme: &str) -> Vec<String> {
    let section = readme
        .split("\n## Commands\n")
        .nth(1)
        .expect("a Commands section");
    let (_, blocks) = split_fences(section);
    blocks[0].iter().map(|line| line.to_string()).collect()
}

#[test]
fn the_readme_names_every_subcommand_and_only_real_ones() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let real = subcommands();
    let mut named = BTreeSet::new();
    for line in commands_block(&readme) {
        let mut words = line.split_whitespace();
        assert_eq!(words.next(), Some("phbsim"), "not a phbsim command: {line}");
        let name = words.next().expect("a subcommand").to_string();
        assert!(
            real.contains(&name),
            "`phbsim {name}` is not a subcommand: {line}"
        );
        named.insert(name);
    }
    for name in &real {
        assert!(
            named.contains(name),
            "the README's Commands block misses `phbsim {name}`"
        );
    }
    // Commands quoted in the prose (`phbsim init my-icb.toml`) must be real too.
    for (path, text) in documents() {
        for quoted in text.split("`phbsim ").skip(1) {
            let name: String = quoted
                .chars()
                .take_while(char::is_ascii_lowercase)
                .collect();
            let not_a_name = quoted.starts_with('-') || quoted.starts_with("...");
            assert!(
                not_a_name || name == "help" || real.contains(&name),
                "{}: `phbsim {name}` is not a subcommand",
                path.display()
            );
        }
    }
}
