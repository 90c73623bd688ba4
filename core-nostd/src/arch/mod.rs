//! The single dispatch point for the Hamming and projection kernels (memchr's shape).
//!
//! [`portable`] is always compiled: it is the oracle every fast path is tested against and the
//! fallback everywhere. Fast paths live in one module per architecture and are chosen once, when
//! a [`Kernel`] (or [`ProjectKernel`]) is built ([`Kernel::detect`]), never per distance: a
//! searcher detects once and then calls [`Kernel::scan`] once per tile of database codes.
//! Building with `RUSTFLAGS="--cfg binaryllm_portable_only"` (or `BINARYLLM_PORTABLE_ONLY=1`,
//! which sets the same cfg for this crate only through its build script) forces the portable
//! kernels; CI runs the whole test suite that way.
//!
//! | kernel | CPU feature | tile layout | widths specialised |
//! |---|---|---|---|
//! | `portable` | none (`count_ones`) | rows | generic |
//! | `x86_64-popcnt` | `popcnt` | rows | 64/128/256/512/1024 bits + generic |
//! | `x86_64-avx2` | `avx2` (nibble LUT `vpshufb`) | blocks of 8 codes, word-interleaved | same |
//! | `x86_64-avx512` | `avx512f` + `avx512vpopcntdq` | blocks of 8 codes, word-interleaved | same |
//! | `aarch64-neon` | NEON (`cnt`) | rows | same |
//! | `cortex-m-swar` | none (carry-save adders + SWAR; bare-metal ARM) | rows | 256 bits + generic |
//!
//! All `unsafe` of the crate lives below this module, each block with a `// SAFETY:` line.

use crate::code::CodeLayout;
use crate::error::{Error, Result, check_len, sat};
use crate::knn::TopKCollector;

/// Calls `$f::<W>` with `W` = the code width in words when it is one of the specialised
/// widths (64, 128, 256, 512, 1024 bits), else `$f::<0>` (the generic path).
#[allow(unused_macros)]
macro_rules! by_width {
    ($f:ident, $words:expr, $($arg:expr),*) => {
        match $words {
            1 => $f::<1>($($arg),*),
            2 => $f::<2>($($arg),*),
            4 => $f::<4>($($arg),*),
            8 => $f::<8>($($arg),*),
            16 => $f::<16>($($arg),*),
            _ => $f::<0>($($arg),*),
        }
    };
}

pub(crate) mod portable;

#[cfg(all(target_arch = "x86_64", not(binaryllm_portable_only)))]
mod x86_64;

#[cfg(all(target_arch = "aarch64", not(binaryllm_portable_only)))]
mod aarch64;

// Cortex-M kernel: chosen by `detect` on bare-metal ARM only, but plain safe Rust, so it is
// compiled and offered by `available` everywhere and tested against the oracle on the host too.
#[cfg(any(test, not(binaryllm_portable_only)))]
#[cfg_attr(binaryllm_portable_only, allow(dead_code))]
mod cortex_m;

/// Whether this build forces the portable kernels (`--cfg binaryllm_portable_only`, set by
/// `RUSTFLAGS` or by `BINARYLLM_PORTABLE_ONLY=1` at build time).
pub const PORTABLE_ONLY: bool = cfg!(binaryllm_portable_only);

/// Codes per block of the interleaved tile layout of the SIMD kernels.
const BLOCK: usize = 8;

/// The scan entry of a kernel: `(words, queries, tile, n, base, tops)`, arguments validated by
/// [`Kernel::scan`].
type ScanFn = fn(usize, &[u64], &[u64], usize, u32, &mut [TopKCollector<'_>]);

/// A Hamming-distance kernel over equal-length word slices, selected once.
///
/// `distance(a, b)` is the number of differing bits of `a` and `b`; both must have the same
/// length (a longer slice's extra words are ignored, never read out of bounds).
/// [`scan`](Self::scan) compares a batch of queries with a tile of database codes and feeds the
/// per-query top-k collectors, rejecting most candidates with one compare against each query's
/// running threshold (its current k-th best distance).
#[derive(Clone, Copy)]
pub struct Kernel {
    name: &'static str,
    block: usize,
    distance: fn(&[u64], &[u64]) -> u32,
    scan: ScanFn,
}

impl core::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Kernel").field("name", &self.name).finish()
    }
}

