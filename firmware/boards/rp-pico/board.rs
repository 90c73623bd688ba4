//! Raspberry Pi Pico: RP2040, Cortex-M0+ (core 0). Counter: SysTick on the processor clock, so
//! its ticks are core cycles (the M0+ has no DWT cycle counter). Report: hex lines in the defmt
//! log over RTT (`probe-rs run` prints them).
//!
//! The boot ROM starts the core on the ring oscillator (about 6 MHz, board to board); cycle
//! counts do not depend on the clock frequency, only `counter_hz` (nominal) does. The second
//! stage bootloader (W25Q080 flash on the Pico) sets up XIP.

use crate::Board;
use crate::measure::SysTickCounter;
use crate::sink::DefmtHexSink;

/// Nominal core clock after reset (ring oscillator): only used for the `counter_hz` field.
const CORE_HZ: u32 = 6_000_000;

/// The second-stage bootloader, placed in `.boot2` by `boards/rp-pico/memory.x`.
// SAFETY: `link_section` only chooses where the static goes: `.boot2` is the 256-byte region
// that memory.x reserves at the start of flash for exactly this blob, which the RP2040 boot ROM
// copies to SRAM and runs; nothing else is placed there and Rust code never reads it.
#[allow(unsafe_code)]
#[unsafe(link_section = ".boot2")]
#[used]
pub static BOOT2: [u8; 256] = rp2040_boot2::BOOT_LOADER_W25Q080;

/// The Raspberry Pi Pico.
#[derive(Debug)]
pub struct Active;

impl Board for Active {
    type Counter = SysTickCounter;
    type Sink = DefmtHexSink;

    fn init() -> (Self::Counter, Self::Sink) {
        let Some(p) = cortex_m::Peripherals::take() else {
            crate::hardware::exit(false)
        };
        defmt::info!("binaryllm-firmware on rp-pico: SysTick core cycles");
        (
            SysTickCounter::new(p.SYST, CORE_HZ, false),
            DefmtHexSink::default(),
        )
    }

    fn exit(success: bool) -> ! {
        crate::hardware::exit(success)
    }
}
