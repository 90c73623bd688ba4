//! Orthogonal and learned projections, trained on the host with `faer`.
//!
//! Every learned projection is stored the same way, so host and firmware encode it with the
//! core's reference path ([`DenseProjection`] + per-bit thresholds):
//!
//! ```text
//! bit_r = ( W_r · x  >=  t_r )      W: [bits, dims] f32, t: [bits] f32
//! ```
//!
//! Centred kinds (`pca`, `itq`) define `y = W (x − μ)` with the training mean `μ`; the centring
//! is folded into the thresholds, `t_r = θ_r + W_r · μ` (computed in f64, rounded once to f32),
//! where `θ_r` is the threshold on `y`: 0 (`zero`), the mean of `y_r` over the training set
//! (`mean`) or its median (`median`). Uncentred kinds (`orthogonal`) have `μ = 0`.
//!
//! Decompositions run in f64 with sequential parallelism (`Par::Seq`), so training gives the same
//! bits whatever the thread count.
//!
//! | kind | matrix |
//! |---|---|
//! | `orthogonal` | the seeded Gaussian matrix of the core, orthonormalised by QR in blocks of `dims` rows (`W_block = Qᵀ`, signs fixed so `diag(R) > 0`); `bits > dims` stacks independent blocks |
//! | `pca` | the top-`bits` eigenvectors of the training covariance, by decreasing eigenvalue, each signed so its largest-magnitude entry is positive (`bits <= dims`) |
//! | `itq` | Iterative Quantization (Gong & Lazebnik 2011): PCA to `bits` dims, then an orthogonal rotation `R` (seeded random start) refined by alternating `B = sign(V R)` and orthogonal Procrustes; `W = Rᵀ W_pca` (`bits <= dims`) |

use binaryllm_core::{DenseProjection, ProjectionKind, SeededProjection, Threshold};
use faer::{Mat, Par, Side};
use std::borrow::Cow;

pub use crate::kinds::{LearnedKind, ThresholdMode, TrainOptions};

/// A trained projection: dense matrix + per-bit thresholds (+ what produced them).
#[derive(Clone, Debug, PartialEq)]
pub struct LearnedProjection {
    /// The kind.
    pub kind: LearnedKind,
    /// Input dimensions.
    pub dims: usize,
    /// Output bits.
    pub bits: usize,
    /// Training options.
    pub options: TrainOptions,
    /// `[bits, dims]` row-major f32.
    pub matrix: Vec<f32>,
    /// `[bits]` final thresholds on `W · x` (centring folded in).
    pub thresholds: Vec<f32>,
    /// `[dims]` training mean (zeros for uncentred kinds).
    pub mean: Vec<f32>,
    /// ITQ quantisation loss `‖B − V R‖²_F` after each iteration's sign step (empty otherwise).
    pub objective: Vec<f64>,
    /// Number of training vectors used.
    pub n_train: usize,
}

impl LearnedProjection {
    /// The matrix as the core's borrowed dense projection.
    pub fn dense(&self) -> Result<DenseProjection<'_>, binaryllm_core::Error> {
        DenseProjection::new(&self.matrix, self.dims, self.bits)
    }

    /// The thresholds as the core's per-bit sign rule.
    pub fn threshold(&self) -> Threshold<'_> {
        Threshold::PerBit(&self.thresholds)
    }
}

