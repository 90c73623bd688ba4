//! Every bad input of the evaluator, each through the real binary: a non-zero exit, a message
//! naming the stage and the file (or flag), no panic, and no run directory left behind.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use binaryllm::data::write_npy;
use common::{Files, run, s, small_dataset};

struct Case {
    dir: tempfile::TempDir,
    files: Files,
}

impl Case {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let files = small_dataset(dir.path(), 60, 8, 16);
        Self { dir, files }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("runs").join("run")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `eval` on the ad-hoc files (with overrides `extra`), quick settings.
    fn eval(&self, base: &Path, queries: &Path, extra: &[&str]) -> common::Ran {
        let out = self.out();
        let mut args = vec![
            "eval",
            "--base",
            s(base),
            "--queries",
            s(queries),
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

    /// Asserts a clean failure naming `stage` and `what`.
    fn assert_fails(&self, r: &common::Ran, stage: &str, what: &str) {
        assert_eq!(r.code, Some(1), "exit code; stderr: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("{stage} stage")),
            "stage `{stage}` not named: {}",
            r.stderr
        );
        assert!(r.stderr.contains(what), "`{what}` not named: {}", r.stderr);
        assert!(!r.stderr.contains("panicked at"), "panic: {}", r.stderr);
        assert!(!self.out().exists(), "run directory left behind");
        if let Ok(rd) = fs::read_dir(self.dir.path().join("runs")) {
            let left: Vec<_> = rd.map(|e| e.unwrap().file_name()).collect();
            assert!(left.is_empty(), "leftovers in runs/: {left:?}");
        }
    }
}

#[test]
fn missing_file() {
    let c = Case::new();
    let missing = c.path("nope.npy");
    let r = c.eval(&missing, &c.files.queries, &[]);
    c.assert_fails(&r, "load", "nope.npy");
    assert!(r.stderr.contains("cannot read"), "{}", r.stderr);
}

#[test]
fn not_an_npy_file() {
    let c = Case::new();
    let p = c.path("text.npy");
    fs::write(&p, "this is not numpy\n").unwrap();
    let r = c.eval(&p, &c.files.queries, &[]);
    c.assert_fails(&r, "load", "text.npy");
    assert!(r.stderr.contains("not a .npy file"), "{}", r.stderr);
}

#[test]
fn truncated_npy() {
    let c = Case::new();
    let p = c.path("trunc.npy");
    let bytes = fs::read(&c.files.base).unwrap();
    fs::write(&p, &bytes[..bytes.len() - 100]).unwrap();
    let r = c.eval(&p, &c.files.queries, &[]);
    c.assert_fails(&r, "load", "trunc.npy");
    assert!(r.stderr.contains("truncated"), "{}", r.stderr);
}

#[test]
fn wrong_dtype() {
    let c = Case::new();
    let p = c.path("ints.npy");
    write_npy(&p, &[60, 16], &vec![1i32; 60 * 16]).unwrap();
    let r = c.eval(&p, &c.files.queries, &[]);
    c.assert_fails(&r, "load", "ints.npy");
    assert!(r.stderr.contains("unsupported dtype <i4"), "{}", r.stderr);
}

#[test]
fn fortran_order() {
    let c = Case::new();
    let p = c.path("fortran.npy");
    let mut bytes = fs::read(&c.files.queries).unwrap();
    let (from, to) = (
        &b"'fortran_order': False"[..],
        &b"'fortran_order': True "[..],
    );
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    bytes[at..at + from.len()].copy_from_slice(to);
    fs::write(&p, bytes).unwrap();
    let r = c.eval(&c.files.base, &p, &[]);
    c.assert_fails(&r, "load", "fortran.npy");
    assert!(r.stderr.contains("Fortran-order"), "{}", r.stderr);
}

#[test]
fn nan_and_inf_rows() {
    let c = Case::new();
    for (name, bad) in [("nan.npy", f32::NAN), ("inf.npy", f32::INFINITY)] {
        let p = c.path(name);
        let mut v = common::unit_rows(60, 16, 1);
        v[5 * 16 + 3] = bad;
        write_npy(&p, &[60, 16], &v).unwrap();
        let r = c.eval(&p, &c.files.queries, &[]);
        c.assert_fails(&r, "load", name);
        assert!(
            r.stderr.contains("row 5, column 3 is not finite"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn zero_rows() {
    let c = Case::new();
    let p = c.path("empty.npy");
    write_npy(&p, &[0, 16], &[0f32; 0]).unwrap();
    let r = c.eval(&c.files.base, &p, &[]);
    c.assert_fails(&r, "load", "empty.npy");
    assert!(r.stderr.contains("zero rows"), "{}", r.stderr);
}

#[test]
fn norm_off_under_require() {
    let c = Case::new();
    let p = c.path("scaled.npy");
    let v: Vec<f32> = common::unit_rows(60, 16, 1)
        .iter()
        .map(|x| x * 1.01)
        .collect();
    write_npy(&p, &[60, 16], &v).unwrap();
    let r = c.eval(&p, &c.files.queries, &[]);
    c.assert_fails(&r, "load", "scaled.npy");
    assert!(r.stderr.contains("row 0 has L2 norm 1.01"), "{}", r.stderr);
    // The same file passes with normalisation.
    let ok = c.eval(&p, &c.files.queries, &["--normalization", "l2"]);
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
}

#[test]
fn base_query_dimension_mismatch() {
    let c = Case::new();
    let p = c.path("q12.npy");
    write_npy(&p, &[8, 12], &common::unit_rows(8, 12, 3)).unwrap();
    let r = c.eval(&c.files.base, &p, &[]);
    c.assert_fails(&r, "load", "q12.npy");
    assert!(
        r.stderr.contains("queries have 12 dimensions"),
        "{}",
        r.stderr
    );
}

#[test]
fn labels_of_the_wrong_length() {
    let c = Case::new();
    let p = c.path("labels59.npy");
    write_npy(&p, &[59], &vec![0i32; 59]).unwrap();
    let r = c.eval(
        &c.files.base,
        &c.files.queries,
        &[
            "--base-labels",
            s(&p),
            "--query-labels",
            s(&c.files.query_labels),
        ],
    );
    c.assert_fails(&r, "load", "labels59.npy");
    assert!(
        r.stderr.contains("59 labels for 60 base rows"),
        "{}",
        r.stderr
    );
}

#[test]
fn k_zero() {
    let c = Case::new();
    let r = c.eval(&c.files.base, &c.files.queries, &["--k", "0"]);
    c.assert_fails(&r, "config", "--k");
    assert!(r.stderr.contains("k must be at least 1"), "{}", r.stderr);
}

#[test]
fn k_above_n_is_clamped_with_a_warning() {
    let c = Case::new();
    let r = c.eval(
        &c.files.base,
        &c.files.queries,
        &[
            "--k",
            "70",
            "--base-labels",
            s(&c.files.base_labels),
            "--query-labels",
            s(&c.files.query_labels),
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "warning: metrics.k = 70 is larger than the base set (60 rows): clamped to 60"
        ),
        "{}",
        r.stderr
    );
    let results: serde_json::Value =
        serde_json::from_slice(&fs::read(c.out().join("results.json")).unwrap()).unwrap();
    assert_eq!(results["depths"]["k"], 60);
    assert!(
        results["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("clamped to 60"))
    );
    // With k = N every float neighbour is found: the lists are permutations of the base.
    assert_eq!(
        results["runs"][0]["metrics"]["overlap@70"]
            .as_f64()
            .map(|v| v > 0.0),
        Some(true)
    );
    assert_eq!(results["runs"][0]["metrics"]["recall@100"], 1.0);
}

#[test]
fn bits_zero_and_above_the_maximum() {
    let c = Case::new();
    for bits in ["0", "65537"] {
        let r = run(&[
            "eval",
            "--base",
            s(&c.files.base),
            "--queries",
            s(&c.files.queries),
            "--out",
            s(&c.out()),
            "--bits",
            bits,
            "--quiet",
        ]);
        c.assert_fails(&r, "config", "--bits");
        assert!(
            r.stderr.contains("is not supported (1..=65536)"),
            "{}",
            r.stderr
        );
    }
}

fn write_config(c: &Case, body: &str) -> PathBuf {
    let p = c.path("cfg.toml");
    let text = format!(
        "name = \"t\"\nbits = [64]\nseeds = [0]\n\n[dataset]\nbase = \"base.npy\"\nqueries = \"queries.npy\"\n\n[[projection]]\nkind = \"gaussian\"\n{body}"
    );
    fs::write(&p, text).unwrap();
    p
}

fn eval_config(c: &Case, cfg: &Path) -> common::Ran {
    run(&["eval", "--config", s(cfg), "--out", s(&c.out()), "--quiet"])
}

#[test]
fn a_good_config_file_runs() {
    let c = Case::new();
    let cfg = write_config(&c, "");
    let r = eval_config(&c, &cfg);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(c.out().join("results.json").is_file());
}

#[test]
fn unknown_config_key() {
    let c = Case::new();
    let cfg = write_config(&c, "\n[metrics]\nk = 10\nrecal_k = [1]\n");
    let r = eval_config(&c, &cfg);
    c.assert_fails(&r, "config", "cfg.toml:14:1");
    assert!(r.stderr.contains("key `metrics.recal_k`"), "{}", r.stderr);
    assert!(r.stderr.contains("unknown field `recal_k`"), "{}", r.stderr);
}

#[test]
fn wrong_type_in_config() {
    let c = Case::new();
    let cfg = write_config(&c, "\n[metrics]\nk = \"ten\"\n");
    let r = eval_config(&c, &cfg);
    c.assert_fails(&r, "config", "cfg.toml:13");
    assert!(r.stderr.contains("key `metrics.k`"), "{}", r.stderr);
    assert!(r.stderr.contains("invalid type"), "{}", r.stderr);
}

#[test]
fn unknown_projection_kind() {
    let c = Case::new();
    let cfg = write_config(&c, "\n[[projection]]\nkind = \"spherical\"\n");
    let r = eval_config(&c, &cfg);
    c.assert_fails(&r, "config", "cfg.toml:13:1");
    assert!(
        r.stderr.contains("key `projection[1].kind`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("unknown projection kind `spherical`"),
        "{}",
        r.stderr
    );
    let r = run(&[
        "eval",
        "--base",
        s(&c.files.base),
        "--queries",
        s(&c.files.queries),
        "--out",
        s(&c.out()),
        "--projection",
        "gaussian,spherical",
    ]);
    c.assert_fails(&r, "config", "--projection");
}

#[test]
fn unwritable_out_dir() {
    let c = Case::new();
    let file = c.path("a-file");
    fs::write(&file, b"").unwrap();
    let out = file.join("run");
    let r = run(&[
        "eval",
        "--base",
        s(&c.files.base),
        "--queries",
        s(&c.files.queries),
        "--out",
        s(&out),
        "--quiet",
    ]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("output stage"), "{}", r.stderr);
    assert!(r.stderr.contains("a-file"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked at"));
    assert!(!out.exists());
}

#[test]
fn existing_run_dir_is_refused_without_force() {
    let c = Case::new();
    fs::create_dir_all(c.out()).unwrap();
    let r = c.eval(&c.files.base, &c.files.queries, &[]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("already exists (use --force"),
        "{}",
        r.stderr
    );
    let ok = c.eval(&c.files.base, &c.files.queries, &["--force"]);
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
    assert!(c.out().join("report.html").is_file());
}
