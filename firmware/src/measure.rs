//! Counters, their calibration and the statistics of repeated measurements.
//!
//! * [`SysTickCounter`]: SysTick clocked by the core, reload `0xFF_FFFF`, wraps counted by its
//!   exception. Under QEMU `-icount shift=N` virtual time advances `2^N` ns per instruction, so
//!   SysTick gives `ticks = instructions · 2^N · f_core / 10⁹` exactly; [`calibrate`] recovers
//!   `N` from a loop of known instruction count and the results are converted to instructions
//!   (`"counter": "qemu-icount-instructions"`, never cycles). On a real M0/M0+ (no DWT) SysTick
//!   counts core cycles.
//! * [`DwtCounter`] (M3/M4/M7 only): DWT `CYCCNT`, core cycles. It reads 0 under QEMU.
//!
//! Every sample is `now(); work(); now()` minus the raw overhead of an empty measurement.

use binaryllm_core::report::{Calibration, CounterKind};
use core::hint::black_box;
use core::sync::atomic::{AtomicU32, Ordering, compiler_fence};
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::{SCB, SYST};
use cortex_m_rt::exception;

/// A free-running counter of raw ticks.
pub trait Counter {
    /// Raw ticks since start, monotonic (64-bit, extended in software).
    fn now(&mut self) -> u64;
    /// Tick frequency in Hz.
    fn hz(&self) -> u32;
    /// What the ticks count once calibrated: [`CounterKind::Cycles`] on hardware,
    /// [`CounterKind::QemuIcountInstructions`] for SysTick under QEMU.
    fn kind(&self) -> CounterKind;
}

/// SysTick wraps (2²⁴ ticks each), counted by the SysTick exception.
static WRAPS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    // Only this handler writes WRAPS: load + store is enough (thumbv6m has no atomic RMW).
    WRAPS.store(
        WRAPS.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
}

const SYST_RELOAD: u32 = 0x00FF_FFFF;

/// SysTick as a 64-bit tick counter.
#[allow(missing_debug_implementations)]
pub struct SysTickCounter {
    _syst: SYST,
    hz: u32,
    kind: CounterKind,
}

impl SysTickCounter {
    /// Starts SysTick on the core clock (`hz`), reload `0xFF_FFFF`, wrap exception on.
    /// `emulated`: the board runs under QEMU (ticks become instructions after calibration).
    pub fn new(mut syst: SYST, hz: u32, emulated: bool) -> Self {
        syst.disable_counter();
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(SYST_RELOAD);
        syst.clear_current();
        syst.enable_interrupt();
        syst.enable_counter();
        Self {
            _syst: syst,
            hz,
            kind: if emulated {
                CounterKind::QemuIcountInstructions
            } else {
                CounterKind::Cycles
            },
        }
    }
}

impl Counter for SysTickCounter {
    #[inline(never)]
    fn now(&mut self) -> u64 {
        loop {
            let w1 = WRAPS.load(Ordering::Relaxed);
            let cvr = SYST::get_current();
            let pending = SCB::is_pendst_pending();
            let w2 = WRAPS.load(Ordering::Relaxed);
            if w1 == w2 {
                // A wrap whose exception is not taken yet: the reload already happened if the
                // value read is high.
                let wraps = if pending && cvr > SYST_RELOAD / 2 {
                    w1.wrapping_add(1)
                } else {
                    w1
                };
                return (u64::from(wraps) << 24) + u64::from(SYST_RELOAD - cvr);
            }
        }
    }

    fn hz(&self) -> u32 {
        self.hz
    }

    fn kind(&self) -> CounterKind {
        self.kind
    }
}

/// DWT `CYCCNT` extended to 64 bits (M3/M4/M7; call [`Counter::now`] at least once per 2³²
/// cycles).
#[cfg(binaryllm_has_dwt)]
#[allow(missing_debug_implementations)]
pub struct DwtCounter {
    _dwt: cortex_m::peripheral::DWT,
    hz: u32,
    high: u32,
    last: u32,
}

#[cfg(binaryllm_has_dwt)]
impl DwtCounter {
    /// Enables trace and the cycle counter; `hz` is the core clock.
    pub fn new(
        mut dcb: cortex_m::peripheral::DCB,
        mut dwt: cortex_m::peripheral::DWT,
        hz: u32,
    ) -> Self {
        dcb.enable_trace();
        cortex_m::peripheral::DWT::unlock();
        dwt.set_cycle_count(0);
        dwt.enable_cycle_counter();
        Self {
            _dwt: dwt,
            hz,
            high: 0,
            last: 0,
        }
    }
}

#[cfg(binaryllm_has_dwt)]
impl Counter for DwtCounter {
    #[inline(never)]
    fn now(&mut self) -> u64 {
        let c = cortex_m::peripheral::DWT::cycle_count();
        if c < self.last {
            self.high = self.high.wrapping_add(1);
        }
        self.last = c;
        (u64::from(self.high) << 32) | u64::from(c)
    }

    fn hz(&self) -> u32 {
        self.hz
    }

    fn kind(&self) -> CounterKind {
        CounterKind::Cycles
    }
}

/// Counts down `iterations` times with `subs` + `bne`: exactly `2 · iterations` instructions
/// (plus the call), on every M profile.
#[inline(never)]
pub fn spin(iterations: u32) {
    if iterations == 0 {
        return;
    }
    // SAFETY: a register-only countdown loop that touches no stack; `iterations > 0` so it ends
    // after `iterations` rounds. It is not marked `nomem` on purpose: the compiler must treat
    // it as opaque, or it may move it out of the measured region.
    #[allow(unsafe_code)]
    unsafe {
        core::arch::asm!(
            "2:",
            "subs {n}, #1",
            "bne 2b",
            n = inout(reg) iterations => _,
            options(nostack),
        );
    }
}

