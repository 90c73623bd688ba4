//! The question after the verdict: which code width and projection to choose.
//!
//! Rule (also in `configs/README.md`, "Recommendation"): every distinct `(metric, comparison,
//! threshold)` of the H1 criteria is judged, with the verdict rule of [`stats::verdict`], at
//! every width of the run and for every projection (the criteria's own `bits` and `projection`
//! are ignored here). The recommended width is the smallest at which some projection passes all
//! of them. There, the passing projections are ranked by the mean of the first criterion's
//! metric (higher first for `>=`/`>`, lower first for `<=`/`<`); every passing projection whose
//! 95% CI of that metric overlaps the best one's is tied with it ("any of …"), otherwise the best
//! is significantly best. When no width passes, the best seen is the (projection, width) passing
//! the most of them (then by that metric's mean, then the smaller width).

use serde::Serialize;

use crate::config::{Comparison, Config};
use crate::eval::stats::{self, Outcome, Summary};
use crate::eval::{Cost, SummaryRow};

/// The recommendation of an evaluation (`results.json` → `recommendation`).
#[derive(Clone, Debug, Serialize)]
pub struct Recommendation {
    /// The smallest width at which some projection passes every criterion (`None`: none does).
    pub bits: Option<usize>,
    /// Bytes per binary code at that width (`ceil(bits / 8)`).
    pub bytes_per_vector: Option<usize>,
    /// Bytes per float32 vector (`dims · 4`) over `bytes_per_vector`.
    pub compression: Option<f64>,
    /// The metric ranking the projections (the first criterion's).
    pub metric: Option<String>,
    /// The projections passing every criterion at `bits`, best first.
    pub passing: Vec<String>,
    /// The projections to choose from: the best and every passing one tied with it.
    pub choose: Vec<String>,
    /// Whether `choose` holds more than one projection (their 95% CIs overlap).
    pub tied: bool,
    /// When no width passes: the best (projection, width) seen.
    pub best_seen: Option<BestSeen>,
    /// The recommendation in words (printed after the verdicts and shown in `report.html`).
    pub text: String,
}

/// The closest a (projection, width) came when none passes.
#[derive(Clone, Debug, Serialize)]
pub struct BestSeen {
    /// Projection label.
    pub projection: String,
    /// Code width.
    pub bits: usize,
    /// Criteria it passes.
    pub passed: usize,
    /// Criteria judged.
    pub of: usize,
}

/// One distinct criterion rule.
struct Rule<'a> {
    metric: &'a str,
    comparison: Comparison,
    threshold: f64,
}

fn rules(config: &Config) -> Vec<Rule<'_>> {
    let mut out: Vec<Rule<'_>> = Vec::new();
    for c in &config.h1.criteria {
        let dup = out.iter().any(|r| {
            r.metric == c.metric && r.comparison == c.comparison && r.threshold == c.threshold
        });
        if !dup {
            out.push(Rule {
                metric: &c.metric,
                comparison: c.comparison,
                threshold: c.threshold,
            });
        }
    }
    out
}

fn stats_of<'a>(
    summary: &'a [SummaryRow],
    p: &str,
    bits: usize,
    metric: &str,
) -> Option<&'a Summary> {
    summary
        .iter()
        .find(|s| s.projection == p && s.bits == bits && s.metric == metric)
        .map(|s| &s.stats)
}

fn overlap(a: &Summary, b: &Summary) -> bool {
    a.ci95_low <= b.ci95_high && b.ci95_low <= a.ci95_high
}

