//! A careless user loses nothing (issue 13, items 4–7 and 11): every command that writes
//! refuses an existing output unless `--force`, `--force` replaces only what binaryllm wrote
//! (never a user's file), failures and interrupts leave nothing behind, stale partial
//! outputs of dead processes are swept, and every command ends with one `wrote` line.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, Ran, bin, root, run, s, small_dataset, unit_rows};
use binaryllm_engine::data::write_npy;

/// A scratch folder with a small data set (200 base and 20 query vectors of 32 dims).
struct Scratch {
    dir: tempfile::TempDir,
    files: common::Files,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let files = small_dataset(dir.path(), 200, 20, 32);
        Self { dir, files }
    }

    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn encode(&self, out: &Path, extra: &[&str]) -> Ran {
        let mut a = vec![
            "encode",
            "--input",
            s(&self.files.base),
            "--bits",
            "64",
            "--out",
            s(out),
        ];
        a.extend_from_slice(extra);
        run(&a)
    }

    fn search(&self, codes: &Path, out: &Path, extra: &[&str]) -> Ran {
        let mut a = vec![
            "search",
            "--codes",
            s(codes),
            "--queries",
            s(&self.files.queries),
            "--k",
            "5",
            "--out",
            s(out),
        ];
        a.extend_from_slice(extra);
        run(&a)
    }

    /// `eval` on the small data set, quick settings.
    fn eval(&self, out: &Path, extra: &[&str]) -> Ran {
        let mut a = vec![
            "eval",
            "--base",
            s(&self.files.base),
            "--queries",
            s(&self.files.queries),
            "--out",
            s(out),
            "--bits",
            "64",
            "--seeds",
            "0",
            "--projection",
            "gaussian",
        ];
        a.extend_from_slice(extra);
        run(&a)
    }

    /// The names in the scratch folder (or one of its subfolders), sorted.
    fn names(&self, sub: &str) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.p(sub))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