impl PartialEq for Kernel {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Kernel {}

/// The running threshold of a collector: a candidate must be strictly below it.
#[inline]
pub(crate) fn threshold(top: &TopKCollector<'_>) -> u32 {
    top.worst().map_or(u32::MAX, |w| w.distance)
}

impl Kernel {
    /// The portable kernel (`count_ones` of each XOR word): the oracle.
    pub const PORTABLE: Kernel = Kernel {
        name: "portable",
        block: 1,
        distance: portable::distance,
        scan: portable::scan,
    };

    /// The fastest kernel this CPU supports (runtime detection needs the `std` feature; without
    /// it only compile-time target features count). Honours `--cfg binaryllm_portable_only`.
    pub fn detect() -> Kernel {
        Self::fast()
            .into_iter()
            .flatten()
            .last()
            .unwrap_or(Kernel::PORTABLE)
    }

    /// The fast kernels usable on this CPU, slowest first.
    fn fast() -> [Option<Kernel>; 3] {
        #[cfg(all(target_arch = "x86_64", not(binaryllm_portable_only)))]
        return x86_64::kernels();
        #[cfg(all(target_arch = "aarch64", not(binaryllm_portable_only)))]
        return [aarch64::kernel(), None, None];
        #[cfg(all(target_arch = "arm", target_os = "none", not(binaryllm_portable_only)))]
        return [cortex_m::kernel(), None, None];
        #[allow(unreachable_code)]
        [None, None, None]
    }

