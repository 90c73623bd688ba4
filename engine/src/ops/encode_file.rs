//! Encoding a float file into a `.npy` file of packed codes, streamed: a `.npy` input is
//! memory-mapped (a little-endian C-order f32 one is read in place, [`NpyF32`]; float16,
//! float64 and big-endian ones are converted to f32 one block at a time, [`NpyConverted`], with
//! the conversion of [`crate::data::read_matrix`]; `.fvecs` is still read whole), the codes are
//! produced block by block and written as they are produced, and the sha256 digests of the
//! input and of the output are computed on the way, so memory holds one block of codes (and, for
//! a converted input, one block of floats), not all the floats nor all the codes.
//!
//! The bytes written are those of [`crate::data::npy_bytes`] over all the codes at once (the
//! header is npyz's, the rows [`to_bytes_into`]), and every error is the one the whole-file
//! path gives: a non-finite input value is reported as [`DataError::NonFinite`] at its first
//! occurrence even when a projection error happens on an earlier row (the rows after a
//! projection error are still scanned for values that are not finite).

use std::borrow::Cow;
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use binaryllm_core::bytes::{ByteOrder, to_bytes_into};
use binaryllm_core::{Arithmetic, CodeLayout, DenseProjection};
use sha2::{Digest, Sha256};

use crate::data::{self, DataError, Matrix, NpyFloatLayout};
use crate::engine::encode::{PackedProjection, encode_packed};
use crate::engine::floats::NpyF32;
use crate::engine::mmap::Mapped;
use crate::engine::{EncodeError, project_kernel, project_kernel_with};
use crate::projection::{Projector, ProjectorError};

/// Rows encoded and written per block: bounds the memory for codes and their bytes.
pub const BLOCK_ROWS: usize = 4096;

/// A `.npy` float matrix of another dtype than little-endian f32 (float16, float64, big-endian
/// float32, or an f32 file with bytes after its data), memory-mapped raw: its rows are
/// converted to f32 block by block with the conversion of [`crate::data::read_matrix`]
/// ([`data::NpyFloatLayout::convert_rows`]), so memory holds one block of floats.
#[derive(Debug)]
pub struct NpyConverted {
    path: PathBuf,
    map: Mapped,
    layout: NpyFloatLayout,
}

impl NpyConverted {
    /// Converts rows `rows` into `out` (checked for finiteness as [`data::read_matrix`] does).
    fn convert(&self, rows: Range<usize>, out: &mut Vec<f32>) -> Result<(), DataError> {
        self.layout
            .convert_rows(&self.path, self.map.bytes(), rows, out)
    }
}

/// The floats to encode, opened.
#[derive(Debug)]
pub enum InputFloats {
    /// A little-endian C-order f32 `.npy`, memory-mapped (finiteness is checked block by block
    /// while encoding).
    Mapped(NpyF32),
    /// Any other float `.npy` [`crate::data::read_matrix`] accepts (float16, float64, big
    /// endian), memory-mapped raw and converted block by block.
    Converted(NpyConverted),
    /// An `.fvecs` file (or a file that cannot be mapped), read whole with
    /// [`crate::data::read_matrix`] and checked, with the sha256 of the file's bytes.
    Loaded {
        /// The matrix.
        matrix: Matrix,
        /// sha256 of the file.
        sha256: String,
    },
}

