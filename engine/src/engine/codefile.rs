//! Code files: packed codes on disk, memory-mapped for search, so a database larger than RAM
//! is searched through the page cache with memory = one tile per thread + O(k) per query.
//!
//! Format `binaryllm codes v1`, little-endian, a 64-byte header so the words are 8-byte
//! aligned in a page-aligned mapping:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `BLLMCODE` |
//! | 8 | 4 | version, `1` |
//! | 12 | 4 | bits per code |
//! | 16 | 8 | number of codes `n` |
//! | 24 | 40 | zero |
//! | 64 | `n · words · 8` | codes, row-major `u64` words (bit `j` = bit `j % 64` of word `j / 64`, padding zero) |
//!
//! Writers write a temporary file beside the target and rename it: a reader never sees a
//! half-written file.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use binaryllm_core::CodeLayout;

use super::mmap::Mapped;
use super::search::CodeSet;

/// Magic bytes of a code file.
pub const MAGIC: [u8; 8] = *b"BLLMCODE";
/// Format version written and accepted.
pub const VERSION: u32 = 1;
/// Header size in bytes.
pub const HEADER: usize = 64;

/// A failure reading or writing a code file, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum CodeFileError {
    /// The operating system refused.
    #[error("code file {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The bytes are not a valid code file.
    #[error("code file {path}: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A code violates the layout (wrong length, padding bit set).
    #[error("code file {path}: {error}")]
    Code {
        /// The file.
        path: PathBuf,
        /// The core error.
        error: binaryllm_core::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> CodeFileError + '_ {
    move |source| CodeFileError::Io {
        path: path.to_owned(),
        source,
    }
}

fn header(layout: CodeLayout, n: u64) -> [u8; HEADER] {
    let mut h = [0u8; HEADER];
    h[..8].copy_from_slice(&MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[12..16].copy_from_slice(&(layout.bits() as u32).to_le_bytes());
    h[16..24].copy_from_slice(&n.to_le_bytes());
    h
}

/// A memory-mapped code file, validated on open (header, length, padding bits).
#[derive(Debug)]
pub struct CodeFile {
    path: PathBuf,
    layout: CodeLayout,
    n: usize,
    map: Mapped,
}

impl CodeFile {
    /// Maps and validates `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, CodeFileError> {
        let path = path.as_ref();
        let bad = |reason: String| CodeFileError::Format {
            path: path.to_owned(),
            reason,
        };
        if cfg!(target_endian = "big") {
            return Err(bad("mapped code files need a little-endian host".into()));
        }
        let file = File::open(path).map_err(io_err(path))?;
        let map = Mapped::new(&file).map_err(io_err(path))?;
        let bytes = map.bytes();
        let h = bytes
            .get(..HEADER)
            .ok_or_else(|| bad(format!("{} bytes, shorter than the header", bytes.len())))?;
        if h[..8] != MAGIC {
            return Err(bad("not a binaryllm code file (bad magic)".into()));
        }
        let u32_at = |o: usize| u32::from_le_bytes([h[o], h[o + 1], h[o + 2], h[o + 3]]);
        let version = u32_at(8);
        if version != VERSION {
            return Err(bad(format!(
                "version {version}, this build reads {VERSION}"
            )));
        }
        let layout = CodeLayout::new(u32_at(12) as usize).map_err(|error| CodeFileError::Code {
            path: path.to_owned(),
            error,
        })?;
        let mut n8 = [0u8; 8];
        n8.copy_from_slice(&h[16..24]);
        let n = u64::from_le_bytes(n8);
        let expect = (n as u128) * (layout.words() as u128) * 8 + HEADER as u128;
        if expect != bytes.len() as u128 {
            return Err(bad(format!(
                "{} bytes, but the header says {n} codes of {} bits ({expect} bytes)",
                bytes.len(),
                layout.bits()
            )));
        }
        let f = Self {
            path: path.to_owned(),
            layout,
            n: n as usize,
            map,
        };
        let words = f.words()?;
        layout
            .check_flat(words)
            .map_err(|error| CodeFileError::Code {
                path: path.to_owned(),
                error,
            })?;
        Ok(f)
    }

    fn words(&self) -> Result<&[u64], CodeFileError> {
        let data = self.map.bytes().get(HEADER..).unwrap_or(&[]);
        bytemuck::try_cast_slice(data).map_err(|e| CodeFileError::Format {
            path: self.path.clone(),
            reason: format!("mapping not 8-byte aligned: {e:?}"),
        })
    }

    /// The codes, borrowed from the mapping (empty if the mapping were misaligned, which
    /// [`open`](Self::open) already rejected).
    pub fn as_set(&self) -> CodeSet<'_> {
        CodeSet::from_checked(self.layout, self.words().unwrap_or(&[]))
    }

    /// The layout of every code.
    pub fn layout(&self) -> CodeLayout {
        self.layout
    }

    /// Number of codes.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the file holds no code.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Streams codes into a new code file with bounded memory; [`finish`](Self::finish) renames
/// the temporary file into place (dropping the writer unfinished removes it).
#[derive(Debug)]
pub struct CodeFileWriter {
    path: PathBuf,
    tmp: PathBuf,
    layout: CodeLayout,
    n: u64,
    out: Option<BufWriter<File>>,
}

