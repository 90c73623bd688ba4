//! Where binaryllm runs from: the repository root (configs, the shipped sample, the firmware
//! crate) and its git state, recorded in results and sidecars.

use std::path::{Path, PathBuf};

/// The repository root: `$BINARYLLM_ROOT`, else the first ancestor of the working directory
/// holding `configs/datasets.toml`, else the source tree this binary was built from.
pub fn repo_root() -> PathBuf {
    if let Some(r) = std::env::var_os("BINARYLLM_ROOT") {
        return PathBuf::from(r);
    }
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            if dir.join("configs/datasets.toml").is_file() {
                return dir.to_path_buf();
            }
        }
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if built.join("configs/datasets.toml").is_file() {
        return built.canonicalize().unwrap_or(built);
    }
    PathBuf::from(".")
}

/// `git -C root ARGS…`'s trimmed stdout, `None` when git is missing or fails (not a checkout).
pub fn git(root: &Path, args: &[&str]) -> Option<String> {
    std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// `git rev-parse HEAD` in `root`.
pub fn git_commit(root: &Path) -> Option<String> {
    git(root, &["rev-parse", "HEAD"])
}
