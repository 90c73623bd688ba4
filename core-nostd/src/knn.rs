//! Exact top-k by Hamming distance.
//!
//! Results are ordered by `(distance, index)` ascending: ties always go to the smaller index, so
//! the answer never depends on scan order, chunking or thread count. `k = 0` is
//! [`Error::ZeroK`]; `k > N` returns the `N` results there are. Storage is caller-owned
//! ([`TopKCollector`] over `&mut [Neighbor]`) or inline ([`TopK<K>`]); nothing allocates.

use crate::code::{BinaryCode, CodeLayout};
use crate::error::{Error, Result, sat};
use crate::hamming::Kernel;

/// One search result. The derived order is `(distance, index)`, the result order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Neighbor {
    /// Hamming distance to the query.
    pub distance: u32,
    /// Position of the code in the searched set.
    pub index: u32,
}

/// Inserts `cand` into the sorted prefix `slots[..*len]`, keeping at most `slots.len()`.
#[inline]
fn insert(slots: &mut [Neighbor], len: &mut usize, cand: Neighbor) -> bool {
    let old = *len;
    let Some(live) = slots.get(..old) else {
        return false;
    };
    let pos = live.partition_point(|n| *n < cand);
    // `end` is the slot that falls off (full) or the first free one.
    let end = if old == slots.len() {
        // Full: only a candidate strictly smaller than the k-th best gets in.
        if live.last().is_none_or(|worst| cand >= *worst) {
            return false;
        }
        old - 1
    } else {
        *len = old + 1;
        old
    };
    if let Some(window) = slots.get_mut(pos..=end) {
        window.rotate_right(1);
        if let Some(first) = window.first_mut() {
            *first = cand;
        }
    }
    true
}

/// A streaming top-k collector over caller-owned slots (`k = slots.len()`).
///
/// Feed it `(index, distance)` pairs in any order (codes may come from flash or a stream); push
/// each index once.
#[derive(Debug)]
pub struct TopKCollector<'a> {
    slots: &'a mut [Neighbor],
    len: usize,
}

impl<'a> TopKCollector<'a> {
    /// A collector keeping the `slots.len()` best pairs; [`Error::ZeroK`] for empty slots.
    pub fn new(slots: &'a mut [Neighbor]) -> Result<Self> {
        if slots.is_empty() {
            return Err(Error::ZeroK);
        }
        Ok(Self { slots, len: 0 })
    }

    /// `k`, the capacity.
    #[inline]
    pub fn k(&self) -> usize {
        self.slots.len()
    }

    /// Number of results held.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was kept yet.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The k-th best result once `k` are held: a candidate that is not smaller is rejected.
    #[inline]
    pub fn worst(&self) -> Option<Neighbor> {
        if self.len == self.slots.len() {
            self.slots.last().copied()
        } else {
            None
        }
    }

    /// Offers one candidate; returns whether it was kept.
    #[inline]
    pub fn push(&mut self, index: u32, distance: u32) -> bool {
        insert(self.slots, &mut self.len, Neighbor { distance, index })
    }

    /// The results, sorted by `(distance, index)`.
    #[inline]
    pub fn as_slice(&self) -> &[Neighbor] {
        self.slots.get(..self.len).unwrap_or(&[])
    }
}

/// A top-k collector with inline storage for `K` results (`K >= 1`, checked at compile time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopK<const K: usize> {
    slots: [Neighbor; K],
    len: usize,
}

impl<const K: usize> Default for TopK<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const K: usize> TopK<K> {
    const VALID: () = assert!(K >= 1, "K must be at least 1");

    /// An empty collector (`const`, so it can be a `static`).
    pub const fn new() -> Self {
        let () = Self::VALID;
        Self {
            slots: [Neighbor {
                distance: 0,
                index: 0,
            }; K],
            len: 0,
        }
    }

    /// Offers one candidate; returns whether it was kept.
    #[inline]
    pub fn push(&mut self, index: u32, distance: u32) -> bool {
        insert(&mut self.slots, &mut self.len, Neighbor { distance, index })
    }

    /// The k-th best result once `K` are held.
    #[inline]
    pub fn worst(&self) -> Option<Neighbor> {
        if self.len == K {
            self.slots.last().copied()
        } else {
            None
        }
    }

    /// Number of results held.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was kept yet.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every result.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// The results, sorted by `(distance, index)`.
    #[inline]
    pub fn as_slice(&self) -> &[Neighbor] {
        self.slots.get(..self.len).unwrap_or(&[])
    }
}

fn check_count(n: usize) -> Result<()> {
    if n > u32::MAX as usize {
        return Err(Error::Capacity {
            required: u32::MAX,
            capacity: u32::MAX,
        });
    }
    Ok(())
}

/// The `out.len()` nearest `codes` to `query`, written sorted into `out`; returns how many
/// (`min(k, N)`).
pub fn top_k_into<const WORDS: usize>(
    query: &BinaryCode<WORDS>,
    codes: &[BinaryCode<WORDS>],
    out: &mut [Neighbor],
) -> Result<usize> {
    check_count(codes.len())?;
    let mut c = TopKCollector::new(out)?;
    for (i, code) in codes.iter().enumerate() {
        c.push(i as u32, query.distance(code));
    }
    Ok(c.len())
}