fn ok(r: &Ran) {
    assert_eq!(r.code, Some(0), "stderr: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

/// Asserts exit 1 with `message` on stderr, and no panic.
fn fails(r: &Ran, message: &str) {
    assert_eq!(
        r.code,
        Some(1),
        "stdout: {}\nstderr: {}",
        r.stdout,
        r.stderr
    );
    assert!(
        r.stderr.contains(message),
        "expected `{message}` in: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

/// The last line of stdout.
fn last_line(r: &Ran) -> &str {
    r.stdout.lines().last().unwrap_or("")
}

fn no_partials(dir: &Path) {
    for e in fs::read_dir(dir).unwrap() {
        let n = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !n.contains(".partial-"),
            "partial output {n} left in {}",
            dir.display()
        );
    }
}

// ---------------------------------------------------------------- item 4: existing outputs

#[test]
fn encode_refuses_to_overwrite_a_users_float_matrix_even_under_force() {
    let c = Scratch::new();
    // The case: `encode --out W.npy` onto an existing float matrix.
    let w = c.p("W.npy");
    write_npy(&w, &[20, 32], &unit_rows(20, 32, 9)).unwrap();
    let before = fs::read(&w).unwrap();
    let r = c.encode(&w, &[]);
    fails(
        &r,
        &format!(
            "error: output stage: {} already exists (use --force to replace it)",
            w.display()
        ),
    );
    let r = c.encode(&w, &["--force"]);
    fails(
        &r,
        &format!(
            "error: output stage: {} is not a binaryllm output file (it has no {}.json sidecar); refusing to delete it",
            w.display(),
            w.display()
        ),
    );
    assert_eq!(fs::read(&w).unwrap(), before, "the user's file changed");
    assert!(!c.p("W.npy.json").exists());
    no_partials(c.dir.path());
}

#[test]
fn encode_output_is_refused_then_replaced_under_force() {
    let c = Scratch::new();
    let out = c.p("codes.npy");
    ok(&c.encode(&out, &[]));
    let first = fs::read(&out).unwrap();
    let r = c.encode(&out, &["--seed", "3"]);
    fails(&r, "already exists (use --force to replace it)");
    assert_eq!(fs::read(&out).unwrap(), first);
    // --force replaces what binaryllm wrote (the sidecar marks it).
    let r = c.encode(&c.p("codes.npy"), &["--force", "--seed", "7"]);
    ok(&r);
    assert_ne!(fs::read(&out).unwrap(), first);
    no_partials(c.dir.path());
}

#[test]
fn search_refuses_an_existing_out_dir_and_never_deletes_a_users_files() {
    let c = Scratch::new();
    let codes = c.p("codes.npy");
    ok(&c.encode(&codes, &[]));
    let mine = c.p("hits");
    fs::create_dir(&mine).unwrap();
    fs::write(mine.join("mine.txt"), b"my notes").unwrap();
    let r = c.search(&codes, &mine, &[]);
    fails(
        &r,
        &format!(
            "error: output stage: {} already exists (use --force to replace it)",
            mine.display()
        ),
    );
    let r = c.search(&codes, &mine, &["--force"]);
    fails(
        &r,
        &format!(
            "error: output stage: {} is not a binaryllm run directory (it has no .binaryllm-run marker); refusing to delete it",
            mine.display()
        ),
    );
    assert_eq!(c.names("hits"), ["mine.txt"]);
    assert_eq!(fs::read(mine.join("mine.txt")).unwrap(), b"my notes");

    // Its own run directory: refused without --force, replaced with it.
    let out = c.p("found");
    ok(&c.search(&codes, &out, &[]));
    assert!(out.join(".binaryllm-run").is_file());
    fails(&c.search(&codes, &out, &[]), "already exists (use --force");
    // Replaced whole: a re-ranked search writes scores.npy, and the old distances.npy is gone.
    let base = c.files.base.clone();
    ok(&c.search(
        &codes,
        &out,
        &["--force", "--base", s(&base), "--rerank", "20"],
    ));
    assert!(out.join("scores.npy").is_file(), "not replaced");
    assert!(!out.join("distances.npy").exists(), "old contents kept");
    no_partials(c.dir.path());
}

#[test]
fn eval_force_never_deletes_a_directory_without_a_run() {
    let c = Scratch::new();
    // The case: `eval --out dir --force` deleted the user's mine.txt.
    let dir = c.p("dir");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("mine.txt"), b"keep me").unwrap();
    let r = c.eval(&dir, &["--force", "--quiet"]);
    fails(
        &r,
        &format!(
            "error: output stage: {} is not a binaryllm run directory (it has no .binaryllm-run marker); refusing to delete it",
            dir.display()
        ),
    );
    assert_eq!(c.names("dir"), ["mine.txt"]);
    // A run directory eval wrote is replaced under --force.
    let run_dir = c.p("run");
    ok(&c.eval(&run_dir, &["--quiet"]));
    assert!(run_dir.join(".binaryllm-run").is_file() && run_dir.join("results.json").is_file());
    let marker: serde_json::Value =
        serde_json::from_slice(&fs::read(run_dir.join(".binaryllm-run")).unwrap()).unwrap();
    assert_eq!(marker["format"], "binaryllm-run");
    assert_eq!(marker["command"], "eval");
    assert!(marker["created"].is_string() && marker["tool"]["version"].is_string());
    ok(&c.eval(&run_dir, &["--force", "--quiet"]));
    no_partials(c.dir.path());
}

#[test]
fn a_users_file_is_not_replaced_by_any_command_under_force() {
    let c = Scratch::new();
    let codes = c.p("codes.npy");
    ok(&c.encode(&codes, &[]));
    let art = c.p("art");
    ok(&run(&[
        "projection",
        "train",
        "--kind",
        "pca",
        "--input",
        s(&c.files.base),
        "--bits",
        "16",
        "--out",
        s(&art),
    ]));
    let mine = c.p("mine.txt");
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "export",
            "--codes",
            s(&codes),
            "--format",
            "ubinary",
            "--out",
            s(&mine),
        ],
        vec![
            "export",
            "--codes",
            s(&codes),
            "--format",
            "faiss-index",
            "--out",
            s(&mine),
        ],
        vec![
            "projection",
            "--dims",
            "32",
            "--bits",
            "64",
            "--out",
            s(&mine),
        ],
        vec![
            "projection",
            "export",
            "--input",
            s(&art),
            "--format",
            "bin",
            "--out",
            s(&mine),
        ],
        vec!["bench", "make-codes", "--n", "10", "--out", s(&mine)],
    ];
    for mut a in cases {
        fs::write(&mine, b"mine").unwrap();
        let r = run(&a);
        fails(&r, "mine.txt already exists (use --force to replace it)");
        a.push("--force");
        let r = run(&a);
        fails(&r, "mine.txt is not a binaryllm output file (it has no ");
        assert!(r.stderr.contains("refusing to delete it"), "{}", r.stderr);
        assert_eq!(fs::read(&mine).unwrap(), b"mine", "{a:?}");
        assert!(!c.p("mine.txt.json").exists());
    }
    // A directory for a train artefact that binaryllm did not write.
    let user_dir = c.p("userdir");
    fs::create_dir(&user_dir).unwrap();
    fs::write(user_dir.join("mine.txt"), b"mine").unwrap();
    let r = run(&[
        "projection",
        "train",
        "--kind",
        "pca",
        "--input",
        s(&c.files.base),
        "--bits",
        "16",
        "--out",
        s(&user_dir),
        "--force",
    ]);
    fails(&r, "is not a binaryllm run directory");
    assert_eq!(c.names("userdir"), ["mine.txt"]);
    no_partials(c.dir.path());
}

