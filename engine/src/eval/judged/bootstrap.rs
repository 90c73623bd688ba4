//! The paired bootstrap over queries: per-query differences of a binary and the float metric,
//! resampled with replacement (seeded), giving percentile 95% intervals of the mean difference
//! and of the ratio of the means.
//!
//! Every comparison of one evaluation uses the same resamples ([`Resamples`]: common random
//! numbers), so two modes or widths are compared on the same query draws.

use binaryllm_core::rng::SeededStream;
use serde::Serialize;

/// Resamples drawn by default (the minimum: ≥ 1,000).
pub const RESAMPLES: usize = 1000;

/// Generator tag of the bootstrap's query draws.
const TAG_BOOTSTRAP: [u8; 8] = *b"bootstrp";

/// `count` resamples of `n` query indices, drawn with replacement.
#[derive(Clone, Debug)]
pub struct Resamples {
    n: usize,
    count: usize,
    seed: u64,
    idx: Vec<u32>,
}

impl Resamples {
    /// `count` resamples of `n` queries under `seed` (uniform indices by the multiply-shift
    /// map of one 32-bit word each, Lemire 2019).
    pub fn new(n: usize, count: usize, seed: u64) -> Self {
        let mut s = SeededStream::new(seed, TAG_BOOTSTRAP, 0);
        let idx = (0..n * count)
            .map(|_| ((u64::from(s.next_u32()) * n as u64) >> 32) as u32)
            .collect();
        Self {
            n,
            count,
            seed,
            idx,
        }
    }

    /// Resamples drawn.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn draw(&self, r: usize) -> &[u32] {
        &self.idx[r * self.n..(r + 1) * self.n]
    }
}

/// A paired comparison of a binary metric with the float metric over the same queries.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Paired {
    /// `mean(binary − float)` over the queries.
    pub mean_diff: f64,
    /// Percentile 95% bootstrap interval of the mean difference.
    pub diff_ci95: [f64; 2],
    /// `mean(binary) / mean(float)` (NaN when the float mean is 0).
    pub ratio: f64,
    /// Percentile 95% bootstrap interval of the ratio (resamples with a float mean of 0 left
    /// out).
    pub ratio_ci95: [f64; 2],
}

/// The paired comparison of per-query `binary` and `float` values (same queries, same order)
/// over the resamples `r` (drawn for `binary.len()` queries).
pub fn paired(binary: &[f64], float: &[f64], r: &Resamples) -> Paired {
    let n = binary.len().min(float.len());
    debug_assert_eq!(n, r.n);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n.max(1) as f64;
    let (mb, mf) = (mean(&binary[..n]), mean(&float[..n]));
    let mut diffs = Vec::with_capacity(r.count);
    let mut ratios = Vec::with_capacity(r.count);
    for k in 0..r.count {
        let (mut sb, mut sf) = (0.0, 0.0);
        for &i in r.draw(k) {
            sb += binary[i as usize];
            sf += float[i as usize];
        }
        diffs.push((sb - sf) / n as f64);
        if sf != 0.0 {
            ratios.push(sb / sf);
        }
    }
    Paired {
        mean_diff: mb - mf,
        diff_ci95: interval(&mut diffs),
        ratio: if mf == 0.0 { f64::NAN } else { mb / mf },
        ratio_ci95: interval(&mut ratios),
    }
}

/// The 2.5% and 97.5% quantiles of `v` (linear interpolation between order statistics,
/// numpy's default); NaN for an empty `v`.
fn interval(v: &mut [f64]) -> [f64; 2] {
    v.sort_by(f64::total_cmp);
    [quantile(v, 0.025), quantile(v, 0.975)]
}

/// Quantile `p` of the sorted `v` (numpy `method="linear"`).
fn quantile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * p;
    let (lo, frac) = (h.floor() as usize, h - h.floor());
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + frac * (v[hi] - v[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.025, 0.975]) = [1.1, 9.4]
        let mut v = vec![10.0, 3.0, 1.0, 4.0, 2.0];
        let [lo, hi] = interval(&mut v);
        assert!(
            (lo - 1.1).abs() < 1e-12 && (hi - 9.4).abs() < 1e-12,
            "{lo} {hi}"
        );
        assert!(quantile(&[], 0.5).is_nan());
        assert_eq!(quantile(&[7.0], 0.975), 7.0);
    }

    #[test]
    fn draws_are_seeded_uniform_and_in_range() {
        let a = Resamples::new(7, 2000, 3);
        assert_eq!(a.idx, Resamples::new(7, 2000, 3).idx);
        assert_ne!(a.idx, Resamples::new(7, 2000, 4).idx);
        let mut counts = [0usize; 7];
        for &i in &a.idx {
            counts[i as usize] += 1;
        }
        // 14,000 draws: each index ~2,000 (sd ~41); 5 sd either side.
        assert!(
            counts.iter().all(|&c| (1800..2200).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn identical_runs_have_a_zero_interval_and_a_shift_moves_it() {
        let f: Vec<f64> = (0..50).map(|i| f64::from(i % 5) / 4.0).collect();
        let r = Resamples::new(50, 1000, 0);
        let same = paired(&f, &f, &r);
        assert_eq!((same.mean_diff, same.diff_ci95), (0.0, [0.0, 0.0]));
        assert_eq!((same.ratio, same.ratio_ci95), (1.0, [1.0, 1.0]));
        // binary = float − 0.1 on every query: the difference is exactly −0.1 in every draw.
        let b: Vec<f64> = f.iter().map(|x| x - 0.1).collect();
        let p = paired(&b, &f, &r);
        for v in [p.mean_diff, p.diff_ci95[0], p.diff_ci95[1]] {
            assert!((v + 0.1).abs() < 1e-12, "{p:?}");
        }
        assert!(
            p.ratio_ci95[0] < p.ratio && p.ratio < p.ratio_ci95[1],
            "{p:?}"
        );
    }

    #[test]
    fn a_two_query_sample_spans_the_possible_means() {
        // Differences {0, 1}: resample means are 0, ½, 1 with probabilities ¼, ½, ¼, so the
        // 95% percentile interval of 1,000 draws is [0, 1].
        let r = Resamples::new(2, 1000, 1);
        let p = paired(&[0.0, 1.0], &[0.0, 0.0], &r);
        assert_eq!((p.mean_diff, p.diff_ci95), (0.5, [0.0, 1.0]));
        assert!(p.ratio.is_nan() && p.ratio_ci95[0].is_nan());
    }
}
