//! Packed binary codes: the fixed-width [`BinaryCode`] and the runtime-width [`CodeLayout`].
//!
//! Bit `j` of a code is bit `j % 64` of word `j / 64` (LSB-first). Storage is `{0, 1}`; the
//! logical view is `{-1, +1}` with bit 1 ↔ +1. Bits at positions `>= bits` of the last word
//! (padding) are always zero: every constructor checks or clears them and every operation keeps
//! them zero, so a Hamming distance never counts padding.

use crate::error::{Error, Result, check_len, sat};
use crate::hamming;

/// Largest supported code width in bits (65,536).
pub const MAX_BITS: usize = 1 << 16;

/// Number of `u64` words needed for `bits` bits.
#[inline]
pub const fn words_for_bits(bits: usize) -> usize {
    bits.div_ceil(64)
}

/// Number of bytes needed for `bits` bits (the width of a packed byte code).
#[inline]
pub const fn bytes_for_bits(bits: usize) -> usize {
    bits.div_ceil(8)
}

/// The shape of a packed code whose bit count is only known at run time.
///
/// `bits` is in `1..=MAX_BITS`; the code occupies [`words`](Self::words) `u64` words and the last
/// word's bits at and above `bits % 64` (when non-zero) are padding that must stay zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CodeLayout {
    bits: u32,
}

impl CodeLayout {
    /// A layout of `bits` bits; [`Error::InvalidBits`] unless `1 <= bits <= MAX_BITS`.
    pub const fn new(bits: usize) -> Result<Self> {
        if bits == 0 || bits > MAX_BITS {
            let b = if bits > u32::MAX as usize {
                u32::MAX
            } else {
                bits as u32
            };
            return Err(Error::InvalidBits {
                bits: b,
                max: MAX_BITS as u32,
            });
        }
        Ok(Self { bits: bits as u32 })
    }

    /// Number of used bits.
    #[inline]
    pub const fn bits(self) -> usize {
        self.bits as usize
    }

    /// Number of `u64` words.
    #[inline]
    pub const fn words(self) -> usize {
        words_for_bits(self.bits as usize)
    }

    /// Number of bytes in the packed byte forms (`ceil(bits / 8)`).
    #[inline]
    pub const fn bytes(self) -> usize {
        bytes_for_bits(self.bits as usize)
    }

    /// Mask of the used bits of the last word (all ones when `bits % 64 == 0`).
    #[inline]
    pub const fn last_word_mask(self) -> u64 {
        match self.bits % 64 {
            0 => u64::MAX,
            r => (1u64 << r) - 1,
        }
    }

    /// Checks that `words` has exactly [`words`](Self::words) words and zero padding.
    pub fn check(self, words: &[u64]) -> Result<()> {
        check_len(self.words(), words.len())?;
        match words.last() {
            Some(&last) if last & !self.last_word_mask() != 0 => Err(Error::PaddingNotZero {
                position: sat(words.len() - 1),
            }),
            _ => Ok(()),
        }
    }

    /// Checks a flat buffer of codes (`n * words` words, each with zero padding) and returns `n`.
    pub fn check_flat(self, codes: &[u64]) -> Result<usize> {
        let w = self.words();
        if !codes.len().is_multiple_of(w) {
            return Err(Error::DimensionMismatch {
                expected: sat(codes.len().div_ceil(w) * w),
                actual: sat(codes.len()),
            });
        }
        let mask = !self.last_word_mask();
        if mask != 0 {
            for (i, code) in codes.chunks_exact(w).enumerate() {
                if code.last().is_some_and(|&last| last & mask != 0) {
                    return Err(Error::PaddingNotZero {
                        position: sat(i * w + w - 1),
                    });
                }
            }
        }
        Ok(codes.len() / w)
    }

    /// Reads bit `j` of `words` (`None` when `j >= bits` or `words` is too short).
    #[inline]
    pub fn bit(self, words: &[u64], j: usize) -> Option<bool> {
        if j >= self.bits() {
            return None;
        }
        words.get(j / 64).map(|w| (w >> (j % 64)) & 1 == 1)
    }

    /// Sets bit `j` of `words` to `value`.
    pub fn set_bit(self, words: &mut [u64], j: usize, value: bool) -> Result<()> {
        if j >= self.bits() {
            return Err(Error::DimensionMismatch {
                expected: self.bits,
                actual: sat(j.saturating_add(1)),
            });
        }
        let w = words.get_mut(j / 64).ok_or(Error::DimensionMismatch {
            expected: sat(self.words()),
            actual: 0,
        })?;
        let m = 1u64 << (j % 64);
        if value {
            *w |= m
        } else {
            *w &= !m
        }
        Ok(())
    }

