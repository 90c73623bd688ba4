//! `binaryllm firmware`: run the Cortex-M firmware under QEMU (or decode a capture from a real
//! board), check that the device computed exactly what the host's reference path computes
//! (parity digest), check the budgets, and write `firmware-report.json` plus a table.
//!
//! * [`boards`] — the boards' facts (`firmware/boards/<name>/board.toml`), compiled in;
//! * [`capture`] — raw UART bytes or `binaryllm-frame <hex>` log lines → the report frame;
//! * [`parity`] — the host side of the parity digest;
//! * [`learned`] — the learned projections stored by the firmware, compiled in from its files;
//! * [`qemu`] — building the firmware and running QEMU with a timeout;
//! * [`summary`] — JSON, table, budgets.

pub mod boards;
pub mod capture;
pub mod learned;
pub mod parity;
pub mod qemu;
pub mod summary;

use crate::Stage;
use anyhow::{Context, Result, bail};
use binaryllm_core::report::{CounterKind, Report};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::outfile::{Target, Written};
use crate::progress::Progress;

/// What `binaryllm firmware run` does: build (or take) an ELF, run it under QEMU, decode, check.
#[derive(Clone, Debug)]
pub struct RunRequest {
    /// QEMU board (`"qemu-m4f".parse()`: Cortex-M4F, mps2-an386; `qemu-m0`: Cortex-M0,
    /// micro:bit).
    pub board: qemu::QemuBoard,
    /// Output folder.
    pub out: PathBuf,
    /// The firmware crate (default: firmware/ of this checkout).
    pub firmware_dir: Option<PathBuf>,
    /// Run this ELF instead of building the firmware.
    pub elf: Option<PathBuf>,
    /// Seconds QEMU may run before it is killed and the run fails.
    pub timeout: u64,
    /// Replace an existing output folder that binaryllm wrote (README, "Outputs").
    pub force: bool,
}

/// What `binaryllm firmware decode` does: decode a capture from a real board, check it.
#[derive(Clone, Debug)]
pub struct DecodeRequest {
    /// The capture: raw frame bytes, or a text log with `binaryllm-frame <hex>` lines.
    pub input: PathBuf,
    /// Output folder for firmware-report.json.
    pub out: PathBuf,
    /// Replace an existing firmware-report.json that binaryllm wrote (README, "Outputs").
    pub force: bool,
}

/// What [`run`] and [`decode`] produced: the checked report's table, the output written, and
/// the verdict. The outputs are written whatever the verdict, so a failed parity check can be
/// inspected; a front end shows `table` and `written`, then fails with `verdict`'s error.
#[derive(Debug)]
pub struct Finished {
    /// The human-readable table of the report (workloads, parity, budgets).
    pub table: String,
    /// What was written.
    pub written: Written,
    /// `Ok` when parity, budgets and the device's errors pass; else an error naming every
    /// failure.
    pub verdict: Result<()>,
}

/// Decodes a captured report, checks parity (and the budgets of QEMU boards), writes
/// `firmware-report.json`.
pub fn decode(req: &DecodeRequest) -> Result<Finished> {
    let target = Target::json(&req.out.join(summary::JSON_NAME), req.force)?;
    let report = capture::decode_file(&req.input)?;
    write_report(&report, &req.input, target)
}

/// Builds the firmware (or takes `req.elf`), runs it in QEMU, decodes its report, checks
/// parity and budgets, and writes the run folder; the build and the QEMU run are reported as
/// stages of `progress`.
pub fn run(req: &RunRequest, progress: &dyn Progress) -> Result<Finished> {
    let args = req;
    let target = Target::dir(&args.out, args.force)?;
    let board = args.board;
    let elf = match &args.elf {
        Some(elf) => elf.clone(),
        None => {
            let dir = args
                .firmware_dir
                .clone()
                .unwrap_or_else(qemu::default_firmware_dir);
            progress.stage(&format!(
                "building firmware for {} ({})",
                board.name, board.target
            ));
            qemu::build(&dir, &board)?
        }
    };
    if !elf.is_file() {
        bail!("{}: no firmware ELF at {}", Stage::Load, elf.display());
    }
    // A partial folder: a failure leaves nothing (its error carries the log's last lines).
    let rd = target.create_dir()?;
    let names = [
        format!("uart-{}.cobs", board.name),
        format!("qemu-{}.log", board.name),
    ];
    let (serial, log) = (rd.path().join(&names[0]), rd.path().join(&names[1]));
    progress.stage(&format!(
        "running {} in QEMU ({})",
        elf.display(),
        board.machine
    ));
    qemu::run(
        &board,
        &elf,
        &serial,
        &log,
        Duration::from_secs(args.timeout),
    )?;
    let report = capture::decode_file(&serial)?;
    if report.board.as_str() != board.name {
        bail!(
            "{}: the report of {} comes from board {:?}, not {}",
            Stage::Decode,
            args.out.join(&names[0]).display(),
            report.board.as_str(),
            board.name
        );
    }
    let checked = check(&report, &args.out.join(&names[0]))?;
    let json = checked.json.as_bytes();
    crate::data::atomic_write(&rd.path().join(summary::JSON_NAME), |w| w.write_all(json))
        .context(Stage::Output)?;
    let notices = rd.notices().to_vec();
    let path = rd.commit()?;
    let what = format!("{}, {}, {}", summary::JSON_NAME, names[0], names[1]);
    Ok(Finished {
        table: checked.table,
        written: Written::dir(path, what).with_notices(notices),
        verdict: checked.verdict,
    })
}

