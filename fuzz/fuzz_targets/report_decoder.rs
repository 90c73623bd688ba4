//! Firmware report captures through the host's decoder (COBS, CRC-32, version, postcard).
//!
//! The input is used three ways: as a raw capture (mostly rejected by the framing), as a
//! payload that gets a valid CRC and COBS framing (so the fuzzer reaches postcard past the CRC
//! check), and as COBS data. A decoded report re-encodes to a frame that decodes to the same
//! bytes again.
#![no_main]

use binaryllm_core::report::{
    FrameError, REPORT_VERSION, Report, cobs_decode_into, cobs_encode_into, cobs_max_len, crc32,
    decode_frame, decode_payload, encode_frame_into, encode_payload_into,
};
use libfuzzer_sys::fuzz_target;

fn reencode(r: &Report) -> Vec<u8> {
    let mut scratch = vec![0u8; 8192];
    let mut out = vec![0u8; cobs_max_len(8192) + 1];
    let n = encode_frame_into(r, &mut scratch, &mut out).expect("a decoded report re-encodes");
    out.truncate(n);
    out
}

fn check(r: Result<Report, FrameError>) {
    match r {
        Ok(r) => {
            assert_eq!(r.version, REPORT_VERSION);
            let a = reencode(&r);
            let mut scratch = vec![0u8; a.len()];
            let back = decode_frame(&a, &mut scratch).expect("a re-encoded report decodes");
            assert_eq!(reencode(&back), a);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // 1. The bytes as a capture.
    let mut scratch = vec![0u8; data.len()];
    check(decode_frame(data, &mut scratch));
    // A scratch buffer too small must be a Capacity error, never a panic.
    let mut small = vec![0u8; data.len() / 2];
    if let Err(e) = decode_frame(data, &mut small) {
        let _ = e.to_string();
    }

    // 2. The bytes as a payload, framed properly.
    check(decode_payload(data));
    let mut payload = data.to_vec();
    payload.extend_from_slice(&crc32(data).to_le_bytes());
    let mut framed = vec![0u8; cobs_max_len(payload.len()) + 1];
    let n = cobs_encode_into(&payload, &mut framed).unwrap();
    framed[n] = 0;
    framed.truncate(n + 1);
    let mut scratch = vec![0u8; framed.len()];
    check(decode_frame(&framed, &mut scratch));

    // 3. COBS round trip of the framed body.
    let mut plain = vec![0u8; n];
    let m = cobs_decode_into(&framed[..n], &mut plain).unwrap();
    assert_eq!(&plain[..m], &payload[..]);

    // Payload encoding into a buffer of any size fails cleanly or fits.
    if let Ok(r) = decode_payload(data) {
        for cap in [0, 3, 4, data.len() / 2, data.len() + 4] {
            let mut buf = vec![0u8; cap];
            if let Ok(len) = encode_payload_into(&r, &mut buf) {
                assert!(len <= cap);
            }
        }
    }
});