    /// Complements every used bit in place (the padding stays zero): `d(x, !x) = bits`.
    pub fn complement_in_place(self, words: &mut [u64]) -> Result<()> {
        check_len(self.words(), words.len())?;
        for w in words.iter_mut() {
            *w = !*w;
        }
        if let Some(last) = words.last_mut() {
            *last &= self.last_word_mask();
        }
        Ok(())
    }

    /// Hamming distance of two codes of this layout (checked lengths; padding assumed zero).
    pub fn distance(self, a: &[u64], b: &[u64]) -> Result<u32> {
        check_len(self.words(), a.len())?;
        check_len(self.words(), b.len())?;
        Ok(hamming::distance_words_unchecked_len(a, b))
    }
}

/// A code of exactly `BITS = 64 · WORDS` bits stored in `[u64; WORDS]` (no padding).
///
/// `#[repr(transparent)]` and `const`-constructible, so an array of codes can live in flash as a
/// `static`. For bit counts that are not a multiple of 64 use [`CodeLayout`] with a word
/// slice (for example [`BinaryCode::words_mut`] of a wider code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct BinaryCode<const WORDS: usize> {
    words: [u64; WORDS],
}

impl<const WORDS: usize> Default for BinaryCode<WORDS> {
    fn default() -> Self {
        Self::ZERO
    }
}

impl<const WORDS: usize> BinaryCode<WORDS> {
    const VALID: () = assert!(
        WORDS >= 1 && WORDS * 64 <= MAX_BITS,
        "WORDS must be in 1..=1024"
    );

    /// Number of `u64` words.
    pub const WORDS: usize = WORDS;
    /// Number of bits, `64 · WORDS`.
    pub const BITS: usize = 64 * WORDS;
    /// The all-zero code (every logical value −1).
    pub const ZERO: Self = Self::from_words([0; WORDS]);

    /// Wraps packed words (bit `j` is bit `j % 64` of word `j / 64`).
    #[inline]
    pub const fn from_words(words: [u64; WORDS]) -> Self {
        let () = Self::VALID;
        Self { words }
    }

    /// The packed words.
    #[inline]
    pub const fn words(&self) -> &[u64; WORDS] {
        &self.words
    }

    /// The packed words, mutable (all bits are used: there is no padding to protect).
    #[inline]
    pub fn words_mut(&mut self) -> &mut [u64; WORDS] {
        &mut self.words
    }

    /// The layout of this code (`BITS` bits).
    #[inline]
    pub const fn layout() -> CodeLayout {
        let () = Self::VALID;
        CodeLayout {
            bits: (64 * WORDS) as u32,
        }
    }

    /// Bit `j` (`None` when `j >= BITS`).
    #[inline]
    pub fn bit(&self, j: usize) -> Option<bool> {
        Self::layout().bit(&self.words, j)
    }

    /// Logical value of bit `j`: +1 for a set bit, −1 for a clear one.
    #[inline]
    pub fn sign(&self, j: usize) -> Option<i8> {
        self.bit(j).map(|b| if b { 1 } else { -1 })
    }

    /// Sets bit `j`.
    pub fn set_bit(&mut self, j: usize, value: bool) -> Result<()> {
        Self::layout().set_bit(&mut self.words, j, value)
    }

    /// The complement (every logical value negated).
    #[inline]
    #[must_use]
    pub fn complement(&self) -> Self {
        let mut words = self.words;
        for w in words.iter_mut() {
            *w = !*w;
        }
        Self { words }
    }

    /// Number of set bits.
    #[inline]
    pub fn count_ones(&self) -> u32 {
        self.words.iter().map(|w| w.count_ones()).sum()
    }

