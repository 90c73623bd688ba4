//! Relevance judgments ("qrels") for judged retrieval: TREC and BEIR files, their ids mapped to
//! the rows of the query and base matrices.
//!
//! - **TREC**: `qid iter docid rel`, whitespace-separated, one judgment per line (`iter` is
//!   ignored).
//! - **BEIR**: a tab-separated file whose first line is the header `query-id corpus-id score`,
//!   then `qid docid rel` per line.
//!
//! The format is told by the first non-empty line (the BEIR header, else TREC). Blank lines are
//! skipped. `rel` is an integer; graded judgments are kept as they are, and `rel <= 0` means not
//! relevant (the trec_eval convention).
//!
//! **Ids.** Without an ids file, an id that is a non-negative integer, optionally after one ASCII
//! letter (`12`, `d12`, `q3`), is the row index. With one ([`IdMap::from_file`]: one id per
//! line, in row order), ids are looked up in it. An id that maps to no row, a row past the
//! matrix, a second judgment of the same (query, document) pair and a query with no judgment at
//! all are errors naming the file and line (the query's row for the last). A query whose
//! judgments are all `rel <= 0` is allowed: [`Qrels::queries_without_relevant`] counts them,
//! and every metric scores them 0 (the `ir-measures` / `pytrec_eval` convention).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Which rows an id names: queries or base documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// A query id (`qid`, `query-id`).
    Query = 0,
    /// A document id (`docid`, `corpus-id`).
    Document = 1,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Query => "query",
            Side::Document => "document",
        })
    }
}

/// The two qrels formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `qid iter docid rel`.
    Trec,
    /// A `query-id corpus-id score` header, then tab-separated `qid docid rel`.
    Beir,
}

/// A problem with a qrels file or an ids file, naming the file and the line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QrelsError {
    /// The file could not be read.
    #[error("{}: cannot read: {cause}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
    /// A line that is not a judgment (or not an id).
    #[error("{}:{line}: {detail}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        detail: String,
    },
    /// An id that names no row.
    #[error("{}:{line}: unknown {side} id `{id}`: {why}", path.display())]
    UnknownId {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Query or document.
        side: Side,
        /// The id as written.
        id: String,
        /// Why it names no row (and how to map it).
        why: String,
    },
    /// An id whose row is past the matrix.
    #[error("{}:{line}: {side} id `{id}` is row {row}, but there are {rows} {side} rows", path.display())]
    PastRows {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Query or document.
        side: Side,
        /// The id as written.
        id: String,
        /// Its row.
        row: u64,
        /// Rows there are.
        rows: usize,
    },
    /// A second judgment of the same pair (or a second line of the same id in an ids file).
    #[error("{}:{line}: {what} again (first at line {first})", path.display())]
    Duplicate {
        /// The file.
        path: PathBuf,
        /// 1-based line of the repeat.
        line: usize,
        /// 1-based line of the first.
        first: usize,
        /// What repeats, e.g. ``query `q3` document `d7` ``.
        what: String,
    },
    /// A query row with no judgment at all.
    #[error(
        "{}: query row {row} (id `{id}`) has no judgment; every query of a judged set needs at least one (rel <= 0 counts)",
        path.display()
    )]
    Unjudged {
        /// The qrels file.
        path: PathBuf,
        /// The query's row.
        row: usize,
        /// Its id (the ids file's, else the row number).
        id: String,
    },
    /// An ids file with a different number of ids than the matrix has rows.
    #[error("{}: {found} {side} ids for {rows} {side} rows (one id per line, in row order)", path.display())]
    IdCount {
        /// The ids file.
        path: PathBuf,
        /// Query or document.
        side: Side,
        /// Ids in the file.
        found: usize,
        /// Rows of the matrix.
        rows: usize,
    },
    /// Numeric ids of one side written in two forms (`d3` and `3`, or `d3` and `x4`): a run
    /// file could not name the rows the way the file does.
    #[error(
        "{}:{line}: {side} id `{id}` is written unlike the {side} id `{first_id}` of line {first} (the numeric ids of one side need one form, so a run file can name rows as this file does)",
        path.display()
    )]
    MixedIds {
        /// The file.
        path: PathBuf,
        /// 1-based line of the id in the second form.
        line: usize,
        /// Query or document.
        side: Side,
        /// The id in the second form.
        id: String,
        /// The first id of that side.
        first_id: String,
        /// Its line.
        first: usize,
    },
    /// No judgment in the file.
    #[error("{}: no judgments", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// How the ids of one side map to rows.
