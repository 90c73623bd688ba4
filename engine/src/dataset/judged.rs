//! The judged query set of a data set: queries with relevance judgments over the base rows
//! ([`crate::qrels`]), from `[dataset] qrels` (the data set's own queries, `eval --qrels`),
//! `[dataset.judged]` (a query set of its own) or a catalog entry's `files.judged_*`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::{DatasetSpec, Normalization};
use crate::data::{self, Matrix};
use crate::dataset::{Catalog, Dataset, FileInfo, FileRef, Root, data_dir, normalize, repo_root};
use crate::qrels::{self, IdMap, Qrels, Side};

/// Queries with relevance judgments over the base rows of a data set.
#[derive(Clone, Debug)]
pub struct JudgedTask {
    /// Where the set comes from: `dataset.qrels`, `dataset.judged` or `catalog <id>`.
    pub source: String,
    /// The judged queries; `None` when they are the data set's queries.
    pub own_queries: Option<Matrix>,
    /// The judgments, by query row.
    pub qrels: Qrels,
    /// How query ids map to rows.
    pub query_ids: IdMap,
    /// How document ids map to base rows.
    pub doc_ids: IdMap,
    /// The input files (roles `judged_queries`, `qrels`, `base_ids`, `query_ids`).
    pub files: Vec<FileInfo>,
}

impl JudgedTask {
    /// The judged queries of `ds`.
    pub fn queries<'a>(&'a self, ds: &'a Dataset) -> &'a Matrix {
        self.own_queries.as_ref().unwrap_or(&ds.queries)
    }

    /// Whether the judged queries are the data set's queries.
    pub fn same_queries(&self) -> bool {
        self.own_queries.is_none()
    }

    /// The qrels file as opened.
    pub fn qrels_file(&self) -> &str {
        self.files
            .iter()
            .find(|f| f.role == "qrels")
            .map_or("qrels", |f| f.path.as_str())
    }
}

/// The files of a judged set, resolved, with the digests a catalog records.
struct JudgedFiles {
    source: String,
    queries: Option<PathBuf>,
    qrels: PathBuf,
    query_ids: Option<PathBuf>,
    base_ids: Option<PathBuf>,
    sha: Vec<(&'static str, String)>,
}

/// The judged set of `spec` for the loaded `ds` (relative paths against `base_dir`), if any:
/// `qrels` or `[dataset.judged]` of the config, else the catalog entry's.
pub fn load(
    spec: &DatasetSpec,
    base_dir: &Path,
    catalog: &Catalog,
    ds: &Dataset,
) -> Result<Option<JudgedTask>> {
    let Some(f) = resolve(spec, base_dir, catalog) else {
        return Ok(None);
    };
    let mut files = Vec::new();
    let mut info = |role: &str, path: &Path| -> Result<()> {
        let sha256 = data::sha256_file(path)?;
        if let Some((_, expected)) = f.sha.iter().find(|(r, _)| *r == role)
            && *expected != sha256
        {
            return Err(data::DataError::Checksum {
                path: path.to_path_buf(),
                expected: expected.clone(),
                actual: sha256,
            }
            .into());
        }
        files.push(FileInfo {
            role: role.to_string(),
            path: path.display().to_string(),
            sha256,
        });
        Ok(())
    };
    let own_queries = match &f.queries {
        Some(p) => {
            info("judged_queries", p)?;
            Some(read_queries(p, ds, spec.normalization)?)
        }
        None => None,
    };
    let nq = own_queries.as_ref().map_or(ds.queries.rows, |m| m.rows);
    let ids = |p: &Option<PathBuf>, side: Side, rows: usize| -> Result<IdMap> {
        Ok(match p {
            Some(p) => IdMap::from_file(p, side, rows)?,
            None => IdMap::numeric(side, rows),
        })
    };
    let query_ids = ids(&f.query_ids, Side::Query, nq)?;
    let doc_ids = ids(&f.base_ids, Side::Document, ds.base.rows)?;
    for (role, p) in [("query_ids", &f.query_ids), ("base_ids", &f.base_ids)] {
        if let Some(p) = p {
            info(role, p)?;
        }
    }
    info("qrels", &f.qrels)?;
    let qrels = qrels::load(&f.qrels, &query_ids, &doc_ids)?;
    Ok(Some(JudgedTask {
        source: f.source,
        own_queries,
        qrels,
        query_ids,
        doc_ids,
        files,
    }))
}

/// Where the judged set of `spec` comes from, if it has one.
fn resolve(spec: &DatasetSpec, base_dir: &Path, catalog: &Catalog) -> Option<JudgedFiles> {
    let rel = |p: &Option<PathBuf>| p.as_ref().map(|p| base_dir.join(p));
    if let Some(q) = &spec.qrels {
        return Some(JudgedFiles {
            source: "dataset.qrels".into(),
            queries: None,
            qrels: base_dir.join(q),
            query_ids: rel(&spec.query_ids),
            base_ids: rel(&spec.base_ids),
            sha: vec![],
        });
    }
    if let Some(j) = &spec.judged {
        return Some(JudgedFiles {
            source: "dataset.judged".into(),
            queries: Some(base_dir.join(&j.queries)),
            qrels: base_dir.join(&j.qrels),
            query_ids: rel(&j.query_ids),
            base_ids: rel(&spec.base_ids),
            sha: vec![],
        });
    }
    let entry = catalog.get(spec.id.as_deref()?)?;
    let files = entry.files.as_ref()?;
    let (queries, qrels) = (files.judged_queries.as_ref()?, files.judged_qrels.as_ref()?);
    let root = match entry.root.unwrap_or(Root::Repo) {
        Root::Repo => repo_root(),
        Root::Data => data_dir(),
    };
    let at = |f: &FileRef| root.join(&f.path);
    Some(JudgedFiles {
        source: format!("catalog {}", entry.id),
        queries: Some(at(queries)),
        qrels: at(qrels),
        query_ids: None,
        base_ids: rel(&spec.base_ids),
        sha: vec![
            ("judged_queries", queries.sha256.clone()),
            ("qrels", qrels.sha256.clone()),
        ],
    })
}

/// The judged queries of `path`: the base's dimensions, normalised by `policy`.
fn read_queries(path: &Path, ds: &Dataset, policy: Normalization) -> Result<Matrix> {
    let mut m = data::read_matrix(path)?;
    if m.cols != ds.base.cols {
        bail!(
            "{}: judged queries have {} dimensions, the base vectors have {}",
            path.display(),
            m.cols,
            ds.base.cols
        );
    }
    normalize(&mut m, policy, path).with_context(|| format!("{}", path.display()))?;
    Ok(m)
}
