//! The engine façade: batch encode, exact Hamming kNN, float projections.
//!
//! This is the API the CLI and the evaluator call. The fast paths give the reference results:
//! the core's `(distance, index)` order for kNN ([`search`]: blocked scan on the kernel detected
//! once per [`Searcher`]), bit-identical codes and floats for encode and project ([`encode`]:
//! blocked matrix product with the reference arithmetic). Out-of-core inputs are memory-mapped:
//! code files ([`codefile`]) and float `.npy` matrices ([`floats`]), never copied.

use binaryllm_core::{
    Arithmetic, CodeLayout, Error, Kernel, Neighbor, ProjectKernel, Projection, Result, Threshold,
    projection::{encode_into, project_into},
};
use rayon::prelude::*;

pub mod asym;
pub mod codefile;
pub mod encode;
pub mod export;
pub mod floats;
pub mod inspect;
#[allow(unsafe_code)]
pub(crate) mod mmap;
pub mod rerank;
pub mod search;
pub mod sidecar;
pub mod threads;

pub use codefile::{CodeFile, CodeFileError, CodeFileWriter};
pub use encode::PackedProjection;
pub use floats::{F32Matrix, NpyF32, float_knn};
pub use search::{CodeSet, Searcher};
pub use threads::{ThreadsError, try_with_threads};

/// Environment variable choosing the kernels at run time: unset, empty or `auto` = the fastest
/// this CPU supports ([`Kernel::detect`], [`ProjectKernel::detect`]); `portable` = the portable
/// Hamming and projection kernels (the same choice as building with
/// `--cfg binaryllm_portable_only`, without a rebuild). Results are bit-identical either way.
pub const KERNEL_ENV: &str = "BINARYLLM_KERNEL";

/// Whether [`KERNEL_ENV`] forces the portable kernels; an error names any other value.
pub fn portable_forced() -> std::result::Result<bool, String> {
    kernel_choice(std::env::var(KERNEL_ENV))
}

/// [`portable_forced`] for the value `var` of [`KERNEL_ENV`] (as `std::env::var` returns it).
fn kernel_choice(
    var: std::result::Result<String, std::env::VarError>,
) -> std::result::Result<bool, String> {
    match var {
        Err(std::env::VarError::NotPresent) => Ok(false),
        Ok(v) if v.is_empty() || v == "auto" => Ok(false),
        Ok(v) if v == "portable" => Ok(true),
        Ok(v) => Err(format!("{KERNEL_ENV}={v:?} is not `auto` or `portable`")),
        Err(e) => Err(format!("{KERNEL_ENV}: {e}")),
    }
}

/// The Hamming kernel searches use: [`Kernel::detect`] unless [`KERNEL_ENV`] forces the
/// portable one (an invalid value is refused by the CLI before any work; here it means auto).
pub fn hamming_kernel() -> Kernel {
    if portable_forced().unwrap_or(false) {
        Kernel::PORTABLE
    } else {
        Kernel::detect()
    }
}

/// The projection micro-kernel encodes use (see [`hamming_kernel`]): the reference
/// arithmetic ([`Arithmetic::Separate`]).
pub fn project_kernel() -> ProjectKernel {
    project_kernel_with(Arithmetic::Separate)
}

/// The projection micro-kernel of `arithmetic`: the fastest, or the portable one of that
/// arithmetic when [`KERNEL_ENV`] forces it.
pub fn project_kernel_with(arithmetic: Arithmetic) -> ProjectKernel {
    match (portable_forced().unwrap_or(false), arithmetic) {
        (true, Arithmetic::Fused) => ProjectKernel::PORTABLE_FUSED,
        (true, _) => ProjectKernel::PORTABLE,
        (false, a) => ProjectKernel::detect_with(a),
    }
}

/// Packed codes of one layout, row-major: code `i` is `words[i·W .. (i+1)·W]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeMatrix {
    layout: CodeLayout,
    words: Vec<u64>,
}

impl CodeMatrix {
    /// Wraps `words` (`n · layout.words()` words with zero padding).
    pub fn new(layout: CodeLayout, words: Vec<u64>) -> Result<Self> {
        layout.check_flat(&words)?;
        Ok(Self { layout, words })
    }

    /// The layout of every code.
    pub fn layout(&self) -> CodeLayout {
        self.layout
    }

    /// Number of codes.
    pub fn len(&self) -> usize {
        self.as_set().len()
    }

    /// Whether there are no codes.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Code `i` (`None` past the end).
    pub fn code(&self, i: usize) -> Option<&[u64]> {
        self.as_set().code(i)
    }