#[derive(Clone, Debug)]
pub struct IdMap {
    side: Side,
    rows: usize,
    /// From an ids file: the file, id → row, and the ids in row order.
    listed: Option<Listed>,
}

/// The ids of an ids file.
#[derive(Clone, Debug)]
struct Listed {
    path: PathBuf,
    rows: HashMap<String, usize>,
    ids: Vec<String>,
}

impl IdMap {
    /// Numeric ids (`12`, or one letter then digits: `d12`) over `rows` rows.
    pub fn numeric(side: Side, rows: usize) -> Self {
        Self {
            side,
            rows,
            listed: None,
        }
    }

    /// The ids of `path` (one per line, row order; surrounding whitespace ignored), which must
    /// be exactly `rows` distinct non-empty ids.
    pub fn from_file(path: &Path, side: Side, rows: usize) -> Result<Self, QrelsError> {
        let text = read(path)?;
        let mut ids = HashMap::new();
        let mut names = Vec::new();
        let mut first_line = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let id = raw.trim();
            if id.is_empty() {
                return Err(QrelsError::Syntax {
                    path: path.to_path_buf(),
                    line: i + 1,
                    detail: "empty id (one id per line, in row order)".into(),
                });
            }
            if let Some(&first) = first_line.get(id) {
                return Err(QrelsError::Duplicate {
                    path: path.to_path_buf(),
                    line: i + 1,
                    first,
                    what: format!("{side} id `{id}`"),
                });
            }
            first_line.insert(id.to_string(), i + 1);
            ids.insert(id.to_string(), ids.len());
            names.push(id.to_string());
        }
        if ids.len() != rows {
            return Err(QrelsError::IdCount {
                path: path.to_path_buf(),
                side,
                found: ids.len(),
                rows,
            });
        }
        Ok(Self {
            side,
            rows,
            listed: Some(Listed {
                path: path.to_path_buf(),
                rows: ids,
                ids: names,
            }),
        })
    }

    /// The row of `id` (from `path` line `line`, for errors) and, for a numeric id, its
    /// letter (`Some(None)` for none; `None` for an id of an ids file).
    fn row(
        &self,
        id: &str,
        path: &Path,
        line: usize,
    ) -> Result<(usize, Option<Option<char>>), QrelsError> {
        let unknown = |why: String| QrelsError::UnknownId {
            path: path.to_path_buf(),
            line,
            side: self.side,
            id: id.to_string(),
            why,
        };
        if let Some(l) = &self.listed {
            return l
                .rows
                .get(id)
                .map(|&r| (r, None))
                .ok_or_else(|| unknown(format!("not in {}", l.path.display())));
        }
        let (letter, digits) = match id.chars().next() {
            Some(c) if c.is_ascii_alphabetic() => (Some(c), &id[1..]),
            _ => (None, id),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            let key = match self.side {
                Side::Query => "query_ids",
                Side::Document => "base_ids",
            };
            return Err(unknown(format!(
                "not a row number (an integer, optionally after one letter): give `{key}`, a file of the ids in row order"
            )));
        }
        let row: u64 = digits.parse().unwrap_or(u64::MAX);
        if row >= self.rows as u64 {
            return Err(QrelsError::PastRows {
                path: path.to_path_buf(),
                line,
                side: self.side,
                id: id.to_string(),
                row,
                rows: self.rows,
            });
        }
        Ok((row as usize, Some(letter)))
    }

    /// The id of `row` as a file would write it (the ids file's, else the row number).
    pub fn id_of(&self, row: usize) -> String {
        match &self.listed {
            Some(l) => l.ids.get(row).cloned().unwrap_or_else(|| row.to_string()),
            None => row.to_string(),
        }
    }

    /// The side these ids name.
    pub fn side(&self) -> Side {
        self.side
    }
}

/// Judgments by query row: `(document row, rel)`, sorted by document row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Qrels {
    format: Format,
    by_query: Vec<Vec<(u32, i32)>>,
    /// The letter before the row number of numeric query and document ids (`q3`, `d12`), as
    /// the file wrote them; `None` for plain numbers or ids from an ids file.
    letters: [Option<char>; 2],
}

impl Qrels {
    /// The format the file was in.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Query rows (every one has at least one judgment).
    pub fn queries(&self) -> usize {
        self.by_query.len()
    }

    /// The judgments of query `q`, by document row.
    pub fn judgments(&self, q: usize) -> &[(u32, i32)] {
        self.by_query.get(q).map_or(&[], Vec::as_slice)
    }