/// A decoded report, checked: its JSON, its table and the verdict (an error naming every
/// failure).
#[derive(Debug)]
pub struct Checked {
    /// `firmware-report.json`.
    pub json: String,
    /// The human-readable table.
    pub table: String,
    /// `Ok` when parity, budgets and the device's errors pass.
    pub verdict: Result<()>,
}

/// Writes `out/firmware-report.json` (refused when it exists) for `report` decoded from
/// `capture`; errors after writing when anything failed (the verdict).
pub fn check_and_write(report: &Report, capture: &Path, out: &Path) -> Result<()> {
    let target = Target::json(&out.join(summary::JSON_NAME), false)?;
    write_report(report, capture, target)?.verdict
}

/// Checks `report` and writes its JSON to `target`.
pub fn write_report(report: &Report, capture: &Path, target: Target) -> Result<Finished> {
    let checked = check(report, capture)?;
    let what = format!("firmware report of board {}", report.board.as_str());
    let written = target.write(checked.json.as_bytes(), None, what, "JSON")?;
    Ok(Finished {
        table: checked.table,
        written,
        verdict: checked.verdict,
    })
}

/// Recomputes parity and evaluates budgets.
pub fn check(report: &Report, capture: &Path) -> Result<Checked> {
    let host = parity::host_parity(report).context("recomputing the parity digest on the host")?;
    let budgets = summary::budgets(report);
    let json = summary::json(report, &host, &budgets, capture)?;
    let table = summary::table(report, &host, &budgets);
    Ok(Checked {
        json,
        table,
        verdict: verdict(report, &host, &budgets),
    })
}

fn verdict(report: &Report, host: &parity::HostParity, budgets: &[summary::Budget]) -> Result<()> {
    let mut failures = Vec::new();
    if report.parity != host.parity {
        failures.push(format!(
            "parity mismatch: device digest {:#018x} ({} codes, {} distances, {} neighbours), \
             host {:#018x} ({} codes, {} distances, {} neighbours)",
            report.parity.digest,
            report.parity.codes,
            report.parity.distances,
            report.parity.neighbors,
            host.parity.digest,
            host.parity.codes,
            host.parity.distances,
            host.parity.neighbors
        ));
    }
    if report.topk.as_slice() != host.topk.as_slice() {
        failures.push("the device's top-k differs from the host's".into());
    }
    if report.board.starts_with("qemu-") {
        let cal = &report.calibration;
        if report.counter != CounterKind::QemuIcountInstructions
            || cal.loop_measured != u64::from(cal.loop_instructions)
        {
            failures.push(format!(
                "counter not calibrated to instructions ({}: loop of {} instructions measured {}); \
                 was QEMU run with -icount?",
                report.counter.label(),
                cal.loop_instructions,
                cal.loop_measured
            ));
        }
    }
    for b in budgets.iter().filter(|b| !b.ok) {
        failures.push(format!(
            "budget {} exceeded: {} > {} {}",
            b.name,
            b.value.map_or("missing".into(), |v| v.to_string()),
            b.limit,
            b.unit
        ));
    }
    if !report.errors.is_empty() || report.dropped != 0 {
        failures.push(format!(
            "the device reported {} error(s) ({} dropped)",
            report.errors.len(),
            report.dropped
        ));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        bail!("{}", failures.join("; "))
    }
}
