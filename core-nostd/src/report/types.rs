//! The report and its parts: counters, calibration, memory, workloads, bench inputs, parity.

use crate::error::Error;
use crate::projection::ProjectionKind;
use heapless::{String, Vec};
use serde::{Deserialize, Serialize};

/// Version of the wire format; the host refuses any other.
pub const REPORT_VERSION: u16 = 2;
/// Most workloads one report carries.
pub const MAX_WORKLOADS: usize = 32;
/// Most measurement errors one report carries (later ones are dropped and counted).
pub const MAX_ERRORS: usize = 4;
/// Most neighbours reported for the main top-k query.
pub const MAX_NEIGHBORS: usize = 16;
/// Capacity of the board and target name strings.
pub const NAME_CAPACITY: usize = 32;

/// What the workload counters count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CounterKind {
    /// Core clock cycles (DWT `CYCCNT` on M3/M4/M7, or SysTick clocked by the core on M0/M0+).
    Cycles,
    /// Instructions executed, from SysTick under QEMU `-icount shift=N` (never cycles).
    QemuIcountInstructions,
    /// Raw SysTick ticks that could not be converted (QEMU run without `-icount`).
    UncalibratedTicks,
}

impl CounterKind {
    /// The label used in `firmware-report.json` (`"cycles"`, `"qemu-icount-instructions"`,
    /// `"uncalibrated-ticks"`).
    pub const fn label(self) -> &'static str {
        match self {
            CounterKind::Cycles => "cycles",
            CounterKind::QemuIcountInstructions => "qemu-icount-instructions",
            CounterKind::UncalibratedTicks => "uncalibrated-ticks",
        }
    }
}

/// How the counter was calibrated: a loop of known instruction count, measured on the device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Calibration {
    /// Raw counter frequency in Hz (the core clock SysTick or DWT counts).
    pub counter_hz: u32,
    /// The QEMU `-icount shift` recovered from the calibration loop (`None` on hardware or when
    /// the run was not deterministic).
    pub icount_shift: Option<u8>,
    /// Raw ticks of the empty measurement, subtracted from every sample.
    pub overhead_ticks: u32,
    /// Instructions of the calibration loop (`2 · iterations`: `subs` + `bne`).
    pub loop_instructions: u32,
    /// The loop as measured, in counter units after overhead subtraction (equals
    /// `loop_instructions` under QEMU; cycles on hardware).
    pub loop_measured: u64,
}

/// Static sizes (linker symbols) and stack use (painting), in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Memory {
    /// `.text` (code).
    pub text: u32,
    /// `.rodata` (constants, including the stored codes and matrices).
    pub rodata: u32,
    /// `.data` (initialised statics: RAM, with its initial image in flash).
    pub data: u32,
    /// `.bss` (zero-initialised statics).
    pub bss: u32,
    /// Deepest stack use seen over the whole run (painted stack).
    pub stack_high_water: u32,
    /// Size of the stack region (RAM end to the end of `.bss`/`.uninit`).
    pub stack_region: u32,
    /// RAM used: `data + bss + stack_high_water`.
    pub ram_total: u32,
    /// Flash image size: vector table, code, constants and the `.data` image.
    pub flash_total: u32,
    /// Bytes of stored database codes in flash (part of `rodata`).
    pub stored_codes: u32,
    /// Bytes of stored projection matrices in flash (part of `rodata`).
    pub stored_matrices: u32,
}

/// The measured operation of a [`Workload`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WorkloadKind {
    /// The calibration loop (`subs`/`bne`, known instruction count).
    Calibration,
    /// Projection + sign + pack of one vector with a materialised matrix stored in flash.
    EncodeDense(ProjectionKind),
    /// Projection + sign + pack of one vector, matrix rows regenerated from the seed.
    EncodeMatrixFree(ProjectionKind),
    /// One Hamming distance with the dispatched core kernel.
    Hamming,
    /// One Hamming distance with a naive per-bit loop (CMSIS-DSP scalar
    /// `arm_hamming_distance` style): the baseline.
    HammingNaive,
    /// Exact top-k over the `n` database codes stored in flash.
    TopK,
    /// Projection + sign + pack of one vector with the structured Hadamard projection
    /// ([`crate::HadamardProjection`]: seed only, one scratch buffer of `P` floats).
    EncodeHadamard,
    /// Projection + sign + pack of one vector with a learned projection (matrix and per-bit
    /// thresholds exported by the host tooling, stored in flash; see [`LearnedSpec`]).
    EncodeLearned,
}

