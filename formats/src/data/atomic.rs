//! The one atomic writer: a partial file next to the target, fsync, rename into place;
//! removed on failure or interrupt ([`partials`]).

#[allow(unused_imports)]
use super::*;

/// An error while writing an output file (the OS error is the `source`, printed once by the
/// chain).
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot write", path.display())]
pub struct WriteError {
    /// The target file.
    pub path: PathBuf,
    /// The I/O error.
    pub source: io::Error,
}

/// The hidden sibling a partial output of `path` is written as: `.<name>.partial-<pid>`.
pub fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    path.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// The partial outputs this process is writing (files and directories), so that an
/// interrupt can remove them (`binaryllm_engine::outfile`). Creating, renaming and removing a partial
/// output happen under one lock, so an interrupt sees each either before or after.
pub mod partials {
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, MutexGuard};

    static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

    fn live() -> MutexGuard<'static, Vec<PathBuf>> {
        LIVE.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `create` (which makes `tmp`) and registers `tmp`, under the lock.
    pub fn begin<T>(
        tmp: &Path,
        create: impl FnOnce(&Path) -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        let mut l = live();
        let t = create(tmp)?;
        l.push(tmp.to_path_buf());
        Ok(t)
    }

    /// Runs `rename` (which moves `tmp` into place) and, when it succeeds, forgets `tmp`.
    pub fn finish(tmp: &Path, rename: impl FnOnce() -> std::io::Result<()>) -> std::io::Result<()> {
        let mut l = live();
        rename()?;
        l.retain(|p| p != tmp);
        Ok(())
    }

    /// Removes `tmp` (a file or a directory) and forgets it.
    pub fn abandon(tmp: &Path) {
        let mut l = live();
        remove(tmp);
        l.retain(|p| p != tmp);
    }

    fn remove(p: &Path) -> bool {
        match std::fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() => {
                // A writer thread may still add files: retry a few times.
                (0..5).any(|_| std::fs::remove_dir_all(p).is_ok())
            }
            Ok(_) => std::fs::remove_file(p).is_ok(),
            Err(_) => false,
        }
    }

    /// Removes every registered partial output and calls `then` with those that existed,
    /// still under the lock (so nothing new is created or renamed before `then` exits).
    pub fn remove_all_then<R>(then: impl FnOnce(&[PathBuf]) -> R) -> R {
        let mut l = live();
        let removed: Vec<PathBuf> = l.iter().filter(|p| remove(p)).cloned().collect();
        l.clear();
        then(&removed)
    }
}

/// Writes `path` atomically: `f` writes into the hidden partial sibling
/// [`partial_path`]`(path)`, which is flushed, synced and renamed onto `path`; on any error
/// the partial file is removed and `path` is untouched. The partial file is registered in
/// [`partials`] while it exists.
pub fn atomic_write(
    path: &Path,
    f: impl FnOnce(&mut BufWriter<fs::File>) -> io::Result<()>,
) -> Result<(), WriteError> {
    let werr = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let tmp = partial_path(path);
    let result = (|| {
        let file = partials::begin(&tmp, |t| fs::File::create(t))?;
        let mut w = BufWriter::new(file);
        f(&mut w)?;
        w.flush()?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        partials::finish(&tmp, || fs::rename(&tmp, path))
    })();
    if result.is_err() {
        partials::abandon(&tmp);
    }
    result.map_err(werr)
}
