//! Projection artefacts: a versioned directory written by `binaryllm projection train`, read by
//! `encode --projection-file`, and exported for the firmware (`projection export`).
//!
//! # The directory (format version [`FORMAT_VERSION`])
//!
//! | file | content |
//! |---|---|
//! | `projection.json` | [`Meta`]: format version, kind, dims, bits, seed, threshold rule, ITQ iterations, sample size, training rows used, training file sha256, binaryllm version |
//! | `matrix.npy` | f32 `[bits, dims]`, row-major: row `r` is the hyperplane of bit `r` |
//! | `thresholds.npy` | f32 `[bits]`: bit `r` = `matrix[r] · x >= thresholds[r]` (the training mean is folded in) |
//! | `mean.npy` | f32 `[dims]`: the training mean (zeros for uncentred kinds; informative, already in the thresholds) |
//!
//! [`save`] writes a hidden partial directory and renames it into place, so a failed save never
//! leaves a half-written artefact. [`load`] checks the version, every shape, the f32 dtype and
//! that every value is finite, and answers a typed [`ProjFileError`] naming the file.
//!
//! # Firmware exports
//!
//! * [`rust_source`]: Rust constants (`PROJECTION_DIMS`, `PROJECTION_BITS`, …) and two statics,
//!   `PROJECTION_MATRIX: [f32; BITS * DIMS]` and `PROJECTION_THRESHOLDS: [f32; BITS]`, every value
//!   written as `f32::from_bits(0x…)` (bit-exact). Meant to be `include!`d inside its own `mod`.
//! * [`to_bin`] / [`from_bin`]: a small binary file, all integers and floats little endian:
//!
//!   | offset | bytes | field |
//!   |---|---|---|
//!   | 0 | 8 | magic [`BIN_MAGIC`] `"BLLMPROJ"` |
//!   | 8 | 4 | version u32 ([`BIN_VERSION`] = 1) |
//!   | 12 | 4 | dims u32 |
//!   | 16 | 4 | bits u32 |
//!   | 20 | 2 | kind u16 ([`kind_code`]: 1 gaussian, 2 rademacher, 3 achlioptas, 5 orthogonal, 6 pca, 7 itq) |
//!   | 22 | 2 | threshold rule u16 (0 zero, 1 mean, 2 median) |
//!   | 24 | 8 | seed u64 |
//!   | 32 | 4·bits·dims | matrix f32, row-major `[bits, dims]` |
//!   | … | 4·bits | thresholds f32 |
//!   | … | 32 | sha256 of every byte before it |

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use binaryllm_core::{CodeLayout, DenseProjection, ProjectionKind, Threshold};
use serde::{Deserialize, Serialize};

use crate::projection::learn::{LearnedKind, LearnedProjection, ThresholdMode, TrainOptions};
use crate::projection::{Kind, Projector, ProjectorError, Spec};

/// Version of the artefact directory layout.
pub const FORMAT_VERSION: u32 = 1;
/// Magic bytes of the binary export.
pub const BIN_MAGIC: [u8; 8] = *b"BLLMPROJ";
/// Version of the binary export.
pub const BIN_VERSION: u32 = 1;
/// Size of the binary export's header.
pub const BIN_HEADER_BYTES: usize = 32;

/// The metadata file's name.
pub const META_FILE: &str = "projection.json";
/// The matrix file's name.
pub const MATRIX_FILE: &str = "matrix.npy";
/// The thresholds file's name.
pub const THRESHOLDS_FILE: &str = "thresholds.npy";
/// The mean file's name.
pub const MEAN_FILE: &str = "mean.npy";

/// `projection.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Kind name (`gaussian`, `rademacher`, `achlioptas`, `orthogonal`, `pca`, `itq`).
    pub kind: String,
    /// Input dimensions.
    pub dims: usize,
    /// Output bits.
    pub bits: usize,
    /// Seed (random matrix, ITQ start rotation, training subsample).
    pub seed: u64,
    /// Threshold rule (`zero`, `mean`, `median`).
    pub threshold: String,
    /// ITQ iterations (recorded for every kind; used by `itq` only).
    pub iterations: usize,
    /// Requested training subsample size (`null`: every row).
    pub sample: Option<usize>,
    /// Training vectors actually used (0 when none were needed).
    pub n_train: usize,
    /// sha256 of the training file (`null` when trained on no file).
    pub training_sha256: Option<String>,
    /// The training file's name as given (informative).
    pub training_file: Option<String>,
    /// Version of the binaryllm that wrote the artefact.
    pub binaryllm_version: String,
    /// ITQ quantisation loss after each iteration (empty for other kinds; informative).
    #[serde(default)]
    pub itq_objective: Vec<f64>,
}

/// A matrix projection artefact: metadata plus the arrays.
#[derive(Clone, Debug, PartialEq)]
pub struct Artefact {
    /// `projection.json`.
    pub meta: Meta,
    /// `[bits, dims]` row-major.
    pub matrix: Vec<f32>,
    /// `[bits]`, mean folded in.
    pub thresholds: Vec<f32>,
    /// `[dims]` training mean.
    pub mean: Vec<f32>,
}

