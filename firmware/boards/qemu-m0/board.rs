//! QEMU `microbit`: nRF51822, Cortex-M0 at 16 MHz, 16 KiB RAM. Counter: SysTick under `-icount`
//! (instructions; the M0 has no DWT). Report: nRF51 UART0 at `0x4000_2000`.

use crate::Board;
use crate::measure::SysTickCounter;
use crate::mmio::Registers;

/// Core clock of the nRF51 (QEMU's `HCLK_FRQ`).
const CORE_HZ: u32 = 16_000_000;

/// nRF51 UART (nRF51 Series Reference Manual, ch. 29): ENABLE = 4, STARTTX, then per byte
/// clear EVENTS_TXDRDY, write TXD, wait for EVENTS_TXDRDY.
#[derive(Debug)]
pub struct Nrf51Uart {
    regs: Registers,
}

impl Nrf51Uart {
    const STARTTX: usize = 0x008;
    const EVENTS_TXDRDY: usize = 0x11C;
    const ENABLE: usize = 0x500;
    const TXD: usize = 0x51C;

    fn new(regs: Registers) -> Self {
        let uart = Self { regs };
        uart.regs.write(Self::ENABLE, 4);
        uart.regs.write(Self::STARTTX, 1);
        uart
    }
}

impl embedded_io::ErrorType for Nrf51Uart {
    type Error = core::convert::Infallible;
}

impl embedded_io::Write for Nrf51Uart {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        for &b in buf {
            self.regs.write(Self::EVENTS_TXDRDY, 0);
            self.regs.write(Self::TXD, u32::from(b));
            while self.regs.read(Self::EVENTS_TXDRDY) == 0 {}
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// The micro:bit board under QEMU.
#[derive(Debug)]
pub struct Active;

impl Board for Active {
    type Counter = SysTickCounter;
    type Sink = Nrf51Uart;

    #[allow(unsafe_code)]
    fn init() -> (Self::Counter, Self::Sink) {
        let Some(p) = cortex_m::Peripherals::take() else {
            crate::qemu::exit(false)
        };
        (
            SysTickCounter::new(p.SYST, CORE_HZ, true),
            // SAFETY: the UART0 register block of this machine, driven only by this sink.
            Nrf51Uart::new(unsafe { Registers::new(0x4000_2000) }),
        )
    }

    fn exit(success: bool) -> ! {
        crate::qemu::exit(success)
    }
}
