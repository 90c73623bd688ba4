//! TREC run files of the judged lists, for trec_eval, ranx or ir-measures:
//! `trec/float.run` and `trec/<projection>-<bits>-s<seed>-<mode>.run` (the mode's `/` written
//! `-`: `gaussian-1024-s0-rerank-x5.run`), one line `qid Q0 docid rank score tag` per listed row.
//!
//! Ids are written as the qrels file writes them ([`crate::qrels::Qrels::id`]). trec_eval and
//! its ports re-sort a run by score and break ties by docid, not by binaryllm's rule (ties to
//! the smaller row), so the score column is rank-derived and strictly decreasing —
//! `depth + 1 − rank` — and every tool reads the lists in binaryllm's order.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::Stage;
use crate::config::TrecRuns;
use crate::data::atomic_write;
use crate::dataset::judged::JudgedTask;
use crate::eval::{Evaluation, Run};

/// The file name (under `trec/`) of `mode` of `run`.
pub fn run_file_name(run: &Run, mode: &str) -> String {
    format!(
        "{}-{}-s{}-{}.run",
        run.projection,
        run.bits,
        run.seed,
        mode.replace('/', "-")
    )
}

/// Whether the run of `bits` and `seed` gets run files under `policy` (`widest`: the widest
/// width of the eval; `first_seed`: its first seed).
pub fn writes(policy: TrecRuns, bits: usize, seed: u64, widest: usize, first_seed: u64) -> bool {
    match policy {
        TrecRuns::All => true,
        TrecRuns::Widest => bits == widest,
        TrecRuns::First => bits == widest && seed == first_seed,
        TrecRuns::None => false,
    }
}

/// The text of a run file of `lists` (one list per judged query) tagged `tag`.
pub fn run_text(task: &JudgedTask, lists: &[Vec<u32>], tag: &str) -> String {
    let mut s = String::new();
    for (q, list) in lists.iter().enumerate() {
        let qid = task.qrels.id(&task.query_ids, q);
        let depth = list.len();
        for (i, &doc) in list.iter().enumerate() {
            let docid = task.qrels.id(&task.doc_ids, doc as usize);
            let rank = i + 1;
            s.push_str(&format!(
                "{qid} Q0 {docid} {rank} {} {tag}\n",
                depth + 1 - rank
            ));
        }
    }
    s
}

/// Writes the run files of `e` under `dir/trec/` (nothing without a judged set); returns how
/// many.
pub fn write_runs(e: &Evaluation, dir: &Path) -> Result<usize> {
    let (Some(task), Some(float)) = (&e.dataset.judged, &e.judged_float) else {
        return Ok(0);
    };
    let trec = dir.join("trec");
    std::fs::create_dir_all(&trec)
        .with_context(|| format!("{}: {}", Stage::Output, trec.display()))?;
    let put = |name: &str, text: String| -> Result<()> {
        atomic_write(&trec.join(name), |w| w.write_all(text.as_bytes()))
            .with_context(|| format!("{}: writing trec/{name}", Stage::Output))
    };
    put("float.run", run_text(task, &float.lists, "float"))?;
    let mut n = 1;
    for run in &e.runs {
        let Some(j) = &run.judged else { continue };
        for m in j.modes.iter().filter(|m| !m.lists.is_empty()) {
            let name = run_file_name(run, &m.mode);
            let tag = name.trim_end_matches(".run").to_string();
            put(&name, run_text(task, &m.lists, &tag))?;
            n += 1;
        }
    }
    Ok(n)
}