fn fmt_ratio(x: f64) -> String {
    if (x - x.round()).abs() < 0.05 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn list(names: &[String]) -> String {
    names.join(", ")
}

fn criteria_pass(n: usize) -> String {
    match n {
        1 => "the criterion passes".into(),
        2 => "both criteria pass".into(),
        n => format!("all {n} criteria pass"),
    }
}

/// The recommendation of a run with `widths` (ascending) and its summary and cost model.
pub fn recommend(
    config: &Config,
    widths: &[usize],
    summary: &[SummaryRow],
    cost: &[Cost],
) -> Recommendation {
    let rules = rules(config);
    let mut r = Recommendation {
        bits: None,
        bytes_per_vector: None,
        compression: None,
        metric: rules.first().map(|x| x.metric.to_string()),
        passing: Vec::new(),
        choose: Vec::new(),
        tied: false,
        best_seen: None,
        text: String::new(),
    };
    let Some(first) = rules.first() else {
        r.text = "none: the config has no H1 criteria to judge the widths by".into();
        return r;
    };
    let higher_better = matches!(first.comparison, Comparison::Ge | Comparison::Gt);
    let key = |p: &str, b: usize| {
        stats_of(summary, p, b, first.metric)
            .map_or(f64::NAN, |s| if higher_better { s.mean } else { -s.mean })
    };
    let passes = |p: &str, b: usize| {
        rules
            .iter()
            .filter(|x| {
                stats_of(summary, p, b, x.metric)
                    .is_some_and(|s| stats::verdict(s, x.comparison, x.threshold) == Outcome::Pass)
            })
            .count()
    };
    let labels: Vec<&str> = config.projections.iter().map(|p| p.label()).collect();
    let mut all = Vec::new();
    for &b in widths {
        for &p in &labels {
            if stats_of(summary, p, b, first.metric).is_some() {
                all.push((p, b, passes(p, b)));
            }
        }
    }
    let found = widths
        .iter()
        .copied()
        .find(|&b| all.iter().any(|&(_, wb, n)| wb == b && n == rules.len()));
    let judged = Judged {
        all,
        n_rules: rules.len(),
        key: &key,
        summary,
    };
    match found {
        Some(b) => chosen(&mut r, &judged, &labels, b, cost),
        None => none_passes(&mut r, &judged, widths),
    }
    r
}

/// Every (projection, width) judged, and how to rank them.
struct Judged<'a, 'k> {
    /// (projection, width, criteria passed) of every pair with a summary.
    all: Vec<(&'a str, usize, usize)>,
    /// Distinct criteria judged.
    n_rules: usize,
    /// The ranking key (higher is better) of a (projection, width).
    key: &'k dyn Fn(&str, usize) -> f64,
    /// The run's summary.
    summary: &'a [SummaryRow],
}

/// Fills `r` for width `b`, where some projection passes every criterion; `order` is the
/// config order of the projections.
fn chosen(r: &mut Recommendation, j: &Judged<'_, '_>, order: &[&str], b: usize, cost: &[Cost]) {
    let Judged {
        all,
        n_rules,
        key,
        summary,
    } = j;
    let (n_rules, summary) = (*n_rules, *summary);
    let metric = r.metric.clone().unwrap_or_default();
    let mut passing: Vec<&str> = all
        .iter()
        .filter(|&&(_, wb, n)| wb == b && n == n_rules)
        .map(|x| x.0)
        .collect();
    // Stable: equal means keep the config order.
    passing.sort_by(|x, y| key(y, b).total_cmp(&key(x, b)));
    let best = passing[0];
    let best_s = stats_of(summary, best, b, &metric);
    let (tied, worse): (Vec<&str>, Vec<&str>) =
        passing[1..]
            .iter()
            .partition(|p| match (best_s, stats_of(summary, p, b, &metric)) {
                (Some(a), Some(o)) => overlap(a, o),
                _ => true,
            });
    r.bits = Some(b);
    let c = cost.iter().find(|c| c.bits == b);
    r.bytes_per_vector = c.map(|c| c.bytes_binary);
    r.compression = c.map(|c| c.compression);
    r.passing = passing.iter().map(|s| s.to_string()).collect();
    // Tied projections are listed in config order (their order means nothing).
    r.choose = order
        .iter()
        .filter(|p| **p == best || tied.contains(p))
        .map(|p| p.to_string())
        .collect();
    r.tied = r.choose.len() > 1;
    let size = c.map_or(String::new(), |c| {
        format!(
            " ({} bytes/vector, {}× smaller than the {}-byte float32 vectors)",
            c.bytes_binary,
            fmt_ratio(c.compression),
            c.bytes_float
        )
    });
    let worse: Vec<String> = worse.into_iter().map(String::from).collect();
    let choice = if r.tied && worse.is_empty() {
        format!(
            "the projections do not differ significantly there (their 95% CIs of {metric} overlap): tied: any of {}",
            list(&r.choose)
        )
    } else if r.tied {
        format!(
            "tied: any of {} (their 95% CIs of {metric} overlap); {} significantly worse",
            list(&r.choose),
            if worse.len() == 1 {
                format!("{} is", worse[0])
            } else {
                format!("{} are", list(&worse))
            }
        )
    } else if worse.is_empty() {
        format!("only {best} passes there")
    } else {
        format!(
            "{best} is significantly best there (its 95% CI of {metric} does not overlap {} of {})",
            if worse.len() == 1 { "that" } else { "those" },
            list(&worse)
        )
    };
    r.text = format!(
        "{b} bits{size}: the smallest width where {}; {choice}",
        criteria_pass(n_rules)
    );
}

/// Fills `r` when no width passes every criterion: the best (projection, width) seen.
fn none_passes(r: &mut Recommendation, j: &Judged<'_, '_>, widths: &[usize]) {
    let Judged {
        all,
        n_rules,
        key,
        summary,
    } = j;
    let (n_rules, summary) = (*n_rules, *summary);
    let best = all.iter().copied().max_by(|x, y| {
        x.2.cmp(&y.2)
            .then(key(x.0, x.1).total_cmp(&key(y.0, y.1)))
            .then(y.1.cmp(&x.1))
    });
    let tried = widths
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let seeds = summary.iter().map(|s| s.stats.n).max().unwrap_or(0);
    let hint = if seeds < 2 {
        format!(
            " (with {seeds} seed(s) there is no confidence interval, so no criterion can pass: use at least 2 seeds)"
        )
    } else {
        String::new()
    };
    let metric = r.metric.clone().unwrap_or_default();
    let seen = match best {
        Some((p, b, n)) => {
            r.best_seen = Some(BestSeen {
                projection: p.to_string(),
                bits: b,
                passed: n,
                of: n_rules,
            });
            let mean = stats_of(summary, p, b, &metric).map_or(f64::NAN, |s| s.mean);
            format!("; best seen: {p} at {b} bits ({n} of {n_rules} pass, {metric} {mean:.3})")
        }
        None => String::new(),
    };
    r.text = format!(
        "none: there is no width where {} (widths run: {tried}){seen}{hint}",
        criteria_pass(n_rules)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::cost_model;

    fn config(projections: &[&str]) -> Config {
        let mut s =
            String::from("name = \"t\"\nbits = [64, 128]\nseeds = [0, 1]\n[dataset]\nid = \"x\"\n");
        for p in projections {
            s.push_str(&format!(
                "[[projection]]\nkind = \"gaussian\"\nname = \"{p}\"\n"
            ));
        }
        s.push_str(
            "[[h1.criteria]]\nmetric = \"recall@10\"\nbits = 128\nprojection = \"a\"\ncomparison = \">=\"\nthreshold = 0.5\n",
        );
        crate::config::parse(&s, None).unwrap().config
    }

    fn row(p: &str, bits: usize, lo: f64, hi: f64) -> SummaryRow {
        SummaryRow {
            projection: p.into(),
            bits,
            metric: "recall@10".into(),
            stats: Summary {
                mean: (lo + hi) / 2.0,
                sd: 0.01,
                ci95_low: lo,
                ci95_high: hi,
                n: 3,
            },
        }
    }

    fn run(projections: &[&str], summary: &[SummaryRow]) -> Recommendation {
        let c = config(projections);
        let m = crate::config::MetricsSpec::default();
        let cost = [64, 128].map(|b| cost_model(b, 384, 1000, &m, 10));
        recommend(&c, &[64, 128], summary, &cost)
    }

    #[test]
    fn overlapping_intervals_are_a_tie_in_config_order() {
        let r = run(
            &["a", "b", "c"],
            &[
                row("a", 64, 0.40, 0.60),
                row("a", 128, 0.60, 0.70),
                row("b", 128, 0.65, 0.75),
                row("c", 128, 0.62, 0.68),
            ],
        );
        assert_eq!(r.bits, Some(128));
        assert_eq!((r.bytes_per_vector, r.compression), (Some(16), Some(96.0)));
        assert_eq!(r.passing, ["b", "c", "a"]);
        assert_eq!(r.choose, ["a", "b", "c"]);
        assert!(r.tied);
        assert!(r.text.ends_with("tied: any of a, b, c"), "{}", r.text);
        assert!(r.text.starts_with(
            "128 bits (16 bytes/vector, 96× smaller than the 1536-byte float32 vectors): the smallest width where the criterion passes; "
        ));
    }

    #[test]
    fn separated_intervals_name_the_significantly_best() {
        let r = run(
            &["a", "b", "c"],
            &[
                row("a", 64, 0.51, 0.55),
                row("b", 64, 0.70, 0.80),
                row("c", 64, 0.60, 0.72),
            ],
        );
        assert_eq!(r.bits, Some(64));
        assert_eq!(r.choose, ["b", "c"]);
        assert!(
            r.text.ends_with(
                "tied: any of b, c (their 95% CIs of recall@10 overlap); a is significantly worse"
            ),
            "{}",
            r.text
        );
        let r = run(
            &["a", "b"],
            &[row("a", 64, 0.51, 0.55), row("b", 64, 0.70, 0.80)],
        );
        assert!(!r.tied);
        assert!(
            r.text.ends_with(
                "b is significantly best there (its 95% CI of recall@10 does not overlap that of a)"
            ),
            "{}",
            r.text
        );
        let r = run(
            &["a", "b"],
            &[row("a", 64, 0.40, 0.55), row("b", 64, 0.70, 0.80)],
        );
        assert!(r.text.ends_with("only b passes there"), "{}", r.text);
    }

    #[test]
    fn nothing_passing_names_the_best_seen() {
        let r = run(
            &["a", "b"],
            &[
                row("a", 64, 0.1, 0.2),
                row("a", 128, 0.3, 0.6),
                row("b", 128, 0.2, 0.4),
            ],
        );
        assert_eq!(r.bits, None);
        let b = r.best_seen.unwrap();
        assert_eq!(
            (b.projection.as_str(), b.bits, b.passed, b.of),
            ("a", 128, 0, 1)
        );
        assert_eq!(
            r.text,
            "none: there is no width where the criterion passes (widths run: 64, 128); best seen: a at 128 bits (0 of 1 pass, recall@10 0.450)"
        );
    }
}
