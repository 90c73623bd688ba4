//! Plots of an evaluation (plotters; SVG and PNG from the same drawing code).
//!
//! Text uses DejaVu Sans compiled into the binary (the `dejavu` crate), so PNGs render the
//! same on machines without fonts; SVGs name `sans-serif` and let the browser pick.

use std::sync::Once;

use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::eval::Evaluation;

/// One rendered plot.
#[derive(Clone, Debug)]
pub struct Plot {
    /// File stem, e.g. `recall_vs_bits`.
    pub name: String,
    /// Caption.
    pub title: String,
    /// SVG document.
    pub svg: String,
    /// PNG bytes.
    pub png: Vec<u8>,
}

const SIZE: (u32, u32) = (820, 520);
const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// Registers the embedded DejaVu Sans as plotters' `sans-serif` (plotters has no system fonts here); call
/// before drawing any text. Idempotent.
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

type Draw<'a> = dyn Fn(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<()> + 'a;
type DrawPng<'a> = dyn Fn(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()> + 'a;

fn render(name: &str, title: &str, svg_draw: &Draw<'_>, png_draw: &DrawPng<'_>) -> Result<Plot> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        svg_draw(&root)?;
        root.present().map_err(|e| anyhow!("{name}: {e:?}"))?;
    }
    let mut rgb = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        png_draw(&root)?;
        root.present().map_err(|e| anyhow!("{name}: {e:?}"))?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&rgb, SIZE.0, SIZE.1, image::ColorType::Rgb8)
        .map_err(|e| anyhow!("{name}: PNG encoding: {e}"))?;
    Ok(Plot {
        name: name.into(),
        title: title.into(),
        svg,
        png,
    })
}

use image::ImageEncoder as _;

macro_rules! both {
    ($f:expr) => {
        (
            &|a: &DrawingArea<SVGBackend<'_>, Shift>| $f(a),
            &|a: &DrawingArea<BitMapBackend<'_>, Shift>| $f(a),
        )
    };
}

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("plot: {e:?}")
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart with the common layout on `area`.
fn new_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    caption: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<Chart<'a, DB>>
where
    DB::ErrorType: 'static,
{
    ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 22))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(62)
        .build_cartesian_2d(x, y)
        .map_err(err)
}

/// Draws the series legend at `pos`.
fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    pos: SeriesLabelPosition,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(err)
}

