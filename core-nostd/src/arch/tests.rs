//! Every fast path against the portable oracle: one property macro instantiated per kernel
//! (memchr's `qc_*_matches_naive` shape), covering the specialised widths (64, 128, 256, 512,
//! 1024 bits) and generic widths with padding, tiles that end mid-block, ties, every query-group
//! remainder and `k` above `N`.

use super::*;
use crate::knn::Neighbor;
use crate::projection::{dot_fused_sequential, dot_sequential};
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

/// splitmix64: the test data generator.
fn mix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[derive(Clone, Debug)]
struct Case {
    layout: CodeLayout,
    codes: Vec<u64>,
    queries: Vec<u64>,
    k: usize,
    tile: usize,
}

/// Codes drawn around a few centres with few flipped bits, so distances tie often.
fn case() -> impl Strategy<Value = Case> {
    let words = prop_oneof![
        Just(1usize),
        Just(2),
        Just(4),
        Just(8),
        Just(16),
        1usize..=20
    ];
    (
        words,
        0u32..64,
        0usize..80,
        1usize..10,
        1usize..15,
        1usize..40,
        any::<u64>(),
    )
        .prop_map(|(words, pad, n, nq, k, tile, seed)| {
            let bits = words * 64 - (pad as usize % 64).min(words * 64 - 1);
            let layout = CodeLayout::new(bits).unwrap_or(CodeLayout::new(64).unwrap());
            let w = layout.words();
            let mut s = seed;
            let centres: Vec<u64> = (0..3 * w).map(|_| mix(&mut s)).collect();
            let gen_code = |s: &mut u64| -> Vec<u64> {
                let c = (mix(s) % 3) as usize;
                let mut code: Vec<u64> = centres[c * w..(c + 1) * w].to_vec();
                for _ in 0..(mix(s) % 4) {
                    let bit = (mix(s) % bits as u64) as usize;
                    code[bit / 64] ^= 1 << (bit % 64);
                }
                if mix(s).is_multiple_of(8) {
                    code.iter_mut().for_each(|x| *x = mix(s));
                }
                code[w - 1] &= layout.last_word_mask();
                code
            };
            let codes = (0..n).flat_map(|_| gen_code(&mut s)).collect();
            let queries = (0..nq).flat_map(|_| gen_code(&mut s)).collect();
            Case {
                layout,
                codes,
                queries,
                k,
                tile,
            }
        })
}

/// Exact top-k of every query by sorting all `(distance, index)` pairs.
fn reference(c: &Case) -> Vec<Vec<Neighbor>> {
    let w = c.layout.words();
    c.queries
        .chunks_exact(w)
        .map(|q| {
            let mut all: Vec<Neighbor> = c
                .codes
                .chunks_exact(w)
                .enumerate()
                .map(|(i, code)| Neighbor {
                    distance: portable::distance(q, code),
                    index: i as u32,
                })
                .collect();
            all.sort();
            all.truncate(c.k);
            all
        })
        .collect()
}

/// Top-k through `kernel.scan` over tiles of `c.tile` codes, as a searcher does.
fn scanned(kernel: Kernel, c: &Case) -> Vec<Vec<Neighbor>> {
    let w = c.layout.words();
    let nq = c.queries.len() / w;
    let mut slots = vec![Neighbor::default(); nq * c.k];
    let mut tops: Vec<TopKCollector<'_>> = slots
        .chunks_exact_mut(c.k)
        .map(|s| TopKCollector::new(s).unwrap())
        .collect();
    let mut tile = vec![u64::MAX; kernel.tile_len(w, c.tile)];
    for (t, codes) in c.codes.chunks(c.tile * w).enumerate() {
        let n = kernel.pack_tile(w, codes, &mut tile).unwrap();
        let base = (t * c.tile) as u32;
        kernel
            .scan(c.layout, &c.queries, &tile, n, base, &mut tops)
            .unwrap();
    }
    tops.iter().map(|t| t.as_slice().to_vec()).collect()
}

fn check_kernel(kernel: Kernel, c: &Case) -> core::result::Result<(), TestCaseError> {
    prop_assert_eq!(scanned(kernel, c), reference(c), "{}", kernel.name());
    let w = c.layout.words();
    for q in c.queries.chunks_exact(w) {
        for code in c.codes.chunks_exact(w) {
            prop_assert_eq!(kernel.distance(q, code), portable::distance(q, code));
            // Unequal lengths compare the common prefix, never out of bounds.
            prop_assert_eq!(
                kernel.distance(q, &code[..w - 1]),
                portable::distance(q, &code[..w - 1])
            );
        }
    }
    Ok(())
}

