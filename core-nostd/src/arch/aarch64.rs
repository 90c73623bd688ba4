//! aarch64 fast path: NEON `cnt` (byte popcounts of 2 words per register, accumulated as bytes
//! and summed with `uaddlv`), row layout.
//!
//! Reachable only through the [`Kernel`] built by [`kernel`] after NEON was detected (it is part
//! of the aarch64 baseline), and scans only through [`Kernel::scan`], which validated the slice
//! lengths: the `// SAFETY:` comments rely on both.

use core::arch::aarch64::*;

use super::{Kernel, threshold};
use crate::knn::TopKCollector;

#[cfg(feature = "std")]
fn has_neon() -> bool {
    std::arch::is_aarch64_feature_detected!("neon")
}
#[cfg(not(feature = "std"))]
fn has_neon() -> bool {
    cfg!(target_feature = "neon")
}

/// The NEON kernel when the CPU has NEON.
pub(super) fn kernel() -> Option<Kernel> {
    has_neon().then_some(Kernel {
        name: "aarch64-neon",
        block: 1,
        distance: distance_neon_entry,
        scan: scan_neon_entry,
    })
}

fn distance_neon_entry(a: &[u64], b: &[u64]) -> u32 {
    // SAFETY: only reachable through the `Kernel` built by `kernel`, which checked NEON.
    unsafe { distance_neon(a, b) }
}

#[target_feature(enable = "neon")]
#[inline]
fn distance_neon(a: &[u64], b: &[u64]) -> u32 {
    let n = a.len().min(b.len());
    let mut sum = 0u32;
    let mut i = 0;
    while i + 2 <= n {
        // Byte counters hold at most 8 per word: flush every 31 registers (62 words).
        let end = (i + 62).min(n & !1);
        let mut acc = vdupq_n_u8(0);
        while i < end {
            // SAFETY: i + 2 <= n <= a.len(), b.len(): 16 bytes of each slice are read.
            let x = unsafe {
                veorq_u8(
                    vld1q_u8(a.as_ptr().add(i).cast()),
                    vld1q_u8(b.as_ptr().add(i).cast()),
                )
            };
            acc = vaddq_u8(acc, vcntq_u8(x));
            i += 2;
        }
        sum += u32::from(vaddlvq_u8(acc));
    }
    if let (Some(x), Some(y)) = (a.get(i), b.get(i))
        && i < n
    {
        sum += (x ^ y).count_ones();
    }
    sum
}

fn scan_neon_entry(
    words: usize,
    queries: &[u64],
    tile: &[u64],
    n: usize,
    base: u32,
    tops: &mut [TopKCollector<'_>],
) {
    // SAFETY: only reachable through the `Kernel` built by `kernel`, which checked NEON.
    unsafe { by_width!(scan_neon, words, words, queries, tile, n, base, tops) }
}

#[target_feature(enable = "neon")]
fn scan_neon<const W: usize>(
    words: usize,
    queries: &[u64],
    tile: &[u64],
    n: usize,
    base: u32,
    tops: &mut [TopKCollector<'_>],
) {
    let w = if W == 0 { words } else { W };
    for (q, top) in queries.chunks_exact(w).zip(tops.iter_mut()) {
        let mut thr = threshold(top);
        for (i, code) in tile.chunks_exact(w).take(n).enumerate() {
            let d = distance_neon(q.get(..w).unwrap_or(q), code.get(..w).unwrap_or(code));
            if d < thr {
                top.push(base + i as u32, d);
                thr = threshold(top);
            }
        }
    }
}
