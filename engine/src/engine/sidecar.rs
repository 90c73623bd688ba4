//! Code-file sidecars: `<file>.json` beside every code file (and FAISS index) binaryllm writes.
//!
//! `encode --out codes.npy` writes `codes.npy.json`; `export` writes one beside its output. It
//! records what a reader cannot see in the bytes: the code width, the byte order, how the codes
//! were made (projection kind, seed, input dims, threshold rule, ITQ iterations, training file,
//! arithmetic, or the projection artefact), the input vectors' file and sha256, the tool, and
//! the sha256 of the code file itself. `search`, `export` and `eval --codes` read it (see
//! the CLI's `codefile` module). The schema is `schemas/codes-sidecar-v1.schema.json`.
//!
//! Every sha256 is the lowercase hex digest of a file's bytes as stored (for a `.npy`, the
//! header included); an artefact's is [`crate::projection::artefact::content_sha256`] (matrix then
//! thresholds, f32 little endian), which identifies it.

use std::ffi::OsString;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::data::{self, WriteError};
use crate::kinds::{Kind, ThresholdMode};

/// The `format` of a code file's sidecar.
pub const CODES_FORMAT: &str = "binaryllm-codes";
/// The `format` of a FAISS index's sidecar.
pub const FAISS_INDEX_FORMAT: &str = "binaryllm-faiss-index";
/// The `format` of a pgvector SQL script's sidecar (`export --format pgvector-sql`).
pub const PGVECTOR_SQL_FORMAT: &str = "binaryllm-pgvector-sql";
/// The prefix every binaryllm sidecar's `format` starts with.
pub const FORMAT_PREFIX: &str = "binaryllm-";
/// The sidecar version this build writes and reads.
pub const VERSION: u32 = 1;

/// Bit order inside each byte of the codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ByteOrder {
    /// LSB-first: FAISS, `numpy.packbits(bitorder="little")`.
    Faiss,
    /// MSB-first: `numpy.packbits` default (sentence-transformers `ubinary`).
    Packbits,
}

impl ByteOrder {
    /// The command-line name (`faiss`, `packbits`).
    pub const fn name(self) -> &'static str {
        match self {
            ByteOrder::Faiss => "faiss",
            ByteOrder::Packbits => "packbits",
        }
    }
}

/// How the projection's outputs were computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arithmetic {
    /// The default bit-exact reference arithmetic (as `eval` and the firmware).
    Reference,
    /// `encode --fma`: fused multiply-add kernels.
    Fma,
}

/// A file and the sha256 of its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// Absolute path when written.
    pub path: String,
    /// Lowercase hex sha256 of the file.
    pub sha256: String,
}

impl FileRef {
    /// The reference of `path` (made absolute) with digest `sha256`.
    pub fn new(path: &Path, sha256: String) -> Self {
        Self {
            path: absolute(path).display().to_string(),
            sha256,
        }
    }
}

/// The training vectors of a trained projection or threshold rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Training {
    /// Absolute path when written.
    pub path: String,
    /// Lowercase hex sha256 of the file.
    pub sha256: String,
    /// The requested seeded subsample (`null`: every row).
    pub sample: Option<usize>,
    /// Rows actually used.
    pub rows_used: usize,
}

/// The projection artefact (`--projection-file`) the codes were made with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtefactRef {
    /// Absolute path of the artefact directory when written.
    pub path: String,
    /// Its content digest ([`crate::projection::artefact::content_sha256`]): the artefact's id.
    pub sha256: String,
    /// The sha256 of the file it was trained on (`null`: none).
    pub training_sha256: Option<String>,
}

/// How the codes were made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Projection {
    /// Kind (`gaussian`, …, `itq`).
    pub kind: Kind,
    /// Seed.
    pub seed: u64,
    /// Input dimensions.
    pub dims: usize,
    /// Threshold rule (`zero`, `mean`, `median`).
    pub threshold: ThresholdMode,
    /// ITQ iterations (`itq` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<usize>,
    /// Reference or fused arithmetic.
    pub arithmetic: Arithmetic,
    /// The training vectors (`null`: the projection was not trained on data).
    pub training: Option<Training>,
    /// The artefact (`null`: built from kind and seed).
    pub artefact: Option<ArtefactRef>,
}

