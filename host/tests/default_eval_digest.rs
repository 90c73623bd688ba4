//! The default evaluation's figures, pinned: `binaryllm eval` on the shipped default config
//! (configs/default.toml on data/sample/) must give the same `runs`, `summary` and `verdicts`
//! in results.json as when the digest was blessed.
//!
//! The pinned value is the SHA-256 of a canonical serialisation of those three keys (object
//! keys sorted at every level, serde_json's shortest round-trip floats, pretty-printed, one
//! trailing newline) with the keys that differ between reruns removed: the per-run `timings`
//! (the only volatile field inside `runs`, `summary` and `verdicts`; `threads`, `started`,
//! `finished` and the top-level `timings` lie outside the pinned keys). The figures do not
//! depend on the thread count (`eval_run::rerun_gives_identical_results…` and
//! `crash_safety` check that), so the default `threads = 0` pins them on any machine.
//!
//! `host/tests/golden/default-eval.sha256` holds the digest of the whole and of each part
//! (every run by projection/bits/seed, the summary, the verdicts), so a mismatch names what
//! moved; the canonical JSON of the mismatching run is written to
//! `target/tmp/default-eval.actual.json` and the first differing lines are printed when the
//! blessed copy `target/tmp/default-eval.blessed.json` (written by a bless on this machine) is
//! present; without it, bless on the parent commit first to get it.
//!
//! Judged retrieval (results.json version 2: `judged_float`, `judged_summary`, the runs'
//! `judged*` fields, the `<metric>/judged|retained|noninferior…` summary rows and verdicts) is
//! pinned on a line of its own, `judged`, last: the other lines are the version-1 figures,
//! which its arrival left unchanged.
//!
//! To update it after an intended change of figures (say by how much in the commit):
//! `BINARYLLM_BLESS=1 cargo test -p binaryllm --test tests default_eval_digest::` rewrites the
//! digest file (and the scratch copy of the canonical JSON).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use binaryllm_engine::data::sha256_bytes;
use serde_json::{Map, Value};

use crate::common::{root, run, s};

/// The digest file: `<sha256>  <part>` lines, `all` first.
fn digest_path() -> PathBuf {
    root().join("host/tests/golden/default-eval.sha256")
}

/// The blessed canonical JSON (about 340 KB, so kept out of the repository): written by a
/// bless under the test target's scratch directory, for a readable diff on a later mismatch.
fn json_path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("default-eval.blessed.json")
}

/// `v` with every object's keys sorted, recursively.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), canonical(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        x => x.clone(),
    }
}

/// Whether a summary row or verdict is about judged retrieval (`<metric>/judged…`,
/// `/retained…`, `/noninferior…`; schema version 2).
fn is_judged(row: &Value) -> bool {
    let m = row["metric"].as_str().unwrap_or_default();
    matches!(
        m.split('/').nth(1),
        Some("judged" | "retained" | "noninferior")
    )
}

/// The run fields of judged retrieval.
const JUDGED_RUN_KEYS: [&str; 3] = ["judged", "judged_retained", "judged_paired"];

/// The rows of `v` (an array) that are (`judged`) or are not about judged retrieval.
fn rows(v: &Value, judged: bool) -> Value {
    let all = v.as_array().cloned().unwrap_or_default();
    Value::Array(all.into_iter().filter(|r| is_judged(r) == judged).collect())
}

/// The pinned part of a results.json: `runs` (without their timings), `summary`, `verdicts`
/// — the figures of schema version 1 (judged retrieval is pinned apart, [`judged_part`], so
/// its arrival left these digests as they were) — and, when present, the judged part under
/// `judged`.
pub fn pinned_part(results: &Value) -> Value {
    let mut runs = results["runs"].clone();
    for r in runs.as_array_mut().expect("results.json: runs is an array") {
        let r = r.as_object_mut().expect("results.json: a run is an object");
        r.remove("timings");
        for k in JUDGED_RUN_KEYS {
            r.remove(k);
        }
    }
    let mut v = serde_json::json!({
        "runs": runs,
        "summary": rows(&results["summary"], false),
        "verdicts": rows(&results["verdicts"], false),
    });
    if !results["judged_float"].is_null() && results.get("judged_float").is_some() {
        v["judged"] = judged_part(results);
    }
    canonical(&v)
}

