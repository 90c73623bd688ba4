//! Issue 13 item 2, "codes that forget their projection": `encode` writes a sidecar
//! (`codes.npy.json`) beside the codes; `search`, `export` and `eval --codes` take their
//! defaults from it and reject a flag, a query file or a code file that contradicts it. Each
//! test reproduces a trigger that used to succeed with a wrong answer (exit 0).

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{Files, Ran, root, run, s, small_dataset, unit_rows};
use binaryllm_engine::data::{read_u8_matrix, write_npy};
use serde_json::Value;

const DIMS: usize = 16;

/// A temporary directory with a small data set (300 base, 30 queries, 16 dims).
struct Case {
    dir: tempfile::TempDir,
    files: Files,
}

impl Case {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let files = small_dataset(dir.path(), 300, 30, DIMS);
        Self { dir, files }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Float vectors `rows × dims` (seeded) written to `name`.
    fn floats(&self, name: &str, rows: usize, dims: usize, seed: u64) -> PathBuf {
        let p = self.path(name);
        write_npy(
            &p,
            &[rows as u64, dims as u64],
            &unit_rows(rows, dims, seed),
        )
        .unwrap();
        p
    }

    /// `encode --input INPUT … --out NAME`; must succeed.
    fn encode(&self, input: &Path, name: &str, extra: &[&str]) -> PathBuf {
        let out = self.path(name);
        let mut a = vec!["encode", "--input", s(input), "--out", s(&out)];
        a.extend_from_slice(extra);
        let r = run(&a);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        out
    }

    /// `search --codes CODES --k 5 --out NAME …`.
    fn search(&self, codes: &Path, name: &str, extra: &[&str]) -> (Ran, PathBuf) {
        let out = self.path(name);
        let mut a = vec!["search", "--codes", s(codes), "--k", "5", "--out", s(&out)];
        a.extend_from_slice(extra);
        (run(&a), out)
    }

    /// The names in the directory (hidden partial files included).
    fn listing(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

/// Exit 1, no panic, every `needle` in the error line, and `out` not created.
fn assert_rejected(r: &Ran, out: &Path, needles: &[&str]) {
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    for n in needles {
        assert!(r.stderr.contains(n), "missing `{n}` in: {}", r.stderr);
    }
    assert!(!out.exists(), "{} was left behind", out.display());
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&fs::read(p).unwrap()).unwrap()
}

fn ids(out: &Path) -> Vec<u8> {
    fs::read(out.join("ids.npy")).unwrap()
}

#[test]
fn queries_of_another_dimension_are_rejected_naming_both() {
    let c = Case::new();
    let codes = c.encode(&c.files.base, "codes.npy", &["--bits", "64"]);
    let q12 = c.floats("q12.npy", 30, 12, 3);
    let (r, out) = c.search(&codes, "hits", &["--queries", s(&q12)]);
    assert_rejected(
        &r,
        &out,
        &[
            "error: search stage: ",
            "q12.npy has 12-dim vectors, but ",
            "codes.npy.json says the codes were made from 16-dim vectors",
        ],
    );
}

#[test]
fn projection_flags_that_differ_from_encode_are_rejected_naming_both() {
    let c = Case::new();
    let codes = c.encode(&c.files.base, "codes.npy", &["--bits", "64"]);
    let q = s(&c.files.queries);
    for (flag, value, recorded) in [
        ("--seed", "1", "(the codes were made with seed 0)"),
        (
            "--projection",
            "rademacher",
            "(the codes were made with projection gaussian)",
        ),
        (
            "--threshold",
            "mean",
            "(the codes were made with threshold zero)",
        ),
        ("--bits", "32", "(the codes have 64 bits)"),
    ] {
        let (r, out) = c.search(&codes, "hits", &["--queries", q, flag, value]);
        let said = format!("error: search stage: {flag} {value} contradicts ");
        assert_rejected(&r, &out, &[&said, "codes.npy.json ", recorded]);
    }
    // An artefact that is not the one the codes were made with.
    let art = c.path("art");
    let t = run(&[
        "projection",
        "train",
        "--kind",
        "orthogonal",
        "--input",
        s(&c.files.base),
        "--bits",
        "64",
        "--out",
        s(&art),
    ]);
    assert_eq!(t.code, Some(0), "{}", t.stderr);
    let (r, out) = c.search(
        &codes,
        "hits",
        &["--queries", q, "--projection-file", s(&art)],
    );
    assert_rejected(
        &r,
        &out,
        &[
            "--projection-file ",
            "art contradicts ",
            "not with an artefact",
        ],
    );
}

#[test]
fn packbits_codes_read_in_faiss_order_are_rejected() {
    let c = Case::new();
    let codes = c.encode(
        &c.files.base,
        "codes.npy",
        &["--bits", "64", "--format", "packbits"],
    );
    let (r, out) = c.search(
        &codes,
        "hits",
        &["--queries", s(&c.files.queries), "--format", "faiss"],
    );
    assert_rejected(
        &r,
        &out,
        &[
            "error: search stage: --format faiss contradicts ",
            "codes.npy.json (the codes are in packbits byte order, MSB-first)",
        ],
    );
    let idx = c.path("index.bin");
    let r = run(&[
        "export",
        "--codes",
        s(&codes),
        "--codes-format",
        "faiss",
        "--format",
        "faiss-index",
        "--out",
        s(&idx),
    ]);
    assert_rejected(
        &r,
        &idx,
        &["error: export stage: --codes-format faiss contradicts "],
    );
    assert!(!sidecar(&idx).exists());
}

fn sidecar(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".json");
    PathBuf::from(s)
}

