//! File readers and writers: `.npy` (via `npyz`), `.fvecs` / `.ivecs`, and atomic writes.
//!
//! Float matrices are read from `.npy` float16, float32 or float64 (C order, any byte order)
//! and from `.fvecs`; integer arrays (labels, ground-truth ids) from any `.npy` integer dtype
//! and from `.ivecs`. Every error is a [`DataError`] naming the file. Writers go through
//! [`atomic_write`]: a temporary file next to the target, renamed into place on success and
//! removed on failure, so no half-written file is ever left behind.

use std::fmt;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use half::f16;
use npyz::{DType, NpyFile, Order, TypeChar, WriterBuilder};

/// A dense row-major f32 matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// `rows · cols` values, row-major.
    pub data: Vec<f32>,
}

impl Matrix {
    /// A matrix from row-major `data` (`data.len() == rows · cols`).
    pub fn new(rows: usize, cols: usize, data: Vec<f32>) -> Self {
        debug_assert_eq!(rows * cols, data.len());
        Self { rows, cols, data }
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Iterator over the rows.
    pub fn iter_rows(&self) -> std::slice::ChunksExact<'_, f32> {
        self.data.chunks_exact(self.cols.max(1))
    }
}

/// An integer array read from a file: `rows × cols` (`cols == 1` for a 1-d array).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntArray {
    /// Number of rows (the length of a 1-d array).
    pub rows: usize,
    /// Number of columns (1 for a 1-d array).
    pub cols: usize,
    /// Whether the file held a 1-d array.
    pub one_d: bool,
    /// The values, row-major.
    pub data: Vec<i64>,
}

/// The dtypes [`read_matrix`] accepts.
pub const FLOAT_DTYPES: &str = "float16, float32, float64";
/// The dtypes [`read_ints`] accepts.
pub const INT_DTYPES: &str = "int8..int64, uint8..uint64";