/// Why training failed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LearnError {
    /// `bits` above `dims` for a kind that cannot do it.
    #[error("{kind} needs bits <= dims (got bits = {bits}, dims = {dims})")]
    BitsAboveDims {
        /// Kind name.
        kind: &'static str,
        /// Requested bits.
        bits: usize,
        /// Input dimensions.
        dims: usize,
    },
    /// Too few training vectors.
    #[error("{kind} needs at least {needed} training vectors, got {got}")]
    TooFewVectors {
        /// Kind name.
        kind: &'static str,
        /// Minimum.
        needed: usize,
        /// Given.
        got: usize,
    },
    /// Training data shape or values rejected by the core.
    #[error("training data: {0}")]
    Core(#[from] binaryllm_core::Error),
    /// A decomposition did not converge.
    #[error("{0} did not converge")]
    Decomposition(&'static str),
}

/// Trains `kind` on `x` (`n · dims` row-major f32; may be empty for `orthogonal` with the zero
/// threshold).
pub fn train(
    kind: LearnedKind,
    x: &[f32],
    dims: usize,
    bits: usize,
    options: TrainOptions,
) -> Result<LearnedProjection, LearnError> {
    // Sequential on purpose: faer's parallel products give different low bits per thread
    // count (measured), and a learned matrix must not depend on --threads.
    faer::set_global_parallelism(Par::Seq);
    // Shape checks through the core's own limits.
    SeededProjection::new(ProjectionKind::Gaussian, options.seed, dims, bits)?;
    binaryllm_core::binarize::check_finite(x)?;
    let x = training_rows(x, dims, options.sample, options.seed)?;
    let x = &x[..];
    let n = x.len() / dims;
    let needs_data = kind.needs_training_data() || options.threshold != ThresholdMode::Zero;
    if needs_data && n < 2 {
        return Err(LearnError::TooFewVectors {
            kind: kind.name(),
            needed: 2,
            got: n,
        });
    }
    if kind != LearnedKind::Orthogonal && bits > dims {
        return Err(LearnError::BitsAboveDims {
            kind: kind.name(),
            bits,
            dims,
        });
    }
    let mean: Vec<f64> = if kind.centred() {
        column_mean(x, n, dims)
    } else {
        vec![0.0; dims]
    };
    let mut objective = Vec::new();
    let w: Mat<f64> = match kind {
        LearnedKind::Orthogonal => orthogonal(options.seed, dims, bits)?,
        LearnedKind::Pca => pca(x, n, dims, bits, &mean)?,
        LearnedKind::Itq => {
            let w_pca = pca(x, n, dims, bits, &mean)?;
            itq(x, n, dims, &mean, &w_pca, options, &mut objective)?
        }
    };
    let matrix: Vec<f32> = (0..bits)
        .flat_map(|r| (0..dims).map(move |c| (r, c)))
        .map(|(r, c)| w[(r, c)] as f32)
        .collect();
    let thresholds = thresholds(&matrix, x, n, dims, bits, &mean, options.threshold);
    Ok(LearnedProjection {
        kind,
        dims,
        bits,
        options,
        matrix,
        thresholds,
        mean: mean.iter().map(|&m| m as f32).collect(),
        objective,
        n_train: n,
    })
}

/// The rows of `x` (`dims` columns) a projection trains on: all of them, or the seeded
/// [`subsample`] of `sample` rows when that is fewer. An error when `x` is not whole rows.
pub fn training_rows(
    x: &[f32],
    dims: usize,
    sample: Option<usize>,
    seed: u64,
) -> Result<Cow<'_, [f32]>, binaryllm_core::Error> {
    crate::engine::check_rows(x, dims)?;
    Ok(match sample {
        Some(m) if m < x.len() / dims => Cow::Owned(subsample(x, dims, m, seed)),
        _ => Cow::Borrowed(x),
    })
}

/// `m` rows of `x` (`dims` columns) chosen by a seeded partial Fisher–Yates shuffle driven by
/// `SeededStream(seed, "trainsmp")`, in their original order (`m` must not exceed the rows).
pub fn subsample(x: &[f32], dims: usize, m: usize, seed: u64) -> Vec<f32> {
    let n = x.len() / dims;
    let mut idx: Vec<usize> = (0..n).collect();
    let mut s = binaryllm_core::rng::SeededStream::new(seed, *b"trainsmp", 0);
    for i in 0..m {
        // Uniform in i..n by multiply-shift on 64 random bits.
        let r = (u64::from(s.next_u32()) << 32) | u64::from(s.next_u32());
        let j = i + ((u128::from(r) * (n - i) as u128) >> 64) as usize;
        idx.swap(i, j);
    }
    let mut chosen = idx[..m].to_vec();
    chosen.sort_unstable();
    chosen
        .iter()
        .flat_map(|&i| x[i * dims..(i + 1) * dims].iter().copied())
        .collect()
}

fn column_mean(x: &[f32], n: usize, dims: usize) -> Vec<f64> {
    let mut mean = vec![0f64; dims];
    for row in x.chunks_exact(dims) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v);
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    mean
}

fn centred(x: &[f32], n: usize, dims: usize, mean: &[f64]) -> Mat<f64> {
    Mat::from_fn(n, dims, |i, j| f64::from(x[i * dims + j]) - mean[j])
}

