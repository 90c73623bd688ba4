//! Code files read and written with their sidecars ([`crate::engine::sidecar`]).
//!
//! [`SidecarCodes::open`] reads a code file and its sidecar and checks the file against it (rows,
//! bytes per row, sha256); a file without a sidecar is read as before, with one notice that
//! nothing could be checked. The resolvers give every flag that was not given its value from
//! the sidecar and turn a flag that contradicts the sidecar into an error naming both values.

use std::fmt::Display;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use binaryllm_core::{CodeLayout, bytes::from_bytes_into};

use crate::data;
use crate::engine::CodeMatrix;
use crate::engine::sidecar::{
    self, Arithmetic, ArtefactRef, ByteOrder, CODES_FORMAT, FileRef, Projection, Sidecar, Tool,
    Training, VERSION,
};
use crate::ops::EncodeRequest;
use crate::projection::artefact;
use crate::projection::choice::ProjectionChoice;
use crate::projection::learn::ThresholdMode;
use crate::projection::{Kind, Projector};

/// The bit order within bytes of a code byte order (faiss: LSB-first, packbits: MSB-first).
pub const fn bit_order(o: ByteOrder) -> binaryllm_core::bytes::ByteOrder {
    match o {
        ByteOrder::Faiss => binaryllm_core::bytes::ByteOrder::Lsb,
        ByteOrder::Packbits => binaryllm_core::bytes::ByteOrder::Msb,
    }
}

const fn order_words(o: ByteOrder) -> &'static str {
    match o {
        ByteOrder::Faiss => "faiss byte order, LSB-first",
        ByteOrder::Packbits => "packbits byte order, MSB-first",
    }
}

/// A code file as read, with its sidecar when it has one.
#[derive(Debug)]
pub struct SidecarCodes {
    /// The file.
    pub path: PathBuf,
    /// Codes.
    pub rows: usize,
    /// Bytes per code.
    pub bytes_per_row: usize,
    /// Row-major code bytes.
    pub bytes: Vec<u8>,
    /// sha256 of the whole file.
    pub sha256: String,
    /// Its sidecar (checked against the file).
    pub sidecar: Option<Sidecar>,
    /// What could not be checked (no sidecar, or one without the projection), for the caller
    /// to show once.
    pub notice: Option<String>,
}

/// The changed-file hint shared by the mismatch errors.
const CHANGED: &str = "the codes were changed after binaryllm wrote them (encode them again, or delete the sidecar if they were made elsewhere)";

impl SidecarCodes {
    /// Reads `path` and its sidecar and checks one against the other; [`notice`](Self::notice)
    /// says what could not be checked.
    pub fn open(path: &Path) -> Result<Self> {
        let side = sidecar::read(path)?;
        let ((rows, bytes_per_row, bytes), sha256) = data::read_u8_matrix_hashed(path)?;
        let mut f = Self {
            path: path.to_path_buf(),
            rows,
            bytes_per_row,
            bytes,
            sha256,
            sidecar: side,
            notice: None,
        };
        f.notice = match &f.sidecar {
            Some(s) => {
                f.check(s)?;
                s.projection.is_none().then(|| {
                    format!(
                        "{} does not record how the codes of {} were made: their projection could not be checked",
                        f.sidecar_path().display(),
                        path.display()
                    )
                })
            }
            None => Some(format!(
                "{} has no sidecar ({}): bits, byte order and projection could not be checked",
                path.display(),
                f.sidecar_path().display()
            )),
        };
        Ok(f)
    }

    fn check(&self, s: &Sidecar) -> Result<()> {
        let side = self.sidecar_path();
        if s.format != CODES_FORMAT {
            bail!(
                "{}: describes a `{}` file, not codes (`{CODES_FORMAT}`)",
                side.display(),
                s.format
            );
        }
        if s.bits.div_ceil(8) != s.bytes_per_row {
            bail!(
                "{}: not a valid binaryllm sidecar: {} bits need {} bytes per row, it says {}",
                side.display(),
                s.bits,
                s.bits.div_ceil(8),
                s.bytes_per_row
            );
        }
        if (self.rows, self.bytes_per_row) != (s.rows, s.bytes_per_row) {
            bail!(
                "{}: {} codes of {} bytes, but {} says {} codes of {} bytes: {CHANGED}",
                self.path.display(),
                self.rows,
                self.bytes_per_row,
                side.display(),
                s.rows,
                s.bytes_per_row
            );
        }
        if self.sha256 != s.sha256 {
            bail!(
                "{}: sha256 {} does not match {} (sha256 {}): {CHANGED}",
                self.path.display(),
                self.sha256,
                side.display(),
                s.sha256
            );
        }
        Ok(())
    }

