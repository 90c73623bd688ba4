//! `binaryllm.Index`: exact Hamming top-k over packed codes, with the results of
//! `faiss.IndexBinaryFlat.search` (int32 distances, int64 ids, ties to the smaller id); float
//! queries re-ranked by exact inner product or by the asymmetric score; codes held in memory or
//! memory-mapped from a code file.

use std::path::PathBuf;

use anyhow::Context;
use binaryllm_core::CodeLayout;
use binaryllm_core::bytes::ByteOrder;
use binaryllm_engine::Stage;
use binaryllm_engine::engine::floats::{F32Matrix, Scored};
use binaryllm_engine::engine::search::{CodeSet, Searcher};
use binaryllm_engine::engine::{CodeFile, CodeMatrix, KnnResult, codefile, export, rerank};
use binaryllm_engine::outfile::Target;
use numpy::PyArray2;
use pyo3::prelude::*;

use crate::arrays::{self, Codes};
use crate::errors::{guarded, input, library, typed};
use crate::projection::PyProjection;
use crate::{CodeOrder, threads_of};

/// Where the codes of an index live.
#[derive(Debug)]
enum Store {
    /// Added from numpy arrays.
    Owned(Vec<u64>),
    /// A code file mapped read-only (searched through the page cache, never copied).
    Mapped(CodeFile),
}

/// Exact Hamming search over codes of `bits` bits.
#[pyclass(name = "Index", module = "binaryllm")]
#[derive(Debug)]
pub struct PyIndex {
    layout: CodeLayout,
    order: ByteOrder,
    store: Store,
    projection: Option<Py<PyProjection>>,
}

/// (distances, ids) of a search.
pub(crate) type Found<'py> = (Bound<'py, PyArray2<i32>>, Bound<'py, PyArray2<i64>>);
/// (scores, ids) of a re-ranked search.
type Ranked<'py> = (Bound<'py, PyArray2<f32>>, Bound<'py, PyArray2<i64>>);

/// Checks `1 <= k <= n` for a search of `n` codes.
fn check_k(k: usize, n: usize) -> PyResult<()> {
    if k == 0 {
        return Err(input(format!(
            "{}: k = 0: ask for at least one neighbour",
            Stage::Search
        )));
    }
    if k > n {
        return Err(input(format!(
            "{}: k = {k} is more than the {n} codes searched (FAISS would pad with id -1; ask for at most {n})",
            Stage::Search
        )));
    }
    Ok(())
}

/// The exact top-`k` of `queries` over `db`, the GIL released.
fn knn_detached(
    py: Python<'_>,
    db: CodeSet<'_>,
    queries: CodeSet<'_>,
    k: usize,
    threads: usize,
) -> PyResult<KnnResult> {
    py.detach(|| Searcher::new().knn(db, queries, k, threads))
        .map_err(|e| typed(&Stage::Search.to_string(), e))
}

/// Exact top-`k` of `queries` over `db` (every query gets `k` hits; `k` must be in `1..=N`),
/// the GIL released, as FAISS's `(distances int32 [nq, k], ids int64 [nq, k])`.
pub fn search_codes<'py>(
    py: Python<'py>,
    db: CodeSet<'_>,
    queries: CodeSet<'_>,
    k: usize,
    threads: usize,
) -> PyResult<Found<'py>> {
    check_k(k, db.len())?;
    let found = knn_detached(py, db, queries, k, threads)?;
    let nq = queries.len();
    let distances = found.neighbors.iter().map(|n| n.distance as i32).collect();
    let ids = found.neighbors.iter().map(|n| i64::from(n.index)).collect();
    Ok((
        arrays::matrix(py, distances, nq, k)?,
        arrays::matrix(py, ids, nq, k)?,
    ))
}

/// Re-ranked results as `(scores float32 [nq, k], ids int64 [nq, k])` (the command line's
/// `scores.npy` and `ids.npy`).
fn ranked<'py>(py: Python<'py>, lists: Vec<Scored>, nq: usize, k: usize) -> PyResult<Ranked<'py>> {
    if lists.len() != nq * k {
        return Err(input(format!(
            "{}: {} results for {nq} queries × k = {k}",
            Stage::Search,
            lists.len()
        )));
    }
    let scores = lists.iter().map(|s| s.score as f32).collect();
    let ids = lists.iter().map(|s| i64::from(s.index)).collect();
    Ok((
        arrays::matrix(py, scores, nq, k)?,
        arrays::matrix(py, ids, nq, k)?,
    ))
}

