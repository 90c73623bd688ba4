//! Records the compiler version for `results.json` (`rustc`), and compiles in the firmware
//! boards' facts (`firmware/boards/<name>/board.toml`, read by `binaryllm firmware`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=BINARYLLM_RUSTC={version}");
    println!("cargo:rerun-if-env-changed=RUSTC");
    board_files();
}

/// Writes `$OUT_DIR/boards.rs`: `BOARD_FILES`, one `(name, include_str!(board.toml))` per
/// folder of `firmware/boards/` that has a `board.toml`, sorted by name.
fn board_files() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let boards = manifest.join("..").join("firmware").join("boards");
    println!("cargo:rerun-if-changed={}", boards.display());
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(&boards)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.join("board.toml").is_file())
                .filter_map(|p| {
                    let name = p.file_name()?.to_str()?.to_owned();
                    Some((name, p.join("board.toml")))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    let mut rs = String::from(
        "/// `(board name, contents of firmware/boards/<name>/board.toml)`, sorted by name.\n\
         pub const BOARD_FILES: &[(&str, &str)] = &[\n",
    );
    for (name, file) in &found {
        println!("cargo:rerun-if-changed={}", file.display());
        let _ = writeln!(rs, "    ({name:?}, include_str!({:?})),", abs(file));
    }
    rs.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("boards.rs");
    if std::fs::read_to_string(&out).ok().as_deref() != Some(rs.as_str()) {
        std::fs::write(&out, rs).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
    }
}

fn abs(p: &Path) -> String {
    std::fs::canonicalize(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}
