//! Projections `y = W · x` with `W` of shape `[BITS, DIMS]` (row-major f32), and the fused
//! encoder `x → sign(W · x − t) → packed code`.
//!
//! # Reference arithmetic
//!
//! Output `r` is the sequential f32 dot product
//! `acc = 0.0; for c in 0..DIMS { acc += W[r][c] * x[c] }` — one rounding per multiply and per
//! add, in index order, no FMA — so x86_64 and Cortex-M give the same bits. Multiplication-free
//! kinds (Rademacher, Achlioptas) add or subtract `x[c]` (or skip it for a zero entry), which is
//! bit-identical to multiplying by `±1.0` / `0.0` (`acc` starts at `+0.0` and can never become
//! `−0.0`, so adding `±0.0` never changes it).
//!
//! # Random matrices ([`SeededProjection`])
//!
//! Row `r` of every kind is read from stream `r` of [`crate::rng::SeededStream`] with the kind's
//! tag, so rows are independent and can be regenerated on the fly (**matrix-free**), bit-identical
//! to the materialised matrix ([`SeededProjection::materialize_into`]):
//!
//! | kind | entries | stream use per row |
//! |---|---|---|
//! | [`Gaussian`](ProjectionKind::Gaussian) | N(0, 1) | `ceil(DIMS/2)` Box–Muller pairs ([`crate::rng`]) |
//! | [`Rademacher`](ProjectionKind::Rademacher) | ±1 | word `c / 32`, bit `c % 32`: 1 → +1, 0 → −1 |
//! | [`Achlioptas`](ProjectionKind::Achlioptas) | +1, 0, −1 with 1/6, 2/3, 1/6 | one word `u` per entry, `v = (u · 6) >> 32`: 0 → +1, 5 → −1, else 0 |
//!
//! (Achlioptas entries are stored unscaled; the usual `√3` factor does not change any sign.
//! The multiply-shift maps 2³² words onto 6 values with a bias below 2⁻³⁰.)

use crate::binarize::{Threshold, check_finite, sign_bit};
use crate::code::{BinaryCode, CodeLayout, MAX_BITS};
use crate::error::{Error, Result, check_len, sat};
use crate::rng::{SeededStream, TAG_ACHLIOPTAS, TAG_GAUSSIAN, TAG_RADEMACHER};

/// Largest supported input dimensionality (65,536).
pub const MAX_DIMS: usize = 1 << 16;

/// The seeded random projection families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ProjectionKind {
    /// i.i.d. N(0, 1) entries (SimHash / random hyperplanes).
    Gaussian,
    /// i.i.d. ±1 entries.
    Rademacher,
    /// Sparse Achlioptas entries: +1, 0, −1 with probabilities 1/6, 2/3, 1/6.
    Achlioptas,
}

impl ProjectionKind {
    /// Every kind, in a fixed order.
    pub const ALL: [ProjectionKind; 3] = [
        ProjectionKind::Gaussian,
        ProjectionKind::Rademacher,
        ProjectionKind::Achlioptas,
    ];

    /// The lowercase name used in configs and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            ProjectionKind::Gaussian => "gaussian",
            ProjectionKind::Rademacher => "rademacher",
            ProjectionKind::Achlioptas => "achlioptas",
        }
    }

    /// Parses [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The generator tag of this kind's streams.
    pub const fn tag(self) -> [u8; 8] {
        match self {
            ProjectionKind::Gaussian => TAG_GAUSSIAN,
            ProjectionKind::Rademacher => TAG_RADEMACHER,
            ProjectionKind::Achlioptas => TAG_ACHLIOPTAS,
        }
    }
}

/// A linear map from `dims` inputs to `bits` outputs, one output row at a time.
pub trait Projection {
    /// Number of inputs (`DIMS`).
    fn dims(&self) -> usize;
    /// Number of outputs (`BITS`).
    fn bits(&self) -> usize;
    /// Output `row`: the reference sequential dot product of row `row` of `W` with `x`.
    ///
    /// Callers pass `row < bits()` and `x.len() == dims()` (the checked entry points are
    /// [`project_into`] and [`encode_into`]); other inputs give an unspecified value, never a
    /// panic.
    fn project_row(&self, row: usize, x: &[f32]) -> f32;

