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
use crate::eval::judged::runs::JudgedSummary;
use crate::eval::report::judged::{self as judged_report, METRIC};
use crate::eval::stats::Summary;

/// The plots of the judged section of `report.html` (embedded there, not under "Plots"):
/// present only with a judged set.
pub const JUDGED_PLOTS: [&str; 2] = ["judged_ndcg_vs_bits", "judged_retained_vs_bytes"];

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

/// `(x, CI low, mean, CI high)` of one point.
type CiPoint = (f64, f64, f64, f64);

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
    let mut ends = Vec::new();
    for p in &e.config.projections {
        for &b in widths {
            if let Some(s) = e.summary_of(p.label(), b, metric) {
                ends.extend([s.stats.mean, s.stats.ci95_low, s.stats.ci95_high]);
            }
        }
    }
    ends.extend(reference);
    padded(&ends, (0.0, 1.0), 0.01, (-1.0, 1.05))
}

/// The span of the finite `values` (`none` when there is none), padded by 8% (at least
/// `min_pad`) and clipped to `clip`.
fn padded(values: &[f64], none: (f64, f64), min_pad: f64, clip: (f64, f64)) -> (f64, f64) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { none };
    let pad = ((hi - lo) * 0.08).max(min_pad);
    ((lo - pad).max(clip.0), (hi + pad).min(clip.1))
}

/// `(x, CI low, mean, CI high)` of `s` times `scale` (a missing CI end is the mean), when the
/// mean is finite.
fn ci_point(x: f64, s: &Summary, scale: f64) -> Option<CiPoint> {
    s.mean.is_finite().then(|| {
        let end = |v: f64| if v.is_finite() { v } else { s.mean };
        (
            x,
            end(s.ci95_low) * scale,
            s.mean * scale,
            end(s.ci95_high) * scale,
        )
    })
}

/// `(log2 bits, CI low, mean, CI high)` of `metric` for projection `label` at each width with
/// a finite mean (a missing CI end is the mean).
fn mean_ci_points(e: &Evaluation, label: &str, widths: &[usize], metric: &str) -> Vec<CiPoint> {
    widths
        .iter()
        .filter_map(|&b| {
            ci_point(
                (b as f64).log2(),
                &e.summary_of(label, b, metric)?.stats,
                1.0,
            )
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
        let pts = mean_ci_points(e, p.label(), &widths, metric);
        ci_series(&mut chart, &pts, Mark::of(i, 0), p.label())?;
    }
    if let Some((r, label)) = reference {
        reference_line(&mut chart, (x0, x1), r, label)?;
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    Ok(())
}

/// How a series is drawn: its colour, with the line width, opacity and marker of its variant
/// (0: width 2, filled circles; 1: width 1, open circles; 2: width 1, half-opaque).
#[derive(Clone, Copy, Debug)]
struct Mark {
    color: RGBColor,
    variant: usize,
}

impl Mark {
    /// Colour `i` (cycling), variant `variant` (cycling over the three).
    fn of(i: usize, variant: usize) -> Self {
        Self {
            color: COLORS[i % COLORS.len()],
            variant: variant % 3,
        }
    }

    fn line(self) -> ShapeStyle {
        match self.variant {
            0 => self.color.stroke_width(2),
            1 => self.color.stroke_width(1),
            _ => self.color.mix(0.5).stroke_width(1),
        }
    }

    fn marker(self, at: (f64, f64)) -> Circle<(f64, f64), i32> {
        match self.variant {
            0 => Circle::new(at, 3, self.color.filled()),
            1 => Circle::new(at, 4, self.color.stroke_width(2)),
            _ => Circle::new(at, 3, self.color.mix(0.5).filled()),
        }
    }
}

/// One series: a line through the means, a 95% CI bar and a circle at each point, and a
/// legend entry `label` (a line, so circles in the drawing are data points only).
fn ci_series<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    pts: &[CiPoint],
    mark: Mark,
    label: &str,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let line = mark.line();
    chart
        .draw_series(LineSeries::new(pts.iter().map(|p| (p.0, p.2)), line))
        .map_err(err)?
        .label(label.to_string())
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], line));
    let bar = if mark.variant == 2 {
        mark.color.mix(0.5).stroke_width(1)
    } else {
        mark.color.stroke_width(1)
    };
    chart
        .draw_series(
            pts.iter()
                .map(|p| ErrorBar::new_vertical(p.0, p.1, p.2, p.3, bar, 8)),
        )
        .map_err(err)?;
    chart
        .draw_series(pts.iter().map(|p| mark.marker((p.0, p.2))))
        .map_err(err)?;
    Ok(())
}

