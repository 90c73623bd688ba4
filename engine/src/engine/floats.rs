//! Float matrices for ground truth and rescoring, memory-mapped from `.npy` (f32, C order) so
//! a base set larger than RAM is never copied, and the exact float top-k over them.
//!
//! Scores are inner products accumulated in f64 in index order (cosine for unit vectors, as
//! in the shipped WordNet ground truth); results are ordered by score descending, ties to the
//! smaller index, the same for every thread count.

use std::fs::File;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::mmap::Mapped;
use super::with_threads;

/// A failure opening a float matrix, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum FloatsError {
    /// The operating system refused.
    #[error("float matrix {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not a `.npy` file (the formats crate's header parser refused it; names the file).
    #[error(transparent)]
    Npy(#[from] crate::data::DataError),
    /// Not a 2-d little-endian f32 C-order `.npy` file.
    #[error("float matrix {path}: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// A borrowed row-major f32 matrix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct F32Matrix<'a> {
    data: &'a [f32],
    dims: usize,
}

impl<'a> F32Matrix<'a> {
    /// Wraps `data` as rows of `dims` values (`None` unless `dims > 0` divides the length).
    pub fn new(data: &'a [f32], dims: usize) -> Option<Self> {
        (dims > 0 && data.len().is_multiple_of(dims)).then_some(Self { data, dims })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.data.len() / self.dims
    }

    /// Values per row.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Row `i` (`None` past the end).
    pub fn row(&self, i: usize) -> Option<&'a [f32]> {
        self.data.get(i * self.dims..(i + 1) * self.dims)
    }

    /// All values, row-major.
    pub fn data(&self) -> &'a [f32] {
        self.data
    }
}

/// A memory-mapped 2-d f32 `.npy` file (format 1.0, 2.0 or 3.0, `<f4`, C order).
#[derive(Debug)]
pub struct NpyF32 {
    path: PathBuf,
    map: Mapped,
    offset: usize,
    rows: usize,
    dims: usize,
}

impl NpyF32 {
    /// Maps and validates `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, FloatsError> {
        let path = path.as_ref();
        let bad = |reason: String| FloatsError::Format {
            path: path.to_owned(),
            reason,
        };
        if cfg!(target_endian = "big") {
            return Err(bad("mapped f32 files need a little-endian host".into()));
        }
        let io = |source| FloatsError::Io {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let map = Mapped::new(&file).map_err(|source| FloatsError::Io {
            path: path.to_owned(),
            source,
        })?;
        let b = map.bytes();
        let layout = crate::data::npy_layout(path, b)?;
        if layout.descr != "<f4" {
            return Err(bad(format!(
                "dtype {:.8}, expected '<f4' (float32)",
                layout.descr
            )));
        }
        if layout.fortran_order {
            return Err(bad("Fortran order is not supported".into()));
        }
        let shape = crate::data::ShapeDisplay(
            &layout.shape.iter().map(|&d| d as usize).collect::<Vec<_>>(),
        )
        .to_string();
        let [rows, dims] = layout.shape[..] else {
            return Err(bad(format!("shape {shape} is not 2-d")));
        };
        let offset = layout.data_offset;
        let expect = u128::from(rows) * u128::from(dims) * 4 + offset as u128;
        if expect != b.len() as u128 || dims == 0 {
            return Err(bad(format!(
                "{} bytes, but shape ({rows}, {dims}) needs {expect}",
                b.len()
            )));
        }
        let (rows, dims) = (rows as usize, dims as usize);
        let f = Self {
            path: path.to_owned(),
            map,
            offset,
            rows,
            dims,
        };
        if bytemuck::try_cast_slice::<u8, f32>(&f.map.bytes()[offset..]).is_err() {
            return Err(bad(format!("data offset {offset} is not 4-byte aligned")));
        }
        Ok(f)
    }

    /// The matrix, borrowed from the mapping.
    pub fn matrix(&self) -> F32Matrix<'_> {
        let data = bytemuck::try_cast_slice(&self.map.bytes()[self.offset..]).unwrap_or(&[]);
        F32Matrix {
            data,
            dims: self.dims,
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Values per row.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Byte offset of the first value in the file.
    pub(crate) fn data_offset(&self) -> usize {
        self.offset
    }

    /// The whole file, header included, borrowed from the mapping.
    pub(crate) fn file_bytes(&self) -> &[u8] {
        self.map.bytes()
    }

    /// Lets the operating system drop the mapped pages of file bytes `range` ([`Mapped::release`]).
    pub(crate) fn release(&self, range: std::ops::Range<usize>) {
        self.map.release(range);
    }
}

/// One float search result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    /// Inner product with the query (f64 sum of f32 products, index order).
    pub score: f64,
    /// Row of the base matrix.
    pub index: u32,
}

/// `a` ranks before `b`: higher score, then smaller index (total order on f64).
fn before(a: &Scored, b: &Scored) -> bool {
    match b.score.total_cmp(&a.score) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Greater => false,
        std::cmp::Ordering::Equal => a.index < b.index,
    }
}

