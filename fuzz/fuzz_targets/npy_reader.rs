//! `.npy` bytes through the host's float-matrix and integer-array readers.
//!
//! Besides "no panic, no abort on a huge allocation": an accepted matrix has at least one row and
//! column, `rows · cols` values and only finite ones; every error names the file.
#![no_main]

use std::path::Path;

use binaryllm_fuzz::data::{parse_ints, parse_matrix};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz-input.npy");
    match parse_matrix(path, data.to_vec()) {
        Ok(m) => {
            assert!(m.rows > 0 && m.cols > 0);
            assert_eq!(m.data.len(), m.rows * m.cols);
            assert!(m.data.iter().all(|v| v.is_finite()));
        }
        Err(e) => assert!(e.to_string().starts_with("fuzz-input.npy: "), "{e}"),
    }
    match parse_ints(path, data.to_vec()) {
        Ok(a) => {
            assert!(a.rows > 0 && a.cols > 0);
            assert_eq!(a.data.len(), a.rows * a.cols);
            assert!(!a.one_d || a.cols == 1);
        }
        Err(e) => assert!(e.to_string().starts_with("fuzz-input.npy: "), "{e}"),
    }
});
