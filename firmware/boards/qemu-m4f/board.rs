//! QEMU `mps2-an386`: Cortex-M4F at 25 MHz. Counter: SysTick under `-icount` (instructions).
//! Report: CMSDK APB UART0 at `0x4000_4000` (QEMU `-serial file:...`).

use crate::Board;
use crate::measure::SysTickCounter;

/// Core clock of mps2-an386 (QEMU's `SYSCLK_FRQ`).
const CORE_HZ: u32 = 25_000_000;

/// CMSDK APB UART (ARM DDI 0479): DATA, STATE (bit 0: TX full), CTRL (bit 0: TX enable),
/// BAUDDIV (at least 16).
#[derive(Debug)]
pub struct CmsdkUart {
    base: usize,
}

impl CmsdkUart {
    const DATA: usize = 0x000;
    const STATE: usize = 0x004;
    const CTRL: usize = 0x008;
    const BAUDDIV: usize = 0x010;

    #[allow(unsafe_code)]
    fn write_reg(&self, offset: usize, value: u32) {
        // SAFETY: `base` is the UART0 block of mps2-an386 and `offset` one of its registers;
        // a volatile 32-bit store is how the device is programmed.
        unsafe { core::ptr::write_volatile((self.base + offset) as *mut u32, value) }
    }

    #[allow(unsafe_code)]
    fn read_reg(&self, offset: usize) -> u32 {
        // SAFETY: as in `write_reg`; reading STATE has no side effect.
        unsafe { core::ptr::read_volatile((self.base + offset) as *const u32) }
    }

    fn new(base: usize) -> Self {
        let uart = Self { base };
        uart.write_reg(Self::BAUDDIV, 16);
        uart.write_reg(Self::CTRL, 1);
        uart
    }
}

impl embedded_io::ErrorType for CmsdkUart {
    type Error = core::convert::Infallible;
}

impl embedded_io::Write for CmsdkUart {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        for &b in buf {
            while self.read_reg(Self::STATE) & 1 != 0 {}
            self.write_reg(Self::DATA, u32::from(b));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        while self.read_reg(Self::STATE) & 1 != 0 {}
        Ok(())
    }
}

/// The mps2-an386 board.
#[derive(Debug)]
pub struct Active;

impl Board for Active {
    type Counter = SysTickCounter;
    type Sink = CmsdkUart;

    fn init() -> (Self::Counter, Self::Sink) {
        let Some(p) = cortex_m::Peripherals::take() else {
            crate::qemu::exit(false)
        };
        (
            SysTickCounter::new(p.SYST, CORE_HZ, true),
            CmsdkUart::new(0x4000_4000),
        )
    }

    fn exit(success: bool) -> ! {
        crate::qemu::exit(success)
    }
}
