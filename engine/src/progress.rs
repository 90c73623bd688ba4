//! Progress reporting for long work: a trait the front ends implement (the command line with a
//! progress bar, the Python package with a callback), and [`Lines`], a plain implementation
//! (one line per stage and run on stderr, or nothing but warnings and errors).
//!
//! The library never prints a progress bar itself: [`crate::eval::run`] and the evaluator take
//! a `&dyn Progress`.

use std::sync::Mutex;

/// Receives the progress of an evaluation (stages, runs, warnings). Implementations must be
/// shareable between the worker threads of the runs.
pub trait Progress: Sync {
    /// A stage begins (`load: data set …`, `ground truth: …`).
    fn stage(&self, msg: &str);
    /// A warning: something the user should know that does not stop the work.
    fn warn(&self, msg: &str);
    /// An error-level notice that does not stop the work (an unreachable verdict).
    fn error(&self, msg: &str);
    /// A notice: something that could not be checked, printed once (`notice: …`).
    fn notice(&self, msg: &str);
    /// `total` runs are about to start.
    fn start_runs(&self, total: u64);
    /// A run finished; `msg` describes it.
    fn run_done(&self, msg: &str);
    /// All runs finished.
    fn finish_runs(&self);
    /// Whether the front end asked for no output beyond warnings and errors (the command line
    /// then prints no summary table either).
    fn quiet(&self) -> bool {
        false
    }
}

/// The plain [`Progress`]: with `quiet == false` one line per stage and `[i/n] …` per run on
/// stderr; warnings (`warning: …`), notices (`notice: …`) and errors (`error: …`) on stderr
/// always.
#[derive(Debug)]
pub struct Lines {
    quiet: bool,
    done: Mutex<(u64, u64)>,
}

impl Lines {
    /// Lines on stderr (`quiet == false`), or only warnings and errors (`quiet == true`).
    pub fn new(quiet: bool) -> Self {
        Self {
            quiet,
            done: Mutex::new((0, 0)),
        }
    }

    /// Only warnings and errors.
    pub fn silent() -> Self {
        Self::new(true)
    }

    /// The `(finished, total)` run counter after one more run finished.
    fn next_run(&self) -> (u64, u64) {
        match self.done.lock() {
            Ok(mut d) => {
                d.0 += 1;
                *d
            }
            Err(_) => (0, 0),
        }
    }
}

impl Progress for Lines {
    fn stage(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{msg}");
        }
    }

    fn warn(&self, msg: &str) {
        eprintln!("warning: {msg}");
    }

    fn error(&self, msg: &str) {
        eprintln!("error: {msg}");
    }

    fn notice(&self, msg: &str) {
        eprintln!("notice: {msg}");
    }

    fn start_runs(&self, total: u64) {
        if let Ok(mut d) = self.done.lock() {
            *d = (0, total);
        }
    }

    fn run_done(&self, msg: &str) {
        let (i, n) = self.next_run();
        if !self.quiet {
            eprintln!("[{i}/{n}] {msg}");
        }
    }

    fn finish_runs(&self) {}

    fn quiet(&self) -> bool {
        self.quiet
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_runs_from_one_to_the_total() {
        let p = Lines::silent();
        p.start_runs(3);
        assert_eq!(p.next_run(), (1, 3));
        assert_eq!(p.next_run(), (2, 3));
        p.start_runs(2);
        assert_eq!(p.next_run(), (1, 2));
        assert!(p.quiet());
        assert!(!Lines::new(false).quiet());
    }
}