/// Flips column `j` of `q` (and row `j` of `r`) so that `r[j, j] >= 0`.
fn orthonormal_from_qr(a: &Mat<f64>) -> Mat<f64> {
    let qr = a.qr();
    let mut q = qr.compute_thin_Q();
    let r = qr.thin_R();
    for j in 0..q.ncols() {
        if r[(j, j)] < 0.0 {
            for i in 0..q.nrows() {
                q[(i, j)] = -q[(i, j)];
            }
        }
    }
    q
}

fn orthogonal(seed: u64, dims: usize, bits: usize) -> Result<Mat<f64>, LearnError> {
    let g = SeededProjection::new(ProjectionKind::Gaussian, seed, dims, bits)?;
    let mut gm = vec![0f32; dims * bits];
    g.materialize_into(&mut gm)?;
    let mut w = Mat::<f64>::zeros(bits, dims);
    let mut start = 0;
    while start < bits {
        let m = dims.min(bits - start);
        // A = G_blockᵀ (dims × m): its thin Q has m orthonormal columns in R^dims.
        let a = Mat::from_fn(dims, m, |i, j| f64::from(gm[(start + j) * dims + i]));
        let q = orthonormal_from_qr(&a);
        for j in 0..m {
            for i in 0..dims {
                w[(start + j, i)] = q[(i, j)];
            }
        }
        start += m;
    }
    Ok(w)
}

fn pca(
    x: &[f32],
    n: usize,
    dims: usize,
    bits: usize,
    mean: &[f64],
) -> Result<Mat<f64>, LearnError> {
    let xc = centred(x, n, dims, mean);
    let cov = (xc.transpose() * &xc) * faer::Scale(1.0 / (n as f64 - 1.0));
    let evd = cov
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| LearnError::Decomposition("covariance eigendecomposition"))?;
    let u = evd.U();
    // Eigenvalues come in nondecreasing order: take the last `bits` columns, largest first.
    let mut w = Mat::<f64>::zeros(bits, dims);
    for r in 0..bits {
        let col = dims - 1 - r;
        let mut best = 0usize;
        for i in 0..dims {
            if u[(i, col)].abs() > u[(best, col)].abs() {
                best = i;
            }
        }
        let sign = if u[(best, col)] < 0.0 { -1.0 } else { 1.0 };
        for i in 0..dims {
            w[(r, i)] = sign * u[(i, col)];
        }
    }
    Ok(w)
}

fn sign_matrix(z: &Mat<f64>) -> Mat<f64> {
    Mat::from_fn(z.nrows(), z.ncols(), |i, j| {
        if z[(i, j)] >= 0.0 { 1.0 } else { -1.0 }
    })
}

fn frobenius_sq_diff(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    let mut s = 0.0;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            let d = a[(i, j)] - b[(i, j)];
            s += d * d;
        }
    }
    s
}

fn itq(
    x: &[f32],
    n: usize,
    dims: usize,
    mean: &[f64],
    w_pca: &Mat<f64>,
    options: TrainOptions,
    objective: &mut Vec<f64>,
) -> Result<Mat<f64>, LearnError> {
    let bits = w_pca.nrows();
    let v = centred(x, n, dims, mean) * w_pca.transpose();
    // Seeded random orthogonal start: QR of a Gaussian bits × bits matrix.
    let g = SeededProjection::new(
        ProjectionKind::Gaussian,
        options.seed ^ ITQ_SEED_SALT,
        bits,
        bits,
    )?;
    let mut gm = vec![0f32; bits * bits];
    g.materialize_into(&mut gm)?;
    let mut r = orthonormal_from_qr(&Mat::from_fn(bits, bits, |i, j| {
        f64::from(gm[i * bits + j])
    }));
    for _ in 0..options.iterations {
        let z = &v * &r;
        let b = sign_matrix(&z);
        objective.push(frobenius_sq_diff(&b, &z));
        // Procrustes: minimise ‖B − V R‖ over orthogonal R: Vᵀ B = U Σ Wᵀ, R = U Wᵀ.
        let m = v.transpose() * &b;
        let svd = m
            .svd()
            .map_err(|_| LearnError::Decomposition("ITQ Procrustes SVD"))?;
        r = svd.U() * svd.V().transpose();
    }
    // y = Rᵀ W_pca (x − μ): the rows of W are the rotated components.
    Ok(r.transpose() * w_pca)
}

/// Salt mixed into ITQ's seed so its start rotation differs from `orthogonal`'s matrix.
const ITQ_SEED_SALT: u64 = 0x4954_515f_494e_4954; // "ITQ_INIT"

