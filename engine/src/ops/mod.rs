//! The operations behind `binaryllm encode`, `search` and `export` as typed requests over files
//! (cargo's `ops` layout): [`encode`] a float matrix file into a code file with its sidecar
//! ([`encode_file`] streams it), [`search`] a code file, [`export`] codes to FAISS / numpy
//! layouts. Each returns the [`Written`] line the command line prints. [`codes`] reads code
//! files with their sidecars. They sit above [`crate::engine`] (kernels) and
//! [`crate::projection`] (projectors), which know nothing of files' sidecars.

pub mod codes;
pub mod encode_file;
pub mod inspect;

pub use encode_file::{InputFloats, StreamOptions, Streamed, encode_npy_file};

use crate::Stage;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::data::{self, Matrix};
use crate::engine::sidecar::{self, ByteOrder};
use crate::engine::{self, CodeMatrix};
use crate::outfile::{Target, Written};
use crate::projection::Projector;
use crate::projection::choice::{ProjectionChoice, build_projector};
use codes::{SidecarCodes, bit_order};

/// Encoding a float matrix file (`binaryllm encode`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeRequest {
    /// Float vectors (`.npy` or `.fvecs`).
    pub input: PathBuf,
    /// Code width (required unless `projection.projection_file` gives it).
    pub bits: Option<usize>,
    /// The projection; trained kinds train on `projection.train`, else on `input`.
    pub projection: ProjectionChoice,
    /// Output code file (`uint8 [N, bytes]` `.npy`, with a sidecar `OUT.json`).
    pub out: PathBuf,
    /// Replace an output binaryllm wrote before.
    pub force: bool,
    /// Byte order of the written codes.
    pub order: ByteOrder,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// The fused (FMA) arithmetic instead of the bit-exact reference.
    pub fma: bool,
}

/// Encodes the input of `r`, writes the codes and their sidecar: a `.npy` input is mapped (f32
/// read in place, other float dtypes converted block by block), an `.fvecs` read whole, and the
/// codes are streamed into the output ([`encode_npy_file`]).
pub fn encode(r: &EncodeRequest) -> Result<Written> {
    let target = Target::file(&r.out, r.force)?;
    let input = InputFloats::open(&r.input).context(Stage::Load)?;
    // The floats themselves only when the projection trains on them (a converted input is
    // then converted whole; encoding reads it block by block).
    let values = if r.projection.trains_on_fallback(r.bits) {
        Some(input.all_values().context(Stage::Load)?)
    } else {
        None
    };
    let fallback = values.as_deref().map(|v| (v, r.input.as_path()));
    let proj = match build_projector(&r.projection, input.dims(), r.bits, fallback) {
        Ok(p) => p,
        Err(e) => {
            // A value that is not finite is a load error, reported before anything else.
            input.check_finite().context(Stage::Load)?;
            return Err(e.context(Stage::Encode));
        }
    };
    let nb = proj.bits().div_ceil(8);
    let what = format!(
        "{} codes of {} bits, {} bit order",
        input.rows(),
        proj.bits(),
        r.order.name()
    );
    let opts = StreamOptions {
        threads: r.threads,
        fused: r.fma,
        order: bit_order(r.order),
    };
    let shape = format!("uint8 [{}, {nb}]", input.rows());
    target.write_streamed(what, shape, |out| {
        let s = encode_npy_file(&input, &proj, &opts, out).map_err(|e| stream_error(r, e))?;
        let side = codes::encode_sidecar(r, &proj, s.rows, s.sha256, s.input_sha256)
            .context(Stage::Output)?;
        serde_json::to_value(&side).context(Stage::Output)
    })
}

/// The stage and input of a streaming encode's error.
fn stream_error(r: &EncodeRequest, e: encode_file::StreamError) -> anyhow::Error {
    use encode_file::StreamError;
    match e {
        StreamError::Load(e) => anyhow::Error::new(e).context(Stage::Load),
        StreamError::Encode(e) => anyhow::Error::new(e)
            .context(format!("{}", r.input.display()))
            .context(Stage::Encode),
        StreamError::Write(e) => anyhow::Error::new(e).context(format!(
            "{}: {}: cannot write",
            Stage::Output,
            r.out.display()
        )),
    }
}

