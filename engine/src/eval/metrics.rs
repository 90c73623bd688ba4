//! The H1 metrics as small pure functions (each tested against hand-computed cases).
//!
//! Conventions (also in `configs/README.md`, "Metrics"):
//! * A *ranking* is a list of base ids, best first. Hamming rankings are ordered by
//!   `(distance, index)`; float rankings by inner product, ties to the smaller index.
//! * `recall@k = |H[..k] ∩ F[..k]| / k`; `k@K = |F[..k] ∩ H[..K]| / k`.
//! * `overlap@k` is the *average overlap* of the two top-k lists,
//!   `(1/k) Σ_{d=1..k} |H[..d] ∩ F[..d]| / d` (order-sensitive, unlike recall@k).
//! * `ndcg@k`: gain of a document = `max(0, cos(q, d))` in float; `DCG = Σ_i gain_i / log2(i + 2)`
//!   over the Hamming top-k; the ideal DCG uses the float top-k sorted by gain.
//! * `mrr`: `1 / rank` of the float top-1 in the Hamming top-`candidates` (0 if absent).
//! * kNN vote: the most frequent label among the k neighbours; ties go to the tied label whose
//!   first occurrence is nearest (so 1-NN decides a full tie).

/// The range `[lo, hi]` of the values metric `key` can take (confidence intervals are clipped
/// to it): `[0, 1]` for the proportions (`recall@k`, `k@K`, `overlap@k`, `mrr`, `rerank@…`,
/// `asym_rerank@…`, `knn_acc`, `theta_pi_bins_inside`) and `theta_pi_mae`, `[−1, 1]` for the
/// correlations, and `[0, ∞)` for `ndcg@k` (its gains are cosines but the ideal list is the float
/// top-k by inner product, so rows that are not exactly unit length can push it slightly above 1).
pub fn range(key: &str) -> (f64, f64) {
    match key {
        "spearman" | "pearson" | "kendall" => (-1.0, 1.0),
        k if k.starts_with("ndcg@") => (0.0, f64::INFINITY),
        _ => (0.0, 1.0),
    }
}

/// Number of ids common to `a` and `b` (each without duplicates).
pub fn common(a: &[u32], b: &[u32]) -> usize {
    let mut sorted = b.to_vec();
    sorted.sort_unstable();
    a.iter().filter(|x| sorted.binary_search(x).is_ok()).count()
}

fn prefix(x: &[u32], k: usize) -> &[u32] {
    &x[..k.min(x.len())]
}

/// `|retrieved[..k] ∩ truth[..k]| / k` (k clamped to the shorter list; 0 lists give NaN).
pub fn recall_at(retrieved: &[u32], truth: &[u32], k: usize) -> f64 {
    let k = k.min(truth.len()).min(retrieved.len());
    if k == 0 {
        return f64::NAN;
    }
    common(prefix(retrieved, k), prefix(truth, k)) as f64 / k as f64
}

/// `|truth[..k] ∩ retrieved[..depth]| / k` (the `k@depth` recall).
pub fn recall_in_depth(retrieved: &[u32], truth: &[u32], k: usize, depth: usize) -> f64 {
    let k = k.min(truth.len());
    if k == 0 {
        return f64::NAN;
    }
    common(prefix(truth, k), prefix(retrieved, depth)) as f64 / k as f64
}

/// Average overlap of the top-`k` prefixes: `(1/k) Σ_{d=1..k} |a[..d] ∩ b[..d]| / d`.
pub fn average_overlap(a: &[u32], b: &[u32], k: usize) -> f64 {
    let k = k.min(a.len()).min(b.len());
    if k == 0 {
        return f64::NAN;
    }
    let mut sum = 0.0;
    let mut inter = 0usize;
    for d in 0..k {
        // Grow both prefixes by one element and update the intersection size.
        if b[..d].contains(&a[d]) {
            inter += 1;
        }
        if a[..d].contains(&b[d]) {
            inter += 1;
        }
        if a[d] == b[d] {
            inter += 1;
        }
        sum += inter as f64 / (d + 1) as f64;
    }
    sum / k as f64
}