macro_rules! kernel_props {
    ($($test:ident: $name:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            let Some(kernel) = Kernel::by_name($name) else {
                std::eprintln!("skipped: kernel {} is not available on this CPU/build", $name);
                return;
            };
            proptest!(|(c in case())| { check_kernel(kernel, &c)?; });
        }
    )*};
}

kernel_props!(
    prop_portable_matches_portable: "portable",
    prop_x86_64_popcnt_matches_portable: "x86_64-popcnt",
    prop_x86_64_avx2_matches_portable: "x86_64-avx2",
    prop_x86_64_avx512_matches_portable: "x86_64-avx512",
    prop_aarch64_neon_matches_portable: "aarch64-neon",
    prop_cortex_m_swar_matches_portable: "cortex-m-swar",
);

#[test]
fn every_available_kernel_is_checked_by_a_property() {
    let known = [
        "portable",
        "x86_64-popcnt",
        "x86_64-avx2",
        "x86_64-avx512",
        "aarch64-neon",
        "cortex-m-swar",
        "portable-fma",
        "x86_64-avx2-fma",
        "x86_64-avx512-fma",
    ];
    for k in Kernel::available() {
        assert!(known.contains(&k.name()), "untested kernel {}", k.name());
    }
    for k in every_project_kernel() {
        assert!(known.contains(&k.name()), "untested kernel {}", k.name());
    }
    std::eprintln!(
        "kernels here: {:?}; projection: {:?}",
        Kernel::available().map(|k| k.name()).collect::<Vec<_>>(),
        every_project_kernel().map(|k| k.name()).collect::<Vec<_>>()
    );
}

#[test]
fn detect_is_the_last_available_and_portable_only_forces_portable() {
    // The Cortex-M kernel is offered off-target only for the property tests; it is never
    // detected there.
    let on_cortex_m = cfg!(all(target_arch = "arm", target_os = "none"));
    let detectable = Kernel::available().filter(|k| on_cortex_m || k.name() != "cortex-m-swar");
    assert_eq!(Some(Kernel::detect()), detectable.last());
    // A forced-portable test run (scripts/test.sh) sets the variable for the build and the run:
    // the build script must then have set the cfg.
    if std::env::var_os("BINARYLLM_PORTABLE_ONLY").is_some_and(|v| v == "1") {
        let forced = core::hint::black_box(PORTABLE_ONLY);
        assert!(forced, "BINARYLLM_PORTABLE_ONLY=1 did not reach the build");
    }
    if cfg!(binaryllm_portable_only) {
        assert_eq!(Kernel::detect(), Kernel::PORTABLE);
        assert_eq!(ProjectKernel::detect().name(), "portable");
        assert_eq!(
            ProjectKernel::detect_with(Arithmetic::Fused).name(),
            "portable-fma"
        );
    }
    for a in [Arithmetic::Separate, Arithmetic::Fused] {
        let d = ProjectKernel::detect_with(a);
        assert_eq!(d.arithmetic(), a);
        assert_eq!(
            Some(d.name()),
            ProjectKernel::available_with(a).last().map(|k| k.name())
        );
        assert!(ProjectKernel::by_name(d.name()).is_some());
    }
    assert_eq!(ProjectKernel::detect().arithmetic(), Arithmetic::Separate);
}