    /// Every kernel usable on this CPU, the portable one first, then from slowest to fastest
    /// (for tests and benchmarks). The Cortex-M kernel is plain safe Rust, so it is offered on
    /// every target (second, when not forced portable) and the property tests compare it with
    /// the oracle on the host too.
    pub fn available() -> impl Iterator<Item = Kernel> {
        #[cfg(all(
            not(binaryllm_portable_only),
            not(all(target_arch = "arm", target_os = "none"))
        ))]
        let extra = cortex_m::kernel();
        #[cfg(not(all(
            not(binaryllm_portable_only),
            not(all(target_arch = "arm", target_os = "none"))
        )))]
        let extra: Option<Kernel> = None;
        core::iter::once(Kernel::PORTABLE)
            .chain(extra)
            .chain(Self::fast().into_iter().flatten())
    }

    /// The kernel called `name` (see [`name`](Self::name)) if this CPU supports it.
    pub fn by_name(name: &str) -> Option<Kernel> {
        Self::available().find(|k| k.name == name)
    }

    /// The kernel's name (`"portable"`, `"x86_64-popcnt"`, `"x86_64-avx2"`, `"x86_64-avx512"`,
    /// `"aarch64-neon"`, `"cortex-m-swar"`).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Hamming distance of two equal-length word slices.
    #[inline]
    pub fn distance(&self, a: &[u64], b: &[u64]) -> u32 {
        (self.distance)(a, b)
    }

    /// Codes per block of this kernel's tile layout: 1 means row-major codes are used as they
    /// are; 8 means blocks of 8 codes stored word-interleaved ([`pack_tile`](Self::pack_tile)).
    pub const fn block(&self) -> usize {
        self.block
    }

    /// Number of words of a tile of `n` codes of `words` words in this kernel's layout (`n`
    /// rounded up to a whole block), saturating at `usize::MAX` (no buffer is that long).
    pub const fn tile_len(&self, words: usize, n: usize) -> usize {
        n.div_ceil(self.block)
            .saturating_mul(self.block)
            .saturating_mul(words)
    }

    /// Whether row-major codes of `words` words already are this kernel's tile layout (row
    /// kernels, or one word per code), so whole blocks can be scanned without
    /// [`pack_tile`](Self::pack_tile).
    pub const fn rows_are_tiles(&self, words: usize) -> bool {
        self.block == 1 || words == 1
    }

    /// Rearranges row-major `codes` (`n · words` words) into this kernel's tile layout in
    /// `tile` (at least [`tile_len`](Self::tile_len) words; the block tail is zero-filled).
    /// Returns `n`.
    pub fn pack_tile(&self, words: usize, codes: &[u64], tile: &mut [u64]) -> Result<usize> {
        if words == 0 || !codes.len().is_multiple_of(words) {
            return Err(Error::DimensionMismatch {
                expected: sat(codes.len().div_ceil(words.max(1)) * words.max(1)),
                actual: sat(codes.len()),
            });
        }
        let n = codes.len() / words;
        if n == 0 {
            return Ok(0);
        }
        // n >= 1, so `words <= codes.len()` and `BLOCK * words` cannot overflow below.
        let need = self.tile_len(words, n);
        let capacity = sat(tile.len());
        let tile = tile.get_mut(..need).ok_or(Error::Capacity {
            required: sat(need),
            capacity,
        })?;
        if self.block == 1 {
            tile.copy_from_slice(codes);
            return Ok(n);
        }
        for (b, out) in tile.chunks_exact_mut(BLOCK * words).enumerate() {
            let start = b * BLOCK * words;
            match codes.get(start..start + BLOCK * words) {
                // One word per code: the interleaved layout is the row layout.
                Some(block) if words == 1 => out.copy_from_slice(block),
                // A full block: an 8 × words transposition.
                Some(block) => {
                    for (lane, code) in block.chunks_exact(words).enumerate() {
                        for (o, &x) in out.chunks_exact_mut(BLOCK).zip(code) {
                            if let Some(slot) = o.get_mut(lane) {
                                *slot = x;
                            }
                        }
                    }
                }
                // The last, partial block: missing codes are zero.
                None => {
                    for lane in 0..BLOCK {
                        let at = start + lane * words;
                        let code = codes.get(at..at + words);
                        for (j, o) in out.chunks_exact_mut(BLOCK).enumerate() {
                            if let Some(slot) = o.get_mut(lane) {
                                *slot = code.and_then(|c| c.get(j)).copied().unwrap_or(0);
                            }
                        }
                    }
                }
            }
        }
        Ok(n)
    }

    /// Compares every query (`queries`: `tops.len()` codes of `layout`, row-major) with the
    /// first `n` codes of `tile` (in this kernel's layout, see [`pack_tile`](Self::pack_tile);
    /// row-major codes when [`block`](Self::block) is 1) and pushes into `tops[q]` each code
    /// whose distance to query `q` is strictly below that collector's current k-th best. Code
    /// `i` of the tile has index `base + i`.
    ///
    /// The result equals pushing every `(base + i, distance)` into the collectors, provided
    /// every index already held by a collector is below `base` (codes are offered in increasing
    /// index order, as in a scan; a tie then always goes to the index already held). Padding
    /// bits are assumed zero, as every core constructor guarantees.
    pub fn scan(
        &self,
        layout: CodeLayout,
        queries: &[u64],
        tile: &[u64],
        n: usize,
        base: u32,
        tops: &mut [TopKCollector<'_>],
    ) -> Result<()> {
        let w = layout.words();
        check_len(tops.len() * w, queries.len())?;
        let need = self.tile_len(w, n);
        if tile.len() < need {
            return Err(Error::Capacity {
                required: sat(need),
                capacity: sat(tile.len()),
            });
        }
        if (base as usize)
            .checked_add(n)
            .is_none_or(|end| end as u64 > 1 << 32)
        {
            return Err(Error::Capacity {
                required: sat((base as usize).saturating_add(n)),
                capacity: u32::MAX,
            });
        }
        if n == 0 || tops.is_empty() {
            return Ok(());
        }
        (self.scan)(w, queries, tile, n, base, tops);
        Ok(())
    }
}

