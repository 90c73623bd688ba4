//! Outputs: the one rule for every file and directory a command writes (README, "Outputs").
//!
//! * **Existing outputs are refused** unless `--force`, with the same words for files and
//!   directories: `output stage: X already exists (use --force to replace it)`.
//! * **`--force` replaces only what binaryllm wrote.** A directory binaryllm writes (a *run
//!   directory*: `eval`'s, `search --out`, `projection train`, `firmware run`) carries the
//!   marker file [`MARKER`] (JSON: format, tool version, command, created time). A file it
//!   writes carries a sidecar `<file>.json` (the full file name plus `.json`) whose top-level
//!   `"format"` starts with `binaryllm-` (the generic one is [`OUTPUT_FORMAT`]); a JSON output
//!   (bench results, `firmware-report.json`) carries that `"format"` itself. Anything else is
//!   refused under `--force` too: binaryllm never deletes a file it did not write.
//! * **Nothing is created before the inputs are read and checked**: commands build a
//!   [`Target`] first (this only looks), then read and validate everything, then write. Files
//!   go to a hidden partial sibling `.<name>.partial-<pid>` ([`crate::data::atomic_write`]),
//!   directories are a partial directory ([`RunDir`]); each is synced and
//!   renamed into place last, so a failure anywhere leaves nothing behind.
//! * **SIGINT / SIGTERM** remove the partial outputs and exit 130 / 143 with one line
//!   ([`remove_partials_on_interrupt`]). Partial outputs of processes that are gone (killed,
//!   power loss) are removed, with a notice, by the next command writing to the same place
//!   (Linux: the pid has no `/proc/<pid>`; elsewhere nothing is swept).
//! * Every command that writes ends with one line saying what it wrote ([`Written`]).

use crate::Stage;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::data::{self, partials};

/// The marker file inside every run directory binaryllm writes.
pub const MARKER: &str = ".binaryllm-run";
/// The `format` of the generic sidecar of a file output.
pub const OUTPUT_FORMAT: &str = "binaryllm-output";
/// The prefix of every `format` binaryllm writes.
pub const FORMAT_PREFIX: &str = "binaryllm-";

/// What an output is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A file with a sidecar `<file>.json`.
    File,
    /// A JSON file carrying its own `"format"`.
    Json,
    /// A run directory.
    Dir,
}

/// An output location that has been checked (it is new, or `--force` may replace it) and
/// not yet touched.
#[derive(Debug)]
pub struct Target {
    path: PathBuf,
    kind: Kind,
    /// Stale partial outputs removed while checking the path ([`sweep_stale`]).
    notices: Vec<String>,
}

/// The sidecar path of a file output: its full name plus `.json`.
pub fn sidecar_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".json");
    path.with_file_name(name)
}

/// The command that is running (`eval`, `projection train`, …), from the command line.
pub fn command_name() -> String {
    let words: Vec<String> = std::env::args()
        .skip(1)
        .take_while(|a| !a.starts_with('-'))
        .take(2)
        .collect();
    words.join(" ")
}

fn tool() -> Value {
    json!({"name": "binaryllm", "version": env!("CARGO_PKG_VERSION")})
}

/// The generic sidecar of the file output `path` of `bytes` bytes with digest `sha256`.
pub fn output_sidecar(path: &Path, bytes: u64, sha256: &str) -> Value {
    json!({
        "format": OUTPUT_FORMAT,
        "tool": tool(),
        "command": command_name(),
        "file": path.file_name().map(|n| n.to_string_lossy().into_owned()),
        "bytes": bytes,
        "sha256": sha256,
    })
}

/// The marker of a run directory.
pub fn marker_json() -> Value {
    json!({
        "format": "binaryllm-run",
        "tool": tool(),
        "command": command_name(),
        "created": rfc3339(std::time::SystemTime::now()),
    })
}

fn has_binaryllm_format(v: &Value) -> bool {
    v.get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| f.starts_with(FORMAT_PREFIX))
}