impl InputFloats {
    /// Opens `path`: maps it when it is a `.npy` file (an f32 little-endian C-order one is used
    /// in place, any other float dtype is converted block by block), else (`.fvecs`, or when
    /// the file cannot be mapped) reads it with [`crate::data::read_matrix`]. The errors are
    /// those of [`crate::data::read_matrix`].
    pub fn open(path: &Path) -> Result<Self, DataError> {
        let is_npy = !path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("fvecs"));
        if is_npy {
            if let Ok(m) = NpyF32::open(path)
                && m.rows() > 0
                && m.dims() > 0
            {
                return Ok(Self::Mapped(m));
            }
            if let Ok(map) = std::fs::File::open(path).and_then(|f| Mapped::new(&f)) {
                let layout = data::npy_float_layout(path, map.bytes())?;
                return Ok(Self::Converted(NpyConverted {
                    path: path.to_path_buf(),
                    map,
                    layout,
                }));
            }
        }
        let io = |source| DataError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = std::fs::read(path).map_err(io)?;
        let sha256 = data::sha256_bytes(&bytes);
        let matrix = data::parse_matrix(path, bytes)?;
        Ok(Self::Loaded { matrix, sha256 })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        match self {
            Self::Mapped(m) => m.rows(),
            Self::Converted(c) => c.layout.rows,
            Self::Loaded { matrix, .. } => matrix.rows,
        }
    }

    /// Values per row.
    pub fn dims(&self) -> usize {
        match self {
            Self::Mapped(m) => m.dims(),
            Self::Converted(c) => c.layout.cols,
            Self::Loaded { matrix, .. } => matrix.cols,
        }
    }

    /// All values, row-major: borrowed from the mapping when mapped (reading them all pages
    /// the whole file in, unchecked: see [`Self::check_finite`]), converted whole when
    /// converted (and then checked: the error is that of [`crate::data::read_matrix`]).
    /// Encoding does not need this (it reads block by block); a projection that trains on the
    /// input does.
    pub fn all_values(&self) -> Result<Cow<'_, [f32]>, DataError> {
        match self {
            Self::Mapped(m) => Ok(Cow::Borrowed(m.matrix().data())),
            Self::Converted(c) => {
                let mut v = Vec::new();
                c.convert(0..c.layout.rows, &mut v)?;
                Ok(Cow::Owned(v))
            }
            Self::Loaded { matrix, .. } => Ok(Cow::Borrowed(&matrix.data)),
        }
    }

    /// The first value that is not finite, as [`crate::data::read_matrix`] reports it
    /// (always `Ok` for a loaded input: it was checked when read). Reads block by block.
    pub fn check_finite(&self) -> Result<(), DataError> {
        let mut buf = Vec::new();
        for r0 in (0..self.rows()).step_by(BLOCK_ROWS) {
            let r1 = (r0 + BLOCK_ROWS).min(self.rows());
            self.block(r0..r1, &mut buf)?;
            self.release_rows(r0..r1);
        }
        Ok(())
    }

    /// The values of rows `rows`, checked for finiteness: borrowed from the mapping or the
    /// loaded matrix, or converted into `buf` (whose previous contents are replaced).
    fn block<'a>(
        &'a self,
        rows: Range<usize>,
        buf: &'a mut Vec<f32>,
    ) -> Result<&'a [f32], DataError> {
        let dims = self.dims();
        match self {
            Self::Mapped(m) => {
                let x = &m.matrix().data()[rows.start * dims..rows.end * dims];
                match x.iter().position(|v| !v.is_finite()) {
                    None => Ok(x),
                    Some(i) => Err(DataError::NonFinite {
                        path: m.path().to_path_buf(),
                        row: rows.start + i / dims,
                        col: i % dims,
                        value: f64::from(x[i]),
                    }),
                }
            }
            Self::Converted(c) => {
                c.convert(rows, buf)?;
                Ok(&buf[..])
            }
            Self::Loaded { matrix, .. } => Ok(&matrix.data[rows.start * dims..rows.end * dims]),
        }
    }

    /// The mapped file, its data offset and bytes per row (`None` when loaded).
    fn mapped_bytes(&self) -> Option<(&[u8], usize, usize)> {
        match self {
            Self::Mapped(m) => Some((m.file_bytes(), m.data_offset(), m.dims() * 4)),
            Self::Converted(c) => Some((c.map.bytes(), c.layout.data_offset, c.layout.row_bytes())),
            Self::Loaded { .. } => None,
        }
    }

    /// Hashes the file bytes of rows `rows` (and the header before them, for the first rows;
    /// anything after the data, for the last).
    fn hash_rows(&self, h: &mut Sha256, rows: Range<usize>) {
        if let Some((file, offset, row_bytes)) = self.mapped_bytes() {
            let start = if rows.start == 0 {
                0
            } else {
                offset + rows.start * row_bytes
            };
            let end = if rows.end == self.rows() {
                file.len()
            } else {
                offset + rows.end * row_bytes
            };
            h.update(&file[start..end]);
        }
    }

    /// Lets the operating system drop the mapped pages of rows `rows` (no-op when loaded).
    fn release_rows(&self, rows: Range<usize>) {
        let Some((_, offset, row_bytes)) = self.mapped_bytes() else {
            return;
        };
        let range = offset + rows.start * row_bytes..offset + rows.end * row_bytes;
        match self {
            Self::Mapped(m) => m.release(range),
            Self::Converted(c) => c.map.release(range),
            Self::Loaded { .. } => {}
        }
    }
}

