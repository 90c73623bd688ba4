//! Judged retrieval (issue 15) through the real binary: every bad qrels, ids file or judged
//! query set of `docs/errors.md` is an error naming the file (and the line, where there is
//! one) with exit code 1 (2 for clap's usage error), no panic and no run directory left behind;
//! queries without a relevant document are a counted warning; a BEIR qrels with ids files
//! gives judged metrics, a `results.json` valid against `schemas/results-v2.schema.json` and
//! TREC run files in the qrels' own ids; `[output] trec_runs` picks the runs that get one.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{self, Files, Ran, root, run, s, small_dataset};
use binaryllm_engine::data::write_npy;
use serde_json::Value;

const N_BASE: usize = 60;
const N_QUERIES: usize = 8;
const DIMS: usize = 16;

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&fs::read(p).unwrap()).unwrap()
}

/// Validates `instance` against `schemas/results-v2.schema.json`.
fn validate_v2(instance: &Value) -> Result<(), String> {
    let name = "results-v2.schema.json";
    let schema = read_json(&root().join("schemas").join(name));
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource(name, schema).unwrap();
    let index = compiler.compile(name, &mut schemas).unwrap();
    schemas
        .validate(instance, index)
        .map_err(|e| format!("{e:#}"))
}

/// Judgments of the small data set: query `q` finds base row `7q` relevant.
fn good_qrels() -> String {
    (0..N_QUERIES)
        .map(|q| format!("{q} 0 {} 1\n", q * 7))
        .collect()
}

struct Case {
    dir: tempfile::TempDir,
    files: Files,
}

