//! numpy arrays in and out.
//!
//! Inputs: a C-contiguous, aligned `float32` `[N, D]` array is borrowed (read in place, never
//! copied); any other floating-point array (`float16`, `float64`, Fortran order, strided or
//! misaligned views) or an array-like (a list, a tensor with `__array__`) is converted once with
//! `numpy.array(x, dtype=numpy.float32, order="C", copy=True)`, unless the caller passed
//! `copy=False`, which makes a needed conversion an `InvalidInputError` instead. Integer,
//! boolean, complex and object arrays are a `DTypeError`: their bits would not be embeddings.
//!
//! A borrowed array is read with the GIL released (as numpy's own long operations do): the
//! caller must not write to it, resize it or free its buffer from another thread during the
//! call.
//!
//! Codes in: `uint8 [N, ceil(bits/8)]` in the given byte order, or `uint64 [N, words]`, read
//! into words (a copy, checked row by row). Outputs are new arrays that own their buffers (a
//! Rust `Vec` handed to numpy, not copied).

use binaryllm_core::CodeLayout;
use binaryllm_core::bytes::{ByteOrder, from_bytes_into};
use binaryllm_engine::data::ByteDtype;
use numpy::{
    PyArray1, PyArray2, PyArrayDescrMethods, PyArrayMethods, PyReadonlyArray2, PyUntypedArray,
    PyUntypedArrayMethods, dtype,
};
use pyo3::prelude::*;

use crate::errors::{self, dtype as dtype_error, input};

/// A float matrix read from Python: borrowed from the caller's array, or from the one
/// conversion of it.
pub struct Floats<'py> {
    array: PyReadonlyArray2<'py, f32>,
    /// Whether the input was converted (copied) to make it.
    pub converted: bool,
}

impl std::fmt::Debug for Floats<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Floats")
            .field("rows", &self.rows())
            .field("dims", &self.dims())
            .field("converted", &self.converted)
            .finish()
    }
}

impl Floats<'_> {
    /// Rows.
    pub fn rows(&self) -> usize {
        self.array.shape()[0]
    }

    /// Columns.
    pub fn dims(&self) -> usize {
        self.array.shape()[1]
    }

    /// The values, row-major.
    pub fn values(&self) -> &[f32] {
        // A C-contiguous array (checked when it was made) is one slice.
        self.array.as_slice().unwrap_or(&[])
    }
}

/// The numpy array of `x`, or `numpy.asarray(x)` (refused when `copy` is `Some(false)`).
fn ndarray<'py>(
    x: &Bound<'py, PyAny>,
    what: &str,
    copy: Option<bool>,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    if let Ok(a) = x.cast::<PyUntypedArray>() {
        return Ok(a.clone());
    }
    if copy == Some(false) {
        return Err(input(format!(
            "{what}: a {} is not a numpy array, and converting it is a copy (copy=False)",
            type_name(x)
        )));
    }
    let np = x.py().import("numpy")?;
    let converted = np
        .call_method1("asarray", (x,))
        .map_err(|e| dtype_error(format!("{what}: cannot be read as a numpy array ({e})")))?;
    Ok(converted.cast_into::<PyUntypedArray>()?)
}

fn type_name(x: &Bound<'_, PyAny>) -> String {
    x.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "value".to_string())
}

fn dtype_name(a: &Bound<'_, PyUntypedArray>) -> String {
    a.dtype().to_string()
}

/// Whether numpy says `a`'s data is aligned for its dtype (a view made with `np.frombuffer` at
/// an odd offset is not; its elements cannot be read as a Rust slice).
fn aligned(a: &Bound<'_, PyUntypedArray>) -> PyResult<bool> {
    a.getattr("flags")?.getattr("aligned")?.extract()
}

