//! Panics on purpose: under QEMU the run must end with exit code 1 and the panic message on
//! semihosting (checked by scripts/test.sh), never hang.

#![no_std]
#![no_main]

use binaryllm_firmware as _;
use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    let limit = core::hint::black_box(3u32);
    if limit < 4 {
        panic!("deliberate panic (limit {limit})");
    }
    loop {
        cortex_m::asm::wfi();
    }
}
