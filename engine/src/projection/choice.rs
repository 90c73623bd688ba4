//! Choosing and building a projection from plain options ([`ProjectionChoice`]), and the
//! projection commands as library calls: [`train`] (an artefact directory), [`export`] (an
//! artefact as Rust source or binary) and [`write_matrix`] (a seeded matrix as `.npy`).

use crate::Stage;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::data;
use crate::outfile::{Target, Written};
use crate::projection::artefact;
use crate::projection::learn::{ThresholdMode, TrainOptions};
use crate::projection::{Kind, Projector, Spec};

/// Which projection encodes vectors: a kind with its seed, threshold rule and training options,
/// or a trained artefact directory.
///
/// The value fields are `None` when not chosen, so a caller can take them from a code file's
/// sidecar ([`crate::ops::codes::resolve_projection`]); the accessors give the defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectionChoice {
    /// Projection kind; default [`Self::DEFAULT_KIND`].
    pub projection: Option<Kind>,
    /// Seed (random matrix, Hadamard signs, ITQ start rotation, training subsample); default 0.
    pub seed: Option<u64>,
    /// Threshold rule; default [`Self::DEFAULT_THRESHOLD`].
    pub threshold: Option<ThresholdMode>,
    /// ITQ iterations; default [`Self::DEFAULT_ITERATIONS`].
    pub iterations: Option<usize>,
    /// Train on a seeded subsample of this many vectors (default: all).
    pub sample: Option<usize>,
    /// Training vectors for pca/itq and mean/median thresholds.
    pub train: Option<PathBuf>,
    /// A trained projection artefact directory; replaces kind, seed and threshold.
    pub projection_file: Option<PathBuf>,
}

impl ProjectionChoice {
    /// Default projection kind.
    pub const DEFAULT_KIND: Kind = Kind::Seeded(binaryllm_core::ProjectionKind::Gaussian);
    /// Default threshold rule.
    pub const DEFAULT_THRESHOLD: ThresholdMode = ThresholdMode::Zero;
    /// Default ITQ iterations.
    pub const DEFAULT_ITERATIONS: usize = 50;

    /// A seeded projection of `kind` with the zero threshold.
    pub fn seeded(kind: Kind, seed: u64) -> Self {
        Self {
            projection: Some(kind),
            seed: Some(seed),
            ..Self::default()
        }
    }

    /// The kind, else [`DEFAULT_KIND`](Self::DEFAULT_KIND).
    pub fn kind(&self) -> Kind {
        self.projection.unwrap_or(Self::DEFAULT_KIND)
    }

    /// The seed, else 0.
    pub fn seed(&self) -> u64 {
        self.seed.unwrap_or(0)
    }

    /// The threshold rule, else [`DEFAULT_THRESHOLD`](Self::DEFAULT_THRESHOLD).
    pub fn threshold(&self) -> ThresholdMode {
        self.threshold.unwrap_or(Self::DEFAULT_THRESHOLD)
    }

    /// The ITQ iterations, else [`DEFAULT_ITERATIONS`](Self::DEFAULT_ITERATIONS).
    pub fn iterations(&self) -> usize {
        self.iterations.unwrap_or(Self::DEFAULT_ITERATIONS)
    }

    /// The kind, rule and options (no artefact) for `bits`-bit codes.
    pub fn spec(&self, bits: usize) -> Spec {
        Spec {
            kind: self.kind(),
            bits,
            options: TrainOptions {
                seed: self.seed(),
                iterations: self.iterations(),
                threshold: self.threshold(),
                sample: self.sample,
            },
        }
    }
}

/// Loads the artefact `dir` and checks it maps `dims` inputs to `bits` outputs (when given).
fn artefact_projector(dir: &Path, dims: usize, bits: Option<usize>) -> Result<Projector> {
    let a = artefact::load(dir)?;
    if a.meta.dims != dims {
        bail!(
            "{}: the projection takes {} dims, the vectors have {dims}",
            dir.display(),
            a.meta.dims
        );
    }
    if let Some(b) = bits
        && b != a.meta.bits
    {
        bail!(
            "{}: the projection makes {} bits, {b} were asked for",
            dir.display(),
            a.meta.bits
        );
    }
    Ok(a.projector()?)
}