    /// The flat word buffer.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Iterator over the codes.
    pub fn iter(&self) -> std::slice::ChunksExact<'_, u64> {
        self.words.chunks_exact(self.layout.words())
    }

    /// The codes as a borrowed [`CodeSet`].
    pub fn as_set(&self) -> CodeSet<'_> {
        CodeSet::from_checked(self.layout, &self.words)
    }

    /// The flat word buffer, by value.
    pub fn into_words(self) -> Vec<u64> {
        self.words
    }
}

/// Runs `f` on the rayon pool of `threads` threads (0 = all cores; see [`threads`]): on the
/// calling pool when it has that many threads, else on the cached pool of that count.
///
/// Commands validate and build their pool first ([`threads::pool`], whose errors they report),
/// so from the CLI this never starts a thread. A library caller whose count is refused or
/// whose pool cannot start gets a warning on stderr and `f` on the current threads (the
/// results are the same for every thread count); [`try_with_threads`] returns the error
/// instead.
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    if threads::inside_pool_of(threads) {
        return f();
    }
    match threads::pool(threads) {
        Ok(pool) => pool.install(f),
        Err(e) => {
            eprintln!(
                "warning: {}; running on the current threads",
                e.for_option("threads")
            );
            f()
        }
    }
}

/// Encodes `rows` vectors of `p.dims()` floats (row-major `x`) with projection `p` and the sign
/// rule `threshold`. Bit-identical to [`binaryllm_core::encode_into`] per row.
///
/// Errors name the first failing row through [`EncodeError`].
pub fn encode_matrix<P: Projection + Sync + ?Sized>(
    p: &P,
    threshold: Threshold<'_>,
    x: &[f32],
    threads: usize,
) -> std::result::Result<CodeMatrix, EncodeError> {
    encode_matrix_with_kernel(p, Some(project_kernel()), threshold, x, threads)
}

/// [`encode_matrix`] on a given projection micro-kernel (`None`: the core's per-row reference
/// path). Same bits whatever the choice among the reference path and the
/// [`Arithmetic::Separate`] kernels; an [`Arithmetic::Fused`] kernel gives the bits of
/// [`binaryllm_core::projection::dot_fused_sequential`] instead. Benchmarks and tests compare
/// them.
pub fn encode_matrix_with_kernel<P: Projection + Sync + ?Sized>(
    p: &P,
    kernel: Option<ProjectKernel>,
    threshold: Threshold<'_>,
    x: &[f32],
    threads: usize,
) -> std::result::Result<CodeMatrix, EncodeError> {
    let layout = CodeLayout::new(p.bits()).map_err(|e| EncodeError {
        row: None,
        error: e,
    })?;
    let dims = p.dims();
    whole_rows(x, dims)?;
    threshold
        .validate(layout.bits())
        .map_err(|error| EncodeError { row: None, error })?;
    match kernel.and_then(|k| PackedProjection::new(p, k)) {
        Some(packed) => {
            let words = encode::encode_packed(p, &packed, threshold, x, threads)?;
            Ok(CodeMatrix { layout, words })
        }
        None => encode_reference(p, layout, threshold, x, threads),
    }
}

/// Checks that `x` holds whole rows of `dims` floats (`dims > 0`): the one shape check of
/// every row-major input (encode, project, training sets).
pub fn check_rows(x: &[f32], dims: usize) -> std::result::Result<(), Error> {
    if dims == 0 || !x.len().is_multiple_of(dims) {
        return Err(Error::DimensionMismatch {
            expected: dims as u32,
            actual: (x.len() % dims.max(1)) as u32,
        });
    }
    Ok(())
}

/// [`check_rows`] as an error about no particular row.
fn whole_rows(x: &[f32], dims: usize) -> std::result::Result<(), EncodeError> {
    check_rows(x, dims).map_err(|error| EncodeError { row: None, error })
}

/// The core's per-row reference path spread over threads.
fn encode_reference<P: Projection + Sync + ?Sized>(
    p: &P,
    layout: CodeLayout,
    threshold: Threshold<'_>,
    x: &[f32],
    threads: usize,
) -> std::result::Result<CodeMatrix, EncodeError> {
    let dims = p.dims();
    let w = layout.words();
    let mut words = vec![0u64; x.len() / dims * w];
    with_threads(threads, || {
        words
            .par_chunks_mut(w)
            .zip(x.par_chunks(dims))
            .enumerate()
            .try_for_each(|(row, (out, xv))| {
                encode_into(p, xv, threshold, out).map_err(|error| EncodeError {
                    row: Some(row),
                    error,
                })
            })
    })?;
    Ok(CodeMatrix { layout, words })
}

