//! Captures of the report frame: the raw bytes of a serial port (QEMU `-serial file:`, a UART
//! dump), or a text log in which the firmware printed the frame as `binaryllm-frame <hex>` lines
//! (the defmt log of a real board under `probe-rs run`).

use crate::Stage;
use anyhow::{Context, Result, bail};
use binaryllm_core::report::{FrameError, Report, decode_frame};
use std::path::Path;

/// The marker before each hex line of a frame in a text log.
pub const HEX_MARKER: &str = "binaryllm-frame ";

/// Frame bytes from a capture: the hex lines of a text log if it has any, else the bytes as
/// they are.
pub fn frame_bytes(capture: &[u8]) -> Result<Vec<u8>> {
    let marker = HEX_MARKER.as_bytes();
    if !capture.windows(marker.len()).any(|w| w == marker) {
        return Ok(capture.to_vec());
    }
    let mut out = Vec::new();
    let mut rest = capture;
    let mut line = 0usize;
    while let Some(at) = rest.windows(marker.len()).position(|w| w == marker) {
        line += 1;
        let hex = &rest[at + marker.len()..];
        let len = hex.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if len == 0 || len % 2 != 0 {
            bail!("hex line {line} of the log has {len} hex digits (needs a positive even count)");
        }
        for pair in hex[..len].chunks_exact(2) {
            let s = std::str::from_utf8(pair).context("hex digits")?;
            out.push(u8::from_str_radix(s, 16).context("hex digits")?);
        }
        rest = &hex[len..];
    }
    Ok(out)
}

/// Decodes the one report frame of `capture` (raw or hex log).
pub fn decode(capture: &[u8]) -> Result<Report> {
    let bytes = frame_bytes(capture)?;
    decode_bytes(&bytes).map_err(anyhow::Error::new)
}

/// Decodes raw frame bytes (typed error).
pub fn decode_bytes(bytes: &[u8]) -> std::result::Result<Report, FrameError> {
    let mut scratch = vec![0u8; bytes.len()];
    decode_frame(bytes, &mut scratch)
}

/// Reads and decodes a capture file; errors name the file.
pub fn decode_file(path: &Path) -> Result<Report> {
    let capture = std::fs::read(path)
        .with_context(|| format!("{}: cannot read capture {}", Stage::Load, path.display()))?;
    decode(&capture)
        .with_context(|| format!("{}: the report frame of {}", Stage::Decode, path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_bytes_pass_through() {
        assert_eq!(frame_bytes(&[1, 2, 0]).unwrap(), vec![1, 2, 0]);
    }

    #[test]
    fn hex_lines_are_reassembled_in_order() {
        let log = b"INFO  start\n[INFO ] binaryllm-frame 0a0B\x1b[0m (bench.rs:3)\nnoise\nbinaryllm-frame ff00\n";
        assert_eq!(frame_bytes(log).unwrap(), vec![0x0a, 0x0b, 0xff, 0x00]);
    }

    #[test]
    fn odd_or_empty_hex_is_an_error() {
        assert!(frame_bytes(b"binaryllm-frame abc\n").is_err());
        assert!(frame_bytes(b"binaryllm-frame zz\n").is_err());
    }

    #[test]
    fn decode_errors_are_typed() {
        assert_eq!(decode_bytes(&[]).unwrap_err(), FrameError::Empty);
        assert!(matches!(
            decode_bytes(&[3, 1, 2]).unwrap_err(),
            FrameError::Truncated { .. }
        ));
        let err = decode(b"binaryllm-frame 030102\n").unwrap_err();
        assert!(
            err.downcast_ref::<FrameError>()
                .is_some_and(|e| matches!(e, FrameError::Truncated { .. })),
            "{err:#}"
        );
    }
}
