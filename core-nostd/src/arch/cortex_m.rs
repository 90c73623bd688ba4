//! Cortex-M (bare-metal ARM) Hamming kernel: carry-save adders and 32-bit SWAR with one
//! shared horizontal sum.
//!
//! Neither ARMv6-M nor ARMv7E-M has a population-count instruction, so `count_ones` becomes a
//! SWAR sequence ending in a multiply for every 32-bit half. This kernel shares that work
//! between words. Per block of four `u64` (256 bits, eight 32-bit words `x0..x7` of `a ^ b`):
//!
//! 1. carry-save adders (Harley–Seal) reduce `x0..x6` to a weight-1 word `o`, a weight-2 word
//!    `tw` and a weight-4 word `f` (`x0 + … + x6 = o + 2·tw + 4·f` bitwise);
//! 2. per-nibble bit counts (five ALU operations each) of `o` and `x7` are added (≤ 8), and of
//!    `tw` and `2·f` (≤ 12): still one nibble each;
//! 3. both are widened to byte counts and combined as `ones + 2·twos` (≤ 64 per byte);
//! 4. the four bytes are summed with two shifted adds and masks (total ≤ 256).
//!
//! Words past the last full block go through steps 2–4 one `u64` at a time. Safe code, the same
//! result as the portable kernel (the oracle; tested below and, over every kernel of
//! [`Kernel::available`], by the conformance property tests on the host and the golden checks
//! on Cortex-M0 and M4F under QEMU).
//!
//! Measured under QEMU `-icount` on the Cortex-M4F (`binaryllm firmware run --board
//! qemu-m4f`): one 256-bit distance through [`Kernel::distance`], measurement harness included,
//! is 93 instructions (the portable kernel: 173).

use super::{Kernel, portable};
use crate::knn::TopKCollector;

/// The kernel, on every bare-metal ARM target (Cortex-M0/M0+/M3/M4/M7); row-major tiles.
pub(super) fn kernel() -> Option<Kernel> {
    Some(Kernel {
        name: "cortex-m-swar",
        block: 1,
        distance,
        scan,
    })
}

/// Row-major scan with this kernel's distance.
fn scan(
    words: usize,
    queries: &[u64],
    tile: &[u64],
    n: usize,
    base: u32,
    tops: &mut [TopKCollector<'_>],
) {
    portable::scan_rows(distance, words, queries, tile, n, base, tops);
}

const M1: u32 = 0x5555_5555;
const M2: u32 = 0x3333_3333;
const M4: u32 = 0x0F0F_0F0F;

/// Per-nibble bit counts of `x` (each ≤ 4).
#[inline(always)]
fn nibbles(x: u32) -> u32 {
    let x = x - ((x >> 1) & M1);
    (x & M2) + ((x >> 2) & M2)
}

/// Nibble sums (each ≤ 15) widened to byte sums.
#[inline(always)]
fn widen(n: u32) -> u32 {
    (n & M4) + ((n >> 4) & M4)
}

/// Sum of the four bytes of `x`, each ≤ 127: adjacent bytes are added (≤ 254, no carry out of
/// a byte), the even sums kept and added (≤ 508, fits the low 16 bits).
#[inline(always)]
fn byte_sum(x: u32) -> u32 {
    let x = (x + (x >> 8)) & 0x00FF_00FF;
    (x + (x >> 16)) & 0xFFFF
}

/// The two 32-bit halves of `a ^ b`.
#[inline(always)]
fn halves(a: u64, b: u64) -> (u32, u32) {
    let z = a ^ b;
    (z as u32, (z >> 32) as u32)
}

/// Carry-save adder: `(ones, twos)` with `a + b + c = ones + 2 · twos` bitwise.
#[inline(always)]
fn csa(a: u32, b: u32, c: u32) -> (u32, u32) {
    let u = a ^ b;
    (u ^ c, (a & b) | (u & c))
}

/// Distance of one 256-bit block.
#[inline(always)]
fn block(a: &[u64; 4], b: &[u64; 4]) -> u32 {
    let [a0, a1, a2, a3] = *a;
    let [b0, b1, b2, b3] = *b;
    let (x0, x1) = halves(a0, b0);
    let (x2, x3) = halves(a1, b1);
    let (x4, x5) = halves(a2, b2);
    let (x6, x7) = halves(a3, b3);
    // Carry-save reduction to weight-1 words o, x7, a weight-2 word tw and a weight-4 word f.
    let (o0, t0) = csa(x0, x1, x2);
    let (o1, t1) = csa(x3, x4, x5);
    let (o, t2) = csa(o0, o1, x6);
    let (tw, f) = csa(t0, t1, t2);
    // Nibble counts: ones ≤ 4 + 4; tw + 2 · f ≤ 4 + 8. Widened to bytes: ≤ 16 + 2 · 24 = 64.
    let ones = nibbles(o) + nibbles(x7);
    let twos = nibbles(tw) + (nibbles(f) << 1);
    byte_sum(widen(ones) + (widen(twos) << 1))
}

/// Hamming distance over the common length of `a` and `b`.
pub(crate) fn distance(a: &[u64], b: &[u64]) -> u32 {
    // The common 256-bit case as straight-line code; other lengths go to an out-of-line loop
    // (a tail call), so this path saves only the registers it uses.
    if let (Ok(a), Ok(b)) = (<&[u64; 4]>::try_from(a), <&[u64; 4]>::try_from(b)) {
        return block(a, b);
    }
    distance_any(a, b)
}

#[inline(never)]
fn distance_any(a: &[u64], b: &[u64]) -> u32 {
    let n = a.len().min(b.len());
    let (a, b) = (a.get(..n).unwrap_or(&[]), b.get(..n).unwrap_or(&[]));
    let (ca, ra) = a.as_chunks::<4>();
    let (cb, rb) = b.as_chunks::<4>();
    let mut total = 0u32;
    for (x, y) in ca.iter().zip(cb) {
        total += block(x, y);
    }
    // At most three words are left: byte counts ≤ 8 per word, ≤ 24 per byte.
    let mut bytes = 0u32;
    for (&x, &y) in ra.iter().zip(rb) {
        let (lo, hi) = halves(x, y);
        bytes += widen(nibbles(lo) + nibbles(hi));
    }
    total + byte_sum(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::portable;

    #[test]
    fn matches_portable_on_edge_words_and_lengths() {
        let mut a = [0u64; 40];
        let mut b = [0u64; 40];
        for (i, (x, y)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
            *x = if i % 3 == 0 {
                u64::MAX
            } else {
                0x5555_5555_5555_5555 << (i % 7)
            };
            *y = if i % 5 == 0 {
                0
            } else {
                !(0x0F0F_0F0F_0F0F_0F0F >> (i % 11))
            };
        }
        for n in 0..=a.len() {
            assert_eq!(
                distance(&a[..n], &b[..n]),
                portable::distance(&a[..n], &b[..n]),
                "{n}"
            );
        }
        // All bits differ over many words: accumulators must not overflow.
        let ones = [u64::MAX; 40];
        assert_eq!(distance(&ones, &[0; 40]), 40 * 64);
        assert_eq!(distance(&ones[..3], &[0; 2]), 128);
    }
}
