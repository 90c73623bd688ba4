//! `binaryllm.inspect` and `binaryllm.convert`: the bit-order doctor of the engine
//! (`binaryllm_engine::engine::inspect`) on numpy arrays.

use binaryllm_core::bytes::ByteOrder;
use binaryllm_engine::Stage;
use binaryllm_engine::data::ByteDtype;
use binaryllm_engine::engine::inspect::{self as doctor, Layout, Polarity, Storage};
use binaryllm_engine::ops::inspect::InspectReport;
use pyo3::prelude::*;

use crate::arrays;
use crate::errors::{guarded, input, typed};
use crate::{CodeOrder, codes_out};

/// What layout ``codes`` (made by another tool: ``uint8``/``int8`` ``[N, bytes]`` or
/// ``bool``/``uint8`` ``[N, dims]`` of 0/1) use, told from the ``floats`` ``[N, dims]`` they
/// were made from (the same rows; the codes must be their signs, no projection).
///
/// Returns the report of ``binaryllm inspect --json`` as a dict: ``verdict``
/// (``"identified"``, ``"ambiguous"`` or ``"unexplained"``), ``layout`` (``storage``,
/// ``bit_order``, ``signed_offset``, ``polarity``), ``threshold`` (``rule``: ``">=0"``,
/// ``">0"``, ``"signbit"``, …, with the zero counts), ``fits`` (every candidate layout with the
/// coordinates it explains), ``evidence`` (the report's lines) and ``convert_args`` (the
/// keyword arguments of :func:`convert`, when identified).
#[pyfunction]
pub fn inspect<'py>(
    py: Python<'py>,
    codes: &Bound<'py, PyAny>,
    floats: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    guarded(|| {
        let (dtype, cols, bytes) = arrays::byte_codes(codes, "codes")?;
        let x = arrays::floats(floats, "floats", None)?;
        let (values, dims) = (x.values(), x.dims());
        let found = py
            .detach(|| doctor::inspect(&bytes, cols, values, dims))
            .map_err(|e| typed(&format!("{}: inspect", Stage::Interop), e))?;
        let report = InspectReport {
            request: None,
            dtype,
            inspection: found,
        };
        let text = report.to_json().to_string();
        py.import("json")?.call_method1("loads", (text,))
    })
}

/// ``codes`` made by another tool, in ``layout``, as binaryllm codes: ``uint8 [N,
/// ceil(bits/8)]`` in ``order`` (``"faiss"``, LSB-first, default; ``"packbits"``) or
/// ``uint64`` words (``"u64"``). The keyword arguments are ``inspect(...)["convert_args"]``:
/// ``bit_order`` (``"lsb"``/``"msb"``, packed codes) or ``unpacked=True`` (one byte per
/// bit), ``signed_offset`` (sentence-transformers' ``binary`` form), ``polarity``
/// (``"negative"``: a set bit is a negative value, Weaviate), ``bits`` (default: 8 × the
/// bytes per row, or the columns when unpacked).
#[pyfunction]
#[pyo3(signature = (codes, *, bit_order = None, unpacked = false, signed_offset = false, polarity = "positive", bits = None, order = "faiss"))]
#[allow(clippy::too_many_arguments)]
pub fn convert<'py>(
    py: Python<'py>,
    codes: &Bound<'py, PyAny>,
    bit_order: Option<&str>,
    unpacked: bool,
    signed_offset: bool,
    polarity: &str,
    bits: Option<usize>,
    order: &str,
) -> PyResult<Bound<'py, PyAny>> {
    guarded(|| {
        let storage = match (bit_order, unpacked) {
            (None, true) => Storage::Unpacked,
            (Some("lsb"), false) => Storage::Packed(ByteOrder::Lsb),
            (Some("msb"), false) => Storage::Packed(ByteOrder::Msb),
            (Some(_), true) => {
                return Err(input(
                    "convert: bit_order is for packed codes, not unpacked=True",
                ));
            }
            (Some(o), false) => {
                return Err(input(format!(
                    "convert: bit_order {o:?}: expected \"lsb\" or \"msb\""
                )));
            }
            (None, false) => {
                return Err(input(
                    "convert: give bit_order=\"lsb\" or \"msb\" (packed codes) or unpacked=True (binaryllm.inspect tells which)",
                ));
            }
        };
        if signed_offset && storage == Storage::Unpacked {
            return Err(input(
                "convert: signed_offset is for packed bytes, not unpacked=True",
            ));
        }
        let polarity = match polarity {
            "positive" => Polarity::Positive,
            "negative" => Polarity::Negative,
            _ => {
                return Err(input(format!(
                    "convert: polarity {polarity:?}: expected \"positive\" or \"negative\""
                )));
            }
        };
        let order = CodeOrder::parse(order)?;
        let (dtype, cols, bytes) = arrays::byte_codes(codes, "codes")?;
        if dtype == ByteDtype::Bool && storage != Storage::Unpacked {
            return Err(input(
                "convert: codes is a bool array (one bit per element): use unpacked=True",
            ));
        }
        let bits = bits.unwrap_or(match storage {
            Storage::Unpacked => cols,
            Storage::Packed(_) => 8 * cols,
        });
        let layout = Layout {
            storage,
            signed_offset,
            polarity,
        };
        let converted = py
            .detach(|| doctor::convert(&bytes, cols, bits, &layout))
            .map_err(|e| typed(&format!("{}: convert", Stage::Interop), e))?;
        codes_out(py, converted, order)
    })
}
