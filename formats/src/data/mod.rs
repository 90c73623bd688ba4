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

mod atomic;
mod npy;
mod sha;
mod vecs;

pub use atomic::*;
pub use npy::*;
pub use sha::*;
use vecs::*;

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

/// The element type of a byte-wide code array ([`read_byte_matrix`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteDtype {
    /// `uint8` (`|u1`): packed codes as binaryllm, FAISS, `packbits` write them.
    Uint8,
    /// `int8` (`|i1`): sentence-transformers' signed `binary` form.
    Int8,
    /// `bool` (`|b1`): one bit per element.
    Bool,
}

impl ByteDtype {
    /// The numpy name.
    pub const fn name(self) -> &'static str {
        match self {
            ByteDtype::Uint8 => "uint8",
            ByteDtype::Int8 => "int8",
            ByteDtype::Bool => "bool",
        }
    }
}

/// Reads a 2-D `uint8`, `int8` or `bool` array (codes made by any tool) as its raw bytes.
pub fn read_byte_matrix(path: &Path) -> Result<(ByteDtype, U8Matrix), DataError> {
    parse_byte_matrix(path, fs::read(path).map_err(io_err(path))?)
}

/// [`read_byte_matrix`] plus the sha256 of the file's bytes (read once).
pub fn read_byte_matrix_hashed(path: &Path) -> Result<((ByteDtype, U8Matrix), String), DataError> {
    let file = fs::read(path).map_err(io_err(path))?;
    let sha = sha256_bytes(&file);
    Ok((parse_byte_matrix(path, file)?, sha))
}

/// Parses the bytes of a 2-D `uint8`, `int8` or `bool` `.npy` read from `path`.
pub fn parse_byte_matrix(path: &Path, file: Vec<u8>) -> Result<(ByteDtype, U8Matrix), DataError> {
    let npy = open_npy(path, file)?;
    let supported = "uint8, int8 or bool";
    let ts = npy.type_str(path, supported)?;
    let dtype = match (ts.type_char(), ts.size_field()) {
        (TypeChar::Uint, 1) => ByteDtype::Uint8,
        (TypeChar::Int, 1) => ByteDtype::Int8,
        (TypeChar::Bool, 1) => ByteDtype::Bool,
        _ => {
            return Err(DataError::Dtype {
                path: path.to_path_buf(),
                dtype: ts.to_string(),
                supported,
            });
        }
    };
    let (rows, cols) = two_d(path, &npy.shape)?;
    let n = npy.check_size(path, 1)?;
    let data = npy.file[npy.data_start..npy.data_start + n].to_vec();
    Ok((dtype, (rows, cols, data)))
}

fn conv<T: Into<i64>>(v: Vec<T>) -> Vec<i64> {
    v.into_iter().map(Into::into).collect()
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
        let hang = include_bytes!("../../../fuzz/seeds/npy_reader/regression-timeout-24eb201d");
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
