//! QEMU support: a panic or HardFault prints its cause over semihosting and makes QEMU exit
//! with a non-zero code, so a CI run can never hang or pass by accident.

use core::panic::PanicInfo;
use cortex_m_rt::{ExceptionFrame, exception};
use cortex_m_semihosting::{debug, hprintln};

/// Ends the QEMU run: exit code 0 on success, 1 otherwise.
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Not reached under QEMU; without a debugger, park the core.
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    cortex_m::interrupt::disable();
    hprintln!("binaryllm-firmware: panic: {}", info);
    exit(false)
}

#[allow(unsafe_code)]
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    hprintln!(
        "binaryllm-firmware: HardFault at pc {:#010x} (lr {:#010x})",
        frame.pc(),
        frame.lr()
    );
    exit(false)
}
