//! The sign rule: bit `j` = 1 iff `value[j] >= threshold[j]`.
//!
//! With the default threshold `0.0` this is FAISS's `fvecs2bitvecs` rule, so `-0.0 → 1` (IEEE
//! `-0.0 >= 0.0` holds) and only strictly negative values give 0. NaN and ±∞ are errors
//! ([`Error::NonFinite`]), never a silent bit: NaN compares false and would otherwise become 0.

use crate::code::CodeLayout;
use crate::error::{Error, Result, check_len, sat};

/// Per-bit thresholds of the sign rule.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Threshold<'a> {
    /// Threshold `0.0` for every bit (the default).
    #[default]
    Zero,
    /// One threshold for every bit.
    Uniform(f32),
    /// One threshold per bit (`len == bits`), e.g. learned medians of the projected training set.
    PerBit(&'a [f32]),
}

impl Threshold<'_> {
    /// Checks that the thresholds fit `bits` outputs and are finite.
    pub fn validate(&self, bits: usize) -> Result<()> {
        match *self {
            Threshold::Zero => Ok(()),
            Threshold::Uniform(t) if t.is_finite() => Ok(()),
            Threshold::Uniform(_) => Err(Error::NonFiniteThreshold { index: 0 }),
            Threshold::PerBit(ts) => {
                check_len(bits, ts.len())?;
                match ts.iter().position(|t| !t.is_finite()) {
                    Some(i) => Err(Error::NonFiniteThreshold { index: sat(i) }),
                    None => Ok(()),
                }
            }
        }
    }

    /// The threshold of bit `j` (`0.0` past the end of a per-bit table; callers validate first).
    #[inline]
    pub fn get(&self, j: usize) -> f32 {
        match *self {
            Threshold::Zero => 0.0,
            Threshold::Uniform(t) => t,
            Threshold::PerBit(ts) => ts.get(j).copied().unwrap_or(0.0),
        }
    }
}

/// The sign rule for one value: `value >= threshold`.
#[inline]
pub fn sign_bit(value: f32, threshold: f32) -> bool {
    value >= threshold
}

/// Index of the first non-finite value, as an [`Error::NonFinite`].
#[inline]
pub fn check_finite(values: &[f32]) -> Result<()> {
    // Branch-free over chunks (the compiler vectorises the fold); the index only on failure.
    const CHUNK: usize = 64;
    for (c, chunk) in values.chunks(CHUNK).enumerate() {
        if !chunk.iter().fold(true, |ok, v| ok & v.is_finite()) {
            let i = chunk.iter().position(|v| !v.is_finite()).unwrap_or(0);
            return Err(Error::NonFinite {
                index: sat(c * CHUNK + i),
            });
        }
    }
    Ok(())
}

/// Binarizes `values` (one per bit, `len == layout.bits()`) into `out` (`layout.words()` words).
///
/// Every word of `out` is overwritten, padding bits are zero. On error `out` is left all-zero.
pub fn binarize_into(
    values: &[f32],
    threshold: Threshold<'_>,
    layout: CodeLayout,
    out: &mut [u64],
) -> Result<()> {
    check_len(layout.bits(), values.len())?;
    check_len(layout.words(), out.len())?;
    threshold.validate(layout.bits())?;
    out.fill(0);
    check_finite(values)?;
    for (w, (word, chunk)) in out.iter_mut().zip(values.chunks(64)).enumerate() {
        let mut acc = 0u64;
        for (i, &v) in chunk.iter().enumerate() {
            acc |= u64::from(sign_bit(v, threshold.get(w * 64 + i))) << i;
        }
        *word = acc;
    }
    Ok(())
}

/// α of the "scaled sign" view `α · sign(x)`: the mean absolute value of `values`.
///
/// Summed sequentially in f32 (deterministic on every target). Errors on an empty or non-finite
/// input.
pub fn mean_abs(values: &[f32]) -> Result<f32> {
    if values.is_empty() {
        return Err(Error::DimensionMismatch {
            expected: 1,
            actual: 0,
        });
    }
    check_finite(values)?;
    let mut sum = 0.0f32;
    for v in values {
        sum += libm::fabsf(*v);
    }
    Ok(sum / values.len() as f32)
}

