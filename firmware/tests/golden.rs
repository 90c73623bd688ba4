//! On-target golden tests (`harness = false`): the conformance suite's golden checks
//! (`binaryllm_conformance::run_all`, the same expected bytes as on the host) plus the
//! firmware's own checks, run on the device. Prints every failure and a closing line
//! `N passed, N failed`; the exit code is the verdict (QEMU: semihosting exit 0 or 1).
//!
//! `cargo golden-m4f` / `cargo golden-m0` (aliases in `.cargo/config.toml`).

#![no_std]
#![no_main]

use binaryllm_core::Kernel;
#[cfg(not(feature = "qemu-m0"))]
use binaryllm_core::report::{
    BenchSpec, REPORT_VERSION, Report, Workload, WorkloadKind, decode_frame, encode_frame_into,
};
use binaryllm_core::rng::SeededStream;
use binaryllm_firmware::measure::{
    Counter, calibrate, raw_ticks, recover_icount_shift, spin, ticks_to_instructions,
};
use binaryllm_firmware::memory::StackMeter;
use binaryllm_firmware::{Active, Board, bench};
use core::hint::black_box;
use cortex_m_rt::entry;

#[cfg(feature = "qemu")]
use cortex_m_semihosting::hprintln as say;
#[cfg(feature = "hardware")]
use defmt::println as say;

struct Tally {
    passed: u32,
    failed: u32,
}

impl Tally {
    fn check(&mut self, name: &'static str, ok: bool) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            say!("FAILED {}", name);
        }
    }
}

/// The counter calibrates to exact instruction counts under QEMU, and a loop of known length
/// measures exactly its instructions at several lengths.
#[inline(never)]
fn check_calibration<C: Counter>(t: &mut Tally, counter: &mut C) {
    let cal = calibrate(counter);
    let emulated = cfg!(feature = "qemu");
    if emulated {
        t.check(
            "calibration_recovers_icount_shift",
            cal.calibration.icount_shift == Some(10),
        );
        t.check(
            "calibration_loop_measures_its_instructions",
            cal.calibration.loop_measured == u64::from(cal.calibration.loop_instructions),
        );
        let lengths = black_box([10u32, 100, 1_000, 25_000]);
        let mut measured = [0u64; 4];
        for (m, &n) in measured.iter_mut().zip(lengths.iter()) {
            *m = cal.convert(raw_ticks(counter, &mut || spin(n)));
        }
        // Every length costs 2 instructions per iteration plus the same call overhead.
        let base = measured[0] - 2 * u64::from(lengths[0]);
        let exact = measured
            .iter()
            .zip(lengths.iter())
            .all(|(&m, &n)| m == base + 2 * u64::from(n));
        t.check(
            "known_loops_measure_exactly_2n_plus_call",
            exact && base < 16,
        );
    }
    t.check(
        "icount_conversion_is_exact",
        ticks_to_instructions(25_600, 25_000_000, 10) == 1_000
            && ticks_to_instructions(16_384, 16_000_000, 10) == 1_000
            && recover_icount_shift(2_560_000, 100_000, 25_000_000) == Some(10)
            && recover_icount_shift(2_570_000, 100_000, 25_000_000).is_none(),
    );
}

/// The dispatched kernel and the naive per-bit baseline equal the portable kernel on random
/// codes of every width from 1 to 20 words.
#[inline(never)]
fn check_kernels(t: &mut Tally) {
    let mut s = SeededStream::new(7, *b"fwkernel", 0);
    let mut a = [0u64; 20];
    let mut b = [0u64; 20];
    let kernel = Kernel::detect();
    let mut ok_k = true;
    let mut ok_n = true;
    for round in 0..40 {
        for (x, y) in a.iter_mut().zip(b.iter_mut()) {
            let w =
                |s: &mut SeededStream| (u64::from(s.next_u32()) << 32) | u64::from(s.next_u32());
            *x = w(&mut s);
            // Every few rounds: all bits differ, or sparse differences.
            *y = match round % 4 {
                0 => !*x,
                1 => *x ^ (1 << (s.next_u32() % 64)),
                _ => w(&mut s),
            };
        }
        for n in 0..=a.len() {
            let want = Kernel::PORTABLE.distance(&a[..n], &b[..n]);
            ok_k &= kernel.distance(&a[..n], &b[..n]) == want;
            ok_n &= bench::naive_hamming(&a[..n], &b[..n]) == want;
        }
    }
    t.check("dispatched_kernel_matches_portable_on_target", ok_k);
    t.check("naive_per_bit_matches_portable_on_target", ok_n);
}

#[inline(never)]
fn use_stack(bytes: usize) -> u32 {
    let mut buf = [0u8; 1024];
    for (i, b) in buf.iter_mut().take(bytes).enumerate() {
        *b = i as u8;
    }
    black_box(&mut buf);
    buf.iter().map(|&b| u32::from(b)).sum()
}

/// Stack painting sees a 1 KiB buffer, and not much more (its frame, a memset frame and a
/// possible SysTick exception frame are the rest: under 512 bytes).
#[inline(never)]
fn check_stack(t: &mut Tally) {
    let mut meter = StackMeter::new();
    meter.begin();
    black_box(use_stack(1024));
    let used = meter.end();
    if !(1024..1024 + 512).contains(&used) {
        say!("stack meter saw {} bytes", used);
    }
    t.check(
        "stack_meter_sees_a_1_kib_frame",
        (1024..1024 + 512).contains(&used),
    );
}

/// A report survives the frame encoding on the device byte for byte. (Each check is
/// `inline(never)`: inlined into `main`, their frames would add up on the M0's 16 KiB stack.)
#[cfg(not(feature = "qemu-m0"))]
#[inline(never)]
fn check_report_round_trip(t: &mut Tally) {
    let mut r = Report::new(
        "qemu-test",
        "thumb",
        BenchSpec {
            dims: 384,
            n: 1024,
            k: 10,
            data_seed: 1,
            projection_seed: 2,
            database_kind: binaryllm_core::ProjectionKind::Gaussian,
            query_index: 3,
            learned: None,
        },
    );
    r.push_workload(Workload {
        kind: WorkloadKind::TopK,
        dims: 384,
        bits: 256,
        n: 1024,
        k: 10,
        repetitions: 7,
        min: u64::MAX - 1,
        median: 5,
        max: u64::MAX,
        stack_bytes: 9,
    });
    let mut scratch = [0u8; 256];
    let mut frame = [0u8; 300];
    let ok = match encode_frame_into(&r, &mut scratch, &mut frame) {
        Ok(n) => decode_frame(&frame[..n], &mut scratch).is_ok_and(|back| back == r),
        Err(_) => false,
    };
    t.check(
        "report_frame_round_trips_on_target",
        ok && r.version == REPORT_VERSION,
    );
}

#[entry]
fn main() -> ! {
    let (mut counter, _sink) = Active::init();
    let mut t = Tally {
        passed: 0,
        failed: 0,
    };
    let golden = binaryllm_conformance::run_all(&mut |name, ok| t.check(name, ok));
    let _ = golden;
    check_calibration(&mut t, &mut counter);
    check_kernels(&mut t);
    check_stack(&mut t);
    // The device only encodes reports; decoding one back with postcard (a 32-workload report is
    // moved several times on the way) needs more stack than the micro:bit's 16 KiB of RAM, so
    // the round trip runs on the M4F and the boards with more RAM.
    #[cfg(not(feature = "qemu-m0"))]
    check_report_round_trip(&mut t);
    say!("{} passed, {} failed", t.passed, t.failed);
    Active::exit(t.failed == 0)
}