impl Projection {
    /// A one-line description for messages, e.g. `gaussian seed 0, 16 dims, threshold zero`.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} seed {}, {} dims, threshold {}",
            self.kind, self.seed, self.dims, self.threshold
        );
        if let Some(i) = self.iterations {
            s += &format!(", {i} iterations");
        }
        if let Some(t) = &self.training {
            s += &format!(", trained on {} (sha256 {})", t.path, short(&t.sha256));
        }
        if let Some(a) = &self.artefact {
            s += &format!(", artefact {} (sha256 {})", a.path, short(&a.sha256));
        }
        s
    }

    /// Whether codes made with `self` and with `other` are comparable (same projection of the
    /// same dims; the arithmetic and file paths are not compared).
    pub fn same_as(&self, other: &Projection) -> bool {
        let key = |p: &Projection| {
            (
                p.kind,
                p.seed,
                p.dims,
                p.threshold,
                p.iterations,
                p.training.as_ref().map(|t| (t.sha256.clone(), t.sample)),
                p.artefact.as_ref().map(|a| a.sha256.clone()),
            )
        };
        key(self) == key(other)
    }
}

/// The tool that wrote the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// `binaryllm`.
    pub name: String,
    /// Its version.
    pub version: String,
    /// `git rev-parse HEAD` of the repository it ran in (`null` outside one).
    pub git_commit: Option<String>,
}

impl Tool {
    /// This binaryllm (git commit probed in the repository root).
    pub fn this() -> Self {
        Self {
            name: "binaryllm".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            git_commit: crate::checkout::git_commit(&crate::checkout::repo_root()),
        }
    }
}

/// A sidecar (version [`VERSION`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// [`CODES_FORMAT`], [`FAISS_INDEX_FORMAT`] or [`PGVECTOR_SQL_FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// Codes (rows).
    pub rows: usize,
    /// Code width.
    pub bits: usize,
    /// Bytes per code (`ceil(bits / 8)`).
    pub bytes_per_row: usize,
    /// Bit order inside each byte.
    pub byte_order: ByteOrder,
    /// sha256 of the file this sidecar describes (all its bytes).
    pub sha256: String,
    /// How the codes were made (`null`: unknown, e.g. exported from codes without a sidecar).
    pub projection: Option<Projection>,
    /// The float vectors the codes were made from (`null`: unknown).
    pub input: Option<FileRef>,
    /// The code file this one was exported from (`null` for `encode` output).
    pub source: Option<FileRef>,
    /// The writer.
    pub tool: Tool,
}

/// Why a sidecar could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    /// Reading failed.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The sidecar.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not JSON, or fields missing or of the wrong type.
    #[error("{}: not a valid binaryllm sidecar: {detail}", path.display())]
    Invalid {
        /// The sidecar.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// Another version.
    #[error("{}: sidecar version {found} is not the supported version {VERSION}", path.display())]
    Version {
        /// The sidecar.
        path: PathBuf,
        /// Its version.
        found: u64,
    },
}

/// The sidecar path of `file`: its full name plus `.json` (`codes.npy` → `codes.npy.json`).
pub fn path_of(file: &Path) -> PathBuf {
    let mut s = OsString::from(file.as_os_str());
    s.push(".json");
    PathBuf::from(s)
}

/// Reads the sidecar of `file`: `None` when there is none.
pub fn read(file: &Path) -> Result<Option<Sidecar>, SidecarError> {
    let path = path_of(file);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(SidecarError::Io { path, source }),
    };
    let invalid = |detail: String| SidecarError::Invalid {
        path: path.clone(),
        detail,
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let format = value.get("format").and_then(serde_json::Value::as_str);
    if !format.is_some_and(|f| f.starts_with(FORMAT_PREFIX)) {
        return Err(invalid(format!(
            "no \"format\" starting with \"{FORMAT_PREFIX}\""
        )));
    }
    // The version before the fields, so a newer layout is reported as such.
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(found) => return Err(SidecarError::Version { path, found }),
        None => return Err(invalid("missing integer \"version\"".into())),
    }
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| invalid(e.to_string()))
}

