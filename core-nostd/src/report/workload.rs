//! The bench workload's input vectors (see the module docs of [`crate::report`]).

use crate::rng::SeededStream;

/// Generator tag of the firmware bench vectors.
pub const TAG_BENCH: [u8; 8] = *b"fwbench1";
/// Number of clusters of the bench vectors.
pub const BENCH_CLUSTERS: u64 = 32;

/// Bench vector `index`: `out[j] = c[j] + 0.5 · e[j]`, with `c` the next symmetric uniform values
/// ([`SeededStream::next_symmetric_uniform`]) of stream `index % 32` (the cluster centre) and
/// `e` those of stream `32 + index` (the vector's own noise), both of tag [`TAG_BENCH`] under
/// `seed`. Exact and identical on every target (one f32 rounding per value).
pub fn bench_vector_into(seed: u64, index: u64, out: &mut [f32]) {
    let mut centre = SeededStream::new(seed, TAG_BENCH, index % BENCH_CLUSTERS);
    let mut noise = SeededStream::new(seed, TAG_BENCH, BENCH_CLUSTERS.wrapping_add(index));
    for o in out.iter_mut() {
        let c = centre.next_symmetric_uniform();
        let e = noise.next_symmetric_uniform();
        *o = c + 0.5 * e;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_vectors_are_clustered_and_deterministic() {
        let mut a = [0f32; 64];
        let mut b = [0f32; 64];
        let mut c = [0f32; 64];
        bench_vector_into(1, 5, &mut a);
        bench_vector_into(1, 5 + 32, &mut b);
        bench_vector_into(1, 6, &mut c);
        let d =
            |x: &[f32], y: &[f32]| -> f32 { x.iter().zip(y).map(|(p, q)| (p - q) * (p - q)).sum() };
        assert!(d(&a, &b) < d(&a, &c) / 2.0, "same cluster is closer");
        let mut again = [0f32; 64];
        bench_vector_into(1, 5, &mut again);
        assert_eq!(a, again);
        assert!(a.iter().all(|v| (-1.5..1.5).contains(v)));
    }

    /// The documented definition, value by value (stream `index % 32` for the centre, stream
    /// `32 + index` for the noise).
    #[test]
    fn bench_vectors_follow_their_definition() {
        for (seed, index) in [(1u64, 5u64), (0, 31), (7, 100)] {
            let mut out = [0f32; 16];
            bench_vector_into(seed, index, &mut out);
            let mut c = SeededStream::new(seed, TAG_BENCH, index % 32);
            let mut e = SeededStream::new(seed, TAG_BENCH, 32 + index);
            for &v in &out {
                let want = c.next_symmetric_uniform() + 0.5 * e.next_symmetric_uniform();
                assert_eq!(v.to_bits(), want.to_bits(), "seed {seed} index {index}");
            }
        }
    }
}
