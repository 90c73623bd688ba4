//! Real-board support: defmt over RTT for logs, panic-probe for panics (a defmt message, then a
//! fault that ends `probe-rs run` with an error), and a HardFault handler that does the same.

use cortex_m_rt::{ExceptionFrame, exception};
use defmt_rtt as _;
use panic_probe as _;

/// Ends the run: a breakpoint, which makes `probe-rs run` stop (exit code 0), or a fault for a
/// failed run.
pub fn exit(success: bool) -> ! {
    if success {
        loop {
            cortex_m::asm::bkpt();
        }
    }
    panic_probe::hard_fault()
}

#[allow(unsafe_code)]
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    defmt::error!(
        "binaryllm-firmware: HardFault at pc {=u32:#010x} (lr {=u32:#010x})",
        frame.pc(),
        frame.lr()
    );
    loop {
        cortex_m::asm::bkpt();
    }
}