/// Whether the JSON file `path` (at most 64 MiB) has a binaryllm `"format"`.
fn is_binaryllm_json(path: &Path) -> bool {
    let small = fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= 64 << 20);
    small
        && fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .is_some_and(|v| has_binaryllm_format(&v))
}

fn is_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

impl Target {
    /// A file output marked by a sidecar `<file>.json` (`encode`, `export`, `projection`, …).
    pub fn file(path: &Path, force: bool) -> Result<Self> {
        Self::check(path, Kind::File, force)
    }

    /// A JSON file output that carries its own `"format": "binaryllm-…"` (bench results,
    /// `firmware-report.json`).
    pub fn json(path: &Path, force: bool) -> Result<Self> {
        Self::check(path, Kind::Json, force)
    }

    /// A run directory (marked by [`MARKER`]).
    pub fn dir(path: &Path, force: bool) -> Result<Self> {
        Self::check(path, Kind::Dir, force)
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn check(path: &Path, kind: Kind, force: bool) -> Result<Self> {
        if path.file_name().is_none() {
            bail!(
                "{}: {} names no file or directory",
                Stage::Output,
                path.display()
            );
        }
        let mut notices = sweep_stale(path);
        if kind == Kind::File {
            notices.extend(sweep_stale(&sidecar_path(path)));
        }
        let meta = fs::symlink_metadata(path).ok();
        let exists = meta.is_some();
        if meta.is_some_and(|m| !m.is_file() && !m.is_dir() && !m.file_type().is_symlink()) {
            // A device, FIFO or socket (`/dev/null`): renaming onto it would replace it.
            bail!(
                "{}: {} is not a regular file or directory; refusing to replace it",
                Stage::Output,
                path.display()
            );
        }
        let what = if kind == Kind::Dir {
            "directory"
        } else {
            "file"
        };
        if exists && is_dir(path) != (kind == Kind::Dir) {
            let is = if is_dir(path) { "directory" } else { "file" };
            bail!(
                "{}: {} is a {is}, but the output is a {what}",
                Stage::Output,
                path.display()
            );
        }
        if exists && !force {
            // An I/O error of kind `AlreadyExists`, so library callers can tell it apart (the
            // Python package raises its `FileError` for it) with the same words.
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!(
                    "{}: {} already exists (use --force to replace it)",
                    Stage::Output,
                    path.display()
                ),
            )
            .into());
        }
        let side = sidecar_path(path);
        let side_ours = is_binaryllm_json(&side);
        match kind {
            _ if !exists => {}
            Kind::Dir if !path.join(MARKER).is_file() => bail!(
                "{}: {} is not a binaryllm run directory (it has no {MARKER} marker); \
                 refusing to delete it",
                Stage::Output,
                path.display()
            ),
            Kind::File if !side_ours => bail!(
                "{}: {} is not a binaryllm output file (it has no {} sidecar); \
                 refusing to delete it",
                Stage::Output,
                path.display(),
                side.display()
            ),
            Kind::Json if !is_binaryllm_json(path) && !side_ours => bail!(
                "{}: {} is not a binaryllm output file (no \"format\": \"binaryllm-…\" in it); \
                 refusing to delete it",
                Stage::Output,
                path.display()
            ),
            _ => {}
        }
        if kind == Kind::File && fs::symlink_metadata(&side).is_ok() && !side_ours {
            bail!(
                "{}: {} (the sidecar of {}) exists and is not binaryllm's; refusing to replace it",
                Stage::Output,
                side.display(),
                path.display()
            );
        }
        Ok(Self {
            path: path.to_path_buf(),
            kind,
            notices,
        })
    }

    /// What checking the path did that the user should know (`notice: removed a stale partial
    /// output …`), each a full stderr line; [`Written::notices`] carries them on.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// Creates the partial run directory (and the missing parents).
    pub fn create_dir(self) -> Result<RunDir> {
        debug_assert_eq!(self.kind, Kind::Dir);
        let mut rd = RunDir::create_checked(&self.path)?;
        rd.notices = self.notices;
        Ok(rd)
    }

    /// Writes `bytes` atomically, then the sidecar (`sidecar`, or the generic one when
    /// `None`; none for a JSON output); on a failure neither is left. `what` and `shape`
    /// describe the contents for the `wrote` line.
    pub fn write(
        self,
        bytes: &[u8],
        sidecar: Option<Value>,
        what: impl Into<String>,
        shape: impl Into<String>,
    ) -> Result<Written> {
        let created = create_parents(&self.path)?;
        let result = self.write_files(bytes, sidecar);
        if result.is_err() {
            remove_empty(&created);
        }
        let sidecar = result?;
        Ok(Written {
            path: self.path,
            what: what.into(),
            details: format!("{}, {} bytes", shape.into(), thousands(bytes.len() as u64)),
            sidecar,
            notices: self.notices,
        })
    }

    fn write_files(&self, bytes: &[u8], sidecar: Option<Value>) -> Result<Option<PathBuf>> {
        use std::io::Write as _;
        let sidecar = match (self.kind, sidecar) {
            (Kind::File, s) => Some(s.unwrap_or_else(|| {
                output_sidecar(&self.path, bytes.len() as u64, &data::sha256_bytes(bytes))
            })),
            (_, Some(s)) => Some(s),
            _ => None,
        };
        if let Some(s) = &sidecar
            && !has_binaryllm_format(s)
        {
            bail!(
                "{}: the sidecar of {} has no binaryllm format",
                Stage::Output,
                self.path.display()
            );
        }
        data::atomic_write(&self.path, |w| w.write_all(bytes)).context(Stage::Output)?;
        let Some(s) = sidecar else {
            return Ok(None);
        };
        let side = sidecar_path(&self.path);
        let text = serde_json::to_string_pretty(&s)? + "\n";
        if let Err(e) = data::atomic_write(&side, |w| w.write_all(text.as_bytes())) {
            let _ = fs::remove_file(&self.path);
            return Err(e).context(Stage::Output);
        }
        Ok(Some(side))
    }
}