#[test]
fn pack_tile_interleaves_blocks_of_eight_and_zero_fills() {
    let codes: Vec<u64> = (0..9 * 2).map(|x| x as u64 + 1).collect();
    for k in Kernel::available() {
        let mut tile = vec![u64::MAX; k.tile_len(2, 9)];
        assert_eq!(k.pack_tile(2, &codes, &mut tile), Ok(9));
        if k.block() == 1 {
            assert_eq!(tile, codes);
            continue;
        }
        assert_eq!(tile.len(), 32);
        // Block 0, word 0: word 0 of codes 0..8; word 1 next; block 1 holds code 8 then zeros.
        assert_eq!(&tile[..8], &[1, 3, 5, 7, 9, 11, 13, 15]);
        assert_eq!(&tile[8..16], &[2, 4, 6, 8, 10, 12, 14, 16]);
        assert_eq!(&tile[16..24], &[17, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&tile[24..32], &[18, 0, 0, 0, 0, 0, 0, 0]);
        assert!(k.pack_tile(2, &codes[..3], &mut tile).is_err());
        assert!(k.pack_tile(2, &codes, &mut tile[..31]).is_err());
    }
}

#[test]
fn scan_rejects_bad_lengths() {
    let layout = CodeLayout::new(128).unwrap();
    let mut slots = [Neighbor::default(); 2];
    let mut tops = [TopKCollector::new(&mut slots).unwrap()];
    for k in Kernel::available() {
        let tile = vec![0u64; k.tile_len(2, 4)];
        assert!(k.scan(layout, &[0; 3], &tile, 4, 0, &mut tops).is_err());
        assert!(
            k.scan(layout, &[0; 2], &tile[..6], 4, 0, &mut tops)
                .is_err()
        );
        assert!(
            k.scan(layout, &[0; 2], &tile, 4, u32::MAX - 2, &mut tops)
                .is_err()
        );
        assert_eq!(k.scan(layout, &[0; 2], &tile, 0, 0, &mut tops), Ok(()));
    }
}

// ------------------------------------------------------------------- projection micro-kernels

/// Floats with exact zeros, negative zeros, tiny and large magnitudes.
fn float() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => -4.0f32..4.0,
        1 => Just(0.0f32),
        1 => Just(-0.0f32),
        1 => -1e-30f32..1e-30,
        1 => -1e6f32..1e6,
    ]
}

/// Every projection micro-kernel of both arithmetics usable here.
fn every_project_kernel() -> impl Iterator<Item = ProjectKernel> {
    ProjectKernel::available().chain(ProjectKernel::available_with(Arithmetic::Fused))
}

/// The oracle of `kernel`'s arithmetic.
fn oracle(kernel: ProjectKernel) -> fn(&[f32], &[f32]) -> f32 {
    match kernel.arithmetic() {
        Arithmetic::Fused => dot_fused_sequential,
        _ => dot_sequential,
    }
}

fn check_project(kernel: ProjectKernel, dims: usize, vals: &[f32]) {
    let dot = oracle(kernel);
    let (mr, nr) = (kernel.mr(), kernel.nr());
    let a: Vec<f32> = vals.iter().cycle().take(mr * dims).copied().collect();
    let wm: Vec<f32> = vals
        .iter()
        .rev()
        .cycle()
        .skip(3)
        .take(nr * dims)
        .copied()
        .collect();
    // Panel layout: b[c·nr + j] = W[j][c].
    let mut b = vec![0f32; nr * dims];
    for j in 0..nr {
        for c in 0..dims {
            b[c * nr + j] = wm[j * dims + c];
        }
    }
    let mut out = vec![f32::NAN; mr * nr];
    kernel.micro_tile(dims, &a, &b, &mut out).unwrap();
    for v in 0..mr {
        for j in 0..nr {
            let want = dot(&wm[j * dims..(j + 1) * dims], &a[v * dims..(v + 1) * dims]);
            assert_eq!(
                out[v * nr + j].to_bits(),
                want.to_bits(),
                "{} v{v} j{j} dims {dims}",
                kernel.name()
            );
        }
    }
    assert!(kernel.micro_tile(dims, &a[1..], &b, &mut out).is_err());
}

proptest! {
    #[test]
    fn prop_every_project_kernel_is_bit_identical_to_its_arithmetic_oracle(
        dims in 1usize..80,
        vals in proptest::collection::vec(float(), 1..200),
    ) {
        // Separate kernels against `dot_sequential`, fused ones against `dot_fused_sequential`.
        for k in every_project_kernel() {
            check_project(k, dims, &vals);
        }
    }
}

#[test]
fn fused_kernels_round_once_per_term_and_separate_ones_twice() {
    // a = 1 + 2^-12: a·a = 1 + 2^-11 + 2^-24 rounds (tie to even) to r = 1 + 2^-11. With
    // x = [1, a] and W = [-r, a]: separate -r + round(a·a) = 0; fused fma(a, a, -r) = 2^-24.
    let a = 1.0 + 2f32.powi(-12);
    let r = 1.0 + 2f32.powi(-11);
    assert_eq!(a * a, r);
    for k in every_project_kernel() {
        let dims = 2;
        let x: Vec<f32> = [1.0, a]
            .iter()
            .cycle()
            .take(k.mr() * dims)
            .copied()
            .collect();
        let mut b = vec![0f32; k.nr() * dims];
        for j in 0..k.nr() {
            b[j] = -r;
            b[k.nr() + j] = a;
        }
        let mut out = vec![f32::NAN; k.mr() * k.nr()];
        k.micro_tile(dims, &x, &b, &mut out).unwrap();
        let want = match k.arithmetic() {
            Arithmetic::Fused => 2f32.powi(-24),
            _ => 0.0,
        };
        assert!(
            out.iter().all(|&y| y == want),
            "{}: {:?}",
            k.name(),
            &out[..4]
        );
    }
}

