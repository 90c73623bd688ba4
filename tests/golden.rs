//! Host run of the golden checks: the core's output equals the golden bytes, byte for byte.
//! The firmware runs the same `run_all` on Cortex-M0 and Cortex-M4F under QEMU.

use binaryllm_conformance::{Outcome, run_all};

#[test]
fn every_golden_check_passes_on_the_host() {
    let mut failures = Vec::new();
    let outcome = run_all(&mut |name, ok| {
        if !ok {
            failures.push(name);
        }
    });
    println!("{} passed, {} failed", outcome.passed, outcome.failed);
    assert_eq!(failures, Vec::<&str>::new());
    assert!(
        outcome.passed >= 150,
        "suspiciously few checks: {outcome:?}"
    );
}

#[test]
fn a_corrupted_golden_is_detected() {
    // The checks compare against the embedded tables, so flipping a code bit in our output must
    // fail: re-run one case with a different seed and compare against the golden bytes.
    use binaryllm_conformance::{CODE_CASES, MAX_WORDS, N_SYNTHETIC, encode_case, golden};
    use binaryllm_core::bytes::{ByteOrder, to_bytes_into};
    let mut case = CODE_CASES[0];
    case.seed += 1;
    let mut words = [0u64; N_SYNTHETIC * MAX_WORDS];
    let layout = encode_case(&case, 0..N_SYNTHETIC, &mut words).unwrap();
    let mut b = [0u8; 8];
    to_bytes_into(layout, &words[..1], ByteOrder::Lsb, &mut b).unwrap();
    assert_ne!(
        &golden::CODES[..8],
        &b,
        "a different seed must give different codes"
    );
    let _ = Outcome::default();
}
