//! The `.npy` format: the one header parser ([`npy_layout`]), float and integer reading, the
//! block converter of float dtypes ([`NpyFloatLayout`]) and the writer ([`write_npy`]).

#[allow(unused_imports)]
use super::*;

/// A parsed `.npy` header plus the raw file.
pub(super) struct Npy {
    pub(super) header: npyz::NpyHeader,
    pub(super) dtype: DType,
    pub(super) shape: Vec<u64>,
    pub(super) file: Vec<u8>,
    pub(super) data_start: usize,
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
pub(super) struct Header {
    pub(super) header: npyz::NpyHeader,
    pub(super) dtype: DType,
    pub(super) shape: Vec<u64>,
    pub(super) order: Order,
    pub(super) data_start: usize,
}

pub(super) fn not_npy(path: &Path, detail: String) -> DataError {
    DataError::NotNpy {
        path: path.to_path_buf(),
        detail,
    }
}

/// Checks the preamble and the raw header text before npyz parses them.
pub(super) fn check_header_text(path: &Path, file: &[u8]) -> Result<(), DataError> {
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
pub(super) fn parse_header(path: &Path, file: &[u8]) -> Result<Header, DataError> {
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

pub(super) fn open_npy(path: &Path, file: Vec<u8>) -> Result<Npy, DataError> {
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
pub(super) const MAX_HEADER_NESTING: usize = 4;

/// `(offset, length)` of a `.npy` header text as the preamble states it (version 1: a u16
/// length after 8 bytes; versions 2 and 3: a u32), or `None` for a file shorter than that.
pub(super) fn header_span(file: &[u8]) -> Option<(usize, usize)> {
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
pub(super) fn header_shape(file: &[u8]) -> Option<Result<Vec<u64>, String>> {
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
    pub(super) fn type_str(
        &self,
        path: &Path,
        supported: &'static str,
    ) -> Result<npyz::TypeStr, DataError> {
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
    pub(super) fn check_size(&self, path: &Path, item: usize) -> Result<usize, DataError> {
        check_data_size(path, &self.shape, self.data_bytes(), item)
    }

    pub(super) fn data_bytes(&self) -> usize {
        self.file.len().saturating_sub(self.data_start)
    }

    pub(super) fn reader(&self) -> Result<NpyFile<&[u8]>, io::Error> {
        Ok(NpyFile::with_header(
            self.header.clone(),
            &self.file[self.data_start..],
        ))
    }
}

pub(super) fn two_d(path: &Path, shape: &[u64]) -> Result<(usize, usize), DataError> {
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

pub(super) fn read_npy_matrix(path: &Path, bytes: Vec<u8>) -> Result<Matrix, DataError> {
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
pub(super) fn check_data_size(
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
