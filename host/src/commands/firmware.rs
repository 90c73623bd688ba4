//! `binaryllm firmware run|decode` ([`binaryllm_engine::firmware`]).

use std::path::PathBuf;

use binaryllm_engine::firmware::qemu::QemuBoard;

/// `binaryllm firmware …`
#[derive(Debug, clap::Subcommand)]
pub enum FirmwareCommand {
    /// Build the firmware, run it in QEMU, decode its report, check parity and budgets.
    ///
    /// Writes `DIR/firmware-report.json`, `DIR/uart-BOARD.cobs` (the raw capture) and
    /// `DIR/qemu-BOARD.log`. Exits non-zero on a build or QEMU failure, a timeout, a corrupt
    /// frame, a version mismatch, a parity mismatch or an exceeded budget.
    Run(FirmwareRunArgs),
    /// Decode a captured report (raw serial bytes or a probe-rs/defmt log with
    /// `binaryllm-frame` lines), check parity (and the budgets of QEMU boards).
    Decode(FirmwareDecodeArgs),
}

/// Arguments of `binaryllm firmware run`.
#[derive(Debug, clap::Args)]
pub struct FirmwareRunArgs {
    /// QEMU board: qemu-m4f (Cortex-M4F, mps2-an386) or qemu-m0 (Cortex-M0, micro:bit).
    #[arg(long, default_value = "qemu-m4f", value_parser = str::parse::<QemuBoard>)]
    pub board: QemuBoard,
    /// Output folder.
    #[arg(long, default_value = "runs/firmware")]
    pub out: PathBuf,
    /// The firmware crate (default: firmware/ of this checkout).
    #[arg(long)]
    pub firmware_dir: Option<PathBuf>,
    /// Run this ELF instead of building the firmware.
    #[arg(long)]
    pub elf: Option<PathBuf>,
    /// Seconds QEMU may run before it is killed and the run fails.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Replace an existing output folder that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `binaryllm firmware decode`.
#[derive(Debug, clap::Args)]
pub struct FirmwareDecodeArgs {
    /// The capture: raw frame bytes, or a text log with `binaryllm-frame <hex>` lines.
    #[arg(long)]
    pub input: PathBuf,
    /// Output folder for firmware-report.json.
    #[arg(long, default_value = "runs/firmware")]
    pub out: PathBuf,
    /// Replace an existing firmware-report.json that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

impl FirmwareCommand {
    /// Builds the library request and runs it.
    pub fn exec(self) -> anyhow::Result<()> {
        use binaryllm_engine::firmware::{self, DecodeRequest, RunRequest};
        use binaryllm_engine::progress::Lines;
        let done = match self {
            FirmwareCommand::Run(a) => firmware::run(
                &RunRequest {
                    board: a.board,
                    out: a.out,
                    firmware_dir: a.firmware_dir,
                    elf: a.elf,
                    timeout: a.timeout,
                    force: a.force,
                },
                &Lines::new(false),
            )?,
            FirmwareCommand::Decode(a) => firmware::decode(&DecodeRequest {
                input: a.input,
                out: a.out,
                force: a.force,
            })?,
        };
        print!("{}", done.table);
        super::print_written(&done.written);
        done.verdict
    }
}
