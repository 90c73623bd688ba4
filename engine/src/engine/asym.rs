//! The one asymmetric scorer: a float query projection against binary documents.
//!
//! `score = Σ_{j<bits} y_j · s_j` with `s_j = +1` for a set bit and `−1` otherwise, where `y` is
//! the query's projection relative to the per-bit thresholds (`y − t`). `search --asymmetric`
//! and the evaluation's `asym_rerank@…` metrics both score with [`AsymScorer`], so they rank
//! alike. The scorer reads a nibble table `t[16p + v] = Σ_{i<4, bit i of v} y[4p+i]` (one lookup
//! per 4 bits) in f64, `score = 2 · Σ_p t[16p + nibble_p(code)] − Σ y`; ties are broken by the
//! callers (to the smaller index).

/// The asymmetric scorer of one query.
#[derive(Clone, Debug)]
pub struct AsymScorer {
    table: Vec<f64>,
    total: f64,
    bits: usize,
}

impl AsymScorer {
    /// The scorer of the first `bits` values of `y` (the query projection minus thresholds).
    ///
    /// # Panics
    /// If `y` has fewer than `bits` values.
    pub fn new(y: &[f32], bits: usize) -> Self {
        let y = &y[..bits];
        let groups = bits.div_ceil(4);
        let mut table = vec![0f64; groups * 16];
        for (p, t) in table.chunks_exact_mut(16).enumerate() {
            for v in 1..16usize {
                let low = v.trailing_zeros() as usize;
                t[v] = t[v & (v - 1)] + y.get(4 * p + low).copied().map_or(0.0, f64::from);
            }
        }
        let total = y.iter().map(|&v| f64::from(v)).sum();
        Self { table, total, bits }
    }

    /// The score of `code` (LSB-first words, padding bits zero).
    pub fn score(&self, code: &[u64]) -> f64 {
        let mut acc = 0f64;
        for p in 0..self.bits.div_ceil(4) {
            let nib = code
                .get(p / 16)
                .map_or(0, |w| ((w >> ((p % 16) * 4)) & 0xF) as usize);
            acc += self.table[16 * p + nib];
        }
        2.0 * acc - self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use binaryllm_core::CodeLayout;

    /// `Σ_j y_j · (bit_j ? 1 : −1)` in bit order: the definition.
    fn reference(y: &[f32], code: &[u64], bits: usize) -> f64 {
        (0..bits)
            .map(|j| {
                let v = f64::from(y[j]);
                if (code[j / 64] >> (j % 64)) & 1 == 1 {
                    v
                } else {
                    -v
                }
            })
            .sum()
    }

    #[test]
    fn hand_case() {
        // bits 0 and 2 set: +1·1 −1·2 +1·3 −1·4 = −2; only the first 3 bits: 2.
        assert_eq!(
            AsymScorer::new(&[1.0, 2.0, 3.0, 4.0], 4).score(&[0b0101]),
            -2.0
        );
        assert_eq!(
            AsymScorer::new(&[1.0, 2.0, 3.0, 4.0], 3).score(&[0b0101]),
            2.0
        );
    }

    #[test]
    fn table_matches_the_definition() {
        let mut s = binaryllm_core::rng::SeededStream::new(1, *b"testasym", 0);
        for bits in [1, 5, 63, 64, 65, 130, 1024] {
            let y: Vec<f32> = (0..bits).map(|_| s.next_symmetric_uniform()).collect();
            let layout = CodeLayout::new(bits).unwrap();
            for _ in 0..20 {
                let mut code: Vec<u64> = (0..layout.words())
                    .map(|_| u64::from(s.next_u32()) << 32 | u64::from(s.next_u32()))
                    .collect();
                if let Some(last) = code.last_mut() {
                    *last &= layout.last_word_mask();
                }
                let a = reference(&y, &code, bits);
                let b = AsymScorer::new(&y, bits).score(&code);
                assert!((a - b).abs() < 1e-9 * (1.0 + a.abs()), "{bits}: {a} vs {b}");
            }
        }
    }
}