#[test]
fn a_sidecar_that_is_not_binaryllms_is_never_replaced() {
    let c = Scratch::new();
    let out = c.p("codes.npy");
    fs::write(c.p("codes.npy.json"), b"{\"mine\": true}").unwrap();
    let r = c.encode(&out, &["--force"]);
    fails(&r, "codes.npy.json (the sidecar of");
    assert!(
        r.stderr
            .contains("is not binaryllm's; refusing to replace it"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
    assert_eq!(
        fs::read(c.p("codes.npy.json")).unwrap(),
        b"{\"mine\": true}"
    );
}

// ---------------------------------------------------------------- item 7: failures leave nothing

#[test]
fn search_base_of_the_wrong_shape_names_both_files_and_leaves_no_out_dir() {
    let c = Scratch::new();
    let codes = c.p("codes.npy");
    ok(&c.encode(&codes, &[]));
    // Without its sidecar (codes made elsewhere) only the shape can say the file is wrong;
    // with it, the recorded input's sha256 already does (careless_codes).
    fs::remove_file(c.p("codes.npy.json")).unwrap();
    // --base has the queries' rows and other dims: 20 × 16 instead of 200 × 32.
    let q16 = c.p("Q16.npy");
    write_npy(&q16, &[20, 16], &unit_rows(20, 16, 4)).unwrap();
    let out = c.p("new/hits");
    let r = c.search(&codes, &out, &["--base", s(&q16), "--rerank", "50"]);
    fails(
        &r,
        &format!(
            "error: load stage: --base {} has [20, 16] floats; expected [200, 32]: one row per code in {} (200) \
             and the queries' 32 dims ({})",
            q16.display(),
            codes.display(),
            c.files.queries.display()
        ),
    );
    assert!(!out.exists(), "an --out directory was left");
    assert!(!c.p("new").exists(), "the parent of --out was left");
    no_partials(c.dir.path());
}

#[test]
fn a_failing_command_creates_no_output_and_no_parent() {
    let c = Scratch::new();
    let codes = c.p("codes.npy");
    ok(&c.encode(&codes, &[]));
    let text = c.p("text.npy");
    fs::write(&text, b"not numpy\n").unwrap();
    let out = |n: &str| c.p(&format!("fresh/{n}"));
    let (o1, o2, o3, o4, o5, o6) = (
        out("c.npy"),
        out("hits"),
        out("i.faiss"),
        out("art"),
        out("p.bin"),
        out("W.npy"),
    );
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "encode",
            "--input",
            s(&text),
            "--bits",
            "64",
            "--out",
            s(&o1),
        ],
        vec![
            "search",
            "--codes",
            s(&text),
            "--queries",
            s(&c.files.queries),
            "--k",
            "3",
            "--out",
            s(&o2),
        ],
        vec![
            "export",
            "--codes",
            s(&text),
            "--format",
            "faiss-index",
            "--out",
            s(&o3),
        ],
        vec![
            "projection",
            "train",
            "--kind",
            "pca",
            "--input",
            s(&text),
            "--bits",
            "8",
            "--out",
            s(&o4),
        ],
        vec![
            "projection",
            "export",
            "--input",
            s(&text),
            "--format",
            "bin",
            "--out",
            s(&o5),
        ],
        vec![
            "projection",
            "--dims",
            "32",
            "--bits",
            "64",
            "--projection",
            "nope",
            "--out",
            s(&o6),
        ],
    ];
    for a in &cases {
        let r = run(a);
        assert_eq!(r.code, Some(1), "{a:?}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert!(!c.p("fresh").exists(), "{a:?} left {:?}", c.names("fresh"));
    }
    no_partials(c.dir.path());
}

// ---------------------------------------------------------------- item 11: the wrote line

#[test]
fn every_command_ends_with_one_line_saying_what_it_wrote() {
    let c = Scratch::new();
    let codes = c.p("codes.npy");
    let r = c.encode(&codes, &[]);
    ok(&r);
    assert_eq!(
        r.stdout,
        format!(
            "wrote {}: 200 codes of 64 bits, faiss bit order (uint8 [200, 8], 1,728 bytes) + codes.npy.json\n",
            codes.display()
        )
    );
    assert_eq!(fs::metadata(&codes).unwrap().len(), 1728);
    let side: serde_json::Value =
        serde_json::from_slice(&fs::read(c.p("codes.npy.json")).unwrap()).unwrap();
    assert!(side["format"].as_str().unwrap().starts_with("binaryllm-"));

    let hits = c.p("hits");
    let r = c.search(&codes, &hits, &[]);
    ok(&r);
    let bytes = |d: &Path, names: &[&str]| -> u64 {
        names
            .iter()
            .map(|n| fs::metadata(d.join(n)).unwrap().len())
            .sum()
    };
    assert_eq!(
        last_line(&r),
        format!(
            "wrote {}: ids.npy int64 [20, 5], distances.npy int32 [20, 5] (2 files, {} bytes)",
            hits.display(),
            thousands(bytes(&hits, &["ids.npy", "distances.npy"]))
        )
    );
    let rr = c.p("rerank");
    let r = c.search(&codes, &rr, &["--base", s(&c.files.base), "--rerank", "20"]);
    ok(&r);
    assert!(
        last_line(&r).starts_with(&format!(
            "wrote {}: ids.npy int64 [20, 5], scores.npy float32 [20, 5] (2 files, ",
            rr.display()
        )),
        "{}",
        r.stdout
    );

    let idx = c.p("index.faiss");
    let r = run(&[
        "export",
        "--codes",
        s(&codes),
        "--format",
        "faiss-index",
        "--out",
        s(&idx),
    ]);
    ok(&r);
    let n = fs::metadata(&idx).unwrap().len();
    assert_eq!(
        last_line(&r),
        format!(
            "wrote {}: FAISS IndexBinaryFlat of 200 codes of 64 bits (faiss-index, 200 × 8 code bytes, {} bytes) + index.faiss.json",
            idx.display(),
            thousands(n)
        )
    );
    let ub = c.p("ub.npy");
    let r = run(&[
        "export",
        "--codes",
        s(&codes),
        "--format",
        "ubinary",
        "--out",
        s(&ub),
    ]);
    ok(&r);
    assert_eq!(
        last_line(&r),
        format!(
            "wrote {}: 200 codes of 64 bits, MSB-first (ubinary) (uint8 [200, 8], 1,728 bytes) + ub.npy.json",
            ub.display()
        )
    );

    let w = c.p("W.npy");
    let r = run(&["projection", "--dims", "32", "--bits", "16", "--out", s(&w)]);
    ok(&r);
    assert_eq!(
        last_line(&r),
        format!(
            "wrote {}: gaussian matrix, 32 dims → 16 bits (f32 [16, 32], {} bytes) + W.npy.json",
            w.display(),
            thousands(fs::metadata(&w).unwrap().len())
        )
    );
    // The generic sidecar: format, tool, command, sha256 and bytes of the file.
    let side: serde_json::Value =
        serde_json::from_slice(&fs::read(c.p("W.npy.json")).unwrap()).unwrap();
    assert_eq!(side["format"], "binaryllm-output");
    assert_eq!(side["command"], "projection");
    assert_eq!(side["bytes"], fs::metadata(&w).unwrap().len());
    assert_eq!(
        side["sha256"].as_str().unwrap(),
        binaryllm_engine::data::sha256_file(&w).unwrap()
    );

    let art = c.p("art");
    let r = run(&[
        "projection",
        "train",
        "--kind",
        "pca",
        "--input",
        s(&c.files.base),
        "--bits",
        "16",
        "--out",
        s(&art),
    ]);
    ok(&r);
    let art_bytes = bytes(
        &art,
        &[
            "projection.json",
            "matrix.npy",
            "thresholds.npy",
            "mean.npy",
        ],
    );
    assert_eq!(
        last_line(&r),
        format!(
            "wrote {}: pca projection artefact, 32 dims → 16 bits: projection.json, matrix.npy, thresholds.npy, mean.npy (4 files, {} bytes)",
            art.display(),
            thousands(art_bytes)
        )
    );
    let rs = c.p("art.rs");
    let r = run(&[
        "projection",
        "export",
        "--input",
        s(&art),
        "--format",
        "rust",
        "--out",
        s(&rs),
    ]);
    ok(&r);
    assert_eq!(
        last_line(&r),
        format!(
            "wrote {}: pca projection of {}, 32 dims → 16 bits (Rust source, {} bytes) + art.rs.json",
            rs.display(),
            art.display(),
            thousands(fs::metadata(&rs).unwrap().len())
        )
    );

    let run_dir = c.p("run");
    let r = c.eval(&run_dir, &[]);
    ok(&r);
    let line = last_line(&r);
    assert!(
        line.starts_with(&format!(
            "wrote {}: 1 run, results.json, metrics.csv, summary.csv, report.html, plots/ (",
            run_dir.display()
        )) && line.contains(" files, ")
            && line.contains(" bytes) in "),
        "{line}"
    );

    let fw = c.p("fw");
    let r = run(&[
        "firmware",
        "decode",
        "--input",
        s(&root().join("host/tests/data/firmware-qemu-m4f-v2.cobs")),
        "--out",
        s(&fw),
    ]);
    ok(&r);
    let report = fw.join("firmware-report.json");
    assert_eq!(
        last_line(&r),
        format!(
            "wrote {}: firmware report of board qemu-m4f (JSON, {} bytes)",
            report.display(),
            thousands(fs::metadata(&report).unwrap().len())
        )
    );

    let big = c.p("big.codes");
    let r = run(&[
        "bench",
        "make-codes",
        "--n",
        "100",
        "--bits",
        "64",
        "--out",
        s(&big),
    ]);
    ok(&r);
    assert_eq!(
        last_line(&r),
        format!(
            "wrote {}: 100 codes of 64 bits (binaryllm code file) (100 × 1 words, {} bytes) + big.codes.json",
            big.display(),
            thousands(fs::metadata(&big).unwrap().len())
        )
    );
    let knn = c.p("knn.json");
    let r = run(&[
        "bench",
        "knn",
        "--n",
        "500",
        "--nq",
        "5",
        "--k",
        "3",
        "--bits",
        "64",
        "--threads",
        "1",
        "--repeat",
        "1",
        "--out",
        s(&knn),
    ]);
    ok(&r);
    assert!(
        last_line(&r).starts_with(&format!("wrote {}: benchmark results, ", knn.display())),
        "{}",
        r.stdout
    );
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(&knn).unwrap()).unwrap();
    assert_eq!(doc["format"], "binaryllm-bench");
    // Its own JSON output is replaced under --force, a foreign one is not.
    let again = [
        "bench",
        "knn",
        "--n",
        "500",
        "--nq",
        "5",
        "--k",
        "3",
        "--bits",
        "64",
        "--threads",
        "1",
        "--repeat",
        "1",
        "--out",
        s(&knn),
        "--force",
    ];
    ok(&run(&again));
    fs::write(&knn, b"{\"mine\": 1}").unwrap();
    fails(&run(&again), "is not a binaryllm output file");
    assert_eq!(fs::read(&knn).unwrap(), b"{\"mine\": 1}");
    no_partials(c.dir.path());
}