    /// Writes row `row` of `W` (`dims()` values) into `out` when the projection has an explicit
    /// dense form such that [`dot_sequential`]`(out, x)` equals
    /// [`project_row`](Self::project_row)`(row, x)` bit for bit for every finite `x`, and
    /// returns `true`; returns `false` otherwise (the default; `out` is then unspecified).
    ///
    /// Batch encoders use it to run the projection as a blocked matrix product with the
    /// reference arithmetic (see [`crate::ProjectKernel`]).
    fn dense_row_into(&self, row: usize, out: &mut [f32]) -> bool {
        let _ = (row, out);
        false
    }
}

/// The reference dot product: sequential f32, index order, no FMA.
#[inline]
pub fn dot_sequential(w: &[f32], x: &[f32]) -> f32 {
    let mut acc = 0.0f32;
    for (a, b) in w.iter().zip(x) {
        acc += a * b;
    }
    acc
}

/// The fused reference dot product: sequential f32 in index order with one fused multiply-add
/// per term (`acc = fma(w, x, acc)`, one rounding each). The oracle of the opt-in
/// [`Arithmetic::Fused`](crate::Arithmetic::Fused) micro-kernels; differs from
/// [`dot_sequential`] in the last bits of some outputs (the product is not rounded first).
#[inline]
pub fn dot_fused_sequential(w: &[f32], x: &[f32]) -> f32 {
    let mut acc = 0.0f32;
    for (a, b) in w.iter().zip(x) {
        acc = crate::arch::fmaf(*a, *b, acc);
    }
    acc
}

fn check_shape(dims: usize, bits: usize) -> Result<()> {
    if dims == 0 || dims > MAX_DIMS {
        return Err(Error::InvalidDims {
            dims: sat(dims),
            max: sat(MAX_DIMS),
        });
    }
    CodeLayout::new(bits).map(|_| ())
}

/// A seeded random projection that regenerates its rows from the seed (see the module docs).
///
/// It stores only `(kind, seed, dims, bits)`: projecting is matrix-free. Use
/// [`materialize_into`](Self::materialize_into) to get the identical dense matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SeededProjection {
    kind: ProjectionKind,
    seed: u64,
    dims: u32,
    bits: u32,
}

impl SeededProjection {
    /// A projection of `dims` inputs to `bits` outputs (`1..=MAX_DIMS`, `1..=MAX_BITS`).
    pub fn new(kind: ProjectionKind, seed: u64, dims: usize, bits: usize) -> Result<Self> {
        check_shape(dims, bits)?;
        Ok(Self {
            kind,
            seed,
            dims: sat(dims),
            bits: sat(bits),
        })
    }

    /// The projection family.
    pub const fn kind(&self) -> ProjectionKind {
        self.kind
    }

    /// The seed.
    pub const fn seed(&self) -> u64 {
        self.seed
    }

    fn stream(&self, row: usize) -> SeededStream {
        SeededStream::new(self.seed, self.kind.tag(), row as u64)
    }

    /// Writes row `row` of `W` (`dims` values) into `out`.
    pub fn row_into(&self, row: usize, out: &mut [f32]) -> Result<()> {
        if row >= self.bits() {
            return Err(Error::DimensionMismatch {
                expected: self.bits,
                actual: sat(row.saturating_add(1)),
            });
        }
        check_len(self.dims(), out.len())?;
        let mut s = self.stream(row);
        match self.kind {
            ProjectionKind::Gaussian => {
                for pair in out.chunks_mut(2) {
                    let (z0, z1) = s.next_normal_pair();
                    for (o, z) in pair.iter_mut().zip([z0, z1]) {
                        *o = z;
                    }
                }
            }
            ProjectionKind::Rademacher => {
                for chunk in out.chunks_mut(32) {
                    let w = s.next_u32();
                    for (i, o) in chunk.iter_mut().enumerate() {
                        *o = if (w >> i) & 1 == 1 { 1.0 } else { -1.0 };
                    }
                }
            }
            ProjectionKind::Achlioptas => {
                for o in out.iter_mut() {
                    *o = match achlioptas_class(s.next_u32()) {
                        0 => 1.0,
                        5 => -1.0,
                        _ => 0.0,
                    };
                }
            }
        }
        Ok(())
    }

