//! Exact Hamming kNN: a blocked scan of L1-sized tiles of database codes, every query of a
//! thread's share compared with each tile in register groups by the kernel, per-query top-k
//! with a running threshold (most candidates are rejected with one compare). Threads take
//! database chunks (several per thread, for work stealing), each scanned against every query
//! and merged afterwards, so each tile is loaded and re-packed once per search; when the
//! per-chunk partial lists would be too large (very many queries) they take query chunks
//! instead.
//!
//! The kernel is detected once per [`Searcher`] and called once per tile, never per distance.
//! Results are the core's reference top-k — `(distance, index)` order, ties to the smaller
//! index — for every kernel, tile size and thread count (tested against
//! [`binaryllm_core::knn::top_k_flat_into`] on the portable kernel).

use std::ops::Range;

use binaryllm_core::{CodeLayout, Error, Kernel, Neighbor, Result, knn::TopKCollector};
use rayon::prelude::*;

use super::{KnnResult, with_threads};

/// Default tile of database codes: half of a 32 KiB L1d, so the tile, the query words and the
/// top-k lists of the current query group stay in L1.
pub const DEFAULT_TILE_BYTES: usize = 16 << 10;

/// Tiles hold a whole number of this many codes (the largest kernel block).
const BLOCK_ALL: usize = 8;

/// Work items per thread: more items than threads so rayon's work stealing evens out unequal
/// cores (a shared VM's vCPUs rarely run at the same speed).
const CHUNKS_PER_THREAD: usize = 2;

/// Budget for the per-chunk partial top-k lists of the database split (bytes); above it the
/// queries are split instead.
const PARTIALS_BUDGET_BYTES: usize = 64 << 20;

/// A borrowed set of packed codes of one layout, row-major: from a [`super::CodeMatrix`], a
/// memory-mapped code file ([`super::codefile::CodeFile`]) or any word slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeSet<'a> {
    layout: CodeLayout,
    words: &'a [u64],
}

impl<'a> CodeSet<'a> {
    /// Wraps `words` (`n · layout.words()` words, every padding bit zero: checked).
    pub fn new(layout: CodeLayout, words: &'a [u64]) -> Result<Self> {
        layout.check_flat(words)?;
        Ok(Self { layout, words })
    }

    /// Wraps words whose length and padding the caller has already checked.
    pub(crate) fn from_checked(layout: CodeLayout, words: &'a [u64]) -> Self {
        Self { layout, words }
    }

    /// The layout of every code.
    pub fn layout(&self) -> CodeLayout {
        self.layout
    }

    /// Number of codes.
    pub fn len(&self) -> usize {
        self.words.len() / self.layout.words()
    }

    /// Whether there are no codes.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The flat word buffer.
    pub fn words(&self) -> &'a [u64] {
        self.words
    }

    /// Code `i` (`None` past the end).
    pub fn code(&self, i: usize) -> Option<&'a [u64]> {
        let w = self.layout.words();
        self.words.get(i * w..(i + 1) * w)
    }

    /// Codes `range` as a set.
    pub fn slice(&self, range: Range<usize>) -> Option<CodeSet<'a>> {
        let w = self.layout.words();
        let words = self.words.get(range.start * w..range.end * w)?;
        Some(Self::from_checked(self.layout, words))
    }
}

/// An exact Hamming searcher: the kernel detected once, the tile size.
#[derive(Clone, Copy, Debug)]
pub struct Searcher {
    kernel: Kernel,
    tile_bytes: usize,
    partials_budget_bytes: usize,
}

impl Default for Searcher {
    fn default() -> Self {
        Self::new()
    }
}

impl Searcher {
    /// A searcher on the fastest kernel of this CPU ([`Kernel::detect`]), or the portable one
    /// when [`super::KERNEL_ENV`] says so.
    pub fn new() -> Self {
        Self::with_kernel(super::hamming_kernel())
    }

    /// A searcher on a given kernel (tests and benchmarks compare them).
    pub fn with_kernel(kernel: Kernel) -> Self {
        Self {
            kernel,
            tile_bytes: DEFAULT_TILE_BYTES,
            partials_budget_bytes: PARTIALS_BUDGET_BYTES,
        }
    }