fn thousands(n: u64) -> String {
    binaryllm_engine::outfile::thousands(n)
}

#[test]
fn firmware_decode_refuses_an_existing_report_unless_forced() {
    let c = Scratch::new();
    let fw = c.p("fw");
    let input = root().join("host/tests/data/firmware-qemu-m4f-v2.cobs");
    let args = ["firmware", "decode", "--input", s(&input), "--out", s(&fw)];
    ok(&run(&args));
    let report = fw.join("firmware-report.json");
    fails(
        &run(&args),
        &format!(
            "output stage: {} already exists (use --force",
            report.display()
        ),
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    ok(&run(&forced));
    fs::write(&report, b"{}").unwrap();
    fails(&run(&forced), "is not a binaryllm output file");
    assert_eq!(fs::read(&report).unwrap(), b"{}");
}

// ---------------------------------------------------------------- item 6: signals, stale partials

/// A pid that belonged to a process that has exited.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// Starts `eval` of the default config on the shipped sample (several seconds) into `out`,
/// waits until its partial run directory exists, sends `signal` with `kill`, and returns
/// the exit code, stderr and the partial directory's path.
fn interrupt_eval(out: &Path, signal: &str) -> (Option<i32>, String, PathBuf) {
    let child = Command::new(bin())
        .current_dir(root())
        .args(["eval", "--quiet", "--out"])
        .arg(out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let name = out.file_name().unwrap().to_string_lossy();
    let partial = out.with_file_name(format!(".{name}.partial-{}", child.id()));
    let t = Instant::now();
    while !partial.exists() {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "no partial run directory {} appeared",
            partial.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let k = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(k.success());
    let o = child.wait_with_output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        partial,
    )
}

#[cfg(target_os = "linux")]
#[test]
fn sigint_and_sigterm_remove_the_partial_run_directory() {
    let d = tempfile::tempdir().unwrap();
    for (signal, name, code) in [("-INT", "SIGINT", 130), ("-TERM", "SIGTERM", 143)] {
        let out = d.path().join(format!("run-{name}"));
        let (exit, stderr, partial) = interrupt_eval(&out, signal);
        assert_eq!(exit, Some(code), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "interrupted ({name}): removed the partial output {}; nothing was written",
                partial.display()
            )),
            "{name}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(!partial.exists() && !out.exists(), "{name} left output");
    }
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 0, "leftovers");
}

