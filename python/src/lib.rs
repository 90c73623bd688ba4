//! `binaryllm._native`: the Python package's extension module. Every function calls the
//! engine (`binaryllm-engine`) or the core; nothing here decides a bit. The pure-Python
//! package `binaryllm` (python/binaryllm/) re-exports it with the exceptions and the stubs.

mod arrays;
mod errors;
mod evaluate;
mod index;
mod inspect;
mod projection;

use binaryllm_core::bytes::{ByteOrder, to_bytes_into, to_signed_binary_into};
use binaryllm_core::{CodeLayout, Threshold, binarize_into};
use binaryllm_engine::Stage;
use binaryllm_engine::engine::CodeMatrix;
use binaryllm_engine::engine::search::CodeSet;
use pyo3::prelude::*;

use errors::{guarded, input, typed};

/// The layouts codes come back in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CodeOrder {
    /// `uint8`, LSB-first (FAISS).
    Faiss,
    /// `uint8`, MSB-first (numpy `packbits`, sentence-transformers `ubinary`).
    Packbits,
    /// `uint64` words.
    Words,
}

impl CodeOrder {
    pub(crate) fn parse(name: &str) -> PyResult<Self> {
        match name {
            "faiss" | "lsb" => Ok(Self::Faiss),
            "packbits" | "msb" => Ok(Self::Packbits),
            "u64" | "uint64" => Ok(Self::Words),
            _ => Err(input(format!(
                "order {name:?}: expected \"faiss\" (uint8, LSB-first), \"packbits\" (uint8, MSB-first) or \"u64\""
            ))),
        }
    }

    /// The byte order of a `uint8` layout.
    pub(crate) fn bytes(self) -> Option<ByteOrder> {
        match self {
            Self::Faiss => Some(ByteOrder::Lsb),
            Self::Packbits => Some(ByteOrder::Msb),
            Self::Words => None,
        }
    }
}

/// The engine's thread count (`None` = 0 = all cores).
pub(crate) fn threads_of(threads: Option<usize>) -> usize {
    threads.unwrap_or(0)
}

/// `codes` as a new numpy array of `order`.
pub(crate) fn codes_out<'py>(
    py: Python<'py>,
    codes: CodeMatrix,
    order: CodeOrder,
) -> PyResult<Bound<'py, PyAny>> {
    let (rows, layout) = (codes.len(), codes.layout());
    let Some(bytes) = order.bytes() else {
        let words = codes.into_words();
        return Ok(arrays::matrix(py, words, rows, layout.words())?.into_any());
    };
    let nb = layout.bytes();
    let mut out = vec![0u8; rows * nb];
    for (dst, code) in out.chunks_exact_mut(nb).zip(codes.iter()) {
        to_bytes_into(layout, code, bytes, dst)
            .map_err(|e| typed(&Stage::Encode.to_string(), e))?;
    }
    Ok(arrays::matrix(py, out, rows, nb)?.into_any())
}

/// The sign bits of the raw dimensions of `emb`, as sentence-transformers'
/// ``quantize_embeddings(emb, precision)`` for the binary precisions: ``"ubinary"`` →
/// ``uint8 [N, ceil(D/8)]`` (numpy ``packbits``, MSB-first), ``"binary"`` → the same bytes
/// minus 128 as ``int8``. No projection: bit j is dimension j.
///
/// `rule=">"` (default) sets a bit where ``x > 0``, sentence-transformers' rule, so the
/// output is byte-identical to it; ``rule=">="`` sets it where ``x >= 0`` (binaryllm's rule
/// everywhere else: an exact zero, or ``-0.0``, becomes 1). They differ only on exact zeros.
/// NaN and infinities are an :class:`InvalidInputError` (sentence-transformers would make them
/// 0 and 1 silently). For D not a multiple of 8 each row is padded with zero bits to whole
/// bytes (sentence-transformers packs the flattened array, so its rows run into each other
/// there). `order="faiss"` gives LSB-first bytes instead.
#[pyfunction]
#[pyo3(signature = (emb, precision = "ubinary", *, rule = ">", order = "packbits", copy = None))]
fn quantize<'py>(
    py: Python<'py>,
    emb: &Bound<'py, PyAny>,
    precision: &str,
    rule: &str,
    order: &str,
    copy: Option<bool>,
) -> PyResult<Bound<'py, PyAny>> {
    guarded(|| {
        let signed = match precision {
            "ubinary" => false,
            "binary" => true,
            _ => {
                return Err(input(format!(
                    "quantize: precision {precision:?}: expected \"ubinary\" or \"binary\" (the other sentence-transformers precisions are not sign bits)"
                )));
            }
        };
        // `x > 0` is `x >= t` for the smallest positive float t (no float lies between them).
        let threshold = match rule {
            ">" => Threshold::Uniform(f32::from_bits(1)),
            ">=" => Threshold::Zero,
            _ => {
                return Err(input(format!(
                    "quantize: rule {rule:?}: expected \">\" or \">=\""
                )));
            }
        };
        let order = CodeOrder::parse(order)?
            .bytes()
            .ok_or_else(|| input("quantize: order must be \"packbits\" or \"faiss\" (bytes)"))?;
        if signed && order != ByteOrder::Msb {
            return Err(input(
                "quantize: precision \"binary\" is defined on packbits (MSB-first) bytes",
            ));
        }
        let x = arrays::floats(emb, "emb", copy)?;
        let (dims, rows, values) = (x.dims(), x.rows(), x.values());
        let layout = arrays::layout(dims, "emb")?;
        let nb = layout.bytes();
        // Row i's sign bits, then its bytes through `put` (the core's byte layouts).
        fn rows_into<T: Copy + Default + Send>(
            values: &[f32],
            dims: usize,
            layout: CodeLayout,
            threshold: Threshold<'_>,
            put: impl Fn(&[u64], &mut [T]) -> binaryllm_core::Result<usize>,
        ) -> Result<Vec<T>, (usize, binaryllm_core::Error)> {
            let nb = layout.bytes();
            let mut words = vec![0u64; layout.words()];
            let mut out = vec![T::default(); values.len() / dims.max(1) * nb];
            for (i, (row, dst)) in values
                .chunks_exact(dims)
                .zip(out.chunks_exact_mut(nb))
                .enumerate()
            {
                binarize_into(row, threshold, layout, &mut words).map_err(|e| (i, e))?;
                put(&words, dst).map_err(|e| (i, e))?;
            }
            Ok(out)
        }
        let row_error = |(i, e): (usize, binaryllm_core::Error)| {
            input(format!("{}: emb row {i}: {e}", Stage::Encode))
        };
        if signed {
            let v = py
                .detach(|| {
                    rows_into(values, dims, layout, threshold, |w, d| {
                        to_signed_binary_into(layout, w, d)
                    })
                })
                .map_err(row_error)?;
            return Ok(arrays::matrix(py, v, rows, nb)?.into_any());
        }
        let v = py
            .detach(|| {
                rows_into(values, dims, layout, threshold, |w, d| {
                    to_bytes_into(layout, w, order, d)
                })
            })
            .map_err(row_error)?;
        Ok(arrays::matrix(py, v, rows, nb)?.into_any())
    })
}

