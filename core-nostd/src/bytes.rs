//! Byte forms of a packed code, for files and for other tools.
//!
//! | form | byte `k`, bit `i` (bit 0 = LSB) holds code bit | same bytes as |
//! |---|---|---|
//! | [`ByteOrder::Lsb`] | `8k + i` | FAISS binary codes, `numpy.packbits(b, bitorder="little")`, our words as little-endian bytes |
//! | [`ByteOrder::Msb`] | `8k + 7 − i` | `numpy.packbits(b)` (default `bitorder="big"`), sentence-transformers `ubinary` |
//!
//! sentence-transformers' signed `binary` precision is the `Msb` byte minus 128, as `i8`
//! ([`to_signed_binary_into`]). In every form the unused bits of the last byte are zero.

use crate::code::CodeLayout;
use crate::error::{Error, Result, check_len, sat};

/// Bit order inside each byte of a packed byte code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ByteOrder {
    /// Code bit `8k + i` is bit `i` of byte `k` (FAISS, `packbits(bitorder="little")`).
    Lsb,
    /// Code bit `8k + i` is bit `7 − i` of byte `k` (`packbits` default, `ubinary`).
    Msb,
}

/// Writes the code `words` (of `layout`) as `layout.bytes()` bytes into `out`.
///
/// Errors: wrong `words` length, set padding bits, or `out` shorter than `layout.bytes()`.
/// Returns the number of bytes written.
pub fn to_bytes_into(
    layout: CodeLayout,
    words: &[u64],
    order: ByteOrder,
    out: &mut [u8],
) -> Result<usize> {
    layout.check(words)?;
    let n = layout.bytes();
    let capacity = sat(out.len());
    let out = out.get_mut(..n).ok_or(Error::Capacity {
        required: sat(n),
        capacity,
    })?;
    for (chunk, word) in out.chunks_mut(8).zip(words) {
        let le = word.to_le_bytes();
        for (o, b) in chunk.iter_mut().zip(le) {
            *o = match order {
                ByteOrder::Lsb => b,
                ByteOrder::Msb => b.reverse_bits(),
            };
        }
    }
    Ok(n)
}

/// Reads `layout.bytes()` bytes of the given order into `out` words.
///
/// Errors: wrong lengths, or a set bit beyond `layout.bits()` ([`Error::PaddingNotZero`] with the
/// byte position).
pub fn from_bytes_into(
    layout: CodeLayout,
    bytes: &[u8],
    order: ByteOrder,
    out: &mut [u64],
) -> Result<()> {
    check_len(layout.bytes(), bytes.len())?;
    check_len(layout.words(), out.len())?;
    for (word, chunk) in out.iter_mut().zip(bytes.chunks(8)) {
        let mut le = [0u8; 8];
        for (d, &b) in le.iter_mut().zip(chunk) {
            *d = match order {
                ByteOrder::Lsb => b,
                ByteOrder::Msb => b.reverse_bits(),
            };
        }
        *word = u64::from_le_bytes(le);
    }
    if layout.check(out).is_err() {
        let last = sat(bytes.len().saturating_sub(1));
        for w in out.iter_mut() {
            *w = 0;
        }
        return Err(Error::PaddingNotZero { position: last });
    }
    Ok(())
}

/// Writes sentence-transformers' signed `binary` form: `(Msb byte) − 128` as `i8`.
pub fn to_signed_binary_into(layout: CodeLayout, words: &[u64], out: &mut [i8]) -> Result<usize> {
    layout.check(words)?;
    let n = layout.bytes();
    let capacity = sat(out.len());
    let out = out.get_mut(..n).ok_or(Error::Capacity {
        required: sat(n),
        capacity,
    })?;
    let mut k = 0usize;
    for word in words {
        for b in word.to_le_bytes() {
            if let Some(o) = out.get_mut(k) {
                *o = signed_from_unsigned(b.reverse_bits());
            }
            k += 1;
        }
    }
    Ok(n)
}