    /// `<file>.json`.
    pub fn sidecar_path(&self) -> PathBuf {
        sidecar::path_of(&self.path)
    }

    /// How the codes were made, when the sidecar says.
    pub fn projection(&self) -> Option<&Projection> {
        self.sidecar.as_ref().and_then(|s| s.projection.as_ref())
    }

    /// Whether the codes were made with the fused arithmetic (`encode --fma`).
    pub fn fused(&self) -> bool {
        self.projection()
            .is_some_and(|p| p.arithmetic == Arithmetic::Fma)
    }

    pub(crate) fn contradiction(
        &self,
        flag: &str,
        given: impl Display,
        recorded: &str,
    ) -> anyhow::Error {
        anyhow!(
            "{flag} {given} contradicts {} ({recorded})",
            self.sidecar_path().display()
        )
    }

    /// The code width: `flag`, else the sidecar's, else 8 × the bytes per row.
    pub fn bits(&self, flag: Option<usize>) -> Result<usize> {
        match (&self.sidecar, flag) {
            (Some(s), Some(b)) if b != s.bits => {
                Err(self.contradiction("--bits", b, &format!("the codes have {} bits", s.bits)))
            }
            (Some(s), _) => Ok(s.bits),
            (None, b) => Ok(b.unwrap_or(self.bytes_per_row * 8)),
        }
    }

    /// The byte order: `flag` (named `flag_name`), else the sidecar's, else faiss.
    pub fn order(&self, flag: Option<ByteOrder>, flag_name: &str) -> Result<ByteOrder> {
        match (&self.sidecar, flag) {
            (Some(s), Some(f)) if f != s.byte_order => Err(self.contradiction(
                flag_name,
                f.name(),
                &format!("the codes are in {}", order_words(s.byte_order)),
            )),
            (Some(s), _) => Ok(s.byte_order),
            (None, f) => Ok(f.unwrap_or(ByteOrder::Faiss)),
        }
    }

    /// The codes as a matrix of `bits`-bit codes read in `format`.
    pub fn decode(&self, bits: usize, format: ByteOrder) -> Result<CodeMatrix> {
        let (path, nb) = (&self.path, self.bytes_per_row);
        let layout = CodeLayout::new(bits).with_context(|| format!("{}", path.display()))?;
        if layout.bytes() != nb {
            bail!(
                "{}: codes have {nb} bytes per row, {bits} bits need {}",
                path.display(),
                layout.bytes()
            );
        }
        let w = layout.words();
        let mut words = vec![0u64; self.rows * w];
        let order = bit_order(format);
        for (i, (b, o)) in self
            .bytes
            .chunks_exact(nb)
            .zip(words.chunks_exact_mut(w))
            .enumerate()
        {
            from_bytes_into(layout, b, order, o)
                .with_context(|| format!("{}: row {i}", path.display()))?;
        }
        Ok(CodeMatrix::new(layout, words)?)
    }

    /// Float vectors of `dims` dimensions in `file` can be encoded like the codes.
    pub fn check_dims(&self, file: &Path, dims: usize) -> Result<()> {
        match self.projection() {
            Some(p) if p.dims != dims => bail!(
                "{} has {dims}-dim vectors, but {} says the codes were made from {}-dim vectors{}",
                file.display(),
                self.sidecar_path().display(),
                p.dims,
                self.input_words()
            ),
            _ => Ok(()),
        }
    }

    fn input_words(&self) -> String {
        self.sidecar
            .as_ref()
            .and_then(|s| s.input.as_ref())
            .map(|i| format!(" ({})", i.path))
            .unwrap_or_default()
    }

    /// `file` (given as `flag`) is the file the codes were made from (when the sidecar says).
    pub fn check_input(&self, flag: &str, file: &Path) -> Result<()> {
        let Some(input) = self.sidecar.as_ref().and_then(|s| s.input.as_ref()) else {
            return Ok(());
        };
        let sha = data::sha256_file(file)?;
        if sha != input.sha256 {
            return Err(self.contradiction(
                flag,
                file.display(),
                &format!(
                    "the codes were made from {}, sha256 {}; {} has sha256 {}",
                    input.path,
                    sidecar::short(&input.sha256),
                    file.display(),
                    sidecar::short(&sha)
                ),
            ));
        }
        Ok(())
    }