impl Target {
    /// Streams a file output: `write` writes the bytes into the partial file and returns the
    /// sidecar, which is written after the file is in place (as [`write`](Self::write) does);
    /// on any failure neither is left and `write`'s own error is returned as it is (so its
    /// stage is the caller's). `what` and `shape` describe the contents for the `wrote` line.
    pub fn write_streamed(
        self,
        what: impl Into<String>,
        shape: impl Into<String>,
        write: impl FnOnce(&mut std::io::BufWriter<fs::File>) -> Result<Value>,
    ) -> Result<Written> {
        let created = create_parents(&self.path)?;
        let (mut failure, mut sidecar) = (None, None);
        let written = data::atomic_write(&self.path, |w| match write(w) {
            Ok(s) if has_binaryllm_format(&s) => {
                sidecar = Some(s);
                Ok(())
            }
            Ok(_) => {
                failure = Some(anyhow::anyhow!(
                    "{}: the sidecar of {} has no binaryllm format",
                    Stage::Output,
                    self.path.display()
                ));
                Err(std::io::Error::other("no sidecar"))
            }
            Err(e) => {
                failure = Some(e);
                Err(std::io::Error::other("stream failed"))
            }
        });
        if let Err(e) = written {
            remove_empty(&created);
            return Err(failure.unwrap_or_else(|| anyhow::Error::new(e).context(Stage::Output)));
        }
        let bytes = fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        let what = what.into();
        self.sidecar_then_written(&sidecar.unwrap_or_default(), bytes, &created, what, shape)
    }

    /// Writes the sidecar `doc` of the file now at [`path`](Self::path) (`bytes` long) and
    /// returns the `wrote` line; when the sidecar cannot be written, the file and the parents
    /// in `created` are removed.
    fn sidecar_then_written(
        self,
        doc: &Value,
        bytes: u64,
        created: &[PathBuf],
        what: String,
        shape: impl Into<String>,
    ) -> Result<Written> {
        let side = sidecar_path(&self.path);
        let text = serde_json::to_string_pretty(doc)? + "\n";
        if let Err(e) = data::atomic_write(&side, |w| w.write_all(text.as_bytes())) {
            let _ = fs::remove_file(&self.path);
            remove_empty(created);
            return Err(e).context(Stage::Output);
        }
        Ok(Written {
            path: self.path,
            what,
            details: format!("{}, {} bytes", shape.into(), thousands(bytes)),
            sidecar: Some(side),
            notices: self.notices,
        })
    }