/// How [`encode_npy_file`] encodes.
#[derive(Clone, Copy, Debug)]
pub struct StreamOptions {
    /// Threads (0 = all cores).
    pub threads: usize,
    /// The opt-in fused multiply-add kernels ([`Projector::encode_fused`]) instead of the
    /// bit-exact default ([`Projector::encode`]).
    pub fused: bool,
    /// Byte order of the packed codes.
    pub order: ByteOrder,
}

/// What [`encode_npy_file`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Streamed {
    /// Codes written.
    pub rows: usize,
    /// Bytes per code.
    pub bytes_per_row: usize,
    /// Bytes written (header and codes).
    pub bytes: u64,
    /// sha256 of the bytes written.
    pub sha256: String,
    /// sha256 of the input file.
    pub input_sha256: String,
    /// The most f32 values the input held in memory at once while encoding: 0 for a mapped
    /// f32 file (read in place), at most [`BLOCK_ROWS`] rows for a converted one, all of them
    /// for a loaded one.
    pub floats_held: usize,
}

/// Why [`encode_npy_file`] failed.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// A value of the input is not finite.
    #[error(transparent)]
    Load(#[from] DataError),
    /// The projection failed (the row is that of the whole input).
    #[error(transparent)]
    Encode(#[from] ProjectorError),
    /// Writing failed.
    #[error(transparent)]
    Write(#[from] io::Error),
}

/// A writer that hashes and counts what passes through it.
struct Hashing<'w, W: Write + ?Sized> {
    inner: &'w mut W,
    sha: Sha256,
    bytes: u64,
}

impl<W: Write + ?Sized> Hashing<'_, W> {
    fn write_all(&mut self, b: &[u8]) -> io::Result<()> {
        self.sha.update(b);
        self.bytes += b.len() as u64;
        self.inner.write_all(b)
    }
}

/// The `.npy` header of a `uint8 [rows, nb]` array, byte for byte that of
/// [`crate::data::npy_bytes`].
fn npy_u8_header(rows: usize, nb: usize) -> io::Result<Vec<u8>> {
    use npyz::WriterBuilder as _;
    let mut h = Vec::new();
    npyz::WriteOptions::<u8>::new()
        .default_dtype()
        .shape(&[rows as u64, nb as u64])
        .writer(&mut h)
        .write_header_only()?;
    Ok(h)
}

/// The encoder of one block: packed once for a matrix projector, else the projector's own path.
enum BlockEncoder<'p> {
    Packed {
        dense: DenseProjection<'p>,
        packed: PackedProjection,
        proj: &'p Projector,
    },
    Projector(&'p Projector),
}

