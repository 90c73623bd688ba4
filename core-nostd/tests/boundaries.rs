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

// ---- The functions the tests above leave out: the Hadamard projection, the kernels' tile and
// micro-kernel entry points, the small helpers, and the firmware report's wire format.

#[test]
fn hadamard_rejects_bad_shapes_and_buffers() {
    use binaryllm_core::HadamardProjection;
    use binaryllm_core::hadamard::fwht_in_place;
    for dims in SIZES {
        for bits in SIZES {
            let r = HadamardProjection::new(u64::MAX, dims, bits);
            let valid = (1..=MAX_DIMS).contains(&dims) && (1..=MAX_BITS).contains(&bits);
            assert_eq!(r.is_ok(), valid, "{dims} {bits}");
            match (dims, bits) {
                (0, 1) => assert!(matches!(r, Err(Error::InvalidDims { dims: 0, .. }))),
                (1, 0) => assert!(matches!(r, Err(Error::InvalidBits { bits: 0, .. }))),
                _ => {}
            }
        }
    }
    for len in [0usize, 1, 3, 8] {
        let mut v = vec![1.0f32; len];
        fwht_in_place(&mut v);
        if len == 8 {
            assert_eq!(v[0], 8.0);
        }
    }
    fwht_in_place(&mut [f32::MAX, f32::MAX]);
    let h = HadamardProjection::new(1, 3, 65).unwrap();
    assert_eq!(
        (h.dims(), h.bits(), h.padded_dims(), h.seed()),
        (3, 65, 4, 1)
    );
    assert!(h.blocks() >= 1);
    let p = h.padded_dims();
    let mut scratch = vec![0f32; p];
    let mut out = vec![0f32; 65];
    let dm =
        |e: Result<(), Error>| assert!(matches!(e, Err(Error::DimensionMismatch { .. })), "{e:?}");
    dm(h.project_into(&[], &mut scratch, &mut out));
    dm(h.project_into(&[1.0; 3], &mut [], &mut out));
    dm(h.project_into(&[1.0; 3], &mut scratch, &mut []));
    assert!(matches!(
        h.project_into(&[f32::NAN, 0.0, 0.0], &mut scratch, &mut out),
        Err(Error::NonFinite { index: 0 })
    ));
    // Finite inputs whose transform overflows: a typed error, outputs zeroed.
    assert!(matches!(
        h.project_into(&[f32::MAX; 3], &mut scratch, &mut out),
        Err(Error::ProjectionOverflow { .. })
    ));
    assert!(out.iter().all(|&v| v == 0.0));
    let mut w = [u64::MAX; 2];
    assert!(matches!(
        h.encode_into(&[f32::MAX; 3], Threshold::Zero, &mut scratch, &mut w),
        Err(Error::ProjectionOverflow { .. })
    ));
    assert_eq!(w, [0, 0]);
    dm(h.encode_into(&[1.0; 3], Threshold::Zero, &mut scratch, &mut [0u64; 1]));
    assert!(
        h.encode_into(&[1.0; 3], Threshold::PerBit(&[]), &mut scratch, &mut w)
            .is_err()
    );
    assert!(
        h.encode_into(
            &[1.0; 3],
            Threshold::Uniform(f32::NAN),
            &mut scratch,
            &mut w
        )
        .is_err()
    );
    dm(h.materialize_into(&mut scratch, &mut []));
    dm(h.materialize_into(&mut [], &mut vec![0.0; 3 * 65]));
    let mut m = vec![0f32; 3 * 65];
    assert!(h.materialize_into(&mut scratch, &mut m).is_ok());
}