impl PyIndex {
    fn set(&self) -> PyResult<CodeSet<'_>> {
        match &self.store {
            Store::Owned(words) => CodeSet::new(self.layout, words).map_err(|e| typed("index", e)),
            Store::Mapped(file) => Ok(file.as_set()),
        }
    }

    fn read(&self, codes: &Bound<'_, PyAny>, what: &str) -> PyResult<Codes> {
        arrays::codes(codes, self.layout.bits(), self.order, what)
    }

    /// An index of `layout` codes in `store`, its `uint8` codes in byte order `order`.
    fn build(
        layout: CodeLayout,
        order: &str,
        store: Store,
        projection: Option<Py<PyProjection>>,
    ) -> PyResult<Self> {
        let order = CodeOrder::parse(order)?.bytes().ok_or_else(|| {
            input("index: order must be \"faiss\" or \"packbits\" (uint64 codes need no order)")
        })?;
        Self {
            layout,
            order,
            store,
            projection: None,
        }
        .with_projection(projection)
    }

    /// The codes to append to; a memory-mapped index has none.
    fn owned_mut(&mut self) -> PyResult<&mut Vec<u64>> {
        match &mut self.store {
            Store::Owned(words) => Ok(words),
            Store::Mapped(_) => Err(input(
                "index: a memory-mapped index is read-only (add to an Index(bits) instead)",
            )),
        }
    }

    fn with_projection(mut self, projection: Option<Py<PyProjection>>) -> PyResult<Self> {
        if let Some(p) = &projection {
            let bits = p.get().inner.bits();
            if bits != self.layout.bits() {
                return Err(input(format!(
                    "index: the projection makes {bits}-bit codes, the index holds {}-bit codes",
                    self.layout.bits()
                )));
            }
        }
        self.projection = projection;
        Ok(self)
    }

    fn projection(&self, what: &str) -> PyResult<&PyProjection> {
        self.projection.as_ref().map(|p| p.get()).ok_or_else(|| {
            input(format!(
                "index: {what} needs the projection of the codes: Index(bits, projection=p), \
                 Index.from_codes(codes, bits, projection=p) or Index.open(path, projection=p)"
            ))
        })
    }

    /// The codes as an owned matrix (a copy of a mapped file's).
    fn matrix(&self) -> PyResult<CodeMatrix> {
        CodeMatrix::new(self.layout, self.set()?.words().to_vec()).map_err(|e| typed("index", e))
    }
}

#[pymethods]
impl PyIndex {
    /// An empty index of `bits`-bit codes. `order` is the byte order of the ``uint8`` codes
    /// given to :meth:`add` and :meth:`search` (``"faiss"``, LSB-first, by default, or
    /// ``"packbits"``); ``uint64 [N, words]`` codes are words and have no byte order.
    /// `projection` (a :class:`Projection` of `bits` bits) encodes float vectors for
    /// :meth:`add_floats` and :meth:`search_floats`.
    #[new]
    #[pyo3(signature = (bits, *, order = "faiss", projection = None))]
    fn new(bits: usize, order: &str, projection: Option<Py<PyProjection>>) -> PyResult<Self> {
        guarded(|| {
            let layout = arrays::layout(bits, "index")?;
            Self::build(layout, order, Store::Owned(Vec::new()), projection)
        })
    }

    /// An index holding `codes` (``uint8 [N, ceil(bits/8)]`` in `order`, or ``uint64``
    /// ``[N, words]``).
    #[staticmethod]
    #[pyo3(signature = (codes, bits, *, order = "faiss", projection = None))]
    fn from_codes(
        codes: &Bound<'_, PyAny>,
        bits: usize,
        order: &str,
        projection: Option<Py<PyProjection>>,
    ) -> PyResult<Self> {
        let mut index = Self::new(bits, order, projection)?;
        index.add(codes)?;
        Ok(index)
    }

    /// Memory-maps the code file `path` (``binaryllm codes v1``, written by :meth:`save` or
    /// ``binaryllm bench make-codes``): the codes are searched through the page cache, never
    /// read into memory as a whole, so an index larger than RAM can be searched. The file is
    /// validated on open (header, length, padding bits); the index is read-only. `order` is
    /// the byte order of the ``uint8`` query codes given to :meth:`search`, as for
    /// :class:`Index` (the file holds words).
    #[staticmethod]
    #[pyo3(signature = (path, *, order = "faiss", projection = None))]
    fn open(path: PathBuf, order: &str, projection: Option<Py<PyProjection>>) -> PyResult<Self> {
        guarded(|| {
            let file = CodeFile::open(&path)
                .map_err(|e| library(&anyhow::Error::new(e).context(Stage::Load)))?;
            Self::build(file.layout(), order, Store::Mapped(file), projection)
        })
    }