#[test]
fn project_kernels_keep_rounding_order() {
    // 1e8 + 1 - 1e8 in f32 sequentially is 0 (1e8 + 1 rounds to 1e8): any reassociation or FMA
    // would give 1 (a fused multiply-add still rounds each sum: 0 too).
    for k in every_project_kernel() {
        let dims = 3;
        let x = [1.0f32, 1.0, 1.0];
        let a: Vec<f32> = x.iter().cycle().take(k.mr() * dims).copied().collect();
        let mut b = vec![0f32; k.nr() * dims];
        for j in 0..k.nr() {
            b[j] = 1e8;
            b[k.nr() + j] = 1.0;
            b[2 * k.nr() + j] = -1e8;
        }
        let mut out = vec![f32::NAN; k.mr() * k.nr()];
        k.micro_tile(dims, &a, &b, &mut out).unwrap();
        assert!(out.iter().all(|&y| y.to_bits() == 0), "{}", k.name());
    }
}

proptest! {
    #[test]
    fn prop_every_signs_kernel_matches_the_sign_rule(
        y in proptest::collection::vec(prop_oneof![
            4 => -2.0f32..2.0, 1 => Just(0.0f32), 1 => Just(-0.0f32),
            1 => Just(f32::INFINITY), 1 => Just(f32::NEG_INFINITY), 1 => Just(f32::NAN)], 0..=64),
        t in -1.0f32..1.0,
        zero_t in any::<bool>(),
    ) {
        let tv: Vec<f32> = (0..y.len()).map(|j| if zero_t { 0.0 } else { t + j as f32 * 0.01 }).collect();
        let mut want = 0u64;
        for (j, (a, b)) in y.iter().zip(&tv).enumerate() {
            want |= u64::from(crate::binarize::sign_bit(*a, *b)) << j;
        }
        let fin = y.iter().all(|v| v.is_finite());
        for k in every_project_kernel() {
            prop_assert_eq!(k.signs(&y, &tv), Ok((want, fin)), "{}", k.name());
        }
    }
}

/// The transform as the module docs of `crate::hadamard` define it, stage by stage.
fn fwht_textbook(v: &mut [f32]) {
    let mut h = 1;
    while h < v.len() {
        for j in 0..v.len() {
            if j & h == 0 {
                let (a, b) = (v[j], v[j + h]);
                v[j] = a + b;
                v[j + h] = a - b;
            }
        }
        h *= 2;
    }
}

proptest! {
    #[test]
    fn prop_every_fwht_kernel_is_bit_identical_to_the_textbook_transform(
        log_len in 0u32..=11,
        vals in proptest::collection::vec(float(), 1..300),
    ) {
        let len = 1usize << log_len;
        let x: Vec<f32> = vals.iter().cycle().take(len).copied().collect();
        let mut want = x.clone();
        fwht_textbook(&mut want);
        let want: Vec<u32> = want.iter().map(|v| v.to_bits()).collect();
        // The flipped form: `x` with the marked values negated, then the same transform.
        let masks: Vec<u32> = (0..len).map(|c| u32::from((c * 7 + len).is_multiple_of(3)) * 0x8000_0000).collect();
        let mut want_flipped: Vec<f32> =
            x.iter().zip(&masks).map(|(&v, &m)| if m != 0 { -v } else { v }).collect();
        fwht_textbook(&mut want_flipped);
        let want_flipped: Vec<u32> = want_flipped.iter().map(|v| v.to_bits()).collect();
        for k in every_project_kernel() {
            let mut got = x.clone();
            prop_assert_eq!(k.fwht(&mut got), Ok(()));
            let got: Vec<u32> = got.iter().map(|v| v.to_bits()).collect();
            prop_assert_eq!(&got, &want, "{} length {}", k.name(), len);
            let mut got = x.clone();
            prop_assert_eq!(k.flip_fwht(&mut got, &masks), Ok(()));
            let got: Vec<u32> = got.iter().map(|v| v.to_bits()).collect();
            prop_assert_eq!(&got, &want_flipped, "{} flipped, length {}", k.name(), len);
        }
    }
}