/// Discounted cumulative gain `Σ_i gains[i] / log2(i + 2)`.
pub fn dcg(gains: &[f64]) -> f64 {
    gains
        .iter()
        .enumerate()
        .map(|(i, g)| g / ((i + 2) as f64).log2())
        .sum()
}

/// `DCG(retrieved) / DCG(ideal)`, where `ideal` holds the gains of the ideal list (any order;
/// sorted descending here). 1 when the ideal DCG is 0.
pub fn ndcg(retrieved_gains: &[f64], ideal_gains: &[f64]) -> f64 {
    let mut ideal = ideal_gains.to_vec();
    ideal.sort_by(|a, b| b.total_cmp(a));
    let idcg = dcg(&ideal);
    if idcg <= 0.0 {
        return 1.0;
    }
    dcg(retrieved_gains) / idcg
}

/// `1 / (position of target + 1)` in `ranking`, 0 when absent.
pub fn reciprocal_rank(ranking: &[u32], target: u32) -> f64 {
    ranking
        .iter()
        .position(|&x| x == target)
        .map_or(0.0, |p| 1.0 / (p + 1) as f64)
}

/// The `k` candidates with the largest score, ties to the smaller id (`scores[i]` belongs to
/// `candidates[i]`).
pub fn rerank(candidates: &[u32], scores: &[f64], k: usize) -> Vec<u32> {
    let mut order: Vec<usize> = (0..candidates.len().min(scores.len())).collect();
    order.sort_by(|&a, &b| {
        scores[b]
            .total_cmp(&scores[a])
            .then(candidates[a].cmp(&candidates[b]))
    });
    order.truncate(k);
    order.into_iter().map(|i| candidates[i]).collect()
}

/// Pearson correlation (NaN when either side is constant or there are fewer than 2 values).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    let mx = x[..n].iter().sum::<f64>() / n as f64;
    let my = y[..n].iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x[..n].iter().zip(&y[..n]) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    // A side without spread (a constant, one value or none) gives 0 / 0 = NaN.
    sxy / (sxx * syy).sqrt()
}

/// Ranks 1..n with ties given their average rank.
pub fn average_ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; x.len()];
    let mut start = 0;
    for run in idx.chunk_by(|&a, &b| x[a] == x[b]) {
        // Positions start..start+len (0-based) share the mean of ranks start+1..=start+len.
        let r = (2 * start + 1 + run.len()) as f64 / 2.0;
        for &p in run {
            ranks[p] = r;
        }
        start += run.len();
    }
    ranks
}

/// Spearman's ρ: Pearson correlation of the average ranks.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&average_ranks(x), &average_ranks(y))
}

/// Kendall's τ-b (tie-corrected), O(n log n) (Knight's algorithm).
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return f64::NAN;
    }
    let mut p: Vec<(f64, f64)> = x[..n].iter().copied().zip(y[..n].iter().copied()).collect();
    p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    // Pairs (n0); ties in x (n1) and joint ties (n3): runs of the sorted pairs.
    let n0 = (n * (n - 1) / 2) as u64;
    let n1 = tied_pairs(p.chunk_by(|a, b| a.0 == b.0));
    let n3 = tied_pairs(p.chunk_by(|a, b| a == b));
    // Sort by y with a merge sort, counting swaps (discordant pairs); ties in y (n2).
    let mut ys: Vec<f64> = p.iter().map(|q| q.1).collect();
    let mut buf = vec![0.0; n];
    let swaps = merge_count(&mut ys, &mut buf);
    let n2 = tied_pairs(ys.chunk_by(|a, b| a == b));
    let num = n0 as f64 - n1 as f64 - n2 as f64 + n3 as f64 - 2.0 * swaps as f64;
    let den = ((n0 - n1) as f64 * (n0 - n2) as f64).sqrt();
    if den == 0.0 { f64::NAN } else { num / den }
}

/// Pairs within each run of equal values.
fn tied_pairs<'a, T: 'a>(runs: impl Iterator<Item = &'a [T]>) -> u64 {
    runs.map(|r| {
        let t = r.len() as u64;
        t * (t - 1) / 2
    })
    .sum()
}