    /// Writes the whole matrix, row-major `[bits, dims]`, into `out` (`bits · dims` values).
    pub fn materialize_into(&self, out: &mut [f32]) -> Result<()> {
        let dims = self.dims();
        let n = dims.checked_mul(self.bits()).ok_or(Error::Capacity {
            required: u32::MAX,
            capacity: sat(out.len()),
        })?;
        check_len(n, out.len())?;
        for (row, chunk) in out.chunks_exact_mut(dims).enumerate() {
            self.row_into(row, chunk)?;
        }
        Ok(())
    }
}

/// `(u · 6) >> 32`: maps a word uniformly onto `0..6`.
#[inline]
fn achlioptas_class(u: u32) -> u32 {
    ((u64::from(u) * 6) >> 32) as u32
}

impl Projection for SeededProjection {
    fn dims(&self) -> usize {
        self.dims as usize
    }

    fn bits(&self) -> usize {
        self.bits as usize
    }

    fn dense_row_into(&self, row: usize, out: &mut [f32]) -> bool {
        self.row_into(row, out).is_ok()
    }

    fn project_row(&self, row: usize, x: &[f32]) -> f32 {
        let mut s = self.stream(row);
        let mut acc = 0.0f32;
        match self.kind {
            ProjectionKind::Gaussian => {
                for pair in x.chunks(2) {
                    let (z0, z1) = s.next_normal_pair();
                    for (xv, z) in pair.iter().zip([z0, z1]) {
                        acc += z * xv;
                    }
                }
            }
            ProjectionKind::Rademacher => {
                for chunk in x.chunks(32) {
                    let w = s.next_u32();
                    for (i, &xv) in chunk.iter().enumerate() {
                        if (w >> i) & 1 == 1 {
                            acc += xv;
                        } else {
                            acc -= xv;
                        }
                    }
                }
            }
            ProjectionKind::Achlioptas => {
                for &xv in x {
                    match achlioptas_class(s.next_u32()) {
                        0 => acc += xv,
                        5 => acc -= xv,
                        _ => {}
                    }
                }
            }
        }
        acc
    }
}

/// A caller-supplied matrix borrowed as `&[f32]` (row-major `[bits, dims]`), e.g. a `static` in
/// flash or a learned projection exported by the host.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DenseProjection<'a> {
    matrix: &'a [f32],
    dims: usize,
    bits: usize,
}

impl<'a> DenseProjection<'a> {
    /// Wraps `matrix` (`bits · dims` finite values).
    pub fn new(matrix: &'a [f32], dims: usize, bits: usize) -> Result<Self> {
        check_shape(dims, bits)?;
        check_len(dims * bits, matrix.len())?;
        check_finite(matrix)?;
        Ok(Self { matrix, dims, bits })
    }

    /// The borrowed matrix.
    pub const fn matrix(&self) -> &'a [f32] {
        self.matrix
    }
}

impl Projection for DenseProjection<'_> {
    fn dims(&self) -> usize {
        self.dims
    }

    fn bits(&self) -> usize {
        self.bits
    }

    fn dense_row_into(&self, row: usize, out: &mut [f32]) -> bool {
        let start = row.saturating_mul(self.dims);
        match self.matrix.get(start..start.saturating_add(self.dims)) {
            Some(w) if w.len() == out.len() => {
                out.copy_from_slice(w);
                true
            }
            _ => false,
        }
    }

    #[inline]
    fn project_row(&self, row: usize, x: &[f32]) -> f32 {
        let start = row.saturating_mul(self.dims);
        let w = self
            .matrix
            .get(start..start.saturating_add(self.dims))
            .unwrap_or(&[]);
        dot_sequential(w, x)
    }
}

impl<P: Projection + ?Sized> Projection for &P {
    fn dims(&self) -> usize {
        (**self).dims()
    }
    fn bits(&self) -> usize {
        (**self).bits()
    }
    fn project_row(&self, row: usize, x: &[f32]) -> f32 {
        (**self).project_row(row, x)
    }
    fn dense_row_into(&self, row: usize, out: &mut [f32]) -> bool {
        (**self).dense_row_into(row, out)
    }
}

/// Writes `y = W · x` (`bits` values) into `out`. Errors on shape mismatch, non-finite input or
/// a non-finite output.
pub fn project_into<P: Projection + ?Sized>(p: &P, x: &[f32], out: &mut [f32]) -> Result<()> {
    check_len(p.dims(), x.len())?;
    check_len(p.bits(), out.len())?;
    check_finite(x)?;
    for (row, o) in out.iter_mut().enumerate() {
        let y = p.project_row(row, x);
        if !y.is_finite() {
            out.fill(0.0);
            return Err(Error::ProjectionOverflow { row: sat(row) });
        }
        *o = y;
    }
    Ok(())
}

