//! `binaryllm bench knn`: exact Hamming kNN throughput.

use std::path::PathBuf;

use anyhow::{Context, bail};
use binaryllm_core::bytes::{ByteOrder, from_bytes_into, to_bytes_into};
use binaryllm_core::knn::top_k_flat_into;
use binaryllm_core::{CodeLayout, Kernel, Neighbor};
use serde_json::json;

use super::{Stats, load_avg, machine, memory_kb, mix, npy, time, write_json};
use binaryllm_engine::engine::{CodeFile, CodeFileWriter, CodeSet, Searcher, with_threads};
use rayon::prelude::*;

/// Arguments of `bench knn`.
#[derive(Debug, clap::Args)]
pub struct KnnArgs {
    /// Database codes.
    #[arg(long, default_value_t = 1_000_000)]
    pub n: usize,
    /// Query codes.
    #[arg(long, default_value_t = 1000)]
    pub nq: usize,
    /// Neighbours per query.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// Code widths in bits, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "64,256,1024")]
    pub bits: Vec<usize>,
    /// Thread counts, comma-separated (each 1 ..= 4 × the cores, at most 1024; 0 = all cores).
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    pub threads: Vec<usize>,
    /// Kernels: `auto` (the fastest here), `all`, or names such as
    /// `portable,x86_64-popcnt,x86_64-avx2,x86_64-avx512`.
    #[arg(long, value_delimiter = ',', default_value = "auto")]
    pub kernel: Vec<String>,
    /// Timed runs per configuration (min/median/max are reported).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Seed of the random codes.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Directory of inputs shared with `bench/compare.py`: `knn_b{bits}_n{n}_s{seed}_db.npy` and
    /// `knn_b{bits}_n{nq}_s{seed}_q.npy` (uint8, LSB-first bytes = the FAISS layout) are read
    /// when present, else generated and written; the neighbours of the first configuration are
    /// written as `knn_b{bits}_..._ids.npy` / `_dist.npy`.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Search this memory-mapped code file (out-of-core); the queries are its first `nq` codes.
    #[arg(long)]
    pub codes: Option<PathBuf>,
    /// Results file (JSON), or a directory for `knn.json`. Default: a new run directory
    /// `runs/<UTC timestamp>-bench-knn/`; `--out bench/results/knn.json` updates the
    /// tracked results.
    #[arg(long, value_name = "FILE|DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `bench make-codes`.
#[derive(Debug, clap::Args)]
pub struct MakeCodesArgs {
    /// Number of codes.
    #[arg(long)]
    pub n: usize,
    /// Code width in bits.
    #[arg(long, default_value_t = 256)]
    pub bits: usize,
    /// Seed (the same codes as `bench knn --seed` for the database).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The code file to write (atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

/// Streams seeded random codes into a code file, 1 Mi codes at a time.
pub fn make_codes(a: &MakeCodesArgs) -> anyhow::Result<()> {
    let layout = CodeLayout::new(a.bits)?;
    let target = binaryllm_engine::outfile::Target::file(&a.out, a.force)?;
    let mut w = CodeFileWriter::create(target.path(), layout)?;
    let mut s = a.seed ^ (layout.bits() as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    let words = layout.words();
    let chunk = 1 << 20;
    let mut buf = Vec::with_capacity(chunk * words);
    let mut left = a.n;
    while left > 0 {
        let m = left.min(chunk);
        buf.clear();
        buf.extend((0..m * words).map(|_| mix(&mut s)));
        for code in buf.chunks_exact_mut(words) {
            code[words - 1] &= layout.last_word_mask();
        }
        w.push(&buf)?;
        left -= m;
    }
    w.finish()?;
    let what = format!("{} codes of {} bits (binaryllm code file)", a.n, a.bits);
    let shape = format!("{} × {} words", a.n, layout.words());
    println!("{}", target.finish_written(what, shape)?);
    Ok(())
}

/// Seeded random codes of `layout` (padding cleared); the same stream as [`make_codes`].
pub fn random_codes(layout: CodeLayout, n: usize, seed: u64) -> Vec<u64> {
    let w = layout.words();
    let mut s = seed ^ (layout.bits() as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut v: Vec<u64> = (0..n * w).map(|_| mix(&mut s)).collect();
    for code in v.chunks_exact_mut(w) {
        code[w - 1] &= layout.last_word_mask();
    }
    v
}

/// Codes as LSB-first bytes (the FAISS / `packbits(bitorder="little")` layout).
pub fn to_lsb_bytes(layout: CodeLayout, words: &[u64]) -> Vec<u8> {
    let nb = layout.bytes();
    let mut out = vec![0u8; words.len() / layout.words() * nb];
    for (code, o) in words
        .chunks_exact(layout.words())
        .zip(out.chunks_exact_mut(nb))
    {
        // The layout matches by construction.
        let _ = to_bytes_into(layout, code, ByteOrder::Lsb, o);
    }
    out
}

/// Loads codes of `layout` from an LSB-first uint8 `.npy`, or generates and writes them.
fn shared_codes(
    dir: Option<&PathBuf>,
    layout: CodeLayout,
    n: usize,
    seed: u64,
    role: &str,
) -> anyhow::Result<Vec<u64>> {
    let Some(dir) = dir else {
        return Ok(random_codes(layout, n, seed));
    };
    let path = dir.join(format!("knn_b{}_n{n}_s{seed}_{role}.npy", layout.bits()));
    if path.exists() {
        let (rows, cols, bytes) = npy::read_u8(&path)?;
        if rows != n || cols != layout.bytes() {
            bail!(
                "{}: shape ({rows}, {cols}), expected ({n}, {})",
                path.display(),
                layout.bytes()
            );
        }
        let w = layout.words();
        let mut words = vec![0u64; n * w];
        for (b, o) in bytes.chunks_exact(cols).zip(words.chunks_exact_mut(w)) {
            from_bytes_into(layout, b, ByteOrder::Lsb, o)
                .with_context(|| format!("{}: bad code", path.display()))?;
        }
        return Ok(words);
    }
    let words = random_codes(layout, n, seed);
    npy::write(
        &path,
        "|u1",
        &[n, layout.bytes()],
        &to_lsb_bytes(layout, &words),
    )?;
    println!("wrote {}", path.display());
    Ok(words)
}

fn kernels(names: &[String]) -> anyhow::Result<Vec<Kernel>> {
    let mut out = Vec::new();
    for name in names {
        match name.as_str() {
            "auto" => out.push(Kernel::detect()),
            "all" => out.extend(Kernel::available()),
            other => out.push(Kernel::by_name(other).with_context(|| {
                format!(
                    "kernel {other} is not available here (available: {})",
                    Kernel::available()
                        .map(|k| k.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?),
        }
    }
    Ok(out)
}

/// Runs `bench knn`.
pub fn run(a: &KnnArgs) -> anyhow::Result<()> {
    let out = super::results_path(a.out.as_deref(), "knn");
    let target = binaryllm_engine::outfile::Target::json(&out, a.force)?;
    let kernels = kernels(&a.kernel)?;
    let load_before = load_avg();
    let mut rows = Vec::new();
    let mut verified = Vec::new();
    let mut scaling = Vec::new();
    let steal_before = steal_ticks();
    let mapped = a.codes.as_ref().map(CodeFile::open).transpose()?;
    let widths: Vec<usize> = match &mapped {
        Some(f) => vec![f.layout().bits()],
        None => a.bits.clone(),
    };
    println!(
        "{:>5} {:>16} {:>3} {:>10} {:>10} {:>10} {:>12} {:>9}",
        "bits", "kernel", "thr", "min s", "median s", "max s", "cmp/s (med)", "GB/s (med)"
    );
    for &bits in &widths {
        let layout = CodeLayout::new(bits)?;
        let (db_words, q_words);
        let (db, q) = match &mapped {
            Some(f) => {
                let set = f.as_set();
                let q = set
                    .slice(0..a.nq.min(set.len()))
                    .context("code file shorter than nq")?;
                (set, q)
            }
            None => {
                db_words = shared_codes(a.data.as_ref(), layout, a.n, a.seed, "db")?;
                q_words = shared_codes(a.data.as_ref(), layout, a.nq, a.seed + 1, "q")?;
                (
                    CodeSet::new(layout, &db_words)?,
                    CodeSet::new(layout, &q_words)?,
                )
            }
        };
        let (n, nq) = (db.len(), q.len());
        // Interleaved: every repetition times each (kernel, threads) configuration once, one
        // after the other, so a burst of load on this shared machine hits all of them alike and
        // ratios between configurations (threads 2 vs 1) come from runs seconds apart.
        let configs: Vec<(Kernel, usize)> = kernels
            .iter()
            .flat_map(|&kernel| a.threads.iter().map(move |&t| (kernel, t)))
            .collect();
        let t = time_configs(a, &configs, db, q, bits)?;
        rows.extend(result_rows(a, &configs, &t.secs, layout, n, nq));
        scaling.extend(thread_scaling(&configs, &t, bits));
        if let Some(f) = &t.first {
            verified.push(reference_check(a, layout, db, q, f)?);
        }
    }
    let doc = json!({
        "benchmark": "knn",
        "command": super::command_line(),
        "machine": machine(),
        "load_before": load_before,
        "load_after": load_avg(),
        "memory_kb": memory_kb(),
        "code_file": a.codes.as_ref().map(|p| p.display().to_string()),
        "results": rows,
        "thread_scaling": scaling,
        "steal_ticks_during_run": steal_ticks().zip(steal_before).map(|(a, b)| a.saturating_sub(b)),
        "reference_check": verified,
    });
    write_json(target, &doc)
}

/// The timings of one width: per configuration, the repetitions' seconds of the search and
/// of `threads` independent 1-thread searches (the machine's ceiling), and the first
/// configuration's neighbours (every other configuration must equal them).
struct Timed {
    secs: Vec<Vec<f64>>,
    independent: Vec<Vec<f64>>,
    first: Option<Vec<Neighbor>>,
}

/// Times every configuration, interleaved over the repetitions.
fn time_configs(
    a: &KnnArgs,
    configs: &[(Kernel, usize)],
    db: CodeSet<'_>,
    q: CodeSet<'_>,
    bits: usize,
) -> anyhow::Result<Timed> {
    let n = db.len();
    let mut first: Option<Vec<Neighbor>> = None;
    let mut secs = vec![Vec::with_capacity(a.repeat.max(1)); configs.len()];
    // The machine's own ceiling for T threads: T independent 1-thread searches at once
    // (no sharing, no merging); T × (1-thread time) / (their time) is the best speed-up
    // this machine gives the workload (a shared VM's vCPUs may not add up to T cores).
    let mut independent = vec![Vec::with_capacity(a.repeat.max(1)); configs.len()];
    for rep in 0..a.repeat.max(1) {
        for (c, &(kernel, threads)) in configs.iter().enumerate() {
            if threads < 2 {
                continue;
            }
            let s = Searcher::with_kernel(kernel);
            let (_, t) = time(1, || {
                with_threads(threads, || {
                    (0..threads)
                        .into_par_iter()
                        .map(|_| s.knn(db, q, a.k, 1).map(|_| ()))
                        .collect::<Result<Vec<()>, _>>()
                })?;
                Ok(())
            })?;
            independent[c].extend(t);
        }
        for (c, &(kernel, threads)) in configs.iter().enumerate() {
            let s = Searcher::with_kernel(kernel);
            let (res, t) = time(1, || Ok(s.knn(db, q, a.k, threads)?))?;
            secs[c].extend(t);
            if rep > 0 {
                continue;
            }
            let same = match &first {
                None => {
                    if let Some(dir) = &a.data {
                        save_results(dir, bits, n, a.seed, &res.neighbors)?;
                    }
                    first = Some(res.neighbors);
                    true
                }
                Some(f) => *f == res.neighbors,
            };
            if !same {
                bail!(
                    "{} with {threads} threads gave different neighbours",
                    kernel.name()
                );
            }
        }
    }
    Ok(Timed {
        secs,
        independent,
        first,
    })
}

/// The result rows (printed and for the JSON) of one width.
fn result_rows(
    a: &KnnArgs,
    configs: &[(Kernel, usize)],
    secs: &[Vec<f64>],
    layout: CodeLayout,
    n: usize,
    nq: usize,
) -> Vec<serde_json::Value> {
    let bits = layout.bits();
    let cmp = (n * nq) as f64;
    let mut rows = Vec::new();
    for (&(kernel, threads), secs) in configs.iter().zip(secs) {
        let st = Stats::of(secs);
        // Bytes of codes compared per second (each query reads every code once).
        let gbs = cmp * layout.bytes() as f64 / st.median / 1e9;
        println!(
            "{bits:>5} {:>16} {threads:>3} {:>10.4} {:>10.4} {:>10.4} {:>12.3e} {gbs:>9.1}",
            kernel.name(),
            st.min,
            st.median,
            st.max,
            cmp / st.median
        );
        rows.push(json!({
            "tool": "binaryllm", "kernel": kernel.name(), "bits": bits, "n": n, "nq": nq,
            "k": a.k, "threads": threads, "seconds": secs, "min": st.min,
            "median": st.median, "max": st.max, "cmp_per_s_median": cmp / st.median,
            "cmp_per_s_best": cmp / st.min, "identical_to_first_config": true,
        }));
    }
    rows
}

/// Thread scaling per kernel: each repetition's 1-thread time over its T-thread time.
fn thread_scaling(configs: &[(Kernel, usize)], t: &Timed, bits: usize) -> Vec<serde_json::Value> {
    let mut scaling = Vec::new();
    // Thread scaling per kernel: each repetition's 1-thread time over its T-thread time
    // (the two runs were adjacent), min / median / max over the repetitions.
    for (c, &(kernel, threads)) in configs.iter().enumerate() {
        let Some(one) = configs.iter().position(|&(k, t)| k == kernel && t == 1) else {
            continue;
        };
        if threads == 1 {
            continue;
        }
        let ratios: Vec<f64> = t.secs[one]
            .iter()
            .zip(&t.secs[c])
            .map(|(a, b)| a / b)
            .collect();
        let ceiling: Vec<f64> = t.secs[one]
            .iter()
            .zip(&t.independent[c])
            .map(|(a, b)| threads as f64 * a / b)
            .collect();
        let (st, ce) = (Stats::of(&ratios), Stats::of(&ceiling));
        println!(
            "{bits:>5} {:>16} {threads:>3} speed-up vs 1 thread (paired runs): min {:.2} / median {:.2} / max {:.2}; machine ceiling ({threads} independent 1-thread searches): median {:.2}",
            kernel.name(),
            st.min,
            st.median,
            st.max,
            ce.median
        );
        scaling.push(json!({
            "kernel": kernel.name(), "bits": bits, "threads": threads,
            "speedup_vs_1_thread": ratios, "min": st.min, "median": st.median, "max": st.max,
            "independent_ceiling": ceiling, "ceiling_median": ce.median,
        }));
    }
    scaling
}

/// The first configuration's results against the core's reference (portable kernel) on a few
/// queries.
fn reference_check(
    a: &KnnArgs,
    layout: CodeLayout,
    db: CodeSet<'_>,
    q: CodeSet<'_>,
    f: &[Neighbor],
) -> anyhow::Result<serde_json::Value> {
    let (n, nq, bits) = (db.len(), q.len(), layout.bits());
    let k = a.k.min(n);
    let check = nq.min(3);
    let mut ok = true;
    for (i, qc) in q
        .words()
        .chunks_exact(layout.words())
        .take(check)
        .enumerate()
    {
        let mut out = vec![Neighbor::default(); k];
        top_k_flat_into(Kernel::PORTABLE, layout, qc, db.words(), &mut out)?;
        ok &= f.get(i * k..(i + 1) * k) == Some(&out[..]);
    }
    if !ok {
        bail!("{bits} bits: results differ from the core's reference top-k");
    }
    Ok(json!({"bits": bits, "queries_checked": check, "equal_to_reference": ok}))
}

/// Writes ids (`<u4`) and distances (`<u4`) of a result for the comparison script.
fn save_results(
    dir: &std::path::Path,
    bits: usize,
    n: usize,
    seed: u64,
    nb: &[Neighbor],
) -> anyhow::Result<()> {
    let ids: Vec<u8> = nb.iter().flat_map(|x| x.index.to_le_bytes()).collect();
    let dist: Vec<u8> = nb.iter().flat_map(|x| x.distance.to_le_bytes()).collect();
    let stem = format!("knn_b{bits}_n{n}_s{seed}");
    npy::write(
        &dir.join(format!("{stem}_ids.npy")),
        "<u4",
        &[nb.len()],
        &ids,
    )?;
    npy::write(
        &dir.join(format!("{stem}_dist.npy")),
        "<u4",
        &[nb.len()],
        &dist,
    )?;
    Ok(())
}

/// Ticks (1/100 s) the hypervisor ran something else while this VM wanted the CPU, summed over
/// the CPUs (`steal` in `/proc/stat`); `None` off Linux.
fn steal_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    stat.lines().next()?.split_whitespace().nth(8)?.parse().ok()
}
