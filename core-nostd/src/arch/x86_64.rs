//! x86_64 fast paths.

use super::Kernel;

/// The `popcnt` kernel when the CPU has it (compile-time feature, or runtime detection under
/// `std`).
pub(super) fn detect() -> Option<Kernel> {
    if has_popcnt() {
        Some(Kernel {
            name: "x86_64-popcnt",
            distance: distance_popcnt_entry,
        })
    } else {
        None
    }
}

#[cfg(feature = "std")]
fn has_popcnt() -> bool {
    std::is_x86_feature_detected!("popcnt")
}

#[cfg(not(feature = "std"))]
fn has_popcnt() -> bool {
    cfg!(target_feature = "popcnt")
}

fn distance_popcnt_entry(a: &[u64], b: &[u64]) -> u32 {
    // SAFETY: this function is only reachable through the `Kernel` built by `detect`, which
    // checked that the CPU supports `popcnt`.
    unsafe { distance_popcnt(a, b) }
}

/// Four independent accumulators so the `popcnt` latency chains overlap.
#[target_feature(enable = "popcnt")]
fn distance_popcnt(a: &[u64], b: &[u64]) -> u32 {
    let n = a.len().min(b.len());
    let (a, b) = (a.get(..n).unwrap_or(&[]), b.get(..n).unwrap_or(&[]));
    let mut acc = [0u32; 4];
    let mut ca = a.chunks_exact(4);
    let mut cb = b.chunks_exact(4);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for ((s, p), q) in acc.iter_mut().zip(x).zip(y) {
            *s += (p ^ q).count_ones();
        }
    }
    let mut sum = acc.iter().sum::<u32>();
    for (p, q) in ca.remainder().iter().zip(cb.remainder()) {
        sum += (p ^ q).count_ones();
    }
    sum
}
