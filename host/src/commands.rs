//! The commands behind the CLI: `eval`, `encode`, `search`, `projection`.
//!
//! Errors carry the stage (`config`, `load`, `encode`, `search`, `metrics`, `output`) and the
//! file they are about; `main` prints the whole chain on one line and exits non-zero.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result, bail};

use binaryllm_core::bytes::ByteOrder;

use crate::cli::{
    CodeFormat, EncodeArgs, EvalArgs, ExportArgs, ExportFormat, ProjExportArgs, ProjFormat,
    ProjectionArgs, ProjectionCommand, ProjectionOpts, SearchArgs, TrainArgs,
};
use crate::codefile::{self, CodeFile};
use binaryllm_engine::config::{self, DatasetSpec, LoadedConfig, Overrides};
use binaryllm_engine::data::{self, Matrix};
use binaryllm_engine::dataset::{self, Catalog};
use binaryllm_engine::engine::sidecar::{self, ByteOrder as SidecarOrder};
use binaryllm_engine::engine::{self, CodeMatrix};
use binaryllm_engine::eval;
use binaryllm_engine::outfile::{Target, Written};
use binaryllm_engine::progress::{Mode, Reporter};
use binaryllm_engine::projection::artefact;
use binaryllm_engine::projection::learn::{ThresholdMode, TrainOptions};
use binaryllm_engine::projection::{self, Kind, Projector, Spec};
use binaryllm_engine::report::{self, Environment};

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