/// A data file could not be used. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The file could not be opened or read. (The OS error is the `source`, not repeated in
    /// the message: `main` prints the chain `{:#}`, so it appears once.)
    #[error("{}: cannot read", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The file is not a `.npy` file (bad magic or unparsable header).
    #[error("{}: not a .npy file ({detail})", path.display())]
    NotNpy {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// The file ends before the data its header promises.
    #[error("{}: truncated: the header promises {expected} data bytes, the file has {actual}", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Data bytes the header promises.
        expected: u64,
        /// Data bytes present.
        actual: u64,
    },
    /// The header's shape has more elements than any file can hold (their byte count
    /// overflows 64 bits).
    #[error("{}: the header claims shape {shape:?}, more bytes than 64 bits can count", path.display())]
    Oversized {
        /// The file.
        path: PathBuf,
        /// The header's shape.
        shape: Vec<u64>,
    },
    /// The element type is not one this reader accepts.
    #[error("{}: unsupported dtype {dtype} (supported: {supported})", path.display())]
    Dtype {
        /// The file.
        path: PathBuf,
        /// The file's dtype string, e.g. `<i4`.
        dtype: String,
        /// The accepted dtypes.
        supported: &'static str,
    },
    /// The array is stored in Fortran (column-major) order.
    #[error("{}: Fortran-order array; save it in C order (numpy.ascontiguousarray)", path.display())]
    FortranOrder {
        /// The file.
        path: PathBuf,
    },
    /// The array has the wrong number of dimensions.
    #[error("{}: expected a {expected} array, got shape {shape:?}", path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// What was expected, e.g. `2-d [rows, dims]`.
        expected: &'static str,
        /// The file's shape.
        shape: Vec<u64>,
    },
    /// The array has no rows (or no columns).
    #[error("{}: zero rows (shape {shape:?}); nothing to evaluate", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
        /// The file's shape.
        shape: Vec<u64>,
    },
    /// A value is NaN or infinite.
    #[error("{}: row {row}, column {col} is not finite ({value})", path.display())]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// Row of the first bad value.
        row: usize,
        /// Column of the first bad value.
        col: usize,
        /// The value.
        value: f64,
    },
    /// A uint64 value does not fit the signed 64-bit integers labels and ids are read as.
    #[error("{}: row {row}, column {col}: {value} does not fit in a signed 64-bit integer", path.display())]
    IntRange {
        /// The file.
        path: PathBuf,
        /// Row of the first bad value.
        row: usize,
        /// Column of the first bad value.
        col: usize,
        /// The value.
        value: u64,
    },
    /// An `.fvecs` / `.ivecs` file is malformed.
    #[error("{}: malformed {format} file: {detail}", path.display())]
    Vecs {
        /// The file.
        path: PathBuf,
        /// `fvecs` or `ivecs`.
        format: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The file's sha256 differs from the catalog's.
    #[error("{}: sha256 {actual} differs from the catalog's {expected} (file changed or corrupt)", path.display())]
    Checksum {
        /// The file.
        path: PathBuf,
        /// The catalog's digest.
        expected: String,
        /// The file's digest.
        actual: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> DataError + '_ {
    move |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The file's format, from its extension: `.fvecs`, `.ivecs`, else `.npy`.
fn is_ext(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// A parsed `.npy` header plus the raw file.
struct Npy {
    header: npyz::NpyHeader,
    dtype: DType,
    shape: Vec<u64>,
    file: Vec<u8>,
    data_start: usize,
}

/// What a `.npy` header says about the array after it: what a caller that maps the file
/// (instead of reading it) needs to find and check the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NpyLayout {
    /// The dtype as numpy writes it, e.g. `<f4`, `|u1` (a structured dtype's description
    /// for anything else).
    pub descr: String,
    /// The shape.
    pub shape: Vec<u64>,
    /// Whether the array is stored in Fortran (column-major) order.
    pub fortran_order: bool,
    /// The byte offset of the first data byte (the end of the header).
    pub data_offset: usize,
}

/// Parses the header of a `.npy` file (`file` may be a memory mapping of it) without reading
/// its data: the one `.npy` header parser, behind [`read_matrix`], [`read_ints`],
/// [`read_u8_matrix`] and every mapped reader. Refuses what would make the parser misbehave
/// (a header longer than the file, deep bracket nesting, a shape that is not a tuple of
/// integers or whose element count overflows). Never panics, whatever the bytes.
pub fn npy_layout(path: &Path, file: &[u8]) -> Result<NpyLayout, DataError> {
    let h = parse_header(path, file)?;
    Ok(NpyLayout {
        descr: match &h.dtype {
            DType::Plain(ts) => ts.to_string(),
            other => other.descr(),
        },
        shape: h.shape,
        fortran_order: h.order == Order::Fortran,
        data_offset: h.data_start,
    })
}

/// A header as npyz parsed it, after [`check_header_text`] and the shape checks.
struct Header {
    header: npyz::NpyHeader,
    dtype: DType,
    shape: Vec<u64>,
    order: Order,
    data_start: usize,
}

fn not_npy(path: &Path, detail: String) -> DataError {
    DataError::NotNpy {
        path: path.to_path_buf(),
        detail,
    }
}

/// Checks the preamble and the raw header text before npyz parses them.
fn check_header_text(path: &Path, file: &[u8]) -> Result<(), DataError> {
    if !file.starts_with(b"\x93NUMPY") {
        return Err(not_npy(path, "missing the \\x93NUMPY magic".into()));
    }
    let Some((start, len)) = header_span(file) else {
        return Ok(());
    };
    // npyz allocates the header length the preamble claims before reading it: check it
    // against the file first.
    if start.saturating_add(len) > file.len() {
        let after = file.len().saturating_sub(start);
        return Err(not_npy(
            path,
            format!("the header claims {len} bytes, the file has {after} after the preamble"),
        ));
    }
    // npyz's header parser (py_literal) backtracks exponentially on deeply nested brackets
    // (100 `[` took > 10 s, found by fuzzing); numpy nests a few levels at most.
    let header = file.get(start..start.saturating_add(len)).unwrap_or(&[]);
    let mut depth = 0usize;
    for &b in header {
        match b {
            b'[' | b'(' | b'{' => depth += 1,
            b']' | b')' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_HEADER_NESTING {
            return Err(not_npy(
                path,
                format!("the header nests brackets more than {MAX_HEADER_NESTING} deep"),
            ));
        }
    }
    Ok(())
}

/// The checked header: npyz's parse of it, once the text and the shape are known to be safe
/// to hand over.
fn parse_header(path: &Path, file: &[u8]) -> Result<Header, DataError> {
    check_header_text(path, file)?;
    // npyz multiplies the shape's dimensions unchecked (an overflow panics in debug builds):
    // refuse such a header before handing it over.
    match header_shape(file) {
        Some(Err(text)) => {
            return Err(not_npy(
                path,
                format!("the shape ({text}) is not a tuple of decimal integers"),
            ));
        }
        Some(Ok(shape))
            if shape
                .iter()
                .try_fold(1u64, |a, &d| a.checked_mul(d))
                .is_none() =>
        {
            return Err(DataError::Oversized {
                path: path.to_path_buf(),
                shape,
            });
        }
        _ => {}
    }
    let npy = NpyFile::new(file).map_err(|e| not_npy(path, e.to_string()))?;
    Ok(Header {
        header: npy.header().clone(),
        dtype: npy.dtype(),
        shape: npy.shape().to_vec(),
        order: npy.order(),
        data_start: file.len() - npy.into_inner().len(),
    })
}

fn open_npy(path: &Path, file: Vec<u8>) -> Result<Npy, DataError> {
    let h = parse_header(path, &file)?;
    if h.order == Order::Fortran && h.shape.iter().filter(|&&d| d > 1).count() > 1 {
        return Err(DataError::FortranOrder {
            path: path.to_path_buf(),
        });
    }
    Ok(Npy {
        header: h.header,
        dtype: h.dtype,
        shape: h.shape,
        data_start: h.data_start,
        file,
    })
}

/// Deepest bracket nesting accepted in a `.npy` header (a plain array header nests 2: the dict and the shape tuple; deeper nesting, e.g. structured dtypes, is not a matrix we read).
const MAX_HEADER_NESTING: usize = 4;

/// `(offset, length)` of a `.npy` header text as the preamble states it (version 1: a u16
/// length after 8 bytes; versions 2 and 3: a u32), or `None` for a file shorter than that.
fn header_span(file: &[u8]) -> Option<(usize, usize)> {
    match file.get(6)? {
        1 => Some((
            10,
            usize::from(u16::from_le_bytes([*file.get(8)?, *file.get(9)?])),
        )),
        _ => Some((
            12,
            u32::from_le_bytes(file.get(8..12)?.try_into().ok()?) as usize,
        )),
    }
}

/// The `shape` of a `.npy` header as numpy writes it (`'shape': (a, b, ...)`), read without
/// trusting anything; `None` when the header is not in that form (npyz then judges it),
/// `Some(Err(text))` when the shape holds anything but decimal integers (npyz would evaluate
/// expressions such as `1+2` and multiply the results unchecked).
fn header_shape(file: &[u8]) -> Option<Result<Vec<u64>, String>> {
    let (start, len) = header_span(file)?;
    let header = file.get(start..start.checked_add(len)?.min(file.len()))?;
    let text = std::str::from_utf8(header).ok()?;
    let at = ["'shape'", "\"shape\""]
        .iter()
        .filter_map(|k| text.rfind(k).map(|i| i + k.len()))
        .max()?;
    let rest = text[at..].trim_start().strip_prefix(':')?.trim_start();
    let (open, close) = match rest.chars().next()? {
        '(' => ('(', ')'),
        '[' => ('[', ']'),
        _ => return None,
    };
    let inner = rest.strip_prefix(open)?.split(close).next()?;
    Some(
        inner
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| d.trim_end_matches('L').parse::<u64>().ok())
            .collect::<Option<Vec<u64>>>()
            .ok_or_else(|| inner.chars().take(80).collect()),
    )
}

impl Npy {
    fn type_str(&self, path: &Path, supported: &'static str) -> Result<npyz::TypeStr, DataError> {
        match &self.dtype {
            DType::Plain(ts) => Ok(ts.clone()),
            other => Err(DataError::Dtype {
                path: path.to_path_buf(),
                dtype: other.descr(),
                supported,
            }),
        }
    }

    /// Checks the data size against the header and returns the element count.
    fn check_size(&self, path: &Path, item: usize) -> Result<usize, DataError> {
        check_data_size(path, &self.shape, self.data_bytes(), item)
    }

    fn data_bytes(&self) -> usize {
        self.file.len().saturating_sub(self.data_start)
    }

    fn reader(&self) -> Result<NpyFile<&[u8]>, io::Error> {
        Ok(NpyFile::with_header(
            self.header.clone(),
            &self.file[self.data_start..],
        ))
    }
}

fn two_d(path: &Path, shape: &[u64]) -> Result<(usize, usize), DataError> {
    match *shape {
        [r, c] => {
            if r == 0 || c == 0 {
                Err(DataError::Empty {
                    path: path.to_path_buf(),
                    shape: shape.to_vec(),
                })
            } else {
                Ok((r as usize, c as usize))
            }
        }
        _ => Err(DataError::Shape {
            path: path.to_path_buf(),
            expected: "2-d [rows, dims]",
            shape: shape.to_vec(),
        }),
    }
}

/// Reads a float matrix from `.npy` (float16/32/64, C order) or `.fvecs`, checking that every
/// value is finite and that there is at least one row.
pub fn read_matrix(path: &Path) -> Result<Matrix, DataError> {
    let bytes = fs::read(path).map_err(io_err(path))?;
    parse_matrix(path, bytes)
}

/// [`read_matrix`] on the bytes of a file already read: `path` picks the format (by its
/// extension) and names the file in errors. Never panics, whatever the bytes.
pub fn parse_matrix(path: &Path, bytes: Vec<u8>) -> Result<Matrix, DataError> {
    if is_ext(path, "fvecs") {
        let m = read_fvecs(path, &bytes)?;
        check_finite(path, &m)?;
        Ok(m)
    } else {
        // Checked for finiteness as it is converted (NpyFloatLayout::convert_rows).
        read_npy_matrix(path, bytes)
    }
}

fn check_finite(path: &Path, m: &Matrix) -> Result<(), DataError> {
    if let Some(i) = m.data.iter().position(|v| !v.is_finite()) {
        return Err(DataError::NonFinite {
            path: path.to_path_buf(),
            row: i / m.cols,
            col: i % m.cols,
            value: f64::from(m.data[i]),
        });
    }
    Ok(())
}

fn read_npy_matrix(path: &Path, bytes: Vec<u8>) -> Result<Matrix, DataError> {
    let layout = npy_float_layout(path, &bytes)?;
    let mut data = Vec::new();
    layout.convert_rows(path, &bytes, 0..layout.rows, &mut data)?;
    Ok(Matrix::new(layout.rows, layout.cols, data))
}

/// How the values of a float `.npy` matrix are stored: `bytes` per value (2 = float16,
/// 4 = float32, 8 = float64) in either byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloatEncoding {
    /// Bytes per value: 2, 4 or 8.
    pub bytes: usize,
    /// Whether the values are big-endian (`>f4`).
    pub big_endian: bool,
}

/// A float `.npy` matrix that [`read_matrix`] accepts, located in its file: what a reader that
/// maps the file needs to convert its rows block by block ([`NpyFloatLayout::convert_rows`],
/// the one conversion [`read_matrix`] also uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NpyFloatLayout {
    /// Rows (at least 1).
    pub rows: usize,
    /// Values per row (at least 1).
    pub cols: usize,
    /// How the values are stored.
    pub encoding: FloatEncoding,
    /// Byte offset of the first value in the file.
    pub data_offset: usize,
}

