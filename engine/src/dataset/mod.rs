//! Data sets: the catalog (`configs/datasets.toml`), loading with sha256 checks, the
//! normalisation policy, and the seeded synthetic generators.

pub mod groundtruth;
pub mod judged;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use binaryllm_core::rng::SeededStream;
use serde::{Deserialize, Serialize};

use crate::config::{DatasetSpec, Normalization, SyntheticSpec};
use crate::data::{self, DataError, IntArray, Matrix};

/// The catalog compiled into the binary.
pub const CATALOG_TOML: &str = include_str!("../../../configs/datasets.toml");

/// Where an entry's relative paths start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Root {
    /// The repository root.
    Repo,
    /// `$BINARYLLM_DATA`, else `<repo>/../shared/data`.
    Data,
}

/// A file of a catalog entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// Path relative to the entry's root.
    pub path: String,
    /// Expected sha256 (lowercase hex).
    pub sha256: String,
}

/// The files of a catalog entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Files {
    /// Base vectors.
    pub base: FileRef,
    /// Query vectors.
    pub queries: FileRef,
    /// Base labels.
    pub base_labels: Option<FileRef>,
    /// Query labels.
    pub query_labels: Option<FileRef>,
    /// Exact float top-k ids.
    pub gt: Option<FileRef>,
    /// A judged query set: its queries (with `judged_qrels`).
    pub judged_queries: Option<FileRef>,
    /// The judgments of `judged_queries` over the base rows (TREC or BEIR qrels).
    pub judged_qrels: Option<FileRef>,
}

/// One catalog entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    /// The id configs use.
    pub id: String,
    /// What it is.
    pub description: String,
    /// Where relative paths start (file entries).
    pub root: Option<Root>,
    /// Encoder id.
    pub encoder: String,
    /// Licence of the data.
    pub licence: String,
    /// Dimensionality (file entries; checked on load).
    pub dims: Option<usize>,
    /// Stored dtype (informational).
    pub dtype: Option<String>,
    /// Number of base rows (checked on load).
    pub n_base: Option<usize>,
    /// Number of queries (checked on load).
    pub n_queries: Option<usize>,
    /// Class names by label id.
    pub label_names: Option<Vec<String>>,
    /// The files (file entries).
    pub files: Option<Files>,
    /// Shell commands that make the files, with `DIR` for their directory (entries that are
    /// not shipped; printed when the files are missing).
    pub make: Option<String>,
    /// Synthetic generator: `clusters`, `sphere` or `angles`.
    pub generator: Option<String>,
    /// Generator defaults.
    pub params: Option<SyntheticSpec>,
}

/// The whole catalog.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// The entries.
    #[serde(rename = "dataset")]
    pub datasets: Vec<CatalogEntry>,
}

impl Catalog {
    /// The built-in catalog.
    pub fn builtin() -> Result<Self> {
        toml::from_str(CATALOG_TOML).context("built-in data set catalog configs/datasets.toml")
    }

    /// The entry `id`.
    pub fn get(&self, id: &str) -> Option<&CatalogEntry> {
        self.datasets.iter().find(|d| d.id == id)
    }

    /// All ids, comma-separated.
    pub fn ids(&self) -> String {
        self.datasets
            .iter()
            .map(|d| d.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub use crate::checkout::repo_root;

/// The directory of the full developer data: `$BINARYLLM_DATA`, else `<repo>/../shared/data`.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("BINARYLLM_DATA") {
        Some(d) => PathBuf::from(d),
        None => repo_root().join("../shared/data"),
    }
}

/// One input file of a loaded data set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileInfo {
    /// `base`, `queries`, `base_labels`, `query_labels` or `gt`.
    pub role: String,
    /// The path as opened.
    pub path: String,
    /// Its sha256.
    pub sha256: String,
}

/// Exact float neighbours: `k` base ids per query, best first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Neighbors {
    /// Neighbours per query.
    pub k: usize,
    /// `queries · k` ids, row-major.
    pub ids: Vec<u32>,
}