    /// For a file a streaming writer has put in place at [`path`](Self::path) through its own
    /// partial file ([`crate::engine::CodeFileWriter`]): writes the generic sidecar (hashing
    /// the file) and returns the `wrote` line.
    pub fn finish_written(
        self,
        what: impl Into<String>,
        shape: impl Into<String>,
    ) -> Result<Written> {
        let bytes = fs::metadata(&self.path)
            .with_context(|| format!("{}: {}", Stage::Output, self.path.display()))?
            .len();
        let sha = data::sha256_file(&self.path).context(Stage::Output)?;
        let doc = output_sidecar(&self.path, bytes, &sha);
        self.sidecar_then_written(&doc, bytes, &[], what.into(), shape)
    }
}

/// Creates the missing ancestors of `path`; returns those created, outermost first.
pub fn create_parents(path: &Path) -> Result<Vec<PathBuf>> {
    let Some(parent) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(Vec::new());
    };
    let mut missing = Vec::new();
    let mut p = Some(parent);
    while let Some(d) = p.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing.push(d.to_path_buf());
        p = d.parent();
    }
    missing.reverse();
    if let Err(e) = fs::create_dir_all(parent) {
        remove_empty(&missing);
        return Err(e).with_context(|| {
            format!(
                "{}: cannot create the output directory {}",
                Stage::Output,
                parent.display()
            )
        });
    }
    Ok(missing)
}

/// Removes the directories `created` (outermost first) again where they are empty.
pub fn remove_empty(created: &[PathBuf]) {
    for d in created.iter().rev() {
        let _ = fs::remove_dir(d);
    }
}

/// Whether process `pid` is gone (Linux only; `None` where that cannot be told).
fn pid_is_gone(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    (cfg!(target_os = "linux") && proc.join("self").exists())
        .then(|| !proc.join(pid.to_string()).exists())
}

/// Removes partial outputs `.<name>.partial-<pid>` of `path` left by processes that are gone;
/// a notice line for each.
pub fn sweep_stale(path: &Path) -> Vec<String> {
    let mut notices = Vec::new();
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return notices;
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(parent) else {
        return notices;
    };
    let prefix = format!(".{name}.partial-");
    for e in entries.flatten() {
        let entry = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = entry
            .strip_prefix(&prefix)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || pid_is_gone(pid) != Some(true) {
            continue;
        }
        let p = path.with_file_name(&entry);
        let removed = if is_dir(&p) {
            fs::remove_dir_all(&p)
        } else {
            fs::remove_file(&p)
        };
        if removed.is_ok() {
            notices.push(format!(
                "notice: removed a stale partial output {} (left by process {pid}, which is no longer running)",
                p.display()
            ));
        }
    }
    notices
}

/// What a command wrote: printed as its last line,
/// `wrote PATH: WHAT (DETAILS)[ + SIDECAR]`.
#[derive(Debug)]
pub struct Written {
    /// The output's final path.
    pub path: PathBuf,
    /// What it holds, in words.
    pub what: String,
    /// Shape and bytes (`uint8 [2000, 32], 64,000 bytes`), or files and bytes of a directory.
    pub details: String,
    /// The sidecar written beside a file.
    pub sidecar: Option<PathBuf>,
    /// What the user should know about the inputs (not part of the `wrote` line): each a full
    /// stderr line, `notice: …` (something could not be checked) or `warning: …`.
    pub notices: Vec<String>,
}

impl Written {
    /// `self` with `notices` added (in order).
    pub fn with_notices(mut self, notices: impl IntoIterator<Item = String>) -> Self {
        self.notices.extend(notices);
        self
    }