/// Writes the scaled-sign view `α · s_j` (`s_j = +1` for a set bit, `−1` otherwise) of a code.
pub fn scaled_sign_into(
    layout: CodeLayout,
    words: &[u64],
    alpha: f32,
    out: &mut [f32],
) -> Result<()> {
    layout.check(words)?;
    check_len(layout.bits(), out.len())?;
    for (j, o) in out.iter_mut().enumerate() {
        let set = words.get(j / 64).is_some_and(|w| (w >> (j % 64)) & 1 == 1);
        *o = if set { alpha } else { -alpha };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_finite_names_the_first_non_finite_value_in_any_chunk() {
        let mut v = std::vec![1.0f32; 300];
        assert_eq!(check_finite(&v), Ok(()));
        for (i, bad) in [
            (0, f32::NAN),
            (63, f32::INFINITY),
            (64, f32::NAN),
            (150, f32::NEG_INFINITY),
            (299, f32::NAN),
        ] {
            v[i] = bad;
            v[(i + 7).min(299)] = f32::NAN;
            assert_eq!(
                check_finite(&v),
                Err(Error::NonFinite { index: i as u32 }),
                "{i}"
            );
            v.fill(1.0);
        }
    }

    #[test]
    fn per_bit_thresholds_apply_to_their_own_bit_past_the_first_word() {
        // 130 bits: bit j is set iff value_j >= t_j, with thresholds that differ per bit so a
        // wrong index (another word's threshold) flips bits.
        let bits = 130;
        let values: std::vec::Vec<f32> = (0..bits).map(|j| (j % 7) as f32 - 3.0).collect();
        let ts: std::vec::Vec<f32> = (0..bits).map(|j| (j % 5) as f32 - 2.0).collect();
        let mut out = [0u64; 3];
        binarize_into(&values, Threshold::PerBit(&ts), layout(bits), &mut out).unwrap();
        for j in 0..bits {
            let bit = (out[j / 64] >> (j % 64)) & 1 == 1;
            assert_eq!(bit, values[j] >= ts[j], "bit {j}");
        }
        assert_eq!(out[2] >> 2, 0, "padding bits are zero");
    }

    #[test]
    fn a_finite_uniform_threshold_is_valid_and_a_non_finite_one_is_not() {
        for t in [0.0, -1.5, 3.25, f32::MAX, f32::MIN_POSITIVE] {
            assert_eq!(Threshold::Uniform(t).validate(7), Ok(()), "{t}");
        }
        for t in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            assert_eq!(
                Threshold::Uniform(t).validate(7),
                Err(Error::NonFiniteThreshold { index: 0 })
            );
        }
        assert_eq!(Threshold::Zero.validate(7), Ok(()));
    }

    fn layout(bits: usize) -> CodeLayout {
        CodeLayout::new(bits).unwrap()
    }

    #[test]
    fn negative_zero_maps_to_one() {
        let mut out = [0u64; 1];
        binarize_into(
            &[-0.0, 0.0, -1e-30, 1e-30],
            Threshold::Zero,
            layout(4),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [0b1011]);
    }

    #[test]
    fn nan_and_infinity_are_errors_with_position() {
        let mut out = [u64::MAX; 1];
        assert_eq!(
            binarize_into(&[1.0, f32::NAN, 1.0], Threshold::Zero, layout(3), &mut out),
            Err(Error::NonFinite { index: 1 })
        );
        assert_eq!(out, [0], "output is cleared on error");
        assert_eq!(
            binarize_into(&[f32::NEG_INFINITY], Threshold::Zero, layout(1), &mut out),
            Err(Error::NonFinite { index: 0 })
        );
    }

    #[test]
    fn per_bit_thresholds_apply_per_position() {
        let mut out = [0u64; 1];
        let ts = [0.5, -0.5, 0.0];
        binarize_into(
            &[0.4, -0.4, 0.0],
            Threshold::PerBit(&ts),
            layout(3),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [0b110]);
        assert_eq!(
            binarize_into(&[0.0; 3], Threshold::PerBit(&ts[..2]), layout(3), &mut out),
            Err(Error::DimensionMismatch {
                expected: 3,
                actual: 2
            })
        );
        assert_eq!(
            binarize_into(&[0.0; 3], Threshold::Uniform(f32::NAN), layout(3), &mut out),
            Err(Error::NonFiniteThreshold { index: 0 })
        );
    }

    #[test]
    fn padding_bits_stay_zero() {
        let mut out = [0u64; 2];
        binarize_into(&[1.0; 65], Threshold::Zero, layout(65), &mut out).unwrap();
        assert_eq!(out, [u64::MAX, 1]);
    }

    #[test]
    fn scaled_sign_uses_mean_abs() {
        let v = [1.0f32, -3.0, 2.0, -2.0];
        let alpha = mean_abs(&v).unwrap();
        assert_eq!(alpha, 2.0);
        let mut w = [0u64; 1];
        binarize_into(&v, Threshold::Zero, layout(4), &mut w).unwrap();
        let mut out = [0f32; 4];
        scaled_sign_into(layout(4), &w, alpha, &mut out).unwrap();
        assert_eq!(out, [2.0, -2.0, 2.0, -2.0]);
        assert!(mean_abs(&[]).is_err());
    }
}
