//! The commands behind the CLI: `eval`, `encode`, `search`, `projection`.
//!
//! Errors carry the stage (`config`, `load`, `encode`, `search`, `metrics`, `output`) and the
//! file they are about; `main` prints the whole chain on one line and exits non-zero.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result, bail};
use std::io::Write as _;

use binaryllm_core::{
    CodeLayout,
    bytes::{ByteOrder, from_bytes_into, to_bytes_into},
};

use crate::cli::{
    CodeFormat, EncodeArgs, EvalArgs, ExportArgs, ExportFormat, ProjExportArgs, ProjFormat,
    ProjectionArgs, ProjectionCommand, ProjectionOpts, SearchArgs, TrainArgs,
};
use crate::config::{self, DatasetSpec, LoadedConfig, Overrides};
use crate::data::{self, Matrix};
use crate::dataset::{self, Catalog};
use crate::engine::{self, CodeMatrix};
use crate::eval;
use crate::learn::{ThresholdMode, TrainOptions};
use crate::output::{self, Environment, RunDir};
use crate::progress::{Mode, Reporter};
use crate::projector::{self, Kind, Projector, Spec};
use crate::projfile;

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
        trust_gt: a.trust_gt,
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
            label_names: None,
            encoder: None,
            normalization: a.normalization.map(Into::into).unwrap_or_default(),
            synthetic: None,
            trust_gt: a.trust_gt,
            from_command_line: true,
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
    if a.strict && e.unevaluated() > 0 {
        return Err(eval::StrictFailure {
            unevaluated: e.unevaluated(),
            total: e.verdicts.len(),
            run_dir: final_path,
        }
        .into());
    }
    Ok(final_path)
}

/// The kind, rule and options of `p` (no artefact).
fn spec_of(p: &ProjectionOpts, bits: usize) -> Result<Spec> {
    let kind = Kind::from_name(&p.projection).with_context(|| {
        format!(
            "unknown projection kind `{}` (known: {})",
            p.projection,
            projector::known_kinds()
        )
    })?;
    let threshold = ThresholdMode::from_name(&p.threshold).with_context(|| {
        format!(
            "unknown threshold `{}` (known: {})",
            p.threshold,
            projector::known_thresholds()
        )
    })?;
    Ok(Spec {
        kind,
        bits,
        options: TrainOptions {
            seed: p.seed,
            iterations: p.iterations,
            threshold,
            sample: p.sample,
        },
    })
}

/// Builds the projector of `p` for `dims` inputs and `bits` outputs. Training data, when the
/// kind or rule needs it: `--train`, else `fallback` (the encoded input), else an error.
fn build_projector(
    p: &ProjectionOpts,
    dims: usize,
    bits: Option<usize>,
    fallback: Option<(&Matrix, &Path)>,
) -> Result<Projector> {
    if let Some(dir) = &p.projection_file {
        let a = projfile::load(dir)?;
        if a.meta.dims != dims {
            bail!(
                "{}: the projection takes {} dims, the vectors have {dims}",
                dir.display(),
                a.meta.dims
            );
        }
        if let Some(b) = bits
            && b != a.meta.bits
        {
            bail!(
                "{}: the projection makes {} bits, {b} were asked for",
                dir.display(),
                a.meta.bits
            );
        }
        return Ok(a.projector()?);
    }
    let bits = bits.context("give --bits (or --projection-file)")?;
    let spec = spec_of(p, bits)?;
    let needs = spec.kind.needs_training_data() || spec.options.threshold != ThresholdMode::Zero;
    let loaded;
    let (train, file): (&[f32], Option<&Path>) = match (&p.train, fallback) {
        _ if !needs => (&[], None),
        (Some(t), _) => {
            loaded = data::read_matrix(t).context("load stage")?;
            if loaded.cols != dims {
                bail!(
                    "{}: training vectors have {} dims, the vectors to encode have {dims}",
                    t.display(),
                    loaded.cols
                );
            }
            (&loaded.data, Some(t.as_path()))
        }
        (None, Some((m, f))) => (&m.data, Some(f)),
        (None, None) => bail!(
            "projection {} with threshold {} needs training vectors: give --train BASE.npy or --projection-file DIR",
            spec.kind.name(),
            spec.options.threshold.name()
        ),
    };
    Projector::build(spec, dims, train).with_context(|| match file {
        Some(f) => format!(
            "projection {} ({dims} dims → {bits} bits) trained on {}",
            spec.kind.name(),
            f.display()
        ),
        None => format!(
            "projection {} ({dims} dims → {bits} bits)",
            spec.kind.name()
        ),
    })
}

