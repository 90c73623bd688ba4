//! Every bad input of the evaluator, each through the real binary: a non-zero exit, a message
//! naming the stage and the file (or flag), no panic, and no run directory left behind.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{self, Files, run, s, small_dataset};
use binaryllm_engine::data::write_npy;

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
fn an_unknown_threshold_or_normalization_in_a_config_names_the_known_ones() {
    let c = Case::new();
    let cfg = write_config(&c, "threshold = \"p90\"\n");
    let r = eval_config(&c, &cfg);
    c.assert_fails(&r, "config", "cfg.toml:11:");
    assert!(
        r.stderr
            .contains("unknown threshold `p90` (known: zero, mean, median)"),
        "{}",
        r.stderr
    );
    let text = "name = \"t\"\nbits = [64]\nseeds = [0]\n\n[dataset]\nbase = \"base.npy\"\nqueries = \"queries.npy\"\nnormalization = \"unit\"\n\n[[projection]]\nkind = \"gaussian\"\n";
    let cfg = write_config_text(&c, text);
    let r = eval_config(&c, &cfg);
    c.assert_fails(&r, "config", "key `dataset.normalization`");
    assert!(
        r.stderr
            .contains("unknown normalization `unit` (known: require, l2, none)"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_unknown_flag_value_of_a_closed_set_is_a_usage_error_listing_the_set() {
    let c = Case::new();
    let r = c.eval(
        &c.files.base,
        &c.files.queries,
        &["--normalization", "unit"],
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("[possible values: require, l2, none]"),
        "{}",
        r.stderr
    );
    let r = run(&[
        "firmware",
        "run",
        "--board",
        "qemu-m5",
        "--out",
        s(&c.out()),
    ]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("unknown QEMU board \"qemu-m5\" (known: qemu-m0, qemu-m4f)"),
        "{}",
        r.stderr
    );
    assert!(!c.out().exists());
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
    let first = c.eval(&c.files.base, &c.files.queries, &[]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
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

// ---- The rest of the bad-input matrix (docs/errors.md): headers that lie, odd floats and
// labels, empty or duplicate config lists, damaged firmware reports, a hanging QEMU.

/// A `.npy` v1 file with header `dict` (padded as numpy pads it) followed by `data`.
fn npy_bytes(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut head = dict.to_string();
    while !(10 + head.len() + 1).is_multiple_of(64) {
        head.push(' ');
    }
    head.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(head.len() as u16).to_le_bytes());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(data);
    out
}

#[test]
fn npy_header_claiming_a_huge_shape() {
    let c = Case::new();
    let p = c.path("huge.npy");
    let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }";
    fs::write(&p, npy_bytes(dict, &[0u8; 64])).unwrap();
    let r = c.eval(&p, &c.files.queries, &[]);
    c.assert_fails(&r, "load", "huge.npy");
    assert!(
        r.stderr
            .contains("truncated: the header promises 4000000000000 data bytes, the file has 64"),
        "{}",
        r.stderr
    );
}

#[test]
fn npy_header_whose_byte_count_overflows() {
    let c = Case::new();
    let p = c.path("overflow.npy");
    let dict =
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }";
    fs::write(&p, npy_bytes(dict, &[0u8; 64])).unwrap();
    let r = c.eval(&p, &c.files.queries, &[]);
    c.assert_fails(&r, "load", "overflow.npy");
    assert!(
        r.stderr.contains(
            "the header claims shape [1099511627776, 1099511627776], more bytes than 64 bits can count"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn npy_header_longer_than_the_file() {
    let c = Case::new();
    let p = c.path("shorthead.npy");
    let bytes = fs::read(&c.files.base).unwrap();
    fs::write(&p, &bytes[..60]).unwrap();
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]);
    assert!(header_len > 50);
    let r = c.eval(&p, &c.files.queries, &[]);
    c.assert_fails(&r, "load", "shorthead.npy");
    assert!(
        r.stderr.contains(&format!(
            "not a .npy file (the header claims {header_len} bytes, the file has 50 after the preamble)"
        )),
        "{}",
        r.stderr
    );
}

/// 60 × 16 float16 rows (unit norm within f16 precision) with `patch(row, col) -> Some(bits)`
/// overriding single values.
fn f16_rows(patch: impl Fn(usize, usize) -> Option<u16>) -> Vec<u8> {
    let v = common::unit_rows(60, 16, 1);
    let mut data = Vec::new();
    for (i, x) in v.iter().enumerate() {
        let bits = patch(i / 16, i % 16).unwrap_or_else(|| half::f16::from_f32(*x).to_bits());
        data.extend_from_slice(&bits.to_le_bytes());
    }
    npy_bytes(
        "{'descr': '<f2', 'fortran_order': False, 'shape': (60, 16), }",
        &data,
    )
}

#[test]
fn f16_nan_is_rejected() {
    let c = Case::new();
    let p = c.path("nan16.npy");
    fs::write(
        &p,
        f16_rows(|r, col| (r == 7 && col == 2).then_some(0x7E00)),
    )
    .unwrap();
    let r = c.eval(&p, &c.files.queries, &["--normalization", "l2"]);
    c.assert_fails(&r, "load", "nan16.npy");
    assert!(
        r.stderr.contains("row 7, column 2 is not finite (NaN)"),
        "{}",
        r.stderr
    );
}

#[test]
fn f16_subnormals_are_accepted() {
    let c = Case::new();
    let p = c.path("sub16.npy");
    // Column 0 of every row becomes a float16 subnormal (0x0001 = 2^-24, 0x03FF = 1023·2^-24):
    // valid finite values, read exactly, so the run succeeds.
    fs::write(
        &p,
        f16_rows(|r, col| (col == 0).then_some(if r % 2 == 0 { 0x0001 } else { 0x83FF })),
    )
    .unwrap();
    let m = binaryllm_engine::data::read_matrix(&p).unwrap();
    assert_eq!(m.row(0)[0], 2f32.powi(-24));
    assert_eq!(m.row(1)[0], -1023.0 * 2f32.powi(-24));
    let r = c.eval(&p, &c.files.queries, &["--normalization", "l2"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(c.out().join("results.json").is_file());
}

fn eval_with_labels(c: &Case, base_labels: &Path) -> common::Ran {
    c.eval(
        &c.files.base,
        &c.files.queries,
        &[
            "--base-labels",
            s(base_labels),
            "--query-labels",
            s(&c.files.query_labels),
        ],
    )
}

#[test]
fn negative_labels_are_rejected() {
    let c = Case::new();
    let p = c.path("neg_labels.npy");
    let mut l: Vec<i32> = (0..60).map(|i| i % 3).collect();
    l[11] = -1;
    write_npy(&p, &[60], &l).unwrap();
    let r = eval_with_labels(&c, &p);
    c.assert_fails(&r, "load", "neg_labels.npy");
    assert!(
        r.stderr.contains("label -1 at row 11 is negative"),
        "{}",
        r.stderr
    );
}

#[test]
fn labels_out_of_the_integer_range_are_rejected() {
    let c = Case::new();
    let p = c.path("big_labels.npy");
    let mut l: Vec<u64> = (0..60).map(|i| i % 3).collect();
    l[4] = 1 << 63;
    write_npy(&p, &[60], &l).unwrap();
    let r = eval_with_labels(&c, &p);
    c.assert_fails(&r, "load", "big_labels.npy");
    assert!(
        r.stderr.contains(
            "row 4, column 0: 9223372036854775808 does not fit in a signed 64-bit integer"
        ),
        "{}",
        r.stderr
    );
}

/// A config over the case's files with labels and `label_names = names`.
fn config_with_label_names(c: &Case, base_labels: &Path, names: &str) -> PathBuf {
    write_config_text(
        c,
        &format!(
            "name = \"t\"\nbits = [64]\nseeds = [0]\n\n[dataset]\nbase = \"base.npy\"\n\
             queries = \"queries.npy\"\nbase_labels = \"{}\"\nquery_labels = \"query_labels.npy\"\n\
             label_names = {names}\n\n[[projection]]\nkind = \"gaussian\"\n",
            base_labels.file_name().unwrap().to_str().unwrap()
        ),
    )
}

#[test]
fn labels_beyond_the_class_names_are_rejected() {
    let c = Case::new();
    // The case's labels are 0..=2; three names fit, so a run with them succeeds and records them.
    let ok = config_with_label_names(&c, &c.files.base_labels, r#"["a", "b", "c"]"#);
    let r = eval_config(&c, &ok);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let results = fs::read_to_string(c.out().join("results.json")).unwrap();
    assert!(
        results.contains(r#""label_names": ["#),
        "names not recorded"
    );
    fs::remove_dir_all(c.dir.path().join("runs")).unwrap();

    let p = c.path("label3.npy");
    let mut l: Vec<i32> = (0..60).map(|i| i % 3).collect();
    l[17] = 3;
    write_npy(&p, &[60], &l).unwrap();
    let bad = config_with_label_names(&c, &p, r#"["a", "b", "c"]"#);
    let r = eval_config(&c, &bad);
    c.assert_fails(&r, "load", "label3.npy");
    assert!(
        r.stderr.contains(
            "label 3 at row 17 is out of range: `[dataset] label_names` names 3 classes, so labels must be 0..=2"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn empty_class_names_are_rejected() {
    let c = Case::new();
    let cfg = config_with_label_names(&c, &c.files.base_labels, "[]");
    let r = eval_config(&c, &cfg);
    c.assert_fails(
        &r,
        "config",
        "key `dataset.label_names`: needs at least one name",
    );
}

fn write_config_text(c: &Case, text: &str) -> PathBuf {
    let p = c.path("cfg.toml");
    fs::write(&p, text).unwrap();
    p
}

const CONFIG_TAIL: &str = "\n[dataset]\nbase = \"base.npy\"\nqueries = \"queries.npy\"\n\n[[projection]]\nkind = \"gaussian\"\n";

#[test]
fn empty_bits_list() {
    let c = Case::new();
    let cfg = write_config_text(
        &c,
        &format!("name = \"t\"\nbits = []\nseeds = [0]\n{CONFIG_TAIL}"),
    );
    let r = eval_config(&c, &cfg);
    c.assert_fails(&r, "config", "cfg.toml:2:1: key `bits`: empty list");
}

#[test]
fn empty_recall_k_list() {
    let c = Case::new();
    let cfg = write_config(&c, "\n[metrics]\nrecall_k = []\n");
    let r = eval_config(&c, &cfg);
    c.assert_fails(
        &r,
        "config",
        "cfg.toml:13:1: key `metrics.recall_k`: []: need distinct values >= 1",
    );
}

#[test]
fn duplicate_seeds() {
    let c = Case::new();
    let cfg = write_config_text(
        &c,
        &format!("name = \"t\"\nbits = [64]\nseeds = [3, 1, 3]\n{CONFIG_TAIL}"),
    );
    let r = eval_config(&c, &cfg);
    c.assert_fails(&r, "config", "cfg.toml:3:1: key `seeds`: duplicate seeds");
    let r = run(&[
        "eval",
        "--base",
        s(&c.files.base),
        "--queries",
        s(&c.files.queries),
        "--out",
        s(&c.out()),
        "--seeds",
        "2,2",
        "--quiet",
    ]);
    c.assert_fails(&r, "config", "command line: key `--seeds`: duplicate seeds");
}

// ---- Firmware reports.

fn capture() -> Vec<u8> {
    fs::read(common::root().join("host/tests/data/firmware-qemu-m4f-v2.cobs")).unwrap()
}

/// The CRC-checked payload of the shipped capture (without its CRC).
fn payload() -> Vec<u8> {
    let raw = capture();
    let mut scratch = vec![0u8; raw.len()];
    let body = binaryllm_core::report::find_frame(&raw).unwrap();
    let n = binaryllm_core::report::cobs_decode_into(body, &mut scratch).unwrap();
    scratch.truncate(n - 4);
    scratch
}

/// A well-framed capture of `payload` (valid COBS and CRC).
fn frame(payload: &[u8]) -> Vec<u8> {
    use binaryllm_core::report::{cobs_encode_into, cobs_max_len, crc32};
    let mut p = payload.to_vec();
    p.extend_from_slice(&crc32(payload).to_le_bytes());
    let mut out = vec![0u8; cobs_max_len(p.len()) + 1];
    let n = cobs_encode_into(&p, &mut out).unwrap();
    out.truncate(n);
    out.push(0);
    out
}

fn decode_fails(name: &str, bytes: &[u8], message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(name);
    fs::write(&input, bytes).unwrap();
    let out = dir.path().join("fw");
    let r = run(&["firmware", "decode", "--input", s(&input), "--out", s(&out)]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "decode stage: the report frame of {}: {message}",
            input.display()
        )),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked at"), "{}", r.stderr);
    assert!(!out.exists(), "output left behind");
}

#[test]
fn the_shipped_frame_reframed_decodes() {
    // The helpers above are an oracle only if an untouched payload passes.
    assert_eq!(frame(&payload()), capture());
}

#[test]
fn report_frame_empty() {
    decode_fails("empty.cobs", b"", "no report frame in the capture");
    decode_fails("zeros.cobs", &[0u8; 32], "no report frame in the capture");
}

#[test]
fn report_frame_truncated() {
    let raw = capture();
    decode_fails(
        "cut.cobs",
        &raw[..200],
        "truncated frame: 200 bytes without the 0x00 delimiter or the CRC",
    );
}

#[test]
fn report_frame_oversized() {
    let mut p = payload();
    p.extend_from_slice(&[0x5A; 9000]);
    decode_fails(
        "big.cobs",
        &frame(&p),
        "9000 payload bytes left after the report",
    );
}

#[test]
fn report_frame_of_another_version() {
    let mut p = payload();
    assert_eq!(p[0], 2, "version 2 is one varint byte");
    p[0] = 3;
    decode_fails(
        "v3.cobs",
        &frame(&p),
        "report version 3 is not the supported version 2",
    );
}

#[test]
fn qemu_that_hangs_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    fs::create_dir(&bin).unwrap();
    let fake = bin.join("qemu-system-arm");
    fs::write(&fake, "#!/bin/sh\necho fake qemu hanging\nexec sleep 60\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let elf = dir.path().join("fw.elf");
    fs::write(&elf, b"\x7fELF not really").unwrap();
    let out = dir.path().join("fw-out");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let t = std::time::Instant::now();
    let o = std::process::Command::new(common::bin())
        .args(["firmware", "run", "--board", "qemu-m4f", "--timeout", "1"])
        .arg("--elf")
        .arg(&elf)
        .arg("--out")
        .arg(&out)
        .env("PATH", path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(t.elapsed() < std::time::Duration::from_secs(30));
    assert!(
        stderr.contains(&format!(
            "run stage: QEMU (qemu-m4f) running {} did not exit within 1 s",
            elf.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("fake qemu hanging"), "{stderr}");
    assert!(!stderr.contains("panicked at"), "{stderr}");
    assert!(!out.exists(), "output left behind");
}
