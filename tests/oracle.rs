//! Naive oracles: the slowest obviously-correct versions of the core's operations.

use binaryllm_core::{CodeLayout, Neighbor};

/// Bit `j` of a packed code, read one bit at a time.
fn bit(words: &[u64], j: usize) -> bool {
    words.get(j / 64).is_some_and(|w| (w >> (j % 64)) & 1 == 1)
}

/// Hamming distance by a per-bit loop over the `bits` used bits (like CMSIS-DSP's scalar
/// `arm_hamming_distance`).
pub fn naive_distance(a: &[u64], b: &[u64], bits: usize) -> u32 {
    (0..bits).filter(|&j| bit(a, j) != bit(b, j)).count() as u32
}

/// Top-k by repeated selection of the smallest `(distance, index)` above the previous pick:
/// O(k·N), no sorting, no allocation. Fills `out` (`k = out.len()`), returns how many.
pub fn naive_top_k(layout: CodeLayout, query: &[u64], db: &[u64], out: &mut [Neighbor]) -> usize {
    let w = layout.words();
    let mut prev: Option<Neighbor> = None;
    let mut n = 0;
    for slot in out.iter_mut() {
        let mut best: Option<Neighbor> = None;
        for (i, code) in db.chunks_exact(w).enumerate() {
            let cand = Neighbor {
                distance: naive_distance(query, code, layout.bits()),
                index: i as u32,
            };
            if prev.is_some_and(|p| cand <= p) {
                continue;
            }
            if best.is_none_or(|b| cand < b) {
                best = Some(cand);
            }
        }
        match best {
            Some(b) => {
                *slot = b;
                prev = best;
                n += 1;
            }
            None => break,
        }
    }
    n
}

/// The bit pattern of the packbits goldens: bit `j` of row `i`.
pub fn pack_bit(i: usize, j: usize) -> bool {
    ((i * 7 + j * 13 + (j >> 4)) % 5) < 2
}
