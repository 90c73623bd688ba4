//! Terminal feedback: an indicatif progress bar on a TTY, plain lines otherwise, nothing with
//! `--quiet`. Warnings always go to stderr.

use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A progress bar (stderr is a terminal).
    Bar,
    /// One line per stage and run on stderr.
    Lines,
    /// Nothing but warnings and errors.
    Quiet,
}

impl Mode {
    /// `Quiet` if asked, else `Bar` on a terminal and `Lines` otherwise.
    pub fn detect(quiet: bool) -> Self {
        if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines
        }
    }
}

/// Progress reporter shared by the evaluation stages.
#[derive(Debug)]
pub struct Reporter {
    mode: Mode,
    bar: Mutex<Option<ProgressBar>>,
    done: Mutex<(u64, u64)>,
}

impl Reporter {
    /// A reporter in `mode`.
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            bar: Mutex::new(None),
            done: Mutex::new((0, 0)),
        }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// A stage begins.
    pub fn stage(&self, msg: &str) {
        match self.mode {
            Mode::Quiet => {}
            _ => self.line(msg),
        }
    }

    /// A warning (printed in every mode).
    pub fn warn(&self, msg: &str) {
        self.line(&format!("warning: {msg}"));
    }

    /// An error-level notice that does not stop the command (printed in every mode).
    pub fn error(&self, msg: &str) {
        self.line(&format!("error: {msg}"));
    }

    fn line(&self, msg: &str) {
        let bar = self.bar.lock().ok();
        match bar.as_ref().and_then(|b| b.as_ref()) {
            Some(b) => b.println(msg),
            None => eprintln!("{msg}"),
        }
    }

    /// `total` runs are about to start.
    pub fn start_runs(&self, total: u64) {
        if let Ok(mut d) = self.done.lock() {
            *d = (0, total);
        }
        if self.mode == Mode::Bar {
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} runs  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            let b = ProgressBar::new(total).with_style(style);
            if let Ok(mut slot) = self.bar.lock() {
                *slot = Some(b);
            }
        }
    }

    /// A run finished.
    pub fn run_done(&self, msg: &str) {
        let (i, n) = match self.done.lock() {
            Ok(mut d) => {
                d.0 += 1;
                *d
            }
            Err(_) => (0, 0),
        };
        match self.mode {
            Mode::Quiet => {}
            Mode::Lines => eprintln!("[{i}/{n}] {msg}"),
            Mode::Bar => {
                if let Ok(slot) = self.bar.lock()
                    && let Some(b) = slot.as_ref()
                {
                    b.set_message(msg.to_string());
                    b.inc(1);
                }
            }
        }
    }

    /// All runs finished.
    pub fn finish_runs(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(b) = slot.take()
        {
            b.finish_and_clear();
        }
    }
}
