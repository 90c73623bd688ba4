//! `report.html`: one self-contained page (inline CSS and SVG, no scripts, no external files).

use std::fmt::Write as _;

use serde_json::Value;

use crate::eval::Evaluation;
use crate::eval::report::plots::{JUDGED_PLOTS, Plot};
use crate::eval::report::{fmt_mean_ci, headline_metrics, metric_legend, shown_metrics};
use crate::eval::stats::Outcome;

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn outcome_cell(o: Outcome) -> String {
    let (class, text) = match o {
        Outcome::Pass => ("pass", "pass"),
        Outcome::Fail => ("fail", "fail"),
        Outcome::Inconclusive => ("inconclusive", "inconclusive"),
    };
    format!("<td class=\"{class}\">{text}</td>")
}

fn opt(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map_or("-".into(), |x| format!("{x:.4}"))
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}th,td{border:1px solid #ccc;padding:.25em .55em;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}td.pass{background:#d7f5dc;font-weight:bold}td.fail{background:#f9d6d5;font-weight:bold}
td.inconclusive{background:#fff2c6;font-weight:bold}.meta{color:#555;font-size:.92em}.plot{margin:1em 0}.plot svg{max-width:100%;height:auto}
code{background:#f5f5f5;padding:0 .2em}.big{font-size:1.25em}dl.legend{font-size:.92em}dl.legend dt{float:left;clear:left;width:12em}dl.legend dd{margin-left:12.5em}";

/// The report page: one section after another.
pub fn render(e: &Evaluation, results: &Value, plots: &[Plot]) -> String {
    let mut h = String::new();
    let mut widths = e.config.bits.clone();
    widths.sort_unstable();
    header(&mut h, e, results);
    verdicts(&mut h, e);
    legend(&mut h, e);
    summary(&mut h, e, &widths);
    if e.config.projections.len() > 1 {
        best_per_width(&mut h, e, &widths);
    }
    if let Some(f) = e.float.knn_acc_float {
        let _ = writeln!(
            h,
            "<p>Float kNN classification accuracy (k = {}): <b>{f:.4}</b>.</p>",
            e.depths.knn_k
        );
    }
    crate::eval::report::judged::section(&mut h, e, plots);
    plot_section(&mut h, plots);
    cost(&mut h, e);
    warnings(&mut h, e);
    how_to_read(&mut h, results);
    let _ = writeln!(h, "</body></html>");
    h
}

/// The value at `path` of `results.json` as text (`-` when null).
fn field(results: &Value, path: &[&str]) -> String {
    let mut v = results;
    for p in path {
        v = &v[*p];
    }
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

/// The head, title, description and the run's provenance line.
fn header(h: &mut String, e: &Evaluation, results: &Value) {
    let c = &e.config;
    let ds = &e.dataset;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>binaryllm H1 report: {}</title><style>{STYLE}</style></head><body>\n",
        esc(&c.name)
    );
    let _ = writeln!(h, "<h1>binaryllm H1 evaluation: {}</h1>", esc(&c.name));
    if !c.description.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", esc(&c.description));
    }
    let _ = writeln!(
        h,
        "<p class=\"meta\">Data set <b>{}</b> ({}; {} base, {} queries, {} dims, normalisation {}; sha256 <code>{}</code>). \
         Projections: {}. Widths: {:?} bits. Seeds: {:?}. Started {} , finished {}. binaryllm {} (git {}{}), {}, {} thread(s), CPU {} (Hamming kernel {}).</p>",
        esc(&ds.id),
        esc(&ds.encoder),
        ds.base.rows,
        ds.queries.rows,
        ds.base.cols,
        serde_json::to_value(ds.normalization)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        &ds.sha256[..16.min(ds.sha256.len())],
        esc(&c
            .projections
            .iter()
            .map(|p| p.label().to_string())
            .collect::<Vec<_>>()
            .join(", ")),
        c.bits,
        c.seeds,
        esc(&field(results, &["started"])),
        esc(&field(results, &["finished"])),
        esc(&field(results, &["tool", "version"])),
        esc(&field(results, &["git", "commit"])
            .chars()
            .take(12)
            .collect::<String>()),
        if field(results, &["git", "dirty"]) == "true" {
            ", dirty"
        } else {
            ""
        },
        esc(&field(results, &["rustc"])),
        e.threads,
        esc(&field(results, &["cpu", "model"])),
        esc(&field(results, &["cpu", "hamming_kernel"])),
    );
}

/// The H1 verdict table and the recommendation.
fn verdicts(h: &mut String, e: &Evaluation) {
    // Verdicts.
    let _ = writeln!(h, "<h2>H1 verdict</h2>");
    let overall = e.overall();
    let _ = writeln!(
        h,
        "<p class=\"big\">Overall: <b>{overall:?}</b> — H1 says that with long enough codes and proper projections, binary codes keep the float nearest-neighbour structure. \
         A criterion passes when its whole 95% confidence interval over seeds satisfies it, fails when none of it does, and is inconclusive otherwise.</p>"
    );
    if e.verdicts.is_empty() {
        let _ = writeln!(h, "<p>No criteria configured.</p>");
    } else {
        let _ = writeln!(
            h,
            "<table><tr><th class=\"l\">metric</th><th>bits</th><th class=\"l\">projection</th><th>criterion</th><th>mean</th><th>95% CI</th><th>seeds</th><th>outcome</th><th class=\"l\">why</th></tr>"
        );
        for v in &e.verdicts {
            let cr = &v.criterion;
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td><td class=\"l\">{}</td><td>{} {}</td><td>{}</td><td>[{}, {}]</td><td>{}</td>{}<td class=\"l\">{}</td></tr>",
                esc(&cr.metric),
                cr.bits,
                esc(&cr.projection),
                esc(cr.comparison.symbol()),
                cr.threshold,
                opt(v.mean),
                opt(v.ci95_low),
                opt(v.ci95_high),
                v.n,
                outcome_cell(v.outcome),
                esc(&v.reason)
            );
        }
        let _ = writeln!(h, "</table>");
    }
    let _ = writeln!(
        h,
        "<p class=\"big\" id=\"recommendation\">Recommendation: {}</p>",
        esc(&e.recommendation.text)
    );
    let _ = writeln!(
        h,
        "<p class=\"meta\">The recommendation judges every criterion's metric, comparison and threshold at every width and for every projection; \
         projections are tied when their 95% CIs of the first criterion's metric overlap.</p>"
    );
}

/// The metric names, defined where they first appear.
fn legend(h: &mut String, e: &Evaluation) {
    let c = &e.config;
    // The metric names, defined where they first appear.
    let _ = writeln!(h, "<h3>Metrics in these tables</h3><dl class=\"legend\">");
    for key in shown_metrics(e) {
        let _ = writeln!(
            h,
            "<dt><code>{}</code></dt><dd>{}</dd>",
            esc(&key),
            esc(&metric_legend(&key, &c.metrics))
        );
    }
    let _ = writeln!(
        h,
        "</dl><p class=\"meta\">95% confidence intervals are clipped to each metric's range ([0, 1] for shares, [−1, 1] for correlations): a value outside it is impossible. \
         A clipped interval is shown as mean+up/-down.</p>"
    );
}

/// The summary table: mean ± CI of the headline metrics per projection and width.
fn summary(h: &mut String, e: &Evaluation, widths: &[usize]) {
    let c = &e.config;
    // Summary table.
    let heads = headline_metrics(e);
    let _ = writeln!(
        h,
        "<h2>Summary</h2><p>Mean ± 95% CI half-width over {} seed(s). Every metric of every run is in <code>results.json</code>, <code>metrics.csv</code> and <code>summary.csv</code>.</p>",
        c.seeds.len()
    );
    let _ = write!(h, "<table><tr><th class=\"l\">projection</th><th>bits</th>");
    for m in &heads {
        let _ = write!(h, "<th>{}</th>", esc(m));
    }
    let _ = writeln!(h, "</tr>");
    for p in &c.projections {
        for &b in widths {
            let _ = write!(h, "<tr><td class=\"l\">{}</td><td>{b}</td>", esc(p.label()));
            for m in &heads {
                let cell = e
                    .summary_of(p.label(), b, m)
                    .map_or("-".into(), |r| fmt_mean_ci(&r.stats));
                let _ = write!(h, "<td>{}</td>", esc(&cell));
            }
            let _ = writeln!(h, "</tr>");
        }
    }
    let _ = writeln!(h, "</table>");
}

/// The best projection per width (by mean recall@k), the runner-up and whether their 95%
/// CIs overlap (then the data cannot separate them).
fn best_per_width(h: &mut String, e: &Evaluation, widths: &[usize]) {
    let c = &e.config;
    // The best projection per width (by mean recall@k), with the runner-up and whether their
    // 95% CIs overlap (then the data cannot separate them).
    let recall_key = format!("recall@{}", c.metrics.k);
    let _ = writeln!(
        h,
        "<h2>Best projection per width</h2><p>By mean {} over seeds; \"tied\" when the runner-up's 95% CI overlaps the best one's.</p>",
        esc(&recall_key)
    );
    let _ = writeln!(
        h,
        "<table><tr><th>bits</th><th class=\"l\">best</th><th>{0}</th><th class=\"l\">runner-up</th><th>{0}</th><th class=\"l\">separated?</th></tr>",
        esc(&recall_key)
    );
    for &b in widths {
        let mut ranked: Vec<(&str, &crate::eval::stats::Summary)> = c
            .projections
            .iter()
            .filter_map(|p| {
                e.summary_of(p.label(), b, &recall_key)
                    .map(|r| (p.label(), &r.stats))
            })
            .collect();
        ranked.sort_by(|x, y| y.1.mean.total_cmp(&x.1.mean));
        let Some(&(best, bs)) = ranked.first() else {
            continue;
        };
        let (ru, rs, sep) = match ranked.get(1) {
            Some(&(n, r)) => (
                esc(n),
                fmt_mean_ci(r),
                if r.ci95_high < bs.ci95_low {
                    "yes"
                } else {
                    "tied"
                },
            ),
            None => ("-".into(), "-".into(), "-"),
        };
        let _ = writeln!(
            h,
            "<tr><td>{b}</td><td class=\"l\"><b>{}</b></td><td>{}</td><td class=\"l\">{ru}</td><td>{}</td><td class=\"l\">{sep}</td></tr>",
            esc(best),
            esc(&fmt_mean_ci(bs)),
            esc(&rs)
        );
    }
    let _ = writeln!(h, "</table>");
}

/// The plots, inline SVG (the judged plots are in their own section).
fn plot_section(h: &mut String, plots: &[Plot]) {
    // Plots.
    let _ = writeln!(h, "<h2>Plots</h2>");
    for p in plots
        .iter()
        .filter(|p| !JUDGED_PLOTS.contains(&p.name.as_str()))
    {
        embed_plot(h, p);
    }
}

/// One plot, inline SVG under its title.
pub fn embed_plot(h: &mut String, p: &Plot) {
    let svg = p.svg.find("<svg").map_or(p.svg.as_str(), |i| &p.svg[i..]);
    let _ = writeln!(
        h,
        "<div class=\"plot\"><h3>{}</h3>{svg}</div>",
        esc(&p.title)
    );
}

/// The cost model and the throughput measured in this run.
fn cost(h: &mut String, e: &Evaluation) {
    let c = &e.config;
    let ds = &e.dataset;
    // Cost.
    let _ = writeln!(
        h,
        "<h2>Cost model</h2><p>Storage and work per query for exact search over {} base vectors ({} dims); rescoring adds k·m float multiply-adds per query.</p>",
        ds.base.rows, ds.base.cols
    );
    let _ = writeln!(
        h,
        "<table><tr><th>bits</th><th>bytes/vector float</th><th>bytes/vector binary</th><th>compression</th><th>float multiply-adds/query</th><th>64-bit XOR+popcount/query</th></tr>"
    );
    for cst in &e.cost {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}×</td><td>{}</td><td>{}</td></tr>",
            cst.bits,
            cst.bytes_float,
            cst.bytes_binary,
            cst.compression,
            cst.float_madds_per_query,
            cst.binary_word_ops_per_query
        );
    }
    let _ = writeln!(h, "</table>");
    let mut tp = String::new();
    for r in e.runs.iter().filter(|r| Some(&r.seed) == c.seeds.first()) {
        let _ = write!(
            tp,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{:.0}</td><td>{:.0}</td></tr>",
            esc(&r.projection),
            r.bits,
            r.timings.encode_vectors_per_s,
            r.timings.search_queries_per_s
        );
    }
    let _ = writeln!(
        h,
        "<p>Throughput measured in this run (first seed; encode at the widest width, shared by narrower ones):</p><table><tr><th class=\"l\">projection</th><th>bits</th><th>encode vectors/s</th><th>search queries/s</th></tr>{tp}</table>"
    );
}

