//! The portable kernel: the oracle and the fallback. No `unsafe`.

/// Hamming distance of two word slices (over the shorter length).
#[inline]
pub(crate) fn distance(a: &[u64], b: &[u64]) -> u32 {
    let mut sum = 0u32;
    for (x, y) in a.iter().zip(b) {
        sum += (x ^ y).count_ones();
    }
    sum
}