/// Stable merge sort of `v`, returning the number of inversions (pairs `i < j` with
/// `v[i] > v[j]`).
fn merge_count(v: &mut [f64], buf: &mut [f64]) -> u64 {
    let n = v.len();
    if n < 2 {
        return 0;
    }
    let mid = n / 2;
    let (left, right) = v.split_at_mut(mid);
    let mut s = merge_count(left, &mut buf[..mid]) + merge_count(right, &mut buf[mid..]);
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < left.len() && j < right.len() {
        if right[j] < left[i] {
            buf[k] = right[j];
            s += (left.len() - i) as u64;
            j += 1;
        } else {
            buf[k] = left[i];
            i += 1;
        }
        k += 1;
    }
    while i < left.len() {
        buf[k] = left[i];
        i += 1;
        k += 1;
    }
    while j < right.len() {
        buf[k] = right[j];
        j += 1;
        k += 1;
    }
    v.copy_from_slice(&buf[..n]);
    s
}

/// The majority label of `labels` (in neighbour order); ties go to the tied label that occurs
/// first. `None` for an empty list.
pub fn majority_vote(labels: &[i64]) -> Option<i64> {
    let mut best: Option<(usize, usize, i64)> = None; // (count, first position, label)
    for (pos, &l) in labels.iter().enumerate() {
        if labels[..pos].contains(&l) {
            continue;
        }
        let count = labels.iter().filter(|&&x| x == l).count();
        let better = match best {
            None => true,
            Some((c, _, _)) => count > c,
        };
        if better {
            best = Some((count, pos, l));
        }
    }
    best.map(|b| b.2)
}

/// One θ/π bin of the calibration.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CalibrationBin {
    /// Lower edge of the bin in θ/π.
    pub lo: f64,
    /// Upper edge.
    pub hi: f64,
    /// Pairs in the bin.
    pub n: usize,
    /// Mean θ/π of those pairs.
    pub mean_theta_pi: f64,
    /// Mean Hamming/B of those pairs.
    pub mean_hamming: f64,
    /// Binomial 95% band of the mean under `d ~ Binomial(B, θ/π)` for independent hyperplanes:
    /// `mean_theta_pi ± 1.96 · √(Σ p(1−p)/B) / n`.
    pub band_low: f64,
    /// Upper end of the band.
    pub band_high: f64,
    /// Whether `mean_hamming` is inside the band (`None` when `n` is below the minimum).
    pub inside: Option<bool>,
}

/// The θ/π calibration of a sample of pairs.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Calibration {
    /// Every bin (empty ones included).
    pub bins: Vec<CalibrationBin>,
    /// Mean `|mean_hamming − mean_theta_pi|` over the bins with at least the minimum count.
    pub mae: f64,
    /// Fraction of those bins whose mean is inside the band.
    pub fraction_inside: f64,
}