/// Inner product in f64, sequential in index order.
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f64 {
    let mut s = 0f64;
    for (x, y) in a.iter().zip(b) {
        s += f64::from(*x) * f64::from(*y);
    }
    s
}

/// Keeps the best `k` of the offered results, sorted.
fn offer(list: &mut Vec<Scored>, k: usize, c: Scored) {
    if list.len() == k && list.last().is_some_and(|w| !before(&c, w)) {
        return;
    }
    let pos = list.partition_point(|x| before(x, &c));
    list.insert(pos, c);
    list.truncate(k);
}

/// Rows of base per tile (about 256 KiB, in L2 while every query of a thread passes over it).
fn tile_rows(dims: usize) -> usize {
    ((256 << 10) / (dims * 4)).max(1)
}

/// Exact inner-product top-k of every query over `base`, `k` clamped to the number of rows;
/// `queries.rows() · k` results, row-major. Streams `base` tile by tile (a mapped matrix is read
/// from the page cache, never copied). `None` when the dimensions differ or `k == 0`.
pub fn float_knn(
    base: F32Matrix<'_>,
    queries: F32Matrix<'_>,
    k: usize,
    threads: usize,
) -> Option<Vec<Scored>> {
    if base.dims() != queries.dims() || k == 0 {
        return None;
    }
    let k = k.min(base.rows());
    let dims = base.dims();
    let nq = queries.rows();
    if k == 0 || nq == 0 {
        return Some(Vec::new());
    }
    let lists: Vec<Vec<Scored>> = with_threads(threads, || {
        let t = rayon::current_num_threads().max(1);
        let per = nq.div_ceil(t);
        queries
            .data()
            .par_chunks(per * dims)
            .flat_map_iter(|qs| {
                let mut lists = vec![Vec::with_capacity(k + 1); qs.len() / dims];
                let tr = tile_rows(dims);
                for t0 in (0..base.rows()).step_by(tr) {
                    let t1 = (t0 + tr).min(base.rows());
                    for (q, list) in qs.chunks_exact(dims).zip(lists.iter_mut()) {
                        for i in t0..t1 {
                            let row = &base.data()[i * dims..(i + 1) * dims];
                            offer(
                                list,
                                k,
                                Scored {
                                    score: dot(q, row),
                                    index: i as u32,
                                },
                            );
                        }
                    }
                }
                lists
            })
            .collect()
    });
    Some(lists.into_iter().flatten().collect())
}