/// Whether a projection of `spec` learns from vectors (its kind or its threshold rule).
fn needs_training(spec: &Spec) -> bool {
    spec.kind.needs_training_data() || spec.options.threshold != ThresholdMode::Zero
}

impl ProjectionChoice {
    /// Whether [`build_projector`] with these options and `bits` trains on its `fallback` (no
    /// projection file, no `train` file, and a kind or threshold rule that learns): when it is
    /// `false` the fallback is not read, so a caller need not produce it.
    pub fn trains_on_fallback(&self, bits: Option<usize>) -> bool {
        self.projection_file.is_none()
            && self.train.is_none()
            && bits.is_some_and(|b| needs_training(&self.spec(b)))
    }
}

/// Builds the projector of `p` for `dims` inputs and `bits` outputs. Training data, when the
/// kind or rule needs it: `p.train`, else `fallback` (the encoded input and its file), else an
/// error.
pub fn build_projector(
    p: &ProjectionChoice,
    dims: usize,
    bits: Option<usize>,
    fallback: Option<(&[f32], &Path)>,
) -> Result<Projector> {
    if let Some(dir) = &p.projection_file {
        return artefact_projector(dir, dims, bits);
    }
    let bits = bits.context("give --bits (or --projection-file)")?;
    let spec = p.spec(bits);
    let needs = needs_training(&spec);
    let loaded;
    let (train, file): (&[f32], Option<&Path>) = match (&p.train, fallback) {
        _ if !needs => (&[], None),
        (Some(t), _) => {
            loaded = data::read_matrix(t).context(Stage::Load)?;
            if loaded.cols != dims {
                bail!(
                    "{}: training vectors have {} dims, the vectors to encode have {dims}",
                    t.display(),
                    loaded.cols
                );
            }
            (&loaded.data, Some(t.as_path()))
        }
        (None, Some((m, f))) => (m, Some(f)),
        (None, None) => bail!(
            "projection {} with threshold {} needs training vectors: give --train BASE.npy or --projection-file DIR",
            spec.kind.name(),
            spec.options.threshold.name()
        ),
    };
    Projector::build(spec, dims, train).with_context(|| match file {
        Some(f) => format!(
            "projection {} ({dims} dims → {bits} bits) trained on {}",
            spec.kind.name(),
            f.display()
        ),
        None => format!(
            "projection {} ({dims} dims → {bits} bits)",
            spec.kind.name()
        ),
    })
}

/// The untrained projector `kind` (seeded; `pca`/`itq` are refused: they learn from data).
pub fn seeded_projector(k: Kind, seed: u64, dims: usize, bits: usize) -> Result<Projector> {
    let kind = k.name();
    if k.needs_training_data() {
        bail!(
            "--projection {kind} learns from data: `binaryllm projection train --projection {kind} \
             --input BASE.npy --bits {bits} --out DIR` writes its matrix (DIR/matrix.npy; the \
             mean and thresholds beside it)"
        );
    }
    let options = TrainOptions {
        seed,
        ..TrainOptions::default()
    };
    let spec = Spec {
        kind: k,
        bits,
        options,
    };
    Projector::build(spec, dims, &[])
        .with_context(|| format!("projection {kind} ({dims} dims → {bits} bits)"))
}

/// Writing a seeded projection matrix (`binaryllm projection --dims D --bits B --out FILE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatrixRequest {
    /// Projection kind (not a learned one).
    pub kind: Kind,
    /// Seed.
    pub seed: u64,
    /// Input dimensions.
    pub dims: usize,
    /// Output bits (matrix rows).
    pub bits: usize,
    /// Output `.npy` file: f32 `[bits, dims]`.
    pub out: PathBuf,
    /// Replace an output binaryllm wrote before.
    pub force: bool,
}

/// Writes the dense matrix of a seeded projection; returns what was written.
pub fn write_matrix(r: &MatrixRequest) -> Result<Written> {
    let (dims, bits) = (r.dims, r.bits);
    let target = Target::file(&r.out, r.force)?;
    let p = seeded_projector(r.kind, r.seed, dims, bits).context(Stage::Projection)?;
    let w = p.dense_matrix().context(Stage::Projection)?;
    let npy = data::npy_bytes(&[bits as u64, dims as u64], &w).context(Stage::Output)?;
    let what = format!("{} matrix, {dims} dims → {bits} bits", r.kind);
    target.write(&npy, None, what, format!("f32 [{bits}, {dims}]"))
}

