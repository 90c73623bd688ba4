//! The random-hyperplane law: for Gaussian hyperplanes, P[bit differs] = θ/π.
//!
//! For pairs at fixed angles and 4,096 hyperplanes over several fixed seeds, the fraction of
//! differing bits must lie within 4σ of θ/π, σ = sqrt(p(1−p)/B). Fixed seeds: it cannot flake.

use binaryllm_core::hamming::angle_estimate;
use binaryllm_core::rng::SeededStream;
use binaryllm_core::{CodeLayout, ProjectionKind, SeededProjection, Threshold, encode_into};

const DIMS: usize = 64;
const BITS: usize = 4096;

/// Two orthonormal f64 vectors from a seeded stream (Gram–Schmidt).
fn orthonormal_pair(seed: u64) -> ([f64; DIMS], [f64; DIMS]) {
    let mut s = SeededStream::new(seed, *b"statpair", 0);
    let mut u = [0f64; DIMS];
    let mut v = [0f64; DIMS];
    for x in u.iter_mut().chain(v.iter_mut()) {
        *x = f64::from(s.next_normal_pair().0);
    }
    let nu = u.iter().map(|x| x * x).sum::<f64>().sqrt();
    u.iter_mut().for_each(|x| *x /= nu);
    let dot: f64 = u.iter().zip(&v).map(|(a, b)| a * b).sum();
    v.iter_mut().zip(&u).for_each(|(x, a)| *x -= dot * a);
    let nv = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.iter_mut().for_each(|x| *x /= nv);
    (u, v)
}

#[test]
fn hamming_fraction_is_within_4_sigma_of_theta_over_pi() {
    let layout = CodeLayout::new(BITS).unwrap();
    let mut worst_z = 0f64;
    for seed in [0u64, 1, 2, 3, 4] {
        let p = SeededProjection::new(ProjectionKind::Gaussian, seed, DIMS, BITS).unwrap();
        let (u, v) = orthonormal_pair(100 + seed);
        for degrees in [5.0f64, 30.0, 60.0, 90.0, 120.0, 175.0] {
            let theta = degrees.to_radians();
            let x: Vec<f32> = u.iter().map(|&a| a as f32).collect();
            let y: Vec<f32> = u
                .iter()
                .zip(&v)
                .map(|(&a, &b)| (theta.cos() * a + theta.sin() * b) as f32)
                .collect();
            // The angle of the f32 vectors actually encoded.
            let dot: f64 = x
                .iter()
                .zip(&y)
                .map(|(&a, &b)| f64::from(a) * f64::from(b))
                .sum();
            let nx: f64 = x.iter().map(|&a| f64::from(a).powi(2)).sum::<f64>().sqrt();
            let ny: f64 = y.iter().map(|&a| f64::from(a).powi(2)).sum::<f64>().sqrt();
            let theta = (dot / (nx * ny)).clamp(-1.0, 1.0).acos();
            let (mut a, mut b) = (vec![0u64; layout.words()], vec![0u64; layout.words()]);
            encode_into(&p, &x, Threshold::Zero, &mut a).unwrap();
            encode_into(&p, &y, Threshold::Zero, &mut b).unwrap();
            let d = layout.distance(&a, &b).unwrap();
            let frac = f64::from(d) / BITS as f64;
            let pr = theta / std::f64::consts::PI;
            let sigma = (pr * (1.0 - pr) / BITS as f64).sqrt();
            let z = (frac - pr) / sigma;
            worst_z = worst_z.max(z.abs());
            assert!(
                z.abs() <= 4.0,
                "seed {seed}, {degrees}°: d/B = {frac:.4}, θ/π = {pr:.4}, z = {z:.2}"
            );
            // θ̂ = π d / B is the same statistic on the angle scale.
            assert!((angle_estimate(d, BITS) - std::f64::consts::PI * frac).abs() < 1e-12);
        }
    }
    println!("largest |z| over 30 pairs: {worst_z:.2}");
}