fn thresholds(
    matrix: &[f32],
    x: &[f32],
    n: usize,
    dims: usize,
    bits: usize,
    mean: &[f64],
    mode: ThresholdMode,
) -> Vec<f32> {
    // W_r · μ in f64: the centring offset.
    let offset: Vec<f64> = matrix
        .chunks_exact(dims)
        .map(|w| w.iter().zip(mean).map(|(&a, &m)| f64::from(a) * m).sum())
        .collect();
    let theta: Vec<f64> = match mode {
        ThresholdMode::Zero => vec![0.0; bits],
        ThresholdMode::Mean | ThresholdMode::Median => {
            // y_r = W_r · x − W_r · μ over the training set, with the reference dot product.
            let mut cols: Vec<Vec<f64>> = vec![Vec::with_capacity(n); bits];
            for row in x.chunks_exact(dims) {
                for (r, w) in matrix.chunks_exact(dims).enumerate() {
                    let y = f64::from(binaryllm_core::projection::dot_sequential(w, row));
                    cols[r].push(y - offset[r]);
                }
            }
            cols.into_iter()
                .map(|mut c| column_threshold(mode, &mut c))
                .collect()
        }
    };
    theta
        .iter()
        .zip(&offset)
        .map(|(t, o)| (t + o) as f32)
        .collect()
}

/// The threshold rule `mode` (mean or median; 0 for zero) over one projected column: a bit's
/// threshold for the seeded kinds and, before the centring offset, for the learned ones.
pub fn column_threshold(mode: ThresholdMode, column: &mut [f64]) -> f64 {
    match mode {
        ThresholdMode::Zero => 0.0,
        ThresholdMode::Mean => column.iter().sum::<f64>() / column.len().max(1) as f64,
        ThresholdMode::Median => median(column),
    }
}

