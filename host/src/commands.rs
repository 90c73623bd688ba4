//! The commands behind the CLI: `eval`, `encode`, `search`, `projection`.
//!
//! Errors carry the stage (`config`, `load`, `encode`, `search`, `metrics`, `output`) and the
//! file they are about; `main` prints the whole chain on one line and exits non-zero.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result, bail};
use binaryllm_core::{
    CodeLayout, DenseProjection, ProjectionKind, SeededProjection, Threshold,
    bytes::{ByteOrder, from_bytes_into, to_bytes_into},
};

use crate::cli::{CodeFormat, EncodeArgs, EvalArgs, ProjectionArgs, ProjectionOpts, SearchArgs};
use crate::config::{self, DatasetSpec, LoadedConfig, Overrides, known_projection_kinds};
use crate::data::{self, Matrix};
use crate::dataset::{self, Catalog};
use crate::engine::{self, CodeMatrix};
use crate::eval;
use crate::output::{self, Environment, RunDir};
use crate::progress::{Mode, Reporter};

/// The default config: `configs/default.toml` of the repository.
pub fn default_config_path() -> PathBuf {
    dataset::repo_root().join("configs/default.toml")
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// Loads, overrides and validates the config of an `eval` command line.
pub fn eval_config(a: &EvalArgs) -> Result<(LoadedConfig, Overrides)> {
    let path = a.config.clone().unwrap_or_else(default_config_path);
    let mut loaded = config::load(&path).context("config stage")?;
    let o = Overrides {
        bits: a.bits.clone().map(|l| l.0),
        projections: a.projection.clone().map(|l| l.0),
        seeds: a.seeds.clone().map(|l| l.0),
        k: a.k,
        threads: a.threads,
    };
    o.apply(&mut loaded.config);
    if let (Some(base), Some(queries)) = (&a.base, &a.queries) {
        let abs = |p: &Option<PathBuf>| p.as_deref().map(absolute);
        loaded.config.dataset = DatasetSpec {
            id: None,
            base: Some(absolute(base)),
            queries: Some(absolute(queries)),
            base_labels: abs(&a.base_labels),
            query_labels: abs(&a.query_labels),
            gt: abs(&a.gt),
            encoder: None,
            normalization: a.normalization.map(Into::into).unwrap_or_default(),
            synthetic: None,
        };
        if a.config.is_none() {
            loaded.config.name = "files".into();
            loaded.config.description = "ad-hoc data from the command line".into();
        }
    }
    config::validate(&loaded, &o).context("config stage")?;
    Ok((loaded, o))
}

/// `binaryllm eval`: returns the run directory written.
pub fn eval(a: &EvalArgs) -> Result<PathBuf> {
    let reporter = Reporter::new(Mode::detect(a.quiet));
    eval_with(a, &reporter)
}

/// `eval` with a given reporter.
pub fn eval_with(a: &EvalArgs, reporter: &Reporter) -> Result<PathBuf> {
    let t0 = Instant::now();
    let started = output::rfc3339(SystemTime::now());
    let (loaded, _) = eval_config(a)?;
    let cfg = &loaded.config;
    let run_path = match &a.out {
        Some(p) => p.clone(),
        None => cfg
            .output
            .dir
            .join(output::default_run_name(SystemTime::now(), &cfg.name)),
    };
    let rd = RunDir::create(&run_path, a.force)?;

    let t = Instant::now();
    let what = cfg
        .dataset
        .id
        .clone()
        .unwrap_or_else(|| "files from the config".into());
    reporter.stage(&format!("load: data set {what}"));
    let catalog = Catalog::builtin()?;
    let ds = dataset::load(&cfg.dataset, &loaded.base_dir(), &catalog)
        .with_context(|| format!("load stage: data set {what}"))?;
    let load_s = t.elapsed().as_secs_f64();
    reporter.stage(&format!(
        "loaded {} base and {} query vectors of {} dims",
        ds.base.rows, ds.queries.rows, ds.base.cols
    ));

    let mut e = eval::evaluate(cfg, ds, reporter)?;
    e.timings.load_s = load_s;

    let t = Instant::now();
    let env = Environment::probe(&dataset::repo_root());
    let finished = output::rfc3339(SystemTime::now());
    let draft = output::results_json(&e, &env, &started, &finished)?;
    output::write_artifacts(&e, rd.path(), &draft)?;
    e.timings.output_s = t.elapsed().as_secs_f64();
    e.timings.total_s = t0.elapsed().as_secs_f64();
    let results = output::results_json(&e, &env, &started, &finished)?;
    output::write_results(rd.path(), &results)?;
    let final_path = rd.commit()?;
    if reporter.mode() != Mode::Quiet {
        println!("{}", output::summary_table(&e));
        println!(
            "wrote {} ({:.1} s)",
            final_path.display(),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(final_path)
}

fn kind_of(p: &ProjectionOpts) -> Result<ProjectionKind> {
    ProjectionKind::from_name(&p.projection).with_context(|| {
        format!(
            "unknown projection kind `{}` (known: {})",
            p.projection,
            known_projection_kinds()
        )
    })
}

/// The materialised projection matrix of `p` for `dims` inputs and `bits` outputs.
fn matrix(p: &ProjectionOpts, dims: usize, bits: usize) -> Result<Vec<f32>> {
    let kind = kind_of(p)?;
    let sp = SeededProjection::new(kind, p.seed, dims, bits)
        .with_context(|| format!("projection {} ({dims} dims → {bits} bits)", p.projection))?;
    let mut w = vec![0f32; dims * bits];
    sp.materialize_into(&mut w)?;
    Ok(w)
}

/// Encodes `x` with `p` (dense, bit-identical to the seeded projection).
fn encode_rows(
    x: &Matrix,
    p: &ProjectionOpts,
    bits: usize,
    threads: usize,
    file: &Path,
) -> Result<CodeMatrix> {
    let w = matrix(p, x.cols, bits)?;
    let dense = DenseProjection::new(&w, x.cols, bits)?;
    engine::encode_matrix(&dense, Threshold::Zero, &x.data, threads)
        .with_context(|| format!("{}", file.display()))
}

fn order(f: CodeFormat) -> ByteOrder {
    match f {
        CodeFormat::Faiss => ByteOrder::Lsb,
        CodeFormat::Packbits => ByteOrder::Msb,
    }
}

/// `binaryllm encode`.
pub fn encode(a: &EncodeArgs) -> Result<()> {
    let x = data::read_matrix(&a.input).context("load stage")?;
    let codes = encode_rows(&x, &a.proj, a.bits, a.threads, &a.input).context("encode stage")?;
    let layout = codes.layout();
    let nb = layout.bytes();
    let mut bytes = vec![0u8; codes.len() * nb];
    for (code, out) in codes.iter().zip(bytes.chunks_exact_mut(nb)) {
        to_bytes_into(layout, code, order(a.format), out)?;
    }
    data::write_npy(&a.out, &[codes.len() as u64, nb as u64], &bytes).context("output stage")?;
    Ok(())
}

/// `binaryllm projection`.
pub fn projection(a: &ProjectionArgs) -> Result<()> {
    let w = matrix(&a.proj, a.dims, a.bits).context("projection stage")?;
    data::write_npy(&a.out, &[a.bits as u64, a.dims as u64], &w).context("output stage")?;
    Ok(())
}

fn read_codes(path: &Path, bits: Option<usize>, format: CodeFormat) -> Result<CodeMatrix> {
    let (rows, nb, bytes) = data::read_u8_matrix(path)?;
    let bits = bits.unwrap_or(nb * 8);
    let layout = CodeLayout::new(bits).with_context(|| format!("{}", path.display()))?;
    if layout.bytes() != nb {
        bail!(
            "{}: codes have {nb} bytes per row, {bits} bits need {}",
            path.display(),
            layout.bytes()
        );
    }
    let w = layout.words();
    let mut words = vec![0u64; rows * w];
    for (i, (b, o)) in bytes
        .chunks_exact(nb)
        .zip(words.chunks_exact_mut(w))
        .enumerate()
    {
        from_bytes_into(layout, b, order(format), o)
            .with_context(|| format!("{}: row {i}", path.display()))?;
    }
    Ok(CodeMatrix::new(layout, words)?)
}

/// `binaryllm search`.
pub fn search(a: &SearchArgs) -> Result<()> {
    if a.k == 0 {
        bail!("search stage: k must be at least 1");
    }
    let db = read_codes(&a.codes, a.bits, a.format).context("load stage")?;
    let queries = match (&a.query_codes, &a.queries) {
        (Some(q), _) => read_codes(q, Some(db.layout().bits()), a.format).context("load stage")?,
        (None, Some(qf)) => {
            let bits = a.bits.unwrap_or(db.layout().bits());
            let x = data::read_matrix(qf).context("load stage")?;
            encode_rows(&x, &a.proj, bits, a.threads, qf).context("encode stage")?
        }
        (None, None) => bail!("search stage: give --query-codes or --queries"),
    };
    if queries.layout() != db.layout() {
        bail!(
            "search stage: query codes have {} bits, the database ({}) has {}",
            queries.layout().bits(),
            a.codes.display(),
            db.layout().bits()
        );
    }
    if a.k > db.len() {
        eprintln!(
            "warning: k = {} is larger than the database ({} codes in {}): clamped to {}",
            a.k,
            db.len(),
            a.codes.display(),
            db.len()
        );
    }
    let found = engine::knn(&db, &queries, a.k, a.threads).context("search stage")?;
    let ids: Vec<i64> = found.neighbors.iter().map(|n| i64::from(n.index)).collect();
    let dist: Vec<i32> = found
        .neighbors
        .iter()
        .map(|n| i32::try_from(n.distance).unwrap_or(i32::MAX))
        .collect();
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("output stage: cannot create {}", a.out.display()))?;
    let shape = [queries.len() as u64, found.k as u64];
    data::write_npy(&a.out.join("ids.npy"), &shape, &ids).context("output stage")?;
    data::write_npy(&a.out.join("distances.npy"), &shape, &dist).context("output stage")?;
    Ok(())
}
