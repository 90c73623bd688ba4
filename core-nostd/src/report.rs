//! The firmware report: what a device measured, in a versioned wire format shared by the firmware
//! (which writes it) and the host (which decodes it and checks parity).
//!
//! # Wire format (version [`REPORT_VERSION`])
//!
//! ```text
//! frame   = COBS(payload ‖ crc32(payload) as 4 little-endian bytes) ‖ 0x00
//! payload = postcard(Report)            (its first field is `version: u16`, a varint)
//! ```
//!
//! * postcard 1.x encoding (varints for integers, a varint length before every string and
//!   vector, enum variants as varint indices), so the payload is compact and `no_std`;
//! * CRC-32/ISO-HDLC ([`crc32`]: reflected polynomial `0xEDB88320`, init and xor-out
//!   `0xFFFFFFFF`, check value `crc32(b"123456789") == 0xCBF43926`);
//! * COBS (Cheshire & Baker) so the frame never contains `0x00` and the trailing `0x00`
//!   delimits it on a byte stream (QEMU `-serial file:`, a UART, an RTT channel).
//!
//! A decoder checks, in order: the delimiter is there ([`FrameError::Truncated`]), nothing but
//! zero bytes follows it ([`FrameError::TrailingGarbage`]), the COBS blocks are well formed
//! ([`FrameError::Cobs`]), the CRC matches ([`FrameError::Crc`]), the version is
//! [`REPORT_VERSION`] ([`FrameError::Version`], read before the rest is trusted), the payload
//! deserialises ([`FrameError::Deserialize`]) and no payload byte is left over
//! ([`FrameError::TrailingBytes`]). Any change of [`Report`] or its parts changes the wire
//! format and must bump [`REPORT_VERSION`] (2: the Hadamard and learned encode workloads and
//! [`BenchSpec::learned`]).
//!
//! # The bench workload
//!
//! Input vectors come from [`bench_vector_into`] (clustered, seeded, exact in f32 on every
//! target); the database of `n` codes the device searches is `encode(bench_vector(i))` for
//! `i < n` under the Gaussian projection of [`BenchSpec`], generated at build time with the
//! core's reference path; the query is `bench_vector(query_index)`. A learned projection (matrix
//! and per-bit thresholds exported by the host tooling) is stored in flash as well and named in
//! the report by its [`learned_digest`] ([`LearnedSpec`]).
//!
//! # Parity digest
//!
//! The device folds into a [`ParityDigest`] (FNV-1a, 64 bit) everything it computed, walking its
//! workloads in report order: an encode workload adds the query's code words, a Hamming workload
//! adds the distance of database codes 0 and 1, a top-k workload adds every database code it
//! scanned and then its `k` neighbours (index, distance). The host walks the same list with the
//! reference path and must get the same digest ([`ParityDigest`] documents the byte stream).

use crate::error::Error;
use crate::projection::ProjectionKind;
use crate::rng::SeededStream;
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
    /// Seed of [`bench_vector_into`].
    pub data_seed: u64,
    /// Seed of every projection.
    pub projection_seed: u64,
    /// Projection of the database codes (and of the top-k query).
    pub database_kind: ProjectionKind,
    /// Index of the query vector for [`bench_vector_into`] (not a database index).
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
    /// [`learned_digest`] of the matrix and thresholds, as read from flash by the device.
    pub digest: u64,
}

/// 64-bit FNV-1a over the bit patterns of a learned projection: every matrix value, then every
/// threshold, each as 4 little-endian bytes of [`f32::to_bits`]. Identifies an exported
/// artefact (a changed value changes the digest).
pub fn learned_digest(matrix: &[f32], thresholds: &[f32]) -> u64 {
    let mut d = ParityDigest::new();
    for v in matrix.iter().chain(thresholds) {
        d.bytes(&v.to_bits().to_le_bytes());
    }
    d.state
}

/// The parity digest and what went into it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Parity {
    /// [`ParityDigest::finish`] of everything computed, in workload order.
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

fn truncated<const N: usize>(s: &str) -> String<N> {
    let mut out = String::new();
    for c in s.chars() {
        if out.push(c).is_err() {
            break;
        }
    }
    out
}

/// Generator tag of the firmware bench vectors.
pub const TAG_BENCH: [u8; 8] = *b"fwbench1";
/// Number of clusters of the bench vectors.
pub const BENCH_CLUSTERS: u64 = 32;

/// Bench vector `index`: `out[j] = c[j] + 0.5 · e[j]`, with `c` the next symmetric uniform values
/// ([`SeededStream::next_symmetric_uniform`]) of stream `index % 32` (the cluster centre) and
/// `e` those of stream `32 + index` (the vector's own noise), both of tag [`TAG_BENCH`] under
/// `seed`. Exact and identical on every target (one f32 rounding per value).
pub fn bench_vector_into(seed: u64, index: u64, out: &mut [f32]) {
    let mut centre = SeededStream::new(seed, TAG_BENCH, index % BENCH_CLUSTERS);
    let mut noise = SeededStream::new(seed, TAG_BENCH, BENCH_CLUSTERS.wrapping_add(index));
    for o in out.iter_mut() {
        let c = centre.next_symmetric_uniform();
        let e = noise.next_symmetric_uniform();
        *o = c + 0.5 * e;
    }
}

