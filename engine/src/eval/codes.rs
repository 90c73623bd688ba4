//! `eval --codes`: evaluating precomputed codes. The config is narrowed to the codes' one
//! projection, width and seed (from their sidecar), and the codes serve as the base codes.

use std::fmt::Display;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::{Config, Overrides, ProjectionSpec};
use crate::dataset::Dataset;
use crate::engine::sidecar;
use crate::eval::BaseCodes;
use crate::ops::codes::{SidecarCodes, resolve_projection};
use crate::projection::choice::{ProjectionChoice, build_projector};
use crate::projection::{Projector, Spec};

fn list_words<T: Display>(v: &[T]) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(",")
}

/// `eval --codes`: the config evaluates the one (projection, bits, seed) of the codes. With a
/// recorded projection it comes from the sidecar (a `--projection`, `--seeds` or `--bits` that
/// differs is an error); without one, the config must already name exactly one of each.
pub fn configure_eval(a: &Overrides, config: &mut Config, codes: &SidecarCodes) -> Result<()> {
    let (Some(s), Some(rec)) = (&codes.sidecar, codes.projection()) else {
        if config.projections.len() != 1 || config.seeds.len() != 1 || config.bits.len() != 1 {
            bail!(
                "{} has no sidecar recording its projection ({}): give exactly one --projection, --seeds and --bits (the config has {} projections, {} seeds and {} widths)",
                codes.path.display(),
                codes.sidecar_path().display(),
                config.projections.len(),
                config.seeds.len(),
                config.bits.len()
            );
        }
        return Ok(());
    };
    let recorded = |flag: &str, given: Option<String>, want: String, what: &str| match given {
        Some(g) if g != want => {
            Err(codes.contradiction(flag, g, &format!("the codes were made with {what} {want}")))
        }
        _ => Ok(()),
    };
    let projections = a.projections.as_ref().map(|l| list_words(l));
    recorded(
        "--projection",
        projections,
        rec.kind.to_string(),
        "projection",
    )?;
    let seeds = a.seeds.as_ref().map(|l| list_words(l));
    recorded("--seeds", seeds, rec.seed.to_string(), "seed")?;
    if let Some(b) = &a.bits
        && b[..] != [s.bits]
    {
        return Err(codes.contradiction(
            "--bits",
            list_words(b),
            &format!("the codes have {} bits", s.bits),
        ));
    }
    config.projections = vec![ProjectionSpec {
        kind: rec.kind.name().to_string(),
        name: None,
        threshold: rec.threshold,
        iterations: rec.iterations,
        sample: rec.training.as_ref().and_then(|t| t.sample),
    }];
    config.seeds = vec![rec.seed];
    config.bits = vec![s.bits];
    Ok(())
}

/// `eval --codes`: the base codes of `ds` and the projector that encodes its queries. The
/// codes must have one row per base vector and (by the sidecar) come from the base file.
pub fn eval_base_codes(codes: &SidecarCodes, config: &Config, ds: &Dataset) -> Result<BaseCodes> {
    let base_file = ds.files.iter().find(|f| f.role == "base");
    if codes.rows != ds.base.rows {
        bail!(
            "{} has {} codes, the base vectors ({}) have {} rows",
            codes.path.display(),
            codes.rows,
            base_file.map_or(ds.id.as_str(), |f| f.path.as_str()),
            ds.base.rows
        );
    }
    if let (Some(input), Some(b)) = (
        codes.sidecar.as_ref().and_then(|s| s.input.as_ref()),
        base_file,
    ) && input.sha256 != b.sha256
    {
        bail!(
            "{} says the codes were made from {} (sha256 {}), not from the base vectors {} (sha256 {})",
            codes.sidecar_path().display(),
            input.path,
            sidecar::short(&input.sha256),
            b.path,
            sidecar::short(&b.sha256)
        );
    }
    let dims = ds.base.cols;
    codes.check_dims(
        Path::new(base_file.map_or("the base set", |f| f.path.as_str())),
        dims,
    )?;
    let bits = *config.bits.first().context("no code widths")?;
    let format = codes.order(None, "--format")?;
    let projector = match codes.projection() {
        Some(rec) => {
            // Trained on the base file: train on it where eval loaded it (it may have moved).
            let mut given = ProjectionChoice::default();
            if let (Some(t), Some(b)) = (&rec.training, base_file)
                && t.sha256 == b.sha256
            {
                given.train = Some(PathBuf::from(&b.path));
            }
            let opts = resolve_projection(&given, codes)?;
            build_projector(&opts, dims, Some(bits), None)?
        }
        None => {
            let spec = config.projections.first().context("no projection")?;
            let seed = *config.seeds.first().context("no seed")?;
            let kind = spec.host_kind()?;
            let s = Spec {
                kind,
                bits,
                options: spec.options(seed),
            };
            Projector::build(s, dims, &ds.base.data)?
        }
    };
    Ok(BaseCodes {
        codes: codes.decode(bits, format)?,
        projector,
        fused: codes.fused(),
    })
}