impl CodeFileWriter {
    /// Starts `path` (written as its partial sibling `.<name>.partial-<pid>` until finished,
    /// [`crate::data::partial_path`]).
    pub fn create(path: impl AsRef<Path>, layout: CodeLayout) -> Result<Self, CodeFileError> {
        let path = path.as_ref().to_owned();
        let tmp = crate::data::partial_path(&path);
        let file = crate::data::partials::begin(&tmp, |t| File::create(t)).map_err(io_err(&tmp))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(&header(layout, 0)).map_err(io_err(&tmp))?;
        Ok(Self {
            path,
            tmp,
            layout,
            n: 0,
            out: Some(out),
        })
    }

    /// Appends codes (`m · words` words, each checked: length and zero padding).
    pub fn push(&mut self, codes: &[u64]) -> Result<(), CodeFileError> {
        self.layout
            .check_flat(codes)
            .map_err(|error| CodeFileError::Code {
                path: self.path.clone(),
                error,
            })?;
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        for w in codes {
            out.write_all(&w.to_le_bytes()).map_err(io_err(&self.tmp))?;
        }
        self.n += (codes.len() / self.layout.words()) as u64;
        Ok(())
    }

    /// Writes the final header, syncs and renames the file into place.
    pub fn finish(mut self) -> Result<PathBuf, CodeFileError> {
        let Some(out) = self.out.take() else {
            return Ok(self.path.clone());
        };
        let tmp = self.tmp.clone();
        let mut file = out.into_inner().map_err(|e| io_err(&tmp)(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(io_err(&tmp))?;
        file.write_all(&header(self.layout, self.n))
            .map_err(io_err(&tmp))?;
        file.sync_all().map_err(io_err(&tmp))?;
        drop(file);
        crate::data::partials::finish(&tmp, || std::fs::rename(&tmp, &self.path))
            .map_err(io_err(&self.path))?;
        Ok(self.path.clone())
    }
}

impl Drop for CodeFileWriter {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            crate::data::partials::abandon(&self.tmp);
        }
    }
}

/// Writes `codes` to `path` atomically.
pub fn write_code_file(
    path: impl AsRef<Path>,
    codes: CodeSet<'_>,
) -> Result<PathBuf, CodeFileError> {
    let mut w = CodeFileWriter::create(path, codes.layout())?;
    w.push(codes.words())?;
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::search::Searcher;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("binaryllm-codefile-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d.join(name)
    }

    #[test]
    fn round_trip_and_search_from_the_mapping_equals_in_memory() {
        let layout = CodeLayout::new(100).unwrap();
        let words: Vec<u64> = (0..300u64)
            .flat_map(|i| [i.wrapping_mul(0x9E37_79B9_7F4A_7C15), i % 7])
            .collect();
        let set = CodeSet::new(layout, &words).unwrap();
        let p = tmp("a.codes");
        write_code_file(&p, set).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(&bytes[..8], b"BLLMCODE");
        assert_eq!(bytes.len(), 64 + 300 * 16);
        assert_eq!(&bytes[64..72], &words[0].to_le_bytes());
        let f = CodeFile::open(&p).unwrap();
        assert_eq!((f.len(), f.is_empty(), f.layout()), (300, false, layout));
        assert_eq!(f.path(), p);
        let e = tmp("empty.codes");
        write_code_file(&e, CodeSet::new(layout, &[]).unwrap()).unwrap();
        let empty = CodeFile::open(&e).unwrap();
        assert_eq!((empty.len(), empty.is_empty()), (0, true));
        assert_eq!(f.as_set().words(), &words[..]);
        let q = set.slice(0..5).unwrap();
        let s = Searcher::new();
        assert_eq!(s.knn(f.as_set(), q, 7, 2), s.knn(set, q, 7, 2));
    }

    #[test]
    fn bad_files_are_typed_errors_naming_the_file() {
        let layout = CodeLayout::new(70).unwrap();
        let p = tmp("b.codes");
        write_code_file(&p, CodeSet::new(layout, &[1, 2, 3, 4]).unwrap()).unwrap();
        let good = std::fs::read(&p).unwrap();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (good[..40].to_vec(), "shorter than the header"),
            (good[..good.len() - 1].to_vec(), "header says"),
            ([b"NOTCODES".as_slice(), &good[8..]].concat(), "bad magic"),
            (
                {
                    let mut g = good.clone();
                    g[8] = 9;
                    g
                },
                "version 9",
            ),
            (
                {
                    let mut g = good.clone();
                    g[11] = 1; // the version's high byte: u32 little endian
                    g
                },
                "version 16777217",
            ),
            (
                {
                    let mut g = good.clone();
                    g[64 + 15] = 0x80; // padding bit of code 0's last word
                    g
                },
                "padding bit",
            ),
        ];
        for (bytes, want) in cases {
            std::fs::write(&p, &bytes).unwrap();
            let e = CodeFile::open(&p).unwrap_err().to_string();
            assert!(e.contains("b.codes") && e.contains(want), "{e}");
        }
        assert!(CodeFile::open(tmp("missing.codes")).is_err());
    }

    #[test]
    fn an_unfinished_writer_leaves_nothing_behind() {
        let p = tmp("c.codes");
        let layout = CodeLayout::new(64).unwrap();
        {
            let mut w = CodeFileWriter::create(&p, layout).unwrap();
            w.push(&[1, 2]).unwrap();
            assert!(w.push(&[]).is_ok());
        }
        assert!(!p.exists());
        let dir: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("c.codes"))
            .collect();
        assert!(dir.is_empty(), "{dir:?}");
        assert!(!crate::data::partial_path(&p).exists());
        // While a writer is open its partial file exists, hidden beside the target.
        let w = CodeFileWriter::create(&p, layout).unwrap();
        assert!(crate::data::partial_path(&p).exists());
        drop(w);
        assert!(!crate::data::partial_path(&p).exists());
    }
}