/// Checks a float `.npy` file (`file` may be a memory mapping of it) as [`read_matrix`] does —
/// the header ([`npy_layout`]'s parser), C order, a float16/32/64 dtype, 2-d with at least one
/// row and column, data bytes for every value — without converting its data. Errors are those
/// of [`read_matrix`], in the same order.
pub fn npy_float_layout(path: &Path, file: &[u8]) -> Result<NpyFloatLayout, DataError> {
    let h = parse_header(path, file)?;
    if h.order == Order::Fortran && h.shape.iter().filter(|&&d| d > 1).count() > 1 {
        return Err(DataError::FortranOrder {
            path: path.to_path_buf(),
        });
    }
    let ts = match &h.dtype {
        DType::Plain(ts) => ts.clone(),
        other => {
            return Err(DataError::Dtype {
                path: path.to_path_buf(),
                dtype: other.descr(),
                supported: FLOAT_DTYPES,
            });
        }
    };
    let bytes = match (ts.type_char(), ts.size_field()) {
        (TypeChar::Float, 2 | 4 | 8) => ts.size_field() as usize,
        _ => {
            return Err(DataError::Dtype {
                path: path.to_path_buf(),
                dtype: ts.to_string(),
                supported: FLOAT_DTYPES,
            });
        }
    };
    let (rows, cols) = two_d(path, &h.shape)?;
    check_data_size(
        path,
        &h.shape,
        file.len().saturating_sub(h.data_start),
        bytes,
    )?;
    Ok(NpyFloatLayout {
        rows,
        cols,
        encoding: FloatEncoding {
            bytes,
            big_endian: ts.endianness() == npyz::Endianness::Big,
        },
        data_offset: h.data_start,
    })
}

