//! The names of projection kinds, threshold rules and training options: plain types with no
//! linear algebra, shared by the config parser (also compiled into the fuzz targets) and by
//! `binaryllm_engine::projection` (and its `learn` module), which re-export them.

use binaryllm_core::ProjectionKind;

pub use crate::UnknownName;

/// Kinds of trained (or orthonormalised) projections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LearnedKind {
    /// Seeded Gaussian rows orthonormalised by QR (per block of `dims` rows).
    Orthogonal,
    /// Top principal components of the training set.
    Pca,
    /// PCA followed by an ITQ rotation.
    Itq,
}

impl LearnedKind {
    /// Every kind.
    pub const ALL: [LearnedKind; 3] = [LearnedKind::Orthogonal, LearnedKind::Pca, LearnedKind::Itq];
    /// What a name of this type names (for [`UnknownName`]).
    pub const WHAT: &'static str = "learned projection kind";

    /// The lowercase name used in configs and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            LearnedKind::Orthogonal => "orthogonal",
            LearnedKind::Pca => "pca",
            LearnedKind::Itq => "itq",
        }
    }

    /// Parses [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the kind centres the data on the training mean.
    pub const fn centred(self) -> bool {
        !matches!(self, LearnedKind::Orthogonal)
    }

    /// Whether the kind needs training vectors to build its matrix.
    pub const fn needs_training_data(self) -> bool {
        self.centred()
    }
}

/// How per-bit thresholds are set (on `y`, see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ThresholdMode {
    /// `θ = 0` (for centred kinds: the sign of the centred projection).
    #[default]
    Zero,
    /// `θ_r` = mean of `y_r` over the training set.
    Mean,
    /// `θ_r` = median of `y_r` over the training set (mean of the two middle values when even).
    Median,
}

impl ThresholdMode {
    /// Every mode.
    pub const ALL: [ThresholdMode; 3] = [
        ThresholdMode::Zero,
        ThresholdMode::Mean,
        ThresholdMode::Median,
    ];
    /// What a name of this type names (for [`UnknownName`]).
    pub const WHAT: &'static str = "threshold";

    /// The lowercase name used in configs and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            ThresholdMode::Zero => "zero",
            ThresholdMode::Mean => "mean",
            ThresholdMode::Median => "median",
        }
    }

    /// Parses [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Training options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrainOptions {
    /// Seed of the random parts (orthogonal's Gaussian matrix, ITQ's initial rotation).
    pub seed: u64,
    /// ITQ iterations (50 by default).
    pub iterations: usize,
    /// Threshold rule.
    pub threshold: ThresholdMode,
    /// Train on a seeded subsample of this many rows (`None`: every row). The rows are picked
    /// by a partial Fisher–Yates shuffle driven by `SeededStream(seed, "trainsmp")`, kept in
    /// their original order.
    pub sample: Option<usize>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            seed: 0,
            iterations: 50,
            threshold: ThresholdMode::Zero,
            sample: None,
        }
    }
}

/// Every projection kind the host knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Seeded i.i.d. hyperplanes of the core.
    Seeded(ProjectionKind),
    /// Seeded sign flips + fast Walsh–Hadamard transform (matrix-free).
    Hadamard,
    /// Orthonormalised or trained dense matrix.
    Learned(LearnedKind),
}

impl Kind {
    /// Every kind, in the order tables and plots list them.
    pub const ALL: [Kind; 7] = [
        Kind::Seeded(ProjectionKind::Gaussian),
        Kind::Seeded(ProjectionKind::Rademacher),
        Kind::Seeded(ProjectionKind::Achlioptas),
        Kind::Hadamard,
        Kind::Learned(LearnedKind::Orthogonal),
        Kind::Learned(LearnedKind::Pca),
        Kind::Learned(LearnedKind::Itq),
    ];
    /// What a name of this type names (for [`UnknownName`]).
    pub const WHAT: &'static str = "projection kind";

    /// The lowercase name used in configs and on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Seeded(k) => k.name(),
            Kind::Hadamard => "hadamard",
            Kind::Learned(k) => k.name(),
        }
    }

    /// Parses [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the kind always needs training vectors (whatever the threshold rule).
    pub const fn needs_training_data(self) -> bool {
        match self {
            Kind::Learned(k) => k.needs_training_data(),
            _ => false,
        }
    }

    /// Whether the kind is a dense matrix (every kind but the matrix-free `hadamard`).
    pub const fn is_matrix(self) -> bool {
        !matches!(self, Kind::Hadamard)
    }
}

named_enum!(LearnedKind);
named_enum!(ThresholdMode);
named_enum!(Kind);

/// The names of every kind, comma-separated, for error messages.
pub fn known_kinds() -> String {
    Kind::ALL.map(Kind::name).join(", ")
}

/// The names of every threshold rule, comma-separated, for error messages.
pub fn known_thresholds() -> String {
    ThresholdMode::ALL.map(ThresholdMode::name).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_from_str_display_and_serde() {
        for k in Kind::ALL {
            assert_eq!(k.to_string().parse::<Kind>(), Ok(k));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.name()));
            assert_eq!(serde_json::from_str::<Kind>(&json).unwrap(), k);
        }
        for t in ThresholdMode::ALL {
            assert_eq!(t.name().parse::<ThresholdMode>(), Ok(t));
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{t}\""));
        }
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let e = "spherical".parse::<Kind>().unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "unknown projection kind `spherical` (known: {})",
                known_kinds()
            )
        );
        let e = "p90".parse::<ThresholdMode>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown threshold `p90` (known: zero, mean, median)"
        );
        let e = serde_json::from_str::<Kind>("\"lsh\"").unwrap_err();
        assert!(
            e.to_string().starts_with("unknown projection kind `lsh`"),
            "{e}"
        );
    }
}
