//! The bench: calibrate the counter, run every workload of the board's plan, measure memory,
//! send the report frame, exit (QEMU: exit code 0 only if nothing failed).

#![no_std]
#![no_main]

use binaryllm_core::report::Report;
use binaryllm_firmware::memory::StackMeter;
use binaryllm_firmware::sink::{MAX_PAYLOAD, send_report};
use binaryllm_firmware::{Active, Board, bench, stored};
use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    let mut stack = StackMeter::new();
    let (mut counter, mut sink) = Active::init();
    let mut report = Report::new(stored::BOARD, stored::TARGET, bench::spec());
    bench::run(&mut counter, &mut report, &mut stack);
    let mut scratch = [0u8; MAX_PAYLOAD];
    bench::finish(&mut report, &mut scratch, &mut stack);
    let sent = send_report(&mut sink, &report, &mut scratch).is_ok();
    Active::exit(sent && report.errors.is_empty() && report.dropped == 0)
}