#[test]
fn fwht_rejects_lengths_that_are_not_powers_of_two() {
    for k in every_project_kernel() {
        for len in [0usize, 3, 6, 12, 384] {
            let mut v = vec![1.0f32; len];
            assert_eq!(
                k.fwht(&mut v),
                Err(Error::DimensionMismatch {
                    expected: len.next_power_of_two() as u32,
                    actual: len as u32
                }),
                "{} {len}",
                k.name()
            );
            assert!(v.iter().all(|&x| x == 1.0), "left untouched");
            let masks = vec![0u32; len];
            assert!(k.flip_fwht(&mut v, &masks).is_err(), "{} {len}", k.name());
        }
        let mut v = [1.0f32; 8];
        assert_eq!(
            k.flip_fwht(&mut v, &[0; 7]),
            Err(Error::DimensionMismatch {
                expected: 8,
                actual: 7
            })
        );
        assert_eq!(v, [1.0; 8], "left untouched");
    }
}

#[test]
fn signs_reject_more_than_64_outputs() {
    for k in every_project_kernel() {
        assert!(k.signs(&[0.0; 65], &[0.0; 65]).is_err());
        assert!(k.signs(&[0.0; 3], &[0.0; 2]).is_err());
        assert_eq!(k.signs(&[-0.0], &[0.0]), Ok((1, true)));
    }
}

proptest! {
    #[test]
    fn prop_continuing_over_column_chunks_equals_one_micro_tile(
        dims in 1usize..90,
        cuts in proptest::collection::vec(0usize..90, 0..4),
        vals in proptest::collection::vec(float(), 1..200),
    ) {
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (dims + 1)).collect();
        cuts.push(0);
        cuts.push(dims);
        cuts.sort_unstable();
        for k in every_project_kernel() {
            let (mr, nr) = (k.mr(), k.nr());
            let a: Vec<f32> = vals.iter().cycle().take(mr * dims).copied().collect();
            let b: Vec<f32> = vals.iter().rev().cycle().take(nr * dims).copied().collect();
            let mut whole = vec![f32::NAN; mr * nr];
            k.micro_tile(dims, &a, &b, &mut whole).unwrap();
            let mut parts = vec![0f32; mr * nr];
            for w in cuts.windows(2) {
                let chunk = &b[w[0] * nr..w[1] * nr];
                k.micro_tile_continue(dims, w[0]..w[1], &a, chunk, &mut parts).unwrap();
            }
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&parts), bits(&whole), "{}", k.name());
        }
    }
}

#[test]
fn micro_tile_continue_rejects_bad_ranges_and_lengths() {
    for k in every_project_kernel() {
        let (mr, nr, dims) = (k.mr(), k.nr(), 10);
        let a = vec![1f32; mr * dims];
        let mut out = vec![0f32; mr * nr];
        let b = vec![1f32; nr * 4];
        assert!(k.micro_tile_continue(dims, 2..6, &a, &b, &mut out).is_ok());
        assert_eq!(out[0], 4.0, "{}", k.name());
        #[allow(clippy::reversed_empty_ranges)]
        let reversed = 6..2;
        assert!(
            k.micro_tile_continue(dims, reversed, &a, &b, &mut out)
                .is_err()
        );
        assert!(
            k.micro_tile_continue(dims, 8..12, &a, &b, &mut out)
                .is_err()
        );
        assert!(k.micro_tile_continue(dims, 2..5, &a, &b, &mut out).is_err());
        assert!(
            k.micro_tile_continue(dims, 2..6, &a[1..], &b, &mut out)
                .is_err()
        );
        assert!(
            k.micro_tile_continue(dims, 2..6, &a, &b, &mut out[1..])
                .is_err()
        );
        assert!(
            k.micro_tile_continue(usize::MAX, 0..0, &a, &[], &mut out)
                .is_err()
        );
    }
}