/// Emits the lanes of `mask` (bit `l` = lane `l` passed its threshold) into `top`, lane order.
#[inline(never)]
#[cold]
#[cfg_attr(
    not(all(target_arch = "x86_64", not(binaryllm_portable_only))),
    allow(dead_code)
)]
pub(crate) fn emit(dist: &[u64; BLOCK], mut mask: u32, base: u32, top: &mut TopKCollector<'_>) {
    while mask != 0 {
        let lane = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        let d = dist.get(lane).copied().unwrap_or(u64::MAX) as u32;
        if d < threshold(top) {
            top.push(base + lane as u32, d);
        }
    }
}

/// `a · b + c` with one rounding (IEEE 754 `fusedMultiplyAdd`): the hardware instruction or
/// the C library through `std`, `libm`'s exact software version without it. Both are correctly
/// rounded, so they give the same bits.
#[inline]
pub(crate) fn fmaf(a: f32, b: f32, c: f32) -> f32 {
    #[cfg(feature = "std")]
    return a.mul_add(b, c);
    #[cfg(not(feature = "std"))]
    return libm::fmaf(a, b, c);
}

/// The arithmetic of a projection micro-kernel: what every output's rounding is.
///
/// Within one arithmetic every kernel gives the same bits on every CPU (each output is a
/// sequential sum in index order, vectorised only across outputs). The two arithmetics differ
/// from each other in the last bits of some outputs, and so in a sign bit when an output lies
/// within rounding of its threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Arithmetic {
    /// `acc = acc + w · x`, two roundings per term: the reference arithmetic of
    /// [`crate::projection::dot_sequential`], the same on x86_64 and Cortex-M (the default).
    Separate,
    /// `acc = fma(w, x, acc)`, one rounding per term ([`crate::projection::dot_fused_sequential`]):
    /// opt-in, about twice the floating-point throughput on CPUs with FMA units, not
    /// bit-identical to [`Arithmetic::Separate`] (nor to the firmware).
    Fused,
}

/// A projection micro-kernel's entry point: `(dims, c0, c1, a, b, out)`.
type TileFn = fn(usize, usize, usize, &[f32], &[f32], &mut [f32]);

/// A projection kernel, selected once: the dense micro-kernel, its sign packing, and the
/// Walsh–Hadamard transform of the matrix-free `hadamard` projection.
///
/// [`micro_tile`](Self::micro_tile) computes an `mr × nr` block of `y = W · x` for `mr` input
/// vectors and `nr` consecutive rows (hyperplanes) of `W`: each output is the sequential f32
/// dot product over the input dimensions in index order, vectorised across outputs. Kernels of
/// the default [`Arithmetic::Separate`] round once per multiply and per add (no FMA), so
/// **every such kernel gives the same bits** as [`crate::projection::dot_sequential`]; the
/// opt-in [`Arithmetic::Fused`] kernels ([`detect_with`](Self::detect_with)) give the bits of
/// [`crate::projection::dot_fused_sequential`]. [`fwht`](Self::fwht) and
/// [`flip_fwht`](Self::flip_fwht) have no multiplications: every kernel of either arithmetic
/// gives the bits of the definition in [`crate::hadamard`] (AVX2/AVX-512: one register per 8
/// values for the stride-1/2/4 butterflies, then two wide stages per pass).
#[derive(Clone, Copy)]
pub struct ProjectKernel {
    name: &'static str,
    arithmetic: Arithmetic,
    mr: usize,
    nr: usize,
    /// `(dims, c0, c1, a, b, out)`: continue the accumulators in `out` over input dimensions
    /// `c0..c1` (lengths checked by [`ProjectKernel::micro_tile_continue`]).
    tile: TileFn,
    signs: fn(&[f32], &[f32]) -> (u64, bool),
    /// `(v, masks)`: sign flips (lengths checked by the caller), then the transform.
    pub(crate) fwht: fn(&mut [f32], Option<&[u32]>),
}

