//! `binaryllm.Projection`: a seeded or trained projection, encoding numpy float matrices to
//! packed sign-bit codes with the engine's kernels (the bits of `binaryllm encode`).

use std::path::PathBuf;

use anyhow::Context;
use binaryllm_engine::Stage;
use binaryllm_engine::engine::CodeMatrix;
use binaryllm_engine::kinds::ThresholdMode;
use binaryllm_engine::projection::artefact::{self, Artefact};
use binaryllm_engine::projection::choice::ProjectionChoice;
use binaryllm_engine::projection::{Kind, Projector, known_kinds, known_thresholds};
use numpy::PyArray2;
use pyo3::prelude::*;
use sha2::{Digest, Sha256};

use crate::arrays::{self, Floats};
use crate::errors::{guarded, input, library};
use crate::{CodeOrder, codes_out, threads_of};

/// A projection of `dims`-dimensional float vectors to `bits`-bit codes.
#[pyclass(name = "Projection", module = "binaryllm", frozen)]
#[derive(Debug)]
pub struct PyProjection {
    pub(crate) inner: Projector,
    /// (sha256, name) of the training data of a trained projection.
    training: Option<(String, String)>,
}

fn kind_of(name: &str) -> PyResult<Kind> {
    name.parse::<Kind>().map_err(|_| {
        input(format!(
            "{}: unknown projection kind {name:?} (known: {})",
            Stage::Projection,
            known_kinds()
        ))
    })
}

fn threshold_of(name: &str) -> PyResult<ThresholdMode> {
    ThresholdMode::from_name(name).ok_or_else(|| {
        input(format!(
            "{}: unknown threshold rule {name:?} (known: {})",
            Stage::Projection,
            known_thresholds()
        ))
    })
}

impl PyProjection {
    fn check_dims(&self, x: &Floats<'_>, what: &str) -> PyResult<()> {
        if x.dims() == self.inner.dims() {
            return Ok(());
        }
        Err(input(format!(
            "{}: {what} has {} dims, the projection takes {}",
            Stage::Encode,
            x.dims(),
            self.inner.dims()
        )))
    }

    /// Encodes `x` (checked) with the GIL released.
    pub(crate) fn encode_matrix(
        &self,
        py: Python<'_>,
        x: &Floats<'_>,
        threads: usize,
    ) -> PyResult<CodeMatrix> {
        self.check_dims(x, "x")?;
        let values = x.values();
        py.detach(|| self.inner.encode(values, threads))
            .map_err(|e| library(&anyhow::Error::new(e).context(Stage::Encode)))
    }
}

#[pymethods]
impl PyProjection {
    /// A seeded projection: `kind` (gaussian, rademacher, achlioptas, hadamard, orthogonal) of
    /// `dims` inputs to `bits` sign bits, its random hyperplanes drawn from `seed` — the same
    /// matrix and bits as `binaryllm encode --projection KIND --seed SEED` on every platform.
    ///
    /// `threshold` must be ``"zero"`` here; the learned rules (``"mean"``, ``"median"``) and
    /// the learned kinds (``"pca"``, ``"itq"``) need data: use :meth:`Projection.train`.
    #[new]
    #[pyo3(signature = (kind = "gaussian", dims = 384, bits = 256, seed = 0, threshold = "zero"))]
    fn new(kind: &str, dims: usize, bits: usize, seed: u64, threshold: &str) -> PyResult<Self> {
        guarded(|| {
            let kind = kind_of(kind)?;
            let rule = threshold_of(threshold)?;
            if kind.needs_training_data() || rule != ThresholdMode::Zero {
                let what = if kind.needs_training_data() {
                    format!("kind {:?} learns from vectors", kind.name())
                } else {
                    format!("threshold {:?} learns from vectors", rule.name())
                };
                return Err(input(format!(
                    "{}: {what}: use Projection.train({:?}, x, bits={bits}, threshold={:?})",
                    Stage::Projection,
                    kind.name(),
                    rule.name()
                )));
            }
            let spec = ProjectionChoice::seeded(kind, seed).spec(bits);
            let inner = Projector::build(spec, dims, &[]).map_err(|e| {
                library(
                    &anyhow::Error::new(e)
                        .context(format!("{} ({dims} dims → {bits} bits)", kind.name()))
                        .context(Stage::Projection),
                )
            })?;
            Ok(Self {
                inner,
                training: None,
            })
        })
    }

    /// Trains a projection on the rows of `x` (float `[N, dims]`): the learned kinds
    /// (``"pca"``, ``"itq"``, ``"orthogonal"``) and/or a learned threshold rule
    /// (``"mean"``, ``"median"``) — `binaryllm projection train` on an array.
    /// `sample` trains on a seeded subsample of that many rows; `iterations` is ITQ's.
    #[staticmethod]
    #[pyo3(signature = (kind, x, bits, *, seed = 0, threshold = "zero", iterations = 50, sample = None, copy = None))]
    #[allow(clippy::too_many_arguments)]
    fn train(
        py: Python<'_>,
        kind: &str,
        x: &Bound<'_, PyAny>,
        bits: usize,
        seed: u64,
        threshold: &str,
        iterations: usize,
        sample: Option<usize>,
        copy: Option<bool>,
    ) -> PyResult<Self> {
        guarded(|| {
            let mut choice = ProjectionChoice::seeded(kind_of(kind)?, seed);
            choice.threshold = Some(threshold_of(threshold)?);
            choice.iterations = Some(iterations);
            choice.sample = sample;
            let spec = choice.spec(bits);
            let x = arrays::floats(x, "x", copy)?;
            let (values, dims) = (x.values(), x.dims());
            let inner = py
                .detach(|| Projector::build(spec, dims, values))
                .map_err(|e| {
                    library(
                        &anyhow::Error::new(e)
                            .context(format!(
                                "{} ({dims} dims → {bits} bits) on x [{}, {dims}]",
                                spec.kind.name(),
                                x.rows()
                            ))
                            .context(Stage::Train),
                    )
                })?;
            let sha = sha256_hex(values);
            let name = format!("numpy float32 [{}, {dims}]", x.rows());
            Ok(Self {
                inner,
                training: Some((sha, name)),
            })
        })
    }

