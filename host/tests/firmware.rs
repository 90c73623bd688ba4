//! `binaryllm firmware` on real device captures: reports written by the firmware under QEMU
//! (`tests/data/firmware-*-v2.cobs`, the raw UART bytes of `binaryllm firmware run`) decode,
//! their parity digest matches the host's reference path, the budgets pass, and every kind of
//! damage is a clear error with a non-zero exit.

use binaryllm_core::report::FrameError;
use binaryllm_engine::firmware::{capture, check_and_write, learned, summary};
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join(name)
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("binaryllm-fw-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn json(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join(summary::JSON_NAME)).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn device_captures_decode_with_parity_and_budgets() {
    for (board, bits) in [("qemu-m4f", 1024), ("qemu-m0", 256)] {
        let input = data(&format!("firmware-{board}-v2.cobs"));
        let report = capture::decode_file(&input).unwrap();
        assert_eq!(report.board.as_str(), board);
        let out = out_dir(board);
        check_and_write(&report, &input, &out).unwrap();
        let j = json(&out);
        assert_eq!(j["report_version"], 2);
        assert_eq!(j["counter"], "qemu-icount-instructions");
        assert_eq!(j["parity"]["match"], true);
        assert_eq!(j["parity"]["device_digest"], j["parity"]["host_digest"]);
        for key in [
            "text_bytes",
            "rodata_bytes",
            "data_bytes",
            "bss_bytes",
            "stack_high_water_bytes",
            "ram_total_bytes",
            "flash_total_bytes",
        ] {
            assert!(j["memory"][key].is_u64(), "{board}: memory.{key}");
        }
        let workloads = j["workloads"].as_array().unwrap();
        assert!(
            workloads
                .iter()
                .any(|w| w["name"] == "encode-learned" && w["bits"] == 64),
            "{board}: encode-learned"
        );
        for name in [
            "encode-matrix-free-gaussian",
            "encode-matrix-free-rademacher",
            "encode-matrix-free-achlioptas",
            "encode-matrix-free-hadamard",
        ] {
            assert!(
                workloads
                    .iter()
                    .any(|w| w["name"] == name && w["bits"] == 256),
                "{board}: {name} at 256 bits"
            );
        }
        let top = workloads
            .iter()
            .find(|w| w["name"] == "topk-flash" && w["bits"] == bits)
            .unwrap();
        assert_eq!(
            (top["n"].as_u64(), top["k"].as_u64()),
            (Some(1024), Some(10))
        );
        for w in workloads {
            for key in [
                "name",
                "dims",
                "bits",
                "n",
                "k",
                "repetitions",
                "min",
                "median",
                "max",
            ] {
                assert!(!w[key].is_null(), "{board}: workload key {key}");
            }
            assert!(w["min"].as_u64() <= w["median"].as_u64());
            assert!(w["median"].as_u64() <= w["max"].as_u64());
            assert!(
                w["unit"]
                    .as_str()
                    .unwrap()
                    .starts_with("qemu-icount-instructions/")
            );
        }
        assert!(
            j["budgets"]
                .as_array()
                .unwrap()
                .iter()
                .all(|b| b["ok"] == true)
        );
        std::fs::remove_dir_all(&out).unwrap();
    }
}

#[test]
fn a_defmt_hex_log_decodes_like_the_raw_capture() {
    let raw = std::fs::read(data("firmware-qemu-m0-v2.cobs")).unwrap();
    let mut log = String::from("INFO  binaryllm-firmware on rp-pico\n");
    for chunk in raw.chunks(32) {
        let hex: String = chunk.iter().map(|b| format!("{b:02x}")).collect();
        log.push_str(&format!("[INFO ] binaryllm-frame {hex} (bench.rs:12)\n"));
    }
    log.push_str("INFO  done\n");
    assert_eq!(
        capture::decode(log.as_bytes()).unwrap(),
        capture::decode(&raw).unwrap()
    );
}

#[test]
fn parity_mismatch_fails_after_writing_the_report() {
    let input = data("firmware-qemu-m4f-v2.cobs");
    let mut report = capture::decode_file(&input).unwrap();
    report.parity.digest ^= 1;
    let out = out_dir("mismatch");
    let err = check_and_write(&report, &input, &out).unwrap_err();
    assert!(format!("{err:#}").contains("parity mismatch"), "{err:#}");
    assert_eq!(json(&out)["parity"]["match"], false);
    std::fs::remove_dir_all(&out).unwrap();
}

fn learned_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("firmware")
        .join("learned")
}

