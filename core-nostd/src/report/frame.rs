//! The frame: COBS(postcard(Report) ‖ crc32) ‖ 0x00 (see the module docs of [`crate::report`]).

use super::{REPORT_VERSION, Report, crc32};
use core::fmt;

/// Why a capture did not decode into a [`Report`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FrameError {
    /// The capture holds no frame (it is empty or all zero bytes).
    Empty,
    /// The frame ends before its `0x00` delimiter, or holds fewer than the 4 CRC bytes.
    Truncated {
        /// Bytes of the (partial) frame.
        len: u32,
    },
    /// Non-zero bytes follow the frame's delimiter.
    TrailingGarbage {
        /// Offset in the capture of the first such byte.
        offset: u32,
    },
    /// A COBS block runs past the end of the frame.
    Cobs {
        /// Offset in the frame of the bad block's code byte.
        offset: u32,
    },
    /// The CRC-32 over the payload does not match the one sent.
    Crc {
        /// CRC carried by the frame.
        expected: u32,
        /// CRC computed over the received payload.
        actual: u32,
    },
    /// The report was written by another [`REPORT_VERSION`].
    Version {
        /// Version in the frame.
        found: u16,
        /// Version this decoder understands.
        expected: u16,
    },
    /// The payload is not a valid postcard [`Report`].
    Deserialize,
    /// Payload bytes are left after the report.
    TrailingBytes {
        /// Number of unread bytes.
        count: u32,
    },
    /// A buffer is too small for the frame or the payload.
    Capacity {
        /// Bytes needed.
        required: u32,
        /// Bytes available.
        capacity: u32,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FrameError::Empty => f.write_str("no report frame in the capture"),
            FrameError::Truncated { len } => write!(
                f,
                "truncated frame: {len} bytes without the 0x00 delimiter or the CRC"
            ),
            FrameError::TrailingGarbage { offset } => {
                write!(f, "trailing garbage after the frame at byte {offset}")
            }
            FrameError::Cobs { offset } => {
                write!(f, "bad COBS block at frame byte {offset}")
            }
            FrameError::Crc { expected, actual } => write!(
                f,
                "CRC mismatch: frame says {expected:#010x}, payload gives {actual:#010x}"
            ),
            FrameError::Version { found, expected } => write!(
                f,
                "report version {found} is not the supported version {expected}"
            ),
            FrameError::Deserialize => f.write_str("payload is not a valid report"),
            FrameError::TrailingBytes { count } => {
                write!(f, "{count} payload bytes left after the report")
            }
            FrameError::Capacity { required, capacity } => {
                write!(
                    f,
                    "buffer too small: need {required} bytes, have {capacity}"
                )
            }
        }
    }
}

impl core::error::Error for FrameError {}