/// Why an artefact could not be written, read or exported. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjFileError {
    /// Reading or writing failed.
    #[error("{}: {what}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `projection.json` is not valid metadata.
    #[error("{}: invalid metadata: {detail}", path.display())]
    Meta {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// The artefact was written by an unknown format version.
    #[error("{}: format version {found} is not supported (this binaryllm reads version {supported})", path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// The file's version.
        found: u32,
        /// The supported version.
        supported: u32,
    },
    /// An array file is not an f32 `.npy` of the expected shape.
    #[error("{}: expected {expected}, got {got}", path.display())]
    Array {
        /// The file.
        path: PathBuf,
        /// What was expected, e.g. `f32 [256, 384]`.
        expected: String,
        /// What the file holds.
        got: String,
    },
    /// A value is NaN or infinite.
    #[error("{}: value {index} is not finite ({value})", path.display())]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// Flat index of the value.
        index: usize,
        /// The value.
        value: f32,
    },
    /// The binary export is malformed.
    #[error("{}: not a binaryllm projection file: {detail}", path.display())]
    Bin {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// The projection cannot be stored as a matrix artefact.
    #[error("{}: {detail}", path.display())]
    Unsupported {
        /// The target.
        path: PathBuf,
        /// Why.
        detail: String,
    },
}

fn io(path: &Path, what: &'static str) -> impl FnOnce(std::io::Error) -> ProjFileError {
    let path = path.to_path_buf();
    move |source| ProjFileError::Io { path, what, source }
}

impl Artefact {
    /// The artefact of a built projector (any dense kind; `hadamard` is matrix-free and has
    /// no artefact). `training` is the training file's (sha256, name), when there was one.
    pub fn from_projector(
        p: &Projector,
        training: Option<(String, String)>,
    ) -> Result<Self, ProjFileError> {
        let spec = p.spec();
        let Some(matrix) = p.matrix() else {
            return Err(ProjFileError::Unsupported {
                path: PathBuf::from(spec.kind.name()),
                detail: "hadamard is matrix-free (a seed is all it needs): use `--projection hadamard --seed S`; it has no matrix artefact".into(),
            });
        };
        let learned = p.learned();
        let (sha, name) = match training {
            Some((s, n)) => (Some(s), Some(n)),
            None => (None, None),
        };
        Ok(Self {
            meta: Meta {
                format_version: FORMAT_VERSION,
                kind: spec.kind.name().into(),
                dims: p.dims(),
                bits: p.bits(),
                seed: spec.options.seed,
                threshold: spec.options.threshold.name().into(),
                iterations: spec.options.iterations,
                sample: spec.options.sample,
                n_train: p.n_train(),
                training_sha256: sha,
                training_file: name,
                binaryllm_version: env!("CARGO_PKG_VERSION").into(),
                itq_objective: learned.map(|l| l.objective.clone()).unwrap_or_default(),
            },
            matrix: matrix.to_vec(),
            thresholds: p.threshold_vec(),
            mean: learned
                .map(|l| l.mean.clone())
                .unwrap_or_else(|| vec![0.0; p.dims()]),
        })
    }

    /// The kind (validated by [`load`] and [`from_projector`](Self::from_projector)).
    pub fn kind(&self) -> Option<Kind> {
        Kind::from_name(&self.meta.kind)
    }

    /// The threshold rule.
    pub fn threshold_mode(&self) -> Option<ThresholdMode> {
        ThresholdMode::from_name(&self.meta.threshold)
    }

    /// The training options recorded in the metadata.
    pub fn options(&self) -> TrainOptions {
        TrainOptions {
            seed: self.meta.seed,
            iterations: self.meta.iterations,
            threshold: self.threshold_mode().unwrap_or_default(),
            sample: self.meta.sample,
        }
    }