/// Codes of `bits` bits (default: all the bits of their width) from `x`, with its layout.
fn any_codes(x: &Bound<'_, PyAny>, bits: Option<usize>, what: &str) -> PyResult<arrays::Codes> {
    let bits = match bits {
        Some(b) => b,
        None => width_bits(x, what)?,
    };
    arrays::codes(x, bits, ByteOrder::Lsb, what)
}

/// All the bits of `x`'s rows: 8 per `uint8` column, 64 per `uint64` column.
fn width_bits(x: &Bound<'_, PyAny>, what: &str) -> PyResult<usize> {
    let x = x.py().import("numpy")?.call_method1("asarray", (x,))?;
    let shape: Vec<usize> = x.getattr("shape")?.extract()?;
    let itemsize: usize = x.getattr("dtype")?.getattr("itemsize")?.extract()?;
    match shape.as_slice() {
        [_, cols] => Ok(cols * itemsize * 8),
        _ => Err(input(format!(
            "{what}: expected a 2-D array of codes, got shape {shape:?}"
        ))),
    }
}

/// Pairwise Hamming distances, ``int32 [len(a), len(b)]``, of two code arrays
/// (``uint8 [N, bytes]`` or ``uint64 [N, words]``, the same dtype and width; the byte order
/// does not change a distance). For small arrays; :class:`Index` searches large ones.
#[pyfunction]
#[pyo3(signature = (a, b, *, bits = None))]
fn hamming<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    bits: Option<usize>,
) -> PyResult<Bound<'py, numpy::PyArray2<i32>>> {
    guarded(|| {
        let a = any_codes(a, bits, "a")?;
        let b = any_codes(b, bits.or(Some(a.layout.bits())), "b")?;
        let layout: CodeLayout = a.layout;
        let w = layout.words();
        let mut out = Vec::with_capacity(a.rows() * b.rows());
        for x in a.words.chunks_exact(w) {
            for y in b.words.chunks_exact(w) {
                let d = layout.distance(x, y).map_err(|e| typed("hamming", e))?;
                out.push(d as i32);
            }
        }
        arrays::matrix(py, out, a.rows(), b.rows())
    })
}

/// Exact Hamming top-`k` of `queries` over `base` (code arrays as for :func:`hamming`):
/// ``(distances int32 [nq, k], ids int64 [nq, k])`` as :meth:`Index.search`.
#[pyfunction]
#[pyo3(signature = (base, queries, k, *, bits = None, threads = None))]
fn knn<'py>(
    py: Python<'py>,
    base: &Bound<'py, PyAny>,
    queries: &Bound<'py, PyAny>,
    k: usize,
    bits: Option<usize>,
    threads: Option<usize>,
) -> PyResult<index::Found<'py>> {
    guarded(|| {
        let db = any_codes(base, bits, "base")?;
        let q = any_codes(queries, Some(db.layout.bits()), "queries")?;
        let dbs = CodeSet::new(db.layout, &db.words).map_err(|e| typed("base", e))?;
        let qs = CodeSet::new(q.layout, &q.words).map_err(|e| typed("queries", e))?;
        index::search_codes(py, dbs, qs, k, threads_of(threads))
    })
}

/// Panics inside Rust, for the test that a panic becomes `binaryllm.InternalError`.
#[pyfunction]
fn _panic_for_test() -> PyResult<()> {
    guarded(|| panic!("a deliberate panic (binaryllm._native._panic_for_test)"))
}

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<projection::PyProjection>()?;
    m.add_class::<index::PyIndex>()?;
    m.add_function(wrap_pyfunction!(quantize, m)?)?;
    m.add_function(wrap_pyfunction!(hamming, m)?)?;
    m.add_function(wrap_pyfunction!(knn, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(inspect::inspect, m)?)?;
    m.add_function(wrap_pyfunction!(inspect::convert, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_test, m)?)?;
    Ok(())
}
