//! Helpers shared by the integration tests: run the real binary, make small data files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use binaryllm_core::rng::SeededStream;
use binaryllm_engine::data::write_npy;

/// The `binaryllm` binary built for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_binaryllm"))
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Result of one command.
#[derive(Debug)]
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `binaryllm args…` in the repository root.
pub fn run(args: &[&str]) -> Ran {
    let out: Output = Command::new(bin())
        .args(args)
        .current_dir(root())
        .output()
        .expect("spawn binaryllm");
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `rows × dims` unit-norm rows from a seeded stream.
pub fn unit_rows(rows: usize, dims: usize, seed: u64) -> Vec<f32> {
    let mut s = SeededStream::new(seed, *b"testrows", 0);
    let mut v = Vec::with_capacity(rows * dims);
    for _ in 0..rows {
        let r: Vec<f32> = (0..dims).map(|_| s.next_symmetric_uniform()).collect();
        let n = r.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.extend(r.iter().map(|x| x / n));
    }
    v
}

/// Writes a small valid data set (base, queries, labels) into `dir` and returns the paths.
pub struct Files {
    pub base: PathBuf,
    pub queries: PathBuf,
    pub base_labels: PathBuf,
    pub query_labels: PathBuf,
}

pub fn small_dataset(dir: &Path, n_base: usize, n_queries: usize, dims: usize) -> Files {
    let f = Files {
        base: dir.join("base.npy"),
        queries: dir.join("queries.npy"),
        base_labels: dir.join("base_labels.npy"),
        query_labels: dir.join("query_labels.npy"),
    };
    write_npy(
        &f.base,
        &[n_base as u64, dims as u64],
        &unit_rows(n_base, dims, 1),
    )
    .unwrap();
    write_npy(
        &f.queries,
        &[n_queries as u64, dims as u64],
        &unit_rows(n_queries, dims, 2),
    )
    .unwrap();
    let bl: Vec<i32> = (0..n_base as i32).map(|i| i % 3).collect();
    let ql: Vec<i32> = (0..n_queries as i32).map(|i| i % 3).collect();
    write_npy(&f.base_labels, &[n_base as u64], &bl).unwrap();
    write_npy(&f.query_labels, &[n_queries as u64], &ql).unwrap();
    f
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
