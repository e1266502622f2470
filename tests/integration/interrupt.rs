//! Interruption and hostile output locations, end to end (SPEC section 7, "nothing
//! lost"): real signals sent to a real `phbsim run`, a full disk and a read-only one.
//! Whatever happens, the previous results stay as they were and no temporary
//! directory is left behind.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::binary;

/// Every file of `dir` with its bytes, sorted by name.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Names in `dir` that are phbsim's temporary directories.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".phbsim-"))
        .collect()
}

/// A previous run's outputs in `root/out`, small and quick.
fn previous_results(root: &Path) -> PathBuf {
    let out = root.join("out");
    let status = Command::new(binary())
        .args(["run", "-n", "20", "-q", "-o"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    out
}

/// Waits until the run is past validation and computing: its worker threads exist.
fn wait_until_computing(child: &Child) {
    let tasks = PathBuf::from(format!("/proc/{}/task", child.id()));
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        match std::fs::read_dir(&tasks) {
            Ok(entries) => {
                if entries.count() >= 2 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            // No /proc (not Linux): give it time instead.
            Err(_) => {
                std::thread::sleep(Duration::from_secs(2));
                break;
            }
        }
    }
    // Into the iterations, not just the set-up.
    std::thread::sleep(Duration::from_millis(300));
}

/// Waits for `child` to end, at most `limit`; kills it and fails if it does not.
fn wait_for(mut child: Child, limit: Duration) -> (Option<i32>, Duration, String) {
    let sent = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            return (status.code(), sent.elapsed(), stderr);
        }
        if sent.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("phbsim did not stop within {limit:?} of the signal");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Starts `command` (a phbsim command far too long to finish, writing into the
/// directory given last) into `out`, signals it with `signal` once it is computing,
/// and checks it stops promptly with `code`, leaving `out` as it was.
fn interrupt_a_command(command: &[&str], signal: &str, code: i32) {
    let root = tempfile::tempdir().unwrap();
    let out = previous_results(root.path());
    let before = contents(&out);
    let child = Command::new(binary())
        .args(command)
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_computing(&child);
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {signal} failed");
    let (exit, took, stderr) = wait_for(child, Duration::from_secs(20));
    assert_eq!(exit, Some(code), "{stderr}");
    assert!(took < Duration::from_secs(5), "took {took:?} to stop");
    assert!(stderr.contains("interrupted by"), "{stderr}");
    assert!(stderr.contains("is as it was"), "{stderr}");
    assert_eq!(contents(&out), before, "the previous results changed");
    assert_eq!(leftovers(root.path()), Vec::<String>::new());
}

/// A run far too long to finish, signalled with `signal`.
fn interrupt_a_run(signal: &str, code: i32) {
    interrupt_a_command(
        &["run", "-n", "10000000", "-j", "2", "-q", "-o"],
        signal,
        code,
    );
}

/// Every command that computes shares one skeleton, and so the same clean stop:
/// sensitivity and stress as well as run.
#[test]
fn sigint_stops_sensitivity_and_stress_and_keeps_the_previous_results() {
    interrupt_a_command(
        &["sensitivity", "-n", "10000000", "-j", "2", "-q", "-o"],
        "-INT",
        130,
    );
    interrupt_a_command(
        &[
            "stress",
            "--provider",
            "trust",
            "--target",
            "distress=0.5",
            "--param",
            "budget_forms.notional.existing",
            "-n",
            "10000000",
            "-j",
            "2",
            "-q",
            "-o",
        ],
        "-TERM",
        143,
    );
}

/// `calibrate` shares the skeleton too: its chains stop at the next step.
#[test]
fn sigint_stops_calibrate_and_keeps_the_previous_results() {
    interrupt_a_command(
        &[
            "calibrate",
            "scenarios/example-icb.toml",
            "--observed",
            "docs/examples/example-icb-observed.csv",
            "--burn-in",
            "1000000",
            "--force",
            "-j",
            "2",
            "-q",
            "-o",
        ],
        "-INT",
        130,
    );
}

#[test]
fn sigint_stops_a_run_with_exit_130_and_keeps_the_previous_results() {
    interrupt_a_run("-INT", 130);
}

#[test]
fn sigterm_stops_a_run_with_exit_143_and_keeps_the_previous_results() {
    interrupt_a_run("-TERM", 143);
}

/// A small tmpfs mounted for one test, unmounted when dropped; `None` where mounting
/// is not allowed (not root, or in a container without the capability).
struct Mount {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Mount {
    fn tmpfs(options: &str) -> Option<Mount> {
        let dir = tempfile::tempdir().ok()?;
        let path = dir.path().join("mnt");
        std::fs::create_dir(&path).ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(&path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if mounted {
            Some(Mount { path, _dir: dir })
        } else {
            eprintln!("skipped: cannot mount a tmpfs here (needs root)");
            None
        }
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

const TINY: &str = r#"schema_version = 1
[scenario]
name = "Tiny"
start = "2027-04"
months = 2
[[providers]]
id = "p"
[[providers.services]]
id = "s"
payment = "activity"
unit_price = 1
"#;

#[test]
fn a_full_disk_is_exit_1_and_keeps_the_previous_results() {
    let Some(disk) = Mount::tmpfs("size=128k") else {
        return;
    };
    let scenario = disk.path.join("tiny.toml");
    std::fs::write(&scenario, TINY).unwrap();
    let out = disk.path.join("out");
    let status = Command::new(binary())
        .args(["run", "-q", "-n", "5", "-o"])
        .arg(&out)
        .arg(&scenario)
        .status()
        .unwrap();
    assert!(status.success(), "the tiny run fits");
    let before = contents(&out);
    // The example's months.csv alone is several times the disk. (It is another
    // scenario, whose results replace tiny.toml's only with --force.)
    let output = Command::new(binary())
        .args(["run", "-q", "--force", "-n", "20", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(contents(&out), before, "the previous results changed");
    assert_eq!(leftovers(&disk.path), Vec::<String>::new());
}

#[test]
fn a_read_only_location_is_exit_1() {
    let Some(disk) = Mount::tmpfs("ro,size=64k") else {
        return;
    };
    let output = Command::new(binary())
        .args(["run", "-q", "-n", "5", "-o"])
        .arg(disk.path.join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Read-only file system"), "{stderr}");
}

/// `/dev/full` fails every write with "no space": the starter cannot be written.
#[test]
fn init_onto_a_full_device_is_exit_1() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let output = Command::new(binary())
        .args(["init", "/dev/full", "--force"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot write /dev/full"), "{stderr}");
}
