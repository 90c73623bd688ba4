//! `firmware-report.json`, the printed table and the budgets.

use super::parity::HostParity;
use anyhow::{Context, Result};
use binaryllm_core::ProjectionKind;
use binaryllm_core::report::{CounterKind, Report, WorkloadKind};
use serde::Serialize;
use std::path::Path;

/// File name of the JSON report in the output folder.
pub const JSON_NAME: &str = "firmware-report.json";
/// The `format` of `firmware-report.json`.
pub const FORMAT: &str = "binaryllm-firmware-report";

/// One budget of issue 5, checked against the report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Budget {
    /// What is limited.
    pub name: &'static str,
    /// The measured value (`None` when the report lacks it, which fails the budget).
    pub value: Option<u64>,
    /// The limit (inclusive).
    pub limit: u64,
    /// Unit of value and limit.
    pub unit: &'static str,
    /// `value <= limit`.
    pub ok: bool,
}

fn budget(name: &'static str, value: Option<u64>, limit: u64, unit: &'static str) -> Budget {
    Budget {
        name,
        value,
        limit,
        unit,
        ok: value.is_some_and(|v| v <= limit),
    }
}

fn median_of(report: &Report, kind: WorkloadKind, bits: u32) -> Option<u64> {
    report
        .workloads
        .iter()
        .find(|w| w.kind == kind && w.bits == bits)
        .map(|w| w.median)
}

/// Flash without the stored database codes and matrices.
pub fn flash_without_stored(report: &Report) -> u64 {
    let m = &report.memory;
    u64::from(m.flash_total)
        .saturating_sub(u64::from(m.stored_codes))
        .saturating_sub(u64::from(m.stored_matrices))
}

/// The workloads a QEMU run must contain (at 256 bits unless `None`): the issue-5 budget
/// workload (matrix-free encode + top-10 over the stored codes) and every projection the
/// firmware supports (issue 7: Gaussian, Rademacher, Achlioptas and Hadamard matrix-free, and the learned
/// projection stored in flash).
pub const REQUIRED_WORKLOADS: [(WorkloadKind, Option<u32>); 6] = [
    (
        WorkloadKind::EncodeMatrixFree(ProjectionKind::Gaussian),
        Some(256),
    ),
    (
        WorkloadKind::EncodeMatrixFree(ProjectionKind::Rademacher),
        Some(256),
    ),
    (
        WorkloadKind::EncodeMatrixFree(ProjectionKind::Achlioptas),
        Some(256),
    ),
    (WorkloadKind::EncodeHadamard, Some(256)),
    (WorkloadKind::TopK, Some(256)),
    (WorkloadKind::EncodeLearned, None),
];

/// Number of [`REQUIRED_WORKLOADS`] missing from the report.
pub fn missing_workloads(report: &Report) -> u64 {
    REQUIRED_WORKLOADS
        .iter()
        .filter(|(kind, bits)| {
            !report
                .workloads
                .iter()
                .any(|w| w.kind == *kind && bits.is_none_or(|b| w.bits == b))
        })
        .count() as u64
}

/// The budgets of the board: its `[budgets]` in `firmware/boards/<board>/board.toml` (none for
/// boards without one, or a board the host does not know; parity is checked separately).
///
/// * `qemu-m4f`: RAM (`.data + .bss + stack high-water`) ≤ 16 KiB, flash without the stored
///   codes and matrices ≤ 64 KiB, one 256-bit Hamming distance ≤ 100 instructions, and the
///   [`REQUIRED_WORKLOADS`] present;
/// * `qemu-m0`: the same workloads present and RAM ≤ 16 KiB.
pub fn budgets(report: &Report) -> Vec<Budget> {
    let Some(limits) = super::boards::find(report.board.as_str())
        .ok()
        .and_then(|b| b.budgets)
    else {
        return Vec::new();
    };
    let instructions = report.counter == CounterKind::QemuIcountInstructions;
    let mut out = Vec::new();
    if limits.required_workloads {
        out.push(budget(
            "required_workloads_missing",
            Some(missing_workloads(report)),
            0,
            "workloads",
        ));
    }
    if let Some(limit) = limits.ram_data_bss_stack_bytes {
        let ram = Some(u64::from(report.memory.ram_total));
        out.push(budget("ram_data_bss_stack_bytes", ram, limit, "bytes"));
    }
    if let Some(limit) = limits.flash_without_stored_codes_and_matrices_bytes {
        out.push(budget(
            "flash_without_stored_codes_and_matrices_bytes",
            Some(flash_without_stored(report)),
            limit,
            "bytes",
        ));
    }
    if let Some(limit) = limits.hamming_256_bit_median_instructions {
        out.push(budget(
            "hamming_256_bit_median",
            median_of(report, WorkloadKind::Hamming, 256).filter(|_| instructions),
            limit,
            "qemu-icount-instructions",
        ));
    }
    out
}