    /// The judgment of (`q`, `doc`); 0 when not judged.
    pub fn rel(&self, q: usize, doc: u32) -> i32 {
        let j = self.judgments(q);
        j.binary_search_by_key(&doc, |p| p.0).map_or(0, |i| j[i].1)
    }

    /// Documents of `q` with `rel > 0`.
    pub fn relevant(&self, q: usize) -> usize {
        self.judgments(q).iter().filter(|p| p.1 > 0).count()
    }

    /// Queries with no document of `rel > 0` (every metric scores them 0).
    pub fn queries_without_relevant(&self) -> usize {
        (0..self.queries())
            .filter(|&q| self.relevant(q) == 0)
            .count()
    }

    /// All judgments.
    pub fn len(&self) -> usize {
        self.by_query.iter().map(Vec::len).sum()
    }

    /// The id of row `row` of `map`'s side as this file writes it: the ids file's id, else
    /// the row number after the letter the file used (`d12`), so a run file written with these
    /// ids matches the qrels in trec_eval, ranx or ir-measures.
    pub fn id(&self, map: &IdMap, row: usize) -> String {
        if map.listed.is_some() {
            return map.id_of(row);
        }
        match self.letters[map.side as usize] {
            Some(c) => format!("{c}{row}"),
            None => row.to_string(),
        }
    }

    /// Never true for a loaded file ([`QrelsError::Empty`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn read(path: &Path) -> Result<String, QrelsError> {
    std::fs::read_to_string(path).map_err(|cause| QrelsError::Io {
        path: path.to_path_buf(),
        cause,
    })
}

/// Reads the qrels file `path` ([`parse`]).
pub fn load(path: &Path, queries: &IdMap, docs: &IdMap) -> Result<Qrels, QrelsError> {
    parse(path, &read(path)?, queries, docs)
}

/// Whether `line` is the BEIR header.
fn is_beir_header(line: &str) -> bool {
    let f: Vec<String> = line
        .split('\t')
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    f == ["query-id", "corpus-id", "score"]
}

/// Parses the qrels `text` of `path` (for messages), mapping ids with `queries` and `docs`.
pub fn parse(path: &Path, text: &str, queries: &IdMap, docs: &IdMap) -> Result<Qrels, QrelsError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    let format = match lines.peek() {
        Some((_, l)) if is_beir_header(l) => {
            lines.next();
            Format::Beir
        }
        Some(_) => Format::Trec,
        None => {
            return Err(QrelsError::Empty {
                path: path.to_path_buf(),
            });
        }
    };
    let mut by_query: Vec<Vec<(u32, i32, usize)>> = vec![Vec::new(); queries.rows];
    let mut forms = [Forms::default(), Forms::default()];
    for (line, l) in lines {
        let (qid, docid, rel) = fields(format, l).map_err(|detail| QrelsError::Syntax {
            path: path.to_path_buf(),
            line,
            detail,
        })?;
        let (q, q_letter) = queries.row(qid, path, line)?;
        let (d, d_letter) = docs.row(docid, path, line)?;
        forms[0].see(Side::Query, qid, q_letter, path, line)?;
        forms[1].see(Side::Document, docid, d_letter, path, line)?;
        by_query[q].push((d as u32, rel, line));
    }
    let any = forms[0].first.is_some();
    if !any {
        return Err(QrelsError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut out = Vec::with_capacity(by_query.len());
    for (q, mut js) in by_query.into_iter().enumerate() {
        if js.is_empty() {
            return Err(QrelsError::Unjudged {
                path: path.to_path_buf(),
                row: q,
                id: queries.id_of(q),
            });
        }
        js.sort_by_key(|j| (j.0, j.2));
        if let Some(w) = js.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(QrelsError::Duplicate {
                path: path.to_path_buf(),
                line: w[1].2,
                first: w[0].2,
                what: format!(
                    "a judgment of query `{}` document `{}`",
                    queries.id_of(q),
                    docs.id_of(w[0].0 as usize)
                ),
            });
        }
        out.push(js.into_iter().map(|(d, r, _)| (d, r)).collect());
    }
    Ok(Qrels {
        format,
        by_query: out,
        letters: [forms[0].letter(), forms[1].letter()],
    })
}

/// The form of the numeric ids of one side seen so far.
#[derive(Default)]
struct Forms {
    /// The first id, its line and its letter (`None` for an id of an ids file).
    first: Option<(String, usize, Option<Option<char>>)>,
}

