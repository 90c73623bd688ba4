//! Build script of the firmware (host tooling, run by cargo before compiling the firmware):
//!
//! 1. picks the board from its cargo feature, reads its facts (`boards/<board>/board.toml`) and
//!    checks the target;
//! 2. puts `boards/<board>/memory.x` on the linker path and links with cortex-m-rt's `link.x`
//!    (and `defmt.x` on real boards), as in cortex-m-quickstart;
//! 3. generates the data stored in flash with the core's reference path: the `N = 1,024`
//!    database codes of the bench vectors (`binaryllm_core::report::bench_vector_into`) under the
//!    seeded Gaussian projection, and the materialised Gaussian matrices where they fit, plus
//!    `plan.rs` with the board's workload plan and the seeds (one source for both sides).

use binaryllm_core::report::bench_vector_into;
use binaryllm_core::{
    CodeLayout, DenseProjection, ProjectionKind, SeededProjection, Threshold, encode_into,
};
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// Input dimensions of every workload (all-MiniLM-L6-v2 size).
const DIMS: usize = 384;
/// Database codes per code width.
const N_CODES: usize = 1024;
/// `k` of the top-k workloads.
const K: usize = 10;
/// Seed of the bench vectors.
const DATA_SEED: u64 = 2025;
/// Seed of every projection.
const PROJECTION_SEED: u64 = 42;
/// The query is bench vector `N_CODES + 7` (cluster 7, not in the database).
const QUERY_INDEX: u32 = N_CODES as u32 + 7;

/// What one board runs and stores: `boards/<name>/board.toml` (the board's one file of facts;
/// the host reads the same file for its QEMU runner and budgets).
#[derive(Debug, serde::Deserialize)]
struct Plan {
    /// Board name (= cargo feature = folder in `boards/`).
    name: String,
    /// The Rust target it must be built for.
    target: String,
    /// Code widths with a stored database (each: encode, Hamming and top-k workloads).
    code_bits: Vec<usize>,
    /// Code widths whose materialised Gaussian matrix is stored in flash too.
    dense_bits: Vec<usize>,
    /// Repetitions of each workload kind.
    reps: Reps,
    /// Whether it is a real board (defmt over RTT) rather than QEMU (semihosting + UART).
    hardware: bool,
    /// The learned projection stored in flash: a file of `learned/` written by
    /// `binaryllm projection export --format rust` (see `learned/README.md`).
    learned: Option<String>,
}

/// `[reps]` of a board file.
#[derive(Debug, serde::Deserialize)]
struct Reps {
    encode: u32,
    topk: u32,
    hamming: u32,
}

