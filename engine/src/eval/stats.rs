//! Statistics across seeds: mean, sample standard deviation, the 95% Student-t confidence
//! interval (clipped to the metric's range, [`Summary::clipped`]), and the verdict rule.

use serde::Serialize;

use crate::config::Comparison;

/// Mean, sd and the 95% t interval of a sample.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1 denominator; NaN for n < 2).
    pub sd: f64,
    /// Lower end of the 95% CI `mean ± t(0.975, n−1) · sd / √n` (NaN for n < 2).
    pub ci95_low: f64,
    /// Upper end.
    pub ci95_high: f64,
    /// Sample size (finite values only).
    pub n: usize,
}

impl Summary {
    /// The interval clipped to the metric's range `[lo, hi]` (the mean, sd and n unchanged):
    /// `mean ± t·sd/√n` can cross a bound the metric cannot (a proportion's 1), and a value
    /// outside the range is impossible, so the reported interval is its part inside the range.
    /// The verdicts are judged on the clipped interval.
    pub fn clipped(self, lo: f64, hi: f64) -> Summary {
        let clip = |v: f64| if v.is_finite() { v.clamp(lo, hi) } else { v };
        Summary {
            ci95_low: clip(self.ci95_low),
            ci95_high: clip(self.ci95_high),
            ..self
        }
    }
}

/// Summarises the finite values of `xs`.
pub fn summarize(xs: &[f64]) -> Summary {
    let v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    let n = v.len();
    if n == 0 {
        return Summary {
            mean: f64::NAN,
            sd: f64::NAN,
            ci95_low: f64::NAN,
            ci95_high: f64::NAN,
            n,
        };
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Summary {
            mean,
            sd: f64::NAN,
            ci95_low: f64::NAN,
            ci95_high: f64::NAN,
            n,
        };
    }
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let half = t_quantile(0.975, (n - 1) as f64) * sd / (n as f64).sqrt();
    Summary {
        mean,
        sd,
        ci95_low: mean - half,
        ci95_high: mean + half,
        n,
    }
}

/// The outcome of a criterion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The whole 95% CI satisfies the criterion.
    Pass,
    /// The whole 95% CI violates it.
    Fail,
    /// The CI straddles the threshold, or there is no CI (fewer than two seeds, or the
    /// metric or run is missing).
    Inconclusive,
}

/// The verdict rule: `pass` when both CI ends satisfy `value <op> threshold`, `fail` when
/// neither does, else `inconclusive`.
pub fn verdict(s: &Summary, op: Comparison, threshold: f64) -> Outcome {
    if s.n < 2 {
        return Outcome::Inconclusive;
    }
    verdict_interval(s, op, threshold)
}

/// [`verdict`] for an interval that does not come from seeds (a bootstrap over queries): the
/// same rule, whatever `s.n`.
pub fn verdict_interval(s: &Summary, op: Comparison, threshold: f64) -> Outcome {
    if !s.ci95_low.is_finite() || !s.ci95_high.is_finite() {
        return Outcome::Inconclusive;
    }
    match (
        op.holds(s.ci95_low, threshold),
        op.holds(s.ci95_high, threshold),
    ) {
        (true, true) => Outcome::Pass,
        (false, false) => Outcome::Fail,
        _ => Outcome::Inconclusive,
    }
}

