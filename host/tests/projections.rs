//! Projection kinds end to end: `projection train` → artefact → `encode --projection-file`
//! gives the codes of `encode --projection KIND`; firmware exports; `export` of codes; `eval`
//! over every kind; config errors; and on WordNet (skipped with a notice without
//! ../shared/data) the quality ordering the issue asks for.

use std::fs;
use std::path::PathBuf;

use crate::common::{self, root, run, s};
use binaryllm_core::ProjectionKind;
use binaryllm_engine::data::{read_matrix, read_u8_matrix};
use binaryllm_engine::engine;
use binaryllm_engine::projection::learn::{LearnedKind, ThresholdMode, TrainOptions};
use binaryllm_engine::projection::{Kind, Projector, Spec};

fn sample(name: &str) -> PathBuf {
    root().join("data/sample").join(name)
}

#[test]
fn trained_artefact_encodes_like_the_inline_kind_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let base = sample("wordnet_minilm_sample_base.npy");
    let art = dir.path().join("itq");
    let r = run(&[
        "projection",
        "train",
        "--projection",
        "itq",
        "--input",
        s(&base),
        "--bits",
        "64",
        "--seed",
        "2",
        "--threshold",
        "median",
        "--iterations",
        "10",
        "--sample",
        "300",
        "--out",
        s(&art),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let meta: serde_json::Value =
        serde_json::from_slice(&fs::read(art.join("projection.json")).unwrap()).unwrap();
    assert_eq!(meta["kind"], "itq");
    assert_eq!(meta["n_train"], 300);
    assert_eq!(
        meta["training_sha256"],
        binaryllm_engine::data::sha256_file(&base).unwrap().as_str()
    );
    let a = dir.path().join("a.npy");
    let b = dir.path().join("b.npy");
    let r = run(&[
        "encode",
        "--input",
        s(&base),
        "--projection-file",
        s(&art),
        "--out",
        s(&a),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = run(&[
        "encode",
        "--input",
        s(&base),
        "--bits",
        "64",
        "--projection",
        "itq",
        "--seed",
        "2",
        "--threshold",
        "median",
        "--iterations",
        "10",
        "--sample",
        "300",
        "--out",
        s(&b),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());

    // Queries searched through the artefact equal the codes encoded with it.
    let q = sample("wordnet_minilm_sample_queries.npy");
    let qc = dir.path().join("q.npy");
    assert_eq!(
        run(&[
            "encode",
            "--input",
            s(&q),
            "--projection-file",
            s(&art),
            "--out",
            s(&qc)
        ])
        .code,
        Some(0)
    );
    let (h1, h2) = (dir.path().join("h1"), dir.path().join("h2"));
    let r = run(&[
        "search",
        "--codes",
        s(&a),
        "--queries",
        s(&q),
        "--projection-file",
        s(&art),
        "--k",
        "5",
        "--out",
        s(&h1),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let r = run(&[
        "search",
        "--codes",
        s(&a),
        "--query-codes",
        s(&qc),
        "--k",
        "5",
        "--out",
        s(&h2),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        fs::read(h1.join("ids.npy")).unwrap(),
        fs::read(h2.join("ids.npy")).unwrap()
    );

    // Firmware exports: bin parses back to the artefact's bits; rust carries the shape.
    let bin = dir.path().join("p.bin");
    let rs = dir.path().join("p.rs");
    for (fmt, out) in [("bin", &bin), ("rust", &rs)] {
        let r = run(&[
            "projection",
            "export",
            "--input",
            s(&art),
            "--format",
            fmt,
            "--out",
            s(out),
        ]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
    }
    let loaded = binaryllm_engine::projection::artefact::load(&art).unwrap();
    let parsed =
        binaryllm_engine::projection::artefact::from_bin(&fs::read(&bin).unwrap(), &bin).unwrap();
    assert_eq!(parsed.matrix, loaded.matrix);
    assert_eq!(parsed.thresholds, loaded.thresholds);
    let src = fs::read_to_string(&rs).unwrap();
    assert_eq!(
        src,
        binaryllm_engine::projection::artefact::rust_source(&loaded)
    );
    assert!(src.contains("pub const PROJECTION_DIMS: usize = 384;"));

    // Codes for other engines.
    let idx = dir.path().join("index.bin");
    let r = run(&[
        "export",
        "--codes",
        s(&a),
        "--format",
        "faiss-index",
        "--out",
        s(&idx),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let bytes = fs::read(&idx).unwrap();
    let (rows, nb, codes) = read_u8_matrix(&a).unwrap();
    assert_eq!(&bytes[..4], b"IBxF");
    assert_eq!(
        i64::from_le_bytes(bytes[12..20].try_into().unwrap()),
        rows as i64
    );
    assert_eq!(&bytes[33..], &codes[..]);
    let ub = dir.path().join("ub.npy");
    let r = run(&[
        "export",
        "--codes",
        s(&a),
        "--format",
        "ubinary",
        "--out",
        s(&ub),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let (_, _, msb) = read_u8_matrix(&ub).unwrap();
    assert_eq!(msb.len(), rows * nb);
    for (m, l) in msb.iter().zip(&codes) {
        assert_eq!(*m, l.reverse_bits());
    }
}

#[test]
fn bad_projection_requests_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let base = sample("wordnet_minilm_sample_base.npy");
    let out = dir.path().join("x");
    for (args, msg) in [
        (
            vec!["projection", "train", "--projection", "hadamard"],
            "matrix-free",
        ),
        (
            vec![
                "projection",
                "train",
                "--projection",
                "pca",
                "--bits",
                "500",
            ],
            "bits <= dims",
        ),
        (
            vec![
                "projection",
                "train",
                "--projection",
                "itq",
                "--threshold",
                "p90",
            ],
            "unknown threshold `p90`",
        ),
    ] {
        let mut a = args.clone();
        if !a.contains(&"--bits") {
            a.extend(["--bits", "32"]);
        }
        a.extend(["--input", s(&base), "--out", s(&out)]);
        let r = run(&a);
        assert_eq!(r.code, Some(1), "{}", r.stderr);
        assert!(r.stderr.contains(msg), "{msg}: {}", r.stderr);
        assert!(!out.exists());
    }
    let q = sample("wordnet_minilm_sample_queries.npy");
    let r = run(&[
        "encode",
        "--input",
        s(&q),
        "--bits",
        "32",
        "--projection",
        "pca",
        "--train",
        s(&dir.path().join("missing.npy")),
        "--out",
        s(&out),
    ]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("missing.npy"), "{}", r.stderr);
    // A config key that does not apply to the kind names the file, line and key.
    let cfg = dir.path().join("c.toml");
    fs::write(
        &cfg,
        format!(
            "name = \"t\"\nbits = [64]\nseeds = [0]\n\n[dataset]\nbase = \"{}\"\nqueries = \"{}\"\n\n[[projection]]\nkind = \"gaussian\"\niterations = 5\n",
            s(&base),
            s(&q)
        ),
    )
    .unwrap();
    let r = run(&["eval", "--config", s(&cfg), "--out", s(&out), "--quiet"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains("projection[0].iterations") && r.stderr.contains("c.toml:"),
        "{}",
        r.stderr
    );
}

#[test]
fn eval_compares_every_kind_with_cis() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let r = run(&[
        "eval",
        "--bits",
        "32,64",
        "--seeds",
        "0,1",
        "--projection",
        "gaussian,rademacher,achlioptas,hadamard,orthogonal,pca,itq",
        "--out",
        s(&out),
        "--quiet",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("results.json")).unwrap()).unwrap();
    let summary = v["summary"].as_array().unwrap();
    for kind in Kind::ALL {
        for bits in [32, 64] {
            let row = summary
                .iter()
                .find(|x| {
                    x["projection"] == kind.name()
                        && x["bits"] == bits
                        && x["metric"] == "recall@10"
                })
                .unwrap_or_else(|| panic!("{} {bits}", kind.name()));
            assert_eq!(row["n"], 2, "{row}");
            let mean = row["mean"].as_f64().unwrap();
            assert!(mean > 0.05 && mean <= 1.0, "{row}");
        }
    }
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        report.contains("Best projection per width"),
        "report lacks the best-per-width table"
    );
}

/// Mean recall@10 over seeds of `kind` at `bits` on a WordNet subset.
fn recall10(
    base: &[f32],
    queries: &[f32],
    dims: usize,
    truth: &[u32],
    kind: Kind,
    bits: usize,
) -> f64 {
    let seeds = [0u64, 1, 2];
    let mut total = 0.0;
    for seed in seeds {
        let p = Projector::build(
            Spec {
                kind,
                bits,
                options: TrainOptions {
                    seed,
                    iterations: 30,
                    threshold: ThresholdMode::Zero,
                    sample: None,
                },
            },
            dims,
            base,
        )
        .unwrap();
        let db = p.encode(base, 0).unwrap();
        let q = p.encode(queries, 0).unwrap();
        let found = engine::knn(&db, &q, 10, 0).unwrap();
        let nq = queries.len() / dims;
        let mut hits = 0usize;
        for i in 0..nq {
            let t = &truth[i * 10..(i + 1) * 10];
            hits += found
                .query(i)
                .iter()
                .filter(|n| t.contains(&n.index))
                .count();
        }
        total += hits as f64 / (nq * 10) as f64;
    }
    total / seeds.len() as f64
}

#[test]
fn wordnet_orthogonal_and_learned_beat_gaussian() {
    let d = std::env::var_os("BINARYLLM_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/data"));
    let Ok(b) = read_matrix(&d.join("wordnet_minilm_base.npy")) else {
        eprintln!(
            "notice: {} not found: skipping the WordNet projection check",
            d.display()
        );
        return;
    };
    let q = read_matrix(&d.join("wordnet_minilm_queries.npy")).unwrap();
    // A subset keeps this fast in the test profile: 4,000 base rows, 300 queries.
    let dims = b.cols;
    let base = &b.data[..4000 * dims];
    let queries = &q.data[..300 * dims];
    let bm = engine::F32Matrix::new(base, dims).unwrap();
    let qm = engine::F32Matrix::new(queries, dims).unwrap();
    let truth: Vec<u32> = engine::float_knn(bm, qm, 10, 0)
        .unwrap()
        .iter()
        .map(|s| s.index)
        .collect();
    let gauss = Kind::Seeded(ProjectionKind::Gaussian);
    for bits in [64, 128, 256] {
        let g = recall10(base, queries, dims, &truth, gauss, bits);
        let o = recall10(
            base,
            queries,
            dims,
            &truth,
            Kind::Learned(LearnedKind::Orthogonal),
            bits,
        );
        eprintln!("{bits} bits: gaussian {g:.4} orthogonal {o:.4}");
        assert!(o >= g, "{bits} bits: orthogonal {o} < gaussian {g}");
    }
    for bits in [64, 128] {
        let g = recall10(base, queries, dims, &truth, gauss, bits);
        let pca = recall10(
            base,
            queries,
            dims,
            &truth,
            Kind::Learned(LearnedKind::Pca),
            bits,
        );
        let itq = recall10(
            base,
            queries,
            dims,
            &truth,
            Kind::Learned(LearnedKind::Itq),
            bits,
        );
        eprintln!("{bits} bits: gaussian {g:.4} pca {pca:.4} itq {itq:.4}");
        assert!(
            itq > g || pca > g,
            "{bits} bits: itq {itq}, pca {pca}, gaussian {g}"
        );
    }
}

#[test]
fn search_rerank_and_asymmetric_equal_a_naive_oracle() {
    use binaryllm_engine::data::{read_ints, write_npy};
    let dir = tempfile::tempdir().unwrap();
    let (n, nq, dims, bits, m, k) = (300, 12, 16, 64, 20, 5);
    let base = common::unit_rows(n, dims, 1);
    let queries = common::unit_rows(nq, dims, 2);
    let (bp, qp) = (dir.path().join("b.npy"), dir.path().join("q.npy"));
    write_npy(&bp, &[n as u64, dims as u64], &base).unwrap();
    write_npy(&qp, &[nq as u64, dims as u64], &queries).unwrap();
    let codes = dir.path().join("c.npy");
    let r = run(&[
        "encode",
        "--input",
        s(&bp),
        "--bits",
        "64",
        "--projection",
        "hadamard",
        "--seed",
        "4",
        "--out",
        s(&codes),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let hd = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut a = vec![
            "search",
            "--codes",
            s(&codes),
            "--queries",
            s(&qp),
            "--projection",
            "hadamard",
            "--seed",
            "4",
            "--out",
            s(&out),
        ];
        a.extend_from_slice(extra);
        let r = run(&a);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        out
    };
    let cands = read_ints(&hd("ham", &["--k", "20"]).join("ids.npy")).unwrap();
    let exact = hd("exact", &["--k", "5", "--base", s(&bp), "--rerank", "20"]);
    let asym = hd("asym", &["--k", "5", "--asymmetric", "--rerank", "20"]);
    let p = Projector::build(
        Spec {
            kind: Kind::Hadamard,
            bits,
            options: TrainOptions {
                seed: 4,
                ..Default::default()
            },
        },
        dims,
        &[],
    )
    .unwrap();
    let y = p.project(&queries, 1).unwrap();
    let db = p.encode(&base, 1).unwrap();
    let (eids, aids) = (
        read_ints(&exact.join("ids.npy")).unwrap(),
        read_ints(&asym.join("ids.npy")).unwrap(),
    );
    let escores = read_matrix(&exact.join("scores.npy")).unwrap();
    for q in 0..nq {
        let c: Vec<usize> = cands.data[q * m..(q + 1) * m]
            .iter()
            .map(|&i| i as usize)
            .collect();
        let qv = &queries[q * dims..(q + 1) * dims];
        let dot = |i: usize| -> f64 {
            qv.iter()
                .zip(&base[i * dims..(i + 1) * dims])
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum()
        };
        let asy = |i: usize| -> f64 {
            let code = db.code(i).unwrap();
            (0..bits)
                .map(|r| {
                    let v = f64::from(y[q * bits + r]);
                    if (code[r / 64] >> (r % 64)) & 1 == 1 {
                        v
                    } else {
                        -v
                    }
                })
                .sum()
        };
        for (score, got) in [(&dot as &dyn Fn(usize) -> f64, &eids), (&asy, &aids)] {
            let mut want = c.clone();
            want.sort_by(|&a, &b| score(b).total_cmp(&score(a)).then(a.cmp(&b)));
            let got: Vec<usize> = got.data[q * k..(q + 1) * k]
                .iter()
                .map(|&i| i as usize)
                .collect();
            assert_eq!(got, want[..k], "query {q}");
        }
        assert!((f64::from(escores.data[q * k]) - dot(eids.data[q * k] as usize)).abs() < 1e-6);
    }
    let r = run(&[
        "search",
        "--codes",
        s(&codes),
        "--queries",
        s(&qp),
        "--projection",
        "hadamard",
        "--k",
        "5",
        "--rerank",
        "3",
        "--out",
        s(&dir.path().join("x")),
    ]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("--rerank needs"), "{}", r.stderr);
}

/// Golden codes of every kind on host/tests/golden/encode/x.npy (40 × 37), 32 bits, seed 1, ITQ
/// 10 iterations, learned kinds trained on x itself: one packed code file per kind, rows of
/// 4 LSB-first bytes, in `Kind::ALL` order. The seeded kinds and Hadamard are a bit-exact
/// contract (every byte must match); the decompositions of the learned kinds run through faer,
/// whose SIMD dispatch may change low bits of the matrix on other CPUs, so up to 1% of their
/// bits may differ. `BINARYLLM_BLESS=1 cargo test -p binaryllm --test tests
/// projections::golden_codes_for_every_kind` rewrites the file (review the diff).
#[test]
fn golden_codes_for_every_kind() {
    let golden = root().join("host/tests/golden/projections-codes-v1.bin");
    let x = read_matrix(&root().join("host/tests/golden/encode/x.npy")).unwrap();
    let mut got = Vec::new();
    for kind in Kind::ALL {
        let p = Projector::build(
            Spec {
                kind,
                bits: 32,
                options: TrainOptions {
                    seed: 1,
                    iterations: 10,
                    ..Default::default()
                },
            },
            x.cols,
            &x.data,
        )
        .unwrap();
        let codes = p.encode(&x.data, 1).unwrap();
        got.push(binaryllm_engine::engine::export::code_bytes(
            &codes,
            binaryllm_core::ByteOrder::Lsb,
        ));
    }
    if std::env::var_os("BINARYLLM_BLESS").is_some_and(|v| v == "1") {
        fs::write(&golden, got.concat()).unwrap();
    }
    let want = fs::read(&golden).unwrap();
    let per = want.len() / Kind::ALL.len();
    assert_eq!(per, 40 * 4);
    for (i, kind) in Kind::ALL.into_iter().enumerate() {
        let w = &want[i * per..(i + 1) * per];
        let differing: u32 = w
            .iter()
            .zip(&got[i])
            .map(|(a, b)| (a ^ b).count_ones())
            .sum();
        match kind {
            Kind::Learned(_) => {
                assert!(differing <= 13, "{}: {differing} bits differ", kind.name())
            }
            _ => assert_eq!(differing, 0, "{}", kind.name()),
        }
    }
}

/// `encode --fma`: the opt-in fused arithmetic writes the same shape, and its codes differ from
/// the default ones in at most 1e-5 of the bits (only outputs within rounding of 0 can flip).
#[test]
fn encode_fma_differs_from_the_default_in_at_most_1e_5_of_bits() {
    let dir = tempfile::tempdir().unwrap();
    let base = sample("wordnet_minilm_sample_base.npy");
    let (a, b) = (dir.path().join("a.npy"), dir.path().join("b.npy"));
    for (out, extra) in [(&a, None), (&b, Some("--fma"))] {
        let mut args = vec![
            "encode",
            "--input",
            s(&base),
            "--bits",
            "1024",
            "--projection",
            "gaussian",
            "--seed",
            "3",
            "--out",
            s(out),
        ];
        args.extend(extra);
        let r = run(&args);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
    }
    let (ra, ca, da) = read_u8_matrix(&a).unwrap();
    let (rb, cb, db) = read_u8_matrix(&b).unwrap();
    assert_eq!((ra, ca), (5000, 128));
    assert_eq!((rb, cb), (ra, ca));
    let differing: u32 = da.iter().zip(&db).map(|(x, y)| (x ^ y).count_ones()).sum();
    let total = da.len() as f64 * 8.0;
    eprintln!("encode --fma: {differing} of {total} bits differ from the default");
    assert!(f64::from(differing) <= 1e-5 * total, "{differing}");
    // Both arithmetics are exact functions of the input (every kernel of one arithmetic gives
    // the same bits on every CPU), so the difference is a fixed number: 2 bits here. 0 would
    // mean `--fma` was ignored.
    assert_eq!(differing, 2);
}
