//! Errors across the FFI boundary: every failure becomes one of the exception classes of
//! `binaryllm._errors` (all subclasses of `binaryllm.Error`), carrying the library's message
//! (stage, what, where); a Rust panic becomes `binaryllm.InternalError`, never a crash or a
//! `pyo3_runtime.PanicException`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::prelude::*;
use pyo3::types::PyType;

/// Which `binaryllm` exception a failure raises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `InvalidInputError` (a `ValueError`): a value, shape or parameter the library rejects.
    Input,
    /// `DTypeError` (a `TypeError`): an array of a dtype that cannot be converted.
    DType,
    /// `FileError` (an `OSError`): a file that cannot be read or written.
    File,
    /// `InternalError` (a `RuntimeError`): a bug in binaryllm (a Rust panic).
    Internal,
}

impl Kind {
    const fn class_name(self) -> &'static str {
        match self {
            Kind::Input => "InvalidInputError",
            Kind::DType => "DTypeError",
            Kind::File => "FileError",
            Kind::Internal => "InternalError",
        }
    }
}

/// The exception of `kind` with `message`.
pub fn error(kind: Kind, message: impl Into<String>) -> PyErr {
    let message = message.into();
    Python::attach(|py| {
        let class = py
            .import("binaryllm._errors")
            .and_then(|m| m.getattr(kind.class_name()))
            .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
        match class {
            Ok(class) => PyErr::from_type(class, message),
            Err(e) => e,
        }
    })
}

/// `InvalidInputError(message)`.
pub fn input(message: impl Into<String>) -> PyErr {
    error(Kind::Input, message)
}

/// `DTypeError(message)`.
pub fn dtype(message: impl Into<String>) -> PyErr {
    error(Kind::DType, message)
}

/// A library error as an exception: its whole chain (`stage: what: cause`) as the message,
/// `FileError` when an I/O error is in the chain, else `InvalidInputError`.
pub fn library(e: &anyhow::Error) -> PyErr {
    let io = e
        .chain()
        .any(|c| c.downcast_ref::<std::io::Error>().is_some());
    error(if io { Kind::File } else { Kind::Input }, format!("{e:#}"))
}

/// A typed error of the library (a `thiserror` enum) as `InvalidInputError`, after `context`.
pub fn typed(context: &str, e: impl std::fmt::Display) -> PyErr {
    input(format!("{context}: {e}"))
}

/// Runs `f`, turning a panic into `binaryllm.InternalError` (with the panic's message).
pub fn guarded<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            Err(error(
                Kind::Internal,
                format!("internal error (a bug in binaryllm, please report it): {what}"),
            ))
        }
    }
}