/// Encodes `x` with `p`; trained kinds train on `--train` or on `x` itself.
fn encode_rows(
    x: &Matrix,
    p: &ProjectionOpts,
    bits: Option<usize>,
    threads: usize,
    file: &Path,
    train_on_input: bool,
    fused: bool,
) -> Result<CodeMatrix> {
    let fallback = train_on_input.then_some((x, file));
    let proj = build_projector(p, x.cols, bits, fallback)?;
    if fused {
        proj.encode_fused(&x.data, threads)
    } else {
        proj.encode(&x.data, threads)
    }
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
    let codes = encode_rows(&x, &a.proj, a.bits, a.threads, &a.input, true, a.fma)
        .context("encode stage")?;
    let layout = codes.layout();
    let nb = layout.bytes();
    let mut bytes = vec![0u8; codes.len() * nb];
    for (code, out) in codes.iter().zip(bytes.chunks_exact_mut(nb)) {
        to_bytes_into(layout, code, order(a.format), out)?;
    }
    data::write_npy(&a.out, &[codes.len() as u64, nb as u64], &bytes).context("output stage")?;
    Ok(())
}

/// `binaryllm projection` (matrix writer, `train`, `export`).
pub fn projection(a: &ProjectionArgs) -> Result<()> {
    match &a.command {
        Some(ProjectionCommand::Train(t)) => return projection_train(t),
        Some(ProjectionCommand::Export(e)) => return projection_export(e),
        None => {}
    }
    let (Some(dims), Some(bits), Some(out)) = (a.dims, a.bits, &a.out) else {
        bail!("projection stage: give --dims, --bits and --out (or a subcommand: train, export)");
    };
    let p = build_projector(&a.proj, dims, Some(bits), None).context("projection stage")?;
    let w = p.dense_matrix().context("projection stage")?;
    data::write_npy(out, &[bits as u64, dims as u64], &w).context("output stage")?;
    Ok(())
}

/// `binaryllm projection train`.
pub fn projection_train(t: &TrainArgs) -> Result<()> {
    let opts = ProjectionOpts {
        projection: t.kind.clone(),
        seed: t.seed,
        threshold: t.threshold.clone(),
        iterations: t.iterations,
        sample: t.sample,
        train: None,
        projection_file: None,
    };
    let spec = spec_of(&opts, t.bits).context("train stage")?;
    if !spec.kind.is_matrix() {
        bail!(
            "train stage: hadamard is matrix-free (a seed is all it needs): use `encode --projection hadamard --seed S`"
        );
    }
    if t.out.exists() && !t.force {
        bail!(
            "output stage: {} already exists (use --force to replace it)",
            t.out.display()
        );
    }
    let x = data::read_matrix(&t.input).context("load stage")?;
    let sha = data::sha256_file(&t.input).context("load stage")?;
    let p = Projector::build(spec, x.cols, &x.data).with_context(|| {
        format!(
            "train stage: {} ({} dims → {} bits) on {}",
            spec.kind.name(),
            x.cols,
            t.bits,
            t.input.display()
        )
    })?;
    let a = projfile::Artefact::from_projector(&p, Some((sha, t.input.display().to_string())))
        .context("train stage")?;
    projfile::save(&t.out, &a, t.force).context("output stage")?;
    Ok(())
}

/// `binaryllm projection export`.
pub fn projection_export(e: &ProjExportArgs) -> Result<()> {
    let a = projfile::load(&e.input).context("load stage")?;
    let bytes = match e.format {
        ProjFormat::Rust => projfile::rust_source(&a).into_bytes(),
        ProjFormat::Bin => projfile::to_bin(&a),
    };
    data::atomic_write(&e.out, |w| w.write_all(&bytes)).context("output stage")?;
    Ok(())
}