/// The committed `firmware/learned/itq-64.rs` is exactly what `projection export --format rust`
/// makes of the committed artefact, and the host's compiled-in copy (which the parity check
/// uses) holds the same values. CI also retrains the artefact (`firmware/learned/make.sh`).
#[test]
fn the_firmware_learned_projection_is_the_exported_artefact() {
    let dir = learned_dir();
    let artefact = binaryllm_engine::projection::artefact::load(&dir.join("itq-64")).unwrap();
    let committed = std::fs::read_to_string(dir.join("itq-64.rs")).unwrap();
    assert!(
        binaryllm_engine::projection::artefact::rust_source(&artefact) == committed,
        "firmware/learned/itq-64.rs differs from the export of firmware/learned/itq-64: run \
         `bash firmware/learned/make.sh firmware/learned`"
    );
    let [compiled] = learned::ARTEFACTS else {
        panic!("one learned artefact expected");
    };
    assert_eq!((compiled.dims, compiled.bits), (384, 64));
    assert_eq!(compiled.matrix, artefact.matrix.as_slice());
    assert_eq!(compiled.thresholds, artefact.thresholds.as_slice());
    // The QEMU captures name this very artefact.
    for board in ["qemu-m4f", "qemu-m0"] {
        let report = capture::decode_file(&data(&format!("firmware-{board}-v2.cobs"))).unwrap();
        let spec = report.bench.learned.unwrap();
        assert_eq!(spec.digest, compiled.digest(), "{board}");
        assert_eq!(learned::find(&spec).unwrap().name, "itq-64.rs");
    }
}

#[test]
fn an_unknown_learned_projection_is_a_clear_error() {
    let input = data("firmware-qemu-m4f-v2.cobs");
    let mut report = capture::decode_file(&input).unwrap();
    if let Some(l) = report.bench.learned.as_mut() {
        l.digest ^= 1;
    }
    let out = out_dir("unknown-learned");
    let err = check_and_write(&report, &input, &out).unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("learned projection") && msg.contains("itq-64.rs"),
        "{msg}"
    );
    assert!(
        !out.join(summary::JSON_NAME).exists(),
        "no output on failure"
    );
}

#[test]
fn a_missing_workload_fails_the_run() {
    let input = data("firmware-qemu-m0-v2.cobs");
    let mut report = capture::decode_file(&input).unwrap();
    let before = report.workloads.len();
    report
        .workloads
        .retain(|w| w.kind != binaryllm_core::report::WorkloadKind::EncodeHadamard);
    assert!(report.workloads.len() < before);
    let out = out_dir("missing");
    let err = check_and_write(&report, &input, &out).unwrap_err();
    let msg = format!("{err:#}");
    // The device's digest covers the Hadamard codes the host no longer folds in, and the
    // required-workload check names the gap.
    assert!(msg.contains("parity mismatch"), "{msg}");
    assert!(
        msg.contains("budget required_workloads_missing exceeded"),
        "{msg}"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn exceeded_budgets_fail() {
    let input = data("firmware-qemu-m4f-v2.cobs");
    let mut report = capture::decode_file(&input).unwrap();
    report.memory.ram_total = 16 * 1024 + 1;
    let out = out_dir("budget");
    let err = check_and_write(&report, &input, &out).unwrap_err();
    assert!(
        format!("{err:#}").contains("budget ram_data_bss_stack_bytes exceeded"),
        "{err:#}"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn damaged_captures_are_typed_errors() {
    let raw = std::fs::read(data("firmware-qemu-m4f-v2.cobs")).unwrap();
    let mut flipped = raw.clone();
    let at = flipped.iter().position(|&b| b > 1 && b != 0xFF).unwrap() + 3;
    flipped[at] = flipped[at].wrapping_add(1).max(1);
    assert!(matches!(
        capture::decode_bytes(&flipped),
        Err(FrameError::Crc { .. } | FrameError::Cobs { .. })
    ));
    assert!(matches!(
        capture::decode_bytes(&raw[..raw.len() - 10]),
        Err(FrameError::Truncated { .. })
    ));
    let mut trailing = raw.clone();
    trailing.push(0x42);
    assert!(matches!(
        capture::decode_bytes(&trailing),
        Err(FrameError::TrailingGarbage { .. })
    ));
}

#[test]
fn the_cli_decodes_and_exits_non_zero_on_damage() {
    let exe = env!("CARGO_BIN_EXE_binaryllm");
    let out = out_dir("cli");
    let ok = Command::new(exe)
        .args(["firmware", "decode", "--input"])
        .arg(data("firmware-qemu-m4f-v2.cobs"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        stdout.contains("MATCH") && stdout.contains("hamming-kernel"),
        "{stdout}"
    );

    let bad = out.join("truncated.cobs");
    let raw = std::fs::read(data("firmware-qemu-m4f-v2.cobs")).unwrap();
    std::fs::write(&bad, &raw[..100]).unwrap();
    let fail = Command::new(exe)
        .args(["firmware", "decode", "--input"])
        .arg(&bad)
        .arg("--out")
        .arg(out.join("bad"))
        .output()
        .unwrap();
    assert_eq!(fail.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&fail.stderr);
    assert!(
        stderr.contains("truncated frame") && stderr.contains("truncated.cobs"),
        "{stderr}"
    );
    assert!(
        !out.join("bad").join(summary::JSON_NAME).exists(),
        "no output on failure"
    );
    std::fs::remove_dir_all(&out).unwrap();
}
