//! The workloads, measured and folded into the report and its parity digest.
//!
//! For every code width `B` with a database in flash ([`crate::stored::DATABASES`]), in order:
//!
//! 1. `encode-dense-gaussian` — projection + sign + pack of the query with the materialised
//!    Gaussian matrix in flash (only where it fits: [`crate::stored::MATRICES`]);
//! 2. `encode-matrix-free-gaussian`, 3. `encode-matrix-free-rademacher` and
//!    4. `encode-matrix-free-achlioptas` — the same with the rows regenerated from the seed (no
//!    stored matrix);
//! 5. `encode-matrix-free-hadamard` — the structured projection (random sign flips + fast
//!    Walsh–Hadamard transform, 3 rounds): a seed and one scratch buffer of `P` floats;
//! 6. `hamming-kernel` — one distance (database codes 0 and 1) with the core's dispatched
//!    kernel, and 7. `hamming-naive-per-bit` — the same with [`naive_hamming`], the baseline;
//! 8. `topk-flash` — exact top-`K` of the Gaussian query code over the `N` codes in flash.
//!
//! Then, once, `encode-learned` — the learned projection exported by the host tooling
//! (`firmware/learned/`, a dense matrix and per-bit thresholds in flash: [`crate::stored::LEARNED`]).
//!
//! The parity digest follows [`binaryllm_core::report::ParityDigest`].

use crate::measure::{Calibrated, Counter, calibrate, raw_ticks, summarize};
use crate::memory::StackMeter;
use crate::stored::{self, DATABASES, DIMS, K, MATRICES, N_CODES, REPS};
use binaryllm_core::knn::top_k_flat_into;
use binaryllm_core::report::{
    BenchSpec, LearnedSpec, MAX_NEIGHBORS, ParityDigest, Report, Workload, WorkloadKind,
    bench_vector_into, learned_digest,
};
use binaryllm_core::{
    CodeLayout, DenseProjection, Error, HadamardProjection, Kernel, Neighbor, Projection,
    ProjectionKind, SeededProjection, Threshold, encode_into,
};
use core::hint::black_box;

/// Most repetitions of one workload.
pub const MAX_REPS: usize = 64;
/// Widest code in words (1,024 bits).
pub const MAX_WORDS: usize = 16;
/// Largest padded transform length `P` of the Hadamard workload (DIMS = 384 pads to 512).
pub const MAX_HADAMARD_P: usize = 512;

/// Hamming distance with a naive per-bit loop over 32-bit words, the way CMSIS-DSP's scalar
/// `arm_hamming_distance` counts (`arm_boolean_distance_TT_FF_TF_FT` template: one TF and one FT
/// counter, one bit per iteration). CMSIS returns `(ctf + cft) / numberOfBools` as `f32`; this
/// returns the integer `ctf + cft` so the result enters the parity digest.
#[inline(never)]
pub fn naive_hamming(a: &[u64], b: &[u64]) -> u32 {
    let mut ctf = 0u32;
    let mut cft = 0u32;
    for (&wa, &wb) in a.iter().zip(b) {
        for (mut x, mut y) in [
            (wa as u32, wb as u32),
            ((wa >> 32) as u32, (wb >> 32) as u32),
        ] {
            for _ in 0..32 {
                let (p, q) = (x & 1, y & 1);
                ctf += p & (1 - q);
                cft += q & (1 - p);
                x >>= 1;
                y >>= 1;
            }
        }
    }
    ctf + cft
}

/// The inputs every workload runs on (from the build-time plan).
pub fn spec() -> BenchSpec {
    BenchSpec {
        dims: DIMS as u32,
        n: N_CODES as u32,
        k: K as u32,
        data_seed: stored::DATA_SEED,
        projection_seed: stored::PROJECTION_SEED,
        database_kind: ProjectionKind::Gaussian,
        query_index: stored::QUERY_INDEX,
        learned: stored::LEARNED.map(|l| LearnedSpec {
            dims: l.dims as u32,
            bits: l.bits as u32,
            digest: learned_digest(l.matrix, l.thresholds),
        }),
    }
}

struct Ctx<'a, C: Counter> {
    counter: &'a mut C,
    cal: Calibrated,
    stack: &'a mut StackMeter,
    report: &'a mut Report,
    digest: ParityDigest,
}

impl<C: Counter> Ctx<'_, C> {
    /// Runs `f` `reps` times, records the workload and returns the last result (`None` after
    /// recording an error).
    fn measure<T>(
        &mut self,
        shape: Workload,
        reps: u32,
        mut f: impl FnMut() -> Result<T, Error>,
    ) -> Option<T> {
        let reps = (reps as usize).clamp(1, MAX_REPS);
        let mut samples = [0u64; MAX_REPS];
        let mut last = None;
        self.stack.begin();
        for s in samples.iter_mut().take(reps) {
            let mut r = None;
            let raw = raw_ticks(self.counter, &mut || r = Some(f()));
            *s = self.cal.convert(raw);
            match r {
                Some(Ok(v)) => last = Some(v),
                Some(Err(e)) => {
                    self.report.push_error(e);
                    return None;
                }
                None => return None,
            }
        }
        let stack_bytes = self.stack.end();
        record(self.report, shape, &mut samples[..reps], stack_bytes);
        last
    }
}