    /// The same searcher with database tiles of about `bytes` bytes (at least one code).
    pub fn with_tile_bytes(mut self, bytes: usize) -> Self {
        self.tile_bytes = bytes.max(1);
        self
    }

    /// Sets the budget of the database split's per-chunk partial top-k lists (bytes); searches
    /// that would need more split the queries over threads instead (0: always the queries).
    pub fn with_partials_budget_bytes(mut self, bytes: usize) -> Self {
        self.partials_budget_bytes = bytes;
        self
    }

    /// The kernel in use.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// Codes per tile for a layout: a whole number of kernel blocks.
    fn tile_codes(&self, layout: CodeLayout) -> usize {
        let b = BLOCK_ALL;
        let codes = (self.tile_bytes / (layout.words() * 8)).max(1);
        codes.div_ceil(b) * b
    }

    /// Exact top-k of every query over `db` on a pool of `threads` threads (0 = all cores).
    /// `k = 0` is an error; `k > N` is clamped to `N`.
    pub fn knn(
        &self,
        db: CodeSet<'_>,
        queries: CodeSet<'_>,
        k: usize,
        threads: usize,
    ) -> Result<KnnResult> {
        if k == 0 {
            return Err(Error::ZeroK);
        }
        if db.layout() != queries.layout() {
            return Err(Error::DimensionMismatch {
                expected: db.layout().bits() as u32,
                actual: queries.layout().bits() as u32,
            });
        }
        if db.len() > u32::MAX as usize {
            return Err(Error::Capacity {
                required: u32::MAX,
                capacity: u32::MAX,
            });
        }
        let (n, nq) = (db.len(), queries.len());
        let k = k.min(n);
        let mut neighbors = vec![Neighbor::default(); nq * k];
        if k == 0 || nq == 0 {
            return Ok(KnnResult { k, neighbors });
        }
        let w = db.layout().words();
        with_threads(threads, || {
            let t = rayon::current_num_threads().max(1);
            let chunks = t * CHUNKS_PER_THREAD;
            let partials = chunks
                .saturating_mul(nq)
                .saturating_mul(k)
                .saturating_mul(size_of::<Neighbor>());
            if t == 1 {
                self.scan_into(db, 0..n, queries.words(), k, &mut neighbors)
                    .map(|_| ())
            } else if partials <= self.partials_budget_bytes {
                // Database chunks, each scanned against every query: every tile is loaded (and
                // re-packed for the kernel) once per search and serves all the queries.
                self.knn_split_database(db, queries, k, chunks, &mut neighbors)
            } else {
                // Many queries: query chunks, each scanning the whole database.
                let per = nq.div_ceil(chunks);
                neighbors
                    .par_chunks_mut(per * k)
                    .zip(queries.words().par_chunks(per * w))
                    .try_for_each(|(out, q)| self.scan_into(db, 0..n, q, k, out).map(|_| ()))
            }
        })?;
        Ok(KnnResult { k, neighbors })
    }

    /// Few queries: every thread scans one database chunk for all queries, then each query's
    /// partial lists are merged by a collector (order-independent, so identical results).
    fn knn_split_database(
        &self,
        db: CodeSet<'_>,
        queries: CodeSet<'_>,
        k: usize,
        chunks: usize,
        neighbors: &mut [Neighbor],
    ) -> Result<()> {
        let (n, nq) = (db.len(), queries.len());
        let tile = self.tile_codes(db.layout());
        let chunk = n.div_ceil(chunks).div_ceil(tile).max(1) * tile;
        let ranges: Vec<Range<usize>> = (0..n)
            .step_by(chunk)
            .map(|s| s..(s + chunk).min(n))
            .collect();
        let partials = ranges
            .into_par_iter()
            .map(|range| {
                let mut out = vec![Neighbor::default(); nq * k];
                let lens = self.scan_into(db, range, queries.words(), k, &mut out)?;
                Ok((out, lens))
            })
            .collect::<Result<Vec<_>>>()?;
        for (q, slots) in neighbors.chunks_exact_mut(k).enumerate() {
            let mut c = TopKCollector::new(slots)?;
            for (out, lens) in &partials {
                let part = out.get(q * k..q * k + lens[q]).unwrap_or(&[]);
                for nb in part {
                    c.push(nb.index, nb.distance);
                }
            }
        }
        Ok(())
    }

