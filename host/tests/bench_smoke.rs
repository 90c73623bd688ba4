//! Smoke run of the benchmark commands on tiny inputs (speed is never asserted here): they
//! exit 0, write their JSON and SVG, and report identical results across kernels and threads
//! and 0 differing bits between the fast encoder and the reference path.

use std::path::PathBuf;
use std::process::Command;

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "binaryllm-bench-smoke-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_binaryllm"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?}\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn json(path: &PathBuf) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn bench_knn_smoke_writes_results_identical_across_kernels_and_threads() {
    let d = out_dir("knn");
    let out = d.join("knn.json");
    let data = d.join("data");
    let stdout = run(&[
        "bench",
        "knn",
        "--n",
        "3000",
        "--nq",
        "40",
        "--k",
        "7",
        "--bits",
        "64,100,256",
        "--threads",
        "1,2",
        "--kernel",
        "all",
        "--repeat",
        "2",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(stdout.contains("cmp/s"), "{stdout}");
    let doc = json(&out);
    let rows = doc["results"].as_array().unwrap();
    let kernels = binaryllm_core::Kernel::available().count();
    assert_eq!(rows.len(), 3 * 2 * kernels);
    assert!(rows.iter().all(|r| r["identical_to_first_config"] == true));
    assert!(
        rows.iter()
            .all(|r| r["seconds"].as_array().unwrap().len() == 2)
    );
    let checks = doc["reference_check"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["equal_to_reference"] == true));
    // The shared inputs and results for compare.py exist and are read back on a second run.
    assert!(data.join("knn_b64_n3000_s42_db.npy").exists());
    assert!(data.join("knn_b100_n3000_s42_ids.npy").exists());
    run(&[
        "bench",
        "knn",
        "--n",
        "3000",
        "--nq",
        "40",
        "--bits",
        "64",
        "--threads",
        "1",
        "--repeat",
        "1",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    // A memory-mapped code file is searched too.
    let codes = d.join("db.codes");
    let layout = binaryllm_core::CodeLayout::new(128).unwrap();
    let words: Vec<u64> = (0..2000u64)
        .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .collect();
    let set = binaryllm_engine::engine::CodeSet::new(layout, &words).unwrap();
    binaryllm_engine::engine::codefile::write_code_file(&codes, set).unwrap();
    run(&[
        "bench",
        "knn",
        "--codes",
        codes.to_str().unwrap(),
        "--nq",
        "5",
        "--threads",
        "2",
        "--repeat",
        "1",
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    let doc = json(&out);
    assert_eq!(doc["results"][0]["n"], 1000);
    assert!(doc["memory_kb"]["RssAnon"].is_u64() || doc["memory_kb"]["RssAnon"].is_null());
}

#[test]
fn bench_encode_smoke_reports_zero_differing_bits_per_arithmetic() {
    let d = out_dir("encode");
    let out = d.join("encode.json");
    run(&[
        "bench",
        "encode",
        "--n",
        "300",
        "--dims",
        "24,50",
        "--bits",
        "64,100",
        "--threads",
        "1,2",
        "--kernel",
        "all,reference",
        "--repeat",
        "1",
        "--reference-rows",
        "300",
        "--data",
        d.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let doc = json(&out);
    assert_eq!(doc["all_fast_paths_bit_identical_to_reference"], true);
    let rows = doc["results"].as_array().unwrap();
    let fused = binaryllm_core::ProjectKernel::available_with(binaryllm_core::Arithmetic::Fused);
    let kernels = binaryllm_core::ProjectKernel::available().count() + fused.count() + 1;
    assert_eq!(rows.len(), 2 * 2 * 2 * kernels);
    // Every kernel equals the reference of its own arithmetic; the default ones equal the
    // core's reference path.
    assert!(
        rows.iter()
            .all(|r| r["differing_bits_vs_own_arithmetic_reference"] == 0)
    );
    assert!(
        rows.iter()
            .filter(|r| r["arithmetic"] == "separate")
            .all(|r| r["differing_bits_vs_reference"] == 0)
    );
    assert!(rows.iter().any(|r| r["arithmetic"] == "fused"));
    assert!(d.join("enc_codes_n300_d24_b100_s42.npy").exists());
}

#[test]
fn bench_scaling_smoke_writes_an_svg_plot() {
    let d = out_dir("scaling");
    let (out, svg) = (d.join("s.json"), d.join("s.svg"));
    run(&[
        "bench",
        "scaling",
        "--bits",
        "256",
        "--n",
        "500,2000",
        "--nq",
        "10",
        "--threads",
        "1,2",
        "--repeat",
        "1",
        "--out",
        out.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ]);
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(
        s.starts_with("<svg") && s.contains("database size N"),
        "{}",
        &s[..100.min(s.len())]
    );
    assert_eq!(json(&out)["results"].as_array().unwrap().len(), 4);
}

#[test]
fn bench_rejects_unknown_kernels_with_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_binaryllm"))
        .args([
            "bench",
            "knn",
            "--n",
            "10",
            "--nq",
            "1",
            "--kernel",
            "sparc-vis",
            "--out",
        ])
        .arg(out_dir("kernels").join("knn.json"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sparc-vis") && err.contains("available"),
        "{err}"
    );
}