#[cfg(target_os = "linux")]
#[test]
fn stale_partial_outputs_of_dead_processes_are_swept_at_the_next_run() {
    let c = Scratch::new();
    let pid = dead_pid();
    let stale_dir = c.p(&format!(".run.partial-{pid}"));
    fs::create_dir(&stale_dir).unwrap();
    fs::write(stale_dir.join("metrics.csv"), b"half").unwrap();
    // A partial output of a live process (this test) is not touched.
    let live = c.p(&format!(".run.partial-{}", std::process::id()));
    fs::create_dir(&live).unwrap();
    let r = c.eval(&c.p("run"), &["--quiet"]);
    ok(&r);
    assert!(
        r.stderr.contains(&format!(
            "notice: removed a stale partial output {} (left by process {pid}, which is no longer running)",
            stale_dir.display()
        )),
        "{}",
        r.stderr
    );
    assert!(!stale_dir.exists() && live.exists() && c.p("run/results.json").is_file());

    // The same for a file output and its sidecar.
    let stale_file = c.p(&format!(".codes.npy.partial-{pid}"));
    let stale_side = c.p(&format!(".codes.npy.json.partial-{pid}"));
    fs::write(&stale_file, b"half").unwrap();
    fs::write(&stale_side, b"half").unwrap();
    let r = c.encode(&c.p("codes.npy"), &[]);
    ok(&r);
    assert!(
        r.stderr.contains("notice: removed a stale partial output"),
        "{}",
        r.stderr
    );
    assert!(!stale_file.exists() && !stale_side.exists());
}
