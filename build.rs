//! Records which build of phbsim this is (`PHBSIM_BUILD`: the git commit, with
//! `-modified` when the working tree differs from it), so that `phbsim merge` can
//! refuse parts written by another build with the same version number: their numbers
//! could differ. Outside a git checkout the build is "unknown" and only the version
//! number is compared.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

fn main() {
    let build = match git(&["rev-parse", "HEAD"]) {
        Some(commit) if !commit.is_empty() => {
            let modified = git(&[
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "src",
                "Cargo.toml",
                "Cargo.lock",
                "build.rs",
            ])
            .is_some_and(|changes| !changes.is_empty());
            if modified {
                format!("{commit}-modified")
            } else {
                commit
            }
        }
        _ => "unknown".to_string(),
    };
    println!("cargo:rustc-env=PHBSIM_BUILD={build}");
    // Again when the commit or the sources change.
    for path in [".git/HEAD", ".git/index", "src", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={path}");
    }
}