/// The kernel properties skip a kernel this CPU lacks, so the kernels it has must be offered:
/// otherwise every fast path would go untested without a failure.
#[test]
#[cfg(all(target_arch = "x86_64", feature = "std", not(binaryllm_portable_only)))]
fn the_kernels_this_cpu_supports_are_available() {
    let offered = |name: &str| Kernel::by_name(name).is_some();
    let avx512 = std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512vpopcntdq");
    assert_eq!(
        offered("x86_64-popcnt"),
        std::is_x86_feature_detected!("popcnt")
    );
    assert_eq!(
        offered("x86_64-avx2"),
        std::is_x86_feature_detected!("avx2")
    );
    assert_eq!(offered("x86_64-avx512"), avx512);
    assert!(offered("cortex-m-swar") && offered("portable"));
    let project = |name: &str| ProjectKernel::by_name(name).is_some();
    let (avx2, fma) = (
        std::is_x86_feature_detected!("avx2"),
        std::is_x86_feature_detected!("fma"),
    );
    let avx512f = std::is_x86_feature_detected!("avx512f");
    assert_eq!(project("x86_64-avx2"), avx2);
    assert_eq!(project("x86_64-avx2-fma"), avx2 && fma);
    assert_eq!(project("x86_64-avx512"), avx512f);
    assert_eq!(project("x86_64-avx512-fma"), avx512f);
}

/// Without `std` only compile-time target features count (the `core-features` step runs this
/// with no default features).
#[test]
#[cfg(all(
    target_arch = "x86_64",
    not(feature = "std"),
    not(binaryllm_portable_only)
))]
fn without_std_the_target_features_decide_the_kernels() {
    let offered = |name: &str| Kernel::by_name(name).is_some();
    assert_eq!(offered("x86_64-popcnt"), cfg!(target_feature = "popcnt"));
    assert_eq!(offered("x86_64-avx2"), cfg!(target_feature = "avx2"));
    assert_eq!(
        offered("x86_64-avx512"),
        cfg!(all(
            target_feature = "avx512f",
            target_feature = "avx512vpopcntdq"
        ))
    );
    let project = |name: &str| ProjectKernel::by_name(name).is_some();
    assert_eq!(
        project("x86_64-avx2-fma"),
        cfg!(all(target_feature = "avx2", target_feature = "fma"))
    );
    assert_eq!(project("x86_64-avx512"), cfg!(target_feature = "avx512f"));
}

#[test]
fn kernels_compare_and_print_by_name() {
    let swar = Kernel::by_name("cortex-m-swar");
    if cfg!(binaryllm_portable_only) {
        assert_eq!(swar, None);
    } else {
        let swar = swar.unwrap();
        assert_ne!(swar, Kernel::PORTABLE);
        assert_eq!(swar, Kernel::by_name("cortex-m-swar").unwrap());
    }
    assert_eq!(Kernel::PORTABLE, Kernel::by_name("portable").unwrap());
    assert_eq!(
        std::format!("{:?}", Kernel::PORTABLE),
        "Kernel { name: \"portable\" }"
    );
    let p = ProjectKernel::PORTABLE;
    assert_eq!(
        std::format!("{p:?}"),
        std::format!(
            "ProjectKernel {{ name: \"portable\", arithmetic: Separate, mr: {}, nr: {} }}",
            portable::PROJECT_MR,
            portable::PROJECT_NR
        )
    );
}

#[test]
fn rows_are_tiles_exactly_for_row_kernels_or_one_word_codes() {
    let codes: Vec<u64> = (0..11 * 3).map(|x| x as u64 * 7 + 1).collect();
    for k in Kernel::available() {
        for words in [1usize, 3] {
            let rows = k.rows_are_tiles(words);
            assert_eq!(rows, k.block() == 1 || words == 1, "{}", k.name());
            // When the rows are the tiles, packing copies them.
            let codes = &codes[..11 * words];
            let mut tile = vec![u64::MAX; k.tile_len(words, 11)];
            k.pack_tile(words, codes, &mut tile).unwrap();
            assert_eq!(
                &tile[..codes.len()] == codes,
                rows,
                "{} words {words}",
                k.name()
            );
        }
    }
}

#[test]
fn pack_tile_errors_name_the_lengths() {
    let codes = [1u64, 2, 3];
    for k in Kernel::available() {
        let mut tile = vec![0u64; 64];
        // 3 words are not whole codes of 2: the next whole length is 4.
        assert_eq!(
            k.pack_tile(2, &codes, &mut tile),
            Err(Error::DimensionMismatch {
                expected: 4,
                actual: 3
            })
        );
        assert_eq!(
            k.pack_tile(0, &codes, &mut tile),
            Err(Error::DimensionMismatch {
                expected: 3,
                actual: 3
            })
        );
        let need = k.tile_len(3, 1);
        assert_eq!(
            k.pack_tile(3, &codes, &mut tile[..need - 1]),
            Err(Error::Capacity {
                required: need as u32,
                capacity: need as u32 - 1
            })
        );
    }
}