/// Quantile `p` of Student's t distribution with `df` degrees of freedom (`0.5 < p < 1`),
/// by bisection on the CDF (absolute error below 1e-10).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    let valid = p > 0.5 && p < 1.0 && df > 0.0;
    if !valid {
        return f64::NAN;
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while t_cdf(hi, df) < p {
        hi *= 2.0;
        if hi > 1e12 {
            return f64::INFINITY;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// CDF of Student's t: `1 − ½ I_{ν/(ν+t²)}(ν/2, ½)` for `t ≥ 0` (symmetric below).
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    let tail = 0.5 * reg_inc_beta(0.5 * df, 0.5, x);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised incomplete beta `I_x(a, b)` (continued fraction, modified Lentz).
fn reg_inc_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - reg_inc_beta(b, a, 1.0 - x);
    }
    let front = ln_front.exp() / a;
    const TINY: f64 = 1e-300;
    let mut f = 1.0;
    let mut c = 1.0;
    let mut d = 0.0;
    for i in 0..400 {
        let m = (i / 2) as f64;
        let num = if i == 0 {
            1.0
        } else if i % 2 == 0 {
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m))
        } else {
            -((a + m) * (a + b + m) * x) / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))
        };
        d = 1.0 + num * d;
        if d.abs() < TINY {
            d = TINY;
        }
        d = 1.0 / d;
        c = 1.0 + num / c;
        if c.abs() < TINY {
            c = TINY;
        }
        let cd = c * d;
        f *= cd;
        if (1.0 - cd).abs() < 1e-15 {
            break;
        }
    }
    front * (f - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_published_tables() {
        // Two-sided 95% critical values (e.g. NIST/SEMATECH e-Handbook, table 1.4.2.7).
        for (df, want) in [
            (1.0, 12.706_204_736),
            (2.0, 4.302_652_730),
            (3.0, 3.182_446_305),
            (4.0, 2.776_445_105),
            (9.0, 2.262_157_163),
            (29.0, 2.045_229_642),
            (1e9, 1.959_963_985),
        ] {
            let got = t_quantile(0.975, df);
            assert!((got - want).abs() < 1e-6, "df {df}: {got} vs {want}");
        }
    }

    #[test]
    fn t_quantile_outside_its_domain_and_in_the_far_tail() {
        for (p, df) in [
            (0.5, 3.0),
            (1.0, 3.0),
            (0.3, 3.0),
            (0.975, 0.0),
            (0.975, -1.0),
        ] {
            assert!(t_quantile(p, df).is_nan(), "p {p}, df {df}");
        }
        // df = 0.01: the 97.5% point is past 1e12, reported as infinite.
        assert_eq!(t_quantile(0.975, 0.01), f64::INFINITY);
        // One-sided points (NIST table 1.4.2.7): t(0.90, 5) and t(0.995, 10).
        assert!((t_quantile(0.90, 5.0) - 1.475_884_049).abs() < 1e-6);
        assert!((t_quantile(0.995, 10.0) - 3.169_272_673).abs() < 1e-6);
    }

    #[test]
    fn t_cdf_is_symmetric_and_matches_closed_forms() {
        // df = 1 is Cauchy: F(t) = 1/2 + atan(t)/pi; df = 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
        for t in [-7.5, -2.0, -0.3, 0.0, 0.4, 1.0, 3.0, 25.0] {
            let cauchy = 0.5 + f64::atan(t) / std::f64::consts::PI;
            assert!((t_cdf(t, 1.0) - cauchy).abs() < 1e-12, "t {t}");
            let two = 0.5 + t / (2.0 * (2.0 + t * t).sqrt());
            assert!((t_cdf(t, 2.0) - two).abs() < 1e-12, "t {t}");
            assert!(
                (t_cdf(t, 7.0) + t_cdf(-t, 7.0) - 1.0).abs() < 1e-12,
                "t {t}"
            );
        }
    }

    #[test]
    fn ln_gamma_at_known_points() {
        let pi = std::f64::consts::PI;
        for (x, want) in [
            (1.0, 0.0),
            (2.0, 0.0),
            (5.0, 24f64.ln()),
            (0.5, pi.sqrt().ln()),
            // Below 0.5 the reflection formula: Γ(1/4) = 3.625609908221908…, Γ(0.1) = 9.513507698668732….
            (0.25, 3.625_609_908_221_908_f64.ln()),
            (0.1, 9.513_507_698_668_732_f64.ln()),
            (10.5, 1_133_278.388_948_785_f64.ln()),
        ] {
            let got = ln_gamma(x);
            assert!((got - want).abs() < 1e-12, "x {x}: {got} vs {want}");
        }
    }

    #[test]
    fn incomplete_beta_matches_closed_forms() {
        // I_x(1, b) = 1 - (1-x)^b, I_x(a, 1) = x^a, I_x(2, 2) = 3x^2 - 2x^3.
        for x in [0.01, 0.2, 0.5, 0.7, 0.99] {
            let close =
                |got: f64, want: f64| assert!((got - want).abs() < 1e-12, "x {x}: {got} vs {want}");
            close(reg_inc_beta(1.0, 3.0, x), 1.0 - (1.0 - x).powi(3));
            close(reg_inc_beta(2.5, 1.0, x), x.powf(2.5));
            close(reg_inc_beta(2.0, 2.0, x), 3.0 * x * x - 2.0 * x * x * x);
        }
        assert_eq!(reg_inc_beta(2.0, 3.0, 0.0), 0.0);
        assert_eq!(reg_inc_beta(2.0, 3.0, -0.5), 0.0);
        assert_eq!(reg_inc_beta(2.0, 3.0, 1.0), 1.0);
        assert_eq!(reg_inc_beta(2.0, 3.0, 1.5), 1.0);
    }

    #[test]
    fn t_quantile_is_pinned_to_the_bit() {
        // The default evaluation's confidence intervals are pinned (host/tests/golden): the
        // bisection's stopping rule decides their last bits, so the quantiles are pinned here
        // too (bisecting to f64 resolution instead moves every one of these).
        for (df, bits) in [
            (1.0, 4_623_342_575_419_149_568u64),
            (2.0, 4_616_530_374_734_988_800),
            (4.0, 4_613_434_417_370_608_640),
            (9.0, 4_612_276_343_877_733_376),
            (29.0, 4_611_787_866_527_116_288),
        ] {
            assert_eq!(t_quantile(0.975, df).to_bits(), bits, "df {df}");
        }
    }

    #[test]
    fn summary_of_a_hand_computed_sample() {
        // xs = 1, 2, 3: mean 2, sd 1, half-width 4.302652730 / sqrt(3).
        let s = summarize(&[1.0, 2.0, 3.0]);
        assert_eq!(s.mean, 2.0);
        assert!((s.sd - 1.0).abs() < 1e-15);
        let half = 4.302_652_730 / 3f64.sqrt();
        assert!((s.ci95_low - (2.0 - half)).abs() < 1e-6);
        assert!((s.ci95_high - (2.0 + half)).abs() < 1e-6);
        assert_eq!(s.n, 3);
        // Two passes (deviations from the mean), so a large offset costs no precision.
        let far = summarize(&[1e8 + 1.0, 1e8 + 2.0, 1e8 + 3.0]);
        assert_eq!((far.mean, far.sd), (1e8 + 2.0, 1.0));
        // numpy.std([0.91, 0.93, 0.97], ddof=1), the same two-pass sum to the last bit (the
        // algebraically equal Σ (x + m)(x − m) is 1e-15 off).
        assert_eq!(summarize(&[0.91, 0.93, 0.97]).sd, 0.030_550_504_633_038_9);
        let one = summarize(&[0.5, f64::NAN]);
        assert_eq!((one.mean, one.n), (0.5, 1));
        assert!(one.sd.is_nan());
    }

    #[test]
    fn clipping_keeps_the_interval_inside_the_range() {
        let s = summarize(&[0.999, 1.0, 0.998]);
        assert!(s.ci95_high > 1.0, "{s:?}");
        let c = s.clipped(0.0, 1.0);
        assert_eq!(c.ci95_high, 1.0);
        assert_eq!(
            (c.mean, c.sd, c.n, c.ci95_low),
            (s.mean, s.sd, s.n, s.ci95_low)
        );
        let one = summarize(&[0.5]).clipped(0.0, 1.0);
        assert!(one.ci95_low.is_nan() && one.ci95_high.is_nan());
        let low = summarize(&[-0.99, -1.0, -0.97]).clipped(-1.0, 1.0);
        assert_eq!(low.ci95_low, -1.0);
    }

    #[test]
    fn verdicts_follow_the_interval() {
        let s = summarize(&[0.90, 0.91, 0.92]);
        assert_eq!(verdict(&s, Comparison::Ge, 0.8), Outcome::Pass);
        assert_eq!(verdict(&s, Comparison::Ge, 0.95), Outcome::Fail);
        assert_eq!(verdict(&s, Comparison::Ge, 0.91), Outcome::Inconclusive);
        assert_eq!(verdict(&s, Comparison::Le, 0.95), Outcome::Pass);
        assert_eq!(verdict(&s, Comparison::Lt, 0.8), Outcome::Fail);
        let same = summarize(&[0.5, 0.5]);
        assert_eq!(verdict(&same, Comparison::Ge, 0.5), Outcome::Pass);
        assert_eq!(verdict(&same, Comparison::Gt, 0.5), Outcome::Fail);
        assert_eq!(
            verdict(&summarize(&[0.99]), Comparison::Ge, 0.5),
            Outcome::Inconclusive
        );
        // An interval with an infinite or missing end decides nothing, even where the other
        // end and the infinity agree.
        for (lo, hi) in [
            (0.9, f64::INFINITY),
            (f64::NEG_INFINITY, 0.9),
            (f64::NAN, 0.9),
        ] {
            let s = Summary {
                ci95_low: lo,
                ci95_high: hi,
                ..same
            };
            assert_eq!(
                verdict_interval(&s, Comparison::Ge, 0.5),
                Outcome::Inconclusive
            );
            assert_eq!(
                verdict_interval(&s, Comparison::Le, 1.0),
                Outcome::Inconclusive
            );
        }
        let one = Summary { n: 1, ..s };
        assert_eq!(verdict(&one, Comparison::Ge, 0.8), Outcome::Inconclusive);
        assert_eq!(verdict_interval(&one, Comparison::Ge, 0.8), Outcome::Pass);
    }
}
