//! The report's checksums: the parity digest (FNV-1a 64), the learned-projection digest and
//! the frame CRC-32.

use super::Parity;

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
}
