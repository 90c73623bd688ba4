//! `.fvecs` / `.ivecs` bytes through the host's readers (format picked by the extension).
//!
//! An accepted file is a whole number of records of `1 + dims` little-endian words, each
//! starting with the same `dims`; the values read are exactly the payload words.
#![no_main]

use std::path::Path;

use binaryllm_fuzz::data::{parse_ints, parse_matrix};
use libfuzzer_sys::fuzz_target;

fn words(data: &[u8]) -> Vec<u32> {
    data.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let w = words(data);
    match parse_matrix(Path::new("fuzz-input.fvecs"), data.to_vec()) {
        Ok(m) => {
            assert!(m.rows > 0 && m.cols > 0);
            assert_eq!(data.len(), 4 * m.rows * (m.cols + 1));
            for (r, rec) in w.chunks_exact(m.cols + 1).enumerate() {
                assert_eq!(rec[0] as usize, m.cols);
                for (c, &bits) in rec[1..].iter().enumerate() {
                    assert_eq!(m.row(r)[c].to_bits(), bits);
                }
            }
            assert!(m.data.iter().all(|v| v.is_finite()));
        }
        Err(e) => assert!(e.to_string().starts_with("fuzz-input.fvecs: "), "{e}"),
    }
    match parse_ints(Path::new("fuzz-input.ivecs"), data.to_vec()) {
        Ok(a) => {
            assert_eq!(data.len(), 4 * a.rows * (a.cols + 1));
            let payload: Vec<i64> = w
                .chunks_exact(a.cols + 1)
                .flat_map(|rec| rec[1..].iter().map(|&x| i64::from(x as i32)))
                .collect();
            assert_eq!(payload, a.data);
        }
        Err(e) => assert!(e.to_string().starts_with("fuzz-input.ivecs: "), "{e}"),
    }
});
