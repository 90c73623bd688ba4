//! Property tests of the core contract (proptest; CI raises `PROPTEST_CASES`).

use binaryllm_conformance::oracle::{naive_distance, naive_top_k};
use binaryllm_core::bytes::{self, ByteOrder};
use binaryllm_core::knn::top_k_flat_into;
use binaryllm_core::projection::{Projection, encode_into};
use binaryllm_core::{
    BinaryCode, CodeLayout, DenseProjection, Kernel, Neighbor, ProjectionKind, SeededProjection,
    Threshold, binarize_into,
};
use proptest::prelude::*;

/// A layout of 1..=1100 bits and `n` random codes of it (padding cleared).
fn codes(n: std::ops::Range<usize>) -> impl Strategy<Value = (CodeLayout, Vec<u64>)> {
    (1usize..=1100, n).prop_flat_map(|(bits, n)| {
        let layout = CodeLayout::new(bits).unwrap();
        proptest::collection::vec(any::<u64>(), n * layout.words()).prop_map(move |mut words| {
            let w = layout.words();
            for code in words.chunks_exact_mut(w) {
                code[w - 1] &= layout.last_word_mask();
            }
            (layout, words)
        })
    })
}

fn finite_nonzero() -> impl Strategy<Value = f32> {
    prop_oneof![-1e6f32..-1e-6, 1e-6f32..1e6]
}

fn kind() -> impl Strategy<Value = ProjectionKind> {
    prop_oneof![
        Just(ProjectionKind::Gaussian),
        Just(ProjectionKind::Rademacher),
        Just(ProjectionKind::Achlioptas)
    ]
}

