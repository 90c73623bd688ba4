//! Sending the report: one frame (`COBS(postcard ‖ CRC-32) ‖ 0x00`, see
//! [`binaryllm_core::report`]) written to an `embedded_io::Write` sink: a UART under QEMU, or
//! [`DefmtHexSink`] on real boards, which prints the frame bytes as hex lines in the defmt log
//! (`binaryllm-frame <hex>`) that `binaryllm firmware decode` reassembles.

use binaryllm_core::report::{FrameError, Report, cobs_encode_with, encode_payload_into};

/// Largest payload (postcard + CRC) the firmware sends.
pub const MAX_PAYLOAD: usize = 1536;

/// Why the report could not be sent.
#[derive(Debug)]
pub enum SendError<E> {
    /// The report did not fit the payload buffer.
    Frame(FrameError),
    /// The sink failed.
    Io(E),
}

/// Writes `report` as one frame to `sink`, using `scratch` for the payload; returns the frame
/// length in bytes.
pub fn send_report<W: embedded_io::Write>(
    sink: &mut W,
    report: &Report,
    scratch: &mut [u8],
) -> Result<usize, SendError<W::Error>> {
    let n = encode_payload_into(report, scratch).map_err(SendError::Frame)?;
    let payload = scratch.get(..n).unwrap_or(&[]);
    let mut written = 0usize;
    cobs_encode_with(payload, |piece| {
        written += piece.len();
        sink.write_all(piece)
    })
    .map_err(SendError::Io)?;
    sink.write_all(&[0]).map_err(SendError::Io)?;
    sink.flush().map_err(SendError::Io)?;
    Ok(written + 1)
}

/// Prints written bytes as `binaryllm-frame <hex>` lines of up to 32 bytes in the defmt log.
#[cfg(feature = "hardware")]
#[derive(Debug, Default)]
pub struct DefmtHexSink {
    line: heapless::Vec<u8, 32>,
}

#[cfg(feature = "hardware")]
impl DefmtHexSink {
    fn emit(&mut self) {
        if self.line.is_empty() {
            return;
        }
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 64];
        for (pair, b) in text.chunks_exact_mut(2).zip(self.line.iter()) {
            pair[0] = HEX[usize::from(b >> 4)];
            pair[1] = HEX[usize::from(b & 15)];
        }
        let hex = core::str::from_utf8(&text[..2 * self.line.len()]).unwrap_or("");
        defmt::println!("binaryllm-frame {=str}", hex);
        self.line.clear();
    }
}

#[cfg(feature = "hardware")]
impl embedded_io::ErrorType for DefmtHexSink {
    type Error = core::convert::Infallible;
}

#[cfg(feature = "hardware")]
impl embedded_io::Write for DefmtHexSink {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        for &b in buf {
            if self.line.push(b).is_err() {
                self.emit();
                let _ = self.line.push(b);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.emit();
        Ok(())
    }
}