impl WorkloadKind {
    /// The kebab-case name used in `firmware-report.json`.
    pub const fn name(self) -> &'static str {
        match self {
            WorkloadKind::Calibration => "calibration-loop",
            WorkloadKind::EncodeDense(ProjectionKind::Gaussian) => "encode-dense-gaussian",
            WorkloadKind::EncodeDense(ProjectionKind::Rademacher) => "encode-dense-rademacher",
            WorkloadKind::EncodeDense(ProjectionKind::Achlioptas) => "encode-dense-achlioptas",
            WorkloadKind::EncodeMatrixFree(ProjectionKind::Gaussian) => {
                "encode-matrix-free-gaussian"
            }
            WorkloadKind::EncodeMatrixFree(ProjectionKind::Rademacher) => {
                "encode-matrix-free-rademacher"
            }
            WorkloadKind::EncodeMatrixFree(ProjectionKind::Achlioptas) => {
                "encode-matrix-free-achlioptas"
            }
            WorkloadKind::Hamming => "hamming-kernel",
            WorkloadKind::HammingNaive => "hamming-naive-per-bit",
            WorkloadKind::TopK => "topk-flash",
            WorkloadKind::EncodeHadamard => "encode-matrix-free-hadamard",
            WorkloadKind::EncodeLearned => "encode-learned",
        }
    }

    /// Whether the workload encodes one vector (its parity item is the code).
    pub const fn is_encode(self) -> bool {
        matches!(
            self,
            WorkloadKind::EncodeDense(_)
                | WorkloadKind::EncodeMatrixFree(_)
                | WorkloadKind::EncodeHadamard
                | WorkloadKind::EncodeLearned
        )
    }

    /// What one unit of `per_unit` is: an output bit (encode), a distance (Hamming), a scanned
    /// code (top-k) or a loop instruction (calibration).
    pub const fn unit(self) -> &'static str {
        match self {
            WorkloadKind::Calibration => "loop-instruction",
            WorkloadKind::EncodeDense(_)
            | WorkloadKind::EncodeMatrixFree(_)
            | WorkloadKind::EncodeHadamard
            | WorkloadKind::EncodeLearned => "bit",
            WorkloadKind::Hamming | WorkloadKind::HammingNaive => "distance",
            WorkloadKind::TopK => "code",
        }
    }
}

/// One measured workload: counter values over `repetitions` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Workload {
    /// What was measured.
    pub kind: WorkloadKind,
    /// Input dimensions (0 when not applicable).
    pub dims: u32,
    /// Code width in bits (0 when not applicable).
    pub bits: u32,
    /// Items processed per run: vectors encoded, distances, codes scanned, loop instructions.
    pub n: u32,
    /// `k` of a top-k workload (0 otherwise).
    pub k: u32,
    /// Number of measured runs.
    pub repetitions: u32,
    /// Smallest counter value (counter units, see [`Report::counter`]).
    pub min: u64,
    /// Median counter value (the lower median for an even count).
    pub median: u64,
    /// Largest counter value.
    pub max: u64,
    /// Deepest stack use of this workload alone, in bytes (painted before it ran).
    pub stack_bytes: u32,
}

impl Workload {
    /// Number of units `per_unit` divides by: `bits` for an encode, `n` otherwise.
    pub fn units(&self) -> u32 {
        if self.kind.is_encode() {
            self.bits
        } else {
            self.n
        }
    }

    /// `median / units` (NaN-free: 0 units gives the median itself).
    pub fn per_unit(&self) -> f64 {
        let u = self.units().max(1);
        self.median as f64 / f64::from(u)
    }
}

/// The fixed inputs every workload of a report was run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BenchSpec {
    /// Input dimensions.
    pub dims: u32,
    /// Number of database codes in flash (per code width).
    pub n: u32,
    /// `k` of the top-k workloads.
    pub k: u32,
    /// Seed of [`bench_vector_into`](super::bench_vector_into).
    pub data_seed: u64,
    /// Seed of every projection.
    pub projection_seed: u64,
    /// Projection of the database codes (and of the top-k query).
    pub database_kind: ProjectionKind,
    /// Index of the query vector for [`bench_vector_into`](super::bench_vector_into) (not a database index).
    pub query_index: u32,
    /// The learned projection stored in flash, if the board has one (the
    /// [`WorkloadKind::EncodeLearned`] workload uses it).
    pub learned: Option<LearnedSpec>,
}

/// Identifies the learned projection a device stored in flash, so the host recomputes its
/// parity items from the very same artefact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LearnedSpec {
    /// Input dimensions (columns of the matrix).
    pub dims: u32,
    /// Output bits (rows of the matrix, one threshold each).
    pub bits: u32,
    /// [`learned_digest`](super::learned_digest) of the matrix and thresholds, as read from flash by the device.
    pub digest: u64,
}

/// The parity digest and what went into it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Parity {
    /// [`ParityDigest::finish`](super::ParityDigest::finish) of everything computed, in workload order.
    pub digest: u64,
    /// Codes folded in (encoded queries and scanned database codes).
    pub codes: u32,
    /// Top-k neighbours folded in.
    pub neighbors: u32,
    /// Hamming distances folded in.
    pub distances: u32,
}