    /// The line of a committed run directory `path` holding `what`.
    pub fn dir(path: PathBuf, what: impl Into<String>) -> Self {
        let (files, bytes) = dir_stats(&path);
        let s = if files == 1 { "" } else { "s" };
        Self {
            path,
            what: what.into(),
            details: format!("{files} file{s}, {} bytes", thousands(bytes)),
            sidecar: None,
            notices: Vec::new(),
        }
    }
}

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "wrote {}: {} ({})",
            self.path.display(),
            self.what,
            self.details
        )?;
        if let Some(s) = &self.sidecar {
            write!(
                f,
                " + {}",
                s.file_name().unwrap_or_default().to_string_lossy()
            )?;
        }
        Ok(())
    }
}

/// Files and bytes under `dir`, the marker excepted.
fn dir_stats(dir: &Path) -> (u64, u64) {
    let mut stack = vec![dir.to_path_buf()];
    let (mut files, mut bytes) = (0, 0);
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let Ok(m) = e.metadata() else { continue };
            if m.is_dir() {
                stack.push(e.path());
            } else if e.file_name() != MARKER {
                files += 1;
                bytes += m.len();
            }
        }
    }
    (files, bytes)
}

/// `64128` → `64,128`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The line printed on an interrupt.
pub fn interrupt_message(signal: &str, removed: &[PathBuf]) -> String {
    let list = |v: &[PathBuf]| {
        v.iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match removed {
        [] => format!("interrupted ({signal}): no partial output to remove"),
        [one] => format!(
            "interrupted ({signal}): removed the partial output {}; nothing was written",
            one.display()
        ),
        many => format!(
            "interrupted ({signal}): removed the partial outputs {}; nothing was written",
            list(many)
        ),
    }
}

/// Installs the SIGINT / SIGTERM handling of the command line: a thread that, on the first
/// signal, removes every partial output ([`partials`]), prints one line and exits with 130
/// (SIGINT) or 143 (SIGTERM). Without it (library use) signals keep their default action.
pub fn remove_partials_on_interrupt() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                let (name, code) = if sig == SIGINT {
                    ("SIGINT", 130)
                } else {
                    ("SIGTERM", 143)
                };
                partials::remove_all_then(|removed| {
                    eprintln!("{}", interrupt_message(name, removed));
                    std::process::exit(code)
                });
            }
        });
    }
}

/// A run directory being written: files go into a hidden `.<name>.partial-<pid>` sibling that
/// is renamed onto the final path by [`commit`](Self::commit), with the marker
/// [`MARKER`] in it. Dropping it uncommitted (an error or a panic) removes the
/// partial directory (and the parents it created), so no run directory is left behind. The
/// rule for existing paths and `--force` is [`crate::outfile`]'s.
#[derive(Debug)]
pub struct RunDir {
    final_path: PathBuf,
    tmp: PathBuf,
    created: Vec<PathBuf>,
    committed: bool,
    notices: Vec<String>,
}

impl RunDir {
    /// Checks `final_path` ([`Target::dir`]: an existing one is refused unless
    /// `force` and it is a binaryllm run directory) and creates the partial directory.
    pub fn create(final_path: &Path, force: bool) -> Result<Self> {
        Target::dir(final_path, force)?.create_dir()
    }

    /// Creates the missing parents and the partial directory of `final_path`, which
    /// [`Target::dir`] has checked.
    pub fn create_checked(final_path: &Path) -> Result<Self> {
        let created = create_parents(final_path)?;
        let tmp = data::partial_path(final_path);
        if tmp.exists() {
            let _ = fs::remove_dir_all(&tmp);
        }
        if let Err(e) = data::partials::begin(&tmp, |t| fs::create_dir(t)) {
            remove_empty(&created);
            let parent = final_path.parent().unwrap_or(Path::new("."));
            return Err(e).with_context(|| {
                format!(
                    "{}: cannot write in the output directory {}",
                    Stage::Output,
                    parent.display()
                )
            });
        }
        Ok(Self {
            final_path: final_path.to_path_buf(),
            tmp,
            created,
            committed: false,
            notices: Vec::new(),
        })
    }