/// The output of [`export`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// A FAISS `IndexBinaryFlat` file.
    FaissIndex,
    /// A FAISS `IndexBinaryIVF` file of `nlist` lists (default `ceil(4·sqrt(N))`, at most N)
    /// whose centroids are codes sampled with `seed`.
    FaissIvf {
        /// Inverted lists.
        nlist: Option<usize>,
        /// Seed of the centroid sample.
        seed: u64,
    },
    /// MSB-first `uint8` codes (sentence-transformers `ubinary`).
    Ubinary,
    /// A SQL script creating a pgvector table of `bit(n)` codes.
    PgvectorSql,
}

/// FAISS's rule of thumb for IVF lists, `ceil(4·sqrt(n))`, at most `n` (and at least 1).
pub fn default_nlist(n: usize) -> usize {
    ((4.0 * (n as f64).sqrt()).ceil() as usize).clamp(1, n.max(1))
}

/// Exporting a code file (`binaryllm export`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportRequest {
    /// The code file (with its sidecar when it has one).
    pub codes: PathBuf,
    /// Its byte order (default: the sidecar's, else faiss).
    pub codes_order: Option<ByteOrder>,
    /// Its code width (default: the sidecar's, else 8 × bytes per row).
    pub bits: Option<usize>,
    /// Output format.
    pub format: ExportFormat,
    /// Output file (with a sidecar carrying the codes' provenance).
    pub out: PathBuf,
    /// Replace an output binaryllm wrote before.
    pub force: bool,
}

/// Writes the codes of `r` in its format, with a sidecar.
pub fn export(r: &ExportRequest) -> Result<Written> {
    let target = Target::file(&r.out, r.force)?;
    let src = SidecarCodes::open(&r.codes).context(Stage::Load)?;
    let bits = src.bits(r.bits).context(Stage::Export)?;
    let format = src
        .order(r.codes_order, "--codes-format")
        .context(Stage::Export)?;
    let codes = src.decode(bits, format).context(Stage::Load)?;
    let (n, nb) = (codes.len(), codes.layout().bytes());
    let (bytes, kind, order, what, shape) = match r.format {
        ExportFormat::FaissIndex => {
            let bytes = engine::export::faiss_index_binary_flat(&codes)
                .with_context(|| format!("{}: {}", Stage::Export, r.codes.display()))?;
            let what = format!("FAISS IndexBinaryFlat of {n} codes of {bits} bits");
            let shape = format!("faiss-index, {n} × {nb} code bytes");
            (
                bytes,
                sidecar::FAISS_INDEX_FORMAT,
                ByteOrder::Faiss,
                what,
                shape,
            )
        }
        ExportFormat::FaissIvf { nlist, seed } => {
            let nlist = nlist.unwrap_or_else(|| default_nlist(n));
            let bytes = engine::export::faiss_index_binary_ivf(&codes, nlist, seed)
                .with_context(|| format!("{}: {}", Stage::Export, r.codes.display()))?;
            let what = format!(
                "FAISS IndexBinaryIVF of {n} codes of {bits} bits, {nlist} lists (centroids: codes sampled with seed {seed}; nprobe 1)"
            );
            let shape = format!("faiss-ivf, {n} × {nb} code bytes");
            (
                bytes,
                sidecar::FAISS_INDEX_FORMAT,
                ByteOrder::Faiss,
                what,
                shape,
            )
        }
        ExportFormat::Ubinary => {
            let shape = [n as u64, nb as u64];
            let bytes = data::npy_bytes(&shape, &engine::export::to_ubinary(&codes))
                .context(Stage::Output)?;
            let what = format!("{n} codes of {bits} bits, MSB-first (ubinary)");
            let shape = format!("uint8 [{n}, {nb}]");
            (
                bytes,
                sidecar::CODES_FORMAT,
                ByteOrder::Packbits,
                what,
                shape,
            )
        }
        ExportFormat::PgvectorSql => {
            let bytes = engine::export::pgvector_sql(&codes).into_bytes();
            let what = format!(
                "SQL creating table {} of {n} pgvector bit({bits}) codes",
                engine::export::PGVECTOR_TABLE
            );
            let shape = format!("SQL, {n} rows");
            (
                bytes,
                sidecar::PGVECTOR_SQL_FORMAT,
                ByteOrder::Packbits,
                what,
                shape,
            )
        }
    };
    let side = codes::export_sidecar(&src, kind, order, &codes, data::sha256_bytes(&bytes));
    let side = serde_json::to_value(&side).context(Stage::Output)?;
    let notices = src.notice.iter().map(|n| format!("notice: {n}"));
    Ok(target
        .write(&bytes, Some(side), what, shape)?
        .with_notices(notices))
}

