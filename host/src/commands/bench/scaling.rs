//! `binaryllm bench scaling`: kNN time vs database size at one width, JSON + SVG plot.

use std::path::PathBuf;

use anyhow::Context;
use binaryllm_core::CodeLayout;
use plotters::prelude::*;
use serde_json::json;

use super::knn::random_codes;
use super::{Stats, load_avg, machine, time, write_json};
use binaryllm_engine::engine::{CodeSet, Searcher};

/// Arguments of `bench scaling`.
#[derive(Debug, clap::Args)]
pub struct ScalingArgs {
    /// Code width in bits.
    #[arg(long, default_value_t = 256)]
    pub bits: usize,
    /// Database sizes, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "10000,30000,100000,300000,1000000,3000000,10000000"
    )]
    pub n: Vec<usize>,
    /// Query codes.
    #[arg(long, default_value_t = 1000)]
    pub nq: usize,
    /// Neighbours per query.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// Thread counts, comma-separated, one line per count (each 1 ..= 4 × the cores, at most
    /// 1024; 0 = all cores).
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    pub threads: Vec<usize>,
    /// Timed runs per point.
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Seed of the random codes.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Results file (JSON), or a directory for `knn_scaling.json`. Default: a new run
    /// directory `runs/<UTC timestamp>-bench-knn_scaling/`; `--out
    /// bench/results/knn_scaling.json` updates the tracked results.
    #[arg(long, value_name = "FILE|DIR")]
    pub out: Option<PathBuf>,
    /// Plot file (SVG; default: beside the results file, `.svg` for `.json`).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

/// Runs `bench scaling`.
pub fn run(a: &ScalingArgs) -> anyhow::Result<()> {
    let out = super::results_path(a.out.as_deref(), "knn_scaling");
    let svg = a.svg.clone().unwrap_or_else(|| out.with_extension("svg"));
    let target = binaryllm_engine::outfile::Target::json(&out, a.force)?;
    let svg_target = binaryllm_engine::outfile::Target::file(&svg, a.force)?;
    let layout = CodeLayout::new(a.bits)?;
    let max_n = a.n.iter().copied().max().context("no sizes")?;
    let db_words = random_codes(layout, max_n, a.seed);
    let q_words = random_codes(layout, a.nq, a.seed + 1);
    let all = CodeSet::new(layout, &db_words)?;
    let q = CodeSet::new(layout, &q_words)?;
    let s = Searcher::new();
    let load_before = load_avg();
    let mut rows = Vec::new();
    let mut lines: Vec<(usize, Vec<(f64, f64)>)> = Vec::new();
    println!("kernel {}, {} bits, nq {}", s.kernel().name(), a.bits, a.nq);
    println!(
        "{:>10} {:>3} {:>10} {:>10} {:>10} {:>12}",
        "n", "thr", "min s", "median s", "max s", "ns/(q·code)"
    );
    for &threads in &a.threads {
        let mut pts = Vec::new();
        for &n in &a.n {
            let db = all.slice(0..n).context("size above the generated set")?;
            let (_, secs) = time(a.repeat, || Ok(s.knn(db, q, a.k, threads)?))?;
            let st = Stats::of(&secs);
            let per = st.median / (n as f64 * a.nq as f64) * 1e9;
            println!(
                "{n:>10} {threads:>3} {:>10.4} {:>10.4} {:>10.4} {per:>12.4}",
                st.min, st.median, st.max
            );
            rows.push(
                json!({"n": n, "threads": threads, "seconds": secs, "min": st.min,
                "median": st.median, "max": st.max, "ns_per_comparison": per}),
            );
            pts.push((n as f64, st.median));
        }
        lines.push((threads, pts));
    }
    let svg = plot(a.bits, a.nq, s.kernel().name(), &lines)?;
    let what = format!("log-log plot of {} sizes", a.n.len());
    println!(
        "{}",
        svg_target.write(svg.as_bytes(), None, what, "SVG 800 × 560")?
    );
    let doc = json!({
        "benchmark": "knn_scaling", "command": super::command_line(), "machine": machine(),
        "kernel": s.kernel().name(), "bits": a.bits, "nq": a.nq, "k": a.k,
        "load_before": load_before, "load_after": load_avg(), "results": rows,
    });
    write_json(target, &doc)
}

/// Log-log plot of median time vs N, one line per thread count, with the linear fit through
/// the largest point of the first line as a dashed guide.
fn plot(
    bits: usize,
    nq: usize,
    kernel: &str,
    lines: &[(usize, Vec<(f64, f64)>)],
) -> anyhow::Result<String> {
    let pts = lines.iter().flat_map(|(_, p)| p.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, 0f64, f64::MAX, 0f64);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    let mut svg = String::new();
    binaryllm_engine::report::plots::register_font();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("exact Hamming kNN, {bits} bits, {nq} queries, k = 10 ({kernel})"),
                ("sans-serif", 20),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (x0 / 1.5..x1 * 1.5).log_scale(),
                (y0 / 1.5..y1 * 1.5).log_scale(),
            )
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        chart
            .configure_mesh()
            .x_desc("database size N (codes)")
            .y_desc("median search time (s)")
            .x_label_formatter(&|x| format!("{x:.0e}"))
            .y_label_formatter(&|y| format!("{y:.0e}"))
            .draw()
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let colors = [BLUE, RED, GREEN, MAGENTA];
        for (i, (threads, p)) in lines.iter().enumerate() {
            let c = colors[i % colors.len()];
            chart
                .draw_series(LineSeries::new(p.iter().copied(), c.stroke_width(2)))
                .map_err(|e| anyhow::anyhow!("{e:?}"))?
                .label(format!("{threads} thread(s)"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c));
            chart
                .draw_series(p.iter().map(|&(x, y)| Circle::new((x, y), 3, c.filled())))
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        if let Some((_, p)) = lines.first()
            && let Some(&(xl, yl)) = p.last()
        {
            let guide: Vec<(f64, f64)> = p.iter().map(|&(x, _)| (x, yl * x / xl)).collect();
            chart
                .draw_series(DashedLineSeries::new(guide, 6, 4, BLACK.stroke_width(1)))
                .map_err(|e| anyhow::anyhow!("{e:?}"))?
                .label("linear in N (through the largest point)")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
        }
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.9))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        root.present().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    Ok(svg)
}