/// The config of `eval`, with its overrides; with `--codes`, the config evaluates the codes' one projection, width
/// and seed ([`codefile::configure_eval`]).
pub fn eval_config_with(
    a: &EvalArgs,
    codes: Option<&CodeFile>,
) -> Result<(LoadedConfig, Overrides)> {
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
    if let Some(c) = codes {
        codefile::configure_eval(a, &mut loaded.config, c).context("config stage")?;
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
    let started = report::rfc3339(SystemTime::now());
    let codes = a
        .codes
        .as_deref()
        .map(CodeFile::open)
        .transpose()
        .context("load stage")?;
    let (loaded, _) = eval_config_with(a, codes.as_ref())?;
    let cfg = &loaded.config;
    let run_path = match &a.out {
        Some(p) => p.clone(),
        None => cfg
            .output
            .dir
            .join(report::default_run_name(SystemTime::now(), &cfg.name)),
    };
    let target = Target::dir(&run_path, a.force)?;

    let t = Instant::now();
    let what = data_label(a, &cfg.dataset);
    reporter.stage(&format!("load: {what}"));
    let catalog = Catalog::builtin()?;
    let ds = dataset::load(&cfg.dataset, &loaded.base_dir(), &catalog)
        .with_context(|| format!("load stage: {what}"))?;
    let load_s = t.elapsed().as_secs_f64();
    reporter.stage(&format!(
        "loaded {} base and {} query vectors of {} dims",
        ds.base.rows, ds.queries.rows, ds.base.cols
    ));

    let base_codes = match &codes {
        Some(c) => {
            reporter.stage(&format!("base codes: {}", c.path.display()));
            Some(codefile::eval_base_codes(c, cfg, &ds).context("load stage")?)
        }
        None => None,
    };
    // The inputs are read and checked: the partial run directory may exist from here on.
    let rd = target.create_dir()?;
    let mut e = eval::evaluate_with_codes(cfg, ds, reporter, base_codes.as_ref())?;
    e.base_codes = codes
        .as_ref()
        .map(|c| sidecar::FileRef::new(&c.path, c.sha256.clone()));
    e.timings.load_s = load_s;

    let t = Instant::now();
    let env = Environment::probe(&dataset::repo_root());
    let finished = report::rfc3339(SystemTime::now());
    let draft = report::results_json(&e, &env, &started, &finished)?;
    report::write_artifacts(&e, rd.path(), &draft)?;
    e.timings.output_s = t.elapsed().as_secs_f64();
    e.timings.total_s = t0.elapsed().as_secs_f64();
    let results = report::results_json(&e, &env, &started, &finished)?;
    report::write_results(rd.path(), &results)?;
    let final_path = rd.commit()?;
    if reporter.mode() != Mode::Quiet {
        println!("{}", report::summary_table(&e));
        let what = format!(
            "{} run{}, results.json, metrics.csv, summary.csv{}{}",
            e.runs.len(),
            if e.runs.len() == 1 { "" } else { "s" },
            if cfg.output.report {
                ", report.html"
            } else {
                ""
            },
            if cfg.output.plots { ", plots/" } else { "" }
        );
        let w = Written::dir(final_path.clone(), what);
        println!("{w} in {:.1} s", t0.elapsed().as_secs_f64());
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

/// What the data of an eval is called in messages: `data set ID`, `--base/--queries files`
/// (from the command line) or `data set files from the config`.
fn data_label(a: &EvalArgs, spec: &DatasetSpec) -> String {
    match (&spec.id, &a.base) {
        (Some(id), _) => format!("data set {id}"),
        (None, Some(_)) => "--base/--queries files".into(),
        (None, None) => "data set files from the config".into(),
    }
}

/// The kind, rule and options of `p` (no artefact).
fn spec_of(p: &ProjectionOpts, bits: usize) -> Result<Spec> {
    let kind = Kind::from_name(p.kind()).with_context(|| {
        format!(
            "unknown projection kind `{}` (known: {})",
            p.kind(),
            projection::known_kinds()
        )
    })?;
    let threshold = ThresholdMode::from_name(p.threshold()).with_context(|| {
        format!(
            "unknown threshold `{}` (known: {})",
            p.threshold(),
            projection::known_thresholds()
        )
    })?;
    Ok(Spec {
        kind,
        bits,
        options: TrainOptions {
            seed: p.seed(),
            iterations: p.iterations(),
            threshold,
            sample: p.sample,
        },
    })
}

/// Builds the projector of `p` for `dims` inputs and `bits` outputs. Training data, when the
/// kind or rule needs it: `--train`, else `fallback` (the encoded input), else an error.
pub(crate) fn build_projector(
    p: &ProjectionOpts,
    dims: usize,
    bits: Option<usize>,
    fallback: Option<(&[f32], &Path)>,
) -> Result<Projector> {
    if let Some(dir) = &p.projection_file {
        let a = artefact::load(dir)?;
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
        (None, Some((m, f))) => (m, Some(f)),
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

pub(crate) fn order(f: CodeFormat) -> ByteOrder {
    match f {
        CodeFormat::Faiss => ByteOrder::Lsb,
        CodeFormat::Packbits => ByteOrder::Msb,
    }
}

/// `binaryllm encode`: the input is mapped (f32) or read whole (other dtypes) and the codes are
/// streamed into the output ([`engine::encode_npy_file`]).
pub fn encode(a: &EncodeArgs) -> Result<()> {
    let target = Target::file(&a.out, a.force)?;
    let input = engine::InputFloats::open(&a.input).context("load stage")?;
    let fallback = Some((input.data(), a.input.as_path()));
    let proj = match build_projector(&a.proj, input.dims(), a.bits, fallback) {
        Ok(p) => p,
        Err(e) => {
            // A value that is not finite is a load error, reported before anything else.
            input.check_finite().context("load stage")?;
            return Err(e.context("encode stage"));
        }
    };
    let nb = proj.bits().div_ceil(8);
    let what = format!(
        "{} codes of {} bits, {} bit order",
        input.rows(),
        proj.bits(),
        codefile::byte_order(a.format).name()
    );
    let opts = engine::StreamOptions {
        threads: a.threads,
        fused: a.fma,
        order: order(a.format),
    };
    let shape = format!("uint8 [{}, {nb}]", input.rows());
    let w = target.write_streamed(what, shape, |out| {
        let s = engine::encode_npy_file(&input, &proj, &opts, out).map_err(|e| match e {
            engine::encode_file::StreamError::Load(e) => {
                anyhow::Error::new(e).context("load stage")
            }
            engine::encode_file::StreamError::Encode(e) => anyhow::Error::new(e)
                .context(format!("{}", a.input.display()))
                .context("encode stage"),
            engine::encode_file::StreamError::Write(e) => anyhow::Error::new(e)
                .context(format!("output stage: {}: cannot write", a.out.display())),
        })?;
        let side = codefile::encode_sidecar(a, &proj, s.rows, s.sha256, s.input_sha256)
            .context("output stage")?;
        Ok(serde_json::to_value(&side).context("output stage")?)
    })?;
    println!("{w}");
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
    let target = Target::file(out, a.force)?;
    let p = matrix_projector(&a.projection, a.seed, dims, bits).context("projection stage")?;
    let w = p.dense_matrix().context("projection stage")?;
    let npy = data::npy_bytes(&[bits as u64, dims as u64], &w).context("output stage")?;
    let what = format!("{} matrix, {dims} dims → {bits} bits", a.projection);
    let written = target.write(&npy, None, what, format!("f32 [{bits}, {dims}]"))?;
    println!("{written}");
    Ok(())
}

/// The untrained projector `kind` (seeded; `pca`/`itq` are refused: they learn from data).
fn matrix_projector(kind: &str, seed: u64, dims: usize, bits: usize) -> Result<Projector> {
    let k = Kind::from_name(kind).with_context(|| {
        format!(
            "unknown projection kind `{kind}` (known: {})",
            projection::known_kinds()
        )
    })?;
    if k.needs_training_data() {
        bail!(
            "--projection {kind} learns from data: `binaryllm projection train --projection {kind} \
             --input BASE.npy --bits {bits} --out DIR` writes its matrix (DIR/matrix.npy; the \
             mean and thresholds beside it)"
        );
    }
    let options = TrainOptions {
        seed,
        ..TrainOptions::default()
    };
    let spec = Spec {
        kind: k,
        bits,
        options,
    };
    Projector::build(spec, dims, &[])
        .with_context(|| format!("projection {kind} ({dims} dims → {bits} bits)"))
}

/// `binaryllm projection train`.
pub fn projection_train(t: &TrainArgs) -> Result<()> {
    let opts = ProjectionOpts {
        projection: Some(t.projection.clone()),
        seed: Some(t.seed),
        threshold: Some(t.threshold.clone()),
        iterations: Some(t.iterations),
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
    let target = Target::dir(&t.out, t.force)?;
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
    let a = artefact::Artefact::from_projector(&p, Some((sha, t.input.display().to_string())))
        .context("train stage")?;
    let path = artefact::save(target.path(), &a, t.force).context("output stage")?;
    let what = format!(
        "{} projection artefact, {} dims → {} bits: projection.json, matrix.npy, thresholds.npy, mean.npy",
        spec.kind.name(),
        x.cols,
        t.bits
    );
    println!("{}", Written::dir(path, what));
    Ok(())
}

/// `binaryllm projection export`.
pub fn projection_export(e: &ProjExportArgs) -> Result<()> {
    let target = Target::file(&e.out, e.force)?;
    let a = artefact::load(&e.input).context("load stage")?;
    let (bytes, shape) = match e.format {
        ProjFormat::Rust => (artefact::rust_source(&a).into_bytes(), "Rust source"),
        ProjFormat::Bin => (artefact::to_bin(&a), "binary"),
    };
    let what = format!(
        "{} projection of {}, {} dims → {} bits",
        a.meta.kind,
        e.input.display(),
        a.meta.dims,
        a.meta.bits
    );
    println!("{}", target.write(&bytes, None, what, shape)?);
    Ok(())
}

/// `binaryllm export`.
pub fn export(a: &ExportArgs) -> Result<()> {
    let target = Target::file(&a.out, a.force)?;
    let src = CodeFile::open(&a.codes).context("load stage")?;
    let bits = src.bits(a.bits).context("export stage")?;
    let format = src
        .order(a.codes_format, "--codes-format")
        .context("export stage")?;
    let codes = src.decode(bits, format).context("load stage")?;
    let (n, nb) = (codes.len(), codes.layout().bytes());
    let (bytes, kind, order, what, shape) = match a.format {
        ExportFormat::FaissIndex => {
            let bytes = binaryllm_engine::engine::export::faiss_index_binary_flat(&codes)
                .with_context(|| format!("export stage: {}", a.codes.display()))?;
            let what = format!("FAISS IndexBinaryFlat of {n} codes of {bits} bits");
            let shape = format!("faiss-index, {n} × {nb} code bytes");
            (
                bytes,
                sidecar::FAISS_INDEX_FORMAT,
                SidecarOrder::Faiss,
                what,
                shape,
            )
        }
        ExportFormat::Ubinary => {
            let shape = [n as u64, nb as u64];
            let bytes = data::npy_bytes(
                &shape,
                &binaryllm_engine::engine::export::to_ubinary(&codes),
            )
            .context("output stage")?;
            let what = format!("{n} codes of {bits} bits, MSB-first (ubinary)");
            let shape = format!("uint8 [{n}, {nb}]");
            (
                bytes,
                sidecar::CODES_FORMAT,
                SidecarOrder::Packbits,
                what,
                shape,
            )
        }
    };
    let side = codefile::export_sidecar(&src, kind, order, &codes, data::sha256_bytes(&bytes));
    let side = serde_json::to_value(&side).context("output stage")?;
    println!("{}", target.write(&bytes, Some(side), what, shape)?);
    Ok(())
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
    let target = Target::dir(&a.out, a.force)?;
    let dbf = CodeFile::open(&a.codes).context("load stage")?;
    let bits = dbf.bits(a.bits).context("search stage")?;
    let format = dbf.order(a.format, "--format").context("search stage")?;
    let db = dbf.decode(bits, format).context("load stage")?;
    let (queries, float_queries) = search_queries(a, &dbf, bits)?;
    if let Some(bp) = &a.base {
        dbf.check_input("--base", bp).context("search stage")?;
    }
    if queries.layout() != db.layout() {
        bail!(
            "search stage: query codes have {} bits, the database ({}) has {}",
            queries.layout().bits(),
            a.codes.display(),
            db.layout().bits()
        );
    }
    let base = match (&a.base, &float_queries) {
        (Some(bp), Some((x, _))) => Some(read_base(bp, a, &db, x)?),
        _ => None,
    };
    if a.k > db.len() {
        eprintln!(
            "warning: k = {} is larger than the database ({} codes in {}): clamped to {}",
            a.k,
            db.len(),
            a.codes.display(),
            db.len()
        );
    }
    let (shape, files) = search_results(a, &db, &queries, float_queries.as_ref(), base.as_ref())?;
    let rd = target.create_dir()?;
    for (name, file) in &files {
        let path = rd.path().join(name);
        match file {
            Column::Ids(v) => data::write_npy(&path, &shape, v),
            Column::Distances(v) => data::write_npy(&path, &shape, v),
            Column::Scores(v) => data::write_npy(&path, &shape, v),
        }
        .context("output stage")?;
    }
    let path = rd.commit()?;
    let [nq, k] = shape;
    let what = files
        .iter()
        .map(|(name, f)| format!("{name} {} [{nq}, {k}]", f.dtype()))
        .collect::<Vec<_>>()
        .join(", ");
    println!("{}", Written::dir(path, what));
    Ok(())
}

/// The files of `search` (name, array) and their shape `[queries, k]`.
type SearchFiles = ([u64; 2], Vec<(&'static str, Column)>);

/// A result array of `search`.
enum Column {
    Ids(Vec<i64>),
    Distances(Vec<i32>),
    Scores(Vec<f32>),
}

impl Column {
    fn dtype(&self) -> &'static str {
        match self {
            Column::Ids(_) => "int64",
            Column::Distances(_) => "int32",
            Column::Scores(_) => "float32",
        }
    }
}

/// The files of `search` and their shape `[queries, k]`: ids and Hamming distances, or ids
/// and re-ranking scores.
fn search_results(
    a: &SearchArgs,
    db: &CodeMatrix,
    queries: &CodeMatrix,
    float_queries: Option<&(Matrix, Projector)>,
    base: Option<&Matrix>,
) -> Result<SearchFiles> {
    let rescoring = a.base.is_some() || a.asymmetric;
    if let (true, Some((x, proj))) = (rescoring, float_queries) {
        let depth = a.rerank.unwrap_or(db.len()).max(a.k).min(db.len());
        let found = engine::knn(db, queries, depth, a.threads).context("search stage")?;
        let k = a.k.min(db.len());
        let lists = if let Some(b) = base {
            rerank_exact(b, x, &found, k)?
        } else {
            rerank_asymmetric(x, proj, db, &found, k, a.threads)?
        };
        let ids = lists.iter().map(|s| i64::from(s.index)).collect();
        let scores = lists.iter().map(|s| s.score as f32).collect();
        let shape = [queries.len() as u64, k as u64];
        return Ok((
            shape,
            vec![
                ("ids.npy", Column::Ids(ids)),
                ("scores.npy", Column::Scores(scores)),
            ],
        ));
    }
    let found = engine::knn(db, queries, a.k, a.threads).context("search stage")?;
    let ids = found.neighbors.iter().map(|n| i64::from(n.index)).collect();
    let dist = found
        .neighbors
        .iter()
        .map(|n| i32::try_from(n.distance).unwrap_or(i32::MAX))
        .collect();
    let shape = [queries.len() as u64, found.k as u64];
    Ok((
        shape,
        vec![
            ("ids.npy", Column::Ids(ids)),
            ("distances.npy", Column::Distances(dist)),
        ],
    ))
}

/// Reads `--base` and checks its shape: one row per code of the database, the queries' dims.
fn read_base(path: &Path, a: &SearchArgs, db: &CodeMatrix, x: &Matrix) -> Result<Matrix> {
    let base = data::read_matrix(path).context("load stage")?;
    if base.rows != db.len() || base.cols != x.cols {
        let queries = a.queries.as_deref().unwrap_or(Path::new("--queries"));
        bail!(
            "load stage: --base {} has [{}, {}] floats; expected [{}, {}]: one row per code in {} ({}) \
             and the queries' {} dims ({})",
            path.display(),
            base.rows,
            base.cols,
            db.len(),
            x.cols,
            a.codes.display(),
            db.len(),
            x.cols,
            queries.display()
        );
    }
    Ok(base)
}

/// The query codes of `search`: read from `--query-codes`, or `--queries` encoded with the
/// projection of the database codes `db` (flags resolved against its sidecar); with the float
/// queries and their projector in the second case.
fn search_queries(
    a: &SearchArgs,
    db: &CodeFile,
    bits: usize,
) -> Result<(CodeMatrix, Option<(Matrix, Projector)>)> {
    match (&a.query_codes, &a.queries) {
        (Some(q), _) => {
            let qf = CodeFile::open(q).context("load stage")?;
            db.check_query_codes(&qf).context("search stage")?;
            let format = qf.order(a.format, "--format").context("search stage")?;
            Ok((qf.decode(bits, format).context("load stage")?, None))
        }
        (None, Some(qf)) => {
            let x = data::read_matrix(qf).context("load stage")?;
            db.check_dims(qf, x.cols).context("search stage")?;
            let opts = codefile::resolve_projection(&a.proj, db).context("search stage")?;
            let proj = build_projector(&opts, x.cols, Some(bits), None).context("encode stage")?;
            let codes = if db.fused() {
                proj.encode_fused(&x.data, a.threads)
            } else {
                proj.encode(&x.data, a.threads)
            }
            .with_context(|| format!("encode stage: {}", qf.display()))?;
            Ok((codes, Some((x, proj))))
        }
        (None, None) => bail!("search stage: give --query-codes or --queries"),
    }
}

/// Hamming candidates re-ranked by exact float inner product with the base rows.
fn rerank_exact(
    base: &Matrix,
    x: &Matrix,
    found: &engine::KnnResult,
    k: usize,
) -> Result<Vec<engine::floats::Scored>> {
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