/// The y range of [`metric_vs_bits`]: every finite mean and CI end (and `reference`), padded,
/// within [-1, 1.05]; [0, 1] when there is none.
fn y_range(e: &Evaluation, widths: &[usize], metric: &str, reference: Option<f64>) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for p in &e.config.projections {
        for &b in widths {
            if let Some(s) = e.summary_of(p.label(), b, metric) {
                for v in [s.stats.mean, s.stats.ci95_low, s.stats.ci95_high] {
                    if v.is_finite() {
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                }
            }
        }
    }
    if let Some(r) = reference {
        lo = lo.min(r);
        hi = hi.max(r);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(0.01);
    ((lo - pad).max(-1.0), (hi + pad).min(1.05))
}

/// `(log2 bits, CI low, mean, CI high)` of `metric` for projection `label` at each width with
/// a finite mean (a missing CI end is the mean).
fn mean_ci_points(
    e: &Evaluation,
    label: &str,
    widths: &[usize],
    metric: &str,
) -> Vec<(f64, f64, f64, f64)> {
    widths
        .iter()
        .filter_map(|&b| {
            let s = &e.summary_of(label, b, metric)?.stats;
            s.mean.is_finite().then(|| {
                let lo = if s.ci95_low.is_finite() {
                    s.ci95_low
                } else {
                    s.mean
                };
                let hi = if s.ci95_high.is_finite() {
                    s.ci95_high
                } else {
                    s.mean
                };
                ((b as f64).log2(), lo, s.mean, hi)
            })
        })
        .collect()
}

/// A metric's mean with CI bars against log2(bits), one series per projection; an optional
/// horizontal reference line (e.g. the float accuracy).
fn metric_vs_bits<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    e: &Evaluation,
    metric: &str,
    title: &str,
    reference: Option<(f64, &str)>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE).map_err(err)?;
    let mut widths = e.config.bits.clone();
    widths.sort_unstable();
    let xs: Vec<f64> = widths.iter().map(|&b| (b as f64).log2()).collect();
    let (x0, x1) = (
        xs.first().copied().unwrap_or(0.0) - 0.3,
        xs.last().copied().unwrap_or(1.0) + 0.3,
    );
    let (y0, y1) = y_range(e, &widths, metric, reference.map(|r| r.0));
    let mut chart = new_chart(area, title, x0..x1, y0..y1)?;
    let fmt_bits = |x: &f64| format!("{}", 2f64.powf(*x).round());
    chart
        .configure_mesh()
        .x_desc("code width (bits, log scale)")
        .y_desc(metric)
        .x_labels(widths.len().max(2))
        .x_label_formatter(&fmt_bits)
        .draw()
        .map_err(err)?;
    for (i, p) in e.config.projections.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let pts = mean_ci_points(e, p.label(), &widths, metric);
        chart
            .draw_series(LineSeries::new(
                pts.iter().map(|p| (p.0, p.2)),
                color.stroke_width(2),
            ))
            .map_err(err)?
            .label(p.label().to_string())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart
            .draw_series(
                pts.iter()
                    .map(|p| ErrorBar::new_vertical(p.0, p.1, p.2, p.3, color.stroke_width(1), 8)),
            )
            .map_err(err)?;
        chart
            .draw_series(
                pts.iter()
                    .map(|p| Circle::new((p.0, p.2), 3, color.filled())),
            )
            .map_err(err)?;
    }
    if let Some((r, label)) = reference {
        let label = label.to_string();
        chart
            .draw_series(LineSeries::new(
                [(x0, r), (x1, r)],
                BLACK.mix(0.6).stroke_width(1),
            ))
            .map_err(err)?
            .label(label)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.6)));
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    Ok(())
}

