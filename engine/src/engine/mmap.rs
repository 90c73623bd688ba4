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

use memmap2::{Advice, Mmap};

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
}