    /// Scans codes `range` of `db` for `queries` (row-major), writing each query's top-k into
    /// `out` (`k` slots per query); returns how many each holds.
    pub fn scan_into(
        &self,
        db: CodeSet<'_>,
        range: Range<usize>,
        queries: &[u64],
        k: usize,
        out: &mut [Neighbor],
    ) -> Result<Vec<usize>> {
        let layout = db.layout();
        let w = layout.words();
        let mut tops = out
            .chunks_exact_mut(k)
            .map(TopKCollector::new)
            .collect::<Result<Vec<_>>>()?;
        let tile_codes = self.tile_codes(layout);
        let kernel = self.kernel;
        let block = kernel.block();
        let mut buf = vec![0u64; kernel.tile_len(w, tile_codes)];
        let mut start = range.start;
        while start < range.end {
            let count = tile_codes.min(range.end - start);
            let codes =
                db.words()
                    .get(start * w..(start + count) * w)
                    .ok_or(Error::DimensionMismatch {
                        expected: ((start + count) * w) as u32,
                        actual: db.words().len() as u32,
                    })?;
            let tile: &[u64] = if kernel.rows_are_tiles(w) && count.is_multiple_of(block) {
                codes
            } else {
                kernel.pack_tile(w, codes, &mut buf)?;
                &buf
            };
            kernel.scan(layout, queries, tile, count, start as u32, &mut tops)?;
            start += count;
        }
        Ok(tops.iter().map(|t| t.len()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use binaryllm_core::knn::top_k_flat_into;
    use proptest::prelude::*;

    fn mix(s: &mut u64) -> u64 {
        *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Codes near a few centres (many ties), padding cleared.
    fn codes(layout: CodeLayout, n: usize, seed: u64) -> Vec<u64> {
        let w = layout.words();
        let mut s = seed;
        let centres: Vec<u64> = (0..2 * w).map(|_| mix(&mut s)).collect();
        let mut out = Vec::with_capacity(n * w);
        for _ in 0..n {
            let c = (mix(&mut s) % 2) as usize;
            let mut code = centres[c * w..(c + 1) * w].to_vec();
            for _ in 0..mix(&mut s) % 5 {
                let b = (mix(&mut s) % layout.bits() as u64) as usize;
                code[b / 64] ^= 1 << (b % 64);
            }
            code[w - 1] &= layout.last_word_mask();
            out.extend(code);
        }
        out
    }

    fn reference(db: CodeSet<'_>, q: CodeSet<'_>, k: usize) -> Vec<Neighbor> {
        let k = k.min(db.len());
        let mut all = vec![Neighbor::default(); q.len() * k];
        for (i, qc) in q.words().chunks_exact(q.layout().words()).enumerate() {
            top_k_flat_into(
                Kernel::PORTABLE,
                db.layout(),
                qc,
                db.words(),
                &mut all[i * k..(i + 1) * k],
            )
            .unwrap();
        }
        all
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn knn_equals_core_reference_for_every_kernel_tile_and_thread_count(
            bits in prop_oneof![Just(64usize), Just(256), Just(1024), 1usize..700],
            n in 1usize..400, nq in 1usize..40, k in 1usize..20, tile in 8usize..600, seed in any::<u64>(),
        ) {
            let layout = CodeLayout::new(bits).unwrap();
            let dbw = codes(layout, n, seed);
            let qw = codes(layout, nq, seed ^ 1);
            let db = CodeSet::new(layout, &dbw).unwrap();
            let q = CodeSet::new(layout, &qw).unwrap();
            let want = reference(db, q, k);
            for kernel in Kernel::available() {
                for threads in [1, 2, 3] {
                    // Default budget: the database split; budget 0: the query split.
                    for budget in [PARTIALS_BUDGET_BYTES, 0] {
                        let s = Searcher::with_kernel(kernel)
                            .with_tile_bytes(tile)
                            .with_partials_budget_bytes(budget);
                        let got = s.knn(db, q, k, threads).unwrap();
                        prop_assert_eq!(&got.neighbors, &want, "{} t{} budget {}", kernel.name(), threads, budget);
                    }
                }
            }
        }
    }

    #[test]
    fn a_code_set_knows_its_length() {
        let layout = CodeLayout::new(100).unwrap();
        let words = [1u64, 2, 3, 4, 5, 6];
        let set = CodeSet::new(layout, &words).unwrap();
        assert_eq!((set.len(), set.is_empty()), (3, false));
        let none = CodeSet::new(layout, &[]).unwrap();
        assert_eq!((none.len(), none.is_empty()), (0, true));
        assert_eq!(set.words(), &words[..]);
    }

    #[test]
    fn few_queries_split_the_database_and_merge_exactly() {
        let layout = CodeLayout::new(200).unwrap();
        let dbw = codes(layout, 5000, 7);
        let qw = codes(layout, 3, 8);
        let db = CodeSet::new(layout, &dbw).unwrap();
        for nq in 1..=3 {
            let q = CodeSet::new(layout, &qw[..nq * layout.words()]).unwrap();
            let want = reference(db, q, 25);
            for threads in [1, 2, 4, 7] {
                for tile in [64, 1000, DEFAULT_TILE_BYTES] {
                    let got = Searcher::new()
                        .with_tile_bytes(tile)
                        .knn(db, q, 25, threads)
                        .unwrap();
                    assert_eq!(got.neighbors, want, "nq {nq} threads {threads} tile {tile}");
                }
            }
        }
    }

    #[test]
    fn errors_are_typed() {
        let l = CodeLayout::new(64).unwrap();
        let l2 = CodeLayout::new(128).unwrap();
        let a = [1u64, 2];
        let db = CodeSet::new(l, &a).unwrap();
        let q = CodeSet::new(l2, &a).unwrap();
        let s = Searcher::new();
        assert_eq!(s.knn(db, db, 0, 1), Err(Error::ZeroK));
        assert!(matches!(
            s.knn(db, q, 1, 1),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(CodeSet::new(CodeLayout::new(10).unwrap(), &[1 << 12]).is_err());
        let empty = CodeSet::new(l, &[]).unwrap();
        assert_eq!(s.knn(empty, db, 3, 1).unwrap().k, 0);
        assert_eq!(s.knn(db, empty, 3, 1).unwrap().neighbors, vec![]);
    }

    #[test]
    fn slices_and_scans_name_the_codes_they_cover() {
        let layout = CodeLayout::new(130).unwrap();
        let dbw = codes(layout, 10, 3);
        let db = CodeSet::new(layout, &dbw).unwrap();
        let part = db.slice(2..5).unwrap();
        assert_eq!(part.len(), 3);
        assert_eq!(part.words(), &dbw[2 * 3..5 * 3]);
        assert_eq!(part.code(0), db.code(2));
        assert!(db.slice(8..11).is_none());
        // A scan past the end is a typed error naming the words it needed.
        let s = Searcher::with_kernel(Kernel::PORTABLE);
        let mut out = vec![Neighbor::default(); 2];
        assert_eq!(
            s.scan_into(db, 0..11, db.code(0).unwrap(), 2, &mut out),
            Err(Error::DimensionMismatch {
                expected: 33,
                actual: 30
            })
        );
    }

    #[test]
    fn tiles_are_whole_kernel_blocks_of_about_the_bytes_asked_for() {
        for bits in [64, 200, 1024] {
            let layout = CodeLayout::new(bits).unwrap();
            let code_bytes = layout.words() * 8;
            for bytes in [1, 100, 1000, DEFAULT_TILE_BYTES, 1 << 20] {
                let t = Searcher::new().with_tile_bytes(bytes).tile_codes(layout);
                assert!(t > 0 && t.is_multiple_of(BLOCK_ALL), "{bits} {bytes}: {t}");
                // The fewest whole blocks that hold `bytes` (at least one code).
                let codes = (bytes / code_bytes).max(1);
                assert!(t >= codes && t < codes + BLOCK_ALL, "{bits} {bytes}: {t}");
            }
        }
        assert_eq!(
            Searcher::new()
                .with_tile_bytes(0)
                .tile_codes(CodeLayout::new(64).unwrap()),
            8
        );
        assert_eq!(DEFAULT_TILE_BYTES, 16 << 10, "half of a 32 KiB L1d");
    }
}