    /// Where files are written until [`commit`](Self::commit).
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The final path.
    pub fn final_path(&self) -> &Path {
        &self.final_path
    }

    /// The notices of its [`Target`] ([`Target::notices`]).
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// Writes the marker and renames the partial directory onto the final path (replacing an
    /// old run directory under `--force`).
    pub fn commit(mut self) -> Result<PathBuf> {
        let marker = serde_json::to_string_pretty(&marker_json())? + "\n";
        data::atomic_write(&self.tmp.join(MARKER), |w| w.write_all(marker.as_bytes()))
            .with_context(|| format!("{}: writing {MARKER}", Stage::Output))?;
        let old = self.final_path.with_file_name(format!(
            ".{}.old-{}",
            self.final_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        let replaced = self.final_path.exists();
        data::partials::finish(&self.tmp, || {
            if replaced {
                fs::rename(&self.final_path, &old)?;
            }
            fs::rename(&self.tmp, &self.final_path).inspect_err(|_| {
                if replaced {
                    let _ = fs::rename(&old, &self.final_path);
                }
            })
        })
        .with_context(|| {
            format!(
                "{}: cannot move the run directory into place at {}",
                Stage::Output,
                self.final_path.display()
            )
        })?;
        self.committed = true;
        if replaced {
            let _ = fs::remove_dir_all(&old);
        }
        Ok(self.final_path.clone())
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if !self.committed {
            data::partials::abandon(&self.tmp);
            remove_empty(&self.created);
        }
    }
}

/// The default run directory name: `<UTC timestamp>-<config name>`.
pub fn default_run_name(now: std::time::SystemTime, config_name: &str) -> String {
    let t = utc(now);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{config_name}",
        t.0, t.1, t.2, t.3, t.4, t.5
    )
}

/// (year, month, day, hour, minute, second) in UTC.
fn utc(t: std::time::SystemTime) -> (i64, u32, u32, u32, u32, u32) {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

/// RFC 3339 UTC timestamp, e.g. `2026-11-24T20:59:00Z`.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    let (y, mo, d, h, mi, s) = utc(t);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(64_128), "64,128");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn a_file_without_a_sidecar_is_refused_even_under_force() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("mine.npy");
        fs::write(&p, b"user data").unwrap();
        let e = Target::file(&p, false).unwrap_err();
        assert!(
            format!("{e}").contains("already exists (use --force"),
            "{e}"
        );
        let e = Target::file(&p, true).unwrap_err();
        assert!(
            format!("{e}").contains("not a binaryllm output file"),
            "{e}"
        );
        assert_eq!(fs::read(&p).unwrap(), b"user data");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_never_an_output() {
        for force in [false, true] {
            let e = Target::file(Path::new("/dev/null"), force).unwrap_err();
            assert!(
                format!("{e}").contains("not a regular file or directory"),
                "{e}"
            );
        }
    }

    #[test]
    fn a_written_file_can_be_replaced_under_force() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/w.bin");
        let w = Target::file(&p, false)
            .unwrap()
            .write(b"abc", None, "three bytes", "u8 [3]")
            .unwrap();
        assert_eq!(
            w.to_string(),
            format!(
                "wrote {}: three bytes (u8 [3], 3 bytes) + w.bin.json",
                p.display()
            )
        );
        assert!(Target::file(&p, false).is_err());
        Target::file(&p, true)
            .unwrap()
            .write(b"abcd", None, "x", "u8 [4]")
            .unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"abcd");
        assert_eq!(fs::read_dir(d.path().join("sub")).unwrap().count(), 2);
    }

    #[test]
    fn interrupt_messages_name_what_was_removed() {
        assert_eq!(
            interrupt_message("SIGINT", &[PathBuf::from(".x.partial-1")]),
            "interrupted (SIGINT): removed the partial output .x.partial-1; nothing was written"
        );
        assert!(interrupt_message("SIGTERM", &[]).starts_with("interrupted (SIGTERM): "));
    }
}