impl NpyFloatLayout {
    /// Bytes per row in the file.
    pub fn row_bytes(&self) -> usize {
        self.cols * self.encoding.bytes
    }

    /// Replaces `out` by the values of rows `rows` of `file` (the whole file the layout was
    /// read from, or its mapping) as f32, checking each as [`read_matrix`] does: the first value
    /// that is not finite (for float64: or beyond the f32 range) is a
    /// [`DataError::NonFinite`] naming its row of the whole matrix, its column and its value.
    /// `rows` must lie within `0..self.rows`.
    pub fn convert_rows(
        &self,
        path: &Path,
        file: &[u8],
        rows: std::ops::Range<usize>,
        out: &mut Vec<f32>,
    ) -> Result<(), DataError> {
        let start = self.data_offset + rows.start * self.row_bytes();
        let end = self.data_offset + rows.end * self.row_bytes();
        let raw = &file[start..end];
        let be = self.encoding.big_endian;
        out.clear();
        out.reserve(raw.len() / self.encoding.bytes);
        let bad = |i: usize, value: f64| DataError::NonFinite {
            path: path.to_path_buf(),
            row: rows.start + i / self.cols,
            col: i % self.cols,
            value,
        };
        match self.encoding.bytes {
            2 => out.extend(raw.chunks_exact(2).map(|c| {
                let b = [c[0], c[1]];
                f32::from(f16::from_bits(if be {
                    u16::from_be_bytes(b)
                } else {
                    u16::from_le_bytes(b)
                }))
            })),
            4 => out.extend(raw.chunks_exact(4).map(|c| {
                let b = [c[0], c[1], c[2], c[3]];
                if be {
                    f32::from_be_bytes(b)
                } else {
                    f32::from_le_bytes(b)
                }
            })),
            _ => {
                for (i, c) in raw.chunks_exact(8).enumerate() {
                    let b: [u8; 8] = c.try_into().unwrap_or_default();
                    let x = if be {
                        f64::from_be_bytes(b)
                    } else {
                        f64::from_le_bytes(b)
                    };
                    if !x.is_finite() || x.abs() > f64::from(f32::MAX) {
                        return Err(bad(i, x));
                    }
                    out.push(x as f32);
                }
            }
        }
        match out.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(bad(i, f64::from(out[i]))),
            None => Ok(()),
        }
    }
}