/// The median of `v` ([`crate::stats::median`]: the mean of the two middle values when the
/// length is even), 0 when empty (no training rows: a zero threshold).
pub fn median(v: &mut [f64]) -> f64 {
    crate::stats::median(v).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use binaryllm_core::rng::SeededStream;

    /// Anisotropic, off-centre data: x = A z + c with a seeded Gaussian z.
    fn data(n: usize, dims: usize, seed: u64) -> Vec<f32> {
        let mut s = SeededStream::new(seed, *b"learntst", 0);
        let mut out = Vec::with_capacity(n * dims);
        for _ in 0..n {
            for c in 0..dims {
                let z = s.next_normal_pair().0;
                out.push(z * (1.0 + c as f32) * 0.3 + 0.5 * (c % 3) as f32);
            }
        }
        out
    }

    fn gram(w: &[f32], bits: usize, dims: usize) -> Vec<f64> {
        let mut g = vec![0f64; bits * bits];
        for a in 0..bits {
            for b in 0..bits {
                g[a * bits + b] = (0..dims)
                    .map(|c| f64::from(w[a * dims + c]) * f64::from(w[b * dims + c]))
                    .sum();
            }
        }
        g
    }

    #[test]
    fn orthogonal_rows_are_gram_schmidt_of_the_seeded_gaussian_rows() {
        // bits > dims: blocks of `dims` rows, each the QR of its Gaussian rows with r[j, j] > 0,
        // so row j is orthogonal to the block's earlier Gaussian rows and positive on its own.
        let (dims, bits, seed) = (6, 14, 9);
        let opts = TrainOptions {
            seed,
            ..TrainOptions::default()
        };
        let w = train(LearnedKind::Orthogonal, &[], dims, bits, opts)
            .unwrap()
            .matrix;
        let g = SeededProjection::new(ProjectionKind::Gaussian, seed, dims, bits).unwrap();
        let mut gm = vec![0f32; dims * bits];
        g.materialize_into(&mut gm).unwrap();
        let row = |m: &[f32], r: usize| m[r * dims..(r + 1) * dims].to_vec();
        let dot = |a: &[f32], b: &[f32]| {
            a.iter()
                .zip(b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum::<f64>()
        };
        for r in 0..bits {
            let start = r / dims * dims;
            let wr = row(&w, r);
            assert!((dot(&wr, &wr) - 1.0).abs() < 1e-6, "row {r} is not unit");
            assert!(dot(&wr, &row(&gm, r)) > 0.0, "row {r}: sign");
            for k in start..r {
                assert!(
                    dot(&wr, &row(&gm, k)).abs() < 1e-5,
                    "row {r} vs gaussian row {k}"
                );
                assert!(dot(&wr, &row(&w, k)).abs() < 1e-6, "row {r} vs row {k}");
            }
        }
    }

    #[test]
    fn pca_rows_diagonalise_the_covariance_largest_first_with_a_positive_peak() {
        let (n, dims) = (200, 6);
        let x = data(n, dims, 5);
        let full = train(LearnedKind::Pca, &x, dims, dims, TrainOptions::default()).unwrap();
        let top = train(LearnedKind::Pca, &x, dims, 3, TrainOptions::default()).unwrap();
        assert_eq!(top.matrix[..], full.matrix[..3 * dims]);
        let mean: Vec<f64> = full.mean.iter().map(|&m| f64::from(m)).collect();
        // C v for the sample covariance C.
        let cov_times = |v: &[f32]| -> Vec<f64> {
            let mut out = vec![0f64; dims];
            for row in x.chunks_exact(dims) {
                let c: Vec<f64> = row
                    .iter()
                    .zip(&mean)
                    .map(|(&a, m)| f64::from(a) - m)
                    .collect();
                let d: f64 = c.iter().zip(v).map(|(a, &b)| a * f64::from(b)).sum();
                for (o, a) in out.iter_mut().zip(&c) {
                    *o += a * d / (n as f64 - 1.0);
                }
            }
            out
        };
        let row = |r: usize| &full.matrix[r * dims..(r + 1) * dims];
        let mut last = f64::INFINITY;
        for r in 0..dims {
            let cv = cov_times(row(r));
            for k in 0..dims {
                let q: f64 = cv.iter().zip(row(k)).map(|(a, &b)| a * f64::from(b)).sum();
                if k == r {
                    assert!(
                        q <= last + 1e-9 && q > 0.0,
                        "row {r}: eigenvalue {q} after {last}"
                    );
                    last = q;
                } else {
                    assert!(q.abs() < 1e-4, "rows {r}, {k}: {q}");
                }
            }
            let peak = row(r)
                .iter()
                .copied()
                .max_by(|a, b| a.abs().total_cmp(&b.abs()));
            assert!(peak.unwrap() > 0.0, "row {r}: {:?}", row(r));
        }
        // Two vectors: the one direction is their difference.
        let two = [1.0f32, 2.0, 3.0, 0.0, 4.0, 2.0, 2.0, -1.0];
        let p = train(LearnedKind::Pca, &two, 4, 1, TrainOptions::default()).unwrap();
        let d = [3.0f32, 0.0, -1.0, -1.0].map(|v| v / 11f32.sqrt());
        for (got, want) in p.matrix.iter().zip(d) {
            assert!((got - want).abs() < 1e-6, "{:?}", p.matrix);
        }
    }

    #[test]
    fn threshold_rules_over_a_column() {
        let col = || vec![4.0, -1.0, 2.5, 10.0];
        assert_eq!(column_threshold(ThresholdMode::Zero, &mut col()), 0.0);
        assert_eq!(
            column_threshold(ThresholdMode::Mean, &mut col()),
            15.5 / 4.0
        );
        assert_eq!(column_threshold(ThresholdMode::Median, &mut col()), 3.25);
        assert_eq!(
            column_threshold(ThresholdMode::Median, &mut [3.0, 9.0, 1.0]),
            3.0
        );
        assert_eq!(column_threshold(ThresholdMode::Mean, &mut []), 0.0);
    }

    #[test]
    fn learned_thresholds_are_the_rule_over_the_projected_training_set() {
        let (dims, bits) = (5, 3);
        let x = data(31, dims, 8);
        for kind in [LearnedKind::Pca, LearnedKind::Orthogonal] {
            for mode in [ThresholdMode::Mean, ThresholdMode::Median] {
                let opts = TrainOptions {
                    threshold: mode,
                    ..TrainOptions::default()
                };
                let p = train(kind, &x, dims, bits, opts).unwrap();
                for r in 0..bits {
                    let w = &p.matrix[r * dims..(r + 1) * dims];
                    let mut y: Vec<f64> = x
                        .chunks_exact(dims)
                        .map(|row| f64::from(binaryllm_core::projection::dot_sequential(w, row)))
                        .collect();
                    let want = column_threshold(mode, &mut y);
                    let got = f64::from(p.thresholds[r]);
                    assert!(
                        (got - want).abs() < 1e-5,
                        "{kind:?} {mode:?} bit {r}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn itq_starts_from_the_salted_seed_rotation() {
        // With no iterations ITQ is Rᵀ W_pca, R the QR of the Gaussian (seed ^ salt) bits × bits
        // matrix, row-major: so R = (W_itq W_pcaᵀ)ᵀ.
        let (dims, bits, seed) = (6, 4, 21);
        let x = data(50, dims, 3);
        let opts = TrainOptions {
            seed,
            iterations: 0,
            ..TrainOptions::default()
        };
        let itq = train(LearnedKind::Itq, &x, dims, bits, opts).unwrap();
        let pca = train(LearnedKind::Pca, &x, dims, bits, opts).unwrap();
        let g = SeededProjection::new(ProjectionKind::Gaussian, seed ^ ITQ_SEED_SALT, bits, bits);
        let mut gm = vec![0f32; bits * bits];
        g.unwrap().materialize_into(&mut gm).unwrap();
        let r = orthonormal_from_qr(&Mat::from_fn(bits, bits, |i, j| {
            f64::from(gm[i * bits + j])
        }));
        for i in 0..bits {
            for j in 0..bits {
                let wi = &itq.matrix[j * dims..(j + 1) * dims];
                let pi = &pca.matrix[i * dims..(i + 1) * dims];
                let got: f64 = wi
                    .iter()
                    .zip(pi)
                    .map(|(&a, &b)| f64::from(a) * f64::from(b))
                    .sum();
                assert!(
                    (got - r[(i, j)]).abs() < 1e-5,
                    "R[{i}, {j}]: {got} vs {}",
                    r[(i, j)]
                );
            }
        }
        assert!(itq.objective.is_empty());
        // Iterations then lower the quantisation loss.
        let opts = TrainOptions {
            iterations: 8,
            ..opts
        };
        let o = train(LearnedKind::Itq, &x, dims, bits, opts)
            .unwrap()
            .objective;
        assert_eq!(o.len(), 8);
        assert!(o.last() < o.first(), "{o:?}");
    }

    #[test]
    fn the_training_mean_is_the_column_mean() {
        let x = data(9, 5, 2);
        let p = train(LearnedKind::Pca, &x, 5, 3, TrainOptions::default()).unwrap();
        let want: Vec<f32> = (0..5)
            .map(|c| {
                (x.iter()
                    .skip(c)
                    .step_by(5)
                    .map(|&v| f64::from(v))
                    .sum::<f64>()
                    / 9.0) as f32
            })
            .collect();
        assert_eq!(p.mean, want);
    }

    #[test]
    fn subsample_golden() {
        // Row i holds the value i: the rows SeededStream(seed, "trainsmp") picks, in order.
        // Trained artefacts depend on them, so they are part of the determinism contract.
        let x: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        assert_eq!(
            subsample(&x, 1, 8, 42),
            [52.0, 150.0, 352.0, 522.0, 526.0, 635.0, 858.0, 909.0]
        );
        let rows: Vec<f32> = subsample(&x[..30], 3, 4, 7)
            .chunks_exact(3)
            .map(|r| r[0] / 3.0)
            .collect();
        assert_eq!(rows, [2.0, 3.0, 6.0, 8.0]);
    }

    #[test]
    fn training_rows_are_all_rows_or_the_seeded_subsample() {
        let x = data(12, 4, 1);
        let all = training_rows(&x, 4, None, 3).unwrap();
        assert!(matches!(all, Cow::Borrowed(_)));
        assert_eq!(training_rows(&x, 4, Some(12), 3).unwrap(), all);
        assert_eq!(training_rows(&x, 4, Some(500), 3).unwrap(), all);
        let some = training_rows(&x, 4, Some(5), 3).unwrap();
        assert_eq!(some, subsample(&x, 4, 5, 3));
        assert_eq!(some.len(), 20);
        assert_ne!(some, subsample(&x, 4, 5, 4));
        assert_eq!(
            training_rows(&x[..47], 4, Some(5), 3),
            Err(binaryllm_core::Error::DimensionMismatch {
                expected: 4,
                actual: 3
            })
        );
        // train() and the seeded kinds' thresholds share it.
        let opts = TrainOptions {
            seed: 3,
            sample: Some(5),
            ..TrainOptions::default()
        };
        let p = train(LearnedKind::Pca, &x, 4, 2, opts).unwrap();
        assert_eq!(p.n_train, 5);
        let on_picked = train(
            LearnedKind::Pca,
            &some,
            4,
            2,
            TrainOptions {
                sample: None,
                ..opts
            },
        );
        assert_eq!(p.matrix, on_picked.unwrap().matrix);
        assert!(matches!(
            train(LearnedKind::Pca, &x[..47], 4, 2, opts),
            Err(LearnError::Core(
                binaryllm_core::Error::DimensionMismatch { .. }
            ))
        ));
        // Two vectors are enough to learn from; one is not.
        let none = TrainOptions::default();
        assert_eq!(
            train(LearnedKind::Pca, &x[..8], 4, 1, none)
                .unwrap()
                .n_train,
            2
        );
        assert_eq!(
            train(LearnedKind::Pca, &x[..4], 4, 1, none).unwrap_err(),
            LearnError::TooFewVectors {
                kind: "pca",
                needed: 2,
                got: 1
            }
        );
    }

    #[test]
    fn orthogonal_rows_are_orthonormal_within_each_block() {
        for (dims, bits) in [(16, 16), (16, 5), (10, 25)] {
            let p = train(
                LearnedKind::Orthogonal,
                &[],
                dims,
                bits,
                TrainOptions::default(),
            )
            .unwrap();
            let g = gram(&p.matrix, bits, dims);
            for a in 0..bits {
                for b in 0..bits {
                    if a / dims != b / dims {
                        continue;
                    }
                    let want = if a == b { 1.0 } else { 0.0 };
                    assert!(
                        (g[a * bits + b] - want).abs() < 1e-5,
                        "{dims}x{bits} ({a},{b})"
                    );
                }
            }
            assert!(p.thresholds.iter().all(|&t| t == 0.0));
        }
    }

    #[test]
    fn orthogonal_is_seeded_and_deterministic() {
        let a = train(LearnedKind::Orthogonal, &[], 12, 8, TrainOptions::default()).unwrap();
        let b = train(LearnedKind::Orthogonal, &[], 12, 8, TrainOptions::default()).unwrap();
        let c = train(
            LearnedKind::Orthogonal,
            &[],
            12,
            8,
            TrainOptions {
                seed: 1,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(a, b);
        assert_ne!(a.matrix, c.matrix);
    }

    /// Jacobi eigenvalue iteration on a small symmetric matrix: an independent reference.
    fn jacobi_eigenvalues(mut a: Vec<f64>, n: usize) -> Vec<f64> {
        for _ in 0..100 {
            for p in 0..n {
                for q in p + 1..n {
                    let apq = a[p * n + q];
                    if apq.abs() < 1e-15 {
                        continue;
                    }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                    let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                    let t = if theta == 0.0 { 1.0 } else { t };
                    let (c, s) = (1.0 / (t * t + 1.0).sqrt(), t / (t * t + 1.0).sqrt());
                    for k in 0..n {
                        let (akp, akq) = (a[k * n + p], a[k * n + q]);
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for k in 0..n {
                        let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                }
            }
        }
        let mut ev: Vec<f64> = (0..n).map(|i| a[i * n + i]).collect();
        ev.sort_by(|a, b| b.total_cmp(a));
        ev
    }

    #[test]
    fn pca_matches_a_reference_decomposition() {
        let (n, dims, bits) = (400, 6, 4);
        let x = data(n, dims, 1);
        let p = train(LearnedKind::Pca, &x, dims, bits, TrainOptions::default()).unwrap();
        // Covariance in f64, straight from the definition.
        let mean = column_mean(&x, n, dims);
        let mut cov = vec![0f64; dims * dims];
        for row in x.chunks_exact(dims) {
            for a in 0..dims {
                for b in 0..dims {
                    cov[a * dims + b] += (f64::from(row[a]) - mean[a])
                        * (f64::from(row[b]) - mean[b])
                        / (n as f64 - 1.0);
                }
            }
        }
        let ev = jacobi_eigenvalues(cov.clone(), dims);
        for r in 0..bits {
            let w: Vec<f64> = p.matrix[r * dims..(r + 1) * dims]
                .iter()
                .map(|&v| f64::from(v))
                .collect();
            // Rayleigh quotient = the r-th largest eigenvalue, and C w = λ w.
            let cw: Vec<f64> = (0..dims)
                .map(|a| (0..dims).map(|b| cov[a * dims + b] * w[b]).sum())
                .collect();
            let lambda: f64 = cw.iter().zip(&w).map(|(a, b)| a * b).sum();
            assert!(
                (lambda - ev[r]).abs() < 1e-4 * ev[0],
                "component {r}: {lambda} vs {}",
                ev[r]
            );
            for (a, b) in cw.iter().zip(&w) {
                assert!((a - lambda * b).abs() < 1e-4 * ev[0]);
            }
        }
        // Centring is folded into the thresholds: t = W μ.
        for r in 0..bits {
            let wmu: f64 = (0..dims)
                .map(|c| f64::from(p.matrix[r * dims + c]) * mean[c])
                .sum();
            assert!((f64::from(p.thresholds[r]) - wmu).abs() < 1e-5);
        }
    }

    #[test]
    fn itq_objective_never_increases_and_rotation_stays_orthogonal() {
        let (n, dims, bits) = (500, 12, 8);
        let x = data(n, dims, 2);
        let p = train(
            LearnedKind::Itq,
            &x,
            dims,
            bits,
            TrainOptions {
                seed: 3,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(p.objective.len(), 50);
        for w in p.objective.windows(2) {
            assert!(w[1] <= w[0] * (1.0 + 1e-12), "{} -> {}", w[0], w[1]);
        }
        assert!(p.objective[49] < p.objective[0]);
        // W = Rᵀ W_pca has orthonormal rows because both factors do.
        let g = gram(&p.matrix, bits, dims);
        for a in 0..bits {
            for b in 0..bits {
                let want = if a == b { 1.0 } else { 0.0 };
                assert!((g[a * bits + b] - want).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn median_threshold_splits_the_training_set_in_half() {
        let (n, dims, bits) = (301, 5, 5);
        let x = data(n, dims, 4);
        let opts = TrainOptions {
            threshold: ThresholdMode::Median,
            ..Default::default()
        };
        for kind in LearnedKind::ALL {
            let p = train(kind, &x, dims, bits, opts).unwrap();
            let dense = p.dense().unwrap();
            let mut ones = vec![0usize; bits];
            for row in x.chunks_exact(dims) {
                let mut code = [0u64; 1];
                binaryllm_core::encode_into(&dense, row, p.threshold(), &mut code).unwrap();
                for (r, o) in ones.iter_mut().enumerate() {
                    *o += ((code[0] >> r) & 1) as usize;
                }
            }
            // With an odd count the median row itself sits on the threshold: 151 of 301 (±1 for
            // f32 rounding of the threshold).
            for o in ones {
                assert!((149..=152).contains(&o), "{kind:?}: {o} ones of {n}");
            }
        }
    }

    #[test]
    fn subsample_is_seeded_and_uses_the_given_rows() {
        let x = data(50, 3, 6);
        let opts = TrainOptions {
            sample: Some(20),
            seed: 9,
            ..Default::default()
        };
        let a = train(LearnedKind::Pca, &x, 3, 2, opts).unwrap();
        let b = train(LearnedKind::Pca, &x, 3, 2, opts).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.n_train, 20);
        let full = train(LearnedKind::Pca, &x, 3, 2, TrainOptions::default()).unwrap();
        assert_eq!(full.n_train, 50);
        assert_ne!(a.mean, full.mean);
        let sub = subsample(&x, 3, 20, 9);
        assert!(
            sub.chunks_exact(3)
                .all(|r| x.chunks_exact(3).any(|o| o == r))
        );
    }

    #[test]
    fn bad_requests_are_typed_errors() {
        let x = data(10, 4, 5);
        assert_eq!(
            train(LearnedKind::Pca, &x, 4, 5, TrainOptions::default()),
            Err(LearnError::BitsAboveDims {
                kind: "pca",
                bits: 5,
                dims: 4
            })
        );
        assert!(matches!(
            train(LearnedKind::Itq, &x[..4], 4, 2, TrainOptions::default()),
            Err(LearnError::TooFewVectors { .. })
        ));
        assert!(matches!(
            train(LearnedKind::Pca, &x[..7], 4, 2, TrainOptions::default()),
            Err(LearnError::Core(_))
        ));
        let mut bad = x.clone();
        bad[3] = f32::NAN;
        assert_eq!(
            train(LearnedKind::Pca, &bad, 4, 2, TrainOptions::default()),
            Err(LearnError::Core(binaryllm_core::Error::NonFinite {
                index: 3
            }))
        );
        assert!(train(LearnedKind::Orthogonal, &[], 0, 2, TrainOptions::default()).is_err());
    }
}
