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

    /// Tells the kernel that the bytes `range` (rounded inwards to 64 KiB, a multiple of every
    /// page size in use) will not be read soon, so their pages leave this process's resident
    /// set. Reading them again later is correct, only slower: they are read back from the file.
    pub(crate) fn release(&self, range: std::ops::Range<usize>) {
        const ALIGN: usize = 64 << 10;
        let Some(map) = &self.map else {
            return;
        };
        let start = range.start.div_ceil(ALIGN) * ALIGN;
        let end = (range.end.min(map.len()) / ALIGN) * ALIGN;
        if start >= end {
            return;
        }
        // SAFETY: `MADV_DONTNEED` on a read-only private file mapping drops its pages; a later
        // read faults them in again from the file, with the same bytes under the module's
        // contract (no concurrent rewrite of the file), so no borrowed slice observes a change.
        // The range lies inside the mapping (clamped above). Advice is a hint: a failure
        // changes nothing but memory use.
        let _ =
            unsafe { map.unchecked_advise_range(UncheckedAdvice::DontNeed, start, end - start) };
    }
}