impl Forms {
    /// Records `id` (of `line`, numeric with `letter`), which must have the first id's form.
    fn see(
        &mut self,
        side: Side,
        id: &str,
        letter: Option<Option<char>>,
        path: &Path,
        line: usize,
    ) -> Result<(), QrelsError> {
        let Some((first_id, first, first_letter)) = &self.first else {
            self.first = Some((id.to_string(), line, letter));
            return Ok(());
        };
        if letter.is_none() || letter == *first_letter {
            return Ok(());
        }
        Err(QrelsError::MixedIds {
            path: path.to_path_buf(),
            line,
            side,
            id: id.to_string(),
            first_id: first_id.clone(),
            first: *first,
        })
    }

    /// The letter of the numeric ids (none for plain numbers or an ids file).
    fn letter(&self) -> Option<char> {
        self.first.as_ref().and_then(|f| f.2.flatten())
    }
}

/// `(qid, docid, rel)` of one line.
fn fields(format: Format, line: &str) -> Result<(&str, &str, i32), String> {
    let f: Vec<&str> = match format {
        Format::Trec => line.split_whitespace().collect(),
        Format::Beir => line.split('\t').map(str::trim).collect(),
    };
    let (q, d, r) = match (format, f.as_slice()) {
        (Format::Trec, [q, _iter, d, r]) => (*q, *d, *r),
        (Format::Beir, [q, d, r]) => (*q, *d, *r),
        (Format::Trec, _) => {
            return Err(format!(
                "{} fields; a TREC qrels line is `qid iter docid rel`",
                f.len()
            ));
        }
        (Format::Beir, _) => {
            return Err(format!(
                "{} tab-separated fields; a BEIR qrels line is `query-id<TAB>corpus-id<TAB>score`",
                f.len()
            ));
        }
    };
    if q.is_empty() || d.is_empty() {
        return Err("an empty id".into());
    }
    let rel = r
        .parse::<i32>()
        .map_err(|_| format!("relevance `{r}` is not an integer"))?;
    Ok((q, d, rel))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("q.txt")
    }

    fn maps(nq: usize, nd: usize) -> (IdMap, IdMap) {
        (
            IdMap::numeric(Side::Query, nq),
            IdMap::numeric(Side::Document, nd),
        )
    }

    #[test]
    fn trec_and_beir_give_the_same_judgments() {
        let (q, d) = maps(3, 10);
        let trec = "q0 0 d3 2\nq0 0 d1 0\n\nq1 Q0 d9 1\nq2 0 d4 -1\n";
        let beir = "query-id\tcorpus-id\tscore\n0\t3\t2\n0\t1\t0\n1\t9\t1\n2\t4\t-1\n";
        let a = parse(p(), trec, &q, &d).unwrap();
        let b = parse(p(), beir, &q, &d).unwrap();
        assert_eq!((a.format(), b.format()), (Format::Trec, Format::Beir));
        assert_eq!(a.by_query, b.by_query);
        assert_eq!(a.judgments(0), &[(1, 0), (3, 2)]);
        assert_eq!((a.rel(0, 3), a.rel(0, 1), a.rel(0, 5)), (2, 0, 0));
        assert_eq!((a.relevant(0), a.relevant(2)), (1, 0));
        assert_eq!(a.queries_without_relevant(), 1);
        assert_eq!(a.len(), 4);
        // Run files name rows the way each file does.
        assert_eq!((a.id(&q, 2), a.id(&d, 7)), ("q2".into(), "d7".into()));
        assert_eq!((b.id(&q, 2), b.id(&d, 7)), ("2".into(), "7".into()));
    }

    #[test]
    fn ids_files_map_names_to_rows() {
        let dir = tempfile::tempdir().unwrap();
        let qf = dir.path().join("q.ids");
        let df = dir.path().join("d.ids");
        std::fs::write(&qf, "alpha\nbeta\n").unwrap();
        std::fs::write(&df, "doc-x\ndoc-y\ndoc-z\n").unwrap();
        let q = IdMap::from_file(&qf, Side::Query, 2).unwrap();
        let d = IdMap::from_file(&df, Side::Document, 3).unwrap();
        let r = parse(p(), "beta 0 doc-z 1\nalpha 0 doc-x 3\n", &q, &d).unwrap();
        assert_eq!((r.id(&q, 1), r.id(&d, 2)), ("beta".into(), "doc-z".into()));
        assert_eq!(r.judgments(0), &[(0, 3)]);
        assert_eq!(r.judgments(1), &[(2, 1)]);
        let e = parse(p(), "beta 0 doc-w 1\nalpha 0 doc-x 3\n", &q, &d).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "q.txt:1: unknown document id `doc-w`: not in {}",
                df.display()
            )
        );
        let e = IdMap::from_file(&df, Side::Document, 4).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("3 document ids for 4 document rows (one id per line, in row order)"),
            "{e}"
        );
        std::fs::write(&df, "a\nb\na\n").unwrap();
        let e = IdMap::from_file(&df, Side::Document, 3).unwrap_err();
        assert!(
            e.to_string()
                .ends_with(":3: document id `a` again (first at line 1)"),
            "{e}"
        );
    }

    #[test]
    fn every_bad_line_names_the_file_and_line() {
        let (q, d) = maps(2, 5);
        let cases = [
            (
                "0 0 1\n1 0 1 1\n",
                "q.txt:1: 3 fields; a TREC qrels line is `qid iter docid rel`",
            ),
            ("0 0 1 x\n", "q.txt:1: relevance `x` is not an integer"),
            (
                "0 0 1 1\n1 0 1 1.5\n",
                "q.txt:2: relevance `1.5` is not an integer",
            ),
            (
                "0 0 1 1\n1 0 abc 1\n",
                "q.txt:2: unknown document id `abc`: not a row number (an integer, optionally after one letter): give `base_ids`, a file of the ids in row order",
            ),
            (
                "0 0 1 1\nquery7 0 1 1\n",
                "q.txt:2: unknown query id `query7`: not a row number (an integer, optionally after one letter): give `query_ids`, a file of the ids in row order",
            ),
            (
                "0 0 1 1\n1 0 d5 1\n",
                "q.txt:2: document id `d5` is row 5, but there are 5 document rows",
            ),
            (
                "0 0 1 1\nq2 0 1 1\n",
                "q.txt:2: query id `q2` is row 2, but there are 2 query rows",
            ),
            (
                "0 0 1 1\n1 0 2 1\n\n0 0 1 0\n",
                "q.txt:4: a judgment of query `0` document `1` again (first at line 1)",
            ),
            (
                "0 0 1 1\n",
                "q.txt: query row 1 (id `1`) has no judgment; every query of a judged set needs at least one (rel <= 0 counts)",
            ),
            (
                "q0 0 d1 1\nq1 0 2 1\n",
                "q.txt:2: document id `2` is written unlike the document id `d1` of line 1 (the numeric ids of one side need one form, so a run file can name rows as this file does)",
            ),
            (
                "0 0 1 1\nq1 0 2 1\n",
                "q.txt:2: query id `q1` is written unlike the query id `0` of line 1 (the numeric ids of one side need one form, so a run file can name rows as this file does)",
            ),
            ("\n\n", "q.txt: no judgments"),
            ("query-id\tcorpus-id\tscore\n", "q.txt: no judgments"),
            (
                "query-id\tcorpus-id\tscore\n0\t1 1\n",
                "q.txt:2: 2 tab-separated fields; a BEIR qrels line is `query-id<TAB>corpus-id<TAB>score`",
            ),
            (
                "0 0 99999999999999999999999 1\n",
                "q.txt:1: document id `99999999999999999999999` is row 18446744073709551615, but there are 5 document rows",
            ),
        ];
        for (text, want) in cases {
            let e = parse(p(), text, &q, &d).unwrap_err();
            assert_eq!(e.to_string(), want, "{text:?}");
        }
    }

    #[test]
    fn the_shipped_sample_judged_task_loads_one_relevant_gloss_per_query() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/sample");
        let rows = |f: &str| crate::data::read_matrix(&dir.join(f)).unwrap().rows;
        let (nq, nb) = (
            rows("wordnet_minilm_sample_lemmaq.npy"),
            rows("wordnet_minilm_sample_base.npy"),
        );
        assert_eq!((nq, nb), (236, 5000));
        let j = load(
            &dir.join("wordnet_minilm_sample_lemmaq.qrels"),
            &IdMap::numeric(Side::Query, nq),
            &IdMap::numeric(Side::Document, nb),
        )
        .unwrap();
        assert_eq!((j.format(), j.queries(), j.len()), (Format::Trec, 236, 236));
        assert!((0..nq).all(|q| j.relevant(q) == 1));
        assert_eq!(j.queries_without_relevant(), 0);
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_it() {
        let (q, d) = maps(1, 1);
        let e = load(Path::new("/nonexistent/qrels.txt"), &q, &d).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("/nonexistent/qrels.txt: cannot read"),
            "{e}"
        );
    }
}