/// Re-ranks Hamming `candidates` (rows of `base`) by exact inner product with `query`; the
/// best `k`, same order as [`float_knn`]. Out-of-range candidates are skipped.
pub fn rescore(base: F32Matrix<'_>, query: &[f32], candidates: &[u32], k: usize) -> Vec<Scored> {
    let mut list = Vec::with_capacity(k + 1);
    if k == 0 || query.len() != base.dims() {
        return list;
    }
    for &i in candidates {
        if let Some(row) = base.row(i as usize) {
            offer(
                &mut list,
                k,
                Scored {
                    score: dot(query, row),
                    index: i,
                },
            );
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::uniform_rows;

    fn write_npy(path: &Path, rows: usize, dims: usize, data: &[f32]) {
        let mut h =
            format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dims}), }}");
        while (10 + h.len() + 1) % 64 != 0 {
            h.push(' ');
        }
        h.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend((h.len() as u16).to_le_bytes());
        b.extend(h.as_bytes());
        for v in data {
            b.extend(v.to_le_bytes());
        }
        std::fs::write(path, b).unwrap();
    }

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("binaryllm-floats-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d.join(name)
    }

    #[test]
    fn mapped_npy_knn_equals_brute_force_sort_for_any_threads() {
        let (rows, dims) = (700, 5);
        let data: Vec<f32> = (0..rows * dims)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 8.0)
            .collect();
        let p = tmp("base.npy");
        write_npy(&p, rows, dims, &data);
        let f = NpyF32::open(&p).unwrap();
        assert_eq!((f.rows(), f.dims()), (rows, dims));
        let base = f.matrix();
        assert_eq!(base.data(), &data[..]);
        let queries = F32Matrix::new(&data[..3 * dims], dims).unwrap();
        let one = float_knn(base, queries, 9, 1).unwrap();
        assert_eq!(one, float_knn(base, queries, 9, 2).unwrap());
        for (q, got) in one.chunks(9).enumerate() {
            let qv = queries.row(q).unwrap();
            let mut all: Vec<Scored> = (0..rows)
                .map(|i| Scored {
                    score: oracle_dot(qv, base.row(i).unwrap()),
                    index: i as u32,
                })
                .collect();
            all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
            assert_eq!(got, &all[..9]);
            // Row q is its own best match or ties with a smaller duplicate.
            let cands: Vec<u32> = all.iter().rev().map(|s| s.index).collect();
            assert_eq!(rescore(base, qv, &cands, 9), &all[..9]);
        }
        assert!(float_knn(base, F32Matrix::new(&data[..4], 4).unwrap(), 3, 1).is_none());
    }

    /// The inner product written out (f64 products summed in index order), for the oracles.
    fn oracle_dot(a: &[f32], b: &[f32]) -> f64 {
        a.iter()
            .zip(b)
            .fold(0.0, |s, (x, y)| s + f64::from(*x) * f64::from(*y))
    }

    /// Every row scored by [`oracle_dot`], best first, ties by index.
    fn oracle_ranking(base: F32Matrix<'_>, q: &[f32], rows: &[u32]) -> Vec<Scored> {
        let mut all: Vec<Scored> = rows
            .iter()
            .map(|&i| Scored {
                score: oracle_dot(q, base.row(i as usize).unwrap()),
                index: i,
            })
            .collect();
        all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        all
    }

    #[test]
    fn scores_are_the_inner_products_and_rankings_the_sorted_ones() {
        assert_eq!(dot(&[1.0, 2.0, 3.0], &[4.0, -5.0, 6.0]), 12.0);
        assert_eq!(dot(&[0.5; 3], &[0.25; 3]), 0.375);
        let (rows, dims) = (300, 7);
        let data = uniform_rows(rows, dims, 4, *b"floatknn");
        let base = F32Matrix::new(&data, dims).unwrap();
        assert_eq!((base.rows(), base.dims()), (rows, dims));
        let queries = F32Matrix::new(&data[10 * dims..14 * dims], dims).unwrap();
        let every: Vec<u32> = (0..rows as u32).collect();
        let got = float_knn(base, queries, 6, 2).unwrap();
        assert_eq!(got.len(), 4 * 6);
        for (q, found) in got.chunks(6).enumerate() {
            let qv = queries.row(q).unwrap();
            let want = oracle_ranking(base, qv, &every);
            assert_eq!(found, &want[..6]);
            // Re-ranking a subset: the subset's own ranking, duplicates and strays ignored.
            let subset: Vec<u32> = (0..rows as u32)
                .rev()
                .step_by(3)
                .chain([7, 7, 9999])
                .collect();
            let mut want_subset = oracle_ranking(base, qv, &subset[..subset.len() - 1]);
            want_subset.truncate(5);
            assert_eq!(rescore(base, qv, &subset, 5), want_subset);
        }
        // k past the rows is clamped; k = 0, other dimensions or no queries give nothing.
        assert_eq!(float_knn(base, queries, 1000, 1).unwrap().len(), 4 * rows);
        assert_eq!(float_knn(base, queries, 0, 1), None);
        let none = F32Matrix::new(&[], dims).unwrap();
        assert_eq!(float_knn(base, none, 3, 1), Some(Vec::new()));
        assert!(rescore(base, &data[..dims], &every, 0).is_empty());
        assert!(rescore(base, &data[..dims - 1], &every, 3).is_empty());
    }

    #[test]
    fn tiles_hold_about_256_kib_of_rows() {
        for dims in [1, 7, 384, 1000, 65536, 100_000] {
            let t = tile_rows(dims);
            let row = dims * 4;
            if row <= 256 << 10 {
                assert!(
                    t * row <= 256 << 10 && (t + 1) * row > 256 << 10,
                    "dims {dims}: {t}"
                );
            } else {
                assert_eq!(t, 1, "dims {dims}");
            }
        }
    }

    #[test]
    fn a_mapped_file_exposes_its_header_and_data_bytes() {
        let (rows, dims) = (5, 3);
        let data: Vec<f32> = (0..rows * dims).map(|i| i as f32 - 4.5).collect();
        let p = tmp("bytes.npy");
        write_npy(&p, rows, dims, &data);
        let f = NpyF32::open(&p).unwrap();
        let file = std::fs::read(&p).unwrap();
        assert_eq!(f.file_bytes(), &file[..]);
        assert_eq!(
            f.data_offset(),
            128,
            "the header of this small file is 128 bytes"
        );
        let le: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(&f.file_bytes()[f.data_offset()..], &le[..]);
        assert_eq!(f.path(), p.as_path());
        // Releasing pages changes no byte.
        f.release(0..file.len());
        assert_eq!(f.matrix().data(), &data[..]);
    }

    #[test]
    fn bad_npy_files_name_the_file_and_the_problem() {
        let p = tmp("bad.npy");
        std::fs::write(&p, b"hello").unwrap();
        assert!(
            NpyF32::open(&p)
                .unwrap_err()
                .to_string()
                .contains("bad.npy")
        );
        write_npy(&p, 2, 2, &[1.0; 3]);
        assert!(NpyF32::open(&p).unwrap_err().to_string().contains("needs"));
        let mut b = std::fs::read(&p).unwrap();
        let i = b.windows(3).position(|w| w == b"<f4").unwrap();
        b[i + 2] = b'8';
        std::fs::write(&p, b).unwrap();
        assert!(
            NpyF32::open(&p)
                .unwrap_err()
                .to_string()
                .contains("float32")
        );
    }
}