/// The parity digest: 64-bit FNV-1a over a byte stream.
///
/// Stream per workload, in report order: an encode adds each code word as 8 little-endian
/// bytes; a Hamming workload adds the distance as 4 little-endian bytes; a top-k workload adds
/// every scanned database code (words as above) and then each neighbour as `index` then
/// `distance` (4 little-endian bytes each). The calibration loop adds nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParityDigest {
    state: u64,
    parity: Parity,
}

impl Default for ParityDigest {
    fn default() -> Self {
        Self::new()
    }
}

impl ParityDigest {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    /// An empty digest.
    pub const fn new() -> Self {
        Self {
            state: Self::OFFSET,
            parity: Parity {
                digest: Self::OFFSET,
                codes: 0,
                neighbors: 0,
                distances: 0,
            },
        }
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.state ^= u64::from(b);
            self.state = self.state.wrapping_mul(Self::PRIME);
        }
    }

    /// Adds one code (its words).
    pub fn code(&mut self, words: &[u64]) {
        for w in words {
            self.bytes(&w.to_le_bytes());
        }
        self.parity.codes = self.parity.codes.saturating_add(1);
    }

    /// Adds one Hamming distance.
    pub fn distance(&mut self, d: u32) {
        self.bytes(&d.to_le_bytes());
        self.parity.distances = self.parity.distances.saturating_add(1);
    }

    /// Adds one neighbour.
    pub fn neighbor(&mut self, n: crate::knn::Neighbor) {
        self.bytes(&n.index.to_le_bytes());
        self.bytes(&n.distance.to_le_bytes());
        self.parity.neighbors = self.parity.neighbors.saturating_add(1);
    }

    /// The digest and its counts.
    pub fn finish(&self) -> Parity {
        Parity {
            digest: self.state,
            ..self.parity
        }
    }
}

/// CRC-32/ISO-HDLC of `bytes` (the frame checksum; see the module docs).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(feature = "postcard")]
pub use frame::*;

#[cfg(feature = "postcard")]
mod frame {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knn::Neighbor;

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        // FNV-1a 64 of "" and "a" (Fowler/Noll/Vo reference values).
        assert_eq!(ParityDigest::new().finish().digest, 0xcbf2_9ce4_8422_2325);
        let mut d = ParityDigest::new();
        d.bytes(b"a");
        assert_eq!(d.finish().digest, 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn digest_counts_and_orders_items() {
        let mut a = ParityDigest::new();
        a.code(&[1, 2]);
        a.distance(7);
        a.neighbor(Neighbor {
            distance: 3,
            index: 9,
        });
        let p = a.finish();
        assert_eq!((p.codes, p.distances, p.neighbors), (1, 1, 1));
        let mut b = ParityDigest::new();
        b.distance(7);
        b.code(&[1, 2]);
        b.neighbor(Neighbor {
            distance: 3,
            index: 9,
        });
        assert_ne!(b.finish().digest, p.digest, "order matters");
    }

    #[test]
    fn bench_vectors_are_clustered_and_deterministic() {
        let mut a = [0f32; 64];
        let mut b = [0f32; 64];
        let mut c = [0f32; 64];
        bench_vector_into(1, 5, &mut a);
        bench_vector_into(1, 5 + 32, &mut b);
        bench_vector_into(1, 6, &mut c);
        let d =
            |x: &[f32], y: &[f32]| -> f32 { x.iter().zip(y).map(|(p, q)| (p - q) * (p - q)).sum() };
        assert!(d(&a, &b) < d(&a, &c) / 2.0, "same cluster is closer");
        let mut again = [0f32; 64];
        bench_vector_into(1, 5, &mut again);
        assert_eq!(a, again);
        assert!(a.iter().all(|v| (-1.5..1.5).contains(v)));
    }

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
    fn learned_digest_is_fnv1a_of_the_value_bits() {
        // FNV-1a 64 of 00 00 80 3F | 00 00 00 C0 | 00 00 00 3F (1.0, -2.0, then 0.5), from a
        // three-line Python FNV.
        assert_eq!(learned_digest(&[1.0, -2.0], &[0.5]), 0xc598_e74a_d8b1_c9b5);
        // Where the matrix ends matters not, the values and their order do; -0.0 is not 0.0.
        assert_eq!(
            learned_digest(&[1.0], &[-2.0, 0.5]),
            learned_digest(&[1.0, -2.0], &[0.5])
        );
        assert_ne!(
            learned_digest(&[-2.0, 1.0], &[0.5]),
            learned_digest(&[1.0, -2.0], &[0.5])
        );
        assert_ne!(learned_digest(&[0.0], &[]), learned_digest(&[-0.0], &[]));
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

#[cfg(all(test, feature = "postcard"))]
mod frame_tests {
    use super::*;
    use crate::knn::Neighbor;
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
