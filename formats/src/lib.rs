//! binaryllm's file formats, shared by the engine, the CLI and the fuzz targets.
//!
//! - [`data`]: the `.npy` reader and writer (float16/32/64 and integer dtypes, any byte order),
//!   `.fvecs` / `.ivecs`, the one atomic writer (temporary file, fsync, rename, cleanup) and the
//!   sha256 helpers;
//! - [`config`]: the evaluation config schema (`configs/*.toml`) and its validation;
//! - [`kinds`]: the names of projection kinds, threshold rules and training options;
//! - [`qrels`]: relevance judgments (TREC and BEIR files) mapped to query and base rows;
//! - [`stage`]: the pipeline stage every error message starts with;
//! - [`threads`]: the one check behind every `--threads` flag and `threads =` key.
#![deny(unsafe_code)]

/// A name that is not one of a closed set (projection kinds, threshold rules, normalisation
/// policies); `Display` is the message every front end shows, e.g.
/// ``unknown projection kind `spherical` (known: gaussian, …)``.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{name}` (known: {known})")]
pub struct UnknownName {
    /// What the name should have named, e.g. `projection kind`.
    pub what: &'static str,
    /// The name given.
    pub name: String,
    /// The known names, comma-separated.
    pub known: String,
}

/// `FromStr`, `Display` and serde (as the name) for an enum with `ALL`, `name()` and `WHAT`.
macro_rules! named_enum {
    ($t:ty) => {
        impl std::str::FromStr for $t {
            type Err = $crate::UnknownName;
            fn from_str(s: &str) -> Result<Self, $crate::UnknownName> {
                Self::from_name(s).ok_or_else(|| $crate::UnknownName {
                    what: Self::WHAT,
                    name: s.to_string(),
                    known: Self::ALL.map(Self::name).join(", "),
                })
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                name.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub mod config;
pub mod data;
pub mod kinds;
pub mod qrels;
pub mod stage;
pub mod threads;