    /// Loads a projection artefact directory (written by :meth:`save` or
    /// `binaryllm projection train`).
    #[staticmethod]
    fn load(dir: PathBuf) -> PyResult<Self> {
        guarded(|| {
            let read = || -> anyhow::Result<Projector> {
                let a = artefact::load(&dir)?;
                Ok(a.projector()?)
            };
            let inner = read()
                .with_context(|| format!("{}", dir.display()))
                .context(Stage::Load)
                .map_err(|e| library(&e))?;
            Ok(Self {
                inner,
                training: None,
            })
        })
    }

    /// Saves the projection as an artefact directory (projection.json, matrix.npy,
    /// thresholds.npy, mean.npy), the format `binaryllm encode --projection-file DIR` reads.
    /// Written atomically; an existing directory is refused unless `force`. `hadamard` is
    /// matrix-free and has no artefact (its kind and seed are all it needs).
    #[pyo3(signature = (dir, *, force = false))]
    fn save(&self, dir: PathBuf, force: bool) -> PyResult<PathBuf> {
        guarded(|| {
            let write = || -> anyhow::Result<PathBuf> {
                let a = Artefact::from_projector(&self.inner, self.training.clone())?;
                Ok(artefact::save(&dir, &a, force)?)
            };
            write().context(Stage::Output).map_err(|e| library(&e))
        })
    }

    /// Packed codes of the rows of `x` (float `[N, dims]`; a C-contiguous float32 array is
    /// read in place, others converted once — refused when `copy=False`).
    ///
    /// `order`: ``"faiss"`` (default) → ``uint8 [N, ceil(bits/8)]`` LSB-first, as FAISS binary
    /// indexes and ``numpy.packbits(bits, bitorder="little")``; ``"packbits"`` → MSB-first,
    /// numpy's default and sentence-transformers' ``ubinary``; ``"u64"`` → ``uint64 [N, words]``.
    /// `threads`: worker threads (``None`` or 0 = all cores); the bits do not depend on it.
    #[pyo3(signature = (x, *, order = "faiss", threads = None, copy = None))]
    fn encode<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        order: &str,
        threads: Option<usize>,
        copy: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guarded(|| {
            let order = CodeOrder::parse(order)?;
            let x = arrays::floats(x, "x", copy)?;
            let codes = self.encode_matrix(py, &x, threads_of(threads))?;
            codes_out(py, codes, order)
        })
    }

    /// The float projections ``W · x`` of the rows of `x`, ``float32 [N, bits]`` (before the
    /// thresholds; its signs against :attr:`thresholds` are the bits of :meth:`encode`).
    #[pyo3(signature = (x, *, threads = None, copy = None))]
    fn project<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        threads: Option<usize>,
        copy: Option<bool>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        guarded(|| {
            let x = arrays::floats(x, "x", copy)?;
            self.check_dims(&x, "x")?;
            let (values, rows) = (x.values(), x.rows());
            let y = py
                .detach(|| self.inner.project(values, threads_of(threads)))
                .map_err(|e| library(&anyhow::Error::new(e).context(Stage::Encode)))?;
            arrays::matrix(py, y, rows, self.inner.bits())
        })
    }

    /// The kind's name (``"gaussian"``, ``"itq"``, ...).
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.spec().kind.name()
    }

    /// Input dimensions.
    #[getter]
    fn dims(&self) -> usize {
        self.inner.dims()
    }

    /// Code width in bits.
    #[getter]
    fn bits(&self) -> usize {
        self.inner.bits()
    }

    /// The seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.inner.spec().options.seed
    }

    /// The threshold rule's name (``"zero"``, ``"mean"``, ``"median"``).
    #[getter]
    fn threshold(&self) -> &'static str {
        self.inner.spec().options.threshold.name()
    }

    /// The per-bit thresholds, ``float32 [bits]`` (zeros for the zero rule).
    #[getter]
    fn thresholds<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<f32>> {
        numpy::PyArray1::from_vec(py, self.inner.threshold_vec())
    }

    fn __repr__(&self) -> String {
        format!(
            "Projection(kind={:?}, dims={}, bits={}, seed={}, threshold={:?})",
            self.kind(),
            self.dims(),
            self.bits(),
            self.seed(),
            self.threshold()
        )
    }
}

/// sha256 of the little-endian bytes of `v` (what a `.npy` file of them holds after its header).
fn sha256_hex(v: &[f32]) -> String {
    let mut h = Sha256::new();
    let mut buf = Vec::with_capacity(4 * 4096);
    for chunk in v.chunks(4096) {
        buf.clear();
        buf.extend(chunk.iter().flat_map(|x| x.to_le_bytes()));
        h.update(&buf);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
