//! The host side of the parity check: walk the report's workloads with the core's reference path
//! and fold the same items into a [`ParityDigest`] (see [`binaryllm_core::report`]).

use crate::engine;
use anyhow::{Context, Result, bail};
use binaryllm_core::report::{ParityDigest, Report, WorkloadKind, bench_vector_into};
use binaryllm_core::{
    CodeLayout, DenseProjection, HadamardProjection, Kernel, Neighbor, ProjectionKind,
    SeededProjection, Threshold, encode_into, knn::top_k_flat_into,
};
use std::collections::BTreeMap;

/// What the host recomputed.
#[derive(Debug, Clone)]
pub struct HostParity {
    /// The digest and its counts.
    pub parity: binaryllm_core::report::Parity,
    /// Top-k of the last top-k workload, as the reference path computes it.
    pub topk: Vec<Neighbor>,
}

/// The database codes of width `bits` (the firmware's build script makes the same ones).
pub fn database_codes(report: &Report, bits: usize) -> Result<Vec<u64>> {
    let spec = &report.bench;
    let dims = spec.dims as usize;
    let n = spec.n as usize;
    let p = SeededProjection::new(spec.database_kind, spec.projection_seed, dims, bits)
        .with_context(|| format!("database projection {dims}x{bits}"))?;
    // The materialised matrix is bit-identical to the matrix-free rows (core contract) and much
    // faster for 1,024 vectors.
    let mut w = vec![0f32; dims * bits];
    p.materialize_into(&mut w)?;
    let dense = DenseProjection::new(&w, dims, bits)?;
    let mut x = vec![0f32; n * dims];
    for (i, row) in x.chunks_exact_mut(dims).enumerate() {
        bench_vector_into(spec.data_seed, i as u64, row);
    }
    let codes = engine::encode_matrix(&dense, Threshold::Zero, &x, 0)
        .map_err(|e| anyhow::anyhow!("encoding the bench database: {e}"))?;
    Ok(codes.words().to_vec())
}

fn query_vector(report: &Report) -> Vec<f32> {
    let spec = &report.bench;
    let mut x = vec![0f32; spec.dims as usize];
    bench_vector_into(spec.data_seed, u64::from(spec.query_index), &mut x);
    x
}

fn query_code(report: &Report, kind: ProjectionKind, bits: usize) -> Result<Vec<u64>> {
    let spec = &report.bench;
    let x = query_vector(report);
    let p = SeededProjection::new(kind, spec.projection_seed, x.len(), bits)?;
    let mut code = vec![0u64; CodeLayout::new(bits)?.words()];
    encode_into(&p, &x, Threshold::Zero, &mut code)?;
    Ok(code)
}

/// The query under the structured Hadamard projection (seed only, `P` floats of scratch).
fn hadamard_code(report: &Report, bits: usize) -> Result<Vec<u64>> {
    let x = query_vector(report);
    let p = HadamardProjection::new(report.bench.projection_seed, x.len(), bits)?;
    let mut scratch = vec![0f32; p.padded_dims()];
    let mut code = vec![0u64; CodeLayout::new(bits)?.words()];
    p.encode_into(&x, Threshold::Zero, &mut scratch, &mut code)?;
    Ok(code)
}

/// The query under the learned projection the report names (by digest), taken from the very
/// artefact files the firmware stores ([`super::learned`]).
fn learned_code(report: &Report, bits: usize) -> Result<Vec<u64>> {
    let spec = report.bench.learned.with_context(|| {
        "the report has an encode-learned workload but names no learned projection".to_string()
    })?;
    let a = super::learned::find(&spec)?;
    if a.bits != bits || a.dims != report.bench.dims as usize {
        bail!(
            "encode-learned workload of {bits} bits over {} dims, but the learned projection {} \
             is {} -> {} bits",
            report.bench.dims,
            a.name,
            a.dims,
            a.bits
        );
    }
    let x = query_vector(report);
    let p = DenseProjection::new(a.matrix, a.dims, a.bits)?;
    let mut code = vec![0u64; CodeLayout::new(bits)?.words()];
    encode_into(&p, &x, Threshold::PerBit(a.thresholds), &mut code)?;
    Ok(code)
}

/// Recomputes the parity digest of `report` on the host with the reference path.
pub fn host_parity(report: &Report) -> Result<HostParity> {
    let mut digest = ParityDigest::new();
    let mut databases: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
    let mut topk = Vec::new();
    for w in &report.workloads {
        let bits = w.bits as usize;
        if !matches!(w.kind, WorkloadKind::Calibration)
            && w.dims != 0
            && w.dims != report.bench.dims
        {
            bail!(
                "workload {} has dims {} but the bench spec says {}",
                w.kind.name(),
                w.dims,
                report.bench.dims
            );
        }
        match w.kind {
            WorkloadKind::Calibration => {}
            WorkloadKind::EncodeDense(kind) | WorkloadKind::EncodeMatrixFree(kind) => {
                digest.code(&query_code(report, kind, bits)?);
            }
            WorkloadKind::EncodeHadamard => digest.code(&hadamard_code(report, bits)?),
            WorkloadKind::EncodeLearned => digest.code(&learned_code(report, bits)?),
            WorkloadKind::Hamming | WorkloadKind::HammingNaive => {
                let words = CodeLayout::new(bits)?.words();
                let db = cached(&mut databases, report, bits)?;
                let (a, b) = (&db[..words], &db[words..2 * words]);
                digest.distance(Kernel::PORTABLE.distance(a, b));
            }
            WorkloadKind::TopK => {
                let layout = CodeLayout::new(bits)?;
                if w.n != report.bench.n || w.k != report.bench.k {
                    bail!(
                        "top-k workload over n={} k={} but the bench spec says n={} k={}",
                        w.n,
                        w.k,
                        report.bench.n,
                        report.bench.k
                    );
                }
                let q = query_code(report, report.bench.database_kind, bits)?;
                let db = cached(&mut databases, report, bits)?;
                for code in db.chunks_exact(layout.words()) {
                    digest.code(code);
                }
                let mut out = vec![Neighbor::default(); w.k as usize];
                let found = top_k_flat_into(Kernel::PORTABLE, layout, &q, db, &mut out)?;
                out.truncate(found);
                for &n in &out {
                    digest.neighbor(n);
                }
                topk = out;
            }
        }
    }
    Ok(HostParity {
        parity: digest.finish(),
        topk,
    })
}

fn cached<'a>(
    cache: &'a mut BTreeMap<usize, Vec<u64>>,
    report: &Report,
    bits: usize,
) -> Result<&'a Vec<u64>> {
    match cache.entry(bits) {
        std::collections::btree_map::Entry::Occupied(e) => Ok(e.into_mut()),
        std::collections::btree_map::Entry::Vacant(e) => {
            Ok(e.insert(database_codes(report, bits)?))
        }
    }
}