/// Summarises the samples of one workload into the report (not generic: one copy of the code).
#[inline(never)]
fn record(report: &mut Report, shape: Workload, samples: &mut [u64], stack_bytes: u32) {
    let (min, median, max) = summarize(samples);
    let w = Workload {
        repetitions: samples.len() as u32,
        min,
        median,
        max,
        stack_bytes,
        ..shape
    };
    info!(
        "{} bits={} n={}: min {} median {} max {} (stack {} B)",
        w.kind.name(),
        w.bits,
        w.n,
        w.min,
        w.median,
        w.max,
        w.stack_bytes
    );
    report.push_workload(w);
}

fn shape(kind: WorkloadKind, bits: usize, n: usize, k: usize) -> Workload {
    Workload {
        kind,
        dims: if kind.is_encode() || kind == WorkloadKind::TopK {
            DIMS as u32
        } else {
            0
        },
        bits: bits as u32,
        n: n as u32,
        k: k as u32,
        repetitions: 0,
        min: 0,
        median: 0,
        max: 0,
        stack_bytes: 0,
    }
}

/// Runs every workload and fills `report` (except the memory figures, see [`finish`]); `stack`
/// should be created first thing in `main` so it sees the whole run.
pub fn run<C: Counter>(counter: &mut C, report: &mut Report, stack: &mut StackMeter) {
    let cal = calibrate(counter);
    report.counter = cal.kind;
    report.calibration = cal.calibration;
    report.push_workload(Workload {
        repetitions: 1,
        min: cal.calibration.loop_measured,
        median: cal.calibration.loop_measured,
        max: cal.calibration.loop_measured,
        ..shape(
            WorkloadKind::Calibration,
            0,
            cal.calibration.loop_instructions as usize,
            0,
        )
    });
    info!(
        "counter {}: loop of {} instructions measured {} (icount shift {})",
        cal.kind.label(),
        cal.calibration.loop_instructions,
        cal.calibration.loop_measured,
        cal.calibration.icount_shift.unwrap_or(0)
    );

    let mut x = [0f32; DIMS];
    bench_vector_into(stored::DATA_SEED, u64::from(stored::QUERY_INDEX), &mut x);
    let kernel = Kernel::detect();
    let mut ctx = Ctx {
        counter,
        cal,
        stack,
        report,
        digest: ParityDigest::new(),
    };
    for db in DATABASES {
        if let Err(e) = run_width(&mut ctx, kernel, db, &x) {
            ctx.report.push_error(e);
        }
    }
    if let Some(learned) = stored::LEARNED
        && let Err(e) = run_learned(&mut ctx, &learned, &x)
    {
        ctx.report.push_error(e);
    }
    ctx.report.parity = ctx.digest.finish();
}

#[inline(never)]
fn encode_workload<C: Counter, P: Projection>(
    ctx: &mut Ctx<'_, C>,
    kind: WorkloadKind,
    p: &P,
    threshold: Threshold<'_>,
    x: &[f32],
    out: &mut [u64],
) -> bool {
    let bits = p.bits();
    let done = ctx
        .measure(shape(kind, bits, 1, 0), REPS.encode, || {
            encode_into(p, black_box(x), threshold, &mut *out)
        })
        .is_some();
    if done {
        ctx.digest.code(out);
    }
    done
}

/// The Hadamard encode: the only scratch is `P` floats on the stack (2 KiB for DIMS = 384).
#[inline(never)]
fn hadamard_workload<C: Counter>(
    ctx: &mut Ctx<'_, C>,
    bits: usize,
    x: &[f32],
    out: &mut [u64],
) -> Result<(), Error> {
    let p = HadamardProjection::new(stored::PROJECTION_SEED, DIMS, bits)?;
    let mut scratch = [0f32; MAX_HADAMARD_P];
    let scratch = scratch.get_mut(..p.padded_dims()).ok_or(Error::Capacity {
        required: p.padded_dims() as u32,
        capacity: MAX_HADAMARD_P as u32,
    })?;
    let done = ctx
        .measure(
            shape(WorkloadKind::EncodeHadamard, bits, 1, 0),
            REPS.encode,
            || p.encode_into(black_box(x), Threshold::Zero, &mut *scratch, &mut *out),
        )
        .is_some();
    if done {
        ctx.digest.code(out);
    }
    Ok(())
}

