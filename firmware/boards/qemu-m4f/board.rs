//! QEMU `mps2-an386`: Cortex-M4F at 25 MHz. Counter: SysTick under `-icount` (instructions).
//! Report: CMSDK APB UART0 at `0x4000_4000` (QEMU `-serial file:...`).

use crate::Board;
use crate::measure::SysTickCounter;
use crate::mmio::Registers;

/// Core clock of mps2-an386 (QEMU's `SYSCLK_FRQ`).
const CORE_HZ: u32 = 25_000_000;

/// CMSDK APB UART (ARM DDI 0479): DATA, STATE (bit 0: TX full), CTRL (bit 0: TX enable),
/// BAUDDIV (at least 16).
#[derive(Debug)]
pub struct CmsdkUart {
    regs: Registers,
}

impl CmsdkUart {
    const DATA: usize = 0x000;
    const STATE: usize = 0x004;
    const CTRL: usize = 0x008;
    const BAUDDIV: usize = 0x010;

    fn new(regs: Registers) -> Self {
        let uart = Self { regs };
        uart.regs.write(Self::BAUDDIV, 16);
        uart.regs.write(Self::CTRL, 1);
        uart
    }
}

impl embedded_io::ErrorType for CmsdkUart {
    type Error = core::convert::Infallible;
}

impl embedded_io::Write for CmsdkUart {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        for &b in buf {
            while self.regs.read(Self::STATE) & 1 != 0 {}
            self.regs.write(Self::DATA, u32::from(b));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        while self.regs.read(Self::STATE) & 1 != 0 {}
        Ok(())
    }
}

/// The mps2-an386 board.
#[derive(Debug)]
pub struct Active;

impl Board for Active {
    type Counter = SysTickCounter;
    type Sink = CmsdkUart;

    #[allow(unsafe_code)]
    fn init() -> (Self::Counter, Self::Sink) {
        let Some(p) = cortex_m::Peripherals::take() else {
            crate::qemu::exit(false)
        };
        (
            SysTickCounter::new(p.SYST, CORE_HZ, true),
            // SAFETY: the UART0 register block of this machine, driven only by this sink.
            CmsdkUart::new(unsafe { Registers::new(0x4000_4000) }),
        )
    }

    fn exit(success: bool) -> ! {
        crate::qemu::exit(success)
    }
}
