//! The core's public entry points with arbitrary sizes, k and bytes.
//!
//! Besides "no panic", it checks invariants that must hold for every input: padding bits stay
//! zero, top-k results are sorted by (distance, index) and equal a brute-force sort, every
//! kernel agrees with the portable one, byte forms round-trip.
#![no_main]

use binaryllm_core::bytes::{self, ByteOrder};
use binaryllm_core::knn::top_k_flat_into;
use binaryllm_core::{
    CodeLayout, DenseProjection, Kernel, Neighbor, ProjectionKind, SeededProjection, Threshold,
    binarize_into, encode_into,
};
use libfuzzer_sys::fuzz_target;

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn u8(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |acc, i| acc | (u64::from(self.u8()) << (8 * i)))
    }
    fn f32(&mut self) -> f32 {
        f32::from_bits(u32::from(self.u16()) | (u32::from(self.u16()) << 16))
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input(data);
    let bits = usize::from(inp.u16() % 1200);
    let dims = usize::from(inp.u8());
    let k = usize::from(inp.u8() % 40);
    let kind = ProjectionKind::ALL[usize::from(inp.u8()) % 3];
    let seed = inp.u64();

    // Layout + bytes.
    let Ok(layout) = CodeLayout::new(bits) else {
        assert!(bits == 0);
        return;
    };
    let nb = layout.bytes();
    let raw: Vec<u8> = (0..nb).map(|_| inp.u8()).collect();
    let mut words = vec![0u64; layout.words()];
    for order in [ByteOrder::Lsb, ByteOrder::Msb] {
        if bytes::from_bytes_into(layout, &raw, order, &mut words).is_ok() {
            assert!(layout.check(&words).is_ok());
            let mut back = vec![0u8; nb];
            bytes::to_bytes_into(layout, &words, order, &mut back).unwrap();
            assert_eq!(back, raw);
        }
    }

    // Projection + encode (matrix-free vs materialised) on arbitrary floats.
    let x: Vec<f32> = (0..dims).map(|_| inp.f32()).collect();
    if let Ok(p) = SeededProjection::new(kind, seed, dims, bits.min(96)) {
        let l = CodeLayout::new(p_bits(&p)).unwrap();
        let mut a = vec![0u64; l.words()];
        let ra = encode_into(&p, &x, Threshold::Zero, &mut a);
        let mut m = vec![0f32; dims * p_bits(&p)];
        p.materialize_into(&mut m).unwrap();
        let d = DenseProjection::new(&m, dims, p_bits(&p)).unwrap();
        let mut b = vec![0u64; l.words()];
        let rb = encode_into(&d, &x, Threshold::Zero, &mut b);
        assert_eq!(ra, rb);
        assert_eq!(a, b);
        assert!(l.check(&a).is_ok());
    }
    let mut w2 = vec![0u64; layout.words()];
    let vals: Vec<f32> = (0..bits).map(|i| x.get(i % dims.max(1)).copied().unwrap_or(0.0)).collect();
    if binarize_into(&vals, Threshold::Zero, layout, &mut w2).is_ok() {
        assert!(layout.check(&w2).is_ok());
    }

    // Top-k over codes cut from the remaining bytes.
    let n = inp.0.len() / (8 * layout.words()).max(1);
    let mut db: Vec<u64> = inp
        .0
        .chunks_exact(8)
        .take(n * layout.words())
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    for code in db.chunks_exact_mut(layout.words()) {
        *code.last_mut().unwrap() &= layout.last_word_mask();
    }
    let mut out = vec![Neighbor::default(); k];
    let mut reference: Option<Vec<Neighbor>> = None;
    for kernel in Kernel::available() {
        match top_k_flat_into(kernel, layout, &words, &db, &mut out) {
            Ok(got) => {
                let got = out[..got].to_vec();
                assert!(got.windows(2).all(|w| w[0] < w[1]));
                if let Some(r) = &reference {
                    assert_eq!(r, &got);
                }
                reference = Some(got);
            }
            Err(_) => assert!(k == 0),
        }
    }
    if let Some(r) = reference {
        let mut all: Vec<Neighbor> = db
            .chunks_exact(layout.words())
            .enumerate()
            .map(|(i, c)| Neighbor {
                distance: Kernel::PORTABLE.distance(&words, c),
                index: i as u32,
            })
            .collect();
        all.sort();
        all.truncate(k);
        assert_eq!(all, r);
    }
});

fn p_bits(p: &SeededProjection) -> usize {
    use binaryllm_core::Projection;
    p.bits()
}