/// A horizontal reference line at `y` across `xs`, labelled `label`.
fn reference_line<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    xs: (f64, f64),
    y: f64,
    label: &str,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    chart
        .draw_series(LineSeries::new(
            [(xs.0, y), (xs.1, y)],
            BLACK.mix(0.6).stroke_width(1),
        ))
        .map_err(err)?
        .label(label.to_string())
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.6)));
    Ok(())
}

/// What a judged plot shows: a series per projection and mode of a summary value against a
/// function of the width, with a horizontal reference line.
struct JudgedAxes<'a> {
    /// Caption.
    title: &'a str,
    /// The modes drawn.
    modes: &'a [String],
    /// The x of a width, the axis description and the tick labels.
    x: fn(usize) -> f64,
    x_desc: &'a str,
    x_label: fn(&f64) -> String,
    /// The value of a summary row (times `scale`) and the y axis description.
    value: fn(&JudgedSummary) -> &Summary,
    scale: f64,
    y_desc: &'a str,
    /// The reference line's value and label.
    reference: (f64, String),
    /// The range y is clipped to.
    y_clip: (f64, f64),
}

/// `(label, mark, points)` of every series of `a` ([`METRIC`]; colour per projection,
/// variant per mode).
fn judged_series(
    e: &Evaluation,
    a: &JudgedAxes<'_>,
    widths: &[usize],
) -> Vec<(String, Mark, Vec<CiPoint>)> {
    let mut out = Vec::new();
    for (i, p) in e.config.projections.iter().enumerate() {
        for (j, mode) in a.modes.iter().enumerate() {
            let pts = widths
                .iter()
                .filter_map(|&b| {
                    let r = judged_report::row(e, p.label(), b, mode, METRIC)?;
                    ci_point((a.x)(b), (a.value)(r), a.scale)
                })
                .collect();
            out.push((format!("{} {mode}", p.label()), Mark::of(i, j), pts));
        }
    }
    out
}

/// The judged plot `a` of `e`.
fn judged_plot<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    e: &Evaluation,
    a: &JudgedAxes<'_>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    area.fill(&WHITE).map_err(err)?;
    let mut widths = e.config.bits.clone();
    widths.sort_unstable();
    widths.dedup();
    let series = judged_series(e, a, &widths);
    let (x0, x1) = (
        widths.first().map_or(0.0, |&b| (a.x)(b)) - 0.3,
        widths.last().map_or(1.0, |&b| (a.x)(b)) + 0.3,
    );
    let mut ends: Vec<f64> = series
        .iter()
        .flat_map(|s| s.2.iter().flat_map(|p| [p.1, p.3]))
        .collect();
    ends.push(a.reference.0);
    let (y0, y1) = padded(&ends, (0.0, a.scale), 0.01 * a.scale, a.y_clip);
    let mut chart = new_chart(area, a.title, x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(a.x_desc)
        .y_desc(a.y_desc)
        .x_labels(widths.len().max(2))
        .x_label_formatter(&a.x_label)
        .draw()
        .map_err(err)?;
    for (label, mark, pts) in &series {
        ci_series(&mut chart, pts, *mark, label)?;
    }
    reference_line(&mut chart, (x0, x1), a.reference.0, &a.reference.1)?;
    legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    Ok(())
}

/// `2^x`, rounded.
fn pow2_label(x: &f64) -> String {
    format!("{}", 2f64.powf(*x).round())
}

