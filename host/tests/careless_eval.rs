//! Issue 13, the evaluation's honesty (items 3, 10, 11a, 14), through the real binary:
//! a wrong ground-truth file is an error (unless trusted), verdicts that cannot be reached are
//! an error-level notice (exit 3 under `--strict`) and `bits = "max"` reaches them, every metric
//! skipped for lack of input is a warning, and the report ends with a recommendation whose CIs
//! stay inside the metrics' ranges.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{self, Ran, root, run, s, small_dataset, unit_rows};
use binaryllm_engine::data::{Matrix, write_npy};
use binaryllm_engine::dataset::groundtruth::exact_topk;
use serde_json::Value;

const N_BASE: usize = 60;
const N_QUERIES: usize = 8;
const DIMS: usize = 16;

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&fs::read(p).unwrap()).unwrap()
}

/// Panics unless `res` matches `schemas/results-v2.schema.json`.
fn assert_schema(res: &Value) {
    let schema = read_json(&root().join("schemas/results-v2.schema.json"));
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("results-v2.schema.json", schema)
        .unwrap();
    let index = compiler
        .compile("results-v2.schema.json", &mut schemas)
        .unwrap();
    if let Err(e) = schemas.validate(res, index) {
        panic!("results.json does not match the schema: {e:#}");
    }
}

/// `eval` of the ad-hoc files `base`/`queries` (default config) with quick settings.
fn eval_files(base: &Path, queries: &Path, out: &Path, extra: &[&str]) -> Ran {
    sweep_files(base, queries, out, "64", "0", extra)
}