/// The learned projection in flash: dense matrix + per-bit thresholds.
#[inline(never)]
fn run_learned<C: Counter>(
    ctx: &mut Ctx<'_, C>,
    learned: &stored::Learned,
    x: &[f32; DIMS],
) -> Result<(), Error> {
    let layout = CodeLayout::new(learned.bits)?;
    let mut code = [0u64; MAX_WORDS];
    let code = code.get_mut(..layout.words()).ok_or(Error::Capacity {
        required: layout.words() as u32,
        capacity: MAX_WORDS as u32,
    })?;
    let p = DenseProjection::new(learned.matrix, learned.dims, learned.bits)?;
    encode_workload(
        ctx,
        WorkloadKind::EncodeLearned,
        &p,
        Threshold::PerBit(learned.thresholds),
        x,
        code,
    );
    Ok(())
}

#[inline(never)]
fn run_width<C: Counter>(
    ctx: &mut Ctx<'_, C>,
    kernel: Kernel,
    db: &stored::Stored,
    x: &[f32; DIMS],
) -> Result<(), Error> {
    let bits = db.bits;
    let layout = CodeLayout::new(bits)?;
    let w = layout.words();
    let capacity = Error::Capacity {
        required: w as u32,
        capacity: MAX_WORDS as u32,
    };
    let codes = db.words().ok_or(capacity)?;
    let mut query = [0u64; MAX_WORDS];
    let query = query.get_mut(..w).ok_or(capacity)?;

    if let Some(m) = MATRICES.iter().find(|m| m.bits == bits) {
        let dense = DenseProjection::new(m.floats().ok_or(capacity)?, DIMS, bits)?;
        encode_workload(
            ctx,
            WorkloadKind::EncodeDense(ProjectionKind::Gaussian),
            &dense,
            Threshold::Zero,
            x,
            query,
        );
    }
    let mut other = [0u64; MAX_WORDS];
    let other = other.get_mut(..w).ok_or(capacity)?;
    let seeded = |kind| SeededProjection::new(kind, stored::PROJECTION_SEED, DIMS, bits);
    let have_query = encode_workload(
        ctx,
        WorkloadKind::EncodeMatrixFree(ProjectionKind::Gaussian),
        &seeded(ProjectionKind::Gaussian)?,
        Threshold::Zero,
        x,
        query,
    );
    for kind in [ProjectionKind::Rademacher, ProjectionKind::Achlioptas] {
        encode_workload(
            ctx,
            WorkloadKind::EncodeMatrixFree(kind),
            &seeded(kind)?,
            Threshold::Zero,
            x,
            &mut *other,
        );
    }
    if let Err(e) = hadamard_workload(ctx, bits, x, other) {
        ctx.report.push_error(e);
    }

    // Opaque inputs (the codes are constants the compiler could otherwise fold), prepared
    // outside the measured closures so they only load them.
    let (kernel, a, b) = black_box((
        kernel,
        codes.get(..w).ok_or(capacity)?,
        codes.get(w..2 * w).ok_or(capacity)?,
    ));
    if let Some(d) = ctx.measure(
        shape(WorkloadKind::Hamming, bits, 1, 0),
        REPS.hamming,
        || Ok(kernel.distance(a, b)),
    ) {
        ctx.digest.distance(d);
    }
    if let Some(d) = ctx.measure(
        shape(WorkloadKind::HammingNaive, bits, 1, 0),
        REPS.hamming,
        || Ok(naive_hamming(a, b)),
    ) {
        ctx.digest.distance(d);
    }

    if !have_query {
        return Ok(());
    }
    let mut slots = [Neighbor::default(); K];
    let query: &[u64] = query;
    let found = ctx.measure(
        shape(WorkloadKind::TopK, bits, codes.len() / w, K),
        REPS.topk,
        || {
            top_k_flat_into(
                kernel,
                layout,
                black_box(query),
                black_box(codes),
                &mut slots,
            )
        },
    );
    if let Some(found) = found {
        for code in codes.chunks_exact(w) {
            ctx.digest.code(code);
        }
        ctx.report.topk.clear();
        for &n in slots.iter().take(found.min(MAX_NEIGHBORS)) {
            ctx.digest.neighbor(n);
            let _ = ctx.report.topk.push(n);
        }
    }
    Ok(())
}

/// Fills the memory figures: section sizes, and the stack high-water of the whole run,
/// including a dry run of the report encoding (the same code path as the real send).
#[inline(never)]
pub fn finish(report: &mut Report, scratch: &mut [u8], stack: &mut StackMeter) {
    let _ = binaryllm_core::report::encode_payload_into(report, scratch);
    let mut m = crate::memory::sections();
    m.stack_high_water = stack.high_water();
    m.ram_total = m.data + m.bss + m.stack_high_water;
    report.memory = m;
}
