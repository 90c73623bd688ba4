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

mod digest;
#[cfg(feature = "postcard")]
mod frame;
mod types;
mod workload;

pub use digest::{ParityDigest, crc32, learned_digest};
#[cfg(feature = "postcard")]
pub use frame::*;
pub use types::*;
pub use workload::{BENCH_CLUSTERS, TAG_BENCH, bench_vector_into};