/// Bins pairs by θ/π into `bins` equal bins over `[0, 1]` and compares mean Hamming/B with
/// mean θ/π (see [`CalibrationBin`]). Bins with fewer than `min_pairs` pairs are reported but
/// left out of `mae` and `fraction_inside`.
pub fn calibration(
    theta_pi: &[f64],
    hamming_frac: &[f64],
    bits: usize,
    bins: usize,
    min_pairs: usize,
) -> Calibration {
    let bins = bins.max(1);
    let mut n = vec![0usize; bins];
    let mut sp = vec![0.0; bins];
    let mut sh = vec![0.0; bins];
    let mut var = vec![0.0; bins];
    for (&p, &h) in theta_pi.iter().zip(hamming_frac) {
        let b = ((p * bins as f64) as usize).min(bins - 1);
        n[b] += 1;
        sp[b] += p;
        sh[b] += h;
        var[b] += p * (1.0 - p) / bits as f64;
    }
    let mut out = Vec::with_capacity(bins);
    let (mut err, mut inside, mut counted) = (0.0, 0usize, 0usize);
    for b in 0..bins {
        let c = n[b];
        let (mp, mh, half) = if c == 0 {
            (f64::NAN, f64::NAN, f64::NAN)
        } else {
            let cf = c as f64;
            (sp[b] / cf, sh[b] / cf, 1.96 * var[b].sqrt() / cf)
        };
        let ok = (c >= min_pairs && c > 0).then(|| (mh - mp).abs() <= half);
        if let Some(ok) = ok {
            counted += 1;
            err += (mh - mp).abs();
            inside += usize::from(ok);
        }
        out.push(CalibrationBin {
            lo: b as f64 / bins as f64,
            hi: (b + 1) as f64 / bins as f64,
            n: c,
            mean_theta_pi: mp,
            mean_hamming: mh,
            band_low: mp - half,
            band_high: mp + half,
            inside: ok,
        });
    }
    let (mae, fraction_inside) = if counted == 0 {
        (f64::NAN, f64::NAN)
    } else {
        (err / counted as f64, inside as f64 / counted as f64)
    };
    Calibration {
        bins: out,
        mae,
        fraction_inside,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn recall_hand_cases() {
        let h = [5, 3, 9, 1];
        let f = [3, 5, 7, 8];
        assert_eq!(recall_at(&h, &f, 1), 0.0); // {5} vs {3}
        assert_eq!(recall_at(&h, &f, 2), 1.0); // {5,3} vs {3,5}
        assert_eq!(recall_at(&h, &f, 4), 0.5);
        assert_eq!(recall_at(&h, &f, 10), 0.5); // clamped to 4
        assert_eq!(recall_in_depth(&h, &f, 2, 4), 1.0);
        assert_eq!(recall_in_depth(&h, &f, 3, 4), 2.0 / 3.0);
        assert_eq!(recall_in_depth(&h, &f, 1, 1), 0.0);
        assert!(recall_at(&[], &f, 3).is_nan());
    }

    #[test]
    fn average_overlap_hand_case() {
        // d=1: {1} vs {2} -> 0; d=2: {1,2} vs {2,1} -> 1; d=3: {1,2,3} vs {2,1,4} -> 2/3.
        let ao = average_overlap(&[1, 2, 3], &[2, 1, 4], 3);
        assert!((ao - (0.0 + 1.0 + 2.0 / 3.0) / 3.0).abs() < 1e-15);
        assert_eq!(average_overlap(&[4, 5], &[4, 5], 2), 1.0);
    }

    #[test]
    fn ndcg_hand_case() {
        // Retrieved gains [0.5, 1.0], ideal [1.0, 0.5]:
        // DCG = 0.5/1 + 1/log2(3); IDCG = 1 + 0.5/log2(3).
        let l3 = 3f64.log2();
        let want = (0.5 + 1.0 / l3) / (1.0 + 0.5 / l3);
        assert!((ndcg(&[0.5, 1.0], &[0.5, 1.0]) - want).abs() < 1e-15);
        assert_eq!(ndcg(&[1.0, 0.5], &[0.5, 1.0]), 1.0);
        assert_eq!(ndcg(&[0.0], &[0.0]), 1.0);
    }

    #[test]
    fn reciprocal_rank_and_rerank() {
        assert_eq!(reciprocal_rank(&[7, 8, 9], 9), 1.0 / 3.0);
        assert_eq!(reciprocal_rank(&[7, 8, 9], 1), 0.0);
        assert_eq!(rerank(&[10, 4, 7, 2], &[0.1, 0.9, 0.9, 0.5], 3), [4, 7, 2]);
        assert_eq!(rerank(&[10, 4], &[0.1, 0.9], 5), [4, 10]);
    }

    #[test]
    fn correlations_match_hand_and_numpy_cases() {
        // numpy.corrcoef([1,2,3,4,5], [2,4,5,4,5])[0, 1] = 0.7745966692414834
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 4.0, 5.0, 4.0, 5.0];
        assert!((pearson(&x, &y) - 0.774_596_669_241_483_4).abs() < 1e-12);
        // corrcoef of the average ranks = 0.7378647873726218
        assert!((spearman(&x, &y) - 0.737_864_787_372_621_8).abs() < 1e-12);
        // tau-b of ([1,2,3,4,5], [3,4,1,2,5]) = 0.2 (C=6, D=4)
        assert!((kendall_tau_b(&x, &[3.0, 4.0, 1.0, 2.0, 5.0]) - 0.2).abs() < 1e-15);
        // tau-b with ties: x=[1,1,2,3], y=[1,2,2,3]: C=4, D=0, n1=n2=1 -> 4/5.
        let t = kendall_tau_b(&[1.0, 1.0, 2.0, 3.0], &[1.0, 2.0, 2.0, 3.0]);
        assert!((t - 0.8).abs() < 1e-15);
        // brute-force tau-b of (x, y) above = 0.6708203932499369
        assert!((kendall_tau_b(&x, &y) - 0.670_820_393_249_936_9).abs() < 1e-12);
        assert!(pearson(&[1.0, 1.0], &[1.0, 2.0]).is_nan());
        assert_eq!(average_ranks(&[3.0, 1.0, 3.0]), [2.5, 1.0, 2.5]);
    }

    #[test]
    fn metric_ranges() {
        for k in ["spearman", "pearson", "kendall"] {
            assert_eq!(range(k), (-1.0, 1.0), "{k}");
        }
        assert_eq!(range("ndcg@10"), (0.0, f64::INFINITY));
        for k in ["recall@10", "mrr", "knn_acc", "theta_pi_mae", "ndcg"] {
            assert_eq!(range(k), (0.0, 1.0), "{k}");
        }
    }

    #[test]
    fn correlations_of_two_values_and_average_ranks_of_runs() {
        assert_eq!(pearson(&[1.0, 2.0], &[3.0, 5.0]), 1.0);
        assert_eq!(pearson(&[1.0, 2.0], &[5.0, 3.0]), -1.0);
        assert_eq!(kendall_tau_b(&[1.0, 2.0], &[3.0, 5.0]), 1.0);
        assert_eq!(kendall_tau_b(&[1.0, 2.0], &[5.0, 3.0]), -1.0);
        assert_eq!(spearman(&[1.0, 2.0], &[3.0, 5.0]), 1.0);
        for short in [&[][..], &[1.0]] {
            assert!(pearson(short, short).is_nan());
            assert!(kendall_tau_b(short, short).is_nan());
        }
        assert!(kendall_tau_b(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_nan());
        // Runs of ties first, in the middle and last.
        assert_eq!(
            average_ranks(&[5.0, 0.0, 0.0, 3.0, 3.0, 3.0, 9.0, 9.0]),
            [6.0, 1.5, 1.5, 4.0, 4.0, 4.0, 7.5, 7.5]
        );
        assert_eq!(average_ranks(&[2.0, 2.0]), [1.5, 1.5]);
        assert_eq!(average_ranks(&[]), Vec::<f64>::new());
    }

    fn kendall_naive(x: &[f64], y: &[f64]) -> f64 {
        let n = x.len();
        let (mut s, mut tx, mut ty) = (0i64, 0i64, 0i64);
        let mut n0 = 0i64;
        for i in 0..n {
            for j in i + 1..n {
                n0 += 1;
                let dx = (x[i] - x[j]).signum() as i64 * i64::from(x[i] != x[j]);
                let dy = (y[i] - y[j]).signum() as i64 * i64::from(y[i] != y[j]);
                s += dx * dy;
                tx += i64::from(dx == 0);
                ty += i64::from(dy == 0);
            }
        }
        s as f64 / (((n0 - tx) * (n0 - ty)) as f64).sqrt()
    }

    proptest! {
        #[test]
        fn prop_kendall_matches_naive(v in proptest::collection::vec((0u8..6, 0u8..6), 3..60)) {
            let x: Vec<f64> = v.iter().map(|p| f64::from(p.0)).collect();
            let y: Vec<f64> = v.iter().map(|p| f64::from(p.1)).collect();
            let (a, b) = (kendall_tau_b(&x, &y), kendall_naive(&x, &y));
            prop_assert!((a.is_nan() && b.is_nan()) || (a - b).abs() < 1e-12, "{} vs {}", a, b);
        }

        #[test]
        fn prop_common_matches_set_intersection(
            a in proptest::collection::hash_set(0u32..200, 0..120),
            b in proptest::collection::hash_set(0u32..200, 0..120),
        ) {
            let (va, vb): (Vec<u32>, Vec<u32>) = (a.iter().copied().collect(), b.iter().copied().collect());
            prop_assert_eq!(common(&va, &vb), a.intersection(&b).count());
        }
    }

    #[test]
    fn majority_vote_tie_rule() {
        assert_eq!(majority_vote(&[3, 1, 1, 3, 2]), Some(3)); // 3 and 1 tie; 3 is nearer
        assert_eq!(majority_vote(&[2, 1, 1]), Some(1));
        assert_eq!(majority_vote(&[5]), Some(5));
        assert_eq!(majority_vote(&[]), None);
    }

    #[test]
    fn calibration_bins_bands_and_summaries() {
        // Three bins, B = 64: 0.1 and 0.2 fall in bin 0, 0.9 in bin 2, bin 1 is empty.
        let c = calibration(&[0.1, 0.2, 0.9], &[0.12, 0.2, 0.8], 64, 3, 1);
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        let edges: Vec<(f64, f64)> = c.bins.iter().map(|b| (b.lo, b.hi)).collect();
        for (got, want) in
            edges
                .iter()
                .zip([(0.0, 1.0 / 3.0), (1.0 / 3.0, 2.0 / 3.0), (2.0 / 3.0, 1.0)])
        {
            close(got.0, want.0);
            close(got.1, want.1);
        }
        let b0 = &c.bins[0];
        assert_eq!(b0.n, 2);
        close(b0.mean_theta_pi, 0.15);
        close(b0.mean_hamming, 0.16);
        // half = 1.96 * sqrt((0.1 * 0.9 + 0.2 * 0.8) / 64) / 2 = 0.06125
        close(b0.band_low, 0.15 - 0.06125);
        close(b0.band_high, 0.15 + 0.06125);
        assert_eq!(b0.inside, Some(true));
        assert_eq!((c.bins[1].n, c.bins[1].inside), (0, None));
        assert!(c.bins[1].mean_hamming.is_nan());
        // Bin 2: half = 1.96 * sqrt(0.09 / 64) = 0.0735 < |0.8 - 0.9|.
        let b2 = &c.bins[2];
        close(b2.band_low, 0.9 - 0.0735);
        assert_eq!(b2.inside, Some(false));
        close(c.mae, (0.01 + 0.1) / 2.0);
        assert_eq!(c.fraction_inside, 0.5);
        // With a minimum of two pairs only bin 0 counts; with none counted, NaN.
        let two = calibration(&[0.1, 0.2, 0.9], &[0.12, 0.2, 0.8], 64, 3, 2);
        close(two.mae, 0.01);
        assert_eq!(two.fraction_inside, 1.0);
        // θ/π = 1 belongs to the last bin.
        let one = calibration(&[1.0, 0.0], &[1.0, 0.0], 64, 3, 1);
        assert_eq!(one.bins.iter().map(|b| b.n).collect::<Vec<_>>(), [1, 0, 1]);
        // A minimum of zero still leaves empty bins out.
        let zero = calibration(&[0.1, 0.2, 0.9], &[0.12, 0.2, 0.8], 64, 3, 0);
        assert_eq!(zero.bins[1].inside, None);
        close(zero.mae, (0.01 + 0.1) / 2.0);
        let none = calibration(&[0.1], &[0.1], 64, 3, 2);
        assert!(none.mae.is_nan() && none.fraction_inside.is_nan());
    }

    #[test]
    fn calibration_hand_case() {
        // Two bins; B = 100. Bin 0: p = 0.25 twice, h = 0.25, 0.27 -> mean 0.26;
        // band half = 1.96 * sqrt(2 * 0.1875 / 100) / 2 = 0.06001...
        let c = calibration(&[0.25, 0.25, 0.75], &[0.25, 0.27, 0.5], 100, 2, 2);
        let b0 = &c.bins[0];
        assert_eq!(b0.n, 2);
        assert!((b0.mean_hamming - 0.26).abs() < 1e-15);
        let half = 1.96 * (2.0 * 0.1875f64 / 100.0).sqrt() / 2.0;
        assert!((b0.band_high - (0.25 + half)).abs() < 1e-15);
        assert_eq!(b0.inside, Some(true));
        assert_eq!(c.bins[1].inside, None); // one pair < min_pairs
        assert!((c.mae - 0.01).abs() < 1e-12);
        assert_eq!(c.fraction_inside, 1.0);
    }
}
