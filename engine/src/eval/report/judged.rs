//! The report's judged-retrieval section: the judged set, the float baseline, per projection
//! a table of nDCG@10 by width for the headline modes (mean ± CI over seeds, the share of
//! float retained, the paired bootstrap interval of the difference with float), and the
//! judged plots ([`crate::eval::report::plots::JUDGED_PLOTS`]). Nothing without a judged set.

use std::fmt::Write as _;

use crate::config::JUDGED_METRICS;
use crate::eval::Evaluation;
use crate::eval::judged::runs::{JudgedFloat, JudgedSummary};
use crate::eval::report::html::{embed_plot, esc};
use crate::eval::report::plots::{JUDGED_PLOTS, Plot};
use crate::eval::report::{fmt_mean_ci, headline_factor};

/// The metric of the section's tables and plots.
pub const METRIC: &str = "ndcg@10";

/// The judged summary of (projection, bits, mode, metric).
pub fn row<'a>(
    e: &'a Evaluation,
    projection: &str,
    bits: usize,
    mode: &str,
    metric: &str,
) -> Option<&'a JudgedSummary> {
    e.judged_summary.iter().find(|r| {
        r.projection == projection && r.bits == bits && r.mode == mode && r.metric == metric
    })
}

/// The float value of [`METRIC`].
pub fn float_value(f: &JudgedFloat) -> f64 {
    JUDGED_METRICS
        .iter()
        .position(|m| *m == METRIC)
        .map_or(f64::NAN, |i| f.mean.values()[i])
}

/// The modes shown: `hamming`, `rerank/x<f>` and `asym_rerank/x<f>` at the headline factor.
pub fn shown_modes(e: &Evaluation) -> [String; 3] {
    let f = headline_factor(&e.config.metrics);
    [
        "hamming".into(),
        format!("rerank/x{f}"),
        format!("asym_rerank/x{f}"),
    ]
}

/// The section "Retrieval quality against judgments", with the judged plots of `plots`
/// (nothing at all without a judged set).
pub fn section(h: &mut String, e: &Evaluation, plots: &[Plot]) {
    let Some(f) = &e.judged_float else {
        return;
    };
    let _ = writeln!(h, "<h2>Retrieval quality against judgments</h2>");
    intro(h, e, f);
    let mut widths = e.config.bits.clone();
    widths.sort_unstable();
    widths.dedup();
    for p in &e.config.projections {
        table(h, e, p.label(), &widths);
    }
    for p in plots
        .iter()
        .filter(|p| JUDGED_PLOTS.contains(&p.name.as_str()))
    {
        embed_plot(h, p);
    }
}

/// What the judged set is, how the lists and intervals are made, and the float baseline.
fn intro(h: &mut String, e: &Evaluation, f: &JudgedFloat) {
    let task = e.dataset.judged.as_ref();
    let [_, rerank, asym] = shown_modes(e);
    let window = (e.config.metrics.k * headline_factor(&e.config.metrics)).min(f.depth);
    let float: Vec<String> = JUDGED_METRICS
        .iter()
        .zip(f.mean.values())
        .map(|(m, v)| format!("<code>{}</code> <b>{v:.4}</b>", esc(m)))
        .collect();
    let _ = writeln!(
        h,
        "<p>Judged set <b>{}</b>: {} queries ({}) with {} relevance judgments over the base rows{}. \
         Every mode ranks {} base rows per query (list depth {}): <code>hamming</code> the Hamming top list; <code>{}</code> its first {window} rows re-scored by exact float inner product, \
         the rest in Hamming order; <code>{}</code> the same re-scored by the float query projection against the documents' ±1 bits. \
         Binary values are mean ± 95% CI over {} seed(s), with the share of the float value retained in parentheses; \
         Δ is the paired bootstrap 95% CI of (binary − float) over the judged queries, per-query values pooled over seeds ({} resamples, seed {}).</p>",
        esc(task.map_or("-", |t| t.source.as_str())),
        task.map_or(f.per_query.len(), |t| t.qrels.queries()),
        if task.is_none_or(|t| t.same_queries()) {
            "the data set's queries"
        } else {
            "a query set of their own"
        },
        task.map_or(0, |t| t.qrels.len()),
        match task.map_or(0, |t| t.qrels.queries_without_relevant()) {
            0 => String::new(),
            n => format!(" ({n} of them without a relevant document, scoring 0 on every metric)"),
        },
        f.depth,
        f.depth,
        esc(&rerank),
        esc(&asym),
        e.config.seeds.len(),
        f.resamples.count(),
        f.resamples.seed(),
    );
    let _ = writeln!(
        h,
        "<p>Float baseline (exact float search): {}.</p>",
        float.join(", ")
    );
}

