//! The output directory, written so that nothing is ever lost (SPEC section 7).
//!
//! Files are written into a temporary directory beside the destination and moved
//! into place only when every file is complete and synced. A destination that holds
//! anything phbsim did not write is refused, before the run and again before the
//! move. A destination that holds another scenario's results is refused too, unless
//! the command is told to replace them (`--force`): see [`ScenarioIdentity`]. The one
//! window of a crash between the two renames leaves the previous
//! results intact under `.<name>.phbsim-old-<pid>` beside the destination.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::manifest::{Manifest, OWN_FILES};

/// Why outputs could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// Exit 2: the user pointed phbsim at a directory it must not overwrite.
    #[error(
        "{dir} holds files phbsim did not write (such as `{file}`); choose another output directory with -o, or empty this one"
    )]
    Foreign { dir: PathBuf, file: String },
    /// Exit 2: the directory holds the results of another scenario (see
    /// [`ScenarioIdentity::is_same`]).
    #[error(
        "{dir} holds the results of another scenario, {file} (\"{name}\"); choose another output directory with -o DIR, or pass --force to replace them"
    )]
    AnotherScenario {
        dir: PathBuf,
        file: String,
        name: String,
    },
    /// Exit 1: the disk, permissions, ...
    #[error("cannot write {path}: {reason}")]
    Io { path: PathBuf, reason: String },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |e| OutputError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// The scenario whose results are about to be written: its file as given and the
/// SHA-256 of its text, as a manifest records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioIdentity {
    pub file: String,
    pub sha256: String,
}

impl ScenarioIdentity {
    /// Whether results recorded as coming from `file` with text of hash `sha256` are
    /// this scenario's, so that writing over them loses nothing the user wants kept.
    ///
    /// They are when either
    /// - the file is the same: the same path as given (`./a.toml` is `a.toml`), or two
    ///   paths that lead to the same file from the current directory; an edited file
    ///   run again replaces its own results; or
    /// - the text is the same, byte for byte, whatever the file is called (the
    ///   built-in example and `scenarios/example-icb.toml`, a copy that was moved).
    ///
    /// Anything else is another scenario: `jan/icb.toml` and `feb/icb.toml`, which both
    /// default to `out/icb`, or a renamed file that has since been edited.
    pub fn is_same(&self, file: &str, sha256: &str) -> bool {
        sha256 == self.sha256 || same_file(Path::new(file), Path::new(&self.file))
    }
}

/// Whether two paths as given name the same file: equal once `.` components are
/// dropped, or resolving to the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    let plain = |p: &Path| -> Vec<std::ffi::OsString> {
        p.components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .map(|c| c.as_os_str().to_os_string())
            .collect()
    };
    if plain(a) == plain(b) {
        return true;
    }
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Checks that `dir` is absent, empty, or a previous phbsim output directory; and,
/// given the scenario about to be written (`None` with `--force`), that the previous
/// outputs are that scenario's (see [`ScenarioIdentity::is_same`]).
pub fn check_destination(
    dir: &Path,
    scenario: Option<&ScenarioIdentity>,
) -> Result<(), OutputError> {
    if dir.is_file() {
        return Err(OutputError::Foreign {
            dir: dir.to_path_buf(),
            file: dir.display().to_string(),
        });
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(dir)(e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io_error(dir))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    let ours = |n: &str| OWN_FILES.contains(&n) || is_leftover_temporary(n);
    if let Some(foreign) = names.iter().find(|n| !ours(n)) {
        return Err(OutputError::Foreign {
            dir: dir.to_path_buf(),
            file: foreign.clone(),
        });
    }
    if names.is_empty() {
        return Ok(());
    }
    let manifest = fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Manifest>(&text).ok())
        .filter(|m| m.tool == "phbsim");
    match (manifest, scenario) {
        (None, _) => Err(OutputError::Foreign {
            dir: dir.to_path_buf(),
            file: names[0].clone(),
        }),
        (Some(m), Some(scenario)) if !scenario.is_same(&m.scenario_file, &m.scenario_sha256) => {
            Err(OutputError::AnotherScenario {
                dir: dir.to_path_buf(),
                file: m.scenario_file,
                name: m.scenario_name,
            })
        }
        (Some(_), _) => Ok(()),
    }
}

/// Whether `name` is a temporary file [`replace_file`] left behind when it was killed
/// (`.report.html.phbsim-tmp-<pid>`): phbsim's own, so it does not make the
/// directory foreign (the next run replaces the whole directory).
fn is_leftover_temporary(name: &str) -> bool {
    let Some((own, pid)) = name
        .strip_prefix('.')
        .and_then(|rest| rest.rsplit_once(".phbsim-tmp-"))
    else {
        return false;
    };
    OWN_FILES.contains(&own) && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
}

/// A sibling path of `dir` for temporary use: `.<name>.phbsim-<what>-<pid>`.
fn sibling(dir: &Path, what: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map_or_else(|| "out".to_string(), |n| n.to_string_lossy().into_owned());
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(".{name}.phbsim-{what}-{}", std::process::id()))
}

