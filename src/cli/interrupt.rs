//! Stopping a run cleanly on Ctrl-C (SIGINT) or SIGTERM.
//!
//! The first signal only sets a flag: the run stops after the iterations in flight,
//! the temporary output directory is removed, nothing is moved into place, and
//! phbsim exits with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM), as
//! shells do. A second signal ends the process at once with the same code (for a run
//! stuck on a slow disk); that may leave its `.<dir>.phbsim-tmp-<pid>` directory
//! behind, but never touches the previous results.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

/// The signals that stop a run, and whether one has arrived.
pub struct Interrupt {
    stop: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

impl Interrupt {
    /// Starts watching for SIGINT and SIGTERM (for the rest of the process).
    pub fn watch() -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let signal = Arc::new(AtomicUsize::new(0));
        for number in [SIGINT, SIGTERM] {
            // Order matters: the exit is armed only once the first signal set `stop`.
            signal_hook::flag::register_conditional_shutdown(
                number,
                128 + number,
                Arc::clone(&stop),
            )?;
            signal_hook::flag::register_usize(number, Arc::clone(&signal), number as usize)?;
            signal_hook::flag::register(number, Arc::clone(&stop))?;
        }
        Ok(Interrupt { stop, signal })
    }

    /// Set once a signal has arrived; what the run and the writer check.
    pub fn flag(&self) -> &AtomicBool {
        &self.stop
    }

    /// The conventional exit code, 128 + the signal's number.
    pub fn exit_code(&self) -> u8 {
        let number = self.signal.load(Ordering::SeqCst);
        u8::try_from(128 + number).unwrap_or(130)
    }

    /// The failure to report once a command stopped for the signal: its exit code, and
    /// `interrupted by <signal>; <consequence>`.
    pub fn failure(&self, consequence: impl std::fmt::Display) -> crate::cli::Failure {
        crate::cli::Failure {
            exit_code: self.exit_code(),
            message: format!("interrupted by {}; {consequence}", self.name()),
        }
    }

    /// The signal's name, for the message.
    pub fn name(&self) -> &'static str {
        match self.signal.load(Ordering::SeqCst) as i32 {
            SIGTERM => "SIGTERM",
            _ => "Ctrl-C (SIGINT)",
        }
    }
}