/// Checks that `data_bytes` hold every element of `shape` at `item` bytes each and returns the
/// element count ([`DataError::Oversized`] when the count overflows, else
/// [`DataError::Truncated`]).
fn check_data_size(
    path: &Path,
    shape: &[u64],
    data_bytes: usize,
    item: usize,
) -> Result<usize, DataError> {
    let actual = data_bytes as u64;
    let count = shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))
        .filter(|&c| c <= u64::MAX / item as u64);
    let Some(count) = count else {
        return Err(DataError::Oversized {
            path: path.to_path_buf(),
            shape: shape.to_vec(),
        });
    };
    let expected = count * item as u64;
    if actual < expected {
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            expected,
            actual,
        });
    }
    Ok(count as usize)
}

fn read_vecs_words(
    path: &Path,
    bytes: &[u8],
    format: &'static str,
) -> Result<(usize, usize, Vec<u32>), DataError> {
    let malformed = |detail: String| DataError::Vecs {
        path: path.to_path_buf(),
        format,
        detail,
    };
    if bytes.len() < 4 {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            shape: vec![0],
        });
    }
    if !bytes.len().is_multiple_of(4) {
        return Err(malformed(format!(
            "size {} is not a multiple of 4",
            bytes.len()
        )));
    }
    let words: Vec<u32> = bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let dims = words[0] as usize;
    if dims == 0 || dims > binaryllm_core::MAX_DIMS {
        return Err(malformed(format!("first record has dimension {dims}")));
    }
    if !words.len().is_multiple_of(dims + 1) {
        return Err(malformed(format!(
            "{} words is not a whole number of records of 1 + {dims} words (truncated?)",
            words.len()
        )));
    }
    let rows = words.len() / (dims + 1);
    let mut data = Vec::with_capacity(rows * dims);
    for (r, rec) in words.chunks_exact(dims + 1).enumerate() {
        if rec[0] as usize != dims {
            return Err(malformed(format!(
                "record {r} has dimension {}, the first has {dims}",
                rec[0]
            )));
        }
        data.extend_from_slice(&rec[1..]);
    }
    Ok((rows, dims, data))
}

fn read_fvecs(path: &Path, bytes: &[u8]) -> Result<Matrix, DataError> {
    let (rows, dims, words) = read_vecs_words(path, bytes, "fvecs")?;
    Ok(Matrix::new(
        rows,
        dims,
        words.into_iter().map(f32::from_bits).collect(),
    ))
}

/// Reads an integer array (labels `[n]` or ids `[n, k]`) from `.npy` (any integer dtype, C
/// order) or `.ivecs`.
pub fn read_ints(path: &Path) -> Result<IntArray, DataError> {
    let bytes = fs::read(path).map_err(io_err(path))?;
    parse_ints(path, bytes)
}

/// [`read_ints`] on the bytes of a file already read: `path` picks the format (by its
/// extension) and names the file in errors. Never panics, whatever the bytes.
pub fn parse_ints(path: &Path, bytes: Vec<u8>) -> Result<IntArray, DataError> {
    if is_ext(path, "ivecs") {
        let (rows, cols, words) = read_vecs_words(path, &bytes, "ivecs")?;
        return Ok(IntArray {
            rows,
            cols,
            one_d: false,
            data: words.into_iter().map(|w| i64::from(w as i32)).collect(),
        });
    }
    let npy = open_npy(path, bytes)?;
    let ts = npy.type_str(path, INT_DTYPES)?;
    let size = ts.size_field();
    let (rows, cols, one_d) = match *npy.shape.as_slice() {
        [n] => (n as usize, 1, true),
        [r, c] => (r as usize, c as usize, false),
        _ => {
            return Err(DataError::Shape {
                path: path.to_path_buf(),
                expected: "1-d [rows] or 2-d [rows, k]",
                shape: npy.shape.clone(),
            });
        }
    };
    if rows == 0 || cols == 0 {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
            shape: npy.shape.clone(),
        });
    }
    let dtype_err = || DataError::Dtype {
        path: path.to_path_buf(),
        dtype: ts.to_string(),
        supported: INT_DTYPES,
    };
    if !matches!(size, 1 | 2 | 4 | 8) {
        return Err(dtype_err());
    }
    npy.check_size(path, size as usize)?;
    let bad = |e: io::Error| DataError::NotNpy {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    let r = npy.reader().map_err(bad)?;
    let data: Vec<i64> = match (ts.type_char(), size) {
        (TypeChar::Int, 1) => conv(r.into_vec::<i8>().map_err(bad)?),
        (TypeChar::Int, 2) => conv(r.into_vec::<i16>().map_err(bad)?),
        (TypeChar::Int, 4) => conv(r.into_vec::<i32>().map_err(bad)?),
        (TypeChar::Int, _) => r.into_vec::<i64>().map_err(bad)?,
        (TypeChar::Uint, 1) => conv(r.into_vec::<u8>().map_err(bad)?),
        (TypeChar::Uint, 2) => conv(r.into_vec::<u16>().map_err(bad)?),
        (TypeChar::Uint, 4) => conv(r.into_vec::<u32>().map_err(bad)?),
        (TypeChar::Uint, _) => {
            let v = r.into_vec::<u64>().map_err(bad)?;
            if let Some(i) = v.iter().position(|&x| i64::try_from(x).is_err()) {
                return Err(DataError::IntRange {
                    path: path.to_path_buf(),
                    row: i / cols,
                    col: i % cols,
                    value: v[i],
                });
            }
            v.into_iter().map(|x| x as i64).collect()
        }
        _ => return Err(dtype_err()),
    };
    Ok(IntArray {
        rows,
        cols,
        one_d,
        data,
    })
}

