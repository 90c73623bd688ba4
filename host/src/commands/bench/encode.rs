//! `binaryllm bench encode`: projection + sign rule + packing throughput, and the proof that
//! every fast path has 0 differing bits from the reference path of its arithmetic (the core's
//! per-row path for the default kernels, the portable fused kernel for the opt-in `-fma` ones,
//! whose differing bits from the default arithmetic are counted and reported).

use std::path::PathBuf;

use anyhow::{Context, bail};
use binaryllm_core::{
    Arithmetic, CodeLayout, DenseProjection, ProjectKernel, ProjectionKind, SeededProjection,
    Threshold,
};
use serde_json::json;

use super::knn::to_lsb_bytes;
use super::{Stats, load_avg, machine, npy, time, write_json};
use binaryllm_engine::engine::{NpyF32, encode_matrix_with_kernel};

/// Arguments of `bench encode` (times the encoder; the `encode` command that writes codes takes
/// [`crate::commands::encode::EncodeArgs`]).
#[derive(Debug, clap::Args)]
pub struct BenchEncodeArgs {
    /// Input vectors.
    #[arg(long, default_value_t = 100_000)]
    pub n: usize,
    /// Input dimensions, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "384,768")]
    pub dims: Vec<usize>,
    /// Code widths in bits, comma-separated (every dims × bits pair is run).
    #[arg(long, value_delimiter = ',', default_value = "256,1024")]
    pub bits: Vec<usize>,
    /// Thread counts, comma-separated (each 1 ..= 4 × the cores, at most 1024; 0 = all cores).
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    pub threads: Vec<usize>,
    /// Micro-kernels: `auto`, `auto-fma` (the fastest opt-in fused multiply-add kernel), `all`
    /// (both arithmetics), `reference` (the core's per-row path) or names such as
    /// `portable,x86_64-avx2,x86_64-avx512,x86_64-avx512-fma`.
    #[arg(long, value_delimiter = ',', default_value = "auto")]
    pub kernel: Vec<String>,
    /// Timed runs per configuration.
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Seed of the inputs and of the Gaussian projection.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Rows timed on the slow reference path and compared bit for bit with every fast path.
    #[arg(long, default_value_t = 2000)]
    pub reference_rows: usize,
    /// Directory of inputs shared with `bench/compare.py`: `enc_x_n{n}_d{dims}_s{seed}.npy`
    /// and `enc_w_b{bits}_d{dims}_s{seed}.npy` (f32) are read (memory-mapped) when present,
    /// else written; our codes go to `enc_codes_…npy` (uint8, LSB-first).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Results file (JSON), or a directory for `encode.json`. Default: a new run directory
    /// `runs/<UTC timestamp>-bench-encode/`; `--out bench/results/encode.json` updates the
    /// tracked results.
    #[arg(long, value_name = "FILE|DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

/// Seeded inputs: uniform in [-1, 1).
pub fn random_inputs(n: usize, dims: usize, seed: u64) -> Vec<f32> {
    let mut s = binaryllm_core::rng::SeededStream::new(seed, *b"benchinp", dims as u64);
    (0..n * dims).map(|_| s.next_symmetric_uniform()).collect()
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// `Some(kernel)` for a micro-kernel, `None` for the reference path.
fn kernels(names: &[String]) -> anyhow::Result<Vec<Option<ProjectKernel>>> {
    let mut out = Vec::new();
    for name in names {
        match name.as_str() {
            "auto" => out.push(Some(ProjectKernel::detect())),
            "auto-fma" => out.push(Some(ProjectKernel::detect_with(Arithmetic::Fused))),
            "all" => out.extend(
                ProjectKernel::available()
                    .chain(ProjectKernel::available_with(Arithmetic::Fused))
                    .map(Some),
            ),
            "reference" => out.push(None),
            other => out.push(Some(ProjectKernel::by_name(other).with_context(|| {
                format!("projection kernel {other} is not available here")
            })?)),
        }
    }
    Ok(out)
}

/// Runs `bench encode`.
pub fn run(a: &BenchEncodeArgs) -> anyhow::Result<()> {
    let out = super::results_path(a.out.as_deref(), "encode");
    let target = binaryllm_engine::outfile::Target::json(&out, a.force)?;
    let kernels = kernels(&a.kernel)?;
    let load_before = load_avg();
    let mut rows = Vec::new();
    println!(
        "{:>5} {:>5} {:>17} {:>3} {:>9} {:>9} {:>9} {:>12} {:>8} {:>9}",
        "dims",
        "bits",
        "kernel",
        "thr",
        "min s",
        "median s",
        "max s",
        "vec/s (med)",
        "GFLOP/s",
        "bits≠ref"
    );
    for &dims in &a.dims {
        let inputs = Inputs::new(a, dims)?;
        for &bits in &a.bits {
            rows.extend(bench_width(a, &kernels, dims, bits, inputs.data())?);
        }
    }
    // Every row's own-arithmetic check is 0 here: `bench_width` stops at the first that is not.
    let doc = json!({
        "benchmark": "encode",
        "command": super::command_line(),
        "machine": machine(),
        "load_before": load_before,
        "load_after": load_avg(),
        "results": rows,
        "all_fast_paths_bit_identical_to_reference": true,
    });
    write_json(target, &doc)
}

/// The input vectors of one `dims`: memory-mapped from `--data` (generated there on first
/// use), or generated in memory.
enum Inputs {
    File(NpyF32),
    Owned(Vec<f32>),
}

impl Inputs {
    fn new(a: &BenchEncodeArgs, dims: usize) -> anyhow::Result<Self> {
        let Some(dir) = &a.data else {
            return Ok(Inputs::Owned(random_inputs(a.n, dims, a.seed)));
        };
        let path = dir.join(format!("enc_x_n{}_d{dims}_s{}.npy", a.n, a.seed));
        if !path.exists() {
            let v = random_inputs(a.n, dims, a.seed);
            npy::write(&path, "<f4", &[a.n, dims], &f32_bytes(&v))?;
            println!("wrote {}", path.display());
        }
        let f = NpyF32::open(&path)?;
        if (f.rows(), f.dims()) != (a.n, dims) {
            bail!("{}: shape mismatch", path.display());
        }
        Ok(Inputs::File(f))
    }

    fn data(&self) -> &[f32] {
        match self {
            Inputs::File(f) => f.matrix().data(),
            Inputs::Owned(v) => v,
        }
    }
}

/// One width of one input: every kernel × thread count timed against the reference path;
/// the result rows. Fails at the first fast path whose bits differ from its arithmetic's
/// reference.
fn bench_width(
    a: &BenchEncodeArgs,
    kernels: &[Option<ProjectKernel>],
    dims: usize,
    bits: usize,
    x: &[f32],
) -> anyhow::Result<Vec<serde_json::Value>> {
    let p = SeededProjection::new(ProjectionKind::Gaussian, a.seed, dims, bits)?;
    let mut w = vec![0f32; dims * bits];
    p.materialize_into(&mut w)?;
    if let Some(dir) = &a.data {
        let path = dir.join(format!("enc_w_b{bits}_d{dims}_s{}.npy", a.seed));
        if !path.exists() {
            npy::write(&path, "<f4", &[bits, dims], &f32_bytes(&w))?;
            println!("wrote {}", path.display());
        }
    }
    let dense = DenseProjection::new(&w, dims, bits)?;
    let layout = CodeLayout::new(bits)?;
    let check_rows = a.reference_rows.min(a.n);
    let xr = &x[..check_rows * dims];
    let reference = encode_matrix_with_kernel(&dense, None, Threshold::Zero, xr, 1)
        .map_err(|e| anyhow::anyhow!("reference encode: {e}"))?;
    // The fused kernels' oracle: the portable fused kernel (a correctly rounded `fma` per
    // term), computed only when a fused kernel is benchmarked.
    let mut fused_reference = None;
    let mut saved = false;
    let mut rows = Vec::new();
    for &kernel in kernels {
        let name = kernel.map_or("reference", |k| k.name());
        // The reference path is timed on `reference_rows` rows only (it is slow).
        let xs = if kernel.is_none() { xr } else { x };
        let rows_timed = xs.len() / dims;
        for &threads in &a.threads {
            let (codes, secs) = time(a.repeat, || {
                encode_matrix_with_kernel(&dense, kernel, Threshold::Zero, xs, threads)
                    .map_err(|e| anyhow::anyhow!("encode: {e}"))
            })?;
            let st = Stats::of(&secs);
            let vps = rows_timed as f64 / st.median;
            let gflops = vps * 2.0 * (dims * bits) as f64 / 1e9;
            print!(
                "{dims:>5} {bits:>5} {name:>17} {threads:>3} {:>9.4} {:>9.4} {:>9.4} {vps:>12.3e} {gflops:>8.1} ",
                st.min, st.median, st.max
            );
            let head = &codes.words()[..check_rows * layout.words()];
            let differing = differing_bits(head, reference.words());
            let fused = kernel.is_some_and(|k| k.arithmetic() == Arithmetic::Fused);
            // Against its own arithmetic's oracle: must be 0.
            let own = if fused {
                let r = fused_oracle(&mut fused_reference, &dense, xr)?;
                differing_bits(head, r.words())
            } else {
                differing
            };
            println!("{differing:>9}");
            rows.push(json!({
                "tool": "binaryllm", "kernel": name, "dims": dims, "bits": bits,
                "arithmetic": if fused { "fused" } else { "separate" },
                "n": rows_timed, "threads": threads, "seconds": secs, "min": st.min,
                "median": st.median, "max": st.max, "vectors_per_s_median": vps,
                "vectors_per_s_best": rows_timed as f64 / st.min,
                "differing_bits_vs_reference": differing,
                "differing_bits_vs_own_arithmetic_reference": own,
                "bits_compared": check_rows * bits,
            }));
            if own != 0 {
                bail!("{name}: {own} bits differ from the reference path of its arithmetic");
            }
            if !saved && kernel.is_some() && !fused {
                save_codes(a, dims, layout, codes.words())?;
                saved = true;
            }
        }
    }
    Ok(rows)
}

/// The portable fused kernel's codes of `xr` (computed once into `slot`).
fn fused_oracle<'s>(
    slot: &'s mut Option<binaryllm_engine::engine::CodeMatrix>,
    dense: &DenseProjection<'_>,
    xr: &[f32],
) -> anyhow::Result<&'s binaryllm_engine::engine::CodeMatrix> {
    if slot.is_none() {
        let k = Some(ProjectKernel::PORTABLE_FUSED);
        let r = encode_matrix_with_kernel(dense, k, Threshold::Zero, xr, 0)
            .map_err(|e| anyhow::anyhow!("fused reference encode: {e}"))?;
        *slot = Some(r);
    }
    slot.as_ref().context("fused reference")
}

/// Writes the codes of the first default fast path into `--data` (for the numpy comparison).
fn save_codes(
    a: &BenchEncodeArgs,
    dims: usize,
    layout: CodeLayout,
    words: &[u64],
) -> anyhow::Result<()> {
    let Some(dir) = &a.data else {
        return Ok(());
    };
    let bits = layout.bits();
    let path = dir.join(format!(
        "enc_codes_n{}_d{dims}_b{bits}_s{}.npy",
        a.n, a.seed
    ));
    npy::write(
        &path,
        "|u1",
        &[a.n, layout.bytes()],
        &to_lsb_bytes(layout, words),
    )
}

/// Bits that differ between two code buffers (over the shorter).
fn differing_bits(a: &[u64], b: &[u64]) -> u64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| u64::from((x ^ y).count_ones()))
        .sum()
}
