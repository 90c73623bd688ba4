//! Memory use: section sizes from the linker symbols of cortex-m-rt's `link.x`, and stack use
//! from painting (cortex-m-rt's `paint-stack` fills the stack with `0xCCCC_CCCC` before `main`;
//! [`StackMeter`] repaints the free part before each workload and finds the deepest word that
//! lost its paint).

use binaryllm_core::report::Memory;

/// The paint value of cortex-m-rt's `paint-stack` feature.
pub const PAINT: u32 = 0xCCCC_CCCC;

/// Bytes below the stack pointer that [`StackMeter::begin`] leaves unpainted (the painting loop
/// uses registers only; this is a safety margin).
const REPAINT_MARGIN: usize = 16;

#[allow(unsafe_code)]
mod symbols {
    // Addresses only: these symbols are defined by cortex-m-rt's link.x and the board's
    // memory.x; nothing is read through them.
    unsafe extern "C" {
        pub safe static __stext: u8;
        pub safe static __etext: u8;
        pub safe static __srodata: u8;
        pub safe static __erodata: u8;
        pub safe static __sdata: u8;
        pub safe static __edata: u8;
        pub safe static __sidata: u8;
        pub safe static __sbss: u8;
        pub safe static __ebss: u8;
        pub safe static _stack_start: u8;
        pub safe static _stack_end: u8;
        pub safe static _binaryllm_flash_start: u8;
    }
}

fn addr(s: &'static u8) -> usize {
    core::ptr::from_ref(s) as usize
}

/// The stack region `[end, start)` (the stack grows down from `start`).
pub fn stack_region() -> (usize, usize) {
    (addr(&symbols::_stack_end), addr(&symbols::_stack_start))
}

fn sat(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Section sizes from the linker symbols (stack fields left for [`StackMeter`]).
pub fn sections() -> Memory {
    use symbols::*;
    let data = addr(&__edata) - addr(&__sdata);
    let (end, start) = stack_region();
    Memory {
        text: sat(addr(&__etext) - addr(&__stext)),
        rodata: sat(addr(&__erodata) - addr(&__srodata)),
        data: sat(data),
        bss: sat(addr(&__ebss) - addr(&__sbss)),
        stack_high_water: 0,
        stack_region: sat(start - end),
        ram_total: 0,
        flash_total: sat(addr(&__sidata) + data - addr(&_binaryllm_flash_start)),
        stored_codes: sat(crate::stored::stored_codes_bytes()),
        stored_matrices: sat(crate::stored::stored_matrices_bytes()),
    }
}

#[allow(unsafe_code)]
fn read_word(address: usize) -> u32 {
    // SAFETY: `address` is a 4-aligned word of the stack region [_stack_end, _stack_start)
    // (callers iterate inside it), which is RAM owned by nobody but the stack; a volatile read
    // of it has no side effect.
    unsafe { core::ptr::read_volatile(address as *const u32) }
}

/// Lowest address in `[end, start)` whose word lost its paint (`start` if none).
fn lowest_used(end: usize, start: usize) -> usize {
    let mut a = end;
    while a < start {
        if read_word(a) != PAINT {
            return a;
        }
        a += 4;
    }
    start
}

/// Repaints the free stack `[end, sp - margin)`, with the stack pointer read inside the
/// critical section (interrupts masked, so no exception frame is being built there meanwhile).
#[allow(unsafe_code)]
fn repaint(end: usize) {
    cortex_m::interrupt::free(|_| {
        let below = (cortex_m::register::msp::read() as usize).saturating_sub(REPAINT_MARGIN);
        let mut a = end;
        while a + 4 <= below {
            // SAFETY: `[end, below)` is the part of the stack region strictly below the current
            // stack pointer minus a margin: no live frame is there (the stack grows down and
            // interrupts are masked), so overwriting it cannot corrupt anything.
            unsafe { core::ptr::write_volatile(a as *mut u32, PAINT) };
            a += 4;
        }
    });
}

/// Tracks the stack high-water over the run and per workload.
#[derive(Debug)]
pub struct StackMeter {
    end: usize,
    start: usize,
    lowest: usize,
    top: usize,
}

impl Default for StackMeter {
    fn default() -> Self {
        Self::new()
    }
}

impl StackMeter {
    /// A meter over the painted stack region.
    pub fn new() -> Self {
        let (end, start) = stack_region();
        Self {
            end,
            start,
            lowest: start,
            top: start,
        }
    }

    fn checkpoint(&mut self) -> usize {
        let low = lowest_used(self.end, self.start);
        self.lowest = self.lowest.min(low);
        low
    }

    /// Records the use so far, then repaints the free stack for one workload.
    pub fn begin(&mut self) {
        self.checkpoint();
        self.top = cortex_m::register::msp::read() as usize;
        repaint(self.end);
    }

    /// Bytes of stack used below the stack pointer at [`begin`](Self::begin) since then (this
    /// includes the few bytes of the meter's own frames).
    pub fn end(&mut self) -> u32 {
        let low = self.checkpoint();
        sat(self.top.saturating_sub(low))
    }

    /// Deepest stack use of the whole run so far, in bytes.
    pub fn high_water(&mut self) -> u32 {
        self.checkpoint();
        sat(self.start - self.lowest)
    }
}