impl<'p> BlockEncoder<'p> {
    fn new(proj: &'p Projector, fused: bool) -> Result<Self, ProjectorError> {
        let kernel = if fused {
            project_kernel_with(Arithmetic::Fused)
        } else {
            project_kernel()
        };
        if let Some(w) = proj.matrix() {
            let dense = DenseProjection::new(w, proj.dims(), proj.bits())?;
            proj.threshold().validate(proj.bits())?;
            if let Some(packed) = PackedProjection::new(&dense, kernel) {
                return Ok(Self::Packed {
                    dense,
                    packed,
                    proj,
                });
            }
        }
        Ok(Self::Projector(proj))
    }

    /// The words of the codes of `x` (whole rows), errors naming the row of the block.
    fn encode(&self, x: &[f32], threads: usize, fused: bool) -> Result<Vec<u64>, ProjectorError> {
        match self {
            Self::Packed {
                dense,
                packed,
                proj,
            } => Ok(encode_packed(dense, packed, proj.threshold(), x, threads)?),
            Self::Projector(p) if fused => Ok(p.encode_fused(x, threads)?.into_words()),
            Self::Projector(p) => Ok(p.encode(x, threads)?.into_words()),
        }
    }
}

/// Moves a row-level encode error of the block starting at `first` to the input's row.
fn shift_row(e: ProjectorError, first: usize) -> ProjectorError {
    match e {
        ProjectorError::Encode(EncodeError {
            row: Some(r),
            error,
        }) => ProjectorError::Encode(EncodeError {
            row: Some(first + r),
            error,
        }),
        e => e,
    }
}