impl core::fmt::Debug for ProjectKernel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ProjectKernel")
            .field("name", &self.name)
            .field("arithmetic", &self.arithmetic)
            .field("mr", &self.mr)
            .field("nr", &self.nr)
            .finish()
    }
}

impl ProjectKernel {
    /// The portable micro-kernel (plain Rust, 4 vectors × 8 rows).
    pub const PORTABLE: ProjectKernel = ProjectKernel {
        name: "portable",
        arithmetic: Arithmetic::Separate,
        mr: portable::PROJECT_MR,
        nr: portable::PROJECT_NR,
        tile: portable::project_tile,
        signs: portable::signs,
        fwht: portable::fwht,
    };

    /// The portable fused micro-kernel (4 vectors × 8 rows, a correctly rounded `fma` per term:
    /// the C library's through `std`, `libm`'s without).
    pub const PORTABLE_FUSED: ProjectKernel = ProjectKernel {
        name: "portable-fma",
        arithmetic: Arithmetic::Fused,
        mr: portable::PROJECT_MR,
        nr: portable::PROJECT_NR,
        tile: portable::project_tile_fused,
        signs: portable::signs,
        fwht: portable::fwht,
    };

    /// The fastest micro-kernel of the reference arithmetic ([`Arithmetic::Separate`]) this CPU
    /// supports (the portable one under `--cfg binaryllm_portable_only`). Every such kernel
    /// gives identical outputs, so the choice never changes a bit.
    pub fn detect() -> ProjectKernel {
        Self::detect_with(Arithmetic::Separate)
    }

    /// The fastest micro-kernel of `arithmetic` this CPU supports.
    pub fn detect_with(arithmetic: Arithmetic) -> ProjectKernel {
        Self::available_with(arithmetic)
            .last()
            .unwrap_or(Self::PORTABLE)
    }

    fn fast() -> [Option<ProjectKernel>; 4] {
        #[cfg(all(target_arch = "x86_64", not(binaryllm_portable_only)))]
        return x86_64::project_kernels();
        #[allow(unreachable_code)]
        [None; 4]
    }

    /// Every [`Arithmetic::Separate`] micro-kernel usable on this CPU (all give the same bits),
    /// the portable one first.
    pub fn available() -> impl Iterator<Item = ProjectKernel> {
        Self::available_with(Arithmetic::Separate)
    }

    /// Every micro-kernel of `arithmetic` usable on this CPU, the portable one first.
    pub fn available_with(arithmetic: Arithmetic) -> impl Iterator<Item = ProjectKernel> {
        [Self::PORTABLE, Self::PORTABLE_FUSED]
            .into_iter()
            .chain(Self::fast().into_iter().flatten())
            .filter(move |k| k.arithmetic == arithmetic)
    }

    /// The micro-kernel called `name` if this CPU supports it (either arithmetic).
    pub fn by_name(name: &str) -> Option<ProjectKernel> {
        Self::available()
            .chain(Self::available_with(Arithmetic::Fused))
            .find(|k| k.name == name)
    }

    /// The kernel's arithmetic.
    pub const fn arithmetic(&self) -> Arithmetic {
        self.arithmetic
    }

    /// The kernel's name (`"portable"`, `"x86_64-avx2"`, `"x86_64-avx512"`; the fused ones end
    /// in `-fma`).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Input vectors per micro-tile.
    pub const fn mr(&self) -> usize {
        self.mr
    }

    /// Projection rows (outputs) per micro-tile.
    pub const fn nr(&self) -> usize {
        self.nr
    }

