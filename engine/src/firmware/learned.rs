//! The learned projections the firmware stores in flash, compiled into the host from the very
//! same files (`firmware/learned/*.rs`, written by `binaryllm projection export --format rust`),
//! so the parity check recomputes `encode-learned` from the artefact the device ran.

use anyhow::{Result, bail};
use binaryllm_core::report::{LearnedSpec, learned_digest};

/// One exported learned projection.
#[derive(Debug, Clone, Copy)]
pub struct Artefact {
    /// File name in `firmware/learned/`.
    pub name: &'static str,
    /// Input dimensions.
    pub dims: usize,
    /// Output bits.
    pub bits: usize,
    /// `[bits, dims]` row-major.
    pub matrix: &'static [f32],
    /// `[bits]` per-bit thresholds.
    pub thresholds: &'static [f32],
}

impl Artefact {
    /// [`learned_digest`] of the matrix and thresholds (what the device reports).
    pub fn digest(&self) -> u64 {
        learned_digest(self.matrix, self.thresholds)
    }
}

/// `firmware/learned/itq-64.rs`: ITQ, 384 -> 64 bits, trained on the shipped sample (see
/// `firmware/learned/README.md`).
pub mod itq_64 {
    include!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../firmware/learned/itq-64.rs"
    ));
}

/// Every learned projection of `firmware/learned/`.
pub static ARTEFACTS: &[Artefact] = &[Artefact {
    name: "itq-64.rs",
    dims: itq_64::PROJECTION_DIMS,
    bits: itq_64::PROJECTION_BITS,
    matrix: &itq_64::PROJECTION_MATRIX,
    thresholds: &itq_64::PROJECTION_THRESHOLDS,
}];

/// The artefact the device reported (by digest, dims and bits).
pub fn find(spec: &LearnedSpec) -> Result<&'static Artefact> {
    if let Some(a) = ARTEFACTS.iter().find(|a| {
        a.digest() == spec.digest && a.dims == spec.dims as usize && a.bits == spec.bits as usize
    }) {
        return Ok(a);
    }
    let known: Vec<String> = ARTEFACTS
        .iter()
        .map(|a| {
            format!(
                "{} ({} -> {} bits, {:#018x})",
                a.name,
                a.dims,
                a.bits,
                a.digest()
            )
        })
        .collect();
    bail!(
        "the device's learned projection ({} -> {} bits, digest {:#018x}) is none of the host's \
         firmware/learned artefacts [{}]: rebuild the firmware and the host from one checkout",
        spec.dims,
        spec.bits,
        spec.digest,
        known.join(", ")
    )
}