/// Encodes one vector: projection, sign rule and packing fused, with no buffer for `y`.
///
/// `out` must have `ceil(bits / 64)` words; all are overwritten and padding bits are zero. On
/// error `out` is all-zero.
pub fn encode_into<P: Projection + ?Sized>(
    p: &P,
    x: &[f32],
    threshold: Threshold<'_>,
    out: &mut [u64],
) -> Result<()> {
    let layout = CodeLayout::new(p.bits())?;
    check_len(layout.words(), out.len())?;
    out.fill(0);
    check_len(p.dims(), x.len())?;
    threshold.validate(layout.bits())?;
    check_finite(x)?;
    let mut row = 0usize;
    for w in 0..out.len() {
        let mut acc = 0u64;
        let end = (row + 64).min(layout.bits());
        for bit in 0..end - row {
            let y = p.project_row(row + bit, x);
            if !y.is_finite() {
                // Words before this one are written already: the contract is all-zero.
                out.fill(0);
                return Err(Error::ProjectionOverflow {
                    row: sat(row + bit),
                });
            }
            acc |= u64::from(sign_bit(y, threshold.get(row + bit))) << bit;
        }
        if let Some(word) = out.get_mut(w) {
            *word = acc;
        }
        row = end;
    }
    Ok(())
}

/// [`encode_into`] for a fixed-width code; `p.bits()` must equal `64 · WORDS`.
pub fn encode<const WORDS: usize, P: Projection + ?Sized>(
    p: &P,
    x: &[f32],
    threshold: Threshold<'_>,
) -> Result<BinaryCode<WORDS>> {
    check_len(BinaryCode::<WORDS>::BITS, p.bits())?;
    let mut code = BinaryCode::<WORDS>::ZERO;
    encode_into(p, x, threshold, code.words_mut())?;
    Ok(code)
}

