//! The single dispatch point for the Hamming kernels (memchr's shape).
//!
//! [`portable`] is always compiled: it is the oracle every fast path is tested against and the
//! fallback everywhere. Fast paths live in one module per architecture and are chosen once, when
//! a [`Kernel`] is built ([`Kernel::detect`]), never per distance. Building with
//! `RUSTFLAGS="--cfg binaryllm_portable_only"` forces the portable kernel (CI runs the whole test
//! suite that way).
//!
//! All `unsafe` of the crate lives below this module, each block with a `// SAFETY:` line.

pub(crate) mod portable;

#[cfg(all(target_arch = "x86_64", not(binaryllm_portable_only)))]
mod x86_64;

// Cortex-M kernel: chosen by `detect` on bare-metal ARM only, but plain safe Rust, so it is
// compiled and offered by `available` everywhere and tested against the oracle on the host too.
#[cfg(any(test, not(binaryllm_portable_only)))]
#[cfg_attr(binaryllm_portable_only, allow(dead_code))]
mod cortex_m;

/// A Hamming-distance kernel over equal-length word slices, selected once.
///
/// `distance(a, b)` is the number of differing bits of `a` and `b`; both must have the same
/// length (a longer slice's extra words are ignored, never read out of bounds).
#[derive(Clone, Copy)]
pub struct Kernel {
    name: &'static str,
    distance: fn(&[u64], &[u64]) -> u32,
}

impl core::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Kernel").field("name", &self.name).finish()
    }
}

impl Kernel {
    /// The portable kernel (`count_ones` of each XOR word): the oracle.
    pub const PORTABLE: Kernel = Kernel {
        name: "portable",
        distance: portable::distance,
    };

    /// The fastest kernel this CPU supports (runtime detection needs the `std` feature; without
    /// it only compile-time target features count). Honours `--cfg binaryllm_portable_only`.
    pub fn detect() -> Kernel {
        #[cfg(all(target_arch = "x86_64", not(binaryllm_portable_only)))]
        if let Some(k) = x86_64::detect() {
            return k;
        }
        #[cfg(all(target_arch = "arm", target_os = "none", not(binaryllm_portable_only)))]
        if let Some(k) = cortex_m::detect() {
            return k;
        }
        Kernel::PORTABLE
    }

    /// Every kernel usable on this CPU, the portable one first (for tests and benchmarks).
    pub fn available() -> impl Iterator<Item = Kernel> {
        let fast: [Option<Kernel>; 2] = [
            #[cfg(all(target_arch = "x86_64", not(binaryllm_portable_only)))]
            x86_64::detect(),
            #[cfg(not(all(target_arch = "x86_64", not(binaryllm_portable_only))))]
            None,
            // The Cortex-M kernel is plain safe Rust: offered on the host too (when not forced
            // portable) so the property tests compare it with the oracle everywhere.
            #[cfg(not(binaryllm_portable_only))]
            cortex_m::detect(),
            #[cfg(binaryllm_portable_only)]
            None,
        ];
        core::iter::once(Kernel::PORTABLE).chain(fast.into_iter().flatten())
    }

    /// The kernel's name (`"portable"`, `"x86_64-popcnt"`, …).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Hamming distance of two equal-length word slices.
    #[inline]
    pub fn distance(&self, a: &[u64], b: &[u64]) -> u32 {
        (self.distance)(a, b)
    }
}