    /// The matrix as the core's dense projection.
    pub fn dense(&self) -> Result<DenseProjection<'_>, binaryllm_core::Error> {
        DenseProjection::new(&self.matrix, self.meta.dims, self.meta.bits)
    }

    /// The thresholds as the core's per-bit sign rule.
    pub fn threshold(&self) -> Threshold<'_> {
        Threshold::PerBit(&self.thresholds)
    }

    /// A projector that encodes with this artefact (bit-identical to encoding with the
    /// projector it was saved from).
    pub fn projector(&self) -> Result<Projector, ProjectorError> {
        let kind = self
            .kind()
            .unwrap_or(Kind::Learned(LearnedKind::Orthogonal));
        Projector::from_parts(
            Spec {
                kind,
                bits: self.meta.bits,
                options: self.options(),
            },
            self.meta.dims,
            self.matrix.clone(),
            self.thresholds.clone(),
            self.meta.n_train,
        )
    }

    /// The artefact as a [`LearnedProjection`] (learned kinds only).
    pub fn learned(&self) -> Option<LearnedProjection> {
        let Some(Kind::Learned(kind)) = self.kind() else {
            return None;
        };
        Some(LearnedProjection {
            kind,
            dims: self.meta.dims,
            bits: self.meta.bits,
            options: self.options(),
            matrix: self.matrix.clone(),
            thresholds: self.thresholds.clone(),
            mean: self.mean.clone(),
            objective: self.meta.itq_objective.clone(),
            n_train: self.meta.n_train,
        })
    }

    /// Checks the metadata against the arrays (kind, rule, version, shapes, finite values).
    fn validate(&self, dir: &Path) -> Result<(), ProjFileError> {
        let meta_path = dir.join(META_FILE);
        let bad = |detail: String| ProjFileError::Meta {
            path: meta_path.clone(),
            detail,
        };
        if self.meta.format_version != FORMAT_VERSION {
            return Err(ProjFileError::Version {
                path: meta_path.clone(),
                found: self.meta.format_version,
                supported: FORMAT_VERSION,
            });
        }
        match self.meta.kind.parse::<Kind>() {
            Ok(k) if k.is_matrix() => {}
            Ok(_) => {
                return Err(bad(format!(
                    "kind `{}` is matrix-free and has no artefact",
                    self.meta.kind
                )));
            }
            Err(e) => return Err(bad(e.to_string())),
        }
        if let Err(e) = self.meta.threshold.parse::<ThresholdMode>() {
            return Err(bad(e.to_string()));
        }
        let (dims, bits) = (self.meta.dims, self.meta.bits);
        if dims == 0 || dims > binaryllm_core::projection::MAX_DIMS {
            return Err(bad(format!("dims = {dims} is out of range")));
        }
        CodeLayout::new(bits).map_err(|e| bad(format!("bits = {bits}: {e}")))?;
        let checks: [(&str, &[f32], Vec<usize>); 3] = [
            (MATRIX_FILE, &self.matrix, vec![bits, dims]),
            (THRESHOLDS_FILE, &self.thresholds, vec![bits]),
            (MEAN_FILE, &self.mean, vec![dims]),
        ];
        for (file, values, shape) in checks {
            let path = dir.join(file);
            if values.len() != shape.iter().product::<usize>() {
                return Err(ProjFileError::Array {
                    path,
                    expected: format!("f32 {shape:?}"),
                    got: format!("{} values", values.len()),
                });
            }
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(ProjFileError::NonFinite {
                    path,
                    index: i,
                    value: values[i],
                });
            }
        }
        Ok(())
    }
}

/// Writes `a` as the artefact directory `dir`, atomically (a hidden partial directory renamed
/// into place). An existing `dir` is refused unless `force`.
pub fn save(dir: &Path, a: &Artefact, force: bool) -> Result<PathBuf, ProjFileError> {
    a.validate(dir)?;
    let rd = crate::outfile::RunDir::create(dir, force).map_err(|e| ProjFileError::Io {
        path: dir.to_path_buf(),
        what: "cannot create the artefact directory",
        source: std::io::Error::other(format!("{e:#}")),
    })?;
    let tmp = rd.path().to_path_buf();
    let json = serde_json::to_string_pretty(&a.meta).map_err(|e| ProjFileError::Meta {
        path: dir.join(META_FILE),
        detail: e.to_string(),
    })?;
    let werr = |p: &Path| {
        let p = p.to_path_buf();
        move |e: crate::data::WriteError| ProjFileError::Io {
            path: p,
            what: "cannot write",
            source: e.source,
        }
    };
    let meta_path = tmp.join(META_FILE);
    crate::data::atomic_write(&meta_path, |w| {
        w.write_all(json.as_bytes())?;
        w.write_all(b"\n")
    })
    .map_err(werr(&dir.join(META_FILE)))?;
    let (dims, bits) = (a.meta.dims as u64, a.meta.bits as u64);
    crate::data::write_npy(&tmp.join(MATRIX_FILE), &[bits, dims], &a.matrix)
        .map_err(werr(&dir.join(MATRIX_FILE)))?;
    crate::data::write_npy(&tmp.join(THRESHOLDS_FILE), &[bits], &a.thresholds)
        .map_err(werr(&dir.join(THRESHOLDS_FILE)))?;
    crate::data::write_npy(&tmp.join(MEAN_FILE), &[dims], &a.mean)
        .map_err(werr(&dir.join(MEAN_FILE)))?;
    rd.commit().map_err(|e| ProjFileError::Io {
        path: dir.to_path_buf(),
        what: "cannot move the artefact into place",
        source: std::io::Error::other(format!("{e:#}")),
    })
}