    /// Writes the codes as a code file (``binaryllm codes v1``, memory-mappable by
    /// :meth:`open`) with its sidecar ``<path>.json``, atomically; an existing file is replaced
    /// only with `force` and only if binaryllm wrote it.
    #[pyo3(signature = (path, *, force = false))]
    fn save(&self, py: Python<'_>, path: PathBuf, force: bool) -> PyResult<PathBuf> {
        guarded(|| {
            let set = self.set()?;
            let write = || -> anyhow::Result<PathBuf> {
                let target = Target::file(&path, force)?;
                codefile::write_code_file(target.path(), set).context(Stage::Output)?;
                let what = format!(
                    "{} codes of {} bits (binaryllm code file)",
                    set.len(),
                    set.layout().bits()
                );
                let shape = format!("{} × {} words", set.len(), set.layout().words());
                Ok(target.finish_written(what, shape)?.path)
            };
            py.detach(write).map_err(|e| library(&e))
        })
    }

    /// Writes the codes as a serialised ``faiss.IndexBinaryFlat`` (``faiss.read_index_binary``
    /// reads it back and returns the same search results), atomically, with a sidecar
    /// ``<path>.json``. `bits` must be a multiple of 8 (FAISS stores whole bytes).
    #[pyo3(signature = (path, *, force = false))]
    fn save_faiss(&self, py: Python<'_>, path: PathBuf, force: bool) -> PyResult<PathBuf> {
        guarded(|| {
            let codes = self.matrix()?;
            let write = || -> anyhow::Result<PathBuf> {
                let bytes = export::faiss_index_binary_flat(&codes).context(Stage::Export)?;
                let target = Target::file(&path, force)?;
                let what = format!("faiss IndexBinaryFlat of {} codes", codes.len());
                let shape = format!("d = {}, ntotal = {}", codes.layout().bits(), codes.len());
                Ok(target.write(&bytes, None, what, shape)?.path)
            };
            py.detach(write).map_err(|e| library(&e))
        })
    }

    /// Appends `codes`; their ids continue from :attr:`ntotal` (as in FAISS).
    fn add(&mut self, codes: &Bound<'_, PyAny>) -> PyResult<()> {
        guarded(|| {
            let c = self.read(codes, "codes")?;
            let per_code = self.layout.words();
            let words = self.owned_mut()?;
            if words.len() / per_code + c.rows() > u32::MAX as usize {
                return Err(input(format!("index: more than {} codes", u32::MAX)));
            }
            words.extend_from_slice(&c.words);
            Ok(())
        })
    }

    /// Encodes the float rows of `x` with the index's projection and appends their codes.
    #[pyo3(signature = (x, *, threads = None, copy = None))]
    fn add_floats(
        &mut self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        threads: Option<usize>,
        copy: Option<bool>,
    ) -> PyResult<()> {
        guarded(|| {
            let x = arrays::floats(x, "x", copy)?;
            let codes =
                self.projection("add_floats")?
                    .encode_matrix(py, &x, threads_of(threads))?;
            let words = self.owned_mut()?;
            words.extend_from_slice(codes.words());
            Ok(())
        })
    }

