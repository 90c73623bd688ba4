//! Building the firmware (cargo in `firmware/`) and running it under QEMU with a timeout.

use crate::Stage;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A QEMU board of the firmware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QemuBoard {
    /// Board name (= firmware cargo feature).
    pub name: &'static str,
    /// Rust target of the firmware.
    pub target: &'static str,
    /// QEMU `-machine`.
    pub machine: &'static str,
    /// QEMU `-cpu`.
    pub cpu: &'static str,
}

/// `-icount shift`: 2^10 ns of virtual time per instruction (25.6 SysTick ticks per
/// instruction at 25 MHz, 16.384 at 16 MHz); the firmware recovers it from its calibration.
pub const ICOUNT_SHIFT: u8 = 10;

/// The QEMU boards: those of `firmware/boards/*/board.toml` with a `[qemu]` section.
pub fn qemu_boards() -> Result<Vec<QemuBoard>> {
    Ok(super::boards::all()?
        .iter()
        .filter_map(|b| {
            b.qemu.as_ref().map(|q| QemuBoard {
                name: &b.name,
                target: &b.target,
                machine: &q.machine,
                cpu: &q.cpu,
            })
        })
        .collect())
}

impl std::str::FromStr for QemuBoard {
    type Err = anyhow::Error;

    /// [`board`]: the QEMU board called `name`.
    fn from_str(name: &str) -> Result<Self> {
        board(name)
    }
}

/// The QEMU board called `name`.
pub fn board(name: &str) -> Result<QemuBoard> {
    let boards = qemu_boards()?;
    boards
        .iter()
        .copied()
        .find(|b| b.name == name)
        .with_context(|| {
            format!(
                "unknown QEMU board {name:?} (known: {})",
                boards.iter().map(|b| b.name).collect::<Vec<_>>().join(", ")
            )
        })
}

/// The firmware folder of this checkout (`<repo>/firmware`).
pub fn default_firmware_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("firmware")
}

/// Builds the bench for `board` in release mode; returns the ELF path.
pub fn build(firmware_dir: &Path, board: &QemuBoard) -> Result<PathBuf> {
    let manifest = firmware_dir.join("Cargo.toml");
    if !manifest.is_file() {
        bail!(
            "no firmware crate at {} (pass --firmware-dir)",
            firmware_dir.display()
        );
    }
    let target_dir = firmware_dir.join("target");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(&cargo)
        .current_dir(firmware_dir)
        .args(["build", "--release", "--no-default-features", "--features"])
        .arg(board.name)
        .args(["--target", board.target, "--bin", "bench", "--target-dir"])
        .arg(&target_dir)
        // Host-side settings must not leak into the cross build.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .with_context(|| {
            format!(
                "running {} build in {}",
                cargo.to_string_lossy(),
                firmware_dir.display()
            )
        })?;
    if !status.success() {
        bail!(
            "building the firmware for {} failed ({status}); is the rustup target {} installed?",
            board.name,
            board.target
        );
    }
    let elf = target_dir.join(board.target).join("release").join("bench");
    if !elf.is_file() {
        bail!("the firmware build left no ELF at {}", elf.display());
    }
    Ok(elf)
}

/// The QEMU command line for `board` running `elf`, UART to `serial`.
pub fn command(board: &QemuBoard, elf: &Path, serial: &Path) -> Command {
    let mut cmd = Command::new("qemu-system-arm");
    cmd.args(["-machine", board.machine, "-cpu", board.cpu])
        .args(["-display", "none", "-monitor", "none"])
        .args(["-semihosting-config", "enable=on,target=native"])
        .args(["-icount", &format!("shift={ICOUNT_SHIFT}")])
        .arg("-serial")
        .arg(format!("file:{}", serial.display()))
        .arg("-kernel")
        .arg(elf);
    cmd
}

/// How a child process ended.
#[derive(Debug)]
pub enum Outcome {
    /// It exited with this status.
    Exited(std::process::ExitStatus),
    /// It ran past the timeout and was killed.
    TimedOut,
}

/// Runs `cmd` with stdout and stderr to `log`, killing it after `timeout`.
pub fn run_with_timeout(mut cmd: Command, log: &Path, timeout: Duration) -> Result<Outcome> {
    let out = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let err = out.try_clone()?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .with_context(|| {
            format!(
                "starting {:?} (is it installed? CI installs qemu-system-arm with apt-get)",
                cmd.get_program()
            )
        })?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Outcome::Exited(status));
        }
        if start.elapsed() >= timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(Outcome::TimedOut);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The last `n` lines of a log file (for error messages).
pub fn log_tail(log: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Runs `elf` on `board` in QEMU: UART capture to `serial`, semihosting output to `log`.
/// Errors on a timeout (hung firmware) or a non-zero exit (panic, HardFault, failed run).
pub fn run(
    board: &QemuBoard,
    elf: &Path,
    serial: &Path,
    log: &Path,
    timeout: Duration,
) -> Result<()> {
    let _ = std::fs::remove_file(serial);
    match run_with_timeout(command(board, elf, serial), log, timeout)? {
        Outcome::TimedOut => bail!(
            "{}: QEMU ({}) running {} did not exit within {} s: the firmware hangs or the timeout is too short \
             (--timeout); last output:\n{}",
            Stage::Run,
            board.name,
            elf.display(),
            timeout.as_secs(),
            log_tail(log, 20)
        ),
        Outcome::Exited(status) if !status.success() => bail!(
            "{}: QEMU ({}) running {} exited with {status}: the firmware panicked, faulted or reported a \
             failure; last output:\n{}",
            Stage::Run,
            board.name,
            elf.display(),
            log_tail(log, 20)
        ),
        Outcome::Exited(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hanging_process_times_out() {
        let dir = std::env::temp_dir().join(format!("binaryllm-qemu-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo started; sleep 30"]);
        let t = Instant::now();
        let outcome = run_with_timeout(cmd, &dir.join("log"), Duration::from_millis(300)).unwrap();
        assert!(matches!(outcome, Outcome::TimedOut));
        assert!(t.elapsed() < Duration::from_secs(10));
        assert_eq!(log_tail(&dir.join("log"), 5), "started");
        let mut ok = Command::new("sh");
        ok.args(["-c", "exit 3"]);
        match run_with_timeout(ok, &dir.join("log2"), Duration::from_secs(10)).unwrap() {
            Outcome::Exited(s) => assert_eq!(s.code(), Some(3)),
            Outcome::TimedOut => panic!("exit 3 timed out"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn command_has_the_issue_flags() {
        let b = board("qemu-m4f").unwrap();
        let cmd = command(&b, Path::new("fw.elf"), Path::new("out/uart.cobs"));
        let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into()).collect();
        let line = args.join(" ");
        for flag in [
            "-machine mps2-an386",
            "-display none",
            "-monitor none",
            "-semihosting-config enable=on,target=native",
            "-icount shift=10",
            "-serial file:out/uart.cobs",
            "-kernel fw.elf",
        ] {
            assert!(line.contains(flag), "{flag} missing in {line}");
        }
        assert!(board("qemu-m7").is_err());
        // A real board is no QEMU board.
        assert!(board("rp-pico").is_err());
        let m0 = board("qemu-m0").unwrap();
        assert_eq!(
            (m0.machine, m0.cpu, m0.target),
            ("microbit", "cortex-m0", "thumbv6m-none-eabi")
        );
    }
}