/// Reads a uint8 `[N, bytes]` code file (as written by `binaryllm encode`).
pub fn read_u8_matrix(path: &Path) -> Result<(usize, usize, Vec<u8>), DataError> {
    parse_u8_matrix(path, fs::read(path).map_err(io_err(path))?)
}

/// A uint8 code matrix as read: rows, bytes per row, row-major bytes.
pub type U8Matrix = (usize, usize, Vec<u8>);

/// [`read_u8_matrix`] plus the sha256 of the file's bytes (read once).
pub fn read_u8_matrix_hashed(path: &Path) -> Result<(U8Matrix, String), DataError> {
    let file = fs::read(path).map_err(io_err(path))?;
    let sha = sha256_bytes(&file);
    Ok((parse_u8_matrix(path, file)?, sha))
}

/// Parses the bytes of a uint8 `[N, bytes]` code file read from `path`.
pub fn parse_u8_matrix(path: &Path, file: Vec<u8>) -> Result<(usize, usize, Vec<u8>), DataError> {
    let npy = open_npy(path, file)?;
    let ts = npy.type_str(path, "uint8")?;
    if ts.type_char() != TypeChar::Uint || ts.size_field() != 1 {
        return Err(DataError::Dtype {
            path: path.to_path_buf(),
            dtype: ts.to_string(),
            supported: "uint8",
        });
    }
    let (rows, cols) = two_d(path, &npy.shape)?;
    npy.check_size(path, 1)?;
    let data = npy
        .reader()
        .and_then(|r| r.into_vec::<u8>())
        .map_err(|e| DataError::NotNpy {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    Ok((rows, cols, data))
}

fn conv<T: Into<i64>>(v: Vec<T>) -> Vec<i64> {
    v.into_iter().map(Into::into).collect()
}

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

/// The bytes of a row-major array `[shape]` as `.npy` (C order, little endian).
pub fn npy_bytes<T: npyz::AutoSerialize + Copy>(shape: &[u64], data: &[T]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut npy = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(&mut out)
        .begin_nd()?;
    npy.extend(data.iter().copied())?;
    npy.finish()?;
    Ok(out)
}

/// Writes a row-major array `[shape]` of a numpy-serialisable element type as `.npy`
/// (C order, little endian), atomically.
pub fn write_npy<T: npyz::AutoSerialize + Copy>(
    path: &Path,
    shape: &[u64],
    data: &[T],
) -> Result<(), WriteError> {
    atomic_write(path, |w| {
        let mut npy = npyz::WriteOptions::new()
            .default_dtype()
            .shape(shape)
            .writer(w)
            .begin_nd()?;
        npy.extend(data.iter().copied())?;
        npy.finish()
    })
}

/// A short human description of a shape, e.g. `[5000, 384]`.
#[derive(Debug)]
pub struct ShapeDisplay<'a>(pub &'a [usize]);

impl fmt::Display for ShapeDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[")?;
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{d}")?;
        }
        write!(f, "]")
    }
}

/// Lowercase hex sha256 of a file.
pub fn sha256_file(path: &Path) -> Result<String, DataError> {
    use sha2::{Digest, Sha256};
    let mut file = fs::File::open(path).map_err(io_err(path))?;
    let mut h = Sha256::new();
    io::copy(&mut file, &mut h).map_err(io_err(path))?;
    Ok(hex(&h.finalize()))
}