/// The board folders of `boards/` (each has a `board.toml`), sorted by name.
fn board_dirs(manifest: &Path) -> Vec<PathBuf> {
    let boards = manifest.join("boards");
    let entries = fs::read_dir(&boards)
        .unwrap_or_else(|e| fail(&format!("reading {}: {e}", boards.display())));
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("board.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Reads and checks `dir/board.toml`.
fn read_plan(dir: &Path) -> Plan {
    let file = dir.join("board.toml");
    let text = fs::read_to_string(&file)
        .unwrap_or_else(|e| fail(&format!("reading {}: {e}", file.display())));
    let plan: Plan =
        toml::from_str(&text).unwrap_or_else(|e| fail(&format!("{}: {e}", file.display())));
    if dir.file_name().is_none_or(|n| n != plan.name.as_str()) {
        fail(&format!(
            "{}: name = {:?} differs from its folder",
            file.display(),
            plan.name
        ));
    }
    plan
}

fn feature_enabled(board: &str) -> bool {
    let var = format!(
        "CARGO_FEATURE_{}",
        board.to_ascii_uppercase().replace('-', "_")
    );
    env::var_os(var).is_some()
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let target = env::var("TARGET").expect("TARGET");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=boards");
    println!("cargo::rerun-if-changed=learned");
    // DWT CYCCNT exists on ARMv7-M / ARMv8-M mainline, not on ARMv6-M.
    println!("cargo::rustc-check-cfg=cfg(binaryllm_has_dwt)");
    if target.starts_with("thumbv7") || target.starts_with("thumbv8m.main") {
        println!("cargo::rustc-cfg=binaryllm_has_dwt");
    }

    let plans: Vec<Plan> = board_dirs(&manifest).iter().map(|d| read_plan(d)).collect();
    let chosen: Vec<&Plan> = plans.iter().filter(|p| feature_enabled(&p.name)).collect();
    let plan = match chosen.as_slice() {
        [one] => *one,
        [] => fail(&format!(
            "no board feature: pick one of {} (e.g. `--no-default-features --features qemu-m0`)",
            board_names(&plans)
        )),
        many => fail(&format!(
            "several board features ({}): pick exactly one (add --no-default-features)",
            many.iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    };
    if target != plan.target {
        fail(&format!(
            "board {} is built for {}, not {target}: add `--target {}` (or use the `cargo {}` alias)",
            plan.name, plan.target, plan.target, plan.name
        ));
    }

    // Linker scripts (cortex-m-quickstart's documented build.rs).
    let memory = manifest.join("boards").join(&plan.name).join("memory.x");
    fs::copy(&memory, out.join("memory.x"))
        .unwrap_or_else(|e| fail(&format!("copying {}: {e}", memory.display())));
    println!("cargo::rustc-link-search={}", out.display());
    println!("cargo::rustc-link-arg=--nmagic");
    println!("cargo::rustc-link-arg=-Tlink.x");
    if plan.hardware {
        println!("cargo::rustc-link-arg=-Tdefmt.x");
    }

    generate(plan, &out);
}

fn board_names(plans: &[Plan]) -> String {
    plans
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn fail(msg: &str) -> ! {
    println!("cargo::error=binaryllm-firmware: {msg}");
    std::process::exit(1);
}

/// The Gaussian projection of the database and of the dense matrices.
fn projection(bits: usize) -> SeededProjection {
    SeededProjection::new(ProjectionKind::Gaussian, PROJECTION_SEED, DIMS, bits)
        .unwrap_or_else(|e| fail(&format!("projection {DIMS}x{bits}: {e}")))
}

fn matrix(bits: usize) -> Vec<f32> {
    let mut w = vec![0f32; DIMS * bits];
    projection(bits)
        .materialize_into(&mut w)
        .unwrap_or_else(|e| fail(&format!("materialising {DIMS}x{bits}: {e}")));
    w
}

/// Database codes at `bits`: little-endian words, code after code. Encoded with the
/// materialised matrix, which the core guarantees bit-identical to the matrix-free path.
fn database(bits: usize) -> Vec<u8> {
    let w = matrix(bits);
    let p = DenseProjection::new(&w, DIMS, bits).unwrap_or_else(|e| fail(&e.to_string()));
    let words = CodeLayout::new(bits)
        .unwrap_or_else(|e| fail(&e.to_string()))
        .words();
    let mut x = vec![0f32; DIMS];
    let mut code = vec![0u64; words];
    let mut bytes = Vec::with_capacity(N_CODES * words * 8);
    for i in 0..N_CODES {
        bench_vector_into(DATA_SEED, i as u64, &mut x);
        encode_into(&p, &x, Threshold::Zero, &mut code)
            .unwrap_or_else(|e| fail(&format!("encoding bench vector {i}: {e}")));
        for word in &code {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
    }
    bytes
}

fn write_if_changed(path: &Path, bytes: &[u8]) {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return;
    }
    fs::write(path, bytes).unwrap_or_else(|e| fail(&format!("writing {}: {e}", path.display())));
}

fn list(values: &[usize]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn generate(plan: &Plan, out: &Path) {
    let mut rs = String::new();
    let _ = writeln!(rs, "// Generated by build.rs for board {}.", plan.name);
    let _ = writeln!(
        rs,
        "/// Board name.\npub const BOARD: &str = {:?};",
        plan.name
    );
    let _ = writeln!(
        rs,
        "/// Rust target.\npub const TARGET: &str = {:?};",
        plan.target
    );
    let _ = writeln!(rs, "/// Input dimensions.\npub const DIMS: usize = {DIMS};");
    let _ = writeln!(
        rs,
        "/// Database codes per width.\npub const N_CODES: usize = {N_CODES};"
    );
    let _ = writeln!(rs, "/// k of top-k.\npub const K: usize = {K};");
    let _ = writeln!(
        rs,
        "/// Bench vector seed.\npub const DATA_SEED: u64 = {DATA_SEED};"
    );
    let _ = writeln!(
        rs,
        "/// Projection seed.\npub const PROJECTION_SEED: u64 = {PROJECTION_SEED};"
    );
    let _ = writeln!(
        rs,
        "/// Query vector index.\npub const QUERY_INDEX: u32 = {QUERY_INDEX};"
    );
    let _ = writeln!(
        rs,
        "/// Repetitions (encode, top-k, Hamming).\npub const REPS: Reps = Reps {{ encode: {}, topk: {}, hamming: {} }};",
        plan.reps.encode, plan.reps.topk, plan.reps.hamming
    );
    let mut codes = Vec::new();
    for &bits in &plan.code_bits {
        let name = format!("codes-gaussian-{bits}.bin");
        write_if_changed(&out.join(&name), &database(bits));
        let _ = writeln!(
            rs,
            "static CODES_{bits}: Aligned<[u8; {}]> = Aligned(*include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{name}\")));",
            N_CODES * CodeLayout::new(bits).map(|l| l.words()).unwrap_or(0) * 8
        );
        codes.push(format!("Stored {{ bits: {bits}, bytes: &CODES_{bits}.0 }}"));
    }
    let mut dense = Vec::new();
    for &bits in &plan.dense_bits {
        let name = format!("matrix-gaussian-{bits}.bin");
        let bytes: Vec<u8> = matrix(bits).iter().flat_map(|v| v.to_le_bytes()).collect();
        write_if_changed(&out.join(&name), &bytes);
        let _ = writeln!(
            rs,
            "static MATRIX_{bits}: Aligned<[u8; {}]> = Aligned(*include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{name}\")));",
            bytes.len()
        );
        dense.push(format!(
            "Stored {{ bits: {bits}, bytes: &MATRIX_{bits}.0 }}"
        ));
    }
    let _ = writeln!(
        rs,
        "/// Database codes in flash, one per width ({}).\npub static DATABASES: &[Stored] = &[{}];",
        list(&plan.code_bits),
        codes.join(", ")
    );
    let _ = writeln!(
        rs,
        "/// Materialised Gaussian matrices in flash ({}).\npub static MATRICES: &[Stored] = &[{}];",
        list(&plan.dense_bits),
        dense.join(", ")
    );
    match plan.learned.as_deref() {
        Some(file) => {
            let path = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"))
                .join("learned")
                .join(file);
            if !path.is_file() {
                fail(&format!(
                    "the learned projection {} is missing",
                    path.display()
                ));
            }
            let _ = writeln!(
                rs,
                "/// The learned projection `learned/{file}` (generated by `binaryllm projection export --format rust`).\n\
                 pub mod learned_projection {{ include!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/learned/{file}\")); }}\n\
                 const _: () = assert!(learned_projection::PROJECTION_DIMS == DIMS, \"the learned projection's dims differ from the bench's\");\n\
                 /// The learned projection in flash.\n\
                 pub static LEARNED: Option<Learned> = Some(Learned {{ name: {file:?}, dims: learned_projection::PROJECTION_DIMS, bits: learned_projection::PROJECTION_BITS, matrix: &learned_projection::PROJECTION_MATRIX, thresholds: &learned_projection::PROJECTION_THRESHOLDS }});"
            );
        }
        None => {
            let _ = writeln!(
                rs,
                "/// No learned projection on this board.\npub static LEARNED: Option<Learned> = None;"
            );
        }
    }
    write_if_changed(&out.join("plan.rs"), rs.as_bytes());
}