/// Float projections `y = W · x` of `rows` vectors, row-major `[rows, bits]`.
pub fn project_matrix<P: Projection + Sync + ?Sized>(
    p: &P,
    x: &[f32],
    threads: usize,
) -> std::result::Result<Vec<f32>, EncodeError> {
    let (dims, bits) = (p.dims(), p.bits());
    whole_rows(x, dims)?;
    if let Some(packed) = PackedProjection::new(p, project_kernel()) {
        return encode::project_packed(p, &packed, x, threads);
    }
    let mut y = vec![0f32; x.len() / dims * bits];
    with_threads(threads, || {
        y.par_chunks_mut(bits)
            .zip(x.par_chunks(dims))
            .enumerate()
            .try_for_each(|(row, (out, xv))| {
                project_into(p, xv, out).map_err(|error| EncodeError {
                    row: Some(row),
                    error,
                })
            })
    })?;
    Ok(y)
}

/// A core error with the input row it happened on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodeError {
    /// The input row (vector) that failed, when the error is about one row.
    pub row: Option<usize>,
    /// The core error.
    pub error: Error,
}

impl std::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.row {
            Some(r) => write!(f, "row {r}: {}", self.error),
            None => write!(f, "{}", self.error),
        }
    }
}

impl std::error::Error for EncodeError {}

/// Exact top-k results: `k` neighbours per query, row-major (`k = min(requested k, N)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnnResult {
    /// Neighbours per query (the requested k clamped to the database size).
    pub k: usize,
    /// `queries · k` neighbours, each query's sorted by `(distance, index)`.
    pub neighbors: Vec<Neighbor>,
}

impl KnnResult {
    /// The neighbours of query `q`.
    pub fn query(&self, q: usize) -> &[Neighbor] {
        self.neighbors
            .get(q * self.k..(q + 1) * self.k)
            .unwrap_or(&[])
    }
}

/// Exact Hamming top-k of every query code over `db`, ties to the smaller index, the same
/// for every thread count. `k = 0` is an error; `k > N` is clamped to `N`. Runs a [`Searcher`]
/// on the fastest kernel of this CPU.
pub fn knn(db: &CodeMatrix, queries: &CodeMatrix, k: usize, threads: usize) -> Result<KnnResult> {
    Searcher::new().knn(db.as_set(), queries.as_set(), k, threads)
}