fn sat(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn capacity(required: usize, capacity: usize) -> FrameError {
    FrameError::Capacity {
        required: sat(required),
        capacity: sat(capacity),
    }
}

/// Largest COBS encoding of `len` bytes (without the delimiter).
pub const fn cobs_max_len(len: usize) -> usize {
    len + len / 254 + 1
}

/// Calls `emit` with the COBS encoding of `src` (without the delimiter), block by block:
/// once with each block's code byte and once with its data bytes (possibly empty).
pub fn cobs_encode_with<E>(
    src: &[u8],
    mut emit: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E> {
    let mut segments = src.split(|&b| b == 0).peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        let mut rest = segment;
        while rest.len() >= 254 {
            let (block, tail) = rest.split_at(254);
            emit(&[0xFF])?;
            emit(block)?;
            rest = tail;
        }
        // A full last block at the very end needs no empty block after it.
        if !(last && rest.is_empty() && !segment.is_empty()) {
            emit(&[rest.len() as u8 + 1])?;
            emit(rest)?;
        }
    }
    Ok(())
}

/// COBS-encodes `src` into `out` (without the delimiter); returns the encoded length.
pub fn cobs_encode_into(src: &[u8], out: &mut [u8]) -> Result<usize, FrameError> {
    let cap = out.len();
    let mut n = 0usize;
    cobs_encode_with(src, |piece| {
        let dst = out
            .get_mut(n..n + piece.len())
            .ok_or(capacity(cobs_max_len(src.len()), cap))?;
        dst.copy_from_slice(piece);
        n += piece.len();
        Ok(())
    })?;
    Ok(n)
}

/// Decodes one COBS frame body (no `0x00` inside, no delimiter) into `out`; returns the
/// decoded length.
pub fn cobs_decode_into(src: &[u8], out: &mut [u8]) -> Result<usize, FrameError> {
    let cap = out.len();
    let mut i = 0usize;
    let mut n = 0usize;
    while i < src.len() {
        let code = usize::from(src[i]);
        if code == 0 {
            return Err(FrameError::Cobs { offset: sat(i) });
        }
        let block = src
            .get(i + 1..i + code)
            .ok_or(FrameError::Cobs { offset: sat(i) })?;
        if let Some(z) = block.iter().position(|&b| b == 0) {
            return Err(FrameError::Cobs {
                offset: sat(i + 1 + z),
            });
        }
        let dst = out
            .get_mut(n..n + block.len())
            .ok_or(capacity(src.len(), cap))?;
        dst.copy_from_slice(block);
        n += block.len();
        i += code;
        if code != 0xFF && i < src.len() {
            *out.get_mut(n).ok_or(capacity(src.len(), cap))? = 0;
            n += 1;
        }
    }
    Ok(n)
}

/// Serialises `report` into `payload` (postcard) and appends its CRC; returns the length.
pub fn encode_payload_into(report: &Report, payload: &mut [u8]) -> Result<usize, FrameError> {
    let cap = payload.len();
    let body = cap.checked_sub(4).ok_or(capacity(4, cap))?;
    let n = postcard::to_slice(report, &mut payload[..body])
        .map_err(|_| capacity(body + 1, body))?
        .len();
    let crc = crc32(&payload[..n]);
    payload[n..n + 4].copy_from_slice(&crc.to_le_bytes());
    Ok(n + 4)
}

/// Writes the whole frame of `report` (COBS of payload + CRC, then `0x00`) into `out`, using
/// `scratch` for the payload; returns the frame length.
pub fn encode_frame_into(
    report: &Report,
    scratch: &mut [u8],
    out: &mut [u8],
) -> Result<usize, FrameError> {
    let n = encode_payload_into(report, scratch)?;
    let len = cobs_encode_into(&scratch[..n], out)?;
    let cap = out.len();
    *out.get_mut(len).ok_or(capacity(len + 1, cap))? = 0;
    Ok(len + 1)
}

/// Finds the one frame of a capture: skips leading `0x00`s, requires the delimiter and only
/// `0x00`s after it. Returns the frame body (without delimiter).
pub fn find_frame(capture: &[u8]) -> Result<&[u8], FrameError> {
    let start = capture
        .iter()
        .position(|&b| b != 0)
        .ok_or(FrameError::Empty)?;
    let rest = &capture[start..];
    let end = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or(FrameError::Truncated {
            len: sat(rest.len()),
        })?;
    if let Some(g) = rest[end..].iter().position(|&b| b != 0) {
        return Err(FrameError::TrailingGarbage {
            offset: sat(start + end + g),
        });
    }
    Ok(&rest[..end])
}

/// Decodes a capture holding exactly one frame (see [`find_frame`]), using `scratch` for the
/// COBS-decoded payload (at least as long as the frame).
pub fn decode_frame(capture: &[u8], scratch: &mut [u8]) -> Result<Report, FrameError> {
    let body = find_frame(capture)?;
    let n = cobs_decode_into(body, scratch)?;
    let raw = &scratch[..n];
    let split = raw
        .len()
        .checked_sub(4)
        .ok_or(FrameError::Truncated { len: sat(n) })?;
    let (payload, crc) = raw.split_at(split);
    let expected = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    let actual = crc32(payload);
    if expected != actual {
        return Err(FrameError::Crc { expected, actual });
    }
    decode_payload(payload)
}

/// Decodes a CRC-checked payload: version first, then the report, then no bytes left.
pub fn decode_payload(payload: &[u8]) -> Result<Report, FrameError> {
    let (found, _) =
        postcard::take_from_bytes::<u16>(payload).map_err(|_| FrameError::Deserialize)?;
    if found != REPORT_VERSION {
        return Err(FrameError::Version {
            found,
            expected: REPORT_VERSION,
        });
    }
    let (report, rest) =
        postcard::take_from_bytes::<Report>(payload).map_err(|_| FrameError::Deserialize)?;
    if !rest.is_empty() {
        return Err(FrameError::TrailingBytes {
            count: sat(rest.len()),
        });
    }
    Ok(report)
}

#[cfg(all(test, feature = "postcard"))]
mod frame_tests {
    use super::super::types::truncated;
    use super::*;
    use crate::error::Error;
    use crate::knn::Neighbor;
    use crate::projection::ProjectionKind;
    use crate::report::*;
    use proptest::prelude::*;
    use std::vec;
    use std::vec::Vec as StdVec;

    /// A small report whose every byte is written out in [`SAMPLE_PAYLOAD`].
    fn sample() -> Report {
        let mut r = Report::new(
            "m0",
            "t",
            BenchSpec {
                dims: 384,
                n: 1024,
                k: 10,
                data_seed: 7,
                projection_seed: 42,
                database_kind: ProjectionKind::Gaussian,
                query_index: 1031,
                learned: Some(LearnedSpec {
                    dims: 384,
                    bits: 64,
                    digest: 5,
                }),
            },
        );
        r.counter = CounterKind::QemuIcountInstructions;
        r.kernel = truncated("k");
        r.calibration = Calibration {
            counter_hz: 300,
            icount_shift: Some(6),
            overhead_ticks: 5,
            loop_instructions: 200,
            loop_measured: 200,
        };
        r.memory = Memory {
            text: 1,
            rodata: 2,
            data: 3,
            bss: 4,
            stack_high_water: 5,
            stack_region: 6,
            ram_total: 12,
            flash_total: 128,
            stored_codes: 0,
            stored_matrices: 0,
        };
        r.push_workload(Workload {
            kind: WorkloadKind::EncodeMatrixFree(ProjectionKind::Rademacher),
            dims: 384,
            bits: 256,
            n: 1,
            k: 0,
            repetitions: 3,
            min: 100,
            median: 101,
            max: 150,
            stack_bytes: 64,
        });
        r.push_workload(Workload {
            kind: WorkloadKind::EncodeLearned,
            dims: 384,
            bits: 64,
            n: 1,
            k: 0,
            repetitions: 3,
            min: 7,
            median: 8,
            max: 9,
            stack_bytes: 0,
        });
        r.topk
            .push(Neighbor {
                distance: 3,
                index: 9,
            })
            .unwrap();
        r.parity = Parity {
            digest: 0x0102,
            codes: 2,
            neighbors: 1,
            distances: 0,
        };
        r.push_error(Error::ZeroK);
        r
    }

    /// postcard bytes of [`sample`], field by field.
    const SAMPLE_PAYLOAD: &[u8] = &[
        0x02, // version 2
        0x02, b'm', b'0', // board "m0"
        0x01, b't', // target "t"
        0x01, // counter: QemuIcountInstructions
        0x01, b'k', // kernel "k"
        0xAC, 0x02, // calibration.counter_hz 300
        0x01, 0x06, // calibration.icount_shift Some(6)
        0x05, // calibration.overhead_ticks
        0xC8, 0x01, // calibration.loop_instructions 200
        0xC8, 0x01, // calibration.loop_measured 200
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0C, // memory text..ram_total
        0x80, 0x01, // memory.flash_total 128
        0x00, 0x00, // memory.stored_codes, stored_matrices
        0x80, 0x03, // bench.dims 384
        0x80, 0x08, // bench.n 1024
        0x0A, // bench.k
        0x07, // bench.data_seed
        0x2A, // bench.projection_seed
        0x00, // bench.database_kind Gaussian
        0x87, 0x08, // bench.query_index 1031
        0x01, 0x80, 0x03, 0x40, 0x05, // bench.learned Some(dims 384, bits 64, digest 5)
        0x02, // 2 workloads
        0x02, 0x01, // EncodeMatrixFree(Rademacher)
        0x80, 0x03, 0x80, 0x02, // dims 384, bits 256
        0x01, 0x00, 0x03, // n, k, repetitions
        0x64, 0x65, 0x96, 0x01, // min 100, median 101, max 150
        0x40, // stack_bytes 64
        0x07, // EncodeLearned (variant 7)
        0x80, 0x03, 0x40, // dims 384, bits 64
        0x01, 0x00, 0x03, // n, k, repetitions
        0x07, 0x08, 0x09, 0x00, // min, median, max, stack_bytes
        0x01, 0x03, 0x09, // topk: 1 × (distance 3, index 9)
        0x82, 0x02, 0x02, 0x01, 0x00, // parity: digest 0x102, codes, neighbors, distances
        0x01, 0x04, // errors: [ZeroK]
        0x00, // dropped
    ];

    /// The frame of [`sample`]: COBS(payload ‖ CRC-32 LE) ‖ 0x00. The CRC (0x59C576DD →
    /// DD 76 C5 59) and the COBS bytes were computed independently with Python (`zlib.crc32`
    /// and a ten-line COBS encoder).
    const SAMPLE_FRAME: &[u8] = &[
        0x1C, 0x02, 0x02, b'm', b'0', 0x01, b't', 0x01, 0x01, b'k', 0xAC, 0x02, 0x01, 0x06, 0x05,
        0xC8, 0x01, 0xC8, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0C, 0x80,
        0x01, // 27 bytes, then 0
        0x01, // memory.stored_codes 0 (empty block)
        0x08, 0x80, 0x03, 0x80, 0x08, 0x0A, 0x07, 0x2A, // then 0 (database_kind)
        0x10, 0x87, 0x08, 0x01, 0x80, 0x03, 0x40, 0x05, 0x02, 0x02, 0x01, 0x80, 0x03, 0x80, 0x02,
        0x01, // then 0 (k)
        0x0C, 0x03, 0x64, 0x65, 0x96, 0x01, 0x40, 0x07, 0x80, 0x03, 0x40, 0x01, // then 0 (k)
        0x05, 0x03, 0x07, 0x08, 0x09, // then 0 (stack_bytes)
        0x08, 0x01, 0x03, 0x09, 0x82, 0x02, 0x02, 0x01, // then 0 (distances)
        0x03, 0x01, 0x04, // then 0 (dropped)
        0x05, 0xDD, 0x76, 0xC5, 0x59, // CRC, last block
        0x00, // delimiter
    ];

    fn frame_of(report: &Report) -> StdVec<u8> {
        let mut scratch = [0u8; 512];
        let mut out = [0u8; 600];
        let n = encode_frame_into(report, &mut scratch, &mut out).unwrap();
        out[..n].to_vec()
    }

    fn decode(capture: &[u8]) -> Result<Report, FrameError> {
        let mut scratch = vec![0u8; capture.len()];
        decode_frame(capture, &mut scratch)
    }

    /// A frame around an arbitrary payload (right CRC).
    fn frame_around(payload: &[u8]) -> StdVec<u8> {
        let mut raw = payload.to_vec();
        raw.extend_from_slice(&crc32(payload).to_le_bytes());
        let mut out = vec![0u8; cobs_max_len(raw.len()) + 1];
        let n = cobs_encode_into(&raw, &mut out).unwrap();
        out.truncate(n);
        out.push(0);
        out
    }

    #[test]
    fn report_payload_exact_bytes() {
        let mut buf = [0u8; 256];
        let n = encode_payload_into(&sample(), &mut buf).unwrap();
        assert_eq!(&buf[..n - 4], SAMPLE_PAYLOAD);
        assert_eq!(&buf[n - 4..n], &crc32(SAMPLE_PAYLOAD).to_le_bytes());
        assert_eq!(crc32(SAMPLE_PAYLOAD), 0x59C5_76DD);
    }

    #[test]
    fn report_frame_exact_bytes_and_round_trip() {
        let frame = frame_of(&sample());
        assert_eq!(frame, SAMPLE_FRAME);
        assert_eq!(decode(SAMPLE_FRAME), Ok(sample()));
        // Leading and trailing zero bytes (idle line) are accepted.
        let mut padded = vec![0, 0];
        padded.extend_from_slice(SAMPLE_FRAME);
        padded.extend_from_slice(&[0, 0, 0]);
        assert_eq!(decode(&padded), Ok(sample()));
    }

    #[test]
    fn cobs_wikipedia_examples() {
        let ff: StdVec<u8> = (1..=255u8).collect();
        let cases: [(StdVec<u8>, StdVec<u8>); 8] = [
            (vec![0x00], vec![0x01, 0x01]),
            (vec![0x00, 0x00], vec![0x01, 0x01, 0x01]),
            (vec![0x00, 0x11, 0x00], vec![0x01, 0x02, 0x11, 0x01]),
            (
                vec![0x11, 0x22, 0x00, 0x33],
                vec![0x03, 0x11, 0x22, 0x02, 0x33],
            ),
            (
                vec![0x11, 0x22, 0x33, 0x44],
                vec![0x05, 0x11, 0x22, 0x33, 0x44],
            ),
            (
                vec![0x11, 0x00, 0x00, 0x00],
                vec![0x02, 0x11, 0x01, 0x01, 0x01],
            ),
            // 01..FE (254 bytes) -> FF 01..FE (no trailing block).
            (ff[..254].to_vec(), [&[0xFF][..], &ff[..254]].concat()),
            // 01..FF (255 bytes) -> FF 01..FE 02 FF.
            (
                ff.clone(),
                [&[0xFF][..], &ff[..254], &[0x02, 0xFF]].concat(),
            ),
        ];
        for (raw, enc) in cases {
            let mut out = vec![0u8; cobs_max_len(raw.len())];
            let n = cobs_encode_into(&raw, &mut out).unwrap();
            assert_eq!(&out[..n], &enc[..], "encode {raw:02x?}");
            let mut back = vec![0u8; enc.len()];
            let m = cobs_decode_into(&enc, &mut back).unwrap();
            assert_eq!(&back[..m], &raw[..], "decode {enc:02x?}");
        }
        // 00 01..FE and 02..FF 00 (the remaining Wikipedia rows).
        let mut raw = vec![0u8];
        raw.extend_from_slice(&ff[..254]);
        let mut out = vec![0u8; 300];
        let n = cobs_encode_into(&raw, &mut out).unwrap();
        assert_eq!(&out[..n], &[&[0x01, 0xFF][..], &ff[..254]].concat()[..]);
        let mut raw: StdVec<u8> = (2..=255u8).collect();
        raw.push(0);
        let n = cobs_encode_into(&raw, &mut out).unwrap();
        assert_eq!(
            &out[..n],
            &[&[0xFF][..], &raw[..254], &[0x01, 0x01]].concat()[..]
        );
    }

    #[test]
    fn empty_capture_is_an_error() {
        assert_eq!(decode(&[]), Err(FrameError::Empty));
        assert_eq!(decode(&[0, 0, 0]), Err(FrameError::Empty));
    }

    #[test]
    fn truncated_frame_is_an_error() {
        let cut = &SAMPLE_FRAME[..SAMPLE_FRAME.len() / 2];
        assert_eq!(
            decode(cut),
            Err(FrameError::Truncated {
                len: cut.len() as u32
            })
        );
        // A complete frame too short to hold the CRC.
        assert_eq!(
            decode(&[0x03, 0x01, 0x02, 0x00]),
            Err(FrameError::Truncated { len: 2 })
        );
    }

    #[test]
    fn trailing_garbage_is_an_error() {
        let mut capture = SAMPLE_FRAME.to_vec();
        capture.extend_from_slice(&[0x00, 0x55, 0x00]);
        assert_eq!(
            decode(&capture),
            Err(FrameError::TrailingGarbage {
                offset: SAMPLE_FRAME.len() as u32 + 1
            })
        );
        // A second frame is garbage too: one capture, one report.
        let twice = [SAMPLE_FRAME, SAMPLE_FRAME].concat();
        assert!(matches!(
            decode(&twice),
            Err(FrameError::TrailingGarbage { .. })
        ));
    }

    #[test]
    fn bad_cobs_is_an_error() {
        // The first code byte claims a 0x30-byte block in a shorter frame.
        let mut capture = SAMPLE_FRAME.to_vec();
        capture[0] = 0x7F;
        assert_eq!(decode(&capture), Err(FrameError::Cobs { offset: 0 }));
    }

    #[test]
    fn bad_crc_is_an_error() {
        let mut capture = SAMPLE_FRAME.to_vec();
        capture[3] ^= 0x20; // 'm' -> 'M': still non-zero, COBS intact
        match decode(&capture) {
            Err(FrameError::Crc { expected, actual }) => {
                assert_eq!(expected, 0x59C5_76DD);
                assert_ne!(actual, expected);
            }
            other => panic!("expected a CRC error, got {other:?}"),
        }
    }

    #[test]
    fn wrong_version_is_an_error_before_anything_else() {
        let mut payload = SAMPLE_PAYLOAD.to_vec();
        payload[0] = 0x01;
        assert_eq!(
            decode(&frame_around(&payload)),
            Err(FrameError::Version {
                found: 1,
                expected: REPORT_VERSION
            })
        );
        // Even a payload that would not deserialise reports the version first.
        assert_eq!(
            decode(&frame_around(&[0x80, 0x01, 0xFF])),
            Err(FrameError::Version {
                found: 128,
                expected: REPORT_VERSION
            })
        );
    }

    #[test]
    fn trailing_payload_bytes_are_an_error() {
        let mut payload = SAMPLE_PAYLOAD.to_vec();
        payload.extend_from_slice(&[0x07, 0x07]);
        assert_eq!(
            decode(&frame_around(&payload)),
            Err(FrameError::TrailingBytes { count: 2 })
        );
    }

    #[test]
    fn invalid_payload_is_an_error() {
        let mut payload = SAMPLE_PAYLOAD.to_vec();
        payload[6] = 0x09; // no CounterKind variant 9
        assert_eq!(
            decode(&frame_around(&payload)),
            Err(FrameError::Deserialize)
        );
        assert_eq!(
            decode(&frame_around(&SAMPLE_PAYLOAD[..20])),
            Err(FrameError::Deserialize)
        );
    }

    #[test]
    fn errors_display_what_went_wrong() {
        let cases = [
            (FrameError::Empty, "no report frame in the capture"),
            (
                FrameError::Truncated { len: 7 },
                "truncated frame: 7 bytes without the 0x00 delimiter or the CRC",
            ),
            (
                FrameError::TrailingGarbage { offset: 9 },
                "trailing garbage after the frame at byte 9",
            ),
            (
                FrameError::Cobs { offset: 3 },
                "bad COBS block at frame byte 3",
            ),
            (
                FrameError::Crc {
                    expected: 0xdead_beef,
                    actual: 1,
                },
                "CRC mismatch: frame says 0xdeadbeef, payload gives 0x00000001",
            ),
            (
                FrameError::Version {
                    found: 9,
                    expected: 2,
                },
                "report version 9 is not the supported version 2",
            ),
            (FrameError::Deserialize, "payload is not a valid report"),
            (
                FrameError::TrailingBytes { count: 4 },
                "4 payload bytes left after the report",
            ),
            (
                FrameError::Capacity {
                    required: 10,
                    capacity: 8,
                },
                "buffer too small: need 10 bytes, have 8",
            ),
        ];
        for (e, want) in cases {
            assert_eq!(std::format!("{e}"), want);
        }
    }

    #[test]
    fn cobs_max_len_adds_one_byte_per_254_and_the_first_code() {
        for (len, max) in [
            (0, 1),
            (1, 2),
            (253, 254),
            (254, 256),
            (508, 511),
            (1000, 1004),
        ] {
            assert_eq!(cobs_max_len(len), max, "{len}");
        }
        // The bound is reached: 254 non-zero bytes take a full block and an empty one.
        let raw = [1u8; 254];
        let mut enc = [0u8; 256];
        assert_eq!(cobs_encode_into(&raw, &mut enc), Ok(255));
    }

    #[test]
    fn errors_name_the_sizes_and_offsets() {
        let cap = |required: usize, capacity: usize| {
            Err(FrameError::Capacity {
                required: required as u32,
                capacity: capacity as u32,
            })
        };
        let report = sample();
        let mut payload = [0u8; 512];
        let n = encode_payload_into(&report, &mut payload).unwrap();
        assert_eq!(encode_payload_into(&report, &mut [0u8; 3]), cap(4, 3));
        assert_eq!(encode_payload_into(&report, &mut [0u8; 16]), cap(13, 12));
        let enc = cobs_max_len(n);
        let mut scratch = [0u8; 512];
        assert_eq!(
            encode_frame_into(&report, &mut scratch, &mut [0u8; 20]),
            cap(enc, 20)
        );
        // Room for the COBS body but not the delimiter.
        let mut body = [0u8; 600];
        let len = cobs_encode_into(&payload[..n], &mut body).unwrap();
        let mut out = std::vec![0u8; len];
        assert_eq!(
            encode_frame_into(&report, &mut scratch, &mut out),
            cap(len + 1, len)
        );
        let mut out = std::vec![0u8; len + 1];
        assert_eq!(
            encode_frame_into(&report, &mut scratch, &mut out),
            Ok(len + 1)
        );
        assert_eq!(&out[..len], &body[..len]);
        let frame = find_frame(SAMPLE_FRAME).unwrap();
        assert_eq!(
            decode_frame(SAMPLE_FRAME, &mut [0u8; 8]).err(),
            cap(frame.len(), 8).err()
        );
        // COBS errors point at the bad byte.
        let mut out = [0u8; 16];
        let cobs = |offset: u32| Err(FrameError::Cobs { offset });
        assert_eq!(cobs_decode_into(&[0], &mut out), cobs(0));
        assert_eq!(cobs_decode_into(&[2, 5, 3, 1], &mut out), cobs(2));
        assert_eq!(cobs_decode_into(&[2, 5, 4, 1, 0, 2], &mut out), cobs(4));
        assert_eq!(cobs_decode_into(&[2, 5, 3, 1, 2], &mut out), Ok(4));
        assert_eq!(&out[..4], &[5, 0, 1, 2]);
    }

    #[test]
    fn small_buffers_are_errors_not_panics() {
        let mut scratch = [0u8; 16];
        let mut out = [0u8; 600];
        assert!(matches!(
            encode_frame_into(&sample(), &mut scratch, &mut out),
            Err(FrameError::Capacity { .. })
        ));
        let mut scratch = [0u8; 512];
        let mut out = [0u8; 20];
        assert!(matches!(
            encode_frame_into(&sample(), &mut scratch, &mut out),
            Err(FrameError::Capacity { .. })
        ));
        let mut small = [0u8; 8];
        assert!(matches!(
            decode_frame(SAMPLE_FRAME, &mut small),
            Err(FrameError::Capacity { .. })
        ));
    }

    proptest! {
        #[test]
        fn prop_cobs_round_trips(raw in proptest::collection::vec(any::<u8>(), 0..1200)) {
            let mut enc = vec![0u8; cobs_max_len(raw.len())];
            let n = cobs_encode_into(&raw, &mut enc).unwrap();
            prop_assert!(enc[..n].iter().all(|&b| b != 0));
            let mut dec = vec![0u8; n];
            let m = cobs_decode_into(&enc[..n], &mut dec).unwrap();
            prop_assert_eq!(&dec[..m], &raw[..]);
        }

        #[test]
        fn prop_corrupted_frames_never_decode_to_a_different_report(
            at in 0usize..SAMPLE_FRAME.len() - 1, with in 1u8..=255,
        ) {
            let mut capture = SAMPLE_FRAME.to_vec();
            capture[at] = with;
            if let Ok(r) = decode(&capture) {
                prop_assert_eq!(r, sample());
            }
        }
    }
}
