//! One host-side projector over every projection kind and threshold rule.
//!
//! | kind | how it encodes | needs training data |
//! |---|---|---|
//! | `gaussian`, `rademacher`, `achlioptas` | the core's seeded matrix, materialised and run on the fast dense encoder (bit-identical to the core's matrix-free path) | only for `mean`/`median` thresholds |
//! | `hadamard` | the core's matrix-free sign flips + FWHT ([`HadamardProjection`]), row-parallel | only for `mean`/`median` thresholds |
//! | `orthogonal`, `pca`, `itq` | a dense matrix trained by [`crate::projection::learn`] (seeded), run on the fast dense encoder | `pca`, `itq` always; `orthogonal` only for `mean`/`median` |
//!
//! Thresholds (`zero`, `mean`, `median`) are per-bit values on the projection `W · x`, computed
//! once from the training vectors and applied alike to base vectors and queries. For the
//! learned kinds they follow [`crate::projection::learn`] (centring folded in). For the seeded kinds and
//! `hadamard` they are the mean or median of each projected output over the training vectors,
//! in f64, rounded once to f32; training data may be subsampled with the same seeded rule as
//! [`crate::projection::learn`].

pub mod artefact;
pub mod choice;
pub mod learn;

use binaryllm_core::{
    CodeLayout, DenseProjection, HadamardPlan, HadamardProjection, SeededProjection, Threshold,
};
use rayon::prelude::*;

use crate::engine::{self, CodeMatrix, EncodeError};
use crate::projection::learn::{LearnError, LearnedProjection, ThresholdMode, TrainOptions};

pub use crate::kinds::{Kind, known_kinds, known_thresholds};

/// What to build: a kind plus its seed, width and training options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// The kind.
    pub kind: Kind,
    /// Output bits.
    pub bits: usize,
    /// Seed, threshold rule, ITQ iterations, training subsample.
    pub options: TrainOptions,
}