/// Reads and validates the artefact directory `dir`.
pub fn load(dir: &Path) -> Result<Artefact, ProjFileError> {
    let meta_path = dir.join(META_FILE);
    let text = fs::read_to_string(&meta_path).map_err(io(&meta_path, "cannot read"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| ProjFileError::Meta {
            path: meta_path.clone(),
            detail: e.to_string(),
        })?;
    // The version first, so a newer layout is reported as such rather than as bad fields.
    match value
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
    {
        Some(v) if v == u64::from(FORMAT_VERSION) => {}
        Some(v) => {
            return Err(ProjFileError::Version {
                path: meta_path,
                found: u32::try_from(v).unwrap_or(u32::MAX),
                supported: FORMAT_VERSION,
            });
        }
        None => {
            return Err(ProjFileError::Meta {
                path: meta_path,
                detail: "missing integer `format_version`".into(),
            });
        }
    }
    let meta: Meta = serde_json::from_value(value).map_err(|e| ProjFileError::Meta {
        path: meta_path.clone(),
        detail: e.to_string(),
    })?;
    let (dims, bits) = (meta.dims as u64, meta.bits as u64);
    let matrix = read_f32(&dir.join(MATRIX_FILE), &[bits, dims])?;
    let thresholds = read_f32(&dir.join(THRESHOLDS_FILE), &[bits])?;
    let mean = read_f32(&dir.join(MEAN_FILE), &[dims])?;
    let a = Artefact {
        meta,
        matrix,
        thresholds,
        mean,
    };
    a.validate(dir)?;
    Ok(a)
}

/// An f32 little-endian C-order `.npy` of exactly `shape`.
fn read_f32(path: &Path, shape: &[u64]) -> Result<Vec<f32>, ProjFileError> {
    let bytes = fs::read(path).map_err(io(path, "cannot read"))?;
    let expected = format!("a little-endian f32 .npy of shape {shape:?}");
    let npy = npyz::NpyFile::new(&bytes[..]).map_err(|e| ProjFileError::Array {
        path: path.to_path_buf(),
        expected: expected.clone(),
        got: format!("an unreadable file ({e})"),
    })?;
    let descr = npy.dtype().descr().trim_matches('\'').to_string();
    let got_shape = npy.shape().to_vec();
    if descr != "<f4" || got_shape != shape || npy.order() != npyz::Order::C {
        return Err(ProjFileError::Array {
            path: path.to_path_buf(),
            expected,
            got: format!(
                "dtype {descr}, shape {got_shape:?}, {:?} order",
                npy.order()
            ),
        });
    }
    npy.into_vec::<f32>().map_err(|e| ProjFileError::Array {
        path: path.to_path_buf(),
        expected,
        got: format!("truncated data ({e})"),
    })
}

/// The binary export's kind code of `kind` (`None` for matrix-free `hadamard`).
pub const fn kind_code(kind: Kind) -> Option<u16> {
    Some(match kind {
        Kind::Seeded(ProjectionKind::Gaussian) => 1,
        Kind::Seeded(ProjectionKind::Rademacher) => 2,
        Kind::Seeded(ProjectionKind::Achlioptas) => 3,
        Kind::Seeded(_) | Kind::Hadamard => return None,
        Kind::Learned(LearnedKind::Orthogonal) => 5,
        Kind::Learned(LearnedKind::Pca) => 6,
        Kind::Learned(LearnedKind::Itq) => 7,
    })
}

fn kind_from_code(code: u16) -> Option<Kind> {
    Kind::ALL.into_iter().find(|&k| kind_code(k) == Some(code))
}

fn threshold_code(t: ThresholdMode) -> u16 {
    match t {
        ThresholdMode::Zero => 0,
        ThresholdMode::Mean => 1,
        ThresholdMode::Median => 2,
    }
}

/// The content digest: lowercase hex sha256 of the matrix then the thresholds, f32 little
/// endian (what a device can recompute over its flash copy).
pub fn content_sha256(a: &Artefact) -> String {
    let mut b = Vec::with_capacity(4 * (a.matrix.len() + a.thresholds.len()));
    for v in a.matrix.iter().chain(&a.thresholds) {
        b.extend_from_slice(&v.to_le_bytes());
    }
    crate::data::sha256_bytes(&b)
}

/// The binary export of `a` (layout in the module docs).
pub fn to_bin(a: &Artefact) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let kind = a.kind().and_then(kind_code).unwrap_or(0);
    let rule = a.threshold_mode().map(threshold_code).unwrap_or(0);
    let mut out =
        Vec::with_capacity(BIN_HEADER_BYTES + 4 * (a.matrix.len() + a.thresholds.len()) + 32);
    out.extend_from_slice(&BIN_MAGIC);
    out.extend_from_slice(&BIN_VERSION.to_le_bytes());
    out.extend_from_slice(&(a.meta.dims as u32).to_le_bytes());
    out.extend_from_slice(&(a.meta.bits as u32).to_le_bytes());
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&rule.to_le_bytes());
    out.extend_from_slice(&a.meta.seed.to_le_bytes());
    for v in a.matrix.iter().chain(&a.thresholds) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    out
}

/// A binary export read back.
#[derive(Clone, Debug, PartialEq)]
pub struct BinProjection {
    /// The kind.
    pub kind: Kind,
    /// The threshold rule.
    pub threshold: ThresholdMode,
    /// Input dimensions.
    pub dims: usize,
    /// Output bits.
    pub bits: usize,
    /// Seed.
    pub seed: u64,
    /// `[bits, dims]` row-major.
    pub matrix: Vec<f32>,
    /// `[bits]`.
    pub thresholds: Vec<f32>,
}

