//! Boundary values fed to every public function of the core: empty slices, huge sizes, `k = 0`,
//! `WORDS = 1` and `16`, non-finite floats. Each call must return (an error or a value); none
//! may panic. The crate denies `unwrap`, `expect` and `panic!` in non-test code; this test
//! covers the arithmetic and indexing paths that clippy cannot see.

use binaryllm_core::binarize::{self, Threshold};
use binaryllm_core::bytes::{self, ByteOrder};
use binaryllm_core::hamming::{self, Kernel};
use binaryllm_core::knn::{self, Neighbor, TopK, TopKCollector};
use binaryllm_core::projection::{self, Projection};
use binaryllm_core::rng::{self, SeededStream};
use binaryllm_core::{
    BinaryCode, CodeLayout, DenseProjection, Error, MAX_BITS, MAX_DIMS, ProjectionKind,
    SeededProjection,
};

const SIZES: [usize; 9] = [
    0,
    1,
    63,
    64,
    65,
    MAX_BITS,
    MAX_BITS + 1,
    u32::MAX as usize,
    usize::MAX,
];

#[test]
fn layouts_accept_exactly_1_to_max_bits() {
    for bits in SIZES {
        let r = CodeLayout::new(bits);
        assert_eq!(r.is_ok(), (1..=MAX_BITS).contains(&bits), "{bits}");
        if let Ok(l) = r {
            assert_eq!(l.words(), bits.div_ceil(64));
            for words in [&[][..], &[u64::MAX][..], &[0; 3][..]] {
                let _ = l.check(words);
                let _ = l.check_flat(words);
                let _ = l.bit(words, usize::MAX);
                let _ = l.bit(words, bits);
                let mut w = words.to_vec();
                let _ = l.set_bit(&mut w, usize::MAX, true);
                let _ = l.complement_in_place(&mut w);
                let _ = l.distance(words, words);
                let mut out = [0u8; 4];
                let _ = bytes::to_bytes_into(l, words, ByteOrder::Msb, &mut out);
                let mut back = [0u64; 2];
                let _ = bytes::from_bytes_into(l, &out, ByteOrder::Lsb, &mut back);
                let mut s = [0i8; 4];
                let _ = bytes::to_signed_binary_into(l, words, &mut s);
                let _ = bytes::from_signed_binary_into(l, &s, &mut back);
                let _ = binarize::scaled_sign_into(l, words, f32::NAN, &mut [0.0; 3]);
            }
        }
    }
}

#[test]
fn projections_reject_bad_shapes_without_panicking() {
    for kind in ProjectionKind::ALL {
        for dims in SIZES {
            for bits in SIZES {
                let r = SeededProjection::new(kind, u64::MAX, dims, bits);
                let valid = (1..=MAX_DIMS).contains(&dims) && (1..=MAX_BITS).contains(&bits);
                assert_eq!(r.is_ok(), valid, "{kind:?} {dims} {bits}");
            }
        }
        let p = SeededProjection::new(kind, 0, 3, 65).unwrap();
        let mut row = [0f32; 3];
        assert!(p.row_into(65, &mut row).is_err());
        assert!(p.row_into(usize::MAX, &mut row).is_err());
        assert!(p.row_into(0, &mut []).is_err());
        assert!(p.materialize_into(&mut []).is_err());
        // project_row's contract: out-of-range inputs give some value, never a panic.
        let _ = p.project_row(usize::MAX, &[]);
        let _ = p.project_row(0, &[1.0; 100]);
        for x in [
            &[][..],
            &[f32::NAN, 0.0, 0.0][..],
            &[f32::MAX; 3][..],
            &[0.0; 4][..],
        ] {
            let _ = projection::project_into(&p, x, &mut [0.0; 65]);
            let mut w = [0u64; 2];
            let _ = projection::encode_into(&p, x, Threshold::Zero, &mut w);
            let _ = projection::encode_into(&p, x, Threshold::PerBit(&[]), &mut w);
            let _ = projection::encode_into(&p, x, Threshold::Uniform(f32::INFINITY), &mut w);
            let _ = projection::encode::<16, _>(&p, x, Threshold::Zero);
            let _ = projection::encode::<1, _>(&p, x, Threshold::Zero);
        }
    }
    for dims in [0, 1, usize::MAX] {
        for bits in [0, 1, usize::MAX] {
            let _ = DenseProjection::new(&[], dims, bits);
            let _ = DenseProjection::new(&[1.0], dims, bits);
        }
    }
    let d = DenseProjection::new(&[1.0, 2.0], 2, 1).unwrap();
    let _ = d.project_row(usize::MAX, &[1.0]);
    let _ = d.project_row(1, &[1.0, 1.0]);
    assert_eq!(projection::dot_sequential(&[], &[1.0]), 0.0);
}