/// [`top_k_into`] over a flat word buffer of codes of a runtime `layout` (`N · words` words),
/// with the given kernel. The query and every code are checked (length, zero padding).
pub fn top_k_flat_into(
    kernel: Kernel,
    layout: CodeLayout,
    query: &[u64],
    codes: &[u64],
    out: &mut [Neighbor],
) -> Result<usize> {
    layout.check(query)?;
    let n = layout.check_flat(codes)?;
    check_count(n)?;
    let mut c = TopKCollector::new(out)?;
    for (i, code) in codes.chunks_exact(layout.words()).enumerate() {
        let d = kernel.distance(query, code);
        if c.worst().is_some_and(|w| d >= w.distance) {
            continue;
        }
        c.push(sat(i), d);
    }
    Ok(c.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_go_to_the_smaller_index_whatever_the_order() {
        let mut slots = [Neighbor::default(); 2];
        let mut c = TopKCollector::new(&mut slots).unwrap();
        for (i, d) in [(5, 1), (3, 1), (9, 0), (4, 1), (1, 1)] {
            c.push(i, d);
        }
        assert_eq!(
            c.as_slice(),
            &[
                Neighbor {
                    distance: 0,
                    index: 9
                },
                Neighbor {
                    distance: 1,
                    index: 1
                }
            ]
        );
    }

    #[test]
    fn k_zero_is_an_error() {
        assert_eq!(TopKCollector::new(&mut []).err(), Some(Error::ZeroK));
        let q = BinaryCode::<1>::ZERO;
        assert_eq!(top_k_into(&q, &[q], &mut []), Err(Error::ZeroK));
    }

    #[test]
    fn k_above_n_returns_n() {
        let codes = [
            BinaryCode::<1>::from_words([3]),
            BinaryCode::<1>::from_words([1]),
        ];
        let mut out = [Neighbor::default(); 5];
        let n = top_k_into(&BinaryCode::ZERO, &codes, &mut out).unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            out[0],
            Neighbor {
                distance: 1,
                index: 1
            }
        );
        assert_eq!(
            out[1],
            Neighbor {
                distance: 2,
                index: 0
            }
        );
    }

    #[test]
    fn flat_search_matches_typed_search() {
        let codes: [BinaryCode<2>; 4] = [
            BinaryCode::from_words([1, 0]),
            BinaryCode::from_words([0xff, 1]),
            BinaryCode::from_words([0, 0]),
            BinaryCode::from_words([1, 1]),
        ];
        let flat: [u64; 8] = [1, 0, 0xff, 1, 0, 0, 1, 1];
        let q = BinaryCode::from_words([1, 0]);
        let (mut a, mut b) = ([Neighbor::default(); 3], [Neighbor::default(); 3]);
        top_k_into(&q, &codes, &mut a).unwrap();
        let layout = BinaryCode::<2>::layout();
        for k in Kernel::available() {
            top_k_flat_into(k, layout, q.words(), &flat, &mut b).unwrap();
            assert_eq!(a, b);
        }
    }

    #[test]
    fn flat_search_rejects_bad_buffers() {
        let l = CodeLayout::new(10).unwrap();
        let mut out = [Neighbor::default(); 1];
        let k = Kernel::PORTABLE;
        assert!(top_k_flat_into(k, l, &[0], &[0, 1 << 12], &mut out).is_err());
        assert!(top_k_flat_into(k, l, &[1 << 12], &[0], &mut out).is_err());
        assert_eq!(top_k_flat_into(k, l, &[0], &[], &mut out), Ok(0));
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn at_most_u32_max_codes_are_searched() {
        // The ids are u32: a longer scan is a capacity error before any work.
        assert_eq!(check_count(u32::MAX as usize), Ok(()));
        assert_eq!(check_count(0), Ok(()));
        let e = Err(Error::Capacity {
            required: u32::MAX,
            capacity: u32::MAX,
        });
        assert_eq!(check_count(u32::MAX as usize + 1), e);
        assert_eq!(check_count(usize::MAX), e);
    }

    #[test]
    fn worst_is_the_kth_best_once_full_and_len_counts() {
        let mut slots = [Neighbor::default(); 2];
        let mut c = TopKCollector::new(&mut slots).unwrap();
        assert!(c.is_empty() && c.worst().is_none());
        assert!(c.push(7, 5));
        assert!(!c.is_empty() && c.worst().is_none());
        assert_eq!(c.len(), 1);
        assert!(c.push(2, 9));
        let worst = Neighbor {
            distance: 9,
            index: 2,
        };
        assert_eq!(c.worst(), Some(worst));
        assert!(
            !c.push(3, 9),
            "a tie with the k-th best and a larger index is rejected"
        );
        assert!(c.push(4, 3));
        assert_eq!(
            c.worst(),
            Some(Neighbor {
                distance: 5,
                index: 7
            })
        );
        let mut t = TopK::<2>::new();
        assert!(t.is_empty() && t.worst().is_none());
        t.push(7, 5);
        assert!(!t.is_empty() && t.worst().is_none());
        t.push(2, 9);
        assert_eq!((t.len(), t.worst()), (2, Some(worst)));
        t.clear();
        assert!(t.is_empty() && t.worst().is_none());
    }

    static EMPTY_TOPK: TopK<10> = TopK::new();

    #[test]
    fn static_new_topk_is_empty() {
        assert!(EMPTY_TOPK.is_empty());
        let mut t = EMPTY_TOPK.clone();
        assert!(t.push(3, 4));
        assert_eq!(t.worst(), None);
    }
}
