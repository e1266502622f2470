//! `phbsim report DIR`: rebuild `report.html` from an output directory's files.

use std::path::PathBuf;

use crate::cli::Failure;
use crate::cli::session::output_error;
use crate::output::directory::replace_file;
use crate::report::{self, data::ReportError};

/// Arguments of `phbsim report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// An output directory written by `phbsim run`.
    pub dir: PathBuf,
}

/// Reads `args.dir`, builds the report and replaces its report.html atomically; a
/// missing, foreign or malformed directory is bad input (exit 2).
pub fn report_command(args: ReportArgs) -> Result<(), Failure> {
    let is_sensitivity =
        args.dir.join("sensitivity.csv").is_file() && !args.dir.join("months.csv").exists();
    if is_sensitivity {
        return Err(Failure::bad_input(format!(
            "{} holds the output of `phbsim sensitivity`, whose report.html that command writes itself; run `phbsim sensitivity SCENARIO -o {}` again to rebuild it",
            args.dir.display(),
            args.dir.display()
        )));
    }
    let data = report::data::read_output_dir(&args.dir).map_err(|e| match e {
        ReportError::Unreadable { .. } => Failure::other(e.to_string()),
        _ => Failure::bad_input(e.to_string()),
    })?;
    let page = report::build(&data);
    replace_file(&args.dir, "report.html", page.as_bytes()).map_err(output_error)?;
    outln!("wrote {}", args.dir.join("report.html").display());
    Ok(())
}