/// Reads the signed `binary` form back into words.
pub fn from_signed_binary_into(layout: CodeLayout, bytes: &[i8], out: &mut [u64]) -> Result<()> {
    check_len(layout.bytes(), bytes.len())?;
    let mut tmp = [0u8; 8];
    check_len(layout.words(), out.len())?;
    for (word, chunk) in out.iter_mut().zip(bytes.chunks(8)) {
        tmp.fill(0);
        for (d, &s) in tmp.iter_mut().zip(chunk) {
            *d = unsigned_from_signed(s).reverse_bits();
        }
        *word = u64::from_le_bytes(tmp);
    }
    if layout.check(out).is_err() {
        out.fill(0);
        return Err(Error::PaddingNotZero {
            position: sat(bytes.len().saturating_sub(1)),
        });
    }
    Ok(())
}

/// `u8 − 128` as `i8` (numpy's `(packed - 128).astype(np.int8)`).
#[inline]
const fn signed_from_unsigned(b: u8) -> i8 {
    (b ^ 0x80) as i8
}

/// Inverse of [`signed_from_unsigned`].
#[inline]
const fn unsigned_from_signed(s: i8) -> u8 {
    (s as u8) ^ 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(bits: usize) -> CodeLayout {
        CodeLayout::new(bits).unwrap()
    }

    #[test]
    fn lsb_bytes_are_little_endian_words() {
        let w = [0x0807_0605_0403_0201u64, 0x0a09];
        let mut out = [0u8; 10];
        assert_eq!(
            to_bytes_into(layout(80), &w, ByteOrder::Lsb, &mut out),
            Ok(10)
        );
        assert_eq!(out, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }

    #[test]
    fn msb_bytes_reverse_each_byte() {
        // bits 0 and 9 set: numpy.packbits([1,0,0,0,0,0,0,0, 0,1]) == [0x80, 0x40]
        let w = [1u64 | (1 << 9)];
        let mut out = [0u8; 2];
        to_bytes_into(layout(10), &w, ByteOrder::Msb, &mut out).unwrap();
        assert_eq!(out, [0x80, 0x40]);
        let mut back = [0u64; 1];
        from_bytes_into(layout(10), &out, ByteOrder::Msb, &mut back).unwrap();
        assert_eq!(back, w);
    }

    #[test]
    fn signed_binary_is_ubinary_minus_128() {
        let w = [0u64, u64::MAX];
        let mut out = [0i8; 16];
        to_signed_binary_into(layout(128), &w, &mut out).unwrap();
        assert_eq!(&out[..8], &[-128; 8]);
        assert_eq!(&out[8..], &[127; 8]);
        let mut back = [0u64; 2];
        from_signed_binary_into(layout(128), &out, &mut back).unwrap();
        assert_eq!(back, w);
    }

    #[test]
    fn padding_bits_in_bytes_are_rejected() {
        let mut out = [7u64; 1];
        // 10 bits: second byte may only use its two low (Lsb) bits.
        assert_eq!(
            from_bytes_into(layout(10), &[0, 0b100], ByteOrder::Lsb, &mut out),
            Err(Error::PaddingNotZero { position: 1 })
        );
        assert_eq!(out, [0]);
        // In Msb order the two used bits are the high ones.
        assert!(from_bytes_into(layout(10), &[0, 0b1100_0000], ByteOrder::Msb, &mut out).is_ok());
        assert!(from_bytes_into(layout(10), &[0, 0b0010_0000], ByteOrder::Msb, &mut out).is_err());
    }

    #[test]
    fn short_output_is_a_capacity_error() {
        let mut out = [0u8; 3];
        assert_eq!(
            to_bytes_into(layout(64), &[0], ByteOrder::Lsb, &mut out),
            Err(Error::Capacity {
                required: 8,
                capacity: 3
            })
        );
    }
}
