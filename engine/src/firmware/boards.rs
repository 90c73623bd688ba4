//! The firmware boards' facts: `firmware/boards/<name>/board.toml`, one file per board, shared
//! with the firmware's build script (target, stored data, workload plan) and `scripts/test.sh`.
//! Compiled into the binary by `host/build.rs`, so `binaryllm firmware` needs no checkout.

use std::sync::OnceLock;

use anyhow::{Context, Result};
use serde::Deserialize;

include!(concat!(env!("OUT_DIR"), "/boards.rs"));

/// One board's `board.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardFacts {
    /// Board name (= firmware cargo feature = folder name).
    pub name: String,
    /// One line for people.
    pub description: String,
    /// The Rust target of the firmware.
    pub target: String,
    /// A real board (defmt over RTT, run by probe-rs) rather than QEMU.
    pub hardware: bool,
    /// Code widths with a stored database.
    pub code_bits: Vec<u32>,
    /// Code widths whose materialised Gaussian matrix is stored too.
    pub dense_bits: Vec<u32>,
    /// The learned projection file of `firmware/learned/` stored in flash.
    pub learned: Option<String>,
    /// Repetitions per workload kind.
    pub reps: Reps,
    /// QEMU machine and CPU (QEMU boards only).
    pub qemu: Option<QemuFacts>,
    /// probe-rs chip (real boards only).
    pub probe: Option<ProbeFacts>,
    /// Budgets `binaryllm firmware run` checks (none: parity only).
    pub budgets: Option<BudgetFacts>,
}

/// `[reps]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reps {
    /// Repetitions of the encode workloads.
    pub encode: u32,
    /// Repetitions of the top-k workloads.
    pub topk: u32,
    /// Repetitions of the Hamming workloads.
    pub hamming: u32,
}

/// `[qemu]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QemuFacts {
    /// QEMU `-machine`.
    pub machine: String,
    /// QEMU `-cpu`.
    pub cpu: String,
}

/// `[probe]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeFacts {
    /// probe-rs `--chip`.
    pub chip: String,
}

/// `[budgets]`: inclusive limits; an absent key is not checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetFacts {
    /// Every required workload must be in the report.
    #[serde(default)]
    pub required_workloads: bool,
    /// RAM: `.data + .bss + stack high-water`, bytes.
    pub ram_data_bss_stack_bytes: Option<u64>,
    /// Flash without the stored codes and matrices, bytes.
    pub flash_without_stored_codes_and_matrices_bytes: Option<u64>,
    /// One 256-bit Hamming distance (median), QEMU `-icount` instructions.
    pub hamming_256_bit_median_instructions: Option<u64>,
}

/// Every board, sorted by name (parsed once).
pub fn all() -> Result<&'static [BoardFacts]> {
    static BOARDS: OnceLock<std::result::Result<Vec<BoardFacts>, String>> = OnceLock::new();
    BOARDS
        .get_or_init(|| BOARD_FILES.iter().map(|(n, t)| parse(n, t)).collect())
        .as_deref()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

fn parse(name: &str, text: &str) -> std::result::Result<BoardFacts, String> {
    let facts: BoardFacts =
        toml::from_str(text).map_err(|e| format!("firmware/boards/{name}/board.toml: {e}"))?;
    if facts.name != name {
        return Err(format!(
            "firmware/boards/{name}/board.toml: name = {:?} differs from its folder",
            facts.name
        ));
    }
    Ok(facts)
}

/// The board called `name`.
pub fn find(name: &str) -> Result<&'static BoardFacts> {
    let boards = all()?;
    boards.iter().find(|b| b.name == name).with_context(|| {
        format!(
            "unknown board {name:?} (known: {})",
            boards
                .iter()
                .map(|b| b.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_board_file_parses_and_names_its_folder() {
        let boards = all().unwrap();
        let names: Vec<&str> = boards.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["nrf52840-dk", "qemu-m0", "qemu-m4f", "rp-pico"]);
        for b in boards {
            assert_eq!(
                b.qemu.is_some(),
                !b.hardware,
                "{}: [qemu] iff not hardware",
                b.name
            );
            assert_eq!(
                b.probe.is_some(),
                b.hardware,
                "{}: [probe] iff hardware",
                b.name
            );
            assert!(b.target.starts_with("thumbv"), "{}", b.name);
        }
        assert!(parse("x", "name = \"y\"").is_err());
    }

    /// firmware/.cargo/config.toml repeats the QEMU runners and probe-rs chips for cargo's own
    /// aliases: they must say what the board files say.
    #[test]
    fn cargo_config_of_the_firmware_agrees_with_the_board_files() {
        let config = include_str!("../../../firmware/.cargo/config.toml");
        let config: toml::Table = toml::from_str(config).unwrap();
        let aliases = config["alias"].as_table().unwrap();
        for b in all().unwrap() {
            let alias = aliases[&b.name].to_string();
            assert!(alias.contains(&b.target), "{}: alias {alias}", b.name);
            if let Some(q) = &b.qemu {
                let runner = config["target"][&b.target]["runner"].as_str().unwrap();
                let want = format!("-machine {} -cpu {} ", q.machine, q.cpu);
                assert!(
                    runner.contains(&want),
                    "{}: runner {runner} lacks {want}",
                    b.name
                );
                assert!(
                    runner.contains(&format!("uart-{}.cobs", b.name)),
                    "{runner}"
                );
            }
            if let Some(p) = &b.probe {
                assert!(
                    alias.contains(&format!("--chip {}", p.chip)),
                    "{}: {alias}",
                    b.name
                );
            }
        }
    }
}
