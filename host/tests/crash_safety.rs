//! Crash safety and reproducibility of `binaryllm eval` on the shipped sample.
//!
//! * A run killed with SIGKILL at seeded random moments never leaves a run directory that
//!   looks complete: the output code writes everything into a hidden `.<name>.partial-<pid>`
//!   sibling and renames it onto the run path as its last step, so "complete" means "the run
//!   path exists", and every run path that exists holds the full, valid results.
//! * The same config gives byte-identical results.json (once timestamps and timings are
//!   removed) with 1 and 2 threads and with the portable kernels forced at run time
//!   (`BINARYLLM_KERNEL=portable`) instead of the fastest ones of this CPU.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use binaryllm_core::rng::SeededStream;
use serde_json::Value;

use crate::common;

/// A fast config on the shipped sample: one projection, two widths, one seed.
const FAST: [&str; 7] = [
    "--bits",
    "64,256",
    "--seeds",
    "0",
    "--projection",
    "gaussian",
    "--quiet",
];

fn eval_cmd(out: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(common::bin());
    c.current_dir(common::root())
        .args(["eval", "--out"])
        .arg(out)
        .args(FAST)
        .args(extra)
        .env_remove("BINARYLLM_KERNEL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn eval_ok(out: &Path, extra: &[&str], kernel: Option<&str>) {
    let mut c = eval_cmd(out, extra);
    if let Some(k) = kernel {
        c.env("BINARYLLM_KERNEL", k);
    }
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// results.json without what legitimately differs between runs (timestamps, timings, and
/// the recorded choices under test: thread count, kernel name), serialised again.
fn stable_results(dir: &Path) -> String {
    let mut v: Value = serde_json::from_slice(&fs::read(dir.join("results.json")).unwrap())
        .expect("results.json is valid JSON");
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in ["timings", "started", "finished"] {
                    m.remove(k);
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    let o = v.as_object_mut().unwrap();
    o.remove("threads");
    o.remove("config_sha256");
    o["config"].as_object_mut().unwrap().remove("threads");
    o["cpu"].as_object_mut().unwrap().remove("hamming_kernel");
    serde_json::to_string_pretty(&v).unwrap()
}

/// Every file a complete run directory has.
fn assert_complete(dir: &Path, reference: &str) {
    for f in ["results.json", "metrics.csv", "summary.csv", "report.html"] {
        assert!(dir.join(f).is_file(), "{} lacks {f}", dir.display());
    }
    assert_eq!(stable_results(dir), reference, "{}", dir.display());
}

#[test]
fn sigkill_at_random_moments_never_leaves_a_complete_looking_run_dir() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    // The reference run, timed: kills land within its duration.
    let reference_dir = dir.path().join("reference");
    let t = Instant::now();
    eval_ok(&reference_dir, &[], None);
    let full = t.elapsed();
    let reference = stable_results(&reference_dir);

    let mut rng = SeededStream::new(20261130, *b"sigkill!", 0);
    let mut killed_midway = 0;
    let mut names = Vec::new();
    for i in 0..5 {
        let name = format!("run{i}");
        let out = runs.join(&name);
        // Uniform in [0, 0.9 · full): from process start-up to just before the rename.
        let delay = full.mul_f64(0.9 * f64::from(rng.next_u32()) / f64::from(u32::MAX));
        let mut child = eval_cmd(&out, &[]).spawn().unwrap();
        std::thread::sleep(delay);
        let finished_first = child.try_wait().unwrap().is_some();
        child.kill().unwrap_or(()); // SIGKILL on Unix; an already-exited child is fine
        let status = child.wait().unwrap();
        if out.exists() {
            // The rename happened: the whole directory is there and valid.
            assert_complete(&out, &reference);
        } else {
            assert!(
                !finished_first || !status.success(),
                "run {i} exited 0 without a dir"
            );
            killed_midway += 1;
        }
        names.push(name);
    }
    assert!(
        killed_midway >= 1,
        "every run finished before its kill (full run {full:?}): the test killed nothing"
    );
    // Only run directories and hidden partial ones are in runs/; partial ones never carry
    // the run's name without the `.partial-` marker.
    for e in fs::read_dir(&runs).unwrap() {
        let n = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            names.contains(&n) || (n.starts_with('.') && n.contains(".partial-")),
            "unexpected entry {n} in runs/"
        );
    }
    // A killed run does not block the next one at the same path.
    let again = runs.join(&names[0]);
    let _ = fs::remove_dir_all(&again);
    eval_ok(&again, &[], None);
    assert_complete(&again, &reference);
}

fn run_dir(root: &Path, name: &str) -> PathBuf {
    root.join(name)
}

#[test]
fn results_are_byte_identical_across_reruns_threads_and_kernels() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str], Option<&str>); 5] = [
        ("t1", &["--threads", "1"], None),
        ("t1-again", &["--threads", "1"], None),
        ("t2", &["--threads", "2"], None),
        ("t2-portable", &["--threads", "2"], Some("portable")),
        ("t1-auto", &["--threads", "1"], Some("auto")),
    ];
    let mut results = Vec::new();
    for (name, extra, kernel) in cases {
        let out = run_dir(dir.path(), name);
        eval_ok(&out, extra, kernel);
        results.push((name, stable_results(&out)));
    }
    for (name, r) in &results[1..] {
        assert_eq!(
            r, &results[0].1,
            "{name} differs from {} (results.json without timestamps/timings)",
            results[0].0
        );
    }
    // The kernel really was forced: the portable run records it.
    let v: Value =
        serde_json::from_slice(&fs::read(dir.path().join("t2-portable/results.json")).unwrap())
            .unwrap();
    assert_eq!(v["cpu"]["hamming_kernel"], "portable");
}

#[test]
fn an_unknown_kernel_choice_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = eval_cmd(&out, &[])
        .env("BINARYLLM_KERNEL", "avx9000")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("config stage: BINARYLLM_KERNEL=\"avx9000\" is not `auto` or `portable`"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked at"), "{stderr}");
    assert!(!out.exists());
}
