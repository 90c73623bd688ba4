//! `binaryllm.evaluate`: the H1 evaluation of `binaryllm eval --base … --queries …` on numpy
//! arrays (or `.npy` files), returning its `results.json` as a dict.
//!
//! The arrays are written once as `.npy` files into a temporary directory (float32, as the
//! command line reads them) and the library's [`eval::run`] evaluates them: the same code path,
//! hence the same results, as the command line. The run directory (results.json, CSV, plots,
//! report.html) goes to `out`, or to a temporary directory removed afterwards.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use binaryllm_engine::config::{Normalization, Overrides};
use binaryllm_engine::data;
use binaryllm_engine::eval::{self, DataFiles, EvalRequest};
use binaryllm_engine::progress::Progress;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::arrays;
use crate::errors::{Kind, error, guarded, input, library};

/// Progress of an evaluation, forwarded to a Python callable
/// `progress(event, message, done, total)`; without one, warnings and error-level notices
/// become Python warnings and the rest is silent.
struct Forward {
    callback: Option<Py<PyAny>>,
    runs: Mutex<(u64, u64)>,
    /// The first exception the callback raised (re-raised when the evaluation returns).
    failed: Mutex<Option<PyErr>>,
}

impl Forward {
    fn send(&self, event: &str, message: &str) {
        let (done, total) = *self.runs.lock().unwrap_or_else(|e| e.into_inner());
        Python::attach(|py| {
            let result = match &self.callback {
                Some(f) => f.call1(py, (event, message, done, total)).map(drop),
                None if matches!(event, "warning" | "error") => py
                    .import("warnings")
                    .and_then(|w| {
                        w.call_method1("warn", (format!("binaryllm.evaluate: {message}"),))
                    })
                    .map(drop),
                None => Ok(()),
            };
            if let Err(e) = result {
                self.failed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
            }
        });
    }
}

impl Progress for Forward {
    fn stage(&self, msg: &str) {
        self.send("stage", msg);
    }
    fn warn(&self, msg: &str) {
        self.send("warning", msg);
    }
    fn error(&self, msg: &str) {
        self.send("error", msg);
    }
    fn notice(&self, msg: &str) {
        self.send("notice", msg);
    }
    fn start_runs(&self, total: u64) {
        *self.runs.lock().unwrap_or_else(|e| e.into_inner()) = (0, total);
        self.send("start", &format!("{total} runs"));
    }
    fn run_done(&self, msg: &str) {
        self.runs.lock().unwrap_or_else(|e| e.into_inner()).0 += 1;
        self.send("run", msg);
    }
    fn finish_runs(&self) {
        self.send("finish", "");
    }
}

/// A path given as `str` / `os.PathLike`, else `None`.
fn path_of(x: &Bound<'_, PyAny>) -> Option<PathBuf> {
    if x.is_instance_of::<PyString>() || x.hasattr("__fspath__").unwrap_or(false) {
        return x.extract::<PathBuf>().ok();
    }
    None
}

/// `x` as a file: its path, or the float matrix written to `dir/name`.
fn float_file(x: &Bound<'_, PyAny>, dir: &Path, name: &str) -> PyResult<PathBuf> {
    if let Some(p) = path_of(x) {
        return Ok(p);
    }
    let f = arrays::floats(x, name, None)?;
    let path = dir.join(format!("{name}.npy"));
    data::write_npy(&path, &[f.rows() as u64, f.dims() as u64], f.values()).map_err(|e| {
        error(
            Kind::File,
            format!("evaluate: writing {name} to {}: {e}", path.display()),
        )
    })?;
    Ok(path)
}

/// `x` (labels, ground truth, ids) as a file: its path, or the array saved by `numpy.save`
/// (the library's reader checks its dtype and shape).
fn any_file(x: Option<&Bound<'_, PyAny>>, dir: &Path, name: &str) -> PyResult<Option<PathBuf>> {
    let Some(x) = x.filter(|x| !x.is_none()) else {
        return Ok(None);
    };
    if let Some(p) = path_of(x) {
        return Ok(Some(p));
    }
    let path = dir.join(format!("{name}.npy"));
    let np = x.py().import("numpy")?;
    np.call_method1(
        "save",
        (path.clone(), np.call_method1("ascontiguousarray", (x,))?),
    )?;
    Ok(Some(path))
}

/// A list override: one value or a sequence of them.
fn list<'py, T: FromPyObjectOwned<'py>>(v: &Bound<'py, PyAny>, key: &str) -> PyResult<Vec<T>> {
    if let Ok(one) = v.extract::<T>() {
        return Ok(vec![one]);
    }
    v.extract::<Vec<T>>().map_err(|_| {
        input(format!(
            "evaluate: {key}={v}: expected a value or a list of values"
        ))
    })
}