/// The warnings of the run, if any.
fn warnings(h: &mut String, e: &Evaluation) {
    if !e.warnings.is_empty() {
        let _ = writeln!(h, "<h2>Warnings</h2><ul>");
        for w in &e.warnings {
            let _ = writeln!(h, "<li>{}</li>", esc(w));
        }
        let _ = writeln!(h, "</ul>");
    }
}

/// How to read the metrics, and the config digest.
fn how_to_read(h: &mut String, results: &Value) {
    let _ = writeln!(
        h,
        "<h2>How to read this</h2><ul>\
<li><b>recall@k</b>: share of the float top-k found in the Hamming top-k. <b>k@K</b>: share of the float top-k inside the Hamming top-K.</li>\
<li><b>overlap@k</b>: average overlap of the two top-k lists over depths 1..k (order-sensitive). <b>ndcg@k</b>: DCG of the Hamming top-k with gain max(0, float cosine), over the ideal DCG. <b>mrr</b>: 1/rank of the float top-1 in the Hamming list.</li>\
<li><b>rerank@k/xm</b>: Hamming top-k·m re-ranked by exact float inner product, recall@k. <b>asym_rerank@k/xm</b>: the same candidates re-ranked by the float query projection against the ±1 document bits (no float documents needed).</li>\
<li><b>spearman / pearson / kendall</b>: correlation of float cosine with cos(π·Hamming/bits) on a seeded sample of query–base pairs. <b>theta_pi_mae</b>: mean |mean Hamming/bits − mean θ/π| over angle bins; <b>theta_pi_bins_inside</b>: share of bins whose mean lies in the binomial 95% band.</li>\
<li><b>knn_acc</b>: majority-vote classification accuracy of the queries from their Hamming neighbours (float: from their float neighbours).</li></ul>\
<p class=\"meta\">Full definitions: <code>configs/README.md</code>. Config sha256 <code>{}</code>.</p>",
        esc(&field(results, &["config_sha256"]))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    /// The report of `e` with every plot, and the plots.
    fn page(e: &Evaluation) -> (String, Vec<Plot>) {
        let plots = crate::eval::report::plots::render_all(e).unwrap();
        (render(e, &serde_json::json!({}), &plots), plots)
    }

    #[test]
    fn judged_section_sits_before_the_plots_and_holds_the_judged_plots() {
        let e = crate::eval::report::judged::fixture::evaluation(true);
        let (h, plots) = page(&e);
        let section = h
            .find("<h2>Retrieval quality against judgments</h2>")
            .expect("judged section");
        let plots_at = h.find("<h2>Plots</h2>").unwrap();
        assert!(h.find("<h2>Summary</h2>").unwrap() < section && section < plots_at);
        for p in &plots {
            let at = h
                .find(&format!("<h3>{}</h3><svg", esc(&p.title)))
                .unwrap_or_else(|| panic!("{} not embedded", p.name));
            // Each plot once: the judged ones in their section, the others under "Plots".
            assert_eq!(h.matches(&format!("<h3>{}</h3>", esc(&p.title))).count(), 1);
            let judged = JUDGED_PLOTS.contains(&p.name.as_str());
            assert_eq!(section < at && at < plots_at, judged, "{}", p.name);
        }
    }

    #[test]
    fn no_judged_set_no_judged_section_or_plots() {
        let e = crate::eval::report::judged::fixture::evaluation(false);
        let (h, _) = page(&e);
        assert!(h.contains("<h2>Plots</h2>"));
        assert!(!h.contains("against judgments"));
        // Neither judged plot (their titles start "judged ndcg@10").
        let judged_title = format!("judged {}", crate::eval::report::judged::METRIC);
        assert!(!h.contains(&judged_title), "{h}");
    }
}