#[test]
fn binarize_handles_empty_and_non_finite() {
    let l = CodeLayout::new(1).unwrap();
    assert!(binarize::binarize_into(&[], Threshold::Zero, l, &mut [0]).is_err());
    assert!(binarize::binarize_into(&[0.0], Threshold::Zero, l, &mut []).is_err());
    assert_eq!(
        binarize::binarize_into(&[f32::NAN], Threshold::Zero, l, &mut [0]),
        Err(Error::NonFinite { index: 0 })
    );
    assert!(binarize::mean_abs(&[]).is_err());
    assert!(binarize::mean_abs(&[f32::INFINITY]).is_err());
    assert!(binarize::check_finite(&[]).is_ok());
    assert!(Threshold::PerBit(&[f32::NAN]).validate(1).is_err());
    assert_eq!(Threshold::PerBit(&[]).get(usize::MAX), 0.0);
}

#[test]
fn hamming_and_topk_on_empty_and_extreme_inputs() {
    for k in Kernel::available() {
        assert_eq!(k.distance(&[], &[]), 0);
        assert_eq!(k.distance(&[u64::MAX; 16], &[0; 3]), 192);
    }
    assert!(hamming::distance_words(&[1], &[]).is_err());
    assert!(hamming::angle_estimate(u32::MAX, 0).is_nan());
    assert!(hamming::cosine_estimate(u32::MAX, usize::MAX).is_finite());
    let a = BinaryCode::<16>::from_words([u64::MAX; 16]);
    assert_eq!(hamming::distance(&a, &BinaryCode::ZERO), 1024);
    let one = BinaryCode::<1>::ZERO;
    assert_eq!(one.bit(usize::MAX), None);
    assert_eq!(one.sign(64), None);
    assert!(one.clone().set_bit(usize::MAX, true).is_err());

    assert_eq!(TopKCollector::new(&mut []).err(), Some(Error::ZeroK));
    let mut slots = [Neighbor::default(); 1];
    let mut c = TopKCollector::new(&mut slots).unwrap();
    assert!(c.push(u32::MAX, u32::MAX));
    assert!(!c.push(u32::MAX, u32::MAX), "an equal pair is not smaller");
    assert!(c.push(0, u32::MAX));
    let mut t = TopK::<1>::new();
    assert!(t.push(u32::MAX, 0));
    assert_eq!(t.len(), 1);

    let l = CodeLayout::new(64).unwrap();
    let kern = Kernel::detect();
    assert_eq!(knn::top_k_flat_into(kern, l, &[0], &[], &mut slots), Ok(0));
    assert_eq!(
        knn::top_k_flat_into(kern, l, &[0], &[1], &mut []),
        Err(Error::ZeroK)
    );
    assert!(knn::top_k_flat_into(kern, l, &[], &[1], &mut slots).is_err());
    assert!(knn::top_k_flat_into(kern, l, &[0], &[1], &mut slots).is_ok());
    assert_eq!(knn::top_k_into(&one, &[], &mut slots), Ok(0));
    let codes16 = [BinaryCode::<16>::ZERO; 3];
    let mut big = [Neighbor::default(); 10];
    assert_eq!(knn::top_k_into(&a, &codes16, &mut big), Ok(3));
}

#[test]
fn rng_accepts_every_seed_and_stream() {
    for seed in [0, u64::MAX] {
        for stream in [0, u64::MAX] {
            let mut s = SeededStream::new(seed, rng::TAG_GAUSSIAN, stream);
            for _ in 0..70 {
                let (a, b) = s.next_normal_pair();
                assert!(a.is_finite() && b.is_finite());
            }
        }
    }
}