/// Parses and checks a binary export (`path` names it in errors).
pub fn from_bin(bytes: &[u8], path: &Path) -> Result<BinProjection, ProjFileError> {
    use sha2::{Digest, Sha256};
    let bad = |detail: String| ProjFileError::Bin {
        path: path.to_path_buf(),
        detail,
    };
    if bytes.len() < BIN_HEADER_BYTES + 32 {
        return Err(bad(format!(
            "{} bytes is shorter than the header",
            bytes.len()
        )));
    }
    if bytes[..8] != BIN_MAGIC {
        return Err(bad("bad magic".into()));
    }
    let u32_at =
        |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
    let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]);
    let version = u32_at(8);
    if version != BIN_VERSION {
        return Err(bad(format!(
            "version {version} is not supported (this binaryllm reads version {BIN_VERSION})"
        )));
    }
    let (dims, bits) = (u32_at(12) as usize, u32_at(16) as usize);
    let kind = kind_from_code(u16_at(20))
        .ok_or_else(|| bad(format!("unknown kind code {}", u16_at(20))))?;
    let threshold = match u16_at(22) {
        0 => ThresholdMode::Zero,
        1 => ThresholdMode::Mean,
        2 => ThresholdMode::Median,
        c => return Err(bad(format!("unknown threshold code {c}"))),
    };
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&bytes[24..32]);
    let seed = u64::from_le_bytes(seed);
    if dims == 0 || dims > binaryllm_core::projection::MAX_DIMS {
        return Err(bad(format!("dims = {dims} is out of range")));
    }
    CodeLayout::new(bits).map_err(|e| bad(format!("bits = {bits}: {e}")))?;
    let floats = bits * (dims + 1);
    let want = BIN_HEADER_BYTES + 4 * floats + 32;
    if bytes.len() != want {
        return Err(bad(format!(
            "{} bytes, but dims = {dims} and bits = {bits} need {want}",
            bytes.len()
        )));
    }
    let (body, digest) = bytes.split_at(want - 32);
    if Sha256::digest(body).as_slice() != digest {
        return Err(bad("sha256 trailer does not match the content".into()));
    }
    let values: Vec<f32> = body[BIN_HEADER_BYTES..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(ProjFileError::NonFinite {
            path: path.to_path_buf(),
            index: i,
            value: values[i],
        });
    }
    let (matrix, thresholds) = values.split_at(bits * dims);
    Ok(BinProjection {
        kind,
        threshold,
        dims,
        bits,
        seed,
        matrix: matrix.to_vec(),
        thresholds: thresholds.to_vec(),
    })
}

/// Rust source of `a` for the firmware (see the module docs). Stable API: the firmware's
/// generator calls it. Every `f32` is written as `f32::from_bits(0x…)`, so the constants are
/// bit-exact; four values per line.
pub fn rust_source(a: &Artefact) -> String {
    use std::fmt::Write as _;
    let m = &a.meta;
    let mut s = String::with_capacity(40 * (a.matrix.len() + a.thresholds.len()) + 2048);
    let _ = writeln!(
        s,
        "// Generated by `binaryllm projection export --format rust` (binaryllm {}). Do not edit.",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        s,
        "// kind = {}, dims = {}, bits = {}, seed = {}, threshold = {}, training sha256 = {}.",
        m.kind,
        m.dims,
        m.bits,
        m.seed,
        m.threshold,
        m.training_sha256.as_deref().unwrap_or("none")
    );
    s.push_str(
        "// Bit r of a code is `PROJECTION_MATRIX[r * DIMS .. (r + 1) * DIMS] · x >= PROJECTION_THRESHOLDS[r]`.\n\
         // `include!` this file inside its own `mod`.\n\n",
    );
    let _ = writeln!(
        s,
        "/// Artefact format version this file was generated from."
    );
    let _ = writeln!(
        s,
        "pub const PROJECTION_FORMAT_VERSION: u32 = {FORMAT_VERSION};"
    );
    let _ = writeln!(s, "/// Input dimensions.");
    let _ = writeln!(s, "pub const PROJECTION_DIMS: usize = {};", m.dims);
    let _ = writeln!(s, "/// Output bits (rows of the matrix).");
    let _ = writeln!(s, "pub const PROJECTION_BITS: usize = {};", m.bits);
    let _ = writeln!(s, "/// Projection kind.");
    let _ = writeln!(s, "pub const PROJECTION_KIND: &str = {:?};", m.kind);
    let _ = writeln!(s, "/// Training / generation seed.");
    let _ = writeln!(s, "pub const PROJECTION_SEED: u64 = {};", m.seed);
    let _ = writeln!(s, "/// Threshold rule the thresholds were computed with.");
    let _ = writeln!(
        s,
        "pub const PROJECTION_THRESHOLD_RULE: &str = {:?};",
        m.threshold
    );
    let _ = writeln!(
        s,
        "/// sha256 of the matrix then the thresholds, f32 little endian."
    );
    let _ = writeln!(
        s,
        "pub const PROJECTION_SHA256: &str = {:?};",
        content_sha256(a)
    );
    let _ = writeln!(s, "/// `[BITS, DIMS]` row-major hyperplanes.");
    s.push_str("#[rustfmt::skip]\n");
    s.push_str("pub static PROJECTION_MATRIX: [f32; PROJECTION_BITS * PROJECTION_DIMS] = [\n");
    push_floats(&mut s, &a.matrix);
    s.push_str("];\n");
    let _ = writeln!(s, "/// Per-bit thresholds (training mean folded in).");
    s.push_str("#[rustfmt::skip]\n");
    s.push_str("pub static PROJECTION_THRESHOLDS: [f32; PROJECTION_BITS] = [\n");
    push_floats(&mut s, &a.thresholds);
    s.push_str("];\n");
    s
}