/// Writes the sidecar of `file` atomically (pretty JSON, trailing newline).
pub fn write(file: &Path, s: &Sidecar) -> Result<(), WriteError> {
    let path = path_of(file);
    data::atomic_write(&path, |w| {
        serde_json::to_writer_pretty(&mut *w, s).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
}

/// The first 12 hex digits of a digest (for messages).
pub fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// `p` made absolute against the working directory (not resolved: symlinks are kept).
pub fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Sidecar {
        Sidecar {
            format: CODES_FORMAT.into(),
            version: VERSION,
            rows: 3,
            bits: 12,
            bytes_per_row: 2,
            byte_order: ByteOrder::Packbits,
            sha256: "ab".repeat(32),
            projection: Some(Projection {
                kind: "itq".parse().unwrap(),
                seed: 2,
                dims: 8,
                threshold: ThresholdMode::Median,
                iterations: Some(10),
                arithmetic: Arithmetic::Reference,
                training: Some(Training {
                    path: "/d/base.npy".into(),
                    sha256: "cd".repeat(32),
                    sample: None,
                    rows_used: 3,
                }),
                artefact: None,
            }),
            input: Some(FileRef {
                path: "/d/base.npy".into(),
                sha256: "cd".repeat(32),
            }),
            source: None,
            tool: Tool {
                name: "binaryllm".into(),
                version: "0.0.0".into(),
                git_commit: None,
            },
        }
    }

    #[test]
    fn sidecar_path_appends_json_to_the_full_name() {
        assert_eq!(
            path_of(Path::new("a/codes.npy")),
            Path::new("a/codes.npy.json")
        );
        assert_eq!(path_of(Path::new("index")), Path::new("index.json"));
    }

    #[test]
    fn a_written_sidecar_reads_back_equal() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("c.npy");
        assert!(read(&f).unwrap().is_none());
        write(&f, &sample()).unwrap();
        assert_eq!(read(&f).unwrap(), Some(sample()));
    }

    #[test]
    fn foreign_or_newer_sidecars_are_typed_errors() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("c.npy");
        for (text, want) in [
            ("{\"a\": 1}", "no \"format\""),
            (
                "{\"format\": \"binaryllm-codes\", \"version\": 7}",
                "version 7",
            ),
            (
                "{\"format\": \"binaryllm-codes\", \"version\": 1}",
                "missing field",
            ),
            ("[1", "not a valid binaryllm sidecar"),
        ] {
            fs::write(path_of(&f), text).unwrap();
            let e = read(&f).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("c.npy.json"), "{e}");
        }
    }

    #[test]
    fn projections_compare_without_paths_or_arithmetic() {
        let a = sample().projection.unwrap();
        let mut b = a.clone();
        b.arithmetic = Arithmetic::Fma;
        if let Some(t) = b.training.as_mut() {
            t.path = "/elsewhere/base.npy".into();
        }
        assert!(a.same_as(&b));
        b.seed = 3;
        assert!(!a.same_as(&b));
    }

    #[test]
    fn names_descriptions_and_digests_for_messages() {
        assert_eq!(ByteOrder::Faiss.name(), "faiss");
        assert_eq!(ByteOrder::Packbits.name(), "packbits");
        let mut p = sample().projection.unwrap();
        assert_eq!(
            p.describe(),
            "itq seed 2, 8 dims, threshold median, 10 iterations, trained on /d/base.npy (sha256 cdcdcdcdcdcd)"
        );
        p.training = None;
        p.iterations = None;
        p.artefact = Some(ArtefactRef {
            path: "/a".into(),
            sha256: "ef".repeat(32),
            training_sha256: None,
        });
        assert_eq!(
            p.describe(),
            "itq seed 2, 8 dims, threshold median, artefact /a (sha256 efefefefefef)"
        );
        assert_eq!(short("0123456789abcdef"), "0123456789ab");
        assert_eq!(short("abc"), "abc");
        assert_eq!(absolute(Path::new("/x/y")), PathBuf::from("/x/y"));
        let rel = absolute(Path::new("some/file"));
        assert!(rel.is_absolute() && rel.ends_with("some/file"), "{rel:?}");
    }

    #[test]
    fn a_missing_sidecar_is_none_an_unreadable_one_an_error() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("c.npy");
        assert!(read(&f).unwrap().is_none());
        // A directory where the sidecar should be: not "no sidecar" but an I/O error.
        std::fs::create_dir(path_of(&f)).unwrap();
        let e = read(&f).unwrap_err();
        assert!(matches!(e, SidecarError::Io { .. }), "{e}");
    }
}