/// The table of one projection: a row per width, per shown mode the mean ± CI (retained %)
/// and the paired interval of the difference with float.
fn table(h: &mut String, e: &Evaluation, projection: &str, widths: &[usize]) {
    let modes = shown_modes(e);
    let _ = writeln!(h, "<h3>{}: {}</h3>", esc(projection), esc(METRIC));
    let _ = write!(h, "<table><tr><th>bits</th>");
    for m in &modes {
        let _ = write!(h, "<th>{}</th><th>Δ {} − float</th>", esc(m), esc(m));
    }
    let _ = writeln!(h, "</tr>");
    for &b in widths {
        let _ = write!(h, "<tr><td>{b}</td>");
        for m in &modes {
            let r = row(e, projection, b, m, METRIC);
            let _ = write!(
                h,
                "<td>{}</td><td>{}</td>",
                esc(&r.map_or("-".into(), value_cell)),
                esc(&r.map_or("-".into(), diff_cell))
            );
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table>");
}

/// The judged table of the terminal summary: nDCG@10 of the shown modes per projection and
/// width, `mean±ci (retained%)`, under the float value (empty without a judged set).
pub fn terminal_table(e: &Evaluation) -> String {
    let (Some(f), Some(task)) = (&e.judged_float, &e.dataset.judged) else {
        return String::new();
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "judged retrieval ({}: {} queries, {} judgments): {METRIC}, mean ± 95% CI over seeds (share of float); float {METRIC} {:.4}",
        task.source,
        task.qrels.queries(),
        task.qrels.len(),
        float_value(f)
    );
    let modes = shown_modes(e);
    let _ = write!(s, "{:<12} {:>5}", "projection", "bits");
    for m in &modes {
        let _ = write!(s, " {m:>24}");
    }
    s.push('\n');
    let mut widths = e.config.bits.clone();
    widths.sort_unstable();
    for p in &e.config.projections {
        for &b in &widths {
            let cells: Vec<String> = modes
                .iter()
                .map(|m| row(e, p.label(), b, m, METRIC).map_or("-".into(), value_cell))
                .collect();
            if cells.iter().all(|c| c == "-") {
                continue;
            }
            let _ = write!(s, "{:<12} {:>5}", p.label(), b);
            for c in cells {
                let _ = write!(s, " {c:>24}");
            }
            s.push('\n');
        }
    }
    s
}

/// `mean±ci (retained%)`.
fn value_cell(r: &JudgedSummary) -> String {
    let kept = r.retained.mean;
    if kept.is_finite() {
        format!("{} ({:.1}%)", fmt_mean_ci(&r.judged), kept * 100.0)
    } else {
        fmt_mean_ci(&r.judged)
    }
}

/// `[low, high]` of the paired difference with float.
fn diff_cell(r: &JudgedSummary) -> String {
    match r.paired.diff_ci95 {
        [lo, hi] if lo.is_finite() && hi.is_finite() => format!("[{lo:+.3}, {hi:+.3}]"),
        _ => "-".into(),
    }
}

/// Evaluations for the report's tests: a small `angles` synthetic set (query `q`'s planted
/// base row judged relevant to it), two projections × two widths × two seeds.
#[cfg(test)]
pub(crate) mod fixture {
    use std::path::Path;

    use crate::config::{self, Overrides};
    use crate::dataset::judged::JudgedTask;
    use crate::eval::Evaluation;
    use crate::progress::Lines;
    use crate::qrels::{self, IdMap, Side};

    const CONFIG: &str = r#"
name = "judged-report-test"
bits = [64, 256]
seeds = [0, 1]
threads = 1
[dataset]
id = "synthetic-angles"
[dataset.synthetic]
n_base = 300
n_queries = 40
dims = 32
[[projection]]
kind = "gaussian"
[[projection]]
kind = "rademacher"
[metrics]
recall_k = [10]
k = 10
candidates = 100
rerank_oversample = [2, 5]
pair_sample = 400
"#;

    /// The evaluation, with the judged set when `judged`.
    pub fn evaluation(judged: bool) -> Evaluation {
        let loaded = config::parse(CONFIG, None).unwrap();
        let valid = config::validate(&loaded, &Overrides::default()).unwrap();
        let c = valid.config();
        let spec = c.dataset.synthetic.clone().unwrap();
        let mut ds =
            crate::dataset::synthetic("synthetic-angles", "angles", &spec, c.dataset.normalization)
                .unwrap();
        if judged {
            let (nq, nb) = (ds.queries.rows, ds.base.rows);
            let (query_ids, doc_ids) = (
                IdMap::numeric(Side::Query, nq),
                IdMap::numeric(Side::Document, nb),
            );
            let text: String = (0..nq).map(|q| format!("{q} 0 {q} 1\n")).collect();
            let qrels = qrels::parse(Path::new("test.qrels"), &text, &query_ids, &doc_ids).unwrap();
            ds.judged = Some(JudgedTask {
                source: "test <planted>".into(),
                own_queries: None,
                qrels,
                query_ids,
                doc_ids,
                files: Vec::new(),
            });
        }
        crate::eval::evaluate(&valid, ds, &Lines::silent()).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(e: &Evaluation) -> (String, Vec<Plot>) {
        let plots = crate::eval::report::plots::render_all(e).unwrap();
        let mut h = String::new();
        section(&mut h, e, &plots);
        (h, plots)
    }

    #[test]
    fn the_terminal_table_has_a_row_per_projection_and_width_and_nothing_without_judgments() {
        let e = fixture::evaluation(true);
        let t = terminal_table(&e);
        let f = e.judged_float.as_ref().unwrap();
        let lines: Vec<&str> = t.lines().collect();
        assert!(
            lines[0].starts_with("judged retrieval (test <planted>: 40 queries, 40 judgments)"),
            "{t}"
        );
        assert!(
            lines[0].ends_with(&format!("float ndcg@10 {:.4}", f.mean.ndcg_10)),
            "{t}"
        );
        assert!(
            lines[1].contains("hamming") && lines[1].contains("asym_rerank/x5"),
            "{t}"
        );
        // 2 projections × 2 widths.
        assert_eq!(lines.len(), 2 + 4, "{t}");
        let r = row(&e, "gaussian", e.config.bits[0], "hamming", METRIC).unwrap();
        assert!(t.contains(&value_cell(r)), "{t}");
        assert_eq!(terminal_table(&fixture::evaluation(false)), "");
    }

    #[test]
    fn section_names_the_set_the_float_baseline_and_a_row_per_width() {
        let e = fixture::evaluation(true);
        let (h, plots) = rendered(&e);
        let f = e.judged_float.as_ref().unwrap();
        assert!(
            h.contains("<h2>Retrieval quality against judgments</h2>"),
            "{h}"
        );
        // The source, escaped; 40 queries, 40 judgments, the bootstrap.
        assert!(h.contains("<b>test &lt;planted&gt;</b>: 40 queries"), "{h}");
        assert!(h.contains("with 40 relevance judgments"), "{h}");
        assert!(h.contains("(1000 resamples, seed 0)"), "{h}");
        assert!(h.contains(&format!("<b>{:.4}</b>", f.mean.ndcg_10)), "{h}");
        assert!(h.contains(&format!("<b>{:.4}</b>", f.mean.p_10)), "{h}");
        // A table per projection with the headline modes (x5), a row per width.
        assert_eq!(h.matches("<table>").count(), 2, "{h}");
        assert!(
            h.contains("<h3>gaussian: ndcg@10</h3>") && h.contains("<h3>rademacher: ndcg@10</h3>")
        );
        assert_eq!(h.matches("<th>rerank/x5</th>").count(), 2, "{h}");
        assert_eq!(h.matches("<th>asym_rerank/x5</th>").count(), 2, "{h}");
        assert_eq!(h.matches("<tr><td>64</td>").count(), 2, "{h}");
        assert_eq!(h.matches("<tr><td>256</td>").count(), 2, "{h}");
        // The cells are the summary's: mean ± CI (retained %), and the paired interval.
        let r = row(&e, "rademacher", 256, "rerank/x5", METRIC).unwrap();
        let cell = format!(
            "<td>{} ({:.1}%)</td><td>[{:+.3}, {:+.3}]</td>",
            fmt_mean_ci(&r.judged),
            r.retained.mean * 100.0,
            r.paired.diff_ci95[0],
            r.paired.diff_ci95[1]
        );
        assert!(h.contains(&cell), "{cell} in {h}");
        // Both judged plots, inline, in this section.
        for name in JUDGED_PLOTS {
            let p = plots.iter().find(|p| p.name == name).unwrap();
            assert!(
                h.contains(&format!("<h3>{}</h3><svg", esc(&p.title))),
                "{name}"
            );
        }
    }

    #[test]
    fn no_judged_set_no_section() {
        let e = fixture::evaluation(false);
        assert!(e.judged_float.is_none());
        assert_eq!(rendered(&e).0, "");
    }
}
