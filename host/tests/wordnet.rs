//! Checks on the real data: the exact ground truth equals the shipped gt100 files (sample
//! always; full WordNet set when ../shared/data is present), and `eval` recall@10 at 256 and
//! 1024 bits matches an independent numpy computation (scripts/golden/wordnet_recall.py)
//! within 0.005. Tests needing ../shared skip with a printed notice when it is absent.

use std::path::{Path, PathBuf};

use crate::common::{root, run, s};
use binaryllm_engine::data::{read_ints, read_matrix};
use binaryllm_engine::dataset::groundtruth::{dot64, exact_topk};

fn shared() -> Option<PathBuf> {
    let d = std::env::var_os("BINARYLLM_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/data"));
    if d.join("wordnet_minilm_base.npy").is_file() {
        Some(d)
    } else {
        eprintln!(
            "notice: {} not found: skipping this check (set BINARYLLM_DATA)",
            d.display()
        );
        None
    }
}

/// Computed top-k equals the file, except where two neighbours' similarities tie within 1e-9
/// (then either order is exact).
fn check_gt(base: &Path, queries: &Path, gt: &Path) {
    let b = read_matrix(base).unwrap();
    let q = read_matrix(queries).unwrap();
    let want = read_ints(gt).unwrap();
    let got = exact_topk(&b, &q, want.cols, 2);
    let mut differ = 0;
    for i in 0..q.rows {
        for r in 0..want.cols {
            let (g, w) = (
                got.query(i)[r] as usize,
                want.data[i * want.cols + r] as usize,
            );
            if g != w {
                let (sg, sw) = (dot64(q.row(i), b.row(g)), dot64(q.row(i), b.row(w)));
                assert!(
                    (sg - sw).abs() < 1e-9,
                    "query {i} rank {r}: {g} ({sg}) vs {w} ({sw})"
                );
                differ += 1;
            }
        }
    }
    assert!(differ <= q.rows / 10, "{differ} near-tie swaps");
}

#[test]
fn exact_ground_truth_equals_the_shipped_sample_gt100() {
    let d = root().join("data/sample");
    check_gt(
        &d.join("wordnet_minilm_sample_base.npy"),
        &d.join("wordnet_minilm_sample_queries.npy"),
        &d.join("wordnet_minilm_sample_gt100.npy"),
    );
}

#[test]
fn exact_ground_truth_equals_the_full_wordnet_gt100() {
    let Some(d) = shared() else { return };
    check_gt(
        &d.join("wordnet_minilm_base.npy"),
        &d.join("wordnet_minilm_queries.npy"),
        &d.join("wordnet_minilm_gt100.npy"),
    );
}

#[test]
fn wordnet_recall_at_10_matches_numpy() {
    let Some(_) = shared() else { return };
    let golden: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("host/tests/golden/wordnet-recall-v1.json")).unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let r = run(&[
        "eval",
        "--config",
        "configs/wordnet-minilm.toml",
        "--bits",
        "256,1024",
        "--seeds",
        "0",
        "--projection",
        "gaussian",
        "--out",
        s(&out),
        "--quiet",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let res: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    for run in res["runs"].as_array().unwrap() {
        let bits = run["bits"].as_u64().unwrap().to_string();
        let ours = run["metrics"]["recall@10"].as_f64().unwrap();
        let numpy = golden["recall@10"][&bits].as_f64().unwrap();
        eprintln!("{bits} bits: recall@10 binaryllm {ours:.4}, numpy {numpy:.4}");
        assert!(
            (ours - numpy).abs() <= 0.005,
            "{bits} bits: {ours} vs numpy {numpy}"
        );
    }
}