/// `binaryllm export`.
pub fn export(a: &ExportArgs) -> Result<()> {
    let codes = read_codes(&a.codes, a.bits, a.codes_format).context("load stage")?;
    match a.format {
        ExportFormat::FaissIndex => {
            let bytes = crate::export::faiss_index_binary_flat(&codes)
                .with_context(|| format!("export stage: {}", a.codes.display()))?;
            data::atomic_write(&a.out, |w| w.write_all(&bytes)).context("output stage")?;
        }
        ExportFormat::Ubinary => {
            let bytes = crate::export::to_ubinary(&codes);
            let shape = [codes.len() as u64, codes.layout().bytes() as u64];
            data::write_npy(&a.out, &shape, &bytes).context("output stage")?;
        }
    }
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
    if a.rerank == Some(0) {
        bail!("search stage: --rerank must be at least 1");
    }
    if a.rerank.is_some() && a.base.is_none() && !a.asymmetric {
        bail!("search stage: --rerank needs --base FLOATS.npy or --asymmetric");
    }
    let db = read_codes(&a.codes, a.bits, a.format).context("load stage")?;
    let mut float_queries = None;
    let queries = match (&a.query_codes, &a.queries) {
        (Some(q), _) => read_codes(q, Some(db.layout().bits()), a.format).context("load stage")?,
        (None, Some(qf)) => {
            let bits = a.bits.unwrap_or(db.layout().bits());
            let x = data::read_matrix(qf).context("load stage")?;
            let proj =
                build_projector(&a.proj, x.cols, Some(bits), None).context("encode stage")?;
            let codes = proj
                .encode(&x.data, a.threads)
                .with_context(|| format!("encode stage: {}", qf.display()))?;
            float_queries = Some((x, proj));
            codes
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
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("output stage: cannot create {}", a.out.display()))?;
    let rescoring = a.base.is_some() || a.asymmetric;
    if let (true, Some((x, proj))) = (rescoring, &float_queries) {
        let depth = a.rerank.unwrap_or(db.len()).max(a.k).min(db.len());
        let found = engine::knn(&db, &queries, depth, a.threads).context("search stage")?;
        let k = a.k.min(db.len());
        let lists = if let Some(bp) = &a.base {
            rerank_exact(bp, x, &db, &found, k)?
        } else {
            rerank_asymmetric(x, proj, &db, &found, k, a.threads)?
        };
        let ids: Vec<i64> = lists.iter().map(|s| i64::from(s.index)).collect();
        let scores: Vec<f32> = lists.iter().map(|s| s.score as f32).collect();
        let shape = [queries.len() as u64, k as u64];
        data::write_npy(&a.out.join("ids.npy"), &shape, &ids).context("output stage")?;
        data::write_npy(&a.out.join("scores.npy"), &shape, &scores).context("output stage")?;
        return Ok(());
    }
    let found = engine::knn(&db, &queries, a.k, a.threads).context("search stage")?;
    let ids: Vec<i64> = found.neighbors.iter().map(|n| i64::from(n.index)).collect();
    let dist: Vec<i32> = found
        .neighbors
        .iter()
        .map(|n| i32::try_from(n.distance).unwrap_or(i32::MAX))
        .collect();
    let shape = [queries.len() as u64, found.k as u64];
    data::write_npy(&a.out.join("ids.npy"), &shape, &ids).context("output stage")?;
    data::write_npy(&a.out.join("distances.npy"), &shape, &dist).context("output stage")?;
    Ok(())
}

/// Hamming candidates re-ranked by exact float inner product with the base rows.
fn rerank_exact(
    base_path: &Path,
    x: &Matrix,
    db: &CodeMatrix,
    found: &engine::KnnResult,
    k: usize,
) -> Result<Vec<engine::floats::Scored>> {
    let base = data::read_matrix(base_path).context("load stage")?;
    if base.rows != db.len() || base.cols != x.cols {
        bail!(
            "load stage: {}: [{}, {}] floats do not match {} codes of [{}, {}]-dim queries",
            base_path.display(),
            base.rows,
            base.cols,
            db.len(),
            x.rows,
            x.cols
        );
    }
    let bm = engine::F32Matrix::new(&base.data, base.cols).context("load stage")?;
    let mut out = Vec::with_capacity(x.rows * k);
    for (q, row) in x.iter_rows().enumerate() {
        let cands: Vec<u32> = found.query(q).iter().map(|n| n.index).collect();
        out.extend(engine::floats::rescore(bm, row, &cands, k));
    }
    Ok(out)
}

/// Hamming candidates re-ranked by `(y_q − t) · s` with the documents' signs `s = ±1`
/// (f64 sum in bit order; ties to the smaller index).
fn rerank_asymmetric(
    x: &Matrix,
    proj: &Projector,
    db: &CodeMatrix,
    found: &engine::KnnResult,
    k: usize,
    threads: usize,
) -> Result<Vec<engine::floats::Scored>> {
    let bits = proj.bits();
    let y = proj.project(&x.data, threads).context("search stage")?;
    let t = proj.threshold_vec();
    let mut out = Vec::with_capacity(x.rows * k);
    for (q, yq) in y.chunks_exact(bits).enumerate() {
        let mut scored: Vec<engine::floats::Scored> = found
            .query(q)
            .iter()
            .map(|n| {
                let code = db.code(n.index as usize).unwrap_or(&[]);
                let score = asym_score(yq, &t, code);
                engine::floats::Scored {
                    score,
                    index: n.index,
                }
            })
            .collect();
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
        scored.truncate(k);
        out.extend(scored);
    }
    Ok(out)
}

/// `Σ_r (y_r − t_r) · (bit_r ? 1 : −1)` in f64, bit order.
pub fn asym_score(y: &[f32], t: &[f32], code: &[u64]) -> f64 {
    y.iter()
        .zip(t)
        .enumerate()
        .map(|(r, (&v, &th))| {
            let d = f64::from(v) - f64::from(th);
            if code.get(r / 64).is_some_and(|w| (w >> (r % 64)) & 1 == 1) {
                d
            } else {
                -d
            }
        })
        .sum()
}
