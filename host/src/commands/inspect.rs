//! `binaryllm inspect`: the bit-order doctor ([`binaryllm_engine::ops::inspect::inspect`]).

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;

use binaryllm_engine::Stage;
use binaryllm_engine::ops::inspect::{self, InspectRequest};

/// `binaryllm inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Codes made by another tool: a 2-D uint8, int8 or bool .npy (packed bytes, or one byte per
    /// bit), one row per float vector.
    #[arg(long, value_name = "FILE")]
    pub codes: PathBuf,
    /// The float vectors the codes were made from (.npy or .fvecs), the same rows in the same
    /// order; the codes must be their signs (bits = dims, no projection).
    #[arg(long, value_name = "FILE")]
    pub floats: PathBuf,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `inspect`: prints the findings with their evidence and the `convert` command; exits 1
/// when no single layout explains the codes.
pub fn exec(a: &InspectArgs) -> Result<()> {
    let report = inspect::inspect(&InspectRequest {
        codes: a.codes.clone(),
        floats: a.floats.clone(),
    })?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report.to_json())?);
    } else {
        for line in report.lines() {
            println!("{line}");
        }
    }
    if report.layout().is_none() {
        bail!(
            "{}: no single layout explains {} (see the report above)",
            Stage::Interop,
            a.codes.display()
        );
    }
    Ok(())
}