/// Searching a code file (`binaryllm search`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchRequest {
    /// The database code file.
    pub codes: PathBuf,
    /// Query codes (a code file), or …
    pub query_codes: Option<PathBuf>,
    /// … float queries, encoded with the database's projection (resolved against its sidecar).
    pub queries: Option<PathBuf>,
    /// Code width (default: the sidecar's).
    pub bits: Option<usize>,
    /// Projection of the float queries; unset values come from the database's sidecar.
    pub projection: ProjectionChoice,
    /// Neighbours per query.
    pub k: usize,
    /// Float base vectors (one row per code): re-rank Hamming candidates by inner product.
    pub base: Option<PathBuf>,
    /// Hamming candidates to re-rank (default: all codes).
    pub rerank: Option<usize>,
    /// Re-rank by the asymmetric score ([`crate::engine::asym::AsymScorer`]) instead of `base`.
    pub asymmetric: bool,
    /// Byte order of the code files (default: the sidecar's, else faiss).
    pub order: Option<ByteOrder>,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// Output directory: `ids.npy` and `distances.npy`, or `ids.npy` and `scores.npy`.
    pub out: PathBuf,
    /// Replace an output binaryllm wrote before.
    pub force: bool,
}

/// A result array of [`search`].
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

/// The files of `search` (name, array) and their shape `[queries, k]`.
type SearchFiles = ([u64; 2], Vec<(&'static str, Column)>);

/// The inputs of a search, read and checked.
struct SearchInputs {
    /// What could not be checked about the code files (their [`SidecarCodes::notice`]).
    notices: Vec<String>,
    db: CodeMatrix,
    queries: CodeMatrix,
    float_queries: Option<(Matrix, Projector)>,
    base: Option<Matrix>,
}

fn check_request(r: &SearchRequest) -> Result<()> {
    if r.k == 0 {
        bail!("{}: k must be at least 1", Stage::Search);
    }
    if r.rerank == Some(0) {
        bail!("{}: --rerank must be at least 1", Stage::Search);
    }
    if r.rerank.is_some() && r.base.is_none() && !r.asymmetric {
        bail!(
            "{}: --rerank needs --base FLOATS.npy or --asymmetric",
            Stage::Search
        );
    }
    Ok(())
}

fn search_inputs(r: &SearchRequest) -> Result<SearchInputs> {
    let dbf = SidecarCodes::open(&r.codes).context(Stage::Load)?;
    let bits = dbf.bits(r.bits).context(Stage::Search)?;
    let format = dbf.order(r.order, "--format").context(Stage::Search)?;
    let db = dbf.decode(bits, format).context(Stage::Load)?;
    let Queries {
        codes: queries,
        floats: float_queries,
        notice: query_notice,
    } = search_queries(r, &dbf, bits)?;
    if let Some(bp) = &r.base {
        dbf.check_input("--base", bp).context(Stage::Search)?;
    }
    if queries.layout() != db.layout() {
        bail!(
            "{}: query codes have {} bits, the database ({}) has {}",
            Stage::Search,
            queries.layout().bits(),
            r.codes.display(),
            db.layout().bits()
        );
    }
    let base = match (&r.base, &float_queries) {
        (Some(bp), Some((x, _))) => Some(read_base(bp, r, &db, x)?),
        _ => None,
    };
    let notices = [dbf.notice, query_notice].into_iter().flatten();
    Ok(SearchInputs {
        notices: notices.map(|n| format!("notice: {n}")).collect(),
        db,
        queries,
        float_queries,
        base,
    })
}

/// Searches the codes of `r`, writes the result directory.
pub fn search(r: &SearchRequest) -> Result<Written> {
    check_request(r)?;
    let target = Target::dir(&r.out, r.force)?;
    let inputs = search_inputs(r)?;
    let db = &inputs.db;
    let mut notices = inputs.notices.clone();
    if r.k > db.len() {
        notices.push(format!(
            "warning: k = {} is larger than the database ({} codes in {}): clamped to {}",
            r.k,
            db.len(),
            r.codes.display(),
            db.len()
        ));
    }
    let (shape, files) = search_results(r, &inputs)?;
    let rd = target.create_dir()?;
    notices.extend(rd.notices().iter().cloned());
    for (name, file) in &files {
        let path = rd.path().join(name);
        match file {
            Column::Ids(v) => data::write_npy(&path, &shape, v),
            Column::Distances(v) => data::write_npy(&path, &shape, v),
            Column::Scores(v) => data::write_npy(&path, &shape, v),
        }
        .context(Stage::Output)?;
    }
    let path = rd.commit()?;
    let [nq, k] = shape;
    let what = files
        .iter()
        .map(|(name, f)| format!("{name} {} [{nq}, {k}]", f.dtype()))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Written::dir(path, what).with_notices(notices))
}

/// The files of `search` and their shape `[queries, k]`: ids and Hamming distances, or ids
/// and re-ranking scores.
fn search_results(r: &SearchRequest, inp: &SearchInputs) -> Result<SearchFiles> {
    let (db, queries) = (&inp.db, &inp.queries);
    let rescoring = r.base.is_some() || r.asymmetric;
    if let (true, Some((x, proj))) = (rescoring, &inp.float_queries) {
        let depth = r.rerank.unwrap_or(db.len()).max(r.k).min(db.len());
        let found = engine::knn(db, queries, depth, r.threads).context(Stage::Search)?;
        let k = r.k.min(db.len());
        let lists = if let Some(b) = &inp.base {
            let bm = engine::F32Matrix::new(&b.data, b.cols).context(Stage::Load)?;
            let qm = engine::F32Matrix::new(&x.data, x.cols).context(Stage::Load)?;
            engine::rerank::exact(bm, qm, &found, k)
        } else {
            let y = proj.project(&x.data, r.threads).context(Stage::Search)?;
            engine::rerank::asymmetric(&y, &proj.threshold_vec(), db.as_set(), &found, k)
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
    let found = engine::knn(db, queries, r.k, r.threads).context(Stage::Search)?;
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
fn read_base(path: &Path, r: &SearchRequest, db: &CodeMatrix, x: &Matrix) -> Result<Matrix> {
    let base = data::read_matrix(path).context(Stage::Load)?;
    if base.rows != db.len() || base.cols != x.cols {
        let queries = r.queries.as_deref().unwrap_or(Path::new("--queries"));
        bail!(
            "{}: --base {} has [{}, {}] floats; expected [{}, {}]: one row per code in {} ({}) \
             and the queries' {} dims ({})",
            Stage::Load,
            path.display(),
            base.rows,
            base.cols,
            db.len(),
            x.cols,
            r.codes.display(),
            db.len(),
            x.cols,
            queries.display()
        );
    }
    Ok(base)
}

/// The queries of `search`.
struct Queries {
    codes: CodeMatrix,
    /// The float queries and their projector (when encoded here).
    floats: Option<(Matrix, Projector)>,
    /// The query code file's [`SidecarCodes::notice`].
    notice: Option<String>,
}

/// The query codes of `search`: read from `query_codes`, or `queries` encoded with the
/// projection of the database codes `db` (options resolved against its sidecar); with the float
/// queries and their projector in the second case, and the query code file's notice in the
/// first.
fn search_queries(r: &SearchRequest, db: &SidecarCodes, bits: usize) -> Result<Queries> {
    match (&r.query_codes, &r.queries) {
        (Some(q), _) => {
            let qf = SidecarCodes::open(q).context(Stage::Load)?;
            db.check_query_codes(&qf).context(Stage::Search)?;
            let format = qf.order(r.order, "--format").context(Stage::Search)?;
            let codes = qf.decode(bits, format).context(Stage::Load)?;
            Ok(Queries {
                codes,
                floats: None,
                notice: qf.notice,
            })
        }
        (None, Some(qf)) => {
            let x = data::read_matrix(qf).context(Stage::Load)?;
            db.check_dims(qf, x.cols).context(Stage::Search)?;
            let opts = codes::resolve_projection(&r.projection, db).context(Stage::Search)?;
            let proj = build_projector(&opts, x.cols, Some(bits), None).context(Stage::Encode)?;
            let codes = if db.fused() {
                proj.encode_fused(&x.data, r.threads)
            } else {
                proj.encode(&x.data, r.threads)
            }
            .with_context(|| format!("{}: {}", Stage::Encode, qf.display()))?;
            Ok(Queries {
                codes,
                floats: Some((x, proj)),
                notice: None,
            })
        }
        (None, None) => bail!("{}: give --query-codes or --queries", Stage::Search),
    }
}
