//! Terminal feedback for the library's [`Progress`]: an indicatif progress bar on a TTY, plain
//! lines otherwise, nothing with `--quiet`. Warnings always go to stderr.

use std::io::IsTerminal;
use std::sync::Mutex;

use binaryllm_engine::progress::{Lines, Progress};
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

/// The command line's [`Progress`]: a bar in [`Mode::Bar`], else the library's [`Lines`].
#[derive(Debug)]
pub struct Reporter {
    mode: Mode,
    lines: Lines,
    bar: Mutex<Option<ProgressBar>>,
}

impl Reporter {
    /// A reporter in `mode`.
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            lines: Lines::new(mode == Mode::Quiet),
            bar: Mutex::new(None),
        }
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Prints `msg` above the bar when there is one; returns whether it did.
    fn above_bar(&self, msg: &str) -> bool {
        let bar = self.bar.lock().ok();
        match bar.as_ref().and_then(|b| b.as_ref()) {
            Some(b) => {
                b.println(msg);
                true
            }
            None => false,
        }
    }
}

impl Progress for Reporter {
    fn stage(&self, msg: &str) {
        if self.mode != Mode::Quiet && !self.above_bar(msg) {
            self.lines.stage(msg);
        }
    }

    fn warn(&self, msg: &str) {
        if !self.above_bar(&format!("warning: {msg}")) {
            self.lines.warn(msg);
        }
    }

    fn error(&self, msg: &str) {
        if !self.above_bar(&format!("error: {msg}")) {
            self.lines.error(msg);
        }
    }

    fn notice(&self, msg: &str) {
        if !self.above_bar(&format!("notice: {msg}")) {
            self.lines.notice(msg);
        }
    }

    fn start_runs(&self, total: u64) {
        self.lines.start_runs(total);
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

    fn run_done(&self, msg: &str) {
        if self.mode != Mode::Bar {
            self.lines.run_done(msg);
        } else if let Ok(slot) = self.bar.lock()
            && let Some(b) = slot.as_ref()
        {
            b.set_message(msg.to_string());
            b.inc(1);
        }
    }

    fn finish_runs(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(b) = slot.take()
        {
            b.finish_and_clear();
        }
    }

    fn quiet(&self) -> bool {
        self.mode == Mode::Quiet
    }
}