/// [`eval_files`] at the widths `bits` and the seeds `seeds`.
fn sweep_files(
    base: &Path,
    queries: &Path,
    out: &Path,
    bits: &str,
    seeds: &str,
    extra: &[&str],
) -> Ran {
    let mut args = vec![
        "eval",
        "--base",
        s(base),
        "--queries",
        s(queries),
        "--out",
        s(out),
        "--bits",
        bits,
        "--seeds",
        seeds,
        "--projection",
        "gaussian",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// The exact top-`N_BASE` of the small data set's queries (the depth its metrics use).
fn exact_gt(base: &[f32], queries: &[f32]) -> Vec<Vec<i64>> {
    let b = Matrix::new(base.len() / DIMS, DIMS, base.to_vec());
    let q = Matrix::new(queries.len() / DIMS, DIMS, queries.to_vec());
    let gt = exact_topk(&b, &q, N_BASE, 1);
    (0..q.rows)
        .map(|i| gt.query(i).iter().map(|&x| i64::from(x)).collect())
        .collect()
}

fn write_gt(path: &Path, rows: &[Vec<i64>]) {
    let flat: Vec<i64> = rows.iter().flatten().copied().collect();
    write_npy(path, &[rows.len() as u64, rows[0].len() as u64], &flat).unwrap();
}

fn assert_clean_failure(r: &Ran, out: &Path) {
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked at"), "{}", r.stderr);
    assert!(!out.exists(), "run directory left behind");
    let left: Vec<_> = fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(left.is_empty(), "leftovers: {left:?}");
}

// ---- item 3: the ground truth is spot-checked ----

#[test]
fn reversed_ground_truth_is_an_error_naming_the_file_row_and_both_id_lists() {
    let d = tempfile::tempdir().unwrap();
    let f = small_dataset(d.path(), N_BASE, N_QUERIES, DIMS);
    let exact = exact_gt(&unit_rows(N_BASE, DIMS, 1), &unit_rows(N_QUERIES, DIMS, 2));
    let reversed: Vec<Vec<i64>> = exact
        .iter()
        .map(|r| r.iter().rev().copied().collect())
        .collect();
    let gt = d.path().join("gt.npy");
    write_gt(&gt, &reversed);
    let out = d.path().join("run");
    let r = eval_files(&f.base, &f.queries, &out, &["--gt", s(&gt)]);
    assert_clean_failure(&r, &out);
    let list = |v: &[i64]| {
        let ids: Vec<String> = v[..10].iter().map(i64::to_string).collect();
        format!("[{}, …]", ids.join(", "))
    };
    let want = format!(
        "error: load stage: ground truth {} disagrees with an exact search at query row 0: file {} vs exact {} (rank 0: id {} has inner product",
        gt.display(),
        list(&reversed[0]),
        list(&exact[0]),
        reversed[0][0]
    );
    assert!(r.stderr.contains(&want), "want {want}\ngot {}", r.stderr);
    assert!(
        r.stderr
            .trim_end()
            .ends_with("(use --trust-gt to skip this check)"),
        "{}",
        r.stderr
    );
}

#[test]
fn correct_ground_truth_passes_and_the_check_is_recorded() {
    let d = tempfile::tempdir().unwrap();
    let f = small_dataset(d.path(), N_BASE, N_QUERIES, DIMS);
    let gt = d.path().join("gt.npy");
    write_gt(
        &gt,
        &exact_gt(&unit_rows(N_BASE, DIMS, 1), &unit_rows(N_QUERIES, DIMS, 2)),
    );
    let out = d.path().join("run");
    let r = eval_files(&f.base, &f.queries, &out, &["--gt", s(&gt)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let res = read_json(&out.join("results.json"));
    assert_eq!(res["dataset"]["ground_truth"], "file");
    let check = &res["dataset"]["ground_truth_check"];
    assert_eq!(check["ran"], true, "{check}");
    // Fewer queries than the sample of 16: all of them.
    assert_eq!(check["sample"], N_QUERIES as u64);
    assert_eq!(check["depth"], N_BASE as u64);
    assert_eq!(check["skipped"], Value::Null);
    assert_schema(&res);
    assert!(res["timings"]["gt_check_s"].as_f64().unwrap() >= 0.0);
}

#[test]
fn tied_ids_in_another_order_pass_the_check() {
    // Every base row twice: the exact ranking lists each pair of equal rows together, the
    // smaller id first; the file lists the larger first.
    let d = tempfile::tempdir().unwrap();
    let half = unit_rows(N_BASE / 2, DIMS, 1);
    let base: Vec<f32> = half
        .chunks_exact(DIMS)
        .flat_map(|r| r.iter().chain(r).copied())
        .collect();
    let nq = 40;
    let queries = unit_rows(nq, DIMS, 2);
    let (bp, qp) = (d.path().join("base.npy"), d.path().join("queries.npy"));
    write_npy(&bp, &[N_BASE as u64, DIMS as u64], &base).unwrap();
    write_npy(&qp, &[nq as u64, DIMS as u64], &queries).unwrap();
    let exact = exact_gt(&base, &queries);
    let swapped: Vec<Vec<i64>> = exact
        .iter()
        .map(|r| r.chunks_exact(2).flat_map(|p| [p[1], p[0]]).collect())
        .collect();
    assert_ne!(swapped, exact);
    // The pairs really are ties (ids 2i and 2i + 1).
    assert!(
        swapped
            .iter()
            .flatten()
            .collect::<Vec<_>>()
            .chunks(2)
            .all(|p| p[0] / 2 == p[1] / 2)
    );
    let gt = d.path().join("gt.npy");
    write_gt(&gt, &swapped);
    let out = d.path().join("run");
    let r = eval_files(&bp, &qp, &out, &["--gt", s(&gt)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let check = &read_json(&out.join("results.json"))["dataset"]["ground_truth_check"];
    assert_eq!(check["ran"], true);
    assert_eq!(
        check["sample"], 16,
        "a seeded sample of 16 of the 40 queries"
    );
}

#[test]
fn trust_gt_skips_the_check_and_is_recorded() {
    let d = tempfile::tempdir().unwrap();
    let f = small_dataset(d.path(), N_BASE, N_QUERIES, DIMS);
    let exact = exact_gt(&unit_rows(N_BASE, DIMS, 1), &unit_rows(N_QUERIES, DIMS, 2));
    let reversed: Vec<Vec<i64>> = exact
        .iter()
        .map(|r| r.iter().rev().copied().collect())
        .collect();
    let gt = d.path().join("gt.npy");
    write_gt(&gt, &reversed);
    let out = d.path().join("run");
    let r = eval_files(&f.base, &f.queries, &out, &["--gt", s(&gt), "--trust-gt"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let res = read_json(&out.join("results.json"));
    let check = &res["dataset"]["ground_truth_check"];
    assert_eq!(check["ran"], false);
    assert_eq!(check["sample"], 0);
    assert!(
        check["skipped"].as_str().unwrap().contains("trusted"),
        "{check}"
    );
    assert_eq!(res["config"]["dataset"]["trust_gt"], true);
    assert_schema(&res);
    // The config key does the same, and a config run names it in the error.
    let cfg = d.path().join("c.toml");
    let text = format!(
        "name = \"t\"\nbits = [64]\nseeds = [0]\n\n[dataset]\nbase = \"{}\"\nqueries = \"{}\"\ngt = \"{}\"\n\n[[projection]]\nkind = \"gaussian\"\n",
        s(&f.base),
        s(&f.queries),
        s(&gt)
    );
    fs::write(&cfg, &text).unwrap();
    let out2 = d.path().join("run2");
    let r = run(&["eval", "--config", s(&cfg), "--out", s(&out2), "--quiet"]);
    assert_clean_failure(&r, &out2);
    assert!(
        r.stderr.contains(
            "(use --trust-gt or set trust_gt = true in the config's dataset table to skip this check)"
        ),
        "{}",
        r.stderr
    );
    fs::write(
        &cfg,
        text.replace("[dataset]\n", "[dataset]\ntrust_gt = true\n"),
    )
    .unwrap();
    let r = run(&["eval", "--config", s(&cfg), "--out", s(&out2), "--quiet"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let res = read_json(&out2.join("results.json"));
    assert_eq!(res["dataset"]["ground_truth_check"]["ran"], false);
}

#[test]
fn the_shipped_samples_ground_truth_passes_the_check() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("run");
    let r = run(&[
        "eval",
        "--out",
        s(&out),
        "--bits",
        "16",
        "--seeds",
        "0",
        "--projection",
        "gaussian",
        "--quiet",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let res = read_json(&out.join("results.json"));
    let check = &res["dataset"]["ground_truth_check"];
    assert_eq!(res["dataset"]["ground_truth"], "file");
    assert_eq!(check["ran"], true, "{check}");
    assert_eq!(
        (check["sample"].as_u64(), check["depth"].as_u64()),
        (Some(16), Some(100))
    );
    eprintln!(
        "spot-check of the sample's ground truth: {:.4} s",
        res["timings"]["gt_check_s"].as_f64().unwrap()
    );
}

// ---- item 10: verdicts that cannot be reached ----

#[test]
fn no_evaluable_criterion_is_an_error_level_notice_naming_the_widths() {
    let d = tempfile::tempdir().unwrap();
    let f = small_dataset(d.path(), N_BASE, N_QUERIES, DIMS);
    let out = d.path().join("run");
    let r = sweep_files(&f.base, &f.queries, &out, "64,256", "0,1", &[]);
    assert_eq!(r.code, Some(0), "without --strict: exit 0; {}", r.stderr);
    let notice = "no H1 criterion could be evaluated: criteria need bits 1024 (this run: 64, 256); add 1024 to --bits, or use bits = \"max\" in the config's h1.criteria";
    assert!(
        r.stderr.contains(&format!("error: {notice}\n")),
        "{}",
        r.stderr
    );
    let res = read_json(&out.join("results.json"));
    let warnings: Vec<&str> = res["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(warnings.contains(&notice), "{warnings:?}");
    assert_eq!(res["verdict_overall"], "inconclusive");
}

#[test]
fn strict_exits_3_after_writing_the_run_directory() {
    let d = tempfile::tempdir().unwrap();
    let f = small_dataset(d.path(), N_BASE, N_QUERIES, DIMS);
    let out = d.path().join("run");
    let r = sweep_files(&f.base, &f.queries, &out, "64,256", "0,1", &["--strict"]);
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked at"), "{}", r.stderr);
    let want = format!(
        "error: verdict stage: --strict: 5 of 5 H1 criteria could not be evaluated (the run directory {} was written)",
        out.display()
    );
    assert!(r.stderr.contains(&want), "{}", r.stderr);
    assert!(out.join("results.json").is_file() && out.join("report.html").is_file());
}

fn write_config(dir: &Path, f: &common::Files, bits: &str, criteria: &str) -> PathBuf {
    let cfg = dir.join("c.toml");
    fs::write(
        &cfg,
        format!(
            "name = \"t\"\nbits = {bits}\nseeds = [0, 1, 2]\n\n[dataset]\nbase = \"{}\"\nqueries = \"{}\"\nbase_labels = \"{}\"\nquery_labels = \"{}\"\n\n[[projection]]\nkind = \"gaussian\"\n\n[[projection]]\nkind = \"gaussian\"\nname = \"gaussian-b\"\n\n[metrics]\nrecall_k = [1, 10]\ncandidates = 20\nrerank_oversample = [2]\npair_sample = 500\n\n[output]\nplots = false\n{criteria}",
            s(&f.base),
            s(&f.queries),
            s(&f.base_labels),
            s(&f.query_labels)
        ),
    )
    .unwrap();
    cfg
}

const MAX_CRITERION: &str = "\n[[h1.criteria]]\nmetric = \"10@20\"\nbits = \"max\"\nprojection = \"gaussian\"\ncomparison = \">=\"\nthreshold = 0.1\n";

#[test]
fn bits_max_judges_the_widest_width_so_strict_passes() {
    let d = tempfile::tempdir().unwrap();
    let f = small_dataset(d.path(), N_BASE, N_QUERIES, DIMS);
    let cfg = write_config(d.path(), &f, "[64, 128]", MAX_CRITERION);
    let out = d.path().join("run");
    let r = run(&[
        "eval",
        "--config",
        s(&cfg),
        "--out",
        s(&out),
        "--quiet",
        "--strict",
        "--bits",
        "32,96",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!r.stderr.contains("error:"), "{}", r.stderr);
    let res = read_json(&out.join("results.json"));
    let v = &res["verdicts"][0];
    assert_eq!(v["bits"], 96, "the widest width of --bits 32,96: {v}");
    assert_eq!(v["bits_max"], true);
    assert_eq!(v["n"], 3);
    assert_ne!(v["outcome"], "inconclusive", "{v}");
    // The config echo keeps what the user wrote.
    assert_eq!(res["config"]["h1"]["criteria"][0]["bits"], "max");
    assert_schema(&res);
    // Anything but a width or "max" is a config error naming the key.
    let bad = write_config(
        d.path(),
        &f,
        "[64]",
        &MAX_CRITERION.replace("\"max\"", "\"widest\""),
    );
    let out2 = d.path().join("run2");
    let r = run(&["eval", "--config", s(&bad), "--out", s(&out2), "--quiet"]);
    assert_clean_failure(&r, &out2);
    assert!(
        r.stderr.contains("key `h1.criteria.bits`: invalid value: string \"widest\", expected a code width in bits or \"max\""),
        "{}",
        r.stderr
    );
}

// ---- item 11 (first half): every metric skipped for lack of input is a warning ----

fn warnings_of(out: &Path) -> Vec<String> {
    read_json(&out.join("results.json"))["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn knn_acc_skipped_for_missing_labels_is_a_warning_in_stderr_and_results() {
    let d = tempfile::tempdir().unwrap();
    let f = small_dataset(d.path(), N_BASE, N_QUERIES, DIMS);
    for (i, (extra, why)) in [
        (
            vec!["--base-labels", s(&f.base_labels)],
            "knn_acc skipped: --base-labels given without --query-labels",
        ),
        (
            vec!["--query-labels", s(&f.query_labels)],
            "knn_acc skipped: --query-labels given without --base-labels",
        ),
        (
            vec![],
            "knn_acc skipped: no labels (give --base-labels and --query-labels to measure it)",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let out = d.path().join(format!("run{i}"));
        let r = eval_files(&f.base, &f.queries, &out, &extra);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!("warning: {why}\n")),
            "{}",
            r.stderr
        );
        assert!(warnings_of(&out).iter().any(|w| w == why), "{why}");
    }
    // With both: no such warning.
    let out = d.path().join("both");
    let r = eval_files(
        &f.base,
        &f.queries,
        &out,
        &[
            "--base-labels",
            s(&f.base_labels),
            "--query-labels",
            s(&f.query_labels),
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!r.stderr.contains("knn_acc skipped"), "{}", r.stderr);
    // A config names its keys.
    let cfg = write_config(d.path(), &f, "[64]", "");
    let text = fs::read_to_string(&cfg).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("query_labels"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&cfg, text).unwrap();
    let out = d.path().join("cfg");
    let r = run(&["eval", "--config", s(&cfg), "--out", s(&out), "--quiet"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let why = "knn_acc skipped: dataset.base_labels given without dataset.query_labels";
    assert!(r.stderr.contains(why), "{}", r.stderr);
    assert!(warnings_of(&out).iter().any(|w| w == why));
}

#[test]
fn calibration_skipped_for_too_few_pairs_is_a_warning() {
    let d = tempfile::tempdir().unwrap();
    let f = small_dataset(d.path(), N_BASE, N_QUERIES, DIMS);
    let cfg = write_config(d.path(), &f, "[64]", "");
    let text = fs::read_to_string(&cfg).unwrap().replace(
        "pair_sample = 500\n",
        "pair_sample = 500\ncalibration_min_pairs = 1000\n",
    );
    fs::write(&cfg, text).unwrap();
    let out = d.path().join("run");
    let r = run(&["eval", "--config", s(&cfg), "--out", s(&out), "--quiet"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    for key in ["theta_pi_mae", "theta_pi_bins_inside"] {
        let why = format!(
            "{key} skipped in 6 of 6 runs: no θ/π bin holds metrics.calibration_min_pairs = 1000 of the 500 sampled pairs"
        );
        assert!(
            r.stderr.contains(&format!("warning: {why}\n")),
            "{}",
            r.stderr
        );
        assert!(warnings_of(&out).contains(&why), "{why}");
    }
}

// ---- item 14: the recommendation, the metric legend, clipped CIs ----

/// The synthetic clusters at a small size: quality grows with the width, seeds differ.
fn clusters_config(dir: &Path, criteria: &str) -> PathBuf {
    let cfg = dir.join("clusters.toml");
    fs::write(
        &cfg,
        format!(
            "name = \"clusters\"\nbits = [16, 32, 64, 128]\nseeds = [0, 1, 2]\n\n[dataset]\nid = \"synthetic-clusters\"\nnormalization = \"l2\"\n[dataset.synthetic]\nn_base = 400\nn_queries = 40\ndims = 32\n\n[[projection]]\nkind = \"gaussian\"\n\n[[projection]]\nkind = \"rademacher\"\n\n[[projection]]\nkind = \"achlioptas\"\n\n[metrics]\nrecall_k = [1, 10]\ncandidates = 50\nrerank_oversample = [2]\npair_sample = 2000\n\n[output]\nplots = false\n{criteria}"
        ),
    )
    .unwrap();
    cfg
}

fn criterion(metric: &str, threshold: f64) -> String {
    format!(
        "\n[[h1.criteria]]\nmetric = \"{metric}\"\nbits = \"max\"\nprojection = \"gaussian\"\ncomparison = \">=\"\nthreshold = {threshold}\n"
    )
}

/// The summary row of (projection, bits, metric).
fn row<'a>(res: &'a Value, p: &str, b: u64, m: &str) -> &'a Value {
    res["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["projection"] == p && x["bits"] == b && x["metric"] == m)
        .unwrap()
}

#[test]
fn the_recommendation_is_the_smallest_width_whose_criteria_pass() {
    let d = tempfile::tempdir().unwrap();
    let crit = [("10@50", 0.85), ("recall@10", 0.6)];
    let text: String = crit.iter().map(|(m, t)| criterion(m, *t)).collect();
    let cfg = clusters_config(d.path(), &text);
    let out = d.path().join("run");
    let r = run(&["eval", "--config", s(&cfg), "--out", s(&out)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let res = read_json(&out.join("results.json"));
    // Recompute the rule from the summary.
    let projections = ["gaussian", "rademacher", "achlioptas"];
    let passes = |p: &str, b: u64| {
        crit.iter().all(|(m, t)| {
            row(&res, p, b, m)["ci95_low"]
                .as_f64()
                .is_some_and(|lo| lo >= *t)
        })
    };
    let want = [16u64, 32, 64, 128]
        .into_iter()
        .find(|&b| projections.iter().any(|p| passes(p, b)))
        .expect("some width passes");
    assert!(
        want > 16,
        "the thresholds should rule out the narrowest width"
    );
    assert_schema(&res);
    let rec = &res["recommendation"];
    assert_eq!(rec["bits"], want, "{rec}");
    let passing: Vec<&str> = projections
        .iter()
        .copied()
        .filter(|p| passes(p, want))
        .collect();
    let mut got: Vec<&str> = rec["passing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    got.sort_unstable();
    let mut sorted = passing.clone();
    sorted.sort_unstable();
    assert_eq!(got, sorted);
    let bytes = want.div_ceil(8);
    assert_eq!(rec["bytes_per_vector"], bytes);
    assert_eq!(
        rec["compression"].as_f64(),
        Some((32 * 4) as f64 / bytes as f64)
    );
    // The line: in the terminal summary and in report.html.
    let line = format!(
        "Recommendation: {want} bits ({bytes} bytes/vector, {}× smaller than the 128-byte float32 vectors): the smallest width where both criteria pass; ",
        128 / bytes
    );
    assert!(r.stdout.contains(&line), "{line}\n{}", r.stdout);
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains(&format!("Recommendation: {want} bits (")),
        "report"
    );
    // Metric names are defined where they first appear.
    assert!(
        r.stdout.contains(
            "  recall@10            share of the float top-10 found in the Hamming top-10\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "  10@50                share of the float top-10 found in the Hamming top-50"
        )
    );
    let legend = html
        .find("Metrics in these tables")
        .expect("legend in the report");
    assert!(
        legend < html.find("<h2>Summary</h2>").unwrap(),
        "legend before the summary table"
    );
    assert!(html.contains("<dt><code>knn_acc</code></dt><dd>kNN accuracy: share of queries"));
}

#[test]
fn equal_projections_are_tied_in_words() {
    // Two entries of the same kind give the same numbers: their CIs overlap.
    let d = tempfile::tempdir().unwrap();
    let f = small_dataset(d.path(), N_BASE, N_QUERIES, DIMS);
    let cfg = write_config(d.path(), &f, "[32, 64]", MAX_CRITERION);
    let out = d.path().join("run");
    let r = run(&["eval", "--config", s(&cfg), "--out", s(&out)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let rec = &read_json(&out.join("results.json"))["recommendation"];
    assert_eq!(rec["tied"], true, "{rec}");
    assert_eq!(rec["choose"], serde_json::json!(["gaussian", "gaussian-b"]));
    assert!(
        r.stdout.contains(
            "the projections do not differ significantly there (their 95% CIs of 10@20 overlap): tied: any of gaussian, gaussian-b\n"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn when_nothing_passes_the_recommendation_says_so_and_names_the_best_seen() {
    let d = tempfile::tempdir().unwrap();
    let cfg = clusters_config(d.path(), &criterion("recall@10", 0.999));
    let out = d.path().join("run");
    let r = run(&[
        "eval",
        "--config",
        s(&cfg),
        "--out",
        s(&out),
        "--bits",
        "16,32",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let res = read_json(&out.join("results.json"));
    assert_schema(&res);
    let rec = &res["recommendation"];
    assert_eq!(rec["bits"], Value::Null);
    assert_eq!(rec["best_seen"]["bits"], 32, "{rec}");
    assert!(
        r.stdout.contains("Recommendation: none: there is no width where the criterion passes (widths run: 16, 32); best seen: "),
        "{}",
        r.stdout
    );
}

#[test]
fn confidence_intervals_stay_inside_the_metric_ranges() {
    let d = tempfile::tempdir().unwrap();
    let cfg = clusters_config(d.path(), &criterion("10@50", 0.5));
    let out = d.path().join("run");
    let r = run(&["eval", "--config", s(&cfg), "--out", s(&out), "--quiet"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let res = read_json(&out.join("results.json"));
    let range = |m: &str| match m {
        "spearman" | "pearson" | "kendall" => (-1.0, 1.0),
        m if m.starts_with("ndcg@") => (0.0, f64::INFINITY),
        _ => (0.0, 1.0),
    };
    let mut clipped = 0;
    for x in res["summary"].as_array().unwrap() {
        let (lo, hi) = range(x["metric"].as_str().unwrap());
        for end in ["ci95_low", "ci95_high"] {
            if let Some(v) = x[end].as_f64() {
                assert!((lo..=hi).contains(&v), "{x}");
                clipped += usize::from(v == hi || v == lo);
            }
        }
    }
    // Near-perfect metrics whose raw interval crossed 1 were clipped (not a vacuous check).
    let k = row(&res, "rademacher", 128, "10@50");
    assert_eq!(k["ci95_high"], 1.0, "{k}");
    assert!(k["mean"].as_f64().unwrap() < 1.0 && k["sd"].as_f64().unwrap() > 0.0);
    assert!(clipped > 0);
    let csv = fs::read_to_string(out.join("summary.csv")).unwrap();
    for line in csv.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let (lo, hi) = range(c[2]);
        for v in [c[5], c[6]].iter().filter(|v| !v.is_empty()) {
            let v: f64 = v.parse().unwrap();
            assert!((lo..=hi).contains(&v), "{line}");
        }
    }
    assert!(csv.contains("rademacher,128,10@50,"));
    let line = csv
        .lines()
        .find(|l| l.starts_with("rademacher,128,10@50,"))
        .unwrap();
    assert_eq!(line.split(',').nth(6), Some("1"), "{line}");
}