impl Case {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let files = small_dataset(dir.path(), N_BASE, N_QUERIES, DIMS);
        Self { dir, files }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `text` to `name` in the case's folder.
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        fs::write(&p, text).unwrap();
        p
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("runs").join("run")
    }

    /// `eval` of the small data set with quick settings and `extra`.
    fn eval(&self, extra: &[&str]) -> Ran {
        let out = self.out();
        let mut args = vec![
            "eval",
            "--base",
            s(&self.files.base),
            "--queries",
            s(&self.files.queries),
            "--out",
            s(&out),
            "--bits",
            "64",
            "--seeds",
            "0",
            "--projection",
            "gaussian",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        run(&args)
    }

    /// `eval --config` of a config on the small data set whose `[dataset]` table gets the
    /// lines `dataset` (paths relative to the case's folder), followed by `rest`.
    fn eval_config(&self, dataset: &str, rest: &str) -> Ran {
        let cfg = self.write(
            "cfg.toml",
            &format!(
                "name = \"t\"\nbits = [64]\nseeds = [0]\n\n[dataset]\nbase = \"base.npy\"\nqueries = \"queries.npy\"\n{dataset}\n[[projection]]\nkind = \"gaussian\"\n{rest}"
            ),
        );
        let out = self.out();
        run(&["eval", "--config", s(&cfg), "--out", s(&out), "--quiet"])
    }

    /// Asserts exit code `code`, `want` in stderr, no panic, and no run directory or partial
    /// output left behind.
    fn assert_fails_with(&self, r: &Ran, code: i32, want: &str) {
        assert_eq!(r.code, Some(code), "exit code; stderr: {}", r.stderr);
        assert!(r.stderr.contains(want), "`{want}` not in: {}", r.stderr);
        assert!(!r.stderr.contains("panicked at"), "panic: {}", r.stderr);
        assert!(!self.out().exists(), "run directory left behind");
        if let Ok(rd) = fs::read_dir(self.dir.path().join("runs")) {
            let left: Vec<_> = rd.map(|e| e.unwrap().file_name()).collect();
            assert!(left.is_empty(), "leftovers in runs/: {left:?}");
        }
    }

    /// A clean exit-1 failure of `stage` naming `file` (at `line`, when given) and `what`.
    fn assert_fails(&self, r: &Ran, stage: &str, file: &Path, line: Option<usize>, what: &str) {
        self.assert_fails_with(r, 1, &format!("error: {stage} stage: "));
        let at = match line {
            Some(l) => format!("{}:{l}: ", file.display()),
            None => format!("{}: ", file.display()),
        };
        assert!(r.stderr.contains(&at), "`{at}` not named: {}", r.stderr);
        assert!(r.stderr.contains(what), "`{what}` not in: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
    }
}

#[test]
fn trec_qrels_line_with_the_wrong_number_of_fields() {
    let c = Case::new();
    let q = c.write("fields.qrels", "0 0 0 1\n1 0 7\n");
    let r = c.eval(&["--qrels", s(&q)]);
    c.assert_fails(
        &r,
        "load",
        &q,
        Some(2),
        "3 fields; a TREC qrels line is `qid iter docid rel`",
    );
}

#[test]
fn qrels_relevance_that_is_not_an_integer() {
    let c = Case::new();
    let q = c.write("rel.qrels", "0 0 0 1\n1 0 7 high\n");
    let r = c.eval(&["--qrels", s(&q)]);
    c.assert_fails(
        &r,
        "load",
        &q,
        Some(2),
        "relevance `high` is not an integer",
    );
}

#[test]
fn beir_qrels_line_with_the_wrong_number_of_fields() {
    let c = Case::new();
    // A space instead of the second tab: two tab-separated fields.
    let q = c.write("beir.tsv", "query-id\tcorpus-id\tscore\n0\t0\t1\n1\t7 1\n");
    let r = c.eval(&["--qrels", s(&q)]);
    c.assert_fails(
        &r,
        "load",
        &q,
        Some(3),
        "2 tab-separated fields; a BEIR qrels line is `query-id<TAB>corpus-id<TAB>score`",
    );
}

#[test]
fn ids_file_with_an_empty_line() {
    let c = Case::new();
    let qrels = c.write("good.qrels", &good_qrels());
    let mut text: String = (0..30).map(|i| format!("doc-{i}\n")).collect();
    text.push('\n');
    text.extend((30..59).map(|i| format!("doc-{i}\n")));
    let ids = c.write("gap.ids", &text);
    let r = c.eval(&["--qrels", s(&qrels), "--base-ids", s(&ids)]);
    c.assert_fails(
        &r,
        "load",
        &ids,
        Some(31),
        "empty id (one id per line, in row order)",
    );
}

#[test]
fn id_that_is_not_a_row_number_without_an_ids_file() {
    let c = Case::new();
    let q = c.write("name.qrels", &format!("{}3 0 doc-x 1\n", good_qrels()));
    let r = c.eval(&["--qrels", s(&q)]);
    c.assert_fails(
        &r,
        "load",
        &q,
        Some(9),
        "unknown document id `doc-x`: not a row number (an integer, optionally after one letter): give `base_ids`, a file of the ids in row order",
    );
}

#[test]
fn id_not_in_the_ids_file() {
    let c = Case::new();
    let ids = c.write(
        "docs.ids",
        &(0..N_BASE)
            .map(|i| format!("doc-{i}\n"))
            .collect::<String>(),
    );
    let mut text: String = (0..N_QUERIES)
        .map(|q| format!("{q} 0 doc-{q} 1\n"))
        .collect();
    text.push_str("2 0 doc-60 1\n");
    let q = c.write("names.qrels", &text);
    let r = c.eval(&["--qrels", s(&q), "--base-ids", s(&ids)]);
    c.assert_fails(
        &r,
        "load",
        &q,
        Some(9),
        &format!("unknown document id `doc-60`: not in {}", ids.display()),
    );
}

#[test]
fn document_id_past_the_base_rows() {
    let c = Case::new();
    let q = c.write("past.qrels", &format!("{}3 0 60 1\n", good_qrels()));
    let r = c.eval(&["--qrels", s(&q)]);
    c.assert_fails(
        &r,
        "load",
        &q,
        Some(9),
        "document id `60` is row 60, but there are 60 document rows",
    );
}

#[test]
fn query_id_past_the_query_rows() {
    let c = Case::new();
    let q = c.write("pastq.qrels", &format!("{}8 0 1 1\n", good_qrels()));
    let r = c.eval(&["--qrels", s(&q)]);
    c.assert_fails(
        &r,
        "load",
        &q,
        Some(9),
        "query id `8` is row 8, but there are 8 query rows",
    );
}

#[test]
fn duplicate_judgment() {
    let c = Case::new();
    let q = c.write("dup.qrels", &format!("{}5 0 35 0\n", good_qrels()));
    let r = c.eval(&["--qrels", s(&q)]);
    c.assert_fails(
        &r,
        "load",
        &q,
        Some(9),
        "a judgment of query `5` document `35` again (first at line 6)",
    );
}

#[test]
fn duplicate_id_in_an_ids_file() {
    let c = Case::new();
    let qrels = c.write("good.qrels", &good_qrels());
    let mut text: String = (0..59).map(|i| format!("doc-{i}\n")).collect();
    text.push_str("doc-3\n");
    let ids = c.write("dup.ids", &text);
    let r = c.eval(&["--qrels", s(&qrels), "--base-ids", s(&ids)]);
    c.assert_fails(
        &r,
        "load",
        &ids,
        Some(60),
        "document id `doc-3` again (first at line 4)",
    );
}

#[test]
fn query_without_any_judgment() {
    let c = Case::new();
    let text: String = (0..N_QUERIES)
        .filter(|&q| q != 6)
        .map(|q| format!("{q} 0 {} 1\n", q * 7))
        .collect();
    let q = c.write("unjudged.qrels", &text);
    let r = c.eval(&["--qrels", s(&q)]);
    c.assert_fails(
        &r,
        "load",
        &q,
        None,
        "query row 6 (id `6`) has no judgment; every query of a judged set needs at least one (rel <= 0 counts)",
    );
}

#[test]
fn ids_file_with_another_number_of_ids_than_rows() {
    let c = Case::new();
    let qrels = c.write("good.qrels", &good_qrels());
    let ids = c.write(
        "short.ids",
        &(0..59).map(|i| format!("doc-{i}\n")).collect::<String>(),
    );
    let r = c.eval(&["--qrels", s(&qrels), "--base-ids", s(&ids)]);
    c.assert_fails(
        &r,
        "load",
        &ids,
        None,
        "59 document ids for 60 document rows (one id per line, in row order)",
    );
}

#[test]
fn numeric_ids_of_one_side_written_in_two_forms() {
    let c = Case::new();
    let mut text = String::from("q0 0 d0 1\n");
    text.extend((1..N_QUERIES).map(|q| format!("q{q} 0 {} 1\n", q * 7)));
    let q = c.write("mixed.qrels", &text);
    let r = c.eval(&["--qrels", s(&q)]);
    c.assert_fails(
        &r,
        "load",
        &q,
        Some(2),
        "document id `7` is written unlike the document id `d0` of line 1 (the numeric ids of one side need one form, so a run file can name rows as this file does)",
    );
}

#[test]
fn qrels_without_judgments() {
    for (name, text) in [
        ("blank.qrels", "\n\n"),
        ("header.tsv", "query-id\tcorpus-id\tscore\n"),
    ] {
        let c = Case::new();
        let q = c.write(name, text);
        let r = c.eval(&["--qrels", s(&q)]);
        c.assert_fails(&r, "load", &q, None, "no judgments");
    }
}

#[test]
fn missing_qrels_file() {
    let c = Case::new();
    let q = c.path("nope.qrels");
    let r = c.eval(&["--qrels", s(&q)]);
    c.assert_fails(
        &r,
        "load",
        &q,
        None,
        "cannot read: No such file or directory",
    );
}

#[test]
fn missing_ids_file() {
    let c = Case::new();
    let qrels = c.write("good.qrels", &good_qrels());
    let ids = c.path("nope.ids");
    let r = c.eval(&["--qrels", s(&qrels), "--base-ids", s(&ids)]);
    c.assert_fails(
        &r,
        "load",
        &ids,
        None,
        "cannot read: No such file or directory",
    );
}

#[test]
fn missing_judged_queries_file() {
    let c = Case::new();
    c.write("jq.qrels", "0 0 0 1\n");
    let r = c.eval_config(
        "\n[dataset.judged]\nqueries = \"jq.npy\"\nqrels = \"jq.qrels\"\n",
        "",
    );
    c.assert_fails(
        &r,
        "load",
        &c.path("jq.npy"),
        None,
        "cannot read: No such file or directory",
    );
}

#[test]
fn judged_queries_of_another_dimension() {
    let c = Case::new();
    let jq = c.path("jq12.npy");
    write_npy(&jq, &[4, 12], &common::unit_rows(4, 12, 5)).unwrap();
    c.write(
        "jq.qrels",
        &(0..4).map(|q| format!("{q} 0 {q} 1\n")).collect::<String>(),
    );
    let r = c.eval_config(
        "\n[dataset.judged]\nqueries = \"jq12.npy\"\nqrels = \"jq.qrels\"\n",
        "",
    );
    c.assert_fails(
        &r,
        "load",
        &jq,
        None,
        "judged queries have 12 dimensions, the base vectors have 16",
    );
}

/// A config error naming `key` at `line:col` of `cfg.toml`.
fn assert_config_error(c: &Case, r: &Ran, at: &str, key: &str, what: &str) {
    let want = format!(
        "error: config stage: {}:{at}: key `{key}`: {what}",
        c.path("cfg.toml").display()
    );
    c.assert_fails_with(r, 1, &want);
}

#[test]
fn qrels_and_a_judged_query_set_together() {
    let c = Case::new();
    c.write("good.qrels", &good_qrels());
    c.write("jq.qrels", "0 0 0 1\n");
    let r = c.eval_config(
        "qrels = \"good.qrels\"\n\n[dataset.judged]\nqueries = \"queries.npy\"\nqrels = \"jq.qrels\"\n",
        "",
    );
    assert_config_error(
        &c,
        &r,
        "8:1",
        "dataset.qrels",
        "give `qrels` (judgments of the queries) or a [dataset.judged] query set, not both",
    );
}

#[test]
fn query_ids_without_qrels_in_a_config() {
    let c = Case::new();
    c.write("q.ids", "a\n");
    let r = c.eval_config("query_ids = \"q.ids\"\n", "");
    assert_config_error(
        &c,
        &r,
        "8:1",
        "dataset.query_ids",
        "`query_ids` maps the query ids of `qrels`, which is not given (a [dataset.judged] set has its own `query_ids`)",
    );
}

#[test]
fn query_ids_flag_without_qrels_is_a_usage_error() {
    let c = Case::new();
    let ids = c.write("q.ids", "a\n");
    let r = c.eval(&["--query-ids", s(&ids)]);
    c.assert_fails_with(
        &r,
        2,
        "error: the following required arguments were not provided:\n  --qrels <FILE>",
    );
}

#[test]
fn base_ids_without_judgments() {
    let c = Case::new();
    c.write("d.ids", "a\n");
    let r = c.eval_config("base_ids = \"d.ids\"\n", "");
    assert_config_error(
        &c,
        &r,
        "8:1",
        "dataset.base_ids",
        "`base_ids` maps the document ids of judgments, but neither `qrels` nor [dataset.judged] is given",
    );
    // The same on the command line (ad-hoc files, no --qrels).
    let ids = c.path("d.ids");
    let r = c.eval(&["--base-ids", s(&ids)]);
    c.assert_fails_with(
        &r,
        1,
        "error: config stage: command line: key `--base-ids`: `base_ids` maps the document ids of judgments, but neither `qrels` nor [dataset.judged] is given",
    );
}

#[test]
fn judged_query_set_without_qrels() {
    let c = Case::new();
    let r = c.eval_config("\n[dataset.judged]\nqueries = \"queries.npy\"\n", "");
    // The key is reported as `dataset.qrels` (the table's path is dropped); line 9 is the
    // `[dataset.judged]` header.
    c.assert_fails_with(&r, 1, "error: config stage: ");
    assert!(
        r.stderr
            .contains(&format!("{}:9:1: ", c.path("cfg.toml").display())),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("missing field `qrels`"), "{}", r.stderr);
}

#[test]
fn unknown_trec_runs_value() {
    let c = Case::new();
    let r = c.eval_config("", "\n[output]\ntrec_runs = \"some\"\n");
    assert_config_error(
        &c,
        &r,
        "13:13",
        "output.trec_runs",
        "unknown variant `some`, expected one of `all`, `widest`, `first`, `none`",
    );
}

#[test]
fn queries_without_relevant_documents_are_a_counted_warning_scored_zero() {
    let c = Case::new();
    // Query 3's only judgment is rel 0: judged, but nothing relevant.
    let q = c.write("norel.qrels", &good_qrels().replace("3 0 21 1", "3 0 21 0"));
    let r = c.eval(&["--qrels", s(&q)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let warning = format!(
        "warning: 1 of 8 judged queries in {} have no relevant document (rel > 0): every metric scores them 0 (the trec_eval / ir-measures convention)",
        q.display()
    );
    assert!(r.stderr.contains(&warning), "{}", r.stderr);
    let res = read_json(&c.out().join("results.json"));
    assert_eq!(res["judged"]["queries_without_relevant"], 1);
    // The lists hold all 60 base rows, so every other query finds its relevant row: float
    // Recall@100 is 7 of 8 queries, query 3 scoring 0.
    assert_eq!(res["judged_float"]["recall@100"].as_f64(), Some(0.875));
    let warnings: Vec<&str> = res["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings.contains(&warning.trim_start_matches("warning: ")),
        "{warnings:?}"
    );
    if let Err(e) = validate_v2(&res) {
        panic!("results.json does not match the v2 schema: {e}");
    }
}

/// The id of base row `i` in the positive test's ids file: a permutation, so a run file that
/// wrote row numbers (or the wrong mapping) would not match the qrels.
fn doc_id(i: usize) -> String {
    format!("doc-{}", (i * 13 + 5) % N_BASE)
}

#[test]
fn beir_qrels_with_ids_files_write_judged_metrics_and_trec_runs_in_the_qrels_ids() {
    let c = Case::new();
    // Query q is base row 7q, so exact float search ranks that row first (inner product 1).
    let base = common::unit_rows(N_BASE, DIMS, 1);
    let queries: Vec<f32> = (0..N_QUERIES)
        .flat_map(|q| base[q * 7 * DIMS..(q * 7 + 1) * DIMS].to_vec())
        .collect();
    let qfile = c.path("own_queries.npy");
    write_npy(&qfile, &[N_QUERIES as u64, DIMS as u64], &queries).unwrap();
    let doc_ids = c.write(
        "docs.ids",
        &(0..N_BASE).map(|i| doc_id(i) + "\n").collect::<String>(),
    );
    let query_ids = c.write(
        "queries.ids",
        &(0..N_QUERIES)
            .map(|q| format!("query-{}\n", N_QUERIES - 1 - q))
            .collect::<String>(),
    );
    let qid = |q: usize| format!("query-{}", N_QUERIES - 1 - q);
    let mut text = String::from("query-id\tcorpus-id\tscore\n");
    for q in 0..N_QUERIES {
        text.push_str(&format!("{}\t{}\t2\n", qid(q), doc_id(q * 7)));
        text.push_str(&format!("{}\t{}\t0\n", qid(q), doc_id(q * 7 + 1)));
    }
    let qrels = c.write("judgments.tsv", &text);
    let out = c.out();
    let r = run(&[
        "eval",
        "--base",
        s(&c.files.base),
        "--queries",
        s(&qfile),
        "--qrels",
        s(&qrels),
        "--base-ids",
        s(&doc_ids),
        "--query-ids",
        s(&query_ids),
        "--out",
        s(&out),
        "--bits",
        "64,128",
        "--seeds",
        "0,1",
        "--projection",
        "gaussian",
        "--quiet",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!r.stderr.contains("no relevant document"), "{}", r.stderr);

    let res = read_json(&out.join("results.json"));
    if let Err(e) = validate_v2(&res) {
        panic!("results.json does not match the v2 schema: {e}");
    }
    assert_eq!(res["schema_version"], 2);
    let j = &res["judged"];
    assert_eq!(j["source"], "dataset.qrels");
    assert_eq!(j["qrels_format"], "beir");
    assert_eq!(j["same_queries"], true);
    assert_eq!(
        (j["n_queries"].as_u64(), j["judgments"].as_u64()),
        (Some(8), Some(16))
    );
    assert_eq!(j["queries_without_relevant"], 0);
    assert_eq!(j["depth"], N_BASE, "the lists are the base's 60 rows deep");
    let roles: Vec<&str> = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["role"].as_str().unwrap())
        .collect();
    for role in ["qrels", "base_ids", "query_ids"] {
        assert!(roles.contains(&role), "{roles:?}");
    }
    // Every relevant row is the exact top-1: float is perfect on every metric but P@10.
    let f = &res["judged_float"];
    for m in ["ndcg@10", "mrr@10", "map@100", "recall@100"] {
        assert_eq!(f[m].as_f64(), Some(1.0), "float {m}");
    }
    assert!((f["p@10"].as_f64().unwrap() - 0.1).abs() < 1e-12);
    let runs = res["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 4);
    for run in runs {
        for key in ["judged", "judged_retained", "judged_paired"] {
            assert_eq!(run[key].as_object().unwrap().len(), 7, "{key}");
        }
        let retained = run["judged_retained"]["hamming"]["ndcg@10"]
            .as_f64()
            .unwrap();
        let judged = run["judged"]["hamming"]["ndcg@10"].as_f64().unwrap();
        assert!((retained - judged).abs() < 1e-12, "float nDCG@10 is 1");
        let p = &run["judged_paired"]["rerank/x10"]["ndcg@10"];
        assert!(p["diff_ci95"][0].as_f64().unwrap() <= p["mean_diff"].as_f64().unwrap());
    }
    // summary.csv carries the judged rows.
    let csv = fs::read_to_string(out.join("summary.csv")).unwrap();
    for key in [
        "ndcg@10/judged",
        "ndcg@10/retained",
        "ndcg@10/noninferior",
        "p@10/judged/asym_rerank/x10",
    ] {
        assert!(
            csv.lines()
                .any(|l| l.starts_with(&format!("gaussian,128,{key},"))),
            "{key}"
        );
    }

    // trec/: float.run, and (trec_runs = "first") every mode of the widest width, first seed.
    let mut names: Vec<String> = fs::read_dir(out.join("trec"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut want = vec!["float.run".to_string()];
    for mode in [
        "hamming",
        "rerank-x2",
        "rerank-x5",
        "rerank-x10",
        "asym_rerank-x2",
        "asym_rerank-x5",
        "asym_rerank-x10",
    ] {
        want.push(format!("gaussian-128-s0-{mode}.run"));
    }
    want.sort();
    assert_eq!(names, want);
    let float = fs::read_to_string(out.join("trec/float.run")).unwrap();
    assert_eq!(float.lines().count(), N_QUERIES * N_BASE);
    let docs: Vec<String> = (0..N_BASE).map(doc_id).collect();
    let mut last: Option<(String, usize)> = None;
    for line in float.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f.len(), 6, "`qid Q0 docid rank score tag`: {line}");
        assert_eq!((f[1], f[5]), ("Q0", "float"), "{line}");
        assert!((0..N_QUERIES).any(|q| qid(q) == f[0]), "qid {line}");
        assert!(docs.iter().any(|d| d == f[2]), "docid {line}");
        let rank: usize = f[3].parse().unwrap();
        let score: usize = f[4].parse().unwrap();
        // The score is rank-derived and strictly decreasing: depth + 1 − rank.
        assert_eq!(score, N_BASE + 1 - rank, "{line}");
        match &last {
            Some((q, r)) if q == f[0] => assert_eq!(rank, r + 1, "{line}"),
            _ => assert_eq!(rank, 1, "{line}"),
        }
        last = Some((f[0].to_string(), rank));
    }
    // Each query's first line is its relevant document, in the qrels' ids.
    for q in 0..N_QUERIES {
        let first = format!("{} Q0 {} 1 {} float", qid(q), doc_id(q * 7), N_BASE);
        assert!(float.lines().any(|l| l == first), "{first}");
    }
    let hamming = fs::read_to_string(out.join("trec/gaussian-128-s0-hamming.run")).unwrap();
    assert_eq!(hamming.lines().count(), N_QUERIES * N_BASE);
    assert!(
        hamming
            .lines()
            .all(|l| l.ends_with(" gaussian-128-s0-hamming"))
    );
}

#[test]
fn trec_runs_chooses_which_runs_get_run_files() {
    let c = Case::new();
    let jq = c.path("jq.npy");
    write_npy(&jq, &[4, DIMS as u64], &common::unit_rows(4, DIMS, 9)).unwrap();
    c.write(
        "jq.qrels",
        &(0..4)
            .map(|q| format!("q{q} 0 d{} 1\nq{q} 0 d{} 2\n", q, q + 10))
            .collect::<String>(),
    );
    let judged = "\n[dataset.judged]\nqueries = \"jq.npy\"\nqrels = \"jq.qrels\"\n";
    for (policy, files) in [
        ("all", 1 + 2 * 2 * 7),
        ("widest", 1 + 2 * 7),
        ("first", 1 + 7),
        ("none", 1),
    ] {
        let cfg = c.write(
            "cfg.toml",
            &format!(
                "name = \"t\"\nbits = [64, 128]\nseeds = [0, 1]\n\n[dataset]\nbase = \"base.npy\"\nqueries = \"queries.npy\"\n{judged}\n[[projection]]\nkind = \"gaussian\"\n\n[output]\nplots = false\nreport = false\ntrec_runs = \"{policy}\"\n"
            ),
        );
        let out = c.path(&format!("run-{policy}"));
        let r = run(&["eval", "--config", s(&cfg), "--out", s(&out), "--quiet"]);
        assert_eq!(r.code, Some(0), "{policy}: {}", r.stderr);
        let n = fs::read_dir(out.join("trec")).unwrap().count();
        assert_eq!(n, files, "{policy}");
        let res = read_json(&out.join("results.json"));
        if let Err(e) = validate_v2(&res) {
            panic!("{policy}: results.json does not match the v2 schema: {e}");
        }
        assert_eq!(res["judged"]["source"], "dataset.judged");
        assert_eq!(res["judged"]["same_queries"], false);
        assert_eq!(res["judged"]["n_queries"], 4);
        // The run files name rows as the qrels do (`q3`, `d12`).
        let float = fs::read_to_string(out.join("trec/float.run")).unwrap();
        assert!(
            float
                .lines()
                .all(|l| l.starts_with('q') && l.split(' ').nth(2).unwrap().starts_with('d')),
            "{policy}"
        );
    }
}