/// Encodes `input` with `proj` into `out` as a `uint8 [rows, ⌈bits/8⌉]` `.npy`, block by
/// block ([`BLOCK_ROWS`]), hashing input and output as they pass. The dimensions must agree
/// (`proj.dims() == input.dims()`; a mismatch is a core error). On an error, what was written
/// to `out` is to be discarded.
pub fn encode_npy_file(
    input: &InputFloats,
    proj: &Projector,
    opts: &StreamOptions,
    out: &mut dyn Write,
) -> Result<Streamed, StreamError> {
    let layout = CodeLayout::new(proj.bits()).map_err(ProjectorError::from)?;
    let (rows, dims, nb, words) = (input.rows(), input.dims(), layout.bytes(), layout.words());
    if dims != proj.dims() {
        let e = binaryllm_core::Error::DimensionMismatch {
            expected: proj.dims() as u32,
            actual: dims as u32,
        };
        return Err(ProjectorError::from(e).into());
    }
    let encoder = BlockEncoder::new(proj, opts.fused)?;
    let mut w = Hashing {
        inner: out,
        sha: Sha256::new(),
        bytes: 0,
    };
    w.write_all(&npy_u8_header(rows, nb)?)?;
    let mut input_sha = Sha256::new();
    let mut bytes = vec![0u8; BLOCK_ROWS.min(rows) * nb];
    let mut buf = Vec::new();
    let mut floats_held = match input {
        InputFloats::Loaded { matrix, .. } => matrix.data.len(),
        _ => 0,
    };
    let mut failed = None;
    for r0 in (0..rows).step_by(BLOCK_ROWS) {
        let r1 = (r0 + BLOCK_ROWS).min(rows);
        input.hash_rows(&mut input_sha, r0..r1);
        let x = input.block(r0..r1, &mut buf)?;
        if failed.is_none() {
            match encoder.encode(x, opts.threads, opts.fused) {
                Ok(codes) => {
                    let out = &mut bytes[..(r1 - r0) * nb];
                    for (code, o) in codes.chunks_exact(words).zip(out.chunks_exact_mut(nb)) {
                        to_bytes_into(layout, code, opts.order, o).map_err(ProjectorError::from)?;
                    }
                    w.write_all(out)?;
                }
                Err(e) => failed = Some(shift_row(e, r0)),
            }
        } // else only looking for a value that is not finite
        floats_held = floats_held.max(buf.len());
        input.release_rows(r0..r1);
    }
    if let Some(e) = failed {
        return Err(e.into());
    }
    let input_sha256 = match input {
        InputFloats::Loaded { sha256, .. } => sha256.clone(),
        _ => hex(&input_sha.finalize()),
    };
    Ok(Streamed {
        rows,
        bytes_per_row: nb,
        bytes: w.bytes,
        sha256: hex(&w.sha.finalize()),
        input_sha256,
        floats_held,
    })
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projection::{Kind, Spec, learn::TrainOptions};
    use binaryllm_core::ProjectionKind;
    use half::f16;

    fn tmp(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("binaryllm-encfile-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d.join(name)
    }

    fn values(n: usize, dims: usize) -> Vec<f32> {
        let mut s = binaryllm_core::rng::SeededStream::new(7, *b"encfile!", 0);
        (0..n * dims)
            .map(|_| s.next_symmetric_uniform() * 2.0)
            .collect()
    }

    fn projector(kind: Kind, dims: usize, bits: usize) -> Projector {
        let spec = Spec {
            kind,
            bits,
            options: TrainOptions::default(),
        };
        Projector::build(spec, dims, &[]).unwrap()
    }

    /// Today's whole-matrix path: read, encode, pack, `npy_bytes`.
    fn whole(path: &Path, p: &Projector, order: ByteOrder, fused: bool) -> Vec<u8> {
        let m = data::read_matrix(path).unwrap();
        let codes = if fused {
            p.encode_fused(&m.data, 1)
        } else {
            p.encode(&m.data, 2)
        }
        .unwrap();
        let nb = codes.layout().bytes();
        let mut bytes = vec![0u8; codes.len() * nb];
        for (c, o) in codes.iter().zip(bytes.chunks_exact_mut(nb)) {
            to_bytes_into(codes.layout(), c, order, o).unwrap();
        }
        data::npy_bytes(&[codes.len() as u64, nb as u64], &bytes).unwrap()
    }

    fn streamed(path: &Path, p: &Projector, opts: StreamOptions) -> (Vec<u8>, Streamed) {
        let input = InputFloats::open(path).unwrap();
        let mut out = Vec::new();
        let s = encode_npy_file(&input, p, &opts, &mut out).unwrap();
        (out, s)
    }

    fn write_all_dtypes(dir: &str, x: &[f32], rows: usize, dims: usize) -> Vec<std::path::PathBuf> {
        let shape = [rows as u64, dims as u64];
        let f32p = tmp(&format!("{dir}-f32.npy"));
        data::write_npy(&f32p, &shape, x).unwrap();
        let f16p = tmp(&format!("{dir}-f16.npy"));
        let h: Vec<f16> = x.iter().map(|&v| f16::from_f32(v)).collect();
        data::write_npy(&f16p, &shape, &h).unwrap();
        let f64p = tmp(&format!("{dir}-f64.npy"));
        let d: Vec<f64> = x.iter().map(|&v| f64::from(v) * 1.5).collect();
        data::write_npy(&f64p, &shape, &d).unwrap();
        let be = tmp(&format!("{dir}-be.npy"));
        let mut b = std::fs::read(&f32p).unwrap();
        let at = b.windows(3).position(|w| w == b"<f4").unwrap();
        b[at] = b'>';
        let start = b.len() - x.len() * 4;
        for (c, v) in b[start..].chunks_exact_mut(4).zip(x) {
            c.copy_from_slice(&v.to_be_bytes());
        }
        std::fs::write(&be, b).unwrap();
        let fv = tmp(&format!("{dir}.fvecs"));
        let mut b = Vec::new();
        for row in x.chunks_exact(dims) {
            b.extend((dims as u32).to_le_bytes());
            row.iter().for_each(|v| b.extend(v.to_le_bytes()));
        }
        std::fs::write(&fv, b).unwrap();
        vec![f32p, f16p, f64p, be, fv]
    }

    #[test]
    fn streamed_bytes_and_digests_equal_the_whole_file_path_for_every_dtype() {
        // More rows than a block, not a multiple of it.
        let (rows, dims) = (BLOCK_ROWS * 2 + 37, 12);
        let x = values(rows, dims);
        let kinds = [
            (Kind::Seeded(ProjectionKind::Gaussian), 70),
            (Kind::Seeded(ProjectionKind::Rademacher), 64),
            (Kind::Hadamard, 9),
        ];
        for path in write_all_dtypes("dtypes", &x, rows, dims) {
            let input = InputFloats::open(&path).unwrap();
            let name = path.to_string_lossy();
            let is_f32 = name.ends_with("-f32.npy");
            assert_eq!(matches!(input, InputFloats::Mapped(_)), is_f32, "{path:?}");
            let is_fvecs = name.ends_with(".fvecs");
            assert_eq!(
                matches!(input, InputFloats::Converted(_)),
                !is_f32 && !is_fvecs,
                "{path:?}"
            );
            for (kind, bits) in kinds {
                let p = projector(kind, dims, bits);
                for (order, fused, threads) in [
                    (ByteOrder::Lsb, false, 1),
                    (ByteOrder::Msb, false, 2),
                    (ByteOrder::Lsb, true, 1),
                ] {
                    let opts = StreamOptions {
                        threads,
                        fused,
                        order,
                    };
                    let (got, s) = streamed(&path, &p, opts);
                    let want = whole(&path, &p, order, fused);
                    assert!(got == want, "{path:?} {kind:?} {order:?} fused {fused}");
                    assert_eq!(s.sha256, data::sha256_bytes(&want));
                    assert_eq!(s.input_sha256, data::sha256_file(&path).unwrap());
                    assert_eq!((s.rows, s.bytes_per_row), (rows, bits.div_ceil(8)));
                    assert_eq!(s.bytes, want.len() as u64);
                }
            }
        }
    }

    #[test]
    fn other_dtypes_are_converted_one_block_at_a_time_not_held_whole() {
        let (rows, dims) = (BLOCK_ROWS * 3 + 5, 8);
        let x = values(rows, dims);
        let p = projector(Kind::Seeded(ProjectionKind::Gaussian), dims, 64);
        let opts = StreamOptions {
            threads: 1,
            fused: false,
            order: ByteOrder::Lsb,
        };
        for path in write_all_dtypes("held", &x, rows, dims) {
            let (got, s) = streamed(&path, &p, opts);
            assert!(got == whole(&path, &p, opts.order, false), "{path:?}");
            let name = path.to_string_lossy();
            if name.ends_with("-f32.npy") {
                assert_eq!(s.floats_held, 0, "{path:?}: read in place");
            } else if name.ends_with(".fvecs") {
                assert_eq!(s.floats_held, rows * dims, "{path:?}: read whole");
            } else {
                // f16, f64, big-endian f32: one block of f32 values at most, never the matrix.
                assert_eq!(s.floats_held, BLOCK_ROWS * dims, "{path:?}");
            }
        }
    }

    #[test]
    fn a_value_that_is_not_finite_in_a_converted_input_is_the_load_error_of_read_matrix() {
        let (rows, dims) = (BLOCK_ROWS + 500, 4);
        let mut x = values(rows, dims);
        x[(BLOCK_ROWS + 3) * dims + 2] = f32::INFINITY; // a later block
        let shape = [rows as u64, dims as u64];
        let p = projector(Kind::Seeded(ProjectionKind::Gaussian), dims, 32);
        let opts = StreamOptions {
            threads: 1,
            fused: false,
            order: ByteOrder::Lsb,
        };
        let f16p = tmp("inf-f16.npy");
        let h: Vec<f16> = x.iter().map(|&v| f16::from_f32(v)).collect();
        data::write_npy(&f16p, &shape, &h).unwrap();
        // float64: a value beyond the f32 range is refused as read_matrix refuses it.
        let f64p = tmp("big-f64.npy");
        let mut d: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
        d[(BLOCK_ROWS + 3) * dims + 2] = 1e300;
        data::write_npy(&f64p, &shape, &d).unwrap();
        for path in [f16p, f64p] {
            let want = data::read_matrix(&path).unwrap_err().to_string();
            assert!(
                want.contains(&format!("row {}, column 2", BLOCK_ROWS + 3)),
                "{want}"
            );
            let input = InputFloats::open(&path).unwrap();
            assert!(matches!(input, InputFloats::Converted(_)), "{path:?}");
            let e = encode_npy_file(&input, &p, &opts, &mut Vec::new()).unwrap_err();
            assert_eq!(e.to_string(), want);
            assert_eq!(input.check_finite().unwrap_err().to_string(), want);
            assert_eq!(input.all_values().unwrap_err().to_string(), want);
        }
    }

    #[test]
    fn a_value_that_is_not_finite_is_the_load_error_of_read_matrix_even_after_an_overflow() {
        let (rows, dims) = (BLOCK_ROWS + 500, 4);
        let mut x = values(rows, dims);
        x[10 * dims] = f32::MAX; // overflows the projection of row 10
        x[10 * dims + 1] = f32::MAX;
        x[(BLOCK_ROWS + 3) * dims + 2] = f32::NAN; // a later block
        let path = tmp("nan.npy");
        data::write_npy(&path, &[rows as u64, dims as u64], &x).unwrap();
        let p = projector(Kind::Seeded(ProjectionKind::Gaussian), dims, 32);
        let input = InputFloats::open(&path).unwrap();
        let opts = StreamOptions {
            threads: 1,
            fused: false,
            order: ByteOrder::Lsb,
        };
        let e = encode_npy_file(&input, &p, &opts, &mut Vec::new()).unwrap_err();
        let want = data::read_matrix(&path).unwrap_err().to_string();
        assert_eq!(e.to_string(), want);
        assert_eq!(input.check_finite().unwrap_err().to_string(), want);
        // Without the NaN the overflow is reported at its row of the whole input, as today.
        x[(BLOCK_ROWS + 3) * dims + 2] = 0.0;
        x[(BLOCK_ROWS + 9) * dims] = f32::MAX;
        x[(BLOCK_ROWS + 9) * dims + 1] = f32::MAX;
        x[10 * dims] = 0.0;
        x[10 * dims + 1] = 0.0;
        data::write_npy(&path, &[rows as u64, dims as u64], &x).unwrap();
        let input = InputFloats::open(&path).unwrap();
        let e = encode_npy_file(&input, &p, &opts, &mut Vec::new()).unwrap_err();
        let m = data::read_matrix(&path).unwrap();
        let want = p.encode(&m.data, 1).unwrap_err().to_string();
        assert_eq!(e.to_string(), want);
        assert!(want.contains(&format!("row {}", BLOCK_ROWS + 9)), "{want}");
    }

    #[test]
    fn open_reports_the_errors_of_read_matrix() {
        let path = tmp("empty.npy");
        data::write_npy::<f32>(&path, &[0, 4], &[]).unwrap();
        let want = data::read_matrix(&path).unwrap_err().to_string();
        assert_eq!(InputFloats::open(&path).unwrap_err().to_string(), want);
        let path = tmp("missing.npy");
        assert!(InputFloats::open(&path).is_err());
    }

    #[test]
    fn header_equals_npy_bytes() {
        for (rows, nb) in [(0, 1), (1, 32), (100_000, 128), (7, 3)] {
            let full = data::npy_bytes(&[rows as u64, nb as u64], &vec![0u8; rows * nb]).unwrap();
            assert_eq!(
                npy_u8_header(rows, nb).unwrap(),
                full[..full.len() - rows * nb]
            );
        }
    }
}