/// Raw ticks of `f`: `now(); f(); now()`.
///
/// Not inlined, and `f` is called through `dyn`: the compiler can neither sink the caller's
/// pending arithmetic into the measured region nor hoist `f`'s work out of it (a call with
/// unknown effects stays between the two volatile counter reads). The empty-closure overhead,
/// measured the same way by [`calibrate`], is subtracted later.
#[inline(never)]
pub fn raw_ticks<C: Counter>(counter: &mut C, f: &mut dyn FnMut()) -> u64 {
    compiler_fence(Ordering::SeqCst);
    let t0 = counter.now();
    compiler_fence(Ordering::SeqCst);
    f();
    compiler_fence(Ordering::SeqCst);
    let t1 = counter.now();
    compiler_fence(Ordering::SeqCst);
    t1.wrapping_sub(t0)
}

/// The loop lengths of the calibration: the difference cancels the call overhead.
pub const CALIBRATION_SHORT: u32 = 1_000;
/// See [`CALIBRATION_SHORT`].
pub const CALIBRATION_LONG: u32 = 51_000;

/// A counter with its calibration: converts raw ticks into counter units.
#[derive(Clone, Copy, Debug)]
pub struct Calibrated {
    /// What the units are.
    pub kind: CounterKind,
    /// The calibration, as reported.
    pub calibration: Calibration,
}

impl Calibrated {
    /// Raw ticks (overhead not yet removed) to counter units.
    pub fn convert(&self, raw: u64) -> u64 {
        let ticks = raw.saturating_sub(u64::from(self.calibration.overhead_ticks));
        self.ticks_to_units(ticks)
    }

    fn ticks_to_units(&self, ticks: u64) -> u64 {
        match (self.kind, self.calibration.icount_shift) {
            (CounterKind::QemuIcountInstructions, Some(shift)) => {
                ticks_to_instructions(ticks, self.calibration.counter_hz, shift)
            }
            _ => ticks,
        }
    }
}

/// `round(ticks · 10⁹ / (2^shift · hz))`: instructions from SysTick ticks under QEMU icount.
#[inline(never)]
pub fn ticks_to_instructions(ticks: u64, hz: u32, shift: u8) -> u64 {
    let den = u128::from(hz) << shift;
    if den == 0 {
        return ticks;
    }
    let v = (u128::from(ticks) * 1_000_000_000 + den / 2) / den;
    u64::try_from(v).unwrap_or(u64::MAX)
}

#[inline(never)]
/// The QEMU `-icount` shift that explains `ticks` over `instructions`, if one does exactly
/// (within one tick): `ticks = instructions · 2^shift · hz / 10⁹`.
pub fn recover_icount_shift(ticks: u64, instructions: u64, hz: u32) -> Option<u8> {
    (0u8..=16).find(|&shift| {
        let expected = u128::from(instructions) * (u128::from(hz) << shift) / 1_000_000_000;
        expected.abs_diff(u128::from(ticks)) <= 1 && expected > 0
    })
}

/// Measures the empty-measurement overhead and the calibration loop, and decides the units.
#[inline(never)]
pub fn calibrate<C: Counter>(counter: &mut C) -> Calibrated {
    let mut overhead = u64::MAX;
    for _ in 0..16 {
        overhead = overhead.min(raw_ticks(counter, &mut || ()));
    }
    // The shortest of a few runs: a SysTick wrap inside a run adds its handler. Both lengths go
    // through the same closure code (the count is loaded, never an immediate whose encoding
    // could differ).
    let lengths = black_box([CALIBRATION_SHORT, CALIBRATION_LONG]);
    let mut best = [u64::MAX; 2];
    for _ in 0..3 {
        for (b, &n) in best.iter_mut().zip(lengths.iter()) {
            *b = (*b).min(raw_ticks(counter, &mut || spin(n)));
        }
    }
    let [short, long] = best;
    let loop_instructions = 2 * (CALIBRATION_LONG - CALIBRATION_SHORT);
    let loop_ticks = long.saturating_sub(short);
    let hz = counter.hz();
    let mut kind = counter.kind();
    let icount_shift = match kind {
        CounterKind::QemuIcountInstructions => {
            recover_icount_shift(loop_ticks, u64::from(loop_instructions), hz)
        }
        _ => None,
    };
    if kind == CounterKind::QemuIcountInstructions && icount_shift.is_none() {
        kind = CounterKind::UncalibratedTicks;
    }
    let mut c = Calibrated {
        kind,
        calibration: Calibration {
            counter_hz: hz,
            icount_shift,
            overhead_ticks: u32::try_from(overhead).unwrap_or(u32::MAX),
            loop_instructions,
            loop_measured: 0,
        },
    };
    c.calibration.loop_measured = c.ticks_to_units(loop_ticks);
    c
}

/// Sorts a few samples in place (insertion sort: a few dozen bytes of code, where the library
/// sort costs kilobytes of flash).
fn insertion_sort(v: &mut [u64]) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && v[j - 1] > v[j] {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// min / median (lower) / max of `samples` (sorted in place); zeros for no samples.
pub fn summarize(samples: &mut [u64]) -> (u64, u64, u64) {
    insertion_sort(samples);
    match (samples.first(), samples.last()) {
        (Some(&min), Some(&max)) => {
            let median = samples.get((samples.len() - 1) / 2).copied().unwrap_or(min);
            (min, median, max)
        }
        _ => (0, 0, 0),
    }
}