/// The judged plots ([`JUDGED_PLOTS`]): [`METRIC`] against the width for Hamming search and
/// the headline float re-ranking, and the share of float retained against the bytes per
/// vector for every shown mode. None without a judged set.
fn render_judged(e: &Evaluation) -> Result<Vec<Plot>> {
    let Some(f) = &e.judged_float else {
        return Ok(Vec::new());
    };
    let modes = judged_report::shown_modes(e);
    let float = judged_report::float_value(f);
    let t1 = format!("judged {METRIC} vs code width (mean, 95% CI over seeds)");
    let ndcg = JudgedAxes {
        title: &t1,
        modes: &modes[..2],
        x: |b| (b as f64).log2(),
        x_desc: "code width (bits, log scale)",
        x_label: pow2_label,
        value: |r| &r.judged,
        scale: 1.0,
        y_desc: METRIC,
        reference: (float, format!("float {float:.4}")),
        y_clip: (0.0, 1.05),
    };
    let t2 = format!("judged {METRIC} retained (% of float) vs bytes per vector");
    let kept = JudgedAxes {
        title: &t2,
        modes: &modes,
        x: |b| (b as f64 / 8.0).log2(),
        x_desc: "bytes per vector (bits / 8, log scale)",
        x_label: pow2_label,
        value: |r| &r.retained,
        scale: 100.0,
        y_desc: "% of the float value",
        reference: (100.0, "float (100%)".into()),
        y_clip: (0.0, f64::INFINITY),
    };
    let mut out = Vec::new();
    let (a, b) = both!(|area| judged_plot(area, e, &ndcg));
    out.push(render(JUDGED_PLOTS[0], &t1, a, b)?);
    let (a, b) = both!(|area| judged_plot(area, e, &kept));
    out.push(render(JUDGED_PLOTS[1], &t2, a, b)?);
    Ok(out)
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
    out.extend(render_judged(e)?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::report::judged::fixture;

    /// The plot `name` of `plots`.
    fn plot<'a>(plots: &'a [Plot], name: &str) -> Option<&'a Plot> {
        plots.iter().find(|p| p.name == name)
    }

    #[test]
    fn judged_plots_have_a_point_per_projection_width_and_mode() {
        let e = fixture::evaluation(true);
        let plots = render_all(&e).unwrap();
        let float = judged_report::float_value(e.judged_float.as_ref().unwrap());
        assert!(float > 0.0 && float < 1.0, "{float}");
        // 2 projections × 2 widths × (hamming, rerank/x5); then × 3 modes with asym_rerank/x5.
        for (name, modes, reference) in [
            (JUDGED_PLOTS[0], 2, format!("float {float:.4}")),
            (JUDGED_PLOTS[1], 3, "float (100%)".to_string()),
        ] {
            let p = plot(&plots, name).unwrap_or_else(|| panic!("{name} missing"));
            // Two circles a point: the CI bar's (plotters marks the mean) and the marker.
            assert_eq!(
                p.svg.matches("<circle").count(),
                2 * 2 * 2 * modes,
                "{name}"
            );
            assert!(p.svg.contains(&reference), "{name}: {reference}");
            assert!(p.svg.contains("gaussian hamming"), "{name}");
            assert!(p.svg.contains("rademacher rerank/x5"), "{name}");
            assert_eq!(&p.png[..8], b"\x89PNG\r\n\x1a\n", "{name}");
        }
        let kept = plot(&plots, JUDGED_PLOTS[1]).unwrap();
        assert!(kept.svg.contains("asym_rerank/x5"));
        assert!(
            !plot(&plots, JUDGED_PLOTS[0])
                .unwrap()
                .svg
                .contains("asym_rerank")
        );
    }

    #[test]
    fn judged_series_read_the_judged_summary() {
        let e = fixture::evaluation(true);
        let modes = judged_report::shown_modes(&e);
        let axes = JudgedAxes {
            title: "t",
            modes: &modes,
            x: |b| (b as f64 / 8.0).log2(),
            x_desc: "",
            x_label: pow2_label,
            value: |r| &r.retained,
            scale: 100.0,
            y_desc: "",
            reference: (100.0, String::new()),
            y_clip: (0.0, f64::INFINITY),
        };
        let series = judged_series(&e, &axes, &[64, 256]);
        assert_eq!(series.len(), 2 * 3);
        let (label, _, pts) = &series[1];
        assert_eq!(label, "gaussian rerank/x5");
        assert_eq!(pts.len(), 2);
        let r = judged_report::row(&e, "gaussian", 256, "rerank/x5", METRIC).unwrap();
        // 256 bits = 32 bytes at x = log2 32 = 5; the mean retained share in percent.
        assert_eq!(pts[1].0, 5.0);
        assert!((pts[1].2 - 100.0 * r.retained.mean).abs() < 1e-9);
        assert!(pts[1].1 <= pts[1].2 && pts[1].2 <= pts[1].3);
    }

    #[test]
    fn no_judged_set_no_judged_plots() {
        let e = fixture::evaluation(false);
        let plots = render_all(&e).unwrap();
        assert!(plot(&plots, "recall_vs_bits").is_some());
        for name in JUDGED_PLOTS {
            assert!(plot(&plots, name).is_none(), "{name}");
        }
    }
}