fn push_floats(s: &mut String, values: &[f32]) {
    use std::fmt::Write as _;
    for line in values.chunks(4) {
        s.push_str("   ");
        for v in line {
            let b = v.to_bits();
            let _ = write!(s, " f32::from_bits(0x{:04x}_{:04x}),", b >> 16, b & 0xffff);
        }
        s.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use binaryllm_core::rng::SeededStream;

    fn data(n: usize, dims: usize, seed: u64) -> Vec<f32> {
        let mut s = SeededStream::new(seed, *b"projfile", 0);
        (0..n * dims)
            .map(|i| s.next_normal_pair().0 + 0.1 * (i % dims) as f32)
            .collect()
    }

    fn artefact(kind: Kind, threshold: ThresholdMode) -> (Artefact, Projector) {
        let (dims, bits) = (12, 10);
        let p = Projector::build(
            Spec {
                kind,
                bits,
                options: TrainOptions {
                    seed: 3,
                    iterations: 5,
                    threshold,
                    sample: Some(80),
                },
            },
            dims,
            &data(100, dims, 1),
        )
        .unwrap();
        let a = Artefact::from_projector(&p, Some(("ab".repeat(32), "base.npy".into()))).unwrap();
        (a, p)
    }

    #[test]
    fn artefact_round_trips_bit_exactly_and_encodes_the_same_codes() {
        let dir = tempfile::tempdir().unwrap();
        let x = data(40, 12, 2);
        for kind in Kind::ALL.into_iter().filter(|k| k.is_matrix()) {
            for mode in ThresholdMode::ALL {
                let (a, p) = artefact(kind, mode);
                let path = dir.path().join(format!("{}-{}", kind.name(), mode.name()));
                save(&path, &a, false).unwrap();
                let b = load(&path).unwrap();
                let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&a.matrix), bits(&b.matrix));
                assert_eq!(bits(&a.thresholds), bits(&b.thresholds));
                assert_eq!(bits(&a.mean), bits(&b.mean));
                // The ITQ losses go through JSON text (informative; within 1 ulp).
                let strip = |m: &Meta| Meta {
                    itq_objective: Vec::new(),
                    ..m.clone()
                };
                assert_eq!(strip(&a.meta), strip(&b.meta));
                for (x, y) in a.meta.itq_objective.iter().zip(&b.meta.itq_objective) {
                    assert!((x - y).abs() <= 1e-12 * x.abs());
                }
                let q = b.projector().unwrap();
                assert_eq!(p.encode(&x, 1).unwrap(), q.encode(&x, 1).unwrap());
                if let Kind::Learned(_) = kind {
                    let l = b.learned().unwrap();
                    let o = p.learned().unwrap();
                    assert_eq!(
                        (&l.matrix, &l.thresholds, &l.mean),
                        (&o.matrix, &o.thresholds, &o.mean)
                    );
                    assert_eq!(
                        (l.kind, l.options, l.n_train),
                        (o.kind, o.options, o.n_train)
                    );
                }
                // The binary export holds the same bits.
                let bin = from_bin(&to_bin(&a), Path::new("x.bin")).unwrap();
                assert_eq!(bits(&bin.matrix), bits(&a.matrix));
                assert_eq!(bits(&bin.thresholds), bits(&a.thresholds));
                assert_eq!((bin.kind, bin.threshold, bin.seed), (kind, mode, 3));
            }
        }
        // An existing directory is refused unless forced.
        let (a, _) = artefact(Kind::Learned(LearnedKind::Pca), ThresholdMode::Zero);
        let path = dir.path().join("pca-zero");
        assert!(save(&path, &a, false).is_err());
        save(&path, &a, true).unwrap();
    }

    #[test]
    fn hadamard_has_no_matrix_artefact() {
        let p = Projector::build(
            Spec {
                kind: Kind::Hadamard,
                bits: 8,
                options: TrainOptions::default(),
            },
            8,
            &[],
        )
        .unwrap();
        assert!(matches!(
            Artefact::from_projector(&p, None),
            Err(ProjFileError::Unsupported { .. })
        ));
    }

    #[test]
    fn bad_artefacts_are_typed_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (a, _) = artefact(Kind::Learned(LearnedKind::Itq), ThresholdMode::Mean);
        let path = dir.path().join("itq");
        save(&path, &a, false).unwrap();
        let meta = std::fs::read_to_string(path.join(META_FILE)).unwrap();

        std::fs::write(
            path.join(META_FILE),
            meta.replace("\"format_version\": 1", "\"format_version\": 2"),
        )
        .unwrap();
        let e = load(&path).unwrap_err();
        assert!(matches!(e, ProjFileError::Version { found: 2, .. }), "{e}");

        std::fs::write(path.join(META_FILE), meta.replace("\"itq\"", "\"lsh\"")).unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(
            e.contains("unknown projection kind `lsh`") && e.contains(META_FILE),
            "{e}"
        );

        std::fs::write(path.join(META_FILE), &meta).unwrap();
        crate::data::write_npy(&path.join(THRESHOLDS_FILE), &[9], &[0f32; 9]).unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains(THRESHOLDS_FILE) && e.contains("[10]"), "{e}");

        crate::data::write_npy(&path.join(THRESHOLDS_FILE), &[10], &[0f64; 10]).unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("<f8"), "{e}");

        let mut t = a.thresholds.clone();
        t[4] = f32::INFINITY;
        crate::data::write_npy(&path.join(THRESHOLDS_FILE), &[10], &t).unwrap();
        assert!(matches!(
            load(&path).unwrap_err(),
            ProjFileError::NonFinite { index: 4, .. }
        ));

        std::fs::remove_file(path.join(MATRIX_FILE)).unwrap();
        assert!(matches!(load(&path).unwrap_err(), ProjFileError::Io { .. }));
    }

    /// An in-memory artefact of `bits × dims` with the metadata of a saved one.
    fn sized(dims: usize, bits: usize) -> Artefact {
        let (a, _) = artefact(Kind::Seeded(ProjectionKind::Gaussian), ThresholdMode::Mean);
        Artefact {
            meta: Meta {
                dims,
                bits,
                ..a.meta
            },
            matrix: (0..bits * dims).map(|i| (i % 7) as f32 - 3.0).collect(),
            thresholds: vec![0.25; bits],
            mean: vec![0.0; dims],
        }
    }

    #[test]
    fn dims_are_checked_against_the_core_limit() {
        let dir = tempfile::tempdir().unwrap();
        let max = binaryllm_core::projection::MAX_DIMS;
        let ok = dir.path().join("max");
        save(&ok, &sized(max, 1), false).unwrap();
        assert_eq!(load(&ok).unwrap().meta.dims, max);
        for dims in [0, max + 1] {
            let e = save(&dir.path().join(format!("d{dims}")), &sized(dims, 1), false);
            let e = e.unwrap_err().to_string();
            assert!(e.contains(&format!("dims = {dims} is out of range")), "{e}");
        }
        // A zero-dimension artefact on disk is refused on load too.
        let zero = dir.path().join("zero");
        save(&zero, &sized(1, 1), false).unwrap();
        let meta = std::fs::read_to_string(zero.join(META_FILE)).unwrap();
        std::fs::write(
            zero.join(META_FILE),
            meta.replace("\"dims\": 1,", "\"dims\": 0,"),
        )
        .unwrap();
        crate::data::write_npy(&zero.join(MATRIX_FILE), &[1, 0], &[0f32; 0]).unwrap();
        crate::data::write_npy(&zero.join(MEAN_FILE), &[0], &[0f32; 0]).unwrap();
        let e = load(&zero).unwrap_err().to_string();
        assert!(e.contains("dims = 0 is out of range"), "{e}");
    }

    #[test]
    fn the_content_digest_is_sha256_of_the_matrix_then_the_thresholds() {
        let mut a = sized(2, 1);
        a.matrix = vec![1.0, 2.0];
        a.thresholds = vec![-0.5];
        // python3: hashlib.sha256(struct.pack('<3f', 1.0, 2.0, -0.5)).hexdigest()
        assert_eq!(
            content_sha256(&a),
            "1ffe038578726b0db1430093131187306c7d4859c5dfbbabac87a9637825787c"
        );
        assert_eq!(a.threshold(), Threshold::PerBit(&[-0.5]));
    }

    #[test]
    fn matrix_free_kinds_newer_versions_and_bad_arrays_are_refused_on_load() {
        let dir = tempfile::tempdir().unwrap();
        let (a, _) = artefact(Kind::Learned(LearnedKind::Pca), ThresholdMode::Zero);
        let path = dir.path().join("pca");
        save(&path, &a, false).unwrap();
        let meta = std::fs::read_to_string(path.join(META_FILE)).unwrap();
        let rewrite = |m: String| std::fs::write(path.join(META_FILE), m).unwrap();

        rewrite(meta.replace("\"pca\"", "\"hadamard\""));
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("kind `hadamard` is matrix-free"), "{e}");

        // A newer version is reported as such even when its fields differ from ours.
        rewrite(
            meta.replace("\"format_version\": 1", "\"format_version\": 9")
                .replace("\"bits\"", "\"planes\""),
        );
        let e = load(&path).unwrap_err();
        assert!(matches!(e, ProjFileError::Version { found: 9, .. }), "{e}");
        rewrite(meta.replace("\"format_version\": 1,", ""));
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("missing integer `format_version`"), "{e}");
        rewrite(meta.clone());

        let got = |file: &str| match load(&path).unwrap_err() {
            ProjFileError::Array { path: p, got, .. } => {
                assert!(p.ends_with(file), "{p:?}");
                got
            }
            other => panic!("{other}"),
        };
        // Right dtype, wrong shape; then the right shape in Fortran order.
        crate::data::write_npy(&path.join(MEAN_FILE), &[11], &[0f32; 11]).unwrap();
        assert_eq!(got(MEAN_FILE), "dtype <f4, shape [11], C order");
        crate::data::write_npy(&path.join(MEAN_FILE), &[12], &a.mean).unwrap();
        let npy = std::fs::read(path.join(MATRIX_FILE)).unwrap();
        let key = b"'fortran_order': False";
        let at = npy.windows(key.len()).position(|w| w == key).unwrap() + key.len() - 5;
        let mut fortran = npy.clone();
        fortran[at..at + 5].copy_from_slice(b"True ");
        std::fs::write(path.join(MATRIX_FILE), &fortran).unwrap();
        assert_eq!(got(MATRIX_FILE), "dtype <f4, shape [10, 12], Fortran order");
        std::fs::write(path.join(MATRIX_FILE), &npy).unwrap();
        assert_eq!(load(&path).unwrap(), a);
    }

    #[test]
    fn bin_export_rejects_corruption() {
        let (a, _) = artefact(Kind::Learned(LearnedKind::Orthogonal), ThresholdMode::Zero);
        let bin = to_bin(&a);
        assert_eq!(&bin[..8], b"BLLMPROJ");
        assert_eq!(bin.len(), 32 + 4 * 10 * 13 + 32);
        let p = Path::new("p.bin");
        let mut flipped = bin.clone();
        flipped[40] ^= 1;
        assert!(
            from_bin(&flipped, p)
                .unwrap_err()
                .to_string()
                .contains("sha256")
        );
        assert!(from_bin(&bin[..bin.len() - 1], p).is_err());
        let mut v2 = bin.clone();
        v2[8] = 2;
        assert!(
            from_bin(&v2, p)
                .unwrap_err()
                .to_string()
                .contains("version 2")
        );
        assert!(from_bin(b"short", p).is_err());
    }

    #[test]
    fn bin_headers_out_of_range_are_named() {
        let (a, _) = artefact(Kind::Learned(LearnedKind::Orthogonal), ThresholdMode::Zero);
        let bin = to_bin(&a);
        let p = Path::new("p.bin");
        let err = |b: &[u8]| from_bin(b, p).unwrap_err().to_string();
        // The shortest input past the header check is the header and a trailer.
        let e = err(&bin[..BIN_HEADER_BYTES + 32]);
        assert!(
            e.ends_with("64 bytes, but dims = 12 and bits = 10 need 584"),
            "{e}"
        );
        assert!(
            err(&bin[..BIN_HEADER_BYTES + 31]).ends_with("63 bytes is shorter than the header")
        );
        let with = |at: usize, v: &[u8]| {
            let mut b = bin.clone();
            b[at..at + v.len()].copy_from_slice(v);
            b
        };
        // Kind and rule codes are u16 little endian.
        assert!(err(&with(21, &[1])).ends_with("unknown kind code 261"));
        assert!(err(&with(23, &[1])).ends_with("unknown threshold code 256"));
        let max = binaryllm_core::projection::MAX_DIMS as u32;
        for dims in [0, max + 1] {
            let e = err(&with(12, &dims.to_le_bytes()));
            assert!(
                e.ends_with(&format!("dims = {dims} is out of range")),
                "{e}"
            );
        }
        let e = err(&with(12, &max.to_le_bytes()));
        assert!(
            e.contains(&format!("but dims = {max} and bits = 10 need")),
            "{e}"
        );
    }

    #[test]
    fn rust_source_is_bit_exact() {
        let (a, _) = artefact(Kind::Learned(LearnedKind::Pca), ThresholdMode::Median);
        let src = rust_source(&a);
        assert!(src.contains("pub const PROJECTION_DIMS: usize = 12;"));
        assert!(src.contains("pub const PROJECTION_BITS: usize = 10;"));
        assert!(src.contains("pub const PROJECTION_KIND: &str = \"pca\";"));
        // Parse the from_bits literals back: matrix then thresholds, in order.
        let vals: Vec<u32> = src
            .split("f32::from_bits(0x")
            .skip(1)
            .map(|t| u32::from_str_radix(&t[..9].replace('_', ""), 16).unwrap())
            .collect();
        let want: Vec<u32> = a
            .matrix
            .iter()
            .chain(&a.thresholds)
            .map(|f| f.to_bits())
            .collect();
        assert_eq!(vals, want);
    }
}