#[derive(Serialize)]
struct JsonParity {
    device_digest: String,
    host_digest: String,
    #[serde(rename = "match")]
    matches: bool,
    codes: u32,
    neighbors: u32,
    distances: u32,
    topk_match: bool,
}

#[derive(Serialize)]
struct JsonMemory {
    text_bytes: u32,
    rodata_bytes: u32,
    data_bytes: u32,
    bss_bytes: u32,
    stack_high_water_bytes: u32,
    stack_region_bytes: u32,
    ram_total_bytes: u32,
    flash_total_bytes: u32,
    stored_codes_bytes: u32,
    stored_matrices_bytes: u32,
    flash_without_stored_bytes: u64,
}

#[derive(Serialize)]
struct JsonWorkload {
    name: &'static str,
    dims: u32,
    bits: u32,
    n: u32,
    k: u32,
    repetitions: u32,
    min: u64,
    median: u64,
    max: u64,
    per_unit: f64,
    unit: String,
    stack_bytes: u32,
}

#[derive(Serialize)]
struct JsonRatio {
    bits: u32,
    naive_median: u64,
    kernel_median: u64,
    naive_over_kernel: f64,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    /// Marks the file as binaryllm's (`crate::outfile`).
    format: &'static str,
    report_version: u16,
    board: &'a str,
    target: &'a str,
    counter: &'static str,
    kernel: &'a str,
    calibration: &'a binaryllm_core::report::Calibration,
    bench: &'a binaryllm_core::report::BenchSpec,
    parity: JsonParity,
    memory: JsonMemory,
    workloads: Vec<JsonWorkload>,
    hamming_naive_over_kernel: Vec<JsonRatio>,
    topk: &'a [binaryllm_core::Neighbor],
    budgets: &'a [Budget],
    errors: Vec<String>,
    dropped: u32,
    capture: String,
}

/// Naive per-bit over kernel median, per code width.
fn ratios(report: &Report) -> Vec<JsonRatio> {
    report
        .workloads
        .iter()
        .filter(|w| w.kind == WorkloadKind::Hamming)
        .filter_map(|k| {
            let naive = median_of(report, WorkloadKind::HammingNaive, k.bits)?;
            Some(JsonRatio {
                bits: k.bits,
                naive_median: naive,
                kernel_median: k.median,
                naive_over_kernel: naive as f64 / k.median.max(1) as f64,
            })
        })
        .collect()
}

/// The JSON text of the report.
pub fn json(
    report: &Report,
    host: &HostParity,
    budgets: &[Budget],
    capture: &Path,
) -> Result<String> {
    let m = &report.memory;
    let counter = report.counter.label();
    let doc = JsonReport {
        format: FORMAT,
        report_version: report.version,
        board: &report.board,
        target: &report.target,
        counter,
        kernel: &report.kernel,
        calibration: &report.calibration,
        bench: &report.bench,
        parity: JsonParity {
            device_digest: format!("{:#018x}", report.parity.digest),
            host_digest: format!("{:#018x}", host.parity.digest),
            matches: report.parity == host.parity,
            codes: report.parity.codes,
            neighbors: report.parity.neighbors,
            distances: report.parity.distances,
            topk_match: report.topk.as_slice() == host.topk.as_slice(),
        },
        memory: JsonMemory {
            text_bytes: m.text,
            rodata_bytes: m.rodata,
            data_bytes: m.data,
            bss_bytes: m.bss,
            stack_high_water_bytes: m.stack_high_water,
            stack_region_bytes: m.stack_region,
            ram_total_bytes: m.ram_total,
            flash_total_bytes: m.flash_total,
            stored_codes_bytes: m.stored_codes,
            stored_matrices_bytes: m.stored_matrices,
            flash_without_stored_bytes: flash_without_stored(report),
        },
        workloads: report
            .workloads
            .iter()
            .map(|w| JsonWorkload {
                name: w.kind.name(),
                dims: w.dims,
                bits: w.bits,
                n: w.n,
                k: w.k,
                repetitions: w.repetitions,
                min: w.min,
                median: w.median,
                max: w.max,
                per_unit: w.per_unit(),
                unit: format!("{counter}/{}", w.kind.unit()),
                stack_bytes: w.stack_bytes,
            })
            .collect(),
        hamming_naive_over_kernel: ratios(report),
        topk: &report.topk,
        budgets,
        errors: report.errors.iter().map(|e| e.to_string()).collect(),
        dropped: report.dropped,
        capture: capture.display().to_string(),
    };
    let mut text = serde_json::to_string_pretty(&doc).context("serialising the JSON report")?;
    text.push('\n');
    Ok(text)
}