const _: () = assert!(MAX_BITS <= u32::MAX as usize && MAX_DIMS <= u32::MAX as usize);

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    #[test]
    fn kinds_draw_from_their_own_tag_and_the_seed() {
        assert_eq!(
            ProjectionKind::ALL.map(ProjectionKind::tag),
            [TAG_GAUSSIAN, TAG_RADEMACHER, TAG_ACHLIOPTAS]
        );
        let (seed, dims) = (0xABCD_u64, 40usize);
        let p = SeededProjection::new(ProjectionKind::Rademacher, seed, dims, 8).unwrap();
        assert_eq!((p.seed(), p.kind()), (seed, ProjectionKind::Rademacher));
        // Rademacher row r: bit c % 32 of word c / 32 of stream r, 1 → +1, 0 → −1.
        let mut row = vec![0.0; dims];
        for r in [0usize, 5] {
            p.row_into(r, &mut row).unwrap();
            let mut s = SeededStream::new(seed, TAG_RADEMACHER, r as u64);
            let words = [s.next_u32(), s.next_u32()];
            for (c, &v) in row.iter().enumerate() {
                let want = if (words[c / 32] >> (c % 32)) & 1 == 1 {
                    1.0
                } else {
                    -1.0
                };
                assert_eq!(v, want, "row {r} column {c}");
            }
        }
    }

    /// A projection without a dense form (the trait's default).
    struct RowsOnly;

    impl Projection for RowsOnly {
        fn dims(&self) -> usize {
            2
        }
        fn bits(&self) -> usize {
            1
        }
        fn project_row(&self, _row: usize, x: &[f32]) -> f32 {
            x.iter().sum()
        }
    }

    #[test]
    fn a_projection_has_no_dense_form_unless_it_says_so() {
        let mut out = [7.0f32; 2];
        assert!(!RowsOnly.dense_row_into(0, &mut out));
        let by_ref = &RowsOnly;
        assert!(!<&RowsOnly as Projection>::dense_row_into(
            &by_ref, 0, &mut out
        ));
        let m = [1.0f32, 2.0];
        let d = DenseProjection::new(&m, 2, 1).unwrap();
        assert!(d.dense_row_into(0, &mut out));
        assert_eq!(out, m);
        // A seeded projection's dense rows are its rows, and past the last row there is none.
        let p = SeededProjection::new(ProjectionKind::Gaussian, 3, 2, 4).unwrap();
        let mut row = [0.0f32; 2];
        for r in 0..4 {
            assert!(p.dense_row_into(r, &mut out));
            p.row_into(r, &mut row).unwrap();
            assert_eq!(out, row);
            assert_eq!(
                dot_sequential(&out, &[0.5, -2.0]),
                p.project_row(r, &[0.5, -2.0])
            );
        }
        assert!(!p.dense_row_into(4, &mut out));
        assert!(!p.dense_row_into(0, &mut [0.0; 3]));
    }

    #[test]
    fn dense_and_borrowed_projections_answer_for_their_matrix() {
        // 3 inputs, 130 outputs: row r = [r, 1 − r, 0.5] / 8 (distinct rows, three words).
        let (dims, bits) = (3usize, 130usize);
        let m: Vec<f32> = (0..bits)
            .flat_map(|r| [r as f32 / 8.0, (1.0 - r as f32) / 8.0, 0.0625])
            .collect();
        let d = DenseProjection::new(&m, dims, bits).unwrap();
        let by_ref = &d;
        assert_eq!((d.dims(), d.bits()), (dims, bits));
        assert_eq!(
            (Projection::dims(&by_ref), Projection::bits(&by_ref)),
            (dims, bits)
        );
        let x = [1.0f32, -2.0, 4.0];
        let mut row = [0.0f32; 3];
        for r in [0usize, 1, 64, 129] {
            let want = dot_sequential(&m[r * dims..(r + 1) * dims], &x);
            assert_eq!(d.project_row(r, &x), want);
            assert_eq!(Projection::project_row(&by_ref, r, &x), want);
            assert!(Projection::dense_row_into(&by_ref, r, &mut row));
            assert_eq!(row, m[r * dims..(r + 1) * dims]);
        }
        assert!(
            !d.dense_row_into(0, &mut [0.0; 2]),
            "a wrong length has no dense row"
        );
        assert!(!d.dense_row_into(bits, &mut row), "past the last row");
        // encode_into = project_into then the sign rule, per bit and past the first words.
        let ts: Vec<f32> = (0..bits).map(|j| (j % 3) as f32 - 1.0).collect();
        let mut y = vec![0.0f32; bits];
        project_into(&d, &x, &mut y).unwrap();
        let mut code = [0u64; 3];
        encode_into(&d, &x, Threshold::PerBit(&ts), &mut code).unwrap();
        for j in 0..bits {
            assert_eq!(
                (code[j / 64] >> (j % 64)) & 1 == 1,
                y[j] >= ts[j],
                "bit {j}"
            );
        }
        // An overflow names its row (here 100, in the second word) and leaves no output.
        let mut huge = m.clone();
        huge[100 * dims] = f32::MAX;
        let h = DenseProjection::new(&huge, dims, bits).unwrap();
        let x = [4.0f32, 0.0, 0.0];
        assert_eq!(
            encode_into(&h, &x, Threshold::Zero, &mut code),
            Err(Error::ProjectionOverflow { row: 100 })
        );
        assert_eq!(code, [0; 3]);
        assert_eq!(
            project_into(&h, &x, &mut y),
            Err(Error::ProjectionOverflow { row: 100 })
        );
    }

    #[test]
    fn kind_names_round_trip() {
        for k in ProjectionKind::ALL {
            assert_eq!(ProjectionKind::from_name(k.name()), Some(k));
        }
        assert_eq!(ProjectionKind::from_name("orthogonal"), None);
    }

    #[test]
    fn shapes_are_validated() {
        assert_eq!(
            SeededProjection::new(ProjectionKind::Gaussian, 0, 0, 64),
            Err(Error::InvalidDims {
                dims: 0,
                max: MAX_DIMS as u32
            })
        );
        assert!(SeededProjection::new(ProjectionKind::Gaussian, 0, 8, 0).is_err());
        assert!(DenseProjection::new(&[0.0; 5], 2, 3).is_err());
        assert_eq!(
            DenseProjection::new(&[0.0, f32::NAN], 2, 1),
            Err(Error::NonFinite { index: 1 })
        );
    }

    #[test]
    fn matrix_free_equals_materialised_for_every_kind() {
        for kind in ProjectionKind::ALL {
            for (dims, bits) in [(1, 1), (7, 3), (33, 65), (384, 64)] {
                let p = SeededProjection::new(kind, 42, dims, bits).unwrap();
                let mut w = vec![0.0f32; dims * bits];
                p.materialize_into(&mut w).unwrap();
                let dense = DenseProjection::new(&w, dims, bits).unwrap();
                let mut s = crate::rng::SeededStream::new(9, crate::rng::TAG_SYNTHETIC, 0);
                let x: Vec<f32> = (0..dims).map(|_| s.next_symmetric_uniform()).collect();
                for row in 0..bits {
                    let a = p.project_row(row, &x);
                    let b = dense.project_row(row, &x);
                    assert_eq!(a.to_bits(), b.to_bits(), "{kind:?} {dims}x{bits} row {row}");
                }
            }
        }
    }

    #[test]
    fn rademacher_and_achlioptas_entries_are_in_their_alphabets() {
        let p = SeededProjection::new(ProjectionKind::Achlioptas, 1, 600, 10).unwrap();
        let mut w = vec![0.0f32; 6000];
        p.materialize_into(&mut w).unwrap();
        let zeros = w.iter().filter(|&&v| v == 0.0).count();
        assert!(w.iter().all(|&v| v == 0.0 || v == 1.0 || v == -1.0));
        assert!((3700..4300).contains(&zeros), "zeros {zeros}");
        let p = SeededProjection::new(ProjectionKind::Rademacher, 1, 600, 10).unwrap();
        p.materialize_into(&mut w).unwrap();
        let plus = w.iter().filter(|&&v| v == 1.0).count();
        assert!(w.iter().all(|&v| v == 1.0 || v == -1.0));
        assert!((2800..3200).contains(&plus), "plus {plus}");
    }

    #[test]
    fn encode_checks_input_and_clears_output_on_error() {
        let p = SeededProjection::new(ProjectionKind::Gaussian, 0, 4, 70).unwrap();
        let mut out = [u64::MAX; 2];
        assert_eq!(
            encode_into(
                &p,
                &[0.0, 1.0, f32::INFINITY, 0.0],
                Threshold::Zero,
                &mut out
            ),
            Err(Error::NonFinite { index: 2 })
        );
        assert_eq!(out, [0, 0]);
        assert!(encode_into(&p, &[0.0; 3], Threshold::Zero, &mut out).is_err());
        assert!(encode_into(&p, &[0.0; 4], Threshold::Zero, &mut out[..1]).is_err());
        let big = [f32::MAX; 4];
        assert!(matches!(
            encode_into(&p, &big, Threshold::Zero, &mut out),
            Err(Error::ProjectionOverflow { .. })
        ));
        assert_eq!(out, [0, 0]);
    }

    #[test]
    fn encode_of_zero_vector_is_all_ones_and_padding_clear() {
        // y = +0.0 everywhere, and 0.0 >= 0.0.
        let p = SeededProjection::new(ProjectionKind::Gaussian, 3, 5, 70).unwrap();
        let mut out = [0u64; 2];
        encode_into(&p, &[0.0; 5], Threshold::Zero, &mut out).unwrap();
        assert_eq!(out, [u64::MAX, (1 << 6) - 1]);
    }

    #[test]
    fn fixed_width_encode_requires_matching_bits() {
        let p = SeededProjection::new(ProjectionKind::Rademacher, 3, 5, 128).unwrap();
        let c = encode::<2, _>(&p, &[1.0, -2.0, 3.0, 0.5, 0.25], Threshold::Zero).unwrap();
        let mut words = [0u64; 2];
        encode_into(
            &p,
            &[1.0, -2.0, 3.0, 0.5, 0.25],
            Threshold::Zero,
            &mut words,
        )
        .unwrap();
        assert_eq!(c.words(), &words);
        assert!(encode::<1, _>(&p, &[0.0; 5], Threshold::Zero).is_err());
    }

    #[test]
    fn project_into_matches_project_row() {
        let p = SeededProjection::new(ProjectionKind::Gaussian, 11, 6, 9).unwrap();
        let x = [0.1, -0.2, 0.3, -0.4, 0.5, -0.6];
        let mut y = [0.0f32; 9];
        project_into(&p, &x, &mut y).unwrap();
        for (r, v) in y.iter().enumerate() {
            assert_eq!(v.to_bits(), p.project_row(r, &x).to_bits());
        }
    }
}
