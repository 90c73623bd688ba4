//! The README's main command on the shipped sample: a complete run directory whose
//! results.json validates against schemas/results-v2.schema.json and carries every key the
//! evaluator promises (the judged metrics of the sample's judged task included); a rerun gives identical results apart from timestamps and timings.

use std::fs;
use std::path::Path;

use crate::common::{root, run, s};
use serde_json::Value;

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&fs::read(p).unwrap()).unwrap()
}

fn validate(instance: &Value) -> Result<(), String> {
    let schema = read_json(&root().join("schemas/results-v2.schema.json"));
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("results-v2.schema.json", schema)
        .unwrap();
    let index = compiler
        .compile("results-v2.schema.json", &mut schemas)
        .unwrap();
    schemas
        .validate(instance, index)
        .map_err(|e| format!("{e:#}"))
}

/// Drops the keys that legitimately differ between reruns.
fn strip_volatile(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("timings");
            m.remove("started");
            m.remove("finished");
            for x in m.values_mut() {
                strip_volatile(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_volatile),
        _ => {}
    }
}

#[test]
fn default_eval_on_the_sample_writes_a_complete_valid_run_dir() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let r = run(&["eval", "--out", s(&out)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains("H1 overall:"),
        "summary table: {}",
        r.stdout
    );
    assert!(
        r.stderr.contains("[45/45]"),
        "plain progress lines: {}",
        r.stderr
    );
    for f in [
        "results.json",
        "metrics.csv",
        "summary.csv",
        "report.html",
        "plots/recall_vs_bits.svg",
        "plots/recall_vs_bits.png",
        "plots/rerank_vs_bits.svg",
        "plots/calibration.svg",
        "plots/cosine_scatter.png",
        "plots/knn_acc_vs_bits.svg",
    ] {
        let p = out.join(f);
        assert!(p.is_file() && fs::metadata(&p).unwrap().len() > 100, "{f}");
    }
    let png = fs::read(out.join("plots/calibration.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let res = read_json(&out.join("results.json"));
    if let Err(e) = validate(&res) {
        panic!("results.json does not match the schema: {e}");
    }
    // The schema is not vacuous: broken copies are rejected.
    for (path, bad) in [
        ("verdict_overall", serde_json::json!("maybe")),
        ("schema_version", serde_json::json!(1)),
        ("config_sha256", serde_json::json!("abc")),
    ] {
        let mut broken = res.clone();
        broken[path] = bad;
        assert!(validate(&broken).is_err(), "{path}");
    }
    let mut broken = res.clone();
    broken["runs"][0]["metrics"]["recall@x"] = serde_json::json!(0.5);
    assert!(validate(&broken).is_err(), "unknown metric key accepted");
    let mut broken = res.clone();
    broken.as_object_mut().unwrap().remove("summary");
    assert!(validate(&broken).is_err(), "missing summary accepted");

    // The keys the issue lists, exactly.
    assert_eq!(res["schema_version"], 2);
    assert_eq!(res["dataset"]["id"], "wordnet-minilm-sample");
    assert_eq!(res["dataset"]["n_base"], 5000);
    assert_eq!(res["dataset"]["n_queries"], 500);
    assert_eq!(res["dataset"]["dims"], 384);
    assert_eq!(res["dataset"]["ground_truth"], "file");
    assert_eq!(res["hypotheses"], serde_json::json!(["H1"]));
    let runs = res["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3 * 5 * 3);
    let keys: Vec<&str> = runs[0]["metrics"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "recall@1",
            "recall@10",
            "recall@100",
            "10@100",
            "overlap@10",
            "ndcg@10",
            "mrr",
            "rerank@10/x2",
            "rerank@10/x5",
            "rerank@10/x10",
            "asym_rerank@10/x2",
            "asym_rerank@10/x5",
            "asym_rerank@10/x10",
            "spearman",
            "pearson",
            "kendall",
            "theta_pi_mae",
            "theta_pi_bins_inside",
            "knn_acc"
        ]
    );
    for r in runs {
        for (k, v) in r["metrics"].as_object().unwrap() {
            let x = v.as_f64().unwrap_or_else(|| panic!("{k} is not a number"));
            if k != "theta_pi_mae" {
                assert!((-1.0..=1.0).contains(&x), "{k} = {x}");
            }
        }
    }
    // Rescoring the Hamming top-100 in float finds exactly the float top-10 that are in it.
    for r in runs {
        assert_eq!(r["metrics"]["rerank@10/x10"], r["metrics"]["10@100"]);
    }
    // Quality grows with the code width (mean over seeds, every projection).
    let summary = res["summary"].as_array().unwrap();
    let mean = |p: &str, b: u64, m: &str| {
        summary
            .iter()
            .find(|x| x["projection"] == p && x["bits"] == b && x["metric"] == m)
            .unwrap()["mean"]
            .as_f64()
            .unwrap()
    };
    for p in ["gaussian", "rademacher", "achlioptas"] {
        for m in ["recall@10", "10@100", "spearman", "ndcg@10"] {
            let v: Vec<f64> = [64, 128, 256, 512, 1024]
                .iter()
                .map(|&b| mean(p, b, m))
                .collect();
            assert!(v.windows(2).all(|w| w[0] < w[1]), "{p} {m}: {v:?}");
        }
    }
    // 19 metric keys, then 5 judged metrics × (judged, retained, noninferior) × 7 modes.
    assert_eq!(summary.len(), 3 * 5 * (19 + 5 * 3 * 7));
    assert!(res["knn_acc_float"].as_f64().unwrap() > 0.3);
    // The sample's judged task (the catalog's lemma queries): the float baseline, every mode
    // of every run, a judged summary per (projection, bits, mode, metric), the run files of
    // the widest width and the first seed (`[output] trec_runs = "first"`).
    assert_eq!(res["judged"]["source"], "catalog wordnet-minilm-sample");
    assert_eq!(res["judged"]["n_queries"], 236);
    assert_eq!(res["judged"]["bootstrap"]["resamples"], 1000);
    let float_ndcg = res["judged_float"]["ndcg@10"].as_f64().unwrap();
    assert!(float_ndcg > 0.0 && float_ndcg <= 1.0, "{float_ndcg}");
    let modes = [
        "hamming",
        "rerank/x2",
        "rerank/x5",
        "rerank/x10",
        "asym_rerank/x2",
        "asym_rerank/x5",
        "asym_rerank/x10",
    ];
    for r in runs {
        let judged: Vec<&str> = r["judged"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(judged, modes);
    }
    assert_eq!(
        res["judged_summary"].as_array().unwrap().len(),
        3 * 5 * 7 * 5
    );
    let trec = fs::read_dir(out.join("trec")).unwrap().count();
    assert_eq!(trec, 1 + 3 * 7, "float.run + a file per (projection, mode)");
    let mut broken = res.clone();
    broken.as_object_mut().unwrap().remove("judged");
    assert!(
        validate(&broken).is_err(),
        "judged_float without judged accepted"
    );
    let mut broken = res.clone();
    broken["runs"][0]["judged"]["hamming"]["ndcg@11"] = serde_json::json!(0.5);
    assert!(validate(&broken).is_err(), "unknown judged metric accepted");
    let verdicts = res["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), 5);
    for v in verdicts {
        assert!(["pass", "fail", "inconclusive"].contains(&v["outcome"].as_str().unwrap()));
        assert_eq!(v["n"], 3);
    }
    let csv = fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 45);
    assert!(csv.starts_with("projection,kind,bits,seed,recall@1,recall@10,recall@100,10@100"));
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("H1 verdict"));
    assert!(!html.contains("src=\"http") && !html.contains("<script"));
}

#[test]
fn rerun_gives_identical_results_apart_from_timestamps_and_timings() {
    let dir = tempfile::tempdir().unwrap();
    let mut outs = Vec::new();
    for i in 0..2 {
        let out = dir.path().join(format!("run{i}"));
        let r = run(&[
            "eval",
            "--out",
            s(&out),
            "--bits",
            "64,256",
            "--seeds",
            "0,1",
            "--projection",
            "gaussian,achlioptas",
            "--threads",
            if i == 0 { "1" } else { "2" },
            "--quiet",
        ]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(
            r.stdout.is_empty() && !r.stderr.contains('['),
            "quiet: {}",
            r.stderr
        );
        outs.push(out);
    }
    let mut a = read_json(&outs[0].join("results.json"));
    let mut b = read_json(&outs[1].join("results.json"));
    assert_ne!(a["timings"], Value::Null);
    // The thread count is recorded; everything computed must not depend on it.
    for v in [&mut a, &mut b] {
        strip_volatile(v);
        v.as_object_mut().unwrap().remove("threads");
        v["config"].as_object_mut().unwrap().remove("threads");
        v.as_object_mut().unwrap().remove("config_sha256");
    }
    assert_eq!(a, b);
    for f in ["metrics.csv", "summary.csv"] {
        assert_eq!(
            fs::read(outs[0].join(f)).unwrap(),
            fs::read(outs[1].join(f)).unwrap(),
            "{f}"
        );
    }
}