/// A firmware run's report (see the module docs for the wire format).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_VERSION`] of the writer. First on the wire, so a decoder reads it first.
    pub version: u16,
    /// Board name (`qemu-m4f`, `qemu-m0`, `nrf52840-dk`, `rp-pico`, …).
    pub board: String<NAME_CAPACITY>,
    /// Rust target triple of the firmware.
    pub target: String<NAME_CAPACITY>,
    /// What the counters count.
    pub counter: CounterKind,
    /// Name of the Hamming kernel the device dispatched to ([`crate::Kernel::name`]).
    pub kernel: String<NAME_CAPACITY>,
    /// The counter's calibration.
    pub calibration: Calibration,
    /// Static sizes and stack use.
    pub memory: Memory,
    /// The inputs of every workload.
    pub bench: BenchSpec,
    /// The measurements, in the order they ran (the parity digest's order).
    pub workloads: Vec<Workload, MAX_WORKLOADS>,
    /// Neighbours of the query in the last top-k workload, sorted by `(distance, index)`.
    pub topk: Vec<crate::knn::Neighbor, MAX_NEIGHBORS>,
    /// The parity digest over everything the device computed.
    pub parity: Parity,
    /// Core errors met while measuring (the workload that failed is left out).
    pub errors: Vec<Error, MAX_ERRORS>,
    /// Errors that did not fit in `errors`, or workloads that did not fit in `workloads`.
    pub dropped: u32,
}

impl Report {
    /// An empty report of the current version for `board` and `target` (names longer than
    /// [`NAME_CAPACITY`] are cut).
    pub fn new(board: &str, target: &str, bench: BenchSpec) -> Self {
        Self {
            version: REPORT_VERSION,
            board: truncated(board),
            target: truncated(target),
            counter: CounterKind::UncalibratedTicks,
            kernel: truncated(crate::Kernel::detect().name()),
            calibration: Calibration::default(),
            memory: Memory::default(),
            bench,
            workloads: Vec::new(),
            topk: Vec::new(),
            parity: Parity::default(),
            errors: Vec::new(),
            dropped: 0,
        }
    }

    /// Appends a workload (counted in `dropped` when full).
    pub fn push_workload(&mut self, w: Workload) {
        if self.workloads.push(w).is_err() {
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    /// Records an error (counted in `dropped` when full).
    pub fn push_error(&mut self, e: Error) {
        if self.errors.push(e).is_err() {
            self.dropped = self.dropped.saturating_add(1);
        }
    }
}

pub(super) fn truncated<const N: usize>(s: &str) -> String<N> {
    let mut out = String::new();
    for c in s.chars() {
        if out.push(c).is_err() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_names_and_units() {
        assert_eq!(
            WorkloadKind::EncodeMatrixFree(ProjectionKind::Rademacher).name(),
            "encode-matrix-free-rademacher"
        );
        assert_eq!(WorkloadKind::TopK.unit(), "code");
        let w = Workload {
            kind: WorkloadKind::EncodeDense(ProjectionKind::Gaussian),
            dims: 384,
            bits: 256,
            n: 1,
            k: 0,
            repetitions: 3,
            min: 500,
            median: 512,
            max: 600,
            stack_bytes: 0,
        };
        assert_eq!(w.per_unit(), 2.0);
        assert_eq!(
            CounterKind::QemuIcountInstructions.label(),
            "qemu-icount-instructions"
        );
    }

    #[test]
    fn new_encode_workloads_have_names_and_count_bits() {
        assert_eq!(
            WorkloadKind::EncodeHadamard.name(),
            "encode-matrix-free-hadamard"
        );
        assert_eq!(WorkloadKind::EncodeLearned.name(), "encode-learned");
        assert_eq!(
            WorkloadKind::EncodeMatrixFree(ProjectionKind::Achlioptas).name(),
            "encode-matrix-free-achlioptas"
        );
        for kind in [WorkloadKind::EncodeHadamard, WorkloadKind::EncodeLearned] {
            assert!(kind.is_encode());
            assert_eq!(kind.unit(), "bit");
        }
        assert!(!WorkloadKind::TopK.is_encode());
    }

    #[test]
    fn report_capacities_count_drops() {
        let spec = BenchSpec {
            dims: 4,
            n: 2,
            k: 1,
            data_seed: 0,
            projection_seed: 0,
            database_kind: ProjectionKind::Gaussian,
            query_index: 2,
            learned: None,
        };
        let mut r = Report::new("a-board-name-that-is-much-longer-than-32", "t", spec);
        assert_eq!(r.board.len(), NAME_CAPACITY);
        for _ in 0..MAX_ERRORS + 2 {
            r.push_error(Error::ZeroK);
        }
        assert_eq!(r.dropped, 2);
    }
}
