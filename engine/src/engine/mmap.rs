//! The one module of the host that maps files into memory (`memmap2`), hence the one place
//! with `unsafe` outside the core's `arch/`.
//!
//! Mapping is what makes out-of-core search possible: a code file or a float matrix larger
//! than RAM is read through the page cache, page by page, and never copied. The cost is the
//! usual contract of every mmap reader: the file must not be truncated or rewritten by another
//! process while it is mapped (our own writers never do that: they write a temporary file and
//! rename it over the old name, which leaves an existing mapping on the old inode intact).

use std::fs::File;
use std::io;

use memmap2::{Advice, Mmap, UncheckedAdvice};

/// A read-only mapping of a whole file (an empty file maps to an empty slice).
#[derive(Debug)]
pub(crate) struct Mapped {
    map: Option<Mmap>,
}

impl Mapped {
    /// Maps `file` read-only and advises the kernel that it will be read sequentially.
    pub(crate) fn new(file: &File) -> io::Result<Self> {
        if file.metadata()?.len() == 0 {
            return Ok(Self { map: None });
        }
        // SAFETY: the mapping is read-only and private to this process; the module docs state
        // the one remaining requirement (no concurrent truncation or in-place rewrite of the
        // file by another process), which our own writers honour by writing a temporary file
        // and renaming it.
        let map = unsafe { Mmap::map(file)? };
        // Advice is a hint: failing to give it changes nothing but speed.
        let _ = map.advise(Advice::Sequential);
        Ok(Self { map: Some(map) })
    }

    /// The mapped bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }

    /// Tells the kernel that the bytes `range` (rounded inwards to [`RELEASE_ALIGN`]) will not
    /// be read soon, so their pages leave this process's resident
    /// set. Reading them again later is correct, only slower: they are read back from the file.
    pub(crate) fn release(&self, range: std::ops::Range<usize>) {
        let Some(map) = &self.map else {
            return;
        };
        let Some(std::ops::Range { start, end }) = whole_chunks(range, map.len()) else {
            return;
        };
        // SAFETY: `MADV_DONTNEED` on a read-only private file mapping drops its pages; a later
        // read faults them in again from the file, with the same bytes under the module's
        // contract (no concurrent rewrite of the file), so no borrowed slice observes a change.
        // The range lies inside the mapping (clamped above). Advice is a hint: a failure
        // changes nothing but memory use.
        let _ =
            unsafe { map.unchecked_advise_range(UncheckedAdvice::DontNeed, start, end - start) };
    }
}

/// The release granularity: 64 KiB, a multiple of every page size in use.
const RELEASE_ALIGN: usize = 64 << 10;

/// The whole [`RELEASE_ALIGN`] chunks inside `range` clamped to `len` bytes (`None` if none).
fn whole_chunks(range: std::ops::Range<usize>, len: usize) -> Option<std::ops::Range<usize>> {
    let start = range.start.div_ceil(RELEASE_ALIGN) * RELEASE_ALIGN;
    let end = (range.end.min(len) / RELEASE_ALIGN) * RELEASE_ALIGN;
    (start < end).then_some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_ranges_are_the_whole_chunks_inside() {
        const A: usize = RELEASE_ALIGN;
        assert_eq!(A, 65536);
        assert_eq!(whole_chunks(0..4 * A, 10 * A), Some(0..4 * A));
        assert_eq!(whole_chunks(1..4 * A - 1, 10 * A), Some(A..3 * A));
        assert_eq!(whole_chunks(A..2 * A, 10 * A), Some(A..2 * A));
        assert_eq!(whole_chunks(A + 1..2 * A, 10 * A), None);
        assert_eq!(whole_chunks(A..A, 10 * A), None);
        // Clamped to the mapping's length.
        assert_eq!(whole_chunks(0..100 * A, 3 * A + 5), Some(0..3 * A));
        assert_eq!(whole_chunks(2 * A..100 * A, 2 * A + 5), None);
    }

    #[test]
    fn a_mapping_reads_the_file_and_survives_a_release() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.bin");
        let bytes: Vec<u8> = (0..3 * RELEASE_ALIGN + 17)
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        std::fs::write(&p, &bytes).unwrap();
        let m = Mapped::new(&File::open(&p).unwrap()).unwrap();
        assert_eq!(m.bytes(), &bytes[..]);
        m.release(0..bytes.len());
        assert_eq!(m.bytes(), &bytes[..]);
        std::fs::write(&p, b"").unwrap();
        let empty = Mapped::new(&File::open(&p).unwrap()).unwrap();
        assert!(empty.bytes().is_empty());
        empty.release(0..10);
    }
}
