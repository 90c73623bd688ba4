#![no_std]
#![no_main]
use binaryllm_firmware as _;
#[cortex_m_rt::entry]
fn main() -> ! {
    loop {}
}
