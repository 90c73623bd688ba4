//! Divan micro-benchmarks of the kernels: Hamming distance of one pair, a tile scan (4 queries ×
//! 2048 codes, k = 10) and the projection micro-tile, for every kernel this CPU supports and
//! the specialised widths. `cargo bench -p binaryllm-core` runs them; CI keeps them building
//! with `cargo bench --no-run`.

use binaryllm_core::knn::TopKCollector;
use binaryllm_core::{CodeLayout, Kernel, Neighbor, ProjectKernel};
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

const WIDTHS: [usize; 5] = [64, 256, 512, 1024, 1000];

fn words(n: usize, seed: u64) -> Vec<u64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let z = (s ^ (s >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z ^ (z >> 31)
        })
        .collect()
}

fn kernel_names() -> Vec<&'static str> {
    Kernel::available().map(|k| k.name()).collect()
}

#[divan::bench(args = kernel_names(), consts = WIDTHS)]
fn distance<const BITS: usize>(b: Bencher, name: &str) {
    let k = Kernel::by_name(name).unwrap();
    let w = BITS.div_ceil(64);
    let (x, y) = (words(w, 1), words(w, 2));
    b.bench(|| k.distance(black_box(&x), black_box(&y)));
}

#[divan::bench(args = kernel_names(), consts = WIDTHS)]
fn scan_tile<const BITS: usize>(b: Bencher, name: &str) {
    let k = Kernel::by_name(name).unwrap();
    let layout = CodeLayout::new(BITS).unwrap();
    let w = layout.words();
    let n = 2048;
    let mut codes = words(n * w, 3);
    let mut q = words(4 * w, 4);
    for c in codes.chunks_exact_mut(w).chain(q.chunks_exact_mut(w)) {
        c[w - 1] &= layout.last_word_mask();
    }
    let mut tile = vec![0u64; k.tile_len(w, n)];
    k.pack_tile(w, &codes, &mut tile).unwrap();
    b.counter(divan::counter::ItemsCount::new(4 * n))
        .bench_local(|| {
            let mut slots = [Neighbor::default(); 40];
            let mut tops: Vec<TopKCollector<'_>> = slots
                .chunks_exact_mut(10)
                .map(|s| TopKCollector::new(s).unwrap())
                .collect();
            k.scan(layout, &q, &tile, n, 0, &mut tops).unwrap();
            black_box(tops.len())
        });
}

fn project_names() -> Vec<&'static str> {
    ProjectKernel::available().map(|k| k.name()).collect()
}

#[divan::bench(args = project_names(), consts = [384, 768])]
fn project_micro_tile<const DIMS: usize>(b: Bencher, name: &str) {
    let k = ProjectKernel::by_name(name).unwrap();
    let a: Vec<f32> = (0..k.mr() * DIMS).map(|i| (i % 7) as f32 * 0.25).collect();
    let w: Vec<f32> = (0..k.nr() * DIMS).map(|i| (i % 5) as f32 * 0.5).collect();
    let mut out = vec![0f32; k.mr() * k.nr()];
    b.counter(divan::counter::ItemsCount::new(2 * k.mr() * k.nr() * DIMS))
        .bench_local(|| k.micro_tile(DIMS, black_box(&a), black_box(&w), &mut out));
}