    /// Hamming distance to `other` through the portable kernel (see [`crate::hamming`]).
    #[inline]
    pub fn distance(&self, other: &Self) -> u32 {
        hamming::distance(self, other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_rejects_zero_and_too_many_bits() {
        assert_eq!(
            CodeLayout::new(0),
            Err(Error::InvalidBits {
                bits: 0,
                max: MAX_BITS as u32
            })
        );
        assert!(CodeLayout::new(MAX_BITS).is_ok());
        assert!(CodeLayout::new(MAX_BITS + 1).is_err());
    }

    #[test]
    fn layout_sizes() {
        let l = CodeLayout::new(100).unwrap();
        assert_eq!((l.bits(), l.words(), l.bytes()), (100, 2, 13));
        assert_eq!(l.last_word_mask(), (1u64 << 36) - 1);
        assert_eq!(CodeLayout::new(128).unwrap().last_word_mask(), u64::MAX);
        assert_eq!(CodeLayout::new(1).unwrap().last_word_mask(), 1);
    }

    #[test]
    fn bit_j_is_bit_j_mod_64_of_word_j_div_64() {
        let mut c = BinaryCode::<2>::ZERO;
        c.set_bit(0, true).unwrap();
        c.set_bit(65, true).unwrap();
        c.set_bit(127, true).unwrap();
        assert_eq!(c.words(), &[1, 2 | (1 << 63)]);
        assert_eq!(c.sign(0), Some(1));
        assert_eq!(c.sign(1), Some(-1));
        assert_eq!(c.bit(128), None);
        assert!(c.set_bit(128, true).is_err());
    }

    #[test]
    fn padding_bits_stay_zero_through_complement() {
        let l = CodeLayout::new(70).unwrap();
        let mut w = [0u64; 2];
        l.complement_in_place(&mut w).unwrap();
        assert_eq!(w, [u64::MAX, 0x3f]);
        assert_eq!(l.check(&w), Ok(()));
        assert_eq!(l.distance(&w, &[0, 0]), Ok(70));
    }

    #[test]
    fn check_rejects_set_padding_and_wrong_length() {
        let l = CodeLayout::new(70).unwrap();
        assert_eq!(
            l.check(&[0, 1 << 6]),
            Err(Error::PaddingNotZero { position: 1 })
        );
        assert!(l.check(&[0]).is_err());
        assert_eq!(
            l.check_flat(&[0, 1, 0, 1 << 40]),
            Err(Error::PaddingNotZero { position: 3 })
        );
        assert_eq!(l.check_flat(&[0, 1, 0, 1]), Ok(2));
        // 3 words are not whole codes of 2: the next whole length is 4; 5 words of codes of 3
        // words: 6.
        assert_eq!(
            l.check_flat(&[0, 1, 0]),
            Err(Error::DimensionMismatch {
                expected: 4,
                actual: 3
            })
        );
        assert_eq!(
            CodeLayout::new(150).unwrap().check_flat(&[0; 5]),
            Err(Error::DimensionMismatch {
                expected: 6,
                actual: 5
            })
        );
    }

    #[test]
    fn layout_bits_read_and_write_the_right_bit() {
        let l = CodeLayout::new(100).unwrap();
        let words = [0b1010 | (1 << 63), 1 << 5];
        for (j, want) in [
            (0, false),
            (1, true),
            (2, false),
            (3, true),
            (63, true),
            (64, false),
            (69, true),
            (70, false),
        ] {
            assert_eq!(l.bit(&words, j), Some(want), "bit {j}");
        }
        assert_eq!(l.bit(&words, 100), None);
        let mut w = words;
        l.set_bit(&mut w, 3, false).unwrap();
        l.set_bit(&mut w, 69, false).unwrap();
        assert_eq!(w, [0b0010 | (1 << 63), 0]);
        l.set_bit(&mut w, 3, false).unwrap();
        assert_eq!(
            w,
            [0b0010 | (1 << 63), 0],
            "clearing a clear bit changes nothing"
        );
        l.set_bit(&mut w, 66, true).unwrap();
        assert_eq!(w, [0b0010 | (1 << 63), 1 << 2]);
    }

    #[test]
    fn set_bit_out_of_range_is_an_error_not_a_panic() {
        let l = CodeLayout::new(10).unwrap();
        let mut w = [0u64; 1];
        assert!(l.set_bit(&mut w, 10, true).is_err());
        assert!(l.set_bit(&mut [], 3, true).is_err());
        assert_eq!(l.bit(&[], 3), None);
    }

    #[test]
    fn complement_is_at_distance_bits() {
        let c = BinaryCode::<3>::from_words([1, 2, 3]);
        assert_eq!(c.distance(&c.complement()), 192);
        assert_eq!(c.count_ones() + c.complement().count_ones(), 192);
    }

    static ZERO_CODE: BinaryCode<4> = BinaryCode::ZERO;

    #[test]
    fn static_new() {
        assert_eq!(ZERO_CODE.count_ones(), 0);
        assert_eq!(BinaryCode::<4>::BITS, 256);
    }
}
