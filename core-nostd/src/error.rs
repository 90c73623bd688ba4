//! The one error type of the core.

use core::fmt;

/// Everything the core can reject.
///
/// Payloads are small `Copy` numbers (sizes saturate at `u32::MAX`), so the enum fits in a
/// firmware report and costs nothing to return.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A slice or size did not have the length the operation needs.
    DimensionMismatch {
        /// The length the operation expected.
        expected: u32,
        /// The length it was given.
        actual: u32,
    },
    /// An input value is NaN or ±infinity.
    NonFinite {
        /// Position of the first offending value in the input slice.
        index: u32,
    },
    /// A threshold is NaN or ±infinity.
    NonFiniteThreshold {
        /// Position of the first offending threshold.
        index: u32,
    },
    /// A projected value overflowed to ±infinity (inputs too large for f32).
    ProjectionOverflow {
        /// The projection row (output bit) that overflowed.
        row: u32,
    },
    /// `k` was zero: a top-k query must ask for at least one neighbour.
    ZeroK,
    /// A caller-owned buffer or a fixed capacity is too small.
    Capacity {
        /// Number of elements the operation needs.
        required: u32,
        /// Number of elements available.
        capacity: u32,
    },
    /// A code width is zero or above the supported maximum.
    InvalidBits {
        /// The requested number of bits.
        bits: u32,
        /// The largest supported number of bits.
        max: u32,
    },
    /// A number of input dimensions is zero or above the supported maximum.
    InvalidDims {
        /// The requested number of dimensions.
        dims: u32,
        /// The largest supported number of dimensions.
        max: u32,
    },
    /// A packed code has a padding bit (beyond its bit count) set.
    PaddingNotZero {
        /// Index of the code word (or byte, for byte forms) holding the stray bit.
        position: u32,
    },
}

/// `Result` with the core's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::DimensionMismatch { expected, actual } => {
                write!(f, "dimension mismatch: expected {expected}, got {actual}")
            }
            Error::NonFinite { index } => write!(f, "non-finite input value at index {index}"),
            Error::NonFiniteThreshold { index } => {
                write!(f, "non-finite threshold at index {index}")
            }
            Error::ProjectionOverflow { row } => {
                write!(f, "projected value of row {row} is not finite")
            }
            Error::ZeroK => f.write_str("k must be at least 1"),
            Error::Capacity { required, capacity } => {
                write!(f, "capacity exceeded: need {required}, have {capacity}")
            }
            Error::InvalidBits { bits, max } => {
                write!(f, "invalid code width: {bits} bits (supported: 1..={max})")
            }
            Error::InvalidDims { dims, max } => {
                write!(f, "invalid dimensions: {dims} (supported: 1..={max})")
            }
            Error::PaddingNotZero { position } => {
                write!(f, "padding bit set in word or byte {position}")
            }
        }
    }
}

impl core::error::Error for Error {}

/// Saturating `usize` → `u32` for error payloads.
#[inline]
pub(crate) fn sat(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `Ok(())` when `actual == expected`, else [`Error::DimensionMismatch`].
#[inline]
pub(crate) fn check_len(expected: usize, actual: usize) -> Result<()> {
    if expected == actual {
        Ok(())
    } else {
        Err(Error::DimensionMismatch {
            expected: sat(expected),
            actual: sat(actual),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn display_is_lowercase_and_names_the_numbers() {
        let e = Error::DimensionMismatch {
            expected: 384,
            actual: 383,
        };
        assert_eq!(e.to_string(), "dimension mismatch: expected 384, got 383");
        assert_eq!(
            Error::NonFinite { index: 7 }.to_string(),
            "non-finite input value at index 7"
        );
        assert_eq!(Error::ZeroK.to_string(), "k must be at least 1");
    }

    #[test]
    fn sat_saturates() {
        assert_eq!(sat(5), 5);
        #[cfg(target_pointer_width = "64")]
        assert_eq!(sat(usize::MAX), u32::MAX);
    }

    #[test]
    fn error_is_small_and_copy() {
        fn is_copy<T: Copy + core::error::Error>() {}
        is_copy::<Error>();
        assert!(core::mem::size_of::<Error>() <= 12);
    }
}