/// A C-contiguous, aligned copy of `a` with `dtype` (numpy's `ascontiguousarray` keeps a
/// misaligned array as it is).
fn aligned_copy<'py>(
    a: &Bound<'py, PyUntypedArray>,
    dtype: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let np = a.py().import("numpy")?;
    let kw = pyo3::types::PyDict::new(a.py());
    kw.set_item("dtype", dtype)?;
    kw.set_item("order", "C")?;
    kw.set_item("copy", true)?;
    np.call_method("array", (a,), Some(&kw))
}

/// Checks that `a` has two dimensions.
fn check_2d(a: &Bound<'_, PyUntypedArray>, what: &str, form: &str) -> PyResult<()> {
    if a.ndim() == 2 {
        return Ok(());
    }
    let hint = if a.ndim() == 1 {
        " (one vector: x[None, :])"
    } else {
        ""
    };
    Err(input(format!(
        "{what}: expected a 2-D array {form}, got {}-D shape {:?}{hint}",
        a.ndim(),
        a.shape()
    )))
}

/// `x` as a C-contiguous `float32 [N, D]` matrix (see the module docs for what is borrowed and
/// what converted).
pub fn floats<'py>(x: &Bound<'py, PyAny>, what: &str, copy: Option<bool>) -> PyResult<Floats<'py>> {
    let a = ndarray(x, what, copy)?;
    check_2d(&a, what, "[N, D] of floats")?;
    let descr = a.dtype();
    if descr.kind() != b'f' {
        return Err(dtype_error(format!(
            "{what}: dtype {} is not a floating-point type (float16, float32 or float64 embeddings)",
            dtype_name(&a)
        )));
    }
    let native_f32 = descr.is_equiv_to(&dtype::<f32>(x.py()));
    let aligned = aligned(&a)?;
    if native_f32 && a.is_c_contiguous() && aligned {
        let array = a.cast::<PyArray2<f32>>()?.try_readonly().map_err(|e| {
            input(format!(
                "{what}: the array is being written elsewhere ({e})"
            ))
        })?;
        return Ok(Floats {
            array,
            converted: false,
        });
    }
    if copy == Some(false) {
        return Err(input(format!(
            "{what}: a {} array{} must be copied to C-contiguous float32 (copy=False)",
            dtype_name(&a),
            if !a.is_c_contiguous() {
                " that is not C-contiguous"
            } else if !aligned {
                " that is not aligned"
            } else {
                ""
            }
        )));
    }
    let f32_type = x.py().import("numpy")?.getattr("float32")?;
    let c = aligned_copy(&a, f32_type)?;
    let array = c.cast_into::<PyArray2<f32>>()?.readonly();
    Ok(Floats {
        array,
        converted: true,
    })
}

/// Packed codes read from Python as words.
#[derive(Debug)]
pub struct Codes {
    /// Their layout.
    pub layout: CodeLayout,
    /// `rows · layout.words()` words.
    pub words: Vec<u64>,
}

impl Codes {
    /// Rows.
    pub fn rows(&self) -> usize {
        self.words.len() / self.layout.words().max(1)
    }
}

/// The code layout of `bits`, as an `InvalidInputError` naming `what` when it is invalid.
pub fn layout(bits: usize, what: &str) -> PyResult<CodeLayout> {
    CodeLayout::new(bits).map_err(|e| errors::typed(&format!("{what}: bits = {bits}"), e))
}