#[test]
fn kernel_tiles_and_scans_reject_bad_sizes() {
    let l1 = CodeLayout::new(64).unwrap();
    let l16 = CodeLayout::new(1024).unwrap();
    for k in Kernel::available() {
        assert_eq!(Kernel::by_name(k.name()), Some(k));
        assert!(k.block() >= 1);
        // Sizes near usize::MAX saturate instead of overflowing.
        let _ = k.tile_len(usize::MAX, usize::MAX);
        let _ = k.tile_len(0, usize::MAX);
        assert_eq!(k.tile_len(16, 0), 0);
        assert!(k.rows_are_tiles(1));
        let mut tile = vec![0u64; 16 * 8];
        assert!(matches!(
            k.pack_tile(0, &[1, 2], &mut tile),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(matches!(
            k.pack_tile(16, &[1; 3], &mut tile),
            Err(Error::DimensionMismatch { .. })
        ));
        assert_eq!(k.pack_tile(16, &[], &mut []), Ok(0));
        assert_eq!(k.pack_tile(1, &[7], &mut tile), Ok(1));
        assert_eq!(k.pack_tile(usize::MAX, &[], &mut tile), Ok(0));
        if k.block() > 1 {
            assert!(matches!(
                k.pack_tile(16, &[1; 16], &mut []),
                Err(Error::Capacity { .. })
            ));
        }
        let mut slots = [Neighbor::default(); 2];
        let mut tops = [TopKCollector::new(&mut slots).unwrap()];
        for (layout, w) in [(l1, 1usize), (l16, 16)] {
            let q = vec![0u64; w];
            // Queries of the wrong length, a tile shorter than n codes, n near usize::MAX.
            assert!(k.scan(layout, &[], &tile, 0, 0, &mut tops).is_err());
            assert!(k.scan(layout, &q, &[], 1, 0, &mut tops).is_err());
            assert!(k.scan(layout, &q, &tile, usize::MAX, 0, &mut tops).is_err());
            assert!(k.scan(layout, &q, &tile, 1, u32::MAX, &mut tops).is_ok());
            assert!(k.scan(layout, &q, &tile, 0, 0, &mut []).is_err() || w == 0);
        }
    }
    let fused = binaryllm_core::ProjectKernel::available_with(binaryllm_core::Arithmetic::Fused);
    for pk in binaryllm_core::ProjectKernel::available().chain(fused) {
        assert_eq!(
            binaryllm_core::ProjectKernel::by_name(pk.name()).map(|k| k.name()),
            Some(pk.name())
        );
        let (mr, nr) = (pk.mr(), pk.nr());
        let mut out = vec![0f32; mr * nr];
        for dims in [0, 1, usize::MAX] {
            let r = pk.micro_tile(dims, &[], &[], &mut out);
            assert_eq!(r.is_ok(), dims == 0, "{} dims {dims}", pk.name());
        }
        assert!(
            pk.micro_tile(1, &vec![0.0; mr], &vec![0.0; nr], &mut [])
                .is_err()
        );
        assert!(
            pk.micro_tile(1, &vec![1.0; mr], &vec![2.0; nr], &mut out)
                .is_ok()
        );
        assert!(out.iter().all(|&v| v == 2.0));
        for (dims, cols) in [
            (0, 0..0),
            (1, 1..1),
            (1, 0..2),
            (usize::MAX, 0..0),
            (usize::MAX, usize::MAX..usize::MAX),
        ] {
            let r = pk.micro_tile_continue(dims, cols.clone(), &[], &[], &mut out);
            assert_eq!(r.is_ok(), dims == 0, "{} dims {dims} {cols:?}", pk.name());
        }
        assert!(
            out.iter().all(|&v| v == 2.0),
            "an empty range keeps the sums"
        );
        assert_eq!(pk.signs(&[], &[]), Ok((0, true)));
        assert!(matches!(
            pk.signs(&[0.0; 65], &[0.0; 65]),
            Err(Error::DimensionMismatch {
                expected: 64,
                actual: 65
            })
        ));
        assert!(pk.signs(&[0.0], &[]).is_err());
        assert_eq!(pk.signs(&[f32::NAN, 1.0], &[0.0, 0.0]), Ok((0b10, false)));
    }
    assert_eq!(Kernel::by_name(""), None);
    assert!(binaryllm_core::ProjectKernel::by_name("nope").is_none());
}

#[test]
fn small_helpers_on_extreme_values() {
    use binaryllm_core::code::{bytes_for_bits, words_for_bits};
    assert_eq!(words_for_bits(usize::MAX), usize::MAX / 64 + 1);
    assert_eq!(bytes_for_bits(usize::MAX), usize::MAX / 8 + 1);
    assert_eq!((words_for_bits(0), bytes_for_bits(0)), (0, 0));
    assert!(!binarize::sign_bit(f32::NAN, 0.0));
    assert!(binarize::sign_bit(0.0, -0.0));
    assert_eq!(Threshold::Uniform(1.5).get(usize::MAX), 1.5);
    assert!(Threshold::Zero.validate(usize::MAX).is_ok());
    assert!(Threshold::PerBit(&[0.0]).validate(usize::MAX).is_err());
    assert_eq!(ProjectionKind::from_name(""), None);
    for k in ProjectionKind::ALL {
        assert_eq!(ProjectionKind::from_name(k.name()), Some(k));
        assert_ne!(k.tag(), [0; 8]);
    }
    let (a, b) = rng::box_muller(0, 0);
    assert!(a.is_finite() && b.is_finite());
    let (a, b) = rng::box_muller(u32::MAX, u32::MAX);
    assert!(a.is_finite() && b.is_finite());
    let mut s = SeededStream::new(u64::MAX, [0xFF; 8], u64::MAX);
    let _ = s.next_u32();
    let u = s.next_symmetric_uniform();
    assert!((-1.0..=1.0).contains(&u));
    // BinaryCode at WORDS = 1 and 16.
    let c1 = BinaryCode::<1>::from_words([u64::MAX]);
    assert_eq!(c1.complement().count_ones(), 0);
    assert_eq!(BinaryCode::<1>::layout().bits(), 64);
    let mut c16 = BinaryCode::<16>::ZERO;
    assert!(c16.set_bit(1023, true).is_ok());
    assert!(c16.set_bit(1024, true).is_err());
    assert!(c16.set_bit(usize::MAX, true).is_err());
    assert_eq!(c16.count_ones(), 1);
    assert_eq!(c16.words_mut().len(), 16);
    let mut t = TopK::<16>::new();
    assert!(t.is_empty() && t.worst().is_none());
    for i in 0..40 {
        t.push(u32::MAX - i, u32::MAX);
    }
    assert_eq!(t.len(), 16);
    assert!(t.as_slice().windows(2).all(|w| w[0] < w[1]));
    t.clear();
    assert!(t.as_slice().is_empty());
    let mut slots = [Neighbor::default(); 3];
    let c = TopKCollector::new(&mut slots).unwrap();
    assert_eq!(
        (c.k(), c.len(), c.is_empty(), c.worst()),
        (3, 0, true, None)
    );
    assert!(c.as_slice().is_empty());
}

#[cfg(feature = "postcard")]
#[test]
fn report_wire_format_on_empty_huge_and_extreme_inputs() {
    use binaryllm_core::report::*;
    let spec = BenchSpec {
        dims: u32::MAX,
        n: u32::MAX,
        k: 0,
        data_seed: u64::MAX,
        projection_seed: 0,
        database_kind: ProjectionKind::Gaussian,
        query_index: u32::MAX,
        learned: Some(LearnedSpec {
            dims: u32::MAX,
            bits: 0,
            digest: u64::MAX,
        }),
    };
    let mut r = Report::new(&"x".repeat(1000), "", spec);
    assert_eq!(r.board.len(), NAME_CAPACITY);
    for _ in 0..MAX_WORKLOADS + 3 {
        r.push_workload(Workload {
            kind: WorkloadKind::EncodeDense(ProjectionKind::Rademacher),
            dims: u32::MAX,
            bits: 0,
            n: 0,
            k: 0,
            repetitions: 0,
            median: u64::MAX,
            min: 0,
            max: u64::MAX,
            stack_bytes: u32::MAX,
        });
    }
    for _ in 0..MAX_ERRORS + 2 {
        r.push_error(Error::ZeroK);
    }
    assert_eq!(r.dropped, 5);
    assert_eq!(r.workloads[0].units(), 0);
    assert_eq!(r.workloads[0].per_unit(), u64::MAX as f64);
    // Buffers of every small size: typed Capacity errors, never a panic.
    for cap in [0usize, 1, 3, 4, 5, 64] {
        let mut buf = vec![0u8; cap];
        assert!(matches!(
            encode_payload_into(&r, &mut buf),
            Err(FrameError::Capacity { .. })
        ));
    }
    let mut scratch = vec![0u8; 4096];
    let mut frame = vec![0u8; cobs_max_len(4096) + 1];
    assert!(matches!(
        encode_frame_into(&r, &mut scratch, &mut [0u8; 3]),
        Err(FrameError::Capacity { .. })
    ));
    let n = encode_frame_into(&r, &mut scratch, &mut frame).unwrap();
    let mut out = vec![0u8; n];
    assert_eq!(decode_frame(&frame[..n], &mut out), Ok(r.clone()));
    assert!(matches!(
        decode_frame(&frame[..n], &mut []),
        Err(FrameError::Capacity { .. })
    ));
    assert_eq!(decode_frame(&[], &mut []), Err(FrameError::Empty));
    assert_eq!(find_frame(&[0; 9]), Err(FrameError::Empty));
    assert_eq!(decode_payload(&[]), Err(FrameError::Deserialize));
    assert_eq!(
        decode_payload(&[0xFF, 0xFF, 0x03]),
        Err(FrameError::Version {
            found: u16::MAX,
            expected: REPORT_VERSION
        })
    );
    assert_eq!(
        cobs_decode_into(&[0], &mut [0; 4]),
        Err(FrameError::Cobs { offset: 0 })
    );
    assert_eq!(
        cobs_decode_into(&[5, 1], &mut [0; 4]),
        Err(FrameError::Cobs { offset: 0 })
    );
    assert_eq!(cobs_decode_into(&[], &mut []), Ok(0));
    assert!(matches!(
        cobs_encode_into(&[1; 300], &mut [0; 10]),
        Err(FrameError::Capacity { .. })
    ));
    assert_eq!(cobs_encode_into(&[], &mut [0; 1]), Ok(1));
    assert_eq!(crc32(&[]), 0);
    for index in [0, u64::MAX] {
        let mut v = [0f32; 3];
        bench_vector_into(u64::MAX, index, &mut v);
        assert!(v.iter().all(|x| x.is_finite()));
        bench_vector_into(0, index, &mut []);
    }
    let mut d = ParityDigest::new();
    d.code(&[]);
    d.distance(u32::MAX);
    d.neighbor(Neighbor {
        distance: u32::MAX,
        index: u32::MAX,
    });
    let p = d.finish();
    assert_eq!((p.codes, p.distances, p.neighbors), (1, 1, 1));
    for w in [WorkloadKind::Calibration, WorkloadKind::TopK] {
        let _ = w.name();
    }
    let _ = CounterKind::UncalibratedTicks.label();
}