    /// Query codes `q` can be searched against these codes: same width and projection.
    pub fn check_query_codes(&self, q: &SidecarCodes) -> Result<()> {
        let (Some(a), Some(b)) = (&self.sidecar, &q.sidecar) else {
            return Ok(());
        };
        if a.bits != b.bits {
            bail!(
                "the query codes {} have {} bits ({}), the codes {} have {} ({})",
                q.path.display(),
                b.bits,
                q.sidecar_path().display(),
                self.path.display(),
                a.bits,
                self.sidecar_path().display()
            );
        }
        match (&a.projection, &b.projection) {
            (Some(pa), Some(pb)) if !pa.same_as(pb) => bail!(
                "the query codes {} were made with {} ({}), the codes {} with {} ({})",
                q.path.display(),
                pb.describe(),
                q.sidecar_path().display(),
                self.path.display(),
                pa.describe(),
                self.sidecar_path().display()
            ),
            _ => Ok(()),
        }
    }
}

/// `given`, which must equal `recorded` when given.
fn agree<T: PartialEq + Display>(
    f: &SidecarCodes,
    flag: &str,
    given: Option<T>,
    recorded: T,
    what: &str,
) -> Result<T> {
    match given {
        Some(g) if g != recorded => Err(f.contradiction(
            flag,
            &g,
            &format!("the codes were made with {what} {recorded}"),
        )),
        _ => Ok(recorded),
    }
}

/// The projection options `p` with every value not given taken from the sidecar of `codes`
/// (and its artefact or training file, which must still have the recorded sha256); a given
/// flag that contradicts the sidecar is an error. Without a recorded projection: `p`.
pub fn resolve_projection(p: &ProjectionChoice, codes: &SidecarCodes) -> Result<ProjectionChoice> {
    let Some(rec) = codes.projection() else {
        return Ok(p.clone());
    };
    let mut out = p.clone();
    out.projection = Some(agree(
        codes,
        "--projection",
        p.projection,
        rec.kind,
        "projection",
    )?);
    out.seed = Some(agree(codes, "--seed", p.seed, rec.seed, "seed")?);
    out.threshold = Some(agree(
        codes,
        "--threshold",
        p.threshold,
        rec.threshold,
        "threshold",
    )?);
    if let Some(i) = rec.iterations {
        out.iterations = Some(agree(codes, "--iterations", p.iterations, i, "iterations")?);
    }
    if let Some(a) = &rec.artefact {
        out.projection_file = Some(artefact_dir(codes, p.projection_file.as_deref(), a)?);
        return Ok(out);
    }
    if let Some(f) = &p.projection_file {
        return Err(codes.contradiction(
            "--projection-file",
            f.display(),
            &format!(
                "the codes were made with {}, not with an artefact",
                rec.describe()
            ),
        ));
    }
    if let Some(t) = &rec.training {
        if p.sample.is_some() && p.sample != t.sample {
            let used = t.sample.map_or("every training row".to_string(), |n| {
                format!("a sample of {n}")
            });
            return Err(codes.contradiction(
                "--sample",
                p.sample.unwrap_or_default(),
                &format!("the codes' projection was trained on {used}"),
            ));
        }
        out.sample = t.sample;
        out.train = Some(training_file(codes, p.train.as_deref(), t)?);
    }
    Ok(out)
}

/// The artefact directory: `given` or the recorded one; its content must match the record.
fn artefact_dir(codes: &SidecarCodes, given: Option<&Path>, a: &ArtefactRef) -> Result<PathBuf> {
    let side = codes.sidecar_path();
    let dir = given.map_or_else(|| PathBuf::from(&a.path), Path::to_path_buf);
    let art = artefact::load(&dir).with_context(|| match given {
        Some(_) => format!("--projection-file {}", dir.display()),
        None => format!(
            "{}: the codes were made with the artefact {} (give --projection-file DIR)",
            side.display(),
            a.path
        ),
    })?;
    let sha = artefact::content_sha256(&art);
    if sha == a.sha256 {
        return Ok(dir);
    }
    Err(match given {
        Some(d) => codes.contradiction(
            "--projection-file",
            d.display(),
            &format!(
                "the codes were made with the artefact {}, sha256 {}; {} has sha256 {}",
                a.path,
                sidecar::short(&a.sha256),
                d.display(),
                sidecar::short(&sha)
            ),
        ),
        None => anyhow!(
            "{}: the artefact {} changed since the codes were made (sha256 {} then, {} now)",
            side.display(),
            a.path,
            sidecar::short(&a.sha256),
            sidecar::short(&sha)
        ),
    })
}