    /// `out[v · nr + j] = Σ_c a[v][c] · b[c · nr + j]` summed sequentially over `c = 0..dims`,
    /// for `v < mr`, `j < nr`, where `a` holds `mr` input vectors row-major with row stride
    /// `dims` (`a.len() == mr · dims`) and `b` is a panel of `nr` rows of `W` stored
    /// column-interleaved (`b[c · nr + j] = W[r0 + j][c]`, `b.len() == dims · nr`).
    pub fn micro_tile(&self, dims: usize, a: &[f32], b: &[f32], out: &mut [f32]) -> Result<()> {
        check_len(self.mr * self.nr, out.len())?;
        out.fill(0.0);
        self.micro_tile_continue(dims, 0..dims, a, b, out)
    }

    /// [`micro_tile`](Self::micro_tile) over the input dimensions `cols` only, continuing the
    /// sums already in `out` (the cache-blocked form: a GEMM splits the dimensions into chunks
    /// whose panel of `W` stays in L1). `a` is as for `micro_tile` (all `dims` columns); `b` holds
    /// the panel's rows for `cols` only (`b[(c − cols.start) · nr + j] = W[r0 + j][c]`,
    /// `b.len() == cols.len() · nr`). Each accumulator is reloaded from `out` exactly, so
    /// `out` zeroed then continued over `0..d₁`, `d₁..d₂`, …, `..dims` gives the bits of one
    /// `micro_tile` call.
    pub fn micro_tile_continue(
        &self,
        dims: usize,
        cols: core::ops::Range<usize>,
        a: &[f32],
        b: &[f32],
        out: &mut [f32],
    ) -> Result<()> {
        // Saturated sizes never equal a real slice length: a huge `dims` is a mismatch.
        check_len(self.mr.saturating_mul(dims), a.len())?;
        if cols.start > cols.end || cols.end > dims {
            return Err(Error::DimensionMismatch {
                expected: sat(dims),
                actual: sat(cols.end),
            });
        }
        check_len(self.nr.saturating_mul(cols.end - cols.start), b.len())?;
        check_len(self.mr * self.nr, out.len())?;
        (self.tile)(dims, cols.start, cols.end, a, b, out);
        Ok(())
    }

    /// The sign rule on up to 64 outputs: bit `j` of the mask is `y[j] >= t[j]`, and the flag
    /// says whether every `y[j]` is finite. [`Error::DimensionMismatch`] unless
    /// `y.len() == t.len() <= 64`.
    pub fn signs(&self, y: &[f32], t: &[f32]) -> Result<(u64, bool)> {
        check_len(y.len(), t.len())?;
        if y.len() > 64 {
            return Err(Error::DimensionMismatch {
                expected: 64,
                actual: sat(y.len()),
            });
        }
        Ok((self.signs)(y, t))
    }

    /// The in-place unnormalised fast Walsh–Hadamard transform of `v` in Sylvester order, as
    /// defined in [`crate::hadamard`] (no multiplications, so every kernel of either arithmetic
    /// gives the same bits). [`Error::DimensionMismatch`] unless `v.len()` is a power of two.
    pub fn fwht(&self, v: &mut [f32]) -> Result<()> {
        if !v.len().is_power_of_two() {
            return Err(Error::DimensionMismatch {
                expected: sat(v.len().next_power_of_two()),
                actual: sat(v.len()),
            });
        }
        (self.fwht)(v, None);
        Ok(())
    }

    /// [`fwht`](Self::fwht) after XOR-ing the bits of each `v[c]` with `masks[c]`: with masks
    /// that are 0 or the f32 sign bit, a negation of the marked values, as one round of
    /// [`crate::hadamard`] flips signs before its transform. [`Error::DimensionMismatch`] unless
    /// `masks` is as long as `v` and that a power of two.
    pub fn flip_fwht(&self, v: &mut [f32], masks: &[u32]) -> Result<()> {
        check_len(v.len(), masks.len())?;
        if !v.len().is_power_of_two() {
            return Err(Error::DimensionMismatch {
                expected: sat(v.len().next_power_of_two()),
                actual: sat(v.len()),
            });
        }
        (self.fwht)(v, Some(masks));
        Ok(())
    }
}

#[cfg(test)]
mod tests;