    /// The `k` nearest codes of every query code by Hamming distance:
    /// ``(distances int32 [nq, k], ids int64 [nq, k])``, each row sorted by distance, ties to
    /// the smaller id — what ``faiss.IndexBinaryFlat.search`` returns for the same codes.
    /// `k` must be between 1 and :attr:`ntotal`. `threads`: None or 0 = all cores; the
    /// results do not depend on it.
    #[pyo3(signature = (queries, k, *, threads = None))]
    fn search<'py>(
        &self,
        py: Python<'py>,
        queries: &Bound<'py, PyAny>,
        k: usize,
        threads: Option<usize>,
    ) -> PyResult<Found<'py>> {
        guarded(|| {
            let q = self.read(queries, "queries")?;
            let qs = CodeSet::new(q.layout, &q.words).map_err(|e| typed("queries", e))?;
            search_codes(py, self.set()?, qs, k, threads_of(threads))
        })
    }

    /// Float queries: encoded with the index's projection, their `rerank` nearest codes by
    /// Hamming distance (default: all codes) re-ranked, the best `k` returned as
    /// ``(scores float32 [nq, k], ids int64 [nq, k])``, best first, ties to the smaller id —
    /// ``binaryllm search --queries … --rerank R`` with ``--base`` or ``--asymmetric``.
    ///
    /// With `base` (float ``[ntotal, dims]``, row i the vector of code i; read in place when
    /// C-contiguous float32) the score is the exact inner product of query and base row. With
    /// ``asymmetric=True`` it is the asymmetric score Σ_j (y_j − t_j)·(±1 by bit j) of the
    /// query's float projection y against the code's bits — no float base needed.
    #[pyo3(signature = (queries, k, *, rerank = None, base = None, asymmetric = false, threads = None, copy = None))]
    #[allow(clippy::too_many_arguments)]
    fn search_floats<'py>(
        &self,
        py: Python<'py>,
        queries: &Bound<'py, PyAny>,
        k: usize,
        rerank: Option<usize>,
        base: Option<&Bound<'py, PyAny>>,
        asymmetric: bool,
        threads: Option<usize>,
        copy: Option<bool>,
    ) -> PyResult<Ranked<'py>> {
        guarded(|| {
            let threads = threads_of(threads);
            let proj = self.projection("search_floats")?;
            let db = self.set()?;
            check_k(k, db.len())?;
            if rerank == Some(0) {
                return Err(input(format!(
                    "{}: rerank = 0: re-rank at least one candidate",
                    Stage::Search
                )));
            }
            if base.is_some() == asymmetric {
                return Err(input(format!(
                    "{}: search_floats re-ranks by base=FLOATS (exact inner product) or asymmetric=True, give one \
                     (for Hamming distances: index.search(projection.encode(queries), k))",
                    Stage::Search
                )));
            }
            let x = arrays::floats(queries, "queries", copy)?;
            let qcodes = proj.encode_matrix(py, &x, threads)?;
            let depth = rerank.unwrap_or(db.len()).max(k).min(db.len());
            let found = knn_detached(py, db, qcodes.as_set(), depth, threads)?;
            let nq = x.rows();
            let lists = match base {
                Some(b) => {
                    let b = arrays::floats(b, "base", copy)?;
                    if b.rows() != db.len() || b.dims() != x.dims() {
                        return Err(input(format!(
                            "{}: base has [{}, {}] floats; expected [{}, {}]: one row per code of the index and the queries' dims",
                            Stage::Search,
                            b.rows(),
                            b.dims(),
                            db.len(),
                            x.dims()
                        )));
                    }
                    if let Some(i) = b.values().iter().position(|v| !v.is_finite()) {
                        return Err(input(format!(
                            "{}: base row {} has a NaN or infinite value (column {})",
                            Stage::Search,
                            i / b.dims(),
                            i % b.dims()
                        )));
                    }
                    let (bm, qm) = (
                        F32Matrix::new(b.values(), b.dims()),
                        F32Matrix::new(x.values(), x.dims()),
                    );
                    let (Some(bm), Some(qm)) = (bm, qm) else {
                        return Err(input(format!(
                            "{}: base or queries of 0 dims",
                            Stage::Search
                        )));
                    };
                    py.detach(|| rerank::exact(bm, qm, &found, k))
                }
                None => {
                    let values = x.values();
                    let y = py
                        .detach(|| proj.inner.project(values, threads))
                        .map_err(|e| library(&anyhow::Error::new(e).context(Stage::Search)))?;
                    let t = proj.inner.threshold_vec();
                    py.detach(|| rerank::asymmetric(&y, &t, db, &found, k))
                }
            };
            ranked(py, lists, nq, k)
        })
    }

    /// Number of codes.
    #[getter]
    fn ntotal(&self) -> usize {
        match &self.store {
            Store::Owned(words) => words.len() / self.layout.words(),
            Store::Mapped(file) => file.len(),
        }
    }

    /// Code width in bits.
    #[getter]
    fn bits(&self) -> usize {
        self.layout.bits()
    }

    /// Whether the codes are memory-mapped from a code file (:meth:`open`).
    #[getter]
    fn mapped(&self) -> bool {
        matches!(self.store, Store::Mapped(_))
    }

    /// The projection given to the index, or None.
    #[getter(projection)]
    fn projection_of(&self, py: Python<'_>) -> Option<Py<PyProjection>> {
        self.projection.as_ref().map(|p| p.clone_ref(py))
    }

    /// The codes, ``uint64 [ntotal, words]`` (a copy).
    fn words<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<u64>>> {
        arrays::matrix(
            py,
            self.set()?.words().to_vec(),
            self.ntotal(),
            self.layout.words(),
        )
    }

    fn __len__(&self) -> usize {
        self.ntotal()
    }

    fn __repr__(&self) -> String {
        let how = if self.mapped() { ", mapped=True" } else { "" };
        format!("Index(bits={}, ntotal={}{how})", self.bits(), self.ntotal())
    }
}