impl Neighbors {
    /// The neighbours of query `q`.
    pub fn query(&self, q: usize) -> &[u32] {
        &self.ids[q * self.k..(q + 1) * self.k]
    }
}

/// A loaded, validated data set.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Catalog id, or `files` / the generator for ad-hoc data.
    pub id: String,
    /// Encoder id.
    pub encoder: String,
    /// Base vectors.
    pub base: Matrix,
    /// Query vectors.
    pub queries: Matrix,
    /// Base labels.
    pub base_labels: Option<Vec<i64>>,
    /// Query labels.
    pub query_labels: Option<Vec<i64>>,
    /// Class names.
    pub label_names: Option<Vec<String>>,
    /// Ground truth read from a file (validated), if any.
    pub gt: Option<Neighbors>,
    /// The input files.
    pub files: Vec<FileInfo>,
    /// Digest of the inputs: sha256 over `role sha256` lines (files), or over the generated
    /// vectors (synthetic).
    pub sha256: String,
    /// Normalisation applied.
    pub normalization: Normalization,
    /// The judged query set, if any.
    pub judged: Option<judged::JudgedTask>,
}

/// Tolerance of the `require` policy on `| ‖x‖₂ − 1 |`.
pub const NORM_TOLERANCE: f64 = 1e-3;

/// A row violates the normalisation policy.
#[derive(Debug, thiserror::Error)]
pub enum NormError {
    /// `require`: a row's norm is off by more than [`NORM_TOLERANCE`].
    #[error(
        "{}: row {row} has L2 norm {norm:.6}, off by more than 1e-3 (normalization = \"require\"; set it to \"l2\" to normalise or \"none\" to use rows as they are)",
        path.display()
    )]
    NormOff {
        /// The file.
        path: PathBuf,
        /// The row.
        row: usize,
        /// Its norm.
        norm: f64,
    },
    /// `l2`: a zero row cannot be normalised.
    #[error("{}: row {row} is all zeros and cannot be L2-normalised", path.display())]
    ZeroRow {
        /// The file.
        path: PathBuf,
        /// The row.
        row: usize,
    },
}