/// Training a projection artefact (`binaryllm projection train`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainRequest {
    /// Projection kind, threshold, seed, iterations and sample (`train` and
    /// `projection_file` are not used: the data is `input`).
    pub projection: ProjectionChoice,
    /// Training vectors (`.npy` or `.fvecs`).
    pub input: PathBuf,
    /// Output bits.
    pub bits: usize,
    /// Output artefact directory.
    pub out: PathBuf,
    /// Replace an output binaryllm wrote before.
    pub force: bool,
}

/// Trains the projection of `r` on its input and saves the artefact directory.
pub fn train(r: &TrainRequest) -> Result<Written> {
    let spec = r.projection.spec(r.bits);
    if !spec.kind.is_matrix() {
        bail!(
            "{}: hadamard is matrix-free (a seed is all it needs): use `encode --projection hadamard --seed S`",
            Stage::Train
        );
    }
    let target = Target::dir(&r.out, r.force)?;
    let x = data::read_matrix(&r.input).context(Stage::Load)?;
    let sha = data::sha256_file(&r.input).context(Stage::Load)?;
    let p = Projector::build(spec, x.cols, &x.data).with_context(|| {
        format!(
            "{}: {} ({} dims → {} bits) on {}",
            Stage::Train,
            spec.kind.name(),
            x.cols,
            r.bits,
            r.input.display()
        )
    })?;
    let a = artefact::Artefact::from_projector(&p, Some((sha, r.input.display().to_string())))
        .context(Stage::Train)?;
    let path = artefact::save(target.path(), &a, r.force).context(Stage::Output)?;
    let what = format!(
        "{} projection artefact, {} dims → {} bits: projection.json, matrix.npy, thresholds.npy, mean.npy",
        spec.kind.name(),
        x.cols,
        r.bits
    );
    Ok(Written::dir(path, what).with_notices(target.notices().to_vec()))
}

/// The output of [`export`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtefactFormat {
    /// A Rust source file with `const` tables.
    Rust,
    /// The binary artefact format.
    Bin,
}

/// Exporting a projection artefact (`binaryllm projection export`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportRequest {
    /// The artefact directory.
    pub input: PathBuf,
    /// Output format.
    pub format: ArtefactFormat,
    /// Output file.
    pub out: PathBuf,
    /// Replace an output binaryllm wrote before.
    pub force: bool,
}