/// Mean Hamming/B per θ/π bin with its binomial band, for the first projection and seed,
/// one series per width, against the y = x line.
fn calibration<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, e: &Evaluation) -> Result<()>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE).map_err(err)?;
    let Some(p) = e.config.projections.first() else {
        return Ok(());
    };
    let seed = e.config.seeds.first().copied().unwrap_or(0);
    let runs: Vec<_> = e
        .runs
        .iter()
        .filter(|r| r.projection == p.label() && r.seed == seed)
        .collect();
    let (mut lo, mut hi) = (1.0f64, 0.0f64);
    for r in &runs {
        for b in r.calibration.bins.iter().filter(|b| b.n > 0) {
            lo = lo.min(b.mean_theta_pi.min(b.mean_hamming));
            hi = hi.max(b.mean_theta_pi.max(b.mean_hamming));
        }
    }
    if lo > hi {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.06).max(0.01);
    let (a0, a1) = ((lo - pad).max(0.0), (hi + pad).min(1.0));
    let caption = format!("θ/π calibration ({}, seed {seed})", p.label());
    let mut chart = new_chart(area, &caption, a0..a1, a0..a1)?;
    chart
        .configure_mesh()
        .x_desc("θ/π (float angle)")
        .y_desc("Hamming distance / bits")
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new([(a0, a0), (a1, a1)], BLACK.mix(0.5)))
        .map_err(err)?
        .label("y = x (ideal)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.5)));
    for (i, r) in runs.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let bins: Vec<_> = r.calibration.bins.iter().filter(|b| b.n > 0).collect();
        chart
            .draw_series(bins.iter().map(|b| {
                ErrorBar::new_vertical(
                    b.mean_theta_pi,
                    b.band_low,
                    b.mean_theta_pi,
                    b.band_high,
                    color.mix(0.5).stroke_width(1),
                    6,
                )
            }))
            .map_err(err)?;
        chart
            .draw_series(
                bins.iter()
                    .map(|b| Circle::new((b.mean_theta_pi, b.mean_hamming), 3, color.filled())),
            )
            .map_err(err)?
            .label(format!("{} bits", r.bits))
            .legend(move |(x, y)| Circle::new((x + 10, y), 3, color.filled()));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

/// Float cosine against the Hamming-estimated cosine cos(π·d/B) on the pair sample, for the
/// first projection and seed at the narrowest and widest width.
fn scatter<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, e: &Evaluation) -> Result<()>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE).map_err(err)?;
    let Some(p) = e.config.projections.first() else {
        return Ok(());
    };
    let seed = e.config.seeds.first().copied().unwrap_or(0);
    let mut widths = e.config.bits.clone();
    widths.sort_unstable();
    widths.dedup();
    let shown: Vec<usize> = match (widths.first(), widths.last()) {
        (Some(&a), Some(&b)) if a != b => vec![a, b],
        (Some(&a), _) => vec![a],
        _ => vec![],
    };
    let caption = format!(
        "cosine vs Hamming-estimated cosine ({}, seed {seed})",
        p.label()
    );
    let mut chart = new_chart(area, &caption, -0.4..1.0, -0.6..1.0)?;
    chart
        .configure_mesh()
        .x_desc("float cosine")
        .y_desc("cos(π · Hamming / bits)")
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new([(-0.4, -0.4), (1.0, 1.0)], BLACK.mix(0.5)))
        .map_err(err)?
        .label("y = x")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.5)));
    for (i, &bits) in shown.iter().enumerate() {
        let color = COLORS[(i + 1) % COLORS.len()];
        if let Some(r) = e
            .runs
            .iter()
            .find(|r| r.projection == p.label() && r.seed == seed && r.bits == bits)
        {
            chart
                .draw_series(
                    r.scatter
                        .iter()
                        .filter(|(x, y)| (-0.4..=1.0).contains(x) && (-0.6..=1.0).contains(y))
                        .map(|&(x, y)| Circle::new((x, y), 2, color.mix(0.45).filled())),
                )
                .map_err(err)?
                .label(format!("{bits} bits"))
                .legend(move |(x, y)| Circle::new((x + 10, y), 3, color.filled()));
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

/// Renders every plot of `e`.
pub fn render_all(e: &Evaluation) -> Result<Vec<Plot>> {
    register_font();
    let m = &e.config.metrics;
    let k = m.k;
    let max_m = crate::eval::report::headline_factor(m);
    let recall = format!("recall@{k}");
    let rerank = format!("rerank@{k}/x{max_m}");
    let mut out = Vec::new();
    let t1 = format!("{recall} vs code width (mean, 95% CI over seeds)");
    let (a, b) = both!(|a| metric_vs_bits(a, e, &recall, &t1, None));
    out.push(render("recall_vs_bits", &t1, a, b)?);
    let t2 = format!("{rerank} (Hamming top-{} re-ranked in float)", k * max_m);
    let (a, b) = both!(|a| metric_vs_bits(a, e, &rerank, &t2, None));
    out.push(render("rerank_vs_bits", &t2, a, b)?);
    let (a, b) = both!(|a| calibration(a, e));
    out.push(render("calibration", "θ/π calibration", a, b)?);
    let (a, b) = both!(|a| scatter(a, e));
    out.push(render(
        "cosine_scatter",
        "cosine vs Hamming-estimated cosine",
        a,
        b,
    )?);
    if let Some(f) = e.float.knn_acc_float {
        let t3 = format!(
            "kNN classification accuracy (k = {}) vs code width",
            e.depths.knn_k
        );
        let (a, b) = both!(|a| metric_vs_bits(a, e, "knn_acc", &t3, Some((f, "float"))));
        out.push(render("knn_acc_vs_bits", &t3, a, b)?);
    }
    Ok(out)
}
