//! `projection` and `encode` against goldens made by numpy (scripts/golden/make_encode_golden.py):
//! W is byte-identical, and the codes equal `numpy.packbits((X @ W.T) >= 0, axis=1,
//! bitorder="little")` (format `faiss`) and `numpy.packbits(...)` (format `packbits`).
//! `search` against a brute-force oracle over the same codes.

use std::path::PathBuf;

use crate::common::{root, run, s};
use binaryllm_engine::data::{read_ints, read_matrix, read_u8_matrix};

fn golden(name: &str) -> PathBuf {
    root().join("host/tests/golden/encode").join(name)
}

const CASES: [(&str, usize, u64); 3] = [
    ("gaussian", 100, 7),
    ("rademacher", 64, 1),
    ("achlioptas", 130, 3),
];

#[test]
fn projection_writes_the_golden_matrix() {
    let dir = tempfile::tempdir().unwrap();
    for (kind, bits, seed) in CASES {
        let case = format!("{kind}-{bits}-s{seed}");
        let w = dir.path().join("w.npy");
        let r = run(&[
            "projection",
            "--dims",
            "37",
            "--bits",
            &bits.to_string(),
            "--projection",
            kind,
            "--seed",
            &seed.to_string(),
            "--out",
            s(&w),
            "--force",
        ]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        let got = read_matrix(&w).unwrap();
        let want = read_matrix(&golden(&format!("{case}-w.npy"))).unwrap();
        assert_eq!((got.rows, got.cols), (bits, 37));
        assert_eq!(
            got.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "{case}"
        );
    }
}

#[test]
fn encode_equals_numpy_packbits_in_both_bit_orders() {
    let dir = tempfile::tempdir().unwrap();
    let x = golden("x.npy");
    for (kind, bits, seed) in CASES {
        let case = format!("{kind}-{bits}-s{seed}");
        for format in ["faiss", "packbits"] {
            let out = dir.path().join(format!("{case}-{format}.npy"));
            let r = run(&[
                "encode",
                "--input",
                s(&x),
                "--bits",
                &bits.to_string(),
                "--projection",
                kind,
                "--seed",
                &seed.to_string(),
                "--out",
                s(&out),
                "--format",
                format,
            ]);
            assert_eq!(r.code, Some(0), "{}", r.stderr);
            let got = read_u8_matrix(&out).unwrap();
            let want = read_u8_matrix(&golden(&format!("{case}-{format}.npy"))).unwrap();
            assert_eq!((got.0, got.1), (40, bits.div_ceil(8)));
            assert_eq!(got, want, "{case} {format}");
        }
    }
}

#[test]
fn search_equals_brute_force_on_the_golden_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = golden("achlioptas-130-s3-faiss.npy");
    let out = dir.path().join("hits");
    let r = run(&[
        "search",
        "--codes",
        s(&db),
        "--queries",
        s(&golden("x.npy")),
        "--bits",
        "130",
        "--projection",
        "achlioptas",
        "--seed",
        "3",
        "--k",
        "7",
        "--out",
        s(&out),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let ids = read_ints(&out.join("ids.npy")).unwrap();
    let dist = read_ints(&out.join("distances.npy")).unwrap();
    assert_eq!((ids.rows, ids.cols), (40, 7));
    let (n, nb, bytes) = read_u8_matrix(&db).unwrap();
    for q in 0..n {
        let qb = &bytes[q * nb..(q + 1) * nb];
        let mut all: Vec<(u32, i64)> = (0..n)
            .map(|j| {
                let d = qb
                    .iter()
                    .zip(&bytes[j * nb..(j + 1) * nb])
                    .map(|(a, b)| (a ^ b).count_ones())
                    .sum();
                (d, j as i64)
            })
            .collect();
        all.sort();
        for (r, &(d, j)) in all[..7].iter().enumerate() {
            assert_eq!(ids.data[q * 7 + r], j, "query {q} rank {r}");
            assert_eq!(dist.data[q * 7 + r], i64::from(d));
        }
        // Each vector is its own nearest code.
        assert_eq!((ids.data[q * 7], dist.data[q * 7]), (q as i64, 0));
    }
    // Query codes from a file give the same answer; k > N is clamped with a warning.
    let out2 = dir.path().join("hits2");
    let r = run(&[
        "search",
        "--codes",
        s(&db),
        "--query-codes",
        s(&db),
        "--bits",
        "130",
        "--k",
        "50",
        "--out",
        s(&out2),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("warning: k = 50 is larger than the database (40 codes"),
        "{}",
        r.stderr
    );
    let ids2 = read_ints(&out2.join("ids.npy")).unwrap();
    assert_eq!((ids2.rows, ids2.cols), (40, 40));
    for q in 0..40 {
        assert_eq!(&ids2.data[q * 40..q * 40 + 7], &ids.data[q * 7..q * 7 + 7]);
    }
    // Bad inputs of search: k = 0, a float file as codes (a new --out: none is created).
    let out3 = dir.path().join("hits3");
    let r = run(&[
        "search",
        "--codes",
        s(&db),
        "--query-codes",
        s(&db),
        "--k",
        "0",
        "--out",
        s(&out3),
    ]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("search stage: k must be at least 1"),
        "{}",
        r.stderr
    );
    let r = run(&[
        "search",
        "--codes",
        s(&golden("x.npy")),
        "--query-codes",
        s(&db),
        "--k",
        "1",
        "--out",
        s(&out3),
    ]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("load stage")
            && r.stderr.contains("x.npy")
            && r.stderr.contains("unsupported dtype <f4"),
        "{}",
        r.stderr
    );
    assert!(!out3.exists());
}

#[test]
fn encode_rejects_bad_widths_and_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.npy");
    let x = golden("x.npy");
    for (bits, kind, msg) in [
        ("0", "gaussian", "invalid code width: 0 bits"),
        ("65537", "gaussian", "invalid code width: 65537 bits"),
        (
            "64",
            "orthogonalish",
            "unknown projection kind `orthogonalish`",
        ),
    ] {
        let r = run(&[
            "encode",
            "--input",
            s(&x),
            "--bits",
            bits,
            "--projection",
            kind,
            "--out",
            s(&out),
        ]);
        assert_eq!(r.code, Some(1), "{}", r.stderr);
        assert!(
            r.stderr.contains("encode stage") && r.stderr.contains(msg),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked at"));
        assert!(!out.exists());
    }
}