/// The training file: `given` or the recorded one; its sha256 must match the record.
fn training_file(codes: &SidecarCodes, given: Option<&Path>, t: &Training) -> Result<PathBuf> {
    let side = codes.sidecar_path();
    let file = given.map_or_else(|| PathBuf::from(&t.path), Path::to_path_buf);
    let sha = data::sha256_file(&file).with_context(|| match given {
        Some(_) => "--train".to_string(),
        None => format!(
            "{}: the codes' projection was trained on {} (give --train FILE)",
            side.display(),
            t.path
        ),
    })?;
    if sha == t.sha256 {
        return Ok(file);
    }
    Err(match given {
        Some(g) => codes.contradiction(
            "--train",
            g.display(),
            &format!(
                "the codes' projection was trained on {}, sha256 {}; {} has sha256 {}",
                t.path,
                sidecar::short(&t.sha256),
                g.display(),
                sidecar::short(&sha)
            ),
        ),
        None => anyhow!(
            "{}: the training file {} changed since the codes were made (sha256 {} then, {} now): give --train with the original",
            side.display(),
            t.path,
            sidecar::short(&t.sha256),
            sidecar::short(&sha)
        ),
    })
}

/// The sidecar of `encode`'s output (`proj` made `rows` codes of `a.input`, written to `a.out`).
pub fn encode_sidecar(
    a: &EncodeRequest,
    proj: &Projector,
    rows: usize,
    sha256: String,
    input_sha: String,
) -> Result<Sidecar> {
    let spec = proj.spec();
    let (artefact, training) = match &a.projection.projection_file {
        Some(dir) => {
            let art = artefact::load(dir)?;
            let r = ArtefactRef {
                path: sidecar::absolute(dir).display().to_string(),
                sha256: artefact::content_sha256(&art),
                training_sha256: art.meta.training_sha256.clone(),
            };
            (Some(r), None)
        }
        None if spec.kind.needs_training_data()
            || spec.options.threshold != ThresholdMode::Zero =>
        {
            let file = a.projection.train.as_deref().unwrap_or(&a.input);
            let sha = match &a.projection.train {
                Some(t) => data::sha256_file(t)?,
                None => input_sha.clone(),
            };
            let t = Training {
                path: sidecar::absolute(file).display().to_string(),
                sha256: sha,
                sample: spec.options.sample,
                rows_used: proj.n_train(),
            };
            (None, Some(t))
        }
        None => (None, None),
    };
    let fma = a.fma && spec.kind.is_matrix();
    let projection = Projection {
        kind: spec.kind,
        seed: spec.options.seed,
        dims: proj.dims(),
        threshold: spec.options.threshold,
        iterations: (spec.kind == Kind::Learned(crate::projection::learn::LearnedKind::Itq))
            .then_some(spec.options.iterations),
        arithmetic: if fma {
            Arithmetic::Fma
        } else {
            Arithmetic::Reference
        },
        training,
        artefact,
    };
    Ok(Sidecar {
        format: CODES_FORMAT.into(),
        version: VERSION,
        rows,
        bits: proj.bits(),
        bytes_per_row: proj.bits().div_ceil(8),
        byte_order: a.order,
        sha256,
        projection: Some(projection),
        input: Some(FileRef::new(&a.input, input_sha)),
        source: None,
        tool: Tool::this(),
    })
}

/// The sidecar of an `export` output (`format`, `order`, whose bytes have digest `sha256`) of
/// `codes` read from `src`: the provenance of `src`'s sidecar carried forward, `src` as the
/// source.
pub fn export_sidecar(
    src: &SidecarCodes,
    format: &str,
    order: ByteOrder,
    codes: &CodeMatrix,
    sha256: String,
) -> Sidecar {
    let bits = codes.layout().bits();
    Sidecar {
        format: format.into(),
        version: VERSION,
        rows: codes.len(),
        bits,
        bytes_per_row: bits.div_ceil(8),
        byte_order: order,
        sha256,
        projection: src.projection().cloned(),
        input: src.sidecar.as_ref().and_then(|s| s.input.clone()),
        source: Some(FileRef::new(&src.path, src.sha256.clone())),
        tool: Tool::this(),
    }
}