/// Test rows for the engine's unit tests: `n × dims` values uniform in `[-1, 1)` from the
/// seeded stream named `tag`.
#[cfg(test)]
pub(crate) fn uniform_rows(n: usize, dims: usize, seed: u64, tag: [u8; 8]) -> Vec<f32> {
    let mut s = binaryllm_core::rng::SeededStream::new(seed, tag, 0);
    (0..n * dims).map(|_| s.next_symmetric_uniform()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use binaryllm_core::{Kernel, ProjectionKind, SeededProjection, knn::top_k_flat_into};

    fn data(n: usize, dims: usize, seed: u64) -> Vec<f32> {
        uniform_rows(n, dims, seed, *b"testdata")
    }

    #[test]
    fn inputs_that_are_not_whole_rows_are_errors_about_no_row() {
        let p = SeededProjection::new(ProjectionKind::Gaussian, 1, 8, 16).unwrap();
        let x = data(3, 8, 1);
        let want = EncodeError {
            row: None,
            error: Error::DimensionMismatch {
                expected: 8,
                actual: 5,
            },
        };
        assert_eq!(
            encode_matrix(&p, Threshold::Zero, &x[..21], 1).unwrap_err(),
            want
        );
        assert_eq!(project_matrix(&p, &x[..13], 1).unwrap_err(), want);
        assert_eq!(want.to_string(), want.error.to_string());
        let at = EncodeError {
            row: Some(4),
            ..want
        };
        assert_eq!(at.to_string(), format!("row 4: {}", want.error));
        assert_eq!(check_rows(&x, 8), Ok(()));
        assert_eq!(
            check_rows(&x, 0),
            Err(Error::DimensionMismatch {
                expected: 0,
                actual: 0
            })
        );
    }

    #[test]
    fn code_matrix_accessors() {
        let layout = CodeLayout::new(70).unwrap();
        let words = vec![1, 0x3f, 2, 0, 3, 0x20];
        let m = CodeMatrix::new(layout, words.clone()).unwrap();
        assert_eq!((m.len(), m.is_empty(), m.layout()), (3, false, layout));
        assert_eq!(m.code(1), Some(&[2u64, 0][..]));
        assert_eq!(m.code(3), None);
        assert_eq!(
            m.iter().collect::<Vec<_>>(),
            [&[1u64, 0x3f][..], &[2, 0], &[3, 0x20]]
        );
        assert_eq!((m.words(), m.as_set().len()), (&words[..], 3));
        assert_eq!(m.into_words(), words);
        let empty = CodeMatrix::new(layout, Vec::new()).unwrap();
        assert_eq!((empty.len(), empty.is_empty()), (0, true));
        // Bits past 70 in the last word are padding and must be zero.
        assert!(CodeMatrix::new(layout, vec![0, 0x40]).is_err());
        assert!(CodeMatrix::new(layout, vec![0, 0, 0]).is_err());
    }

    #[test]
    fn the_kernel_variable_accepts_auto_and_portable_only() {
        use std::env::VarError;
        let val = |v: &str| kernel_choice(Ok(v.to_string()));
        assert_eq!(kernel_choice(Err(VarError::NotPresent)), Ok(false));
        assert_eq!(val(""), Ok(false));
        assert_eq!(val("auto"), Ok(false));
        assert_eq!(val("portable"), Ok(true));
        assert_eq!(
            val("avx2"),
            Err("BINARYLLM_KERNEL=\"avx2\" is not `auto` or `portable`".to_string())
        );
        let not_unicode = VarError::NotUnicode(std::ffi::OsString::from("x"));
        assert_eq!(
            kernel_choice(Err(not_unicode)),
            Err("BINARYLLM_KERNEL: environment variable was not valid unicode: \"x\"".to_string())
        );
        // This process's own setting decides the kernels (unset in CI; the host's tests run the
        // CLI with `portable` and with an invalid value).
        let forced = kernel_choice(std::env::var(KERNEL_ENV)).unwrap_or(false);
        assert_eq!(portable_forced().unwrap_or(false), forced);
        let (hamming, project) = if forced {
            (Kernel::PORTABLE, ProjectKernel::PORTABLE)
        } else {
            (
                Kernel::detect(),
                ProjectKernel::detect_with(Arithmetic::Separate),
            )
        };
        assert_eq!(hamming_kernel(), hamming);
        assert_eq!(project_kernel().name(), project.name());
        let fused = project_kernel_with(Arithmetic::Fused).name();
        if forced {
            assert_eq!(fused, ProjectKernel::PORTABLE_FUSED.name());
        } else {
            assert_eq!(fused, ProjectKernel::detect_with(Arithmetic::Fused).name());
        }
    }

    #[test]
    fn encode_matrix_equals_core_per_row_for_any_thread_count() {
        let p = SeededProjection::new(ProjectionKind::Gaussian, 5, 24, 100).unwrap();
        let x = data(37, 24, 1);
        let one = encode_matrix(&p, Threshold::Zero, &x, 1).unwrap();
        let two = encode_matrix(&p, Threshold::Zero, &x, 2).unwrap();
        assert_eq!(one, two);
        for (i, row) in x.chunks(24).enumerate() {
            let mut w = [0u64; 2];
            encode_into(&p, row, Threshold::Zero, &mut w).unwrap();
            assert_eq!(one.code(i).unwrap(), &w);
        }
    }

    #[test]
    fn encode_matrix_names_the_bad_row() {
        let p = SeededProjection::new(ProjectionKind::Gaussian, 5, 2, 8).unwrap();
        let e = encode_matrix(&p, Threshold::Zero, &[0.0, 1.0, f32::NAN, 0.0], 1).unwrap_err();
        assert_eq!(e.row, Some(1));
        assert_eq!(e.error, Error::NonFinite { index: 0 });
    }

    #[test]
    fn knn_equals_core_reference_for_any_thread_count() {
        let p = SeededProjection::new(ProjectionKind::Rademacher, 9, 16, 64).unwrap();
        let db = encode_matrix(&p, Threshold::Zero, &data(300, 16, 2), 2).unwrap();
        let q = encode_matrix(&p, Threshold::Zero, &data(20, 16, 3), 2).unwrap();
        let r1 = knn(&db, &q, 10, 1).unwrap();
        let r2 = knn(&db, &q, 10, 2).unwrap();
        assert_eq!(r1, r2);
        for (i, qc) in q.iter().enumerate() {
            let mut out = [Neighbor::default(); 10];
            top_k_flat_into(Kernel::PORTABLE, db.layout(), qc, db.words(), &mut out).unwrap();
            assert_eq!(r1.query(i), &out);
        }
        assert_eq!(knn(&db, &q, 0, 1), Err(Error::ZeroK));
        assert_eq!(knn(&db, &q, 1000, 1).unwrap().k, 300);
    }
}
