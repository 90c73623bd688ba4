//! binaryllm on Cortex-M: encode one embedding, compute Hamming distances and an exact top-10
//! over codes stored in flash, measure each step (instructions under QEMU, cycles on real
//! boards), and report it back as one postcard frame ([`binaryllm_core::report`]).
//!
//! * [`board`] — one folder per board in `boards/<name>/` (`memory.x` + `board.rs`), selected
//!   by a cargo feature; board-facing parts are `embedded-io` (serial) and a [`measure::Counter`];
//! * [`measure`] — the counters (SysTick with QEMU `-icount`, DWT `CYCCNT`), their calibration
//!   against a loop of known instruction count, and min/median/max statistics;
//! * [`memory`] — section sizes from linker symbols and stack use from painting;
//! * [`bench`] — the workloads and the parity digest;
//! * [`sink`] — the report frame on a serial port or as hex lines in the defmt log.
//!
//! A panic or HardFault ends a QEMU run with a non-zero exit code (semihosting) and a real-board
//! run with a defmt message and a fault that probe-rs reports (panic-probe).

#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[cfg(all(feature = "qemu", feature = "hardware"))]
compile_error!("pick exactly one board feature (add --no-default-features)");

#[macro_use]
mod fmt;

pub mod bench;
pub mod board;
pub mod measure;
pub mod memory;
pub mod mmio;
pub mod sink;
pub mod stored;

#[cfg(feature = "hardware")]
mod hardware;
#[cfg(feature = "qemu")]
mod qemu;

pub use board::{Active, Board};