proptest! {
    #[test]
    fn hamming_is_a_metric((layout, words) in codes(3..4)) {
        let w = layout.words();
        let (x, rest) = words.split_at(w);
        let (y, z) = rest.split_at(w);
        let d = |a: &[u64], b: &[u64]| layout.distance(a, b).unwrap();
        prop_assert_eq!(d(x, x), 0);
        prop_assert_eq!(d(x, y), d(y, x));
        prop_assert!(d(x, z) <= d(x, y) + d(y, z));
        prop_assert!(d(x, y) as usize <= layout.bits());
        prop_assert_eq!(d(x, y), naive_distance(x, y, layout.bits()));
        let mut not_x = x.to_vec();
        layout.complement_in_place(&mut not_x).unwrap();
        prop_assert_eq!(layout.check(&not_x), Ok(()));
        prop_assert_eq!(d(x, &not_x) as usize, layout.bits());
    }

    #[test]
    fn prop_every_kernel_matches_portable(a in proptest::collection::vec(any::<u64>(), 0..40),
                                          seed in any::<u64>()) {
        let b: Vec<u64> = a.iter().enumerate()
            .map(|(i, w)| w ^ seed.rotate_left(i as u32).wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        for k in Kernel::available() {
            prop_assert_eq!(k.distance(&a, &b), Kernel::PORTABLE.distance(&a, &b), "{}", k.name());
        }
    }

    #[test]
    fn pack_unpack_round_trip_keeps_padding_zero((layout, words) in codes(1..2), junk in 1u8..=255) {
        let nb = layout.bytes();
        for order in [ByteOrder::Lsb, ByteOrder::Msb] {
            let mut b = vec![0u8; nb];
            bytes::to_bytes_into(layout, &words, order, &mut b).unwrap();
            let mut back = vec![0u64; layout.words()];
            bytes::from_bytes_into(layout, &b, order, &mut back).unwrap();
            prop_assert_eq!(&back, &words);
            prop_assert_eq!(layout.check(&back), Ok(()));
            // Setting any unused bit of the last byte is rejected.
            let used = layout.bits() % 8;
            if used != 0 {
                let pad = match order {
                    ByteOrder::Lsb => !((1u8 << used) - 1),
                    ByteOrder::Msb => (1u8 << (8 - used)) - 1,
                };
                b[nb - 1] |= junk & pad | (pad & pad.wrapping_neg());
                prop_assert!(bytes::from_bytes_into(layout, &b, order, &mut back).is_err());
            }
        }
        let mut s = vec![0i8; nb];
        bytes::to_signed_binary_into(layout, &words, &mut s).unwrap();
        let mut back = vec![0u64; layout.words()];
        bytes::from_signed_binary_into(layout, &s, &mut back).unwrap();
        prop_assert_eq!(&back, &words);
    }

    #[test]
    fn topk_equals_brute_force_sort((layout, words) in codes(0..200), k in 1usize..50, q in any::<u64>()) {
        let w = layout.words();
        let mut query = vec![q; w];
        query[w - 1] &= layout.last_word_mask();
        let mut all: Vec<Neighbor> = words.chunks_exact(w).enumerate()
            .map(|(i, c)| Neighbor { distance: naive_distance(&query, c, layout.bits()), index: i as u32 })
            .collect();
        all.sort();
        all.truncate(k);
        for kernel in Kernel::available() {
            let mut out = vec![Neighbor::default(); k];
            let n = top_k_flat_into(kernel, layout, &query, &words, &mut out).unwrap();
            prop_assert_eq!(&out[..n], &all[..]);
        }
        let mut naive = vec![Neighbor::default(); k];
        let n = naive_top_k(layout, &query, &words, &mut naive);
        prop_assert_eq!(&naive[..n], &all[..]);
    }

    #[test]
    fn binarize_of_negation_is_complement(v in proptest::collection::vec(finite_nonzero(), 1..300)) {
        let layout = CodeLayout::new(v.len()).unwrap();
        let neg: Vec<f32> = v.iter().map(|x| -x).collect();
        let (mut a, mut b) = (vec![0u64; layout.words()], vec![0u64; layout.words()]);
        binarize_into(&v, Threshold::Zero, layout, &mut a).unwrap();
        binarize_into(&neg, Threshold::Zero, layout, &mut b).unwrap();
        layout.complement_in_place(&mut a).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn matrix_free_projection_equals_materialised(kind in kind(), seed in any::<u64>(),
                                                  dims in 1usize..100, bits in 1usize..140,
                                                  xs in proptest::collection::vec(-10f32..10.0, 100)) {
        let p = SeededProjection::new(kind, seed, dims, bits).unwrap();
        let mut m = vec![0f32; dims * bits];
        p.materialize_into(&mut m).unwrap();
        let dense = DenseProjection::new(&m, dims, bits).unwrap();
        let x = &xs[..dims];
        for row in 0..bits {
            prop_assert_eq!(p.project_row(row, x).to_bits(), dense.project_row(row, x).to_bits());
        }
        let layout = CodeLayout::new(bits).unwrap();
        let (mut a, mut b) = (vec![0u64; layout.words()], vec![0u64; layout.words()]);
        encode_into(&p, x, Threshold::Zero, &mut a).unwrap();
        encode_into(&dense, x, Threshold::Zero, &mut b).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(layout.check(&a), Ok(()));
    }

    #[test]
    fn encode_of_negation_is_complement_when_no_output_is_zero(kind in kind(), seed in any::<u64>(),
            xs in proptest::collection::vec(finite_nonzero(), 24)) {
        let p = SeededProjection::new(kind, seed, 24, 77).unwrap();
        let layout = CodeLayout::new(77).unwrap();
        let y: Vec<f32> = (0..77).map(|r| p.project_row(r, &xs)).collect();
        prop_assume!(y.iter().all(|v| *v != 0.0));
        let neg: Vec<f32> = xs.iter().map(|x| -x).collect();
        let (mut a, mut b) = (vec![0u64; 2], vec![0u64; 2]);
        encode_into(&p, &xs, Threshold::Zero, &mut a).unwrap();
        encode_into(&p, &neg, Threshold::Zero, &mut b).unwrap();
        layout.complement_in_place(&mut a).unwrap();
        prop_assert_eq!(a, b);
    }
}

/// Fixed-width codes for every `WORDS` in 1..=16 agree with the runtime-width layout.
macro_rules! fixed_width_cases {
    ($($name:ident: $w:literal),* $(,)?) => {$(
        proptest! {
            #[test]
            fn $name(a in any::<[u64; $w]>(), b in any::<[u64; $w]>()) {
                let (x, y) = (BinaryCode::<$w>::from_words(a), BinaryCode::<$w>::from_words(b));
                let layout = BinaryCode::<$w>::layout();
                prop_assert_eq!(layout.bits(), 64 * $w);
                prop_assert_eq!(x.distance(&y), layout.distance(&a, &b).unwrap());
                prop_assert_eq!(x.distance(&y), naive_distance(&a, &b, 64 * $w));
                prop_assert_eq!(x.distance(&x.complement()) as usize, BinaryCode::<$w>::BITS);
                let j = (a[0] % (64 * $w)) as usize;
                prop_assert_eq!(x.bit(j), layout.bit(&a, j));
            }
        }
    )*};
}

fixed_width_cases!(
    fixed_width_1: 1, fixed_width_2: 2, fixed_width_3: 3, fixed_width_4: 4, fixed_width_5: 5,
    fixed_width_6: 6, fixed_width_7: 7, fixed_width_8: 8, fixed_width_9: 9, fixed_width_10: 10,
    fixed_width_11: 11, fixed_width_12: 12, fixed_width_13: 13, fixed_width_14: 14,
    fixed_width_15: 15, fixed_width_16: 16,
);