/// The judged figures: `judged_float`, `judged_summary`, each run's judged fields, and the
/// judged summary rows and verdicts.
fn judged_part(results: &Value) -> Value {
    let runs: Vec<Value> = results["runs"]
        .as_array()
        .expect("results.json: runs is an array")
        .iter()
        .map(|r| {
            let mut o = Map::new();
            for k in ["projection", "bits", "seed"]
                .into_iter()
                .chain(JUDGED_RUN_KEYS)
            {
                o.insert(k.to_string(), r[k].clone());
            }
            Value::Object(o)
        })
        .collect();
    serde_json::json!({
        "judged_float": results["judged_float"],
        "judged_summary": results["judged_summary"],
        "runs": runs,
        "summary": rows(&results["summary"], true),
        "verdicts": rows(&results["verdicts"], true),
    })
}

/// The canonical text of a JSON value (what is hashed).
fn text(v: &Value) -> String {
    let mut t = serde_json::to_string_pretty(v).unwrap();
    t.push('\n');
    t
}

/// The digest file's content for a pinned part: the whole, then each run, summary, verdicts.
pub fn digest_lines(pinned: &Value) -> String {
    // `all` covers the figures of schema version 1; the judged part has its own line.
    let v1 = canonical(&serde_json::json!({
        "runs": pinned["runs"],
        "summary": pinned["summary"],
        "verdicts": pinned["verdicts"],
    }));
    let mut out = format!("{}  all\n", sha256_bytes(text(&v1).as_bytes()));
    for r in pinned["runs"].as_array().unwrap() {
        let label = format!(
            "runs/{}/{}/seed{}",
            r["projection"].as_str().unwrap_or("?"),
            r["bits"],
            r["seed"]
        );
        writeln!(out, "{}  {label}", sha256_bytes(text(r).as_bytes())).unwrap();
    }
    for key in ["summary", "verdicts"] {
        writeln!(
            out,
            "{}  {key}",
            sha256_bytes(text(&pinned[key]).as_bytes())
        )
        .unwrap();
    }
    if let Some(j) = pinned.get("judged") {
        writeln!(out, "{}  judged", sha256_bytes(text(j).as_bytes())).unwrap();
    }
    out
}

/// The first few differing lines of two texts, numbered, for a failure message.
fn first_differences(expected: &str, actual: &str) -> String {
    let mut out = String::new();
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut shown = 0;
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i).copied(), a.get(i).copied());
        if x != y && shown < 20 {
            writeln!(
                out,
                "line {}:\n  - {}\n  + {}",
                i + 1,
                x.unwrap_or("<end>"),
                y.unwrap_or("<end>")
            )
            .unwrap();
            shown += 1;
        }
    }
    out
}

/// Compares `pinned` with the blessed digests (or rewrites them under `BINARYLLM_BLESS=1`);
/// the error names the parts that moved.
pub fn check_or_bless(pinned: &Value, scratch: &Path) -> Result<(), String> {
    let lines = digest_lines(pinned);
    if std::env::var_os("BINARYLLM_BLESS").is_some_and(|v| v == "1") {
        fs::write(digest_path(), &lines).unwrap();
        fs::write(json_path(), text(pinned)).unwrap();
        eprintln!(
            "blessed {} and {}",
            digest_path().display(),
            json_path().display()
        );
        return Ok(());
    }
    let want = fs::read_to_string(digest_path()).map_err(|e| {
        format!(
            "{}: {e} (bless with BINARYLLM_BLESS=1)",
            digest_path().display()
        )
    })?;
    if want == lines {
        return Ok(());
    }
    let moved: Vec<&str> = lines
        .lines()
        .filter(|l| !want.lines().any(|w| w == *l))
        .filter_map(|l| l.split_once("  ").map(|(_, part)| part))
        .collect();
    let actual = scratch.join("default-eval.actual.json");
    fs::write(&actual, text(pinned)).unwrap();
    let diff = fs::read_to_string(json_path())
        .map(|e| first_differences(&e, &text(pinned)))
        .unwrap_or_default();
    Err(format!(
        "the default eval's runs/summary/verdicts moved: {moved:?}\nactual: {}\n{diff}\
         if the change is intended, bless with BINARYLLM_BLESS=1 (module docs)",
        actual.display()
    ))
}