/// The temporary directory a run into `dir` writes to (removed on failure and when
/// the run is interrupted).
pub fn staging_path(dir: &Path) -> PathBuf {
    sibling(dir, "tmp")
}

/// Writes `files` (name, bytes) into `dir` atomically: all of them, or none; over
/// previous outputs only if they are `scenario`'s (any phbsim outputs when `None`).
pub fn write_atomically(
    dir: &Path,
    scenario: Option<&ScenarioIdentity>,
    files: &[(&str, Vec<u8>)],
) -> Result<(), OutputError> {
    write_atomically_unless(dir, scenario, files, &AtomicBool::new(false)).map(|_| ())
}

/// Whether [`write_atomically_unless`] moved the outputs into place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Every file is in place.
    All,
    /// `cancel` was set first: nothing changed, and the temporary directory is gone.
    Cancelled,
}

/// [`write_atomically`], giving up if `cancel` is set (by an interrupt) before the
/// outputs are moved into place; the temporary directory is removed whenever the
/// outputs are not moved, so the destination is left exactly as it was.
pub fn write_atomically_unless(
    dir: &Path,
    scenario: Option<&ScenarioIdentity>,
    files: &[(&str, Vec<u8>)],
    cancel: &AtomicBool,
) -> Result<Written, OutputError> {
    check_destination(dir, scenario)?;
    let staging = staging_path(dir);
    let result = stage_and_swap(dir, scenario, &staging, files, cancel);
    if result.as_ref().map_or(true, |w| *w == Written::Cancelled) {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn stage_and_swap(
    dir: &Path,
    scenario: Option<&ScenarioIdentity>,
    staging: &Path,
    files: &[(&str, Vec<u8>)],
    cancel: &AtomicBool,
) -> Result<Written, OutputError> {
    let cancelled = || cancel.load(Ordering::Relaxed);
    if let Some(parent) = staging.parent() {
        fs::create_dir_all(parent).map_err(io_error(parent))?;
    }
    let _ = fs::remove_dir_all(staging);
    fs::create_dir(staging).map_err(io_error(staging))?;
    for (name, bytes) in files {
        let path = staging.join(name);
        let mut file = fs::File::create(&path).map_err(io_error(&path))?;
        file.write_all(bytes).map_err(io_error(&path))?;
        file.sync_all().map_err(io_error(&path))?;
        if cancelled() {
            return Ok(Written::Cancelled);
        }
    }
    // Checked again: the directory may have changed while the run went on.
    check_destination(dir, scenario)?;
    if cancelled() {
        return Ok(Written::Cancelled);
    }
    let old = sibling(dir, "old");
    let had_previous = dir.exists();
    if had_previous {
        let _ = fs::remove_dir_all(&old);
        fs::rename(dir, &old).map_err(io_error(dir))?;
    }
    if let Err(e) = fs::rename(staging, dir) {
        if had_previous {
            let _ = fs::rename(&old, dir);
        }
        return Err(io_error(dir)(e));
    }
    if had_previous {
        let _ = fs::remove_dir_all(&old);
    }
    Ok(Written::All)
}

/// Replaces one file atomically: the bytes go to a temporary file in `dir`, are
/// synced, then renamed over `name`, so a reader sees the old file or the new one,
/// never half of one (`phbsim report` rewriting report.html, `phbsim serve` keeping a
/// variant). The new file gets the old one's permissions, so a file shared with a
/// group, or kept read-only by its owner's choice, stays so.
pub fn replace_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
    let temp = dir.join(format!(".{name}.phbsim-tmp-{}", std::process::id()));
    let target = dir.join(name);
    let permissions = fs::metadata(&target).ok().map(|m| m.permissions());
    let result = fs::File::create(&temp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()?;
            match permissions {
                Some(permissions) => file.set_permissions(permissions),
                None => Ok(()),
            }
        })
        .map_err(io_error(&temp))
        .and_then(|()| fs::rename(&temp, &target).map_err(io_error(&target)));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_file_left_by_a_killed_report_is_not_foreign() {
        assert!(is_leftover_temporary(".report.html.phbsim-tmp-4242"));
        assert!(!is_leftover_temporary(".thesis.docx.phbsim-tmp-4242"));
        assert!(!is_leftover_temporary(".report.html.phbsim-tmp-"));
        assert!(!is_leftover_temporary("report.html.phbsim-tmp-1"));
    }

    #[test]
    fn refuses_a_directory_with_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("thesis.docx"), "precious").unwrap();
        let err = write_atomically(dir.path(), None, &[("months.csv", b"x".to_vec())]).unwrap_err();
        assert!(matches!(err, OutputError::Foreign { .. }), "{err}");
        assert_eq!(
            fs::read_to_string(dir.path().join("thesis.docx")).unwrap(),
            "precious"
        );
    }

    #[test]
    fn replace_file_swaps_one_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("report.html"), "old").unwrap();
        fs::write(dir.path().join("months.csv"), "kept").unwrap();
        replace_file(dir.path(), "report.html", b"new").unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join("report.html")).unwrap(),
            "new"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("months.csv")).unwrap(),
            "kept"
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn replace_file_in_a_missing_directory_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("gone");
        let err = replace_file(&missing, "report.html", b"x").unwrap_err();
        assert!(matches!(err, OutputError::Io { .. }), "{err}");
    }

    #[test]
    fn refuses_own_file_names_without_a_phbsim_manifest() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("summary.csv"), "someone else's").unwrap();
        assert!(matches!(
            check_destination(dir.path(), None),
            Err(OutputError::Foreign { .. })
        ));
    }

    #[test]
    fn a_cancelled_write_leaves_the_destination_and_no_temporary_directory() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let cancel = AtomicBool::new(true);
        let written =
            write_atomically_unless(&dir, None, &[("months.csv", b"x".to_vec())], &cancel).unwrap();
        assert_eq!(written, Written::Cancelled);
        assert_eq!(
            fs::read_dir(root.path()).unwrap().count(),
            0,
            "nothing left"
        );
    }

    /// The manifest of a run of `file` (text of hash `sha256`) with seed `n`.
    fn manifest_of(file: &str, sha256: &str, n: u64) -> Vec<u8> {
        serde_json::to_vec(&Manifest {
            tool: "phbsim".into(),
            phbsim_version: "0".into(),
            scenario_name: format!("{file} name"),
            scenario_file: file.into(),
            scenario_sha256: sha256.into(),
            seed: n,
            iterations: n,
            iterations_overridden: false,
            seed_overridden: false,
            threads: 1,
            exact_percentiles: true,
            variants: Vec::new(),
            started: String::new(),
            finished: String::new(),
            elapsed_seconds: 0.0,
            shards: None,
        })
        .unwrap()
    }

    fn identity(file: &str, sha256: &str) -> ScenarioIdentity {
        ScenarioIdentity {
            file: file.into(),
            sha256: sha256.into(),
        }
    }

    #[test]
    fn the_same_file_or_the_same_text_is_the_same_scenario() {
        let jan = identity("jan/icb.toml", "aaaa");
        assert!(jan.is_same("jan/icb.toml", "bbbb"), "edited, same file");
        assert!(
            jan.is_same("./jan/icb.toml", "bbbb"),
            "same file, spelt with ./"
        );
        assert!(jan.is_same("feb/icb.toml", "aaaa"), "same text, moved");
        assert!(
            !jan.is_same("feb/icb.toml", "bbbb"),
            "another file, other text"
        );
    }

    #[test]
    fn two_paths_to_one_file_are_the_same_scenario() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir(root.path().join("jan")).unwrap();
        let file = root.path().join("jan/icb.toml");
        fs::write(&file, "x").unwrap();
        let roundabout = root.path().join("jan/../jan/icb.toml");
        let it = identity(&file.display().to_string(), "aaaa");
        assert!(it.is_same(&roundabout.display().to_string(), "bbbb"));
        assert!(!it.is_same(
            &root.path().join("feb/icb.toml").display().to_string(),
            "bbbb"
        ));
    }

    #[test]
    fn refuses_another_scenarios_results_unless_forced() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("icb");
        let files = |file: &str, sha: &str| vec![("manifest.json", manifest_of(file, sha, 1))];
        write_atomically(&dir, None, &files("jan/icb.toml", "aaaa")).unwrap();
        let feb = identity("feb/icb.toml", "bbbb");
        let err = write_atomically(&dir, Some(&feb), &files("feb/icb.toml", "bbbb")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} holds the results of another scenario, jan/icb.toml (\"jan/icb.toml name\"); choose another output directory with -o DIR, or pass --force to replace them",
                dir.display()
            )
        );
        let kept: Manifest =
            serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(kept.scenario_file, "jan/icb.toml", "left as it was");
        // The same file, edited, replaces its own results.
        let jan = identity("jan/icb.toml", "cccc");
        write_atomically(&dir, Some(&jan), &files("jan/icb.toml", "cccc")).unwrap();
        // --force replaces another scenario's.
        write_atomically(&dir, None, &files("feb/icb.toml", "bbbb")).unwrap();
        let now: Manifest =
            serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(now.scenario_file, "feb/icb.toml");
    }

    #[test]
    fn replaces_a_previous_output_whole() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("out");
        let manifest = |n: u64| manifest_of("s.toml", "", n);
        let s = identity("s.toml", "");
        write_atomically(
            &dir,
            Some(&s),
            &[
                ("manifest.json", manifest(1)),
                ("report.html", b"old".to_vec()),
            ],
        )
        .unwrap();
        write_atomically(&dir, Some(&s), &[("manifest.json", manifest(2))]).unwrap();
        assert!(
            !dir.join("report.html").exists(),
            "the old run's files are gone"
        );
        let names: Vec<_> = fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary directories left: {names:?}");
    }
}