/// Writes the artefact of `r` as Rust source or binary.
pub fn export(r: &ExportRequest) -> Result<Written> {
    let target = Target::file(&r.out, r.force)?;
    let a = artefact::load(&r.input).context(Stage::Load)?;
    let (bytes, shape) = match r.format {
        ArtefactFormat::Rust => (artefact::rust_source(&a).into_bytes(), "Rust source"),
        ArtefactFormat::Bin => (artefact::to_bin(&a), "binary"),
    };
    let what = format!(
        "{} projection of {}, {} dims → {} bits",
        a.meta.kind,
        r.input.display(),
        a.meta.dims,
        a.meta.bits
    );
    target.write(&bytes, None, what, shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_defaults_and_seeded_kinds() {
        let c = ProjectionChoice::default();
        let s = c.spec(64);
        assert_eq!(s.kind.name(), "gaussian");
        assert_eq!(s.options.threshold, ThresholdMode::Zero);
        assert_eq!(s.options.iterations, 50);
        let pca = Kind::Learned(crate::projection::learn::LearnedKind::Pca);
        let e = seeded_projector(pca, 0, 8, 8).unwrap_err().to_string();
        assert!(e.starts_with("--projection pca learns from data"), "{e}");
        let gaussian = ProjectionChoice::DEFAULT_KIND;
        assert_eq!(seeded_projector(gaussian, 3, 8, 16).unwrap().bits(), 16);
    }

    fn pca() -> Kind {
        Kind::Learned(crate::projection::learn::LearnedKind::Pca)
    }

    #[test]
    fn seeded_choices_and_their_spec() {
        let c = ProjectionChoice::seeded(Kind::Hadamard, 11);
        assert_eq!((c.projection, c.seed), (Some(Kind::Hadamard), Some(11)));
        assert_eq!(c.threshold, None);
        let c = ProjectionChoice {
            threshold: Some(ThresholdMode::Median),
            iterations: Some(7),
            sample: Some(30),
            ..c
        };
        let s = c.spec(40);
        assert_eq!((s.kind, s.bits), (Kind::Hadamard, 40));
        assert_eq!(
            s.options,
            TrainOptions {
                seed: 11,
                iterations: 7,
                threshold: ThresholdMode::Median,
                sample: Some(30),
            }
        );
        assert_eq!(ProjectionChoice::default().seed(), 0);
    }

    #[test]
    fn training_is_needed_for_learned_kinds_and_data_thresholds_only() {
        let with = |kind, threshold| ProjectionChoice {
            threshold: Some(threshold),
            ..ProjectionChoice::seeded(kind, 1)
        };
        let seeded = ProjectionChoice::DEFAULT_KIND;
        assert!(!with(seeded, ThresholdMode::Zero).trains_on_fallback(Some(8)));
        assert!(with(seeded, ThresholdMode::Mean).trains_on_fallback(Some(8)));
        assert!(with(pca(), ThresholdMode::Zero).trains_on_fallback(Some(8)));
        // No bits, a train file or an artefact: the fallback is not read.
        assert!(!with(pca(), ThresholdMode::Zero).trains_on_fallback(None));
        let train = ProjectionChoice {
            train: Some("t.npy".into()),
            ..with(pca(), ThresholdMode::Mean)
        };
        assert!(!train.trains_on_fallback(Some(8)));
        let file = ProjectionChoice {
            projection_file: Some("dir".into()),
            ..with(seeded, ThresholdMode::Mean)
        };
        assert!(!file.trains_on_fallback(Some(8)));
    }

    #[test]
    fn build_projector_trains_on_the_fallback_or_says_what_is_missing() {
        let (dims, bits) = (6, 8);
        let x: Vec<f32> = (0..20 * dims)
            .map(|i| ((i * 7) % 13) as f32 - 6.0)
            .collect();
        let mean = ProjectionChoice {
            threshold: Some(ThresholdMode::Mean),
            ..ProjectionChoice::seeded(Kind::Hadamard, 2)
        };
        let fallback = Some((&x[..], Path::new("x.npy")));
        let p = build_projector(&mean, dims, Some(bits), fallback).unwrap();
        assert_eq!(p.n_train(), 20);
        let want = Projector::build(mean.spec(bits), dims, &x).unwrap();
        assert_eq!(p.thresholds(), want.thresholds());
        let e = build_projector(&mean, dims, Some(bits), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("projection hadamard with threshold mean needs training vectors"),
            "{e}"
        );
        let e = build_projector(&mean, dims, None, fallback)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "give --bits (or --projection-file)");
        // Zero thresholds of a seeded kind never read the fallback.
        let zero = ProjectionChoice::seeded(Kind::Hadamard, 2);
        assert_eq!(
            build_projector(&zero, dims, Some(bits), fallback)
                .unwrap()
                .n_train(),
            0
        );
        let e = build_projector(&mean, dims, Some(bits), Some((&x[..7], Path::new("x.npy"))))
            .unwrap_err();
        assert!(format!("{e:#}").contains("trained on x.npy"), "{e:#}");
    }

    #[test]
    fn a_train_file_or_an_artefact_must_match_the_vectors() {
        let dir = tempfile::tempdir().unwrap();
        let (dims, bits) = (10, 8);
        let x: Vec<f32> = (0..30 * dims)
            .map(|i| ((i * 5) % 11) as f32 - 5.0)
            .collect();
        let t = dir.path().join("t.npy");
        data::write_npy(&t, &[30, dims as u64], &x).unwrap();
        let choice = ProjectionChoice {
            train: Some(t.clone()),
            ..ProjectionChoice::seeded(pca(), 4)
        };
        let p = build_projector(&choice, dims, Some(bits), None).unwrap();
        assert_eq!(p.n_train(), 30);
        let e = build_projector(&choice, dims + 1, Some(bits), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("training vectors have 10 dims, the vectors to encode have 11"),
            "{e}"
        );

        let a = artefact::Artefact::from_projector(&p, None).unwrap();
        let art = dir.path().join("art");
        artefact::save(&art, &a, false).unwrap();
        let from_file = ProjectionChoice {
            projection_file: Some(art.clone()),
            ..ProjectionChoice::default()
        };
        let q = build_projector(&from_file, dims, Some(bits), None).unwrap();
        assert_eq!(q.encode(&x, 1).unwrap(), p.encode(&x, 1).unwrap());
        assert_eq!(
            build_projector(&from_file, dims, None, None)
                .unwrap()
                .bits(),
            bits
        );
        let e = build_projector(&from_file, 5, Some(bits), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("the projection takes 10 dims, the vectors have 5"),
            "{e}"
        );
        let e = build_projector(&from_file, dims, Some(16), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("the projection makes 8 bits, 16 were asked for"),
            "{e}"
        );
    }

    #[test]
    fn untrained_choices_never_read_a_train_file() {
        let zero = ProjectionChoice {
            train: Some("/nonexistent/t.npy".into()),
            ..ProjectionChoice::seeded(Kind::Hadamard, 2)
        };
        assert_eq!(
            build_projector(&zero, 6, Some(8), None).unwrap().n_train(),
            0
        );
        let mean = ProjectionChoice {
            threshold: Some(ThresholdMode::Mean),
            ..zero
        };
        let e = build_projector(&mean, 6, Some(8), None).unwrap_err();
        assert!(format!("{e:#}").contains("/nonexistent/t.npy"), "{e:#}");
        // The seed reaches the projection.
        let g = ProjectionChoice::DEFAULT_KIND;
        let (a, b) = (
            seeded_projector(g, 3, 8, 16).unwrap(),
            seeded_projector(g, 4, 8, 16).unwrap(),
        );
        assert_ne!(a.matrix(), b.matrix());
        assert_eq!(a.spec().options.seed, 3);
    }

    #[test]
    fn matrix_train_and_export_requests_write_what_they_say() {
        let dir = tempfile::tempdir().unwrap();
        let (dims, bits) = (10, 8);
        let m = dir.path().join("w.npy");
        let kind = Kind::Seeded(binaryllm_core::ProjectionKind::Rademacher);
        write_matrix(&MatrixRequest {
            kind,
            seed: 5,
            dims,
            bits,
            out: m.clone(),
            force: false,
        })
        .unwrap();
        let w = data::read_matrix(&m).unwrap();
        assert_eq!((w.rows, w.cols), (bits, dims));
        assert_eq!(
            w.data,
            seeded_projector(kind, 5, dims, bits)
                .unwrap()
                .dense_matrix()
                .unwrap()
        );

        let x: Vec<f32> = (0..30 * dims)
            .map(|i| ((i * 5) % 11) as f32 - 5.0)
            .collect();
        let input = dir.path().join("x.npy");
        data::write_npy(&input, &[30, dims as u64], &x).unwrap();
        let req = |kind, out: &str| TrainRequest {
            projection: ProjectionChoice::seeded(kind, 4),
            input: input.clone(),
            bits,
            out: dir.path().join(out),
            force: false,
        };
        let e = train(&req(Kind::Hadamard, "h")).unwrap_err().to_string();
        assert!(e.contains("hadamard is matrix-free"), "{e}");
        assert!(!dir.path().join("h").exists());
        train(&req(pca(), "pca")).unwrap();
        let a = artefact::load(&dir.path().join("pca")).unwrap();
        assert_eq!(
            a.meta.training_sha256,
            Some(data::sha256_file(&input).unwrap())
        );
        assert_eq!((a.meta.kind.as_str(), a.meta.n_train), ("pca", 30));

        for (format, name, want) in [
            (
                ArtefactFormat::Rust,
                "p.rs",
                artefact::rust_source(&a).into_bytes(),
            ),
            (ArtefactFormat::Bin, "p.bin", artefact::to_bin(&a)),
        ] {
            let out = dir.path().join(name);
            let r = ExportRequest {
                input: dir.path().join("pca"),
                format,
                out: out.clone(),
                force: false,
            };
            export(&r).unwrap();
            assert_eq!(std::fs::read(&out).unwrap(), want, "{name}");
        }
    }
}
