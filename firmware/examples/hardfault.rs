//! Faults on purpose (a read from an unmapped address escalates to HardFault): under QEMU the
//! run must end with exit code 1 and the fault address on semihosting (checked by
//! scripts/test.sh), never hang.

#![no_std]
#![no_main]

use binaryllm_firmware as _;
use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    let address = core::hint::black_box(0xFFFF_FFF0usize);
    // SAFETY: none: this read is meant to fault. The HardFault handler reports it and exits.
    #[allow(unsafe_code)]
    let value = unsafe { core::ptr::read_volatile(address as *const u32) };
    core::hint::black_box(value);
    loop {
        cortex_m::asm::wfi();
    }
}