/// Lowercase hex sha256 of bytes.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn npy_round_trips_f32_and_reads_f16_f64() {
        let d = tmp();
        let p = d.path().join("x.npy");
        let v = [1.0f32, -2.5, 0.0, 3.25, 5.0, -0.125];
        write_npy(&p, &[2, 3], &v).unwrap();
        let m = read_matrix(&p).unwrap();
        assert_eq!((m.rows, m.cols), (2, 3));
        assert_eq!(m.data, v);
        let h: Vec<f16> = v.iter().map(|&x| f16::from_f32(x)).collect();
        write_npy(&p, &[3, 2], &h).unwrap();
        assert_eq!(read_matrix(&p).unwrap().data, v);
        let w: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
        write_npy(&p, &[6, 1], &w).unwrap();
        assert_eq!(read_matrix(&p).unwrap().data, v);
    }

    #[test]
    fn npy_errors_name_the_file_and_the_problem() {
        let d = tmp();
        let p = d.path().join("bad.npy");
        fs::write(&p, b"hello").unwrap();
        let e = read_matrix(&p).unwrap_err();
        assert!(matches!(e, DataError::NotNpy { .. }), "{e}");
        assert!(e.to_string().contains("bad.npy"));

        write_npy(&p, &[2, 3], &[1i32; 6]).unwrap();
        assert!(matches!(read_matrix(&p), Err(DataError::Dtype { .. })));

        write_npy(&p, &[4, 2], &[1.0f32; 8]).unwrap();
        let bytes = fs::read(&p).unwrap();
        fs::write(&p, &bytes[..bytes.len() - 5]).unwrap();
        let e = read_matrix(&p).unwrap_err();
        assert!(
            matches!(
                e,
                DataError::Truncated {
                    expected: 32,
                    actual: 27,
                    ..
                }
            ),
            "{e}"
        );

        write_npy(&p, &[0, 2], &[0.0f32; 0]).unwrap();
        assert!(matches!(read_matrix(&p), Err(DataError::Empty { .. })));

        write_npy(&p, &[2, 2], &[1.0f32, f32::NAN, 0.0, 0.0]).unwrap();
        assert!(matches!(
            read_matrix(&p),
            Err(DataError::NonFinite { row: 0, col: 1, .. })
        ));
        write_npy(&p, &[2, 1], &[1.0f64, 1e300]).unwrap();
        assert!(matches!(
            read_matrix(&p),
            Err(DataError::NonFinite { row: 1, col: 0, .. })
        ));
    }

    /// Inputs the `npy_reader` fuzz target found (fuzz/README.md): each was a panic or an
    /// out-of-memory abort and must be a typed error.
    #[test]
    fn fuzz_regressions_are_typed_errors() {
        let p = Path::new("regression.npy");
        // crash-ad23eefa…: the shape's element count overflows u64 (npyz multiplied unchecked).
        let mut overflow = b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, \
            'shape': (1099511627776, 1099511627776), }"
            .to_vec();
        overflow.resize(10 + 0x76 - 1, b' ');
        overflow.push(b'\n');
        overflow.extend_from_slice(&[0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0]);
        for e in [
            parse_matrix(p, overflow.clone()).unwrap_err(),
            parse_ints(p, overflow).unwrap_err(),
        ] {
            assert!(
                matches!(&e, DataError::Oversized { shape, .. } if shape == &[1 << 40, 1 << 40]),
                "{e}"
            );
        }
        // crash-3e56242b…: a shape written as a sum (`1099+116…`), which npyz evaluates.
        let mut sum = b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, \
            'shape': (1099511627776, 1099+11627776116277776, 1099+11627776), }"
            .to_vec();
        sum.resize(127, b' ');
        sum.push(b'\n');
        sum.extend_from_slice(&[0; 24]);
        let e = parse_matrix(p, sum).unwrap_err();
        assert!(
            e.to_string().contains(
                "not a .npy file (the shape (1099511627776, 1099+11627776116277776, \
                 1099+11627776) is not a tuple of decimal integers)"
            ),
            "{e}"
        );
        // oom-fd44a38d…: a version-2 preamble claiming a 4 GiB header (npyz allocated it).
        let mut oom = b"\x93NUMPY\x02\x00\x8c\xff\xff\xff\x84\x8c\xd8\x91dcr': '|u1', \
            'fortran_order': False, 'shape':\r\n          *\x00\x00\x00    \n"
            .to_vec();
        oom.extend(0u8..16);
        let e = parse_matrix(p, oom).unwrap_err();
        assert!(
            e.to_string()
                .contains("not a .npy file (the header claims 4294967180 bytes, the file has"),
            "{e}"
        );
        // timeout-264d50c1…: 100 nested `[` made npyz's header parser backtrack for > 10 s.
        let mut deep = b"\x93NUMPY\x01\x00v\x00{".to_vec();
        deep.extend_from_slice(&[b'['; 100]);
        deep.extend_from_slice(b"'d)scr': '<f4', ['fortran_order': True, 'shape': (2, 3), }");
        deep.resize(127, b' ');
        deep.push(b'\n');
        deep.extend_from_slice(&[0; 24]);
        let t = std::time::Instant::now();
        let e = parse_matrix(p, deep).unwrap_err();
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
        assert!(
            e.to_string()
                .contains("not a .npy file (the header nests brackets more than 4 deep)"),
            "{e}"
        );
        // timeout-24eb201d…: 15 nested `{` after a string of escaped backslashes hung npyz's
        // parser for minutes (it passed the first limit, 16).
        let hang = include_bytes!("../../fuzz/seeds/npy_reader/regression-timeout-24eb201d");
        let t = std::time::Instant::now();
        let e = parse_matrix(p, hang.to_vec()).unwrap_err();
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
        assert!(
            e.to_string()
                .contains("not a .npy file (the header nests brackets more than 4 deep)"),
            "{e}"
        );
    }

    #[test]
    fn npy_layout_reports_dtype_shape_order_and_data_offset() {
        let bytes = npy_bytes(&[2, 3], &[1.0f32; 6]).unwrap();
        let l = npy_layout(Path::new("x.npy"), &bytes).unwrap();
        assert_eq!(
            (l.descr.as_str(), l.shape.as_slice()),
            ("<f4", &[2u64, 3][..])
        );
        assert!(!l.fortran_order);
        assert_eq!(bytes.len() - l.data_offset, 24);
        assert_eq!(
            &bytes[l.data_offset..l.data_offset + 4],
            &1.0f32.to_le_bytes()
        );
        let codes = npy_bytes(&[4], &[7u8; 4]).unwrap();
        assert_eq!(npy_layout(Path::new("c.npy"), &codes).unwrap().descr, "|u1");
        let e = npy_layout(Path::new("bad.npy"), b"hello").unwrap_err();
        assert!(matches!(e, DataError::NotNpy { .. }), "{e}");
    }

    #[test]
    fn fortran_order_is_refused() {
        let d = tmp();
        let p = d.path().join("f.npy");
        write_npy(&p, &[2, 3], &[0.0f32; 6]).unwrap();
        let mut s = fs::read(&p).unwrap();
        // Same length: the header keeps its size.
        let (from, to) = (
            &b"'fortran_order': False"[..],
            &b"'fortran_order': True "[..],
        );
        let at = s.windows(from.len()).position(|w| w == from).unwrap();
        s[at..at + from.len()].copy_from_slice(to);
        fs::write(&p, &s).unwrap();
        let e = read_matrix(&p).unwrap_err();
        assert!(matches!(e, DataError::FortranOrder { .. }), "{e}");
    }

    #[test]
    fn fvecs_and_ivecs_read_and_reject_ragged_files() {
        let d = tmp();
        let p = d.path().join("x.fvecs");
        let mut b = Vec::new();
        for row in [[1.0f32, 2.0], [3.0, 4.0]] {
            b.extend_from_slice(&2u32.to_le_bytes());
            for v in row {
                b.extend_from_slice(&v.to_le_bytes());
            }
        }
        fs::write(&p, &b).unwrap();
        assert_eq!(read_matrix(&p).unwrap().data, [1.0, 2.0, 3.0, 4.0]);
        fs::write(&p, &b[..b.len() - 4]).unwrap();
        assert!(matches!(read_matrix(&p), Err(DataError::Vecs { .. })));
        let q = d.path().join("x.ivecs");
        let mut b = Vec::new();
        for row in [[7i32, -1, 3], [0, 5, 6]] {
            b.extend_from_slice(&3u32.to_le_bytes());
            for v in row {
                b.extend_from_slice(&v.to_le_bytes());
            }
        }
        fs::write(&q, &b).unwrap();
        let ints = read_ints(&q).unwrap();
        assert_eq!((ints.rows, ints.cols), (2, 3));
        assert_eq!(ints.data, [7, -1, 3, 0, 5, 6]);
    }

    #[test]
    fn ints_read_every_width() {
        let d = tmp();
        let p = d.path().join("l.npy");
        write_npy(&p, &[3], &[1u8, 2, 255]).unwrap();
        let a = read_ints(&p).unwrap();
        assert!(a.one_d);
        assert_eq!(a.data, [1, 2, 255]);
        write_npy(&p, &[2, 2], &[-1i64, 5, 6, 7]).unwrap();
        assert_eq!(read_ints(&p).unwrap().data, [-1, 5, 6, 7]);
        write_npy(&p, &[2], &[0.5f32, 1.0]).unwrap();
        assert!(matches!(read_ints(&p), Err(DataError::Dtype { .. })));
    }

    #[test]
    fn atomic_write_leaves_nothing_on_error() {
        let d = tmp();
        let p = d.path().join("out.bin");
        let e = atomic_write(&p, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(e.is_err());
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 0);
        atomic_write(&p, |w| w.write_all(b"ok")).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"ok");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn sha256_of_empty_input_is_the_known_digest() {
        assert_eq!(
            sha256_bytes(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
