//! A block of 32-bit memory-mapped device registers, for the small UART drivers of the QEMU
//! boards (the one place those boards need `unsafe`).

/// Registers at `base + offset`.
#[derive(Debug, Clone, Copy)]
pub struct Registers {
    base: usize,
}

impl Registers {
    /// The register block at `base`.
    ///
    /// # Safety
    ///
    /// `base` must be the address of a device register block that nothing else drives, and
    /// every offset later passed to [`read`](Self::read) / [`write`](Self::write) must be one
    /// of its 4-aligned registers, where a 32-bit volatile access has no effect beyond the
    /// device's documented one.
    #[allow(unsafe_code)]
    pub const unsafe fn new(base: usize) -> Self {
        Self { base }
    }

    /// Volatile 32-bit load of register `offset`.
    #[allow(unsafe_code)]
    pub fn read(&self, offset: usize) -> u32 {
        // SAFETY: `new`'s contract: `base + offset` is a register of this device block.
        unsafe { core::ptr::read_volatile((self.base + offset) as *const u32) }
    }

    /// Volatile 32-bit store to register `offset`.
    #[allow(unsafe_code)]
    pub fn write(&self, offset: usize, value: u32) {
        // SAFETY: `new`'s contract: `base + offset` is a register of this device block.
        unsafe { core::ptr::write_volatile((self.base + offset) as *mut u32, value) }
    }
}
