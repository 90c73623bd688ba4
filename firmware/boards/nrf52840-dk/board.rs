//! nRF52840-DK: nRF52840, Cortex-M4F at 64 MHz. Counter: DWT `CYCCNT` (core cycles).
//! Report: hex lines in the defmt log over RTT (`probe-rs run` prints them).
//!
//! The chip starts on its internal 64 MHz oscillator; nothing else needs configuring for the
//! bench (flash wait states are automatic), so this board needs no HAL.

use crate::Board;
use crate::measure::DwtCounter;
use crate::sink::DefmtHexSink;

/// Core clock of the nRF52840.
const CORE_HZ: u32 = 64_000_000;

/// The nRF52840-DK.
#[derive(Debug)]
pub struct Active;

impl Board for Active {
    type Counter = DwtCounter;
    type Sink = DefmtHexSink;

    fn init() -> (Self::Counter, Self::Sink) {
        let Some(p) = cortex_m::Peripherals::take() else {
            crate::hardware::exit(false)
        };
        defmt::info!(
            "binaryllm-firmware on nrf52840-dk: DWT cycles at {=u32} Hz",
            CORE_HZ
        );
        (
            DwtCounter::new(p.DCB, p.DWT, CORE_HZ),
            DefmtHexSink::default(),
        )
    }

    fn exit(success: bool) -> ! {
        crate::hardware::exit(success)
    }
}
