//! `binaryllm convert`: codes made by another tool into a binaryllm code file
//! ([`binaryllm_engine::ops::inspect::convert`]); `binaryllm inspect` prints the flags.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};

use binaryllm_core::bytes::ByteOrder;
use binaryllm_engine::engine::inspect::{Layout, Polarity, Storage};
use binaryllm_engine::ops::inspect::{self, ConvertRequest};

use super::CodeFormat;

/// Bit order inside each byte of packed codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BitOrder {
    /// Code bit 8k + i is bit i of byte k: FAISS, sqlite-vec, packbits(bitorder="little").
    Lsb,
    /// Code bit 8k + i is bit 7 − i of byte k: numpy.packbits default, `ubinary`, pgvector bit(n).
    Msb,
}

/// What a set bit stands for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum PolarityArg {
    /// A set bit is a non-negative coordinate (binaryllm, FAISS, numpy, pgvector).
    #[default]
    Positive,
    /// A set bit is a negative coordinate (Weaviate).
    Negative,
}

/// `binaryllm convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Codes made by another tool: a 2-D uint8, int8 or bool .npy.
    #[arg(long, value_name = "FILE")]
    pub codes: PathBuf,
    /// Bit order of packed codes (`binaryllm inspect` tells it).
    #[arg(long = "bit-order", value_enum, required_unless_present = "unpacked")]
    pub bit_order: Option<BitOrder>,
    /// One byte (0 or 1) per bit instead of packed bytes.
    #[arg(long, conflicts_with_all = ["bit_order", "signed_offset"])]
    pub unpacked: bool,
    /// Every byte's top bit is flipped: sentence-transformers' signed `binary` form (ubinary − 128).
    #[arg(long = "signed-offset")]
    pub signed_offset: bool,
    /// What a set bit stands for.
    #[arg(long, value_enum, default_value_t)]
    pub polarity: PolarityArg,
    /// Code width in bits (default: 8 × the bytes per row packed, the bytes per row unpacked).
    #[arg(long)]
    pub bits: Option<usize>,
    /// The floats the codes were made from, recorded in the output's sidecar.
    #[arg(long, value_name = "FILE")]
    pub floats: Option<PathBuf>,
    /// Byte order of the written codes.
    #[arg(long = "codes-format", value_enum, default_value_t)]
    pub codes_format: CodeFormat,
    /// Output code file (uint8 [N, ceil(bits/8)] .npy with its sidecar OUT.json).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace an existing output that binaryllm wrote (README, "Outputs").
    #[arg(long)]
    pub force: bool,
}

impl ConvertArgs {
    /// The layout the flags name.
    pub fn layout(&self) -> Layout {
        let storage = match (self.unpacked, self.bit_order) {
            (true, _) => Storage::Unpacked,
            (false, Some(BitOrder::Msb)) => Storage::Packed(ByteOrder::Msb),
            // clap requires --bit-order without --unpacked
            (false, _) => Storage::Packed(ByteOrder::Lsb),
        };
        Layout {
            storage,
            signed_offset: self.signed_offset,
            polarity: match self.polarity {
                PolarityArg::Positive => Polarity::Positive,
                PolarityArg::Negative => Polarity::Negative,
            },
        }
    }
}

/// Runs `convert`: prints the file written.
pub fn exec(a: &ConvertArgs) -> Result<()> {
    let w = inspect::convert(&ConvertRequest {
        codes: a.codes.clone(),
        layout: a.layout(),
        bits: a.bits,
        floats: a.floats.clone(),
        order: a.codes_format.into(),
        out: a.out.clone(),
        force: a.force,
    })?;
    super::print_written(&w);
    Ok(())
}