/// `x` as codes of `bits` bits: `uint8 [N, ceil(bits/8)]` in `order`, or `uint64 [N, words]`.
pub fn codes(x: &Bound<'_, PyAny>, bits: usize, order: ByteOrder, what: &str) -> PyResult<Codes> {
    let layout = layout(bits, what)?;
    let a = ndarray(x, what, None)?;
    let a = if aligned(&a)? {
        a
    } else {
        aligned_copy(&a, a.dtype().into_any())?.cast_into::<PyUntypedArray>()?
    };
    let py = x.py();
    let descr = a.dtype();
    if descr.is_equiv_to(&dtype::<u64>(py)) {
        let words = elements::<u64>(&a, layout.words(), what, "uint64 [N, words]", "words")?;
        for (i, code) in words.chunks_exact(layout.words()).enumerate() {
            layout
                .check(code)
                .map_err(|e| errors::typed(&format!("{what}: row {i}"), e))?;
        }
        return Ok(Codes { layout, words });
    }
    if descr.is_equiv_to(&dtype::<u8>(py)) {
        let form = "uint8 [N, ceil(bits/8)]";
        let bytes = elements::<u8>(&a, layout.bytes(), what, form, "bytes")?;
        let (w, nb) = (layout.words(), layout.bytes());
        let mut words = vec![0u64; bytes.len() / nb * w];
        for (i, (b, o)) in bytes
            .chunks_exact(nb)
            .zip(words.chunks_exact_mut(w))
            .enumerate()
        {
            from_bytes_into(layout, b, order, o)
                .map_err(|e| errors::typed(&format!("{what}: row {i}"), e))?;
        }
        return Ok(Codes { layout, words });
    }
    Err(dtype_error(format!(
        "{what}: dtype {} is not a code type (uint8 [N, ceil(bits/8)] or uint64 [N, words])",
        dtype_name(&a)
    )))
}

/// `x` as codes made by any tool, for the bit-order doctor: a 2-D `uint8`, `int8` or `bool`
/// array, returned as its dtype, its columns and its bytes as stored (row-major, a copy).
pub fn byte_codes(x: &Bound<'_, PyAny>, what: &str) -> PyResult<(ByteDtype, usize, Vec<u8>)> {
    let a = ndarray(x, what, None)?;
    let form = "[N, bytes] (or [N, bits] of 0/1)";
    check_2d(&a, what, form)?;
    let cols = a.shape()[1];
    let py = x.py();
    let descr = a.dtype();
    if descr.is_equiv_to(&dtype::<u8>(py)) {
        return Ok((
            ByteDtype::Uint8,
            cols,
            elements::<u8>(&a, cols, what, form, "bytes")?,
        ));
    }
    if descr.is_equiv_to(&dtype::<i8>(py)) {
        let v = elements::<i8>(&a, cols, what, form, "bytes")?;
        return Ok((
            ByteDtype::Int8,
            cols,
            v.into_iter().map(|b| b as u8).collect(),
        ));
    }
    if descr.is_equiv_to(&dtype::<bool>(py)) {
        let v = elements::<bool>(&a, cols, what, form, "bits")?;
        return Ok((ByteDtype::Bool, cols, v.into_iter().map(u8::from).collect()));
    }
    Err(dtype_error(format!(
        "{what}: dtype {} is not a code type (uint8, int8 or bool)",
        dtype_name(&a)
    )))
}

/// The elements of the `T` array `a`, row-major, after checking that it is 2-D (`form` names
/// the expected shape) with `width` columns of `unit`.
fn elements<T: numpy::Element + Copy>(
    a: &Bound<'_, PyUntypedArray>,
    width: usize,
    what: &str,
    form: &str,
    unit: &str,
) -> PyResult<Vec<T>> {
    check_2d(a, what, form)?;
    check_width(a, width, what, unit)?;
    let arr = a.cast::<PyArray2<T>>()?;
    Ok(arr
        .to_vec()
        .unwrap_or_else(|_| arr.to_owned_array().into_iter().collect()))
}

fn check_width(
    a: &Bound<'_, PyUntypedArray>,
    expected: usize,
    what: &str,
    unit: &str,
) -> PyResult<()> {
    let got = a.shape()[1];
    if got == expected {
        return Ok(());
    }
    Err(input(format!(
        "{what}: {got} {unit} per code, the index's codes have {expected}"
    )))
}

/// A new `[rows, cols]` array owning `v`.
pub fn matrix<'py, T: numpy::Element>(
    py: Python<'py>,
    v: Vec<T>,
    rows: usize,
    cols: usize,
) -> PyResult<Bound<'py, PyArray2<T>>> {
    PyArray1::from_vec(py, v).reshape([rows, cols])
}