#[test]
fn default_eval_matches_the_pinned_digest() {
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dir = tempfile::tempdir_in(&scratch).unwrap();
    let out = dir.path().join("run");
    let r = run(&["eval", "--out", s(&out), "--quiet"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let results: Value =
        serde_json::from_slice(&fs::read(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["runs"].as_array().map(Vec::len), Some(45));
    if let Err(e) = check_or_bless(&pinned_part(&results), &scratch) {
        panic!("{e}");
    }
}

/// The check itself: any moved figure in a run, the summary or a verdict is a mismatch that
/// names the part; volatile timings are not part of the digest.
#[test]
fn the_digest_names_a_moved_figure_and_ignores_timings() {
    let results = serde_json::json!({
        "runs": [
            {"projection": "gaussian", "bits": 64, "seed": 0, "kind": "gaussian",
             "metrics": {"recall@10": 0.5, "spearman": 0.25}, "timings": {"encode": 1.0}},
            {"projection": "gaussian", "bits": 64, "seed": 1, "kind": "gaussian",
             "metrics": {"recall@10": 0.75, "spearman": 0.5}, "timings": {"encode": 2.0}},
        ],
        "summary": [{"metric": "recall@10", "mean": 0.625}],
        "verdicts": [{"hypothesis": "H1", "pass": true}],
        "timings": {"total": 3.0},
    });
    let base = digest_lines(&pinned_part(&results));
    let mut t = results.clone();
    t["runs"][1]["timings"]["encode"] = 9.0.into();
    t["timings"]["total"] = 9.0.into();
    assert_eq!(
        digest_lines(&pinned_part(&t)),
        base,
        "timings are not pinned"
    );
    let mut moved = results.clone();
    moved["runs"][1]["metrics"]["spearman"] = 0.500_000_1.into();
    let d = digest_lines(&pinned_part(&moved));
    assert_ne!(
        d.lines().next(),
        base.lines().next(),
        "the whole digest moves"
    );
    let changed: Vec<&str> = d.lines().filter(|l| !base.contains(l)).collect();
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert!(
        changed[1].ends_with("runs/gaussian/64/seed1"),
        "{changed:?}"
    );
    let mut verdict = results.clone();
    verdict["verdicts"][0]["pass"] = false.into();
    assert!(
        digest_lines(&pinned_part(&verdict))
            .lines()
            .any(|l| l.ends_with("verdicts") && !base.contains(l))
    );
    // Key order does not matter (the results writer keeps insertion order).
    let reordered: Value = serde_json::from_str(
        r#"{"verdicts":[{"pass":true,"hypothesis":"H1"}],"summary":[{"mean":0.625,"metric":"recall@10"}],
            "runs":[{"seed":0,"bits":64,"projection":"gaussian","kind":"gaussian",
                     "metrics":{"spearman":0.25,"recall@10":0.5}},
                    {"projection":"gaussian","bits":64,"seed":1,"kind":"gaussian",
                     "metrics":{"recall@10":0.75,"spearman":0.5}}]}"#,
    )
    .unwrap();
    assert_eq!(digest_lines(&pinned_part(&reordered)), base);
}

/// Judged retrieval (schema version 2) is pinned on a line of its own: adding it leaves every
/// line of the version-1 figures as it was, and a moved judged figure moves only that line.
#[test]
fn judged_figures_have_their_own_digest_line() {
    let v1 = serde_json::json!({
        "runs": [{"projection": "gaussian", "bits": 64, "seed": 0, "kind": "gaussian",
                  "metrics": {"recall@10": 0.5}, "timings": {"encode": 1.0}}],
        "summary": [{"metric": "recall@10", "mean": 0.5}],
        "verdicts": [{"metric": "recall@10", "outcome": "pass"}],
    });
    let base = digest_lines(&pinned_part(&v1));
    let mut v2 = v1.clone();
    v2["judged_float"] = serde_json::json!({"ndcg@10": 0.5});
    v2["judged_summary"] = serde_json::json!([]);
    v2["runs"][0]["judged"] = serde_json::json!({"hamming": {"ndcg@10": 0.4}});
    v2["summary"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"metric": "ndcg@10/retained", "mean": 0.8}));
    v2["verdicts"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"metric": "ndcg@10/noninferior/rerank/x5", "outcome": "pass"}));
    let with = digest_lines(&pinned_part(&v2));
    assert!(with.starts_with(&base), "{base}\n{with}");
    assert_eq!(with.lines().count(), base.lines().count() + 1);
    assert!(with.trim_end().ends_with("  judged"), "{with}");
    let mut moved = v2.clone();
    moved["runs"][0]["judged"]["hamming"]["ndcg@10"] = 0.41.into();
    let m = digest_lines(&pinned_part(&moved));
    let changed: Vec<&str> = m.lines().filter(|l| !with.contains(l)).collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].ends_with("  judged"), "{changed:?}");
}