/// Why a projector could not be built or run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProjectorError {
    /// Training (or a shape check through the core) failed.
    #[error(transparent)]
    Learn(#[from] LearnError),
    /// A shape or value rejected by the core.
    #[error(transparent)]
    Core(#[from] binaryllm_core::Error),
    /// Encoding a row failed.
    #[error("{0}")]
    Encode(#[from] EncodeError),
}

/// How a projector maps a vector to outputs.
#[derive(Clone, Debug, PartialEq)]
enum Map {
    /// `[bits, dims]` row-major matrix (seeded materialised, or trained).
    Matrix(Vec<f32>),
    /// Matrix-free Hadamard.
    Hadamard(HadamardProjection),
}

/// A ready-to-use projection: a map plus per-bit thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct Projector {
    spec: Spec,
    dims: usize,
    map: Map,
    /// `[bits]` thresholds; `None` = the zero threshold.
    thresholds: Option<Vec<f32>>,
    learned: Option<LearnedProjection>,
    n_train: usize,
}

impl Projector {
    /// Builds `spec` for `dims`-dimensional inputs, training on `train` (row-major, may be
    /// empty when the kind and threshold rule need no data).
    pub fn build(spec: Spec, dims: usize, train: &[f32]) -> Result<Self, ProjectorError> {
        let opts = spec.options;
        match spec.kind {
            Kind::Learned(k) => {
                let p = learn::train(k, train, dims, spec.bits, opts)?;
                let thresholds = Some(p.thresholds.clone());
                Ok(Self {
                    spec,
                    dims,
                    map: Map::Matrix(p.matrix.clone()),
                    thresholds,
                    n_train: p.n_train,
                    learned: Some(p),
                })
            }
            Kind::Seeded(k) => {
                let sp = SeededProjection::new(k, opts.seed, dims, spec.bits)?;
                let mut w = vec![0f32; dims * spec.bits];
                sp.materialize_into(&mut w)?;
                let mut p = Self {
                    spec,
                    dims,
                    map: Map::Matrix(w),
                    thresholds: None,
                    learned: None,
                    n_train: 0,
                };
                p.fit_thresholds(train)?;
                Ok(p)
            }
            Kind::Hadamard => {
                let h = HadamardProjection::new(opts.seed, dims, spec.bits)?;
                let mut p = Self {
                    spec,
                    dims,
                    map: Map::Hadamard(h),
                    thresholds: None,
                    learned: None,
                    n_train: 0,
                };
                p.fit_thresholds(train)?;
                Ok(p)
            }
        }
    }

    /// A projector from a stored dense matrix and thresholds (a loaded artefact).
    pub fn from_parts(
        spec: Spec,
        dims: usize,
        matrix: Vec<f32>,
        thresholds: Vec<f32>,
        n_train: usize,
    ) -> Result<Self, ProjectorError> {
        DenseProjection::new(&matrix, dims, spec.bits)?;
        Threshold::PerBit(&thresholds).validate(spec.bits)?;
        Ok(Self {
            spec,
            dims,
            map: Map::Matrix(matrix),
            thresholds: Some(thresholds),
            learned: None,
            n_train,
        })
    }

    /// Seeded kinds and Hadamard: thresholds from the projected training set.
    fn fit_thresholds(&mut self, train: &[f32]) -> Result<(), ProjectorError> {
        let mode = self.spec.options.threshold;
        if mode == ThresholdMode::Zero {
            return Ok(());
        }
        let dims = self.dims;
        let opts = self.spec.options;
        let x = learn::training_rows(train, dims, opts.sample, opts.seed)?;
        let x = &x[..];
        let n = x.len() / dims;
        if n < 2 {
            return Err(LearnError::TooFewVectors {
                kind: self.spec.kind.name(),
                needed: 2,
                got: n,
            }
            .into());
        }
        self.n_train = n;
        let y = self.project(x, 0)?;
        let bits = self.spec.bits;
        let t = (0..bits)
            .map(|r| {
                let mut col: Vec<f64> = y.chunks_exact(bits).map(|v| f64::from(v[r])).collect();
                learn::column_threshold(mode, &mut col) as f32
            })
            .collect();
        self.thresholds = Some(t);
        Ok(())
    }

    /// What was built.
    pub fn spec(&self) -> Spec {
        self.spec
    }

    /// Input dimensions.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Output bits.
    pub fn bits(&self) -> usize {
        self.spec.bits
    }

    /// The dense `[bits, dims]` matrix (`None` for `hadamard`).
    pub fn matrix(&self) -> Option<&[f32]> {
        match &self.map {
            Map::Matrix(w) => Some(w),
            Map::Hadamard(_) => None,
        }
    }

    /// The per-bit thresholds (`None`: zero).
    pub fn thresholds(&self) -> Option<&[f32]> {
        self.thresholds.as_deref()
    }

    /// The thresholds as the core's sign rule.
    pub fn threshold(&self) -> Threshold<'_> {
        match &self.thresholds {
            Some(t) => Threshold::PerBit(t),
            None => Threshold::Zero,
        }
    }

    /// Number of training vectors used (0 when none were needed).
    pub fn n_train(&self) -> usize {
        self.n_train
    }

    /// The trained projection (learned kinds built by [`build`](Self::build)).
    pub fn learned(&self) -> Option<&LearnedProjection> {
        self.learned.as_ref()
    }

    /// The thresholds as a `[bits]` vector (zeros for the zero rule).
    pub fn threshold_vec(&self) -> Vec<f32> {
        self.thresholds
            .clone()
            .unwrap_or_else(|| vec![0.0; self.spec.bits])
    }

    /// The materialised `[bits, dims]` matrix of any kind (for `hadamard`: the core's
    /// materialisation, equal to the transform up to f32 rounding of near-zero outputs).
    pub fn dense_matrix(&self) -> Result<Vec<f32>, ProjectorError> {
        match &self.map {
            Map::Matrix(w) => Ok(w.clone()),
            Map::Hadamard(h) => {
                let mut scratch = vec![0f32; h.padded_dims()];
                let mut w = vec![0f32; self.dims * self.spec.bits];
                h.materialize_into(&mut scratch, &mut w)?;
                Ok(w)
            }
        }
    }

    /// Encodes row-major `x` on the fast path (`threads` 0 = all cores).
    pub fn encode(&self, x: &[f32], threads: usize) -> Result<CodeMatrix, ProjectorError> {
        self.encode_with(x, threads, Some(engine::project_kernel()))
    }

    /// Encodes row-major `x` with the opt-in fused multiply-add kernels
    /// ([`Arithmetic::Fused`](binaryllm_core::Arithmetic::Fused)): faster on CPUs with FMA,
    /// but a sign bit differs from [`encode`](Self::encode) wherever an output lies within
    /// rounding of its threshold. `hadamard` is matrix-free and ignores the choice.
    pub fn encode_fused(&self, x: &[f32], threads: usize) -> Result<CodeMatrix, ProjectorError> {
        let kernel = engine::project_kernel_with(binaryllm_core::Arithmetic::Fused);
        self.encode_with(x, threads, Some(kernel))
    }

    /// Encodes row-major `x` with the core's per-row reference path (the oracle of
    /// [`encode`](Self::encode); same bits).
    pub fn encode_reference(&self, x: &[f32]) -> Result<CodeMatrix, ProjectorError> {
        self.encode_with(x, 1, None)
    }

    fn encode_with(
        &self,
        x: &[f32],
        threads: usize,
        kernel: Option<binaryllm_core::ProjectKernel>,
    ) -> Result<CodeMatrix, ProjectorError> {
        let th = self.threshold();
        match &self.map {
            Map::Matrix(w) => {
                let dense = DenseProjection::new(w, self.dims, self.spec.bits)?;
                Ok(engine::encode_matrix_with_kernel(
                    &dense, kernel, th, x, threads,
                )?)
            }
            Map::Hadamard(h) => {
                let layout = CodeLayout::new(self.spec.bits)?;
                engine::check_rows(x, self.dims)?;
                let nw = layout.words();
                let mut words = vec![0u64; x.len() / self.dims * nw];
                let mut masks = vec![0u32; HadamardPlan::masks_len(h)];
                // `None` is the reference: the core's per-row path, signs drawn per row.
                let plan = match kernel {
                    Some(k) => Some(HadamardPlan::new(*h, k, &mut masks)?),
                    None => None,
                };
                let p = h.padded_dims();
                engine::with_threads(threads, || {
                    words
                        .par_chunks_mut(nw)
                        .zip(x.par_chunks(self.dims))
                        .enumerate()
                        // A row is a few µs: runs of rows per task, not one each.
                        .with_min_len(ROWS_PER_TASK)
                        .try_for_each_init(
                            || vec![0f32; p],
                            |scratch, (row, (out, xv))| {
                                match &plan {
                                    Some(plan) => plan.encode_into(xv, th, scratch, out),
                                    None => h.encode_into(xv, th, scratch, out),
                                }
                                .map_err(|error| EncodeError {
                                    row: Some(row),
                                    error,
                                })
                            },
                        )
                })?;
                Ok(CodeMatrix::new(layout, words)?)
            }
        }
    }

    /// Float projections `W · x` of row-major `x`, `[rows, bits]` (before thresholds).
    pub fn project(&self, x: &[f32], threads: usize) -> Result<Vec<f32>, ProjectorError> {
        match &self.map {
            Map::Matrix(w) => {
                let dense = DenseProjection::new(w, self.dims, self.spec.bits)?;
                Ok(engine::project_matrix(&dense, x, threads)?)
            }
            Map::Hadamard(h) => {
                engine::check_rows(x, self.dims)?;
                let bits = self.spec.bits;
                let mut y = vec![0f32; x.len() / self.dims * bits];
                let mut masks = vec![0u32; HadamardPlan::masks_len(h)];
                let plan = HadamardPlan::new(*h, engine::project_kernel(), &mut masks)?;
                let p = h.padded_dims();
                engine::with_threads(threads, || {
                    y.par_chunks_mut(bits)
                        .zip(x.par_chunks(self.dims))
                        .enumerate()
                        // A row is a few µs: runs of rows per task, not one each.
                        .with_min_len(ROWS_PER_TASK)
                        .try_for_each_init(
                            || vec![0f32; p],
                            |scratch, (row, (out, xv))| {
                                plan.project_into(xv, scratch, out)
                                    .map_err(|error| EncodeError {
                                        row: Some(row),
                                        error,
                                    })
                            },
                        )
                })?;
                Ok(y)
            }
        }
    }
}