#[test]
fn defaults_from_the_sidecar_give_the_ids_of_the_explicit_command() {
    let c = Case::new();
    let q = s(&c.files.queries);
    let made = ["--bits", "64", "--projection", "rademacher", "--seed", "3"];
    let mut enc = made.to_vec();
    enc.extend(["--format", "packbits"]);
    let codes = c.encode(&c.files.base, "codes.npy", &enc);
    let (r, implicit) = c.search(&codes, "implicit", &["--queries", q]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!r.stderr.contains("notice"), "{}", r.stderr);
    let mut explicit_args = vec!["--queries", q, "--format", "packbits"];
    explicit_args.extend(made);
    let (r, explicit) = c.search(&codes, "explicit", &explicit_args);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(ids(&implicit), ids(&explicit));
    // Without the sidecar the old defaults (gaussian, seed 0, faiss order) apply: other ids, so
    // the equality above is the sidecar's doing.
    fs::remove_file(sidecar(&codes)).unwrap();
    let (r, old) = c.search(&codes, "old", &["--queries", q]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_ne!(ids(&old), ids(&explicit));

    // A trained projection: the training file comes from the sidecar too.
    let pca = [
        "--bits",
        "8",
        "--projection",
        "pca",
        "--threshold",
        "median",
    ];
    let pcodes = c.encode(&c.files.base, "pca.npy", &pca);
    let (r, implicit) = c.search(&pcodes, "pca-implicit", &["--queries", q]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let mut explicit_args = vec!["--queries", q, "--train", s(&c.files.base)];
    explicit_args.extend(pca);
    let (r, explicit) = c.search(&pcodes, "pca-explicit", &explicit_args);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(ids(&implicit), ids(&explicit));
    // … and a training file other than the one recorded is a contradiction.
    let other = c.floats("other.npy", 300, DIMS, 9);
    let (r, out) = c.search(
        &pcodes,
        "pca-other",
        &["--queries", q, "--train", s(&other)],
    );
    assert_rejected(
        &r,
        &out,
        &[
            "--train ",
            "other.npy contradicts ",
            "pca.npy.json (the codes' projection was trained on ",
        ],
    );
}

#[test]
fn codes_without_a_sidecar_work_with_one_notice() {
    let c = Case::new();
    let codes = c.encode(&c.files.base, "codes.npy", &["--bits", "64"]);
    let bare = c.path("bare.npy");
    fs::copy(&codes, &bare).unwrap();
    let (r, out) = c.search(&bare, "hits", &["--queries", s(&c.files.queries)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let notice = format!(
        "notice: {} has no sidecar ({}.json): bits, byte order and projection could not be checked",
        bare.display(),
        bare.display()
    );
    assert_eq!(r.stderr.matches(&notice).count(), 1, "{}", r.stderr);
    let (r, with) = c.search(&codes, "with", &["--queries", s(&c.files.queries)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(ids(&out), ids(&with));
}

#[test]
fn codes_changed_after_encode_are_rejected() {
    let c = Case::new();
    let codes = c.encode(&c.files.base, "codes.npy", &["--bits", "64"]);
    let q = s(&c.files.queries);
    // One flipped byte: same shape, another sha256.
    let mut bytes = fs::read(&codes).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x10;
    fs::write(&codes, &bytes).unwrap();
    let (r, out) = c.search(&codes, "hits", &["--queries", q]);
    assert_rejected(
        &r,
        &out,
        &[
            "error: load stage: ",
            "codes.npy: sha256 ",
            " does not match ",
            "codes.npy.json (sha256 ",
            "the codes were changed after binaryllm wrote them",
        ],
    );
    // Replaced by codes of another shape (the sidecar is stale).
    let fewer = c.floats("fewer.npy", 100, DIMS, 5);
    let other = c.encode(&fewer, "other.npy", &["--bits", "64"]);
    fs::copy(&other, &codes).unwrap();
    let (r, out) = c.search(&codes, "hits", &["--queries", q]);
    assert_rejected(
        &r,
        &out,
        &[
            "codes.npy: 100 codes of 8 bytes, but ",
            "codes.npy.json says 300 codes of 8 bytes",
        ],
    );
    let idx = c.path("index.bin");
    let r = run(&[
        "export",
        "--codes",
        s(&codes),
        "--format",
        "faiss-index",
        "--out",
        s(&idx),
    ]);
    assert_rejected(&r, &idx, &["error: load stage: "]);
}

#[test]
fn query_codes_and_rerank_base_must_match_the_codes() {
    let c = Case::new();
    let codes = c.encode(&c.files.base, "codes.npy", &["--bits", "64"]);
    let qc = c.encode(&c.files.queries, "qc.npy", &["--bits", "64", "--seed", "5"]);
    let (r, out) = c.search(&codes, "hits", &["--query-codes", s(&qc)]);
    assert_rejected(
        &r,
        &out,
        &[
            "error: search stage: the query codes ",
            "qc.npy were made with gaussian seed 5, 16 dims, threshold zero",
            "codes.npy with gaussian seed 0, 16 dims, threshold zero",
        ],
    );
    let other = c.floats("other.npy", 300, DIMS, 9);
    let (r, out) = c.search(
        &codes,
        "hits",
        &[
            "--queries",
            s(&c.files.queries),
            "--base",
            s(&other),
            "--rerank",
            "20",
        ],
    );
    assert_rejected(
        &r,
        &out,
        &[
            "error: search stage: --base ",
            "other.npy contradicts ",
            "(the codes were made from ",
        ],
    );
    // The matching files search fine.
    let good = c.encode(&c.files.queries, "good.npy", &["--bits", "64"]);
    let (r, _) = c.search(&codes, "ok", &["--query-codes", s(&good)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

#[test]
fn export_takes_the_byte_order_from_the_sidecar_and_writes_one() {
    let c = Case::new();
    let codes = c.encode(
        &c.files.base,
        "codes.npy",
        &["--bits", "64", "--seed", "2", "--format", "packbits"],
    );
    let ub = c.path("ub.npy");
    let r = run(&[
        "export",
        "--codes",
        s(&codes),
        "--format",
        "ubinary",
        "--out",
        s(&ub),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // packbits in, packbits out: the same bytes (read as faiss order they would be reversed).
    assert_eq!(
        read_u8_matrix(&ub).unwrap(),
        read_u8_matrix(&codes).unwrap()
    );
    let side = read_json(&sidecar(&ub));
    let orig = read_json(&sidecar(&codes));
    assert_eq!(side["format"], "binaryllm-codes");
    assert_eq!(side["byte_order"], "packbits");
    assert_eq!(side["projection"], orig["projection"]);
    assert_eq!(side["input"], orig["input"]);
    assert_eq!(side["source"]["sha256"], orig["sha256"]);
    assert_eq!(
        side["sha256"],
        binaryllm_engine::data::sha256_file(&ub).unwrap().as_str()
    );
    // The exported codes search like the originals, with every default from their sidecar.
    let q = s(&c.files.queries);
    let (r, a) = c.search(&codes, "a", &["--queries", q]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let (r, b) = c.search(&ub, "b", &["--queries", q]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(ids(&a), ids(&b));
    // A FAISS index gets a sidecar of its own format, carrying the same provenance.
    let idx = c.path("index.bin");
    let r = run(&[
        "export",
        "--codes",
        s(&codes),
        "--format",
        "faiss-index",
        "--out",
        s(&idx),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let side = read_json(&sidecar(&idx));
    assert_eq!(side["format"], "binaryllm-faiss-index");
    assert_eq!(side["byte_order"], "faiss");
    assert_eq!(side["projection"]["seed"], 2);
    assert_eq!(side["rows"], 300);
    assert_eq!(
        side["sha256"],
        binaryllm_engine::data::sha256_file(&idx).unwrap().as_str()
    );
    // The index's codes are LSB-first: each byte is the packbits byte reversed.
    let index = fs::read(&idx).unwrap();
    let (_, _, msb) = read_u8_matrix(&codes).unwrap();
    assert!(
        index[33..]
            .iter()
            .zip(&msb)
            .all(|(l, m)| *l == m.reverse_bits())
    );
}

fn schema_validate(schema_file: &str, instance: &Value) -> Result<(), String> {
    let schema = read_json(&root().join("schemas").join(schema_file));
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource(schema_file, schema).unwrap();
    let index = compiler.compile(schema_file, &mut schemas).unwrap();
    schemas
        .validate(instance, index)
        .map_err(|e| format!("{e:#}"))
}

#[test]
fn written_sidecars_validate_against_the_schema() {
    let c = Case::new();
    let b = &c.files.base;
    let art = c.path("art");
    let t = run(&[
        "projection",
        "train",
        "--kind",
        "itq",
        "--input",
        s(b),
        "--bits",
        "8",
        "--iterations",
        "5",
        "--out",
        s(&art),
    ]);
    assert_eq!(t.code, Some(0), "{}", t.stderr);
    let plain = c.encode(b, "plain.npy", &["--bits", "64", "--fma"]);
    let trained = c.encode(
        b,
        "trained.npy",
        &[
            "--bits",
            "8",
            "--projection",
            "itq",
            "--iterations",
            "5",
            "--sample",
            "200",
        ],
    );
    let artefact = c.encode(b, "artefact.npy", &["--projection-file", s(&art)]);
    let idx = c.path("index.bin");
    let r = run(&[
        "export",
        "--codes",
        s(&plain),
        "--format",
        "faiss-index",
        "--out",
        s(&idx),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    for f in [&plain, &trained, &artefact, &idx] {
        let v = read_json(&sidecar(f));
        if let Err(e) = schema_validate("codes-sidecar-v1.schema.json", &v) {
            panic!("{}: {e}", f.display());
        }
    }
    let v = read_json(&sidecar(&plain));
    assert_eq!(v["projection"]["arithmetic"], "fma");
    assert_eq!(v["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let v = read_json(&sidecar(&trained));
    assert_eq!(v["projection"]["iterations"], 5);
    assert_eq!(v["projection"]["training"]["sample"], 200);
    assert_eq!(v["projection"]["training"]["rows_used"], 200);
    let v = read_json(&sidecar(&artefact));
    let a = binaryllm_engine::projection::artefact::load(&art).unwrap();
    assert_eq!(
        v["projection"]["artefact"]["sha256"],
        binaryllm_engine::projection::artefact::content_sha256(&a).as_str()
    );
    // The schema is not vacuous.
    for (key, bad) in [
        ("byte_order", serde_json::json!("lsb")),
        ("version", serde_json::json!(2)),
        ("sha256", serde_json::json!("abc")),
    ] {
        let mut broken = read_json(&sidecar(&plain));
        broken[key] = bad;
        assert!(
            schema_validate("codes-sidecar-v1.schema.json", &broken).is_err(),
            "{key}"
        );
    }
}

/// `eval --base --queries` of the case with `extra` flags into `name`.
fn eval(c: &Case, name: &str, extra: &[&str]) -> (Ran, PathBuf) {
    let out = c.path(name);
    let mut a = vec![
        "eval",
        "--base",
        s(&c.files.base),
        "--queries",
        s(&c.files.queries),
        "--quiet",
        "--out",
        s(&out),
    ];
    a.extend_from_slice(extra);
    (run(&a), out)
}

#[test]
fn eval_codes_equals_plain_eval_of_that_configuration() {
    let c = Case::new();
    let made = ["--bits", "64", "--projection", "rademacher", "--seed", "3"];
    let codes = c.encode(&c.files.base, "codes.npy", &made);
    let (r, with_codes) = eval(&c, "with-codes", &["--codes", s(&codes)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let (r, plain) = eval(
        &c,
        "plain",
        &["--bits", "64", "--projection", "rademacher", "--seeds", "3"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let (a, b) = (
        read_json(&with_codes.join("results.json")),
        read_json(&plain.join("results.json")),
    );
    let (ra, rb) = (a["runs"].as_array().unwrap(), b["runs"].as_array().unwrap());
    assert_eq!((ra.len(), rb.len()), (1, 1));
    for key in ["projection", "bits", "seed"] {
        assert_eq!(ra[0][key], rb[0][key], "{key}");
    }
    assert_eq!(ra[0]["seed"], 3);
    assert!(ra[0]["metrics"]["recall@10"].as_f64().unwrap() > 0.0);
    assert_eq!(ra[0]["metrics"], rb[0]["metrics"]);
    assert_eq!(a["base_codes"]["path"], s(&codes));
    assert_eq!(
        a["base_codes"]["sha256"],
        binaryllm_engine::data::sha256_file(&codes)
            .unwrap()
            .as_str()
    );
    if let Err(e) = schema_validate("results-v2.schema.json", &a) {
        panic!("results.json of eval --codes: {e}");
    }

    // Trained codes: pca, trained by encode on the base file (and again by eval).
    let pcodes = c.encode(
        &c.files.base,
        "pca.npy",
        &["--bits", "8", "--projection", "pca"],
    );
    let (r, with_codes) = eval(&c, "pca-codes", &["--codes", s(&pcodes)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let (r, plain) = eval(
        &c,
        "pca-plain",
        &["--bits", "8", "--projection", "pca", "--seeds", "0"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let (a, b) = (
        read_json(&with_codes.join("results.json")),
        read_json(&plain.join("results.json")),
    );
    assert_eq!(a["runs"][0]["metrics"], b["runs"][0]["metrics"]);
    assert_eq!(a["runs"][0]["kind"], "pca");
}

#[test]
fn eval_codes_rejects_codes_of_another_base_file_and_contradicting_flags() {
    let c = Case::new();
    let other = c.floats("other.npy", 300, DIMS, 9);
    let codes = c.encode(&other, "codes.npy", &["--bits", "64"]);
    let before = c.listing();
    let (r, out) = eval(&c, "run", &["--codes", s(&codes)]);
    assert_rejected(
        &r,
        &out,
        &[
            "error: load stage: ",
            "codes.npy.json says the codes were made from ",
            "other.npy (sha256 ",
            "), not from the base vectors ",
            "base.npy (sha256 ",
        ],
    );
    assert_eq!(c.listing(), before, "leftovers");
    let good = c.encode(&c.files.base, "good.npy", &["--bits", "64"]);
    for (flag, value, recorded) in [
        ("--seeds", "1", "(the codes were made with seed 0)"),
        (
            "--projection",
            "gaussian,rademacher",
            "(the codes were made with projection gaussian)",
        ),
        ("--bits", "64,128", "(the codes have 64 bits)"),
    ] {
        let (r, out) = eval(&c, "run", &["--codes", s(&good), flag, value]);
        let said = format!("error: config stage: {flag} {value} contradicts ");
        assert_rejected(&r, &out, &[&said, "good.npy.json ", recorded]);
    }
    // Codes without a sidecar need the one configuration spelled out.
    let bare = c.path("bare.npy");
    fs::copy(&good, &bare).unwrap();
    let (r, out) = eval(&c, "run", &["--codes", s(&bare)]);
    assert_rejected(
        &r,
        &out,
        &[
            "has no sidecar recording its projection",
            "give exactly one --projection, --seeds and --bits",
        ],
    );
    let explicit = ["--projection", "gaussian", "--seeds", "0", "--bits", "64"];
    let mut a = vec!["--codes", s(&bare)];
    a.extend(explicit);
    let (r, bare_run) = eval(&c, "bare-run", &a);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("notice: "), "{}", r.stderr);
    let (r, plain) = eval(&c, "plain", &explicit);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        read_json(&bare_run.join("results.json"))["runs"][0]["metrics"],
        read_json(&plain.join("results.json"))["runs"][0]["metrics"]
    );
}

#[test]
fn a_sidecar_that_cannot_be_written_leaves_no_codes() {
    let c = Case::new();
    let out = c.path("codes.npy");
    // A directory where the sidecar goes: refused before anything is written (a rename onto
    // it would fail after the codes were written).
    fs::create_dir(sidecar(&out)).unwrap();
    let before = c.listing();
    let r = run(&[
        "encode",
        "--input",
        s(&c.files.base),
        "--bits",
        "64",
        "--out",
        s(&out),
    ]);
    assert_rejected(
        &r,
        &out,
        &[
            "error: output stage: ",
            "codes.npy.json (the sidecar of ",
            "exists and is not binaryllm's; refusing to replace it",
        ],
    );
    assert_eq!(c.listing(), before, "leftovers");
}

#[test]
fn sidecars_of_another_version_or_tool_are_rejected() {
    let c = Case::new();
    let codes = c.encode(&c.files.base, "codes.npy", &["--bits", "64"]);
    let q = s(&c.files.queries);
    for (text, want) in [
        (
            "{\"format\": \"binaryllm-codes\", \"version\": 2}",
            "codes.npy.json: sidecar version 2 is not the supported version 1",
        ),
        (
            "{\"rows\": 3}",
            "codes.npy.json: not a valid binaryllm sidecar: no \"format\" starting with \"binaryllm-\"",
        ),
    ] {
        fs::write(sidecar(&codes), text).unwrap();
        let (r, out) = c.search(&codes, "hits", &["--queries", q]);
        assert_rejected(&r, &out, &["error: load stage: ", want]);
    }
}

#[test]
fn a_training_file_or_artefact_changed_since_encode_is_rejected() {
    let c = Case::new();
    let q = s(&c.files.queries);
    let train = c.path("train.npy");
    fs::copy(&c.files.base, &train).unwrap();
    let pca = c.encode(&train, "pca.npy", &["--bits", "8", "--projection", "pca"]);
    let art = c.path("art");
    let t = |input: &Path, force: bool| {
        let mut a = vec![
            "projection",
            "train",
            "--kind",
            "pca",
            "--input",
            s(input),
            "--bits",
            "8",
            "--out",
            s(&art),
        ];
        if force {
            a.push("--force");
        }
        let r = run(&a);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
    };
    t(&train, false);
    let acodes = c.encode(&c.files.base, "a.npy", &["--projection-file", s(&art)]);
    let other = c.floats("other.npy", 300, DIMS, 9);
    fs::copy(&other, &train).unwrap();
    let (r, out) = c.search(&pca, "hits", &["--queries", q]);
    assert_rejected(
        &r,
        &out,
        &[
            "error: search stage: ",
            "pca.npy.json: the training file ",
            "train.npy changed since the codes were made (sha256 ",
            "give --train with the original",
        ],
    );
    t(&other, true);
    let (r, out) = c.search(&acodes, "hits", &["--queries", q]);
    assert_rejected(
        &r,
        &out,
        &[
            "a.npy.json: the artefact ",
            "art changed since the codes were made (sha256 ",
        ],
    );
}
