//! The board abstraction: each board is one folder `boards/<name>/` holding its `memory.x` and
//! a `board.rs` that implements [`Board`] (a counter, a report sink, an exit), selected by the
//! cargo feature of the same name. A new board is a new folder, a feature and a row in
//! `build.rs`'s plan table.

use crate::measure::Counter;

/// What the bench needs from a board.
pub trait Board {
    /// The counter the workloads are measured with.
    type Counter: Counter;
    /// Where the report frame goes (a UART, or the defmt log as hex lines): the `embedded-io`
    /// serial trait of the embedded-hal 1.0 family.
    type Sink: embedded_io::Write;

    /// Takes the core peripherals and brings up the counter and the sink (called once).
    fn init() -> (Self::Counter, Self::Sink);

    /// Ends the run (QEMU: semihosting exit code; real boards: breakpoint or fault).
    fn exit(success: bool) -> !;
}

#[cfg(feature = "qemu-m4f")]
#[path = "../boards/qemu-m4f/board.rs"]
mod imp;

#[cfg(feature = "qemu-m0")]
#[path = "../boards/qemu-m0/board.rs"]
mod imp;

#[cfg(feature = "nrf52840-dk")]
#[path = "../boards/nrf52840-dk/board.rs"]
mod imp;

#[cfg(feature = "rp-pico")]
#[path = "../boards/rp-pico/board.rs"]
mod imp;

pub use imp::Active;