/// Rows per rayon task of the matrix-free (row-at-a-time) Hadamard paths.
const ROWS_PER_TASK: usize = 256;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::LearnedKind;
    use binaryllm_core::ProjectionKind;
    use binaryllm_core::rng::SeededStream;

    fn data(n: usize, dims: usize, seed: u64) -> Vec<f32> {
        let mut s = SeededStream::new(seed, *b"projtest", 0);
        (0..n * dims)
            .map(|i| s.next_normal_pair().0 * (1.0 + (i % dims) as f32 * 0.2) + 0.3)
            .collect()
    }

    fn spec(kind: Kind, bits: usize, threshold: ThresholdMode) -> Spec {
        Spec {
            kind,
            bits,
            options: TrainOptions {
                seed: 7,
                threshold,
                iterations: 10,
                sample: None,
            },
        }
    }

    #[test]
    fn every_kind_and_threshold_encodes_the_same_bits_fast_and_reference() {
        let (dims, bits) = (24, 20);
        let train = data(120, dims, 1);
        let x = data(33, dims, 2);
        for kind in Kind::ALL {
            for mode in ThresholdMode::ALL {
                let p = Projector::build(spec(kind, bits, mode), dims, &train).unwrap();
                let fast = p.encode(&x, 2).unwrap();
                assert_eq!(fast, p.encode_reference(&x).unwrap(), "{kind:?} {mode:?}");
                assert_eq!(fast, p.encode(&x, 1).unwrap());
                // Thresholds apply to the projection: bit = (W x >= t) for every row.
                let y = p.project(&x, 1).unwrap();
                let t = p.threshold_vec();
                for (i, yr) in y.chunks_exact(bits).enumerate() {
                    let code = fast.code(i).unwrap();
                    for (r, &v) in yr.iter().enumerate() {
                        assert_eq!((code[r / 64] >> (r % 64)) & 1 == 1, v >= t[r]);
                    }
                }
            }
        }
    }

    #[test]
    fn mean_and_median_thresholds_centre_each_bit_on_the_training_set() {
        let (dims, bits) = (16, 16);
        let train = data(201, dims, 3);
        for kind in [
            Kind::Seeded(ProjectionKind::Gaussian),
            Kind::Hadamard,
            Kind::Learned(LearnedKind::Pca),
        ] {
            let p =
                Projector::build(spec(kind, bits, ThresholdMode::Median), dims, &train).unwrap();
            let codes = p.encode(&train, 1).unwrap();
            for r in 0..bits {
                let ones = codes.iter().filter(|c| (c[0] >> r) & 1 == 1).count();
                assert!((99..=103).contains(&ones), "{kind:?} bit {r}: {ones}");
            }
            let z = Projector::build(spec(kind, bits, ThresholdMode::Zero), dims, &train).unwrap();
            let m = Projector::build(spec(kind, bits, ThresholdMode::Mean), dims, &train).unwrap();
            // The data is off-centre, so mean thresholds differ from zero's (pca folds μ in).
            assert_ne!(z.threshold_vec(), m.threshold_vec(), "{kind:?}");
        }
    }

    /// Column `r` of the `[rows, bits]` projection `y`, as f64.
    fn column(y: &[f32], bits: usize, r: usize) -> Vec<f64> {
        y.chunks_exact(bits).map(|v| f64::from(v[r])).collect()
    }

    #[test]
    fn thresholds_are_the_mean_or_median_of_each_projected_column() {
        let (dims, bits) = (12, 10);
        let train = data(31, dims, 4);
        for kind in [Kind::Seeded(ProjectionKind::Gaussian), Kind::Hadamard] {
            let z = Projector::build(spec(kind, bits, ThresholdMode::Zero), dims, &train).unwrap();
            assert_eq!((z.thresholds(), z.n_train()), (None, 0));
            assert_eq!(z.threshold(), Threshold::Zero);
            assert_eq!(z.threshold_vec(), vec![0.0; bits]);
            let y = z.project(&train, 1).unwrap();
            for mode in [ThresholdMode::Mean, ThresholdMode::Median] {
                let p = Projector::build(spec(kind, bits, mode), dims, &train).unwrap();
                let want: Vec<f32> = (0..bits)
                    .map(|r| {
                        let mut col = column(&y, bits, r);
                        (match mode {
                            ThresholdMode::Mean => col.iter().sum::<f64>() / 31.0,
                            _ => learn::median(&mut col),
                        }) as f32
                    })
                    .collect();
                assert_eq!(p.thresholds(), Some(&want[..]), "{kind:?} {mode:?}");
                assert_eq!(p.threshold(), Threshold::PerBit(&want));
                assert_eq!(p.n_train(), 31);
            }
        }
    }

    #[test]
    fn a_sample_smaller_than_the_training_set_fits_on_the_seeded_subsample() {
        let (dims, bits) = (8, 6);
        let train = data(40, dims, 5);
        let with_sample = |m| {
            let mut sp = spec(Kind::Hadamard, bits, ThresholdMode::Mean);
            sp.options.sample = Some(m);
            Projector::build(sp, dims, &train).unwrap()
        };
        let all = with_sample(40);
        assert_eq!(all.n_train(), 40);
        assert_eq!(all.thresholds(), with_sample(1000).thresholds());
        let full = Projector::build(
            spec(Kind::Hadamard, bits, ThresholdMode::Mean),
            dims,
            &train,
        );
        assert_eq!(all.thresholds(), full.unwrap().thresholds());
        let some = with_sample(9);
        assert_eq!(some.n_train(), 9);
        let picked = learn::subsample(&train, dims, 9, 7);
        let on_picked = Projector::build(
            spec(Kind::Hadamard, bits, ThresholdMode::Mean),
            dims,
            &picked,
        )
        .unwrap();
        assert_eq!(some.thresholds(), on_picked.thresholds());
        assert_ne!(some.thresholds(), all.thresholds());
    }

    #[test]
    fn rows_that_are_not_whole_vectors_are_dimension_errors() {
        let dims = 8;
        let mismatch = |e: ProjectorError| match e {
            ProjectorError::Core(binaryllm_core::Error::DimensionMismatch { expected, actual })
            | ProjectorError::Encode(EncodeError {
                row: None,
                error: binaryllm_core::Error::DimensionMismatch { expected, actual },
            }) => (expected, actual),
            other => panic!("{other:?}"),
        };
        let train = data(10, dims, 6);
        let e = Projector::build(
            spec(Kind::Hadamard, 8, ThresholdMode::Mean),
            dims,
            &train[..77],
        );
        assert_eq!(mismatch(e.unwrap_err()), (8, 5));
        for kind in [Kind::Hadamard, Kind::Seeded(ProjectionKind::Gaussian)] {
            let p = Projector::build(spec(kind, 16, ThresholdMode::Zero), dims, &[]).unwrap();
            assert_eq!(
                mismatch(p.encode(&train[..13], 1).unwrap_err()).0,
                8,
                "{kind:?}"
            );
            assert_eq!(
                mismatch(p.project(&train[..13], 1).unwrap_err()).0,
                8,
                "{kind:?}"
            );
        }
        let h = Projector::build(spec(Kind::Hadamard, 16, ThresholdMode::Zero), dims, &[]).unwrap();
        assert_eq!(mismatch(h.encode(&train[..13], 1).unwrap_err()), (8, 5));
        assert_eq!(
            mismatch(h.encode_reference(&train[..19]).unwrap_err()),
            (8, 3)
        );
        assert_eq!(mismatch(h.project(&train[..13], 1).unwrap_err()), (8, 5));
        assert_eq!(
            engine::check_rows(&[1.0; 3], 0),
            Err(binaryllm_core::Error::DimensionMismatch {
                expected: 0,
                actual: 0
            })
        );
        assert_eq!(engine::check_rows(&[1.0; 16], 8), Ok(()));
    }

    #[test]
    fn the_dense_matrix_is_the_map() {
        let (dims, bits) = (12, 20);
        let x = data(5, dims, 8);
        let g = Projector::build(
            spec(
                Kind::Seeded(ProjectionKind::Gaussian),
                bits,
                ThresholdMode::Zero,
            ),
            dims,
            &[],
        )
        .unwrap();
        assert_eq!(g.dense_matrix().unwrap(), g.matrix().unwrap());
        let h =
            Projector::build(spec(Kind::Hadamard, bits, ThresholdMode::Zero), dims, &[]).unwrap();
        assert_eq!(h.matrix(), None);
        let w = h.dense_matrix().unwrap();
        assert_eq!(w.len(), bits * dims);
        // W · x equals the matrix-free transform up to rounding.
        let y = h.project(&x, 1).unwrap();
        for (xv, yr) in x.chunks_exact(dims).zip(y.chunks_exact(bits)) {
            for (r, &want) in yr.iter().enumerate() {
                let got: f32 = w[r * dims..(r + 1) * dims]
                    .iter()
                    .zip(xv)
                    .map(|(a, b)| a * b)
                    .sum();
                assert!((got - want).abs() < 1e-4, "row {r}: {got} vs {want}");
            }
        }
        assert!(w.iter().any(|&v| v != 0.0));
    }

    #[test]
    fn thresholds_without_training_data_are_typed_errors() {
        let e = Projector::build(
            spec(Kind::Hadamard, 8, ThresholdMode::Mean),
            8,
            &data(1, 8, 0),
        )
        .unwrap_err();
        assert!(matches!(
            e,
            ProjectorError::Learn(LearnError::TooFewVectors { got: 1, .. })
        ));
        let two = Projector::build(
            spec(Kind::Hadamard, 8, ThresholdMode::Mean),
            8,
            &data(2, 8, 0),
        );
        assert_eq!(two.unwrap().n_train(), 2);
        assert!(
            Projector::build(
                spec(Kind::Learned(LearnedKind::Itq), 8, ThresholdMode::Zero),
                8,
                &[]
            )
            .is_err()
        );
        assert!(Kind::from_name("hadamard").is_some());
        assert!(Kind::from_name("spherical").is_none());
    }
}