/// Applies `policy` to `m` (read from `path`).
pub fn normalize(m: &mut Matrix, policy: Normalization, path: &Path) -> Result<(), NormError> {
    let cols = m.cols;
    for (row, x) in m.data.chunks_exact_mut(cols).enumerate() {
        let norm = x
            .iter()
            .map(|&v| f64::from(v) * f64::from(v))
            .sum::<f64>()
            .sqrt();
        match policy {
            Normalization::Require if (norm - 1.0).abs() > NORM_TOLERANCE => {
                return Err(NormError::NormOff {
                    path: path.to_path_buf(),
                    row,
                    norm,
                });
            }
            Normalization::L2 => {
                if norm == 0.0 {
                    return Err(NormError::ZeroRow {
                        path: path.to_path_buf(),
                        row,
                    });
                }
                for v in x.iter_mut() {
                    *v = (f64::from(*v) / norm) as f32;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Where the data of a spec comes from, resolved.
#[derive(Clone, Debug)]
struct Sources {
    base: PathBuf,
    queries: PathBuf,
    base_labels: Option<PathBuf>,
    query_labels: Option<PathBuf>,
    gt: Option<PathBuf>,
    sha: Vec<(String, Option<String>)>,
}

/// Loads the data set of `spec` (relative paths against `base_dir`).
pub fn load(spec: &DatasetSpec, base_dir: &Path, catalog: &Catalog) -> Result<Dataset> {
    let mut ds = match &spec.id {
        Some(id) => load_catalog(id, spec, catalog),
        None => load_given(spec, base_dir),
    }?;
    ds.judged = judged::load(spec, base_dir, catalog, &ds).context("judged query set")?;
    if ds.judged.is_none() && spec.base_ids.is_some() {
        bail!(
            "`base_ids` maps the document ids of judgments, but data set `{}` has no judged query set (give `qrels` or [dataset.judged])",
            ds.id
        );
    }
    Ok(ds)
}

/// The catalog entry `id` (synthetic, or files in the repository or the data directory), with
/// the overrides of `spec`.
fn load_catalog(id: &str, spec: &DatasetSpec, catalog: &Catalog) -> Result<Dataset> {
    let entry = catalog
        .get(id)
        .with_context(|| format!("unknown data set id `{id}` (catalog: {})", catalog.ids()))?;
    if let Some(generator) = &entry.generator {
        let params = spec
            .synthetic
            .clone()
            .unwrap_or_default()
            .or(&entry.params.clone().unwrap_or_default());
        return synthetic(id, generator, &params, spec.normalization);
    }
    if spec.synthetic.is_some() {
        bail!("data set `{id}` is not synthetic: remove [dataset.synthetic]");
    }
    let files = entry
        .files
        .as_ref()
        .with_context(|| format!("catalog entry `{id}` has neither files nor a generator"))?;
    let src = catalog_sources(entry, files);
    if !src.base.is_file() && entry.root == Some(Root::Data) {
        bail!("{}", missing_files(entry, files, &src.base));
    }
    let mut ds = load_files(
        id,
        spec.encoder.as_deref().unwrap_or(&entry.encoder),
        &src,
        spec.normalization,
    )?;
    check_catalog_shape(id, entry, &ds)?;
    if let Some(names) = &entry.label_names {
        check_label_names(&ds, names, &format!("the catalog entry `{id}`"))?;
    }
    ds.label_names = entry.label_names.clone();
    Ok(ds)
}

/// The files of a catalog entry and their recorded digests.
fn catalog_sources(entry: &CatalogEntry, files: &Files) -> Sources {
    let root = match entry.root.unwrap_or(Root::Repo) {
        Root::Repo => repo_root(),
        Root::Data => data_dir(),
    };
    let at = |f: &FileRef| root.join(&f.path);
    let opt = |f: &Option<FileRef>| f.as_ref().map(at);
    let sha = |role: &str, f: &Option<FileRef>| {
        f.as_ref()
            .map(|f| (role.to_string(), Some(f.sha256.clone())))
    };
    let mut shas = vec![
        ("base".to_string(), Some(files.base.sha256.clone())),
        ("queries".to_string(), Some(files.queries.sha256.clone())),
    ];
    shas.extend(sha("base_labels", &files.base_labels));
    shas.extend(sha("query_labels", &files.query_labels));
    shas.extend(sha("gt", &files.gt));
    Sources {
        base: at(&files.base),
        queries: at(&files.queries),
        base_labels: opt(&files.base_labels),
        query_labels: opt(&files.query_labels),
        gt: opt(&files.gt),
        sha: shas,
    }
}

/// The files of `id` have the shape its catalog entry records.
fn check_catalog_shape(id: &str, entry: &CatalogEntry, ds: &Dataset) -> Result<()> {
    for (what, expected, actual) in [
        ("dims", entry.dims, ds.base.cols),
        ("n_base", entry.n_base, ds.base.rows),
        ("n_queries", entry.n_queries, ds.queries.rows),
    ] {
        if let Some(e) = expected
            && e != actual
        {
            bail!("data set `{id}`: catalog says {what} = {e}, the files have {actual}");
        }
    }
    Ok(())
}

/// `base` + `queries` (and the optional files) of `spec`, relative to `base_dir`.
fn load_given(spec: &DatasetSpec, base_dir: &Path) -> Result<Dataset> {
    let rel = |p: &Option<PathBuf>| p.as_ref().map(|p| base_dir.join(p));
    let (Some(base), Some(queries)) = (rel(&spec.base), rel(&spec.queries)) else {
        bail!("[dataset] needs `id` or both `base` and `queries`");
    };
    let src = Sources {
        base,
        queries,
        base_labels: rel(&spec.base_labels),
        query_labels: rel(&spec.query_labels),
        gt: rel(&spec.gt),
        sha: vec![],
    };
    let mut ds = load_files(
        "files",
        spec.encoder.as_deref().unwrap_or("unknown"),
        &src,
        spec.normalization,
    )?;
    if let Some(names) = &spec.label_names {
        check_label_names(&ds, names, "`[dataset] label_names`")?;
        ds.label_names = Some(names.clone());
    }
    Ok(ds)
}

/// The message for an entry whose files are not in the data directory: what they are, how to
/// make them (the entry's `make`), and how to point at them.
fn missing_files(entry: &CatalogEntry, files: &Files, base: &Path) -> String {
    let dir = data_dir();
    let from = match std::env::var_os("BINARYLLM_DATA") {
        Some(_) => format!("BINARYLLM_DATA={}", dir.display()),
        None => format!(
            "BINARYLLM_DATA is unset, so ../shared/data beside the repository: {}",
            dir.display()
        ),
    };
    let names: Vec<&str> = [Some(&files.base), Some(&files.queries)]
        .into_iter()
        .chain([&files.base_labels, &files.query_labels, &files.gt].map(Option::as_ref))
        .flatten()
        .map(|f| f.path.as_str())
        .collect();
    let make = entry.make.as_deref().map_or(String::new(), |m| {
        format!("\n  make them (from the repository root; DIR = where they go): {m}")
    });
    format!(
        "{} is missing ({from}).\n  what: {}\n  files: {} ({}){make}\n  \
         point at them: BINARYLLM_DATA=DIR (or put them in ../shared/data beside the repository)",
        base.display(),
        entry.description,
        names.join(", "),
        entry.licence,
    )
}

/// Every label of `ds` must name one of `names` (`source` says where they come from).
fn check_label_names(ds: &Dataset, names: &[String], source: &str) -> Result<()> {
    for (role, labels) in [
        ("base_labels", &ds.base_labels),
        ("query_labels", &ds.query_labels),
    ] {
        let Some(labels) = labels else { continue };
        if let Some((row, l)) = labels
            .iter()
            .enumerate()
            .find(|&(_, &l)| l >= names.len() as i64)
        {
            let file = ds
                .files
                .iter()
                .find(|f| f.role == role)
                .map_or(role, |f| f.path.as_str());
            bail!(
                "{file}: label {l} at row {row} is out of range: {source} names {} classes, \
                 so labels must be 0..={}",
                names.len(),
                names.len().saturating_sub(1)
            );
        }
    }
    Ok(())
}

fn check_sha(path: &Path, role: &str, sources: &Sources) -> Result<String, DataError> {
    let actual = data::sha256_file(path)?;
    if let Some((_, Some(expected))) = sources.sha.iter().find(|(r, _)| r == role)
        && *expected != actual
    {
        return Err(DataError::Checksum {
            path: path.to_path_buf(),
            expected: expected.clone(),
            actual,
        });
    }
    Ok(actual)
}

fn load_files(id: &str, encoder: &str, src: &Sources, policy: Normalization) -> Result<Dataset> {
    let mut files = Vec::new();
    let mut info = |role: &str, path: &Path| -> Result<()> {
        let sha256 = check_sha(path, role, src)?;
        files.push(FileInfo {
            role: role.to_string(),
            path: path.display().to_string(),
            sha256,
        });
        Ok(())
    };
    info("base", &src.base)?;
    let mut base = data::read_matrix(&src.base)?;
    normalize(&mut base, policy, &src.base)?;
    info("queries", &src.queries)?;
    let mut queries = data::read_matrix(&src.queries)?;
    if queries.cols != base.cols {
        bail!(
            "{}: queries have {} dimensions, the base vectors ({}) have {}",
            src.queries.display(),
            queries.cols,
            src.base.display(),
            base.cols
        );
    }
    normalize(&mut queries, policy, &src.queries)?;
    let mut labels = |path: &Option<PathBuf>, role: &str, n: usize| -> Result<Option<Vec<i64>>> {
        let Some(p) = path else { return Ok(None) };
        info(role, p)?;
        read_labels(p, role, n).map(Some)
    };
    let base_labels = labels(&src.base_labels, "base_labels", base.rows)?;
    let query_labels = labels(&src.query_labels, "query_labels", queries.rows)?;
    let gt = match &src.gt {
        Some(p) => {
            info("gt", p)?;
            Some(gt_from(p, data::read_ints(p)?, queries.rows, base.rows)?)
        }
        None => None,
    };
    let digest = data::sha256_bytes(
        files
            .iter()
            .map(|f| format!("{} {}\n", f.role, f.sha256))
            .collect::<String>()
            .as_bytes(),
    );
    Ok(Dataset {
        id: id.to_string(),
        encoder: encoder.to_string(),
        base,
        queries,
        base_labels,
        query_labels,
        label_names: None,
        gt,
        files,
        sha256: digest,
        normalization: policy,
        judged: None,
    })
}

/// The class labels in `p` (`role` `base_labels` or `query_labels`): a 1-d array of `n`
/// non-negative ids.
fn read_labels(p: &Path, role: &str, n: usize) -> Result<Vec<i64>> {
    let a = data::read_ints(p)?;
    if !a.one_d && a.cols != 1 {
        bail!(
            "{}: labels must be a 1-d array, got shape [{}, {}]",
            p.display(),
            a.rows,
            a.cols
        );
    }
    if a.rows != n {
        bail!(
            "{}: {} labels for {n} {} rows",
            p.display(),
            a.rows,
            if role == "base_labels" {
                "base"
            } else {
                "query"
            }
        );
    }
    if let Some((row, l)) = a.data.iter().enumerate().find(|&(_, &l)| l < 0) {
        bail!(
            "{}: label {l} at row {row} is negative (class labels are ids 0, 1, 2, …)",
            p.display()
        );
    }
    Ok(a.data)
}

fn gt_from(path: &Path, a: IntArray, n_queries: usize, n_base: usize) -> Result<Neighbors> {
    if a.rows != n_queries || a.one_d {
        bail!(
            "{}: ground truth has {} rows (shape [{}, {}]), expected one row per query ({n_queries})",
            path.display(),
            a.rows,
            a.rows,
            a.cols
        );
    }
    if let Some(i) = a
        .data
        .iter()
        .position(|&v| v < 0 || v as u64 >= n_base as u64)
    {
        bail!(
            "{}: ground-truth id {} (query {}, rank {}) is outside the base (0..{n_base})",
            path.display(),
            a.data[i],
            i / a.cols,
            i % a.cols
        );
    }
    Ok(Neighbors {
        k: a.cols,
        ids: a.data.into_iter().map(|v| v as u32).collect(),
    })
}

/// Generator stream tags.
const TAG_CLUSTERS: [u8; 8] = *b"synclust";
const TAG_SPHERE: [u8; 8] = *b"synspher";
const TAG_ANGLES: [u8; 8] = *b"synangle";

fn normal_vec(s: &mut SeededStream, dims: usize) -> Vec<f64> {
    let mut v = Vec::with_capacity(dims + 1);
    while v.len() < dims {
        let (a, b) = s.next_normal_pair();
        v.push(f64::from(a));
        v.push(f64::from(b));
    }
    v.truncate(dims);
    v
}

fn unit(mut v: Vec<f64>) -> Vec<f64> {
    let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if n > 0.0 {
        for x in &mut v {
            *x /= n;
        }
    } else if let Some(first) = v.first_mut() {
        *first = 1.0;
    }
    v
}

fn to_matrix(rows: Vec<Vec<f64>>, dims: usize) -> Matrix {
    let n = rows.len();
    Matrix::new(
        n,
        dims,
        rows.into_iter().flatten().map(|x| x as f32).collect(),
    )
}
/// Base rows, query rows and their class labels (when the generator has classes), unit rows.
type Generated = (
    Vec<Vec<f64>>,
    Vec<Vec<f64>>,
    Option<Vec<i64>>,
    Option<Vec<i64>>,
);

/// `sphere`: i.i.d. uniform points on the unit sphere.
fn sphere(seed: u64, n_base: usize, n_queries: usize, dims: usize) -> Generated {
    let mut sb = SeededStream::new(seed, TAG_SPHERE, 0);
    let mut sq = SeededStream::new(seed, TAG_SPHERE, 1);
    (
        (0..n_base)
            .map(|_| unit(normal_vec(&mut sb, dims)))
            .collect(),
        (0..n_queries)
            .map(|_| unit(normal_vec(&mut sq, dims)))
            .collect(),
        None,
        None,
    )
}

/// `clusters`: `clusters` seeded unit centres, points = centre + Gaussian noise, labelled by
/// centre.
fn clusters(
    id: &str,
    p: &SyntheticSpec,
    seed: u64,
    n_base: usize,
    n_queries: usize,
    dims: usize,
) -> Result<Generated> {
    let clusters = p.clusters.unwrap_or(50);
    let noise = p.noise.unwrap_or(0.6);
    if clusters == 0 || !(noise.is_finite() && noise >= 0.0) {
        bail!("synthetic data set `{id}`: clusters must be >= 1 and noise >= 0");
    }
    let mut sc = SeededStream::new(seed, TAG_CLUSTERS, 0);
    let centres: Vec<Vec<f64>> = (0..clusters)
        .map(|_| unit(normal_vec(&mut sc, dims)))
        .collect();
    let scale = noise / (dims as f64).sqrt();
    let gen_points = |stream: u64, n: usize| {
        let mut s = SeededStream::new(seed, TAG_CLUSTERS, stream);
        let mut rows = Vec::with_capacity(n);
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            let c = ((u64::from(s.next_u32()) * clusters as u64) >> 32) as usize;
            let g = normal_vec(&mut s, dims);
            let v: Vec<f64> = centres[c]
                .iter()
                .zip(&g)
                .map(|(a, b)| a + scale * b)
                .collect();
            rows.push(unit(v));
            labels.push(c as i64);
        }
        (rows, labels)
    };
    let (b, bl) = gen_points(1, n_base);
    let (q, ql) = gen_points(2, n_queries);
    Ok((b, q, Some(bl), Some(ql)))
}

/// `angles`: query `i` has one base row at angle π·(i + ½)/n_queries, the other base rows are
/// uniform on the sphere.
fn angles(id: &str, seed: u64, n_base: usize, n_queries: usize, dims: usize) -> Result<Generated> {
    if n_base < n_queries {
        bail!("synthetic data set `{id}`: the angles generator needs n_base >= n_queries");
    }
    let mut sq = SeededStream::new(seed, TAG_ANGLES, 0);
    let mut su = SeededStream::new(seed, TAG_ANGLES, 1);
    let mut sb = SeededStream::new(seed, TAG_ANGLES, 2);
    let queries: Vec<Vec<f64>> = (0..n_queries)
        .map(|_| unit(normal_vec(&mut sq, dims)))
        .collect();
    let mut base = Vec::with_capacity(n_base);
    for (i, q) in queries.iter().enumerate() {
        let theta = std::f64::consts::PI * (i as f64 + 0.5) / n_queries as f64;
        let u = normal_vec(&mut su, dims);
        let dot: f64 = u.iter().zip(q).map(|(a, b)| a * b).sum();
        let u = unit(u.iter().zip(q).map(|(a, b)| a - dot * b).collect());
        base.push(unit(
            q.iter()
                .zip(&u)
                .map(|(a, b)| theta.cos() * a + theta.sin() * b)
                .collect(),
        ));
    }
    base.extend((n_queries..n_base).map(|_| unit(normal_vec(&mut sb, dims))));
    Ok((base, queries, None, None))
}

/// Generates a synthetic data set (every row unit-norm; deterministic in the params).
pub fn synthetic(
    id: &str,
    generator: &str,
    p: &SyntheticSpec,
    policy: Normalization,
) -> Result<Dataset> {
    let n_base = p.n_base.unwrap_or(5000);
    let n_queries = p.n_queries.unwrap_or(500);
    let dims = p.dims.unwrap_or(128);
    let seed = p.seed.unwrap_or(0);
    if n_base == 0 || n_queries == 0 || dims == 0 || dims > binaryllm_core::MAX_DIMS {
        bail!("synthetic data set `{id}`: n_base, n_queries and dims must be >= 1 (dims <= 65536)");
    }
    let (base, queries, base_labels, query_labels) = match generator {
        "sphere" => sphere(seed, n_base, n_queries, dims),
        "clusters" => clusters(id, p, seed, n_base, n_queries, dims)?,
        "angles" => angles(id, seed, n_base, n_queries, dims)?,
        other => bail!("unknown synthetic generator `{other}` (known: clusters, sphere, angles)"),
    };
    let base = to_matrix(base, dims);
    let queries = to_matrix(queries, dims);
    let mut bytes = Vec::with_capacity((base.data.len() + queries.data.len()) * 4);
    for v in base.data.iter().chain(&queries.data) {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    Ok(Dataset {
        id: id.to_string(),
        encoder: "synthetic".into(),
        base,
        queries,
        base_labels,
        query_labels,
        label_names: None,
        gt: None,
        files: vec![],
        judged: None,
        sha256: data::sha256_bytes(&bytes),
        normalization: policy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses_and_has_the_entries() {
        let c = Catalog::builtin().unwrap();
        for id in [
            "wordnet-minilm-sample",
            "wordnet-minilm",
            "synthetic-clusters",
            "synthetic-sphere",
            "synthetic-angles",
        ] {
            assert!(c.get(id).is_some(), "{id}");
        }
    }

    #[test]
    fn synthetic_sets_are_deterministic_and_unit_norm() {
        for g in ["clusters", "sphere", "angles"] {
            let p = SyntheticSpec {
                n_base: Some(60),
                n_queries: Some(20),
                dims: Some(16),
                ..Default::default()
            };
            let a = synthetic("s", g, &p, Normalization::Require).unwrap();
            let b = synthetic("s", g, &p, Normalization::Require).unwrap();
            assert_eq!(a.base, b.base);
            assert_eq!(a.sha256, b.sha256);
            let mut m = a.base.clone();
            normalize(&mut m, Normalization::Require, Path::new("x")).unwrap();
            let other = synthetic(
                "s",
                g,
                &SyntheticSpec { seed: Some(1), ..p },
                Normalization::Require,
            )
            .unwrap();
            assert_ne!(a.base, other.base);
        }
    }

    #[test]
    fn angles_generator_plants_the_requested_angles() {
        let p = SyntheticSpec {
            n_base: Some(10),
            n_queries: Some(4),
            dims: Some(32),
            ..Default::default()
        };
        let d = synthetic("a", "angles", &p, Normalization::Require).unwrap();
        for i in 0..4 {
            let cos: f64 = d
                .queries
                .row(i)
                .iter()
                .zip(d.base.row(i))
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum();
            let want = (std::f64::consts::PI * (i as f64 + 0.5) / 4.0).cos();
            assert!((cos - want).abs() < 1e-5, "{i}: {cos} vs {want}");
        }
    }

    #[test]
    fn normalization_policies() {
        let mut m = Matrix::new(2, 2, vec![3.0, 4.0, 0.6, 0.8]);
        let e = normalize(&mut m.clone(), Normalization::Require, Path::new("f.npy")).unwrap_err();
        assert!(matches!(e, NormError::NormOff { row: 0, .. }));
        assert!(e.to_string().contains("f.npy"));
        normalize(&mut m, Normalization::L2, Path::new("f.npy")).unwrap();
        assert_eq!(m.data, [0.6, 0.8, 0.6, 0.8]);
        let mut z = Matrix::new(1, 2, vec![0.0, 0.0]);
        assert!(normalize(&mut z, Normalization::L2, Path::new("z")).is_err());
        normalize(&mut z, Normalization::None, Path::new("z")).unwrap();
    }
}