/// The human-readable table.
pub fn table(report: &Report, host: &HostParity, budgets: &[Budget]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let c = report.counter.label();
    let _ = writeln!(
        s,
        "board {} ({}), counter {c}, kernel {}, report v{}",
        report.board, report.target, report.kernel, report.version
    );
    let cal = &report.calibration;
    let _ = writeln!(
        s,
        "calibration: {} Hz, icount shift {}, loop of {} instructions measured {}",
        cal.counter_hz,
        cal.icount_shift.map_or("-".into(), |v| v.to_string()),
        cal.loop_instructions,
        cal.loop_measured
    );
    workloads(&mut s, report);
    for r in ratios(report) {
        let _ = writeln!(
            s,
            "hamming {} bits: naive per-bit {} / kernel {} = {:.1}x",
            r.bits, r.naive_median, r.kernel_median, r.naive_over_kernel
        );
    }
    let m = &report.memory;
    let _ = writeln!(
        s,
        "memory: text {} rodata {} data {} bss {} | stack high-water {} of {} | RAM total {} | \
         flash total {} (stored codes {}, matrices {}; without them {})",
        m.text,
        m.rodata,
        m.data,
        m.bss,
        m.stack_high_water,
        m.stack_region,
        m.ram_total,
        m.flash_total,
        m.stored_codes,
        m.stored_matrices,
        flash_without_stored(report)
    );
    let ok = report.parity == host.parity;
    let _ = writeln!(
        s,
        "parity: device {:#018x} host {:#018x} ({} codes, {} distances, {} neighbours): {}",
        report.parity.digest,
        host.parity.digest,
        host.parity.codes,
        host.parity.distances,
        host.parity.neighbors,
        if ok { "MATCH" } else { "MISMATCH" }
    );
    for b in budgets {
        let _ = writeln!(
            s,
            "budget {}: {} <= {} {}: {}",
            b.name,
            b.value.map_or("missing".into(), |v| v.to_string()),
            b.limit,
            b.unit,
            if b.ok { "ok" } else { "EXCEEDED" }
        );
    }
    for e in &report.errors {
        let _ = writeln!(s, "device error: {e}");
    }
    s
}

/// The workload rows of [`table`]: timings in the report's counter unit per workload.
fn workloads(s: &mut String, report: &Report) {
    use std::fmt::Write as _;
    let c = report.counter.label();
    let _ = writeln!(
        s,
        "{:<31} {:>5} {:>5} {:>3} {:>4} {:>12} {:>12} {:>12} {:>12} {:>8}",
        "workload", "bits", "n", "k", "reps", "min", "median", "max", "per unit", "stack B"
    );
    for w in &report.workloads {
        let _ = writeln!(
            s,
            "{:<31} {:>5} {:>5} {:>3} {:>4} {:>12} {:>12} {:>12} {:>12.1} {:>8}  ({c}/{})",
            w.kind.name(),
            w.bits,
            w.n,
            w.k,
            w.repetitions,
            w.min,
            w.median,
            w.max,
            w.per_unit(),
            w.stack_bytes,
            w.kind.unit()
        );
    }
}
