//! The stage of the pipeline an error comes from.
//!
//! Every error binaryllm reports starts with the stage that raised it ("load stage: …",
//! "output stage: …"), so a user can tell a bad input file from a bad config or a full disk.
//! The stage is a value of [`Stage`], not a string each call site spells.

use core::fmt;

/// A pipeline stage; `Display` gives the prefix of its error messages, e.g. `load stage`.
///
/// Use it as an error context (`.context(Stage::Load)`) or as the first argument of a message
/// (`bail!("{}: {} is empty", Stage::Load, path)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// Reading and validating the config file or request.
    Config,
    /// Reading input files (embeddings, codes, artefacts).
    Load,
    /// Building or applying a projection.
    Projection,
    /// Training a learned projection.
    Train,
    /// Turning floats into codes.
    Encode,
    /// Hamming search and re-ranking.
    Search,
    /// Computing evaluation metrics.
    Metrics,
    /// Judging the hypothesis from the metrics.
    Verdict,
    /// Exporting codes for another engine.
    Export,
    /// Writing outputs (atomically).
    Output,
    /// Running firmware (build, QEMU, capture).
    Run,
    /// Decoding a firmware capture.
    Decode,
    /// Computing or reading the float ground truth.
    GroundTruth,
    /// Checking interoperability with another tool's format.
    Interop,
}

impl Stage {
    /// The stage's name as it appears in messages, e.g. `ground-truth`.
    pub const fn name(self) -> &'static str {
        match self {
            Stage::Config => "config",
            Stage::Load => "load",
            Stage::Projection => "projection",
            Stage::Train => "train",
            Stage::Encode => "encode",
            Stage::Search => "search",
            Stage::Metrics => "metrics",
            Stage::Verdict => "verdict",
            Stage::Export => "export",
            Stage::Output => "output",
            Stage::Run => "run",
            Stage::Decode => "decode",
            Stage::GroundTruth => "ground-truth",
            Stage::Interop => "interop",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} stage", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Stage;

    #[test]
    fn display_is_the_message_prefix() {
        assert_eq!(Stage::Load.to_string(), "load stage");
        assert_eq!(Stage::GroundTruth.to_string(), "ground-truth stage");
        assert_eq!(format!("{}: x", Stage::Output), "output stage: x");
    }
}