/// The overrides of `binaryllm eval` from keyword arguments.
fn overrides(kw: Option<&Bound<'_, PyDict>>, dir: &Path) -> PyResult<Overrides> {
    let mut o = Overrides::default();
    let Some(kw) = kw else {
        return Ok(o);
    };
    for (key, v) in kw.iter() {
        let key: String = key.extract()?;
        if v.is_none() {
            continue; // None: the config's value, as an absent flag
        }
        match key.as_str() {
            "bits" => o.bits = Some(list(&v, &key)?),
            "projection" | "projections" => o.projections = Some(list(&v, &key)?),
            "seeds" => o.seeds = Some(list(&v, &key)?),
            "k" => {
                o.k = Some(
                    v.extract()
                        .map_err(|_| input(format!("evaluate: k={v}: expected an integer")))?,
                )
            }
            "threads" => {
                o.threads =
                    Some(v.extract().map_err(|_| {
                        input(format!("evaluate: threads={v}: expected an integer"))
                    })?)
            }
            "trust_gt" => o.trust_gt = v.is_truthy()?,
            "qrels" => o.qrels = any_file(Some(&v), dir, "qrels")?,
            "base_ids" => o.base_ids = any_file(Some(&v), dir, "base_ids")?,
            "query_ids" => o.query_ids = any_file(Some(&v), dir, "query_ids")?,
            _ => {
                return Err(input(format!(
                    "evaluate: unknown option {key:?} (known: bits, projection, seeds, k, threads, trust_gt, qrels, base_ids, query_ids)"
                )));
            }
        }
    }
    Ok(o)
}

/// The H1 evaluation of `base` and `queries` (float ``[N, D]`` arrays or ``.npy`` paths):
/// ``binaryllm eval --base … --queries …`` with `config` (default: the built-in
/// ``configs/default.toml``) and the command line's overrides as keywords — ``bits``,
/// ``projection``, ``seeds`` (a value or a list), ``k``, ``threads``, ``trust_gt``, ``qrels``,
/// ``base_ids``, ``query_ids``. Returns the ``results.json`` object as a dict.
///
/// `base_labels`, `query_labels`, `gt` (arrays or paths) and `normalization`
/// (``"require"``, ``"l2"``, ``"none"``) are ``eval``'s flags of the same names.
/// `out` keeps the run directory (results.json, metrics.csv, summary.csv, plots/,
/// report.html); by default it is written to a temporary directory and removed. `progress`
/// is called as ``progress(event, message, done, total)`` with event ``"stage"``,
/// ``"start"``, ``"run"`` (a run finished: `done` of `total`), ``"finish"``, ``"notice"``,
/// ``"warning"`` or ``"error"``; without it, warnings become Python warnings.
#[pyfunction]
#[pyo3(signature = (base, queries, config = None, *, out = None, force = false, progress = None, base_labels = None, query_labels = None, gt = None, normalization = None, **overrides_kw))]
#[allow(clippy::too_many_arguments)]
pub fn evaluate<'py>(
    py: Python<'py>,
    base: &Bound<'py, PyAny>,
    queries: &Bound<'py, PyAny>,
    config: Option<PathBuf>,
    out: Option<PathBuf>,
    force: bool,
    progress: Option<Py<PyAny>>,
    base_labels: Option<&Bound<'py, PyAny>>,
    query_labels: Option<&Bound<'py, PyAny>>,
    gt: Option<&Bound<'py, PyAny>>,
    normalization: Option<&str>,
    overrides_kw: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    guarded(|| {
        let tmp = tempdir()?;
        let dir = tmp.path();
        let normalization = normalization
            .map(|n| {
                Normalization::from_name(n).ok_or_else(|| {
                    input(format!(
                        "evaluate: normalization {n:?}: expected \"require\", \"l2\" or \"none\""
                    ))
                })
            })
            .transpose()?;
        let files = DataFiles {
            base: float_file(base, dir, "base")?,
            queries: float_file(queries, dir, "queries")?,
            base_labels: any_file(base_labels, dir, "base_labels")?,
            query_labels: any_file(query_labels, dir, "query_labels")?,
            gt: any_file(gt, dir, "gt")?,
            normalization,
        };
        let request = EvalRequest {
            config,
            overrides: overrides(overrides_kw, dir)?,
            files: Some(files),
            codes: None,
            out: Some(out.unwrap_or_else(|| dir.join("run"))),
            force,
        };
        let forward = Forward {
            callback: progress,
            runs: Mutex::new((0, 0)),
            failed: Mutex::new(None),
        };
        let summary = py.detach(|| eval::run(&request, &forward));
        if let Some(e) = forward
            .failed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            return Err(e);
        }
        let summary = summary.map_err(|e| library(&e))?;
        let text = std::fs::read_to_string(summary.run_dir.join("results.json")).map_err(|e| {
            error(
                Kind::File,
                format!(
                    "evaluate: reading {}: {e}",
                    summary.run_dir.join("results.json").display()
                ),
            )
        })?;
        py.import("json")?.call_method1("loads", (text,))
    })
}

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> PyResult<TempDir> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let p = std::env::temp_dir().join(format!(
        "binaryllm-evaluate-{}-{n}-{nanos:08x}",
        std::process::id()
    ));
    // A new directory, never an existing one (another user's, or a symlink): create_dir fails.
    std::fs::create_dir(&p).map_err(|e| {
        error(
            Kind::File,
            format!("evaluate: creating {}: {e}", p.display()),
        )
    })?;
    Ok(TempDir(p))
}
